"""What both emitters need from a plan: per secret its name, description, tags, key, replicas, readers
and rotation (with the engine when AWS's own rotation function can rotate it). Pure; never a value."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any, Mapping

from ..planner.lifecycle import Lifecycle, RotatePlan, SecretLifecycle, parse_secret_lifecycle
from ..planner.policy import iam_policy, resource_policy

# service (last part of a planned name) -> AWS's engine name in its rotation functions
DB_SERVICES = {"postgresql": "PostgreSQL", "postgres": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB",
               "oracle": "Oracle", "sqlserver": "SQLServer", "redshift": "Redshift", "mongodb": "MongoDB",
               "docdb": "MongoDB"}


@dataclass(frozen=True)
class IacSecret:
    logical_id: str  # CamelCase for CloudFormation
    tf_name: str  # snake_case for Terraform
    name: str
    description: str
    tags: dict[str, str]
    kms_key_id: str | None
    replicas: tuple[tuple[str, str | None], ...]
    readers: tuple[str, ...]
    rotate: RotatePlan | None
    engine: str | None  # set for database secrets AWS's rotation functions handle

    @property
    def policy(self) -> dict[str, Any]:
        return resource_policy(self.readers)


def _ids(name: str) -> tuple[str, str]:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    camel = "".join(p[:1].upper() + p[1:] for p in parts) or "Secret"
    snake = "_".join(p.lower() for p in parts) or "secret"
    if snake[0].isdigit():
        camel, snake = "S" + camel, "s_" + snake
    return camel, snake


def engine_for(secret: Any) -> str | None:
    """The engine for a database secret (rotation route ``database-password``), from its service."""
    if getattr(secret, "rotation", "") != "database-password":
        return None
    service = secret.name.rstrip("/").rsplit("/", 1)[-1].split("-")[0].lower()
    return DB_SERVICES.get(service)


def secrets_of(plan: Any, lifecycle: Lifecycle, per_secret: Mapping[str, SecretLifecycle] | None = None) -> list[IacSecret]:
    out, seen = [], set()
    for s in plan.secrets:
        eff = (per_secret or {}).get(s.id, SecretLifecycle()).over(lifecycle.defaults)
        own = parse_secret_lifecycle(getattr(s, "lifecycle", None) or None).rotate
        if eff.rotate and eff.rotate.lambda_arn and not engine_for(s) and not (own and own.lambda_arn):
            # the plan-wide function is AWS's database function: a third-party key needs its own
            eff = replace(eff, rotate=replace(eff.rotate, lambda_arn=None))
        camel, snake = _ids(s.name)
        while camel in seen:  # names that differ only in punctuation
            camel, snake = camel + "X", snake + "_x"
        seen.add(camel)
        out.append(IacSecret(camel, snake, s.name, s.description, dict(s.tags), s.kms_key_id, eff.replicas,
                             eff.readers, eff.rotate, engine_for(s)))
    return out


def read_policy(secrets: list[IacSecret], arn_of: Any, region: str | None, account: str | None) -> dict[str, Any]:
    """The least-privilege read policy with each secret's ARN given by ``arn_of(secret)`` (a reference)."""
    pol = iam_policy([s.name for s in secrets], sorted({s.kms_key_id for s in secrets if s.kms_key_id}), region, account)
    if pol:
        pol["Statement"][0]["Resource"] = [arn_of(s) for s in secrets]
    return pol
