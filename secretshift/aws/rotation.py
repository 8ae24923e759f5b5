"""Turn on automatic rotation for a migrated secret and check that the first rotation succeeded.

Database secrets (``engine``, ``host``, ``username``, ``password``, optional ``port``/``dbname``: the
structure AWS's rotation functions read) rotate with AWS's own functions, single-user or
alternating-users (the latter needs ``masterarn``: the ARN of a superuser secret that may clone the
user). Other secrets rotate with a function the user reviewed and deployed (see ``lambda_skeleton``).

Success is reported only after the version ``rotate_secret`` started carries ``AWSCURRENT``, the old
one ``AWSPREVIOUS``, no ``AWSPENDING`` is left elsewhere, and the new value has the same structure with
a different password. Values stay in memory; outcomes name versions, never values.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any, Callable

from ..base.errors import AwsActionError, SecretshiftError
from .gateway import SecretsGateway

DEFAULT_DAYS = 30
DEFAULT_WAIT_SECONDS = 300
STRATEGIES = ("single", "alternating")
DB_REQUIRED = ("engine", "host", "username", "password")
# engine (as stored in the secret) -> the name AWS's rotation functions use
ENGINES = {"postgres": "PostgreSQL", "postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB",
           "oracle": "Oracle", "sqlserver": "SQLServer", "redshift": "Redshift", "mongo": "MongoDB",
           "mongodb": "MongoDB", "docdb": "MongoDB"}
SAR_ACCOUNT = "297356227824"  # publisher of AWS's rotation functions in the Serverless Application Repository
RDS_HOST_RE = re.compile(r"^(?P<id>[a-z][a-z0-9-]{0,62})\.(?P<cluster>cluster-(?:ro-)?)?[a-z0-9]+\."
                         r"(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)\.rds\.amazonaws\.com$")


class RotationError(SecretshiftError):
    """Rotation cannot be turned on for this secret (wrong structure, missing master secret ...)."""


@dataclass(frozen=True)
class RotationSpec:
    lambda_arn: str | None
    strategy: str = "single"
    days: int = DEFAULT_DAYS
    schedule: str | None = None  # a ScheduleExpression (rate(...)/cron(...)) instead of days
    master_secret_arn: str | None = None  # alternating users: the superuser secret

    def rules(self) -> dict[str, Any]:
        return {"ScheduleExpression": self.schedule} if self.schedule else {"AutomaticallyAfterDays": self.days}


@dataclass(frozen=True)
class RotationOutcome:
    name: str
    status: str  # "rotated" | "unchanged" | "rescheduled" | "not-verified" | "failed"
    version_id: str | None
    previous_version_id: str | None
    message: str

    @property
    def ok(self) -> bool:
        return self.status in ("rotated", "unchanged", "rescheduled")


def parse_json(s: str | None) -> dict[str, Any] | None:
    try:
        v = json.loads(s or "")
    except ValueError:
        return None
    return v if isinstance(v, dict) else None


def database_engine(obj: dict[str, Any] | None) -> str | None:
    """AWS's name for the engine when ``obj`` has the structure the rotation functions need, else None."""
    if not obj or any(not obj.get(k) for k in DB_REQUIRED):
        return None
    return ENGINES.get(str(obj["engine"]).lower())


def function_name(engine: str, strategy: str) -> str:
    """The Serverless Application Repository application of AWS's rotation function."""
    kind = "MultiUser" if strategy == "alternating" else "SingleUser"
    if engine in ("Redshift", "MongoDB"):
        return f"SecretsManager{engine}Rotation{kind}"
    return f"SecretsManagerRDS{engine}Rotation{kind}"


def hosted_rotation_type(engine: str, strategy: str) -> str:
    """``HostedRotationLambda.RotationType`` in CloudFormation (``PostgreSQLSingleUser`` ...)."""
    return f"{engine}{'MultiUser' if strategy == 'alternating' else 'SingleUser'}"


def deploy_command(engine: str, strategy: str, region: str | None) -> str:
    """The AWS CLI commands that deploy AWS's rotation function for this engine (printed, never run)."""
    app = function_name(engine, strategy)
    return (f"aws serverlessrepo create-cloud-formation-change-set --application-id "
            f"arn:aws:serverlessrepo:us-east-1:{SAR_ACCOUNT}:applications/{app} --stack-name {app.lower()} "
            f"--capabilities CAPABILITY_IAM CAPABILITY_RESOURCE_POLICY --parameter-overrides "
            f"Name=endpoint,Value=https://secretsmanager.{region or '<REGION>'}.amazonaws.com "
            f"Name=functionName,Value={app.lower()}")


def rds_instance(host: str | None) -> dict[str, str] | None:
    """``{"id", "kind" (instance|cluster), "region"}`` when ``host`` is an RDS endpoint, else None."""
    m = RDS_HOST_RE.match((host or "").lower())
    if not m:
        return None
    return {"id": m.group("id"), "kind": "cluster" if m.group("cluster") else "instance", "region": m.group("region")}


def managed_password_command(rds: dict[str, str]) -> str:
    flag = "--db-cluster-identifier" if rds["kind"] == "cluster" else "--db-instance-identifier"
    verb = "modify-db-cluster" if rds["kind"] == "cluster" else "modify-db-instance"
    return (f"aws rds {verb} {flag} {rds['id']} --manage-master-user-password --apply-immediately "
            f"--region {rds['region']}")


def ensure_rotation(gw: SecretsGateway, name: str, spec: RotationSpec, now: bool = False,
                    wait_seconds: float = DEFAULT_WAIT_SECONDS, poll_seconds: float = 5.0,
                    sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                    report: Callable[[str], None] = lambda m: None) -> RotationOutcome:
    """Rotation of ``name`` as ``spec`` says, doing no more than needed: already on with the same
    function, schedule (and ``masterarn``) -> nothing changes, the last rotation's state is reported;
    only the schedule differs -> the schedule is changed without rotating; otherwise (or ``now``)
    rotation is turned on and the first rotation waited for and checked (``enable_rotation``).

    :raises RotationError: the secret does not fit the chosen strategy (nothing was changed).
    :raises AwsActionError: the secret is missing, or an AWS call failed.
    """
    meta = gw.describe(name)
    if meta is None:
        raise AwsActionError(f"{name}: no such secret in {gw.region or 'this region'}")
    on = bool(meta.get("RotationEnabled")) and meta.get("RotationLambdaARN") == spec.lambda_arn and spec.lambda_arn
    master_ok = spec.strategy != "alternating" or (parse_json(gw.read_version(name)) or {}).get("masterarn") == \
        spec.master_secret_arn
    if now or not (on and master_ok):
        return enable_rotation(gw, name, spec, wait_seconds, poll_seconds, sleep, clock, report)
    rules = meta.get("RotationRules") or {}
    same = rules.get("ScheduleExpression") == spec.schedule if spec.schedule else \
        rules.get("AutomaticallyAfterDays") == spec.days
    state = rotation_state(gw, name, meta)
    if same:
        if state.ok:
            return RotationOutcome(name, "unchanged", state.version_id, state.previous_version_id,
                                   f"rotation is already on with this function, {_rules_text(spec)}; nothing changed "
                                   f"({state.message}; --now rotates now)")
        return state
    gw.rotate(name, spec.lambda_arn, None if spec.schedule else spec.days, spec.schedule, immediately=False)
    after = gw.describe(name) or {}
    if (after.get("RotationRules") or {}).get("ScheduleExpression" if spec.schedule else "AutomaticallyAfterDays") \
            != (spec.schedule or spec.days):
        return RotationOutcome(name, "failed", None, None, "Secrets Manager does not show the new schedule")
    msg = f"schedule changed to {_rules_text(spec)} without rotating now"
    if not state.ok:
        return RotationOutcome(name, state.status, state.version_id, state.previous_version_id,
                               f"{msg}; {state.message}")
    return RotationOutcome(name, "rescheduled", state.version_id, state.previous_version_id, f"{msg} ({state.message})")


def rotation_state(gw: SecretsGateway, name: str, meta: dict[str, Any] | None = None) -> RotationOutcome:
    """Whether the last rotation of a secret whose rotation is on has finished (read only): ``rotated``,
    or ``not-verified`` while a version is left ``AWSPENDING`` or no rotation has finished yet."""
    meta = meta if meta is not None else gw.describe(name) or {}
    stages = gw.stages(name)
    cur = next((v for v, st in stages.items() if "AWSCURRENT" in st), None)
    prev = next((v for v, st in stages.items() if "AWSPREVIOUS" in st), None)
    stuck = [v for v, st in stages.items() if "AWSPENDING" in st and "AWSCURRENT" not in st]
    if stuck or not meta.get("LastRotatedDate") or prev is None:
        why = f"version {stuck[0]} is still AWSPENDING" if stuck else "no rotation has finished yet"
        return RotationOutcome(name, "not-verified", stuck[0] if stuck else cur, cur,
                               f"rotation is on but {why}; see the function's CloudWatch logs, then 'secretshift "
                               f"rollback {name}' if the secret is broken")
    return RotationOutcome(name, "rotated", cur, prev, f"AWSCURRENT is version {cur}, AWSPREVIOUS is {prev}")


def enable_rotation(gw: SecretsGateway, name: str, spec: RotationSpec, wait_seconds: float = DEFAULT_WAIT_SECONDS,
                    poll_seconds: float = 5.0, sleep: Callable[[float], None] = time.sleep,
                    clock: Callable[[], float] = time.monotonic,
                    report: Callable[[str], None] = lambda m: None) -> RotationOutcome:
    """Turn rotation on for ``name`` and wait (up to ``wait_seconds``) for the first rotation.

    :raises RotationError: the secret does not fit the chosen strategy (nothing was changed).
    :raises AwsActionError: the secret is missing, or an AWS call failed.
    """
    if spec.strategy not in STRATEGIES:
        raise RotationError(f"{name}: unknown rotation strategy {spec.strategy!r} (single or alternating)")
    if not spec.lambda_arn:
        raise RotationError(f"{name}: no rotation function given (--rotation-lambda-arn)")
    if not spec.schedule and not 1 <= spec.days <= 1000:
        raise RotationError(f"{name}: rotation every {spec.days} days is out of range (1 to 1000)")
    meta = gw.describe(name)
    if meta is None:
        raise AwsActionError(f"{name}: no such secret in {gw.region or 'this region'}")
    current = gw.read_version(name)
    obj = parse_json(current)
    engine = database_engine(obj)
    if spec.strategy == "alternating":
        if engine is None:
            raise RotationError(f"{name}: alternating-users rotation needs a database secret (engine, host, "
                                f"username, password); this one is not")
        if not spec.master_secret_arn:
            raise RotationError(f"{name}: alternating-users rotation needs the superuser secret's ARN "
                                f"(--master-secret-arn)")
        if obj.get("masterarn") != spec.master_secret_arn:  # the multi-user function reads it from the secret
            from .gateway import request_token

            obj = {**obj, "masterarn": spec.master_secret_arn}
            text = json.dumps(obj, sort_keys=True)
            gw.call("put_secret_value", f"{name}: cannot add masterarn", SecretId=name, SecretString=text,
                    ClientRequestToken=request_token(name, text))
            current = text
            report(f"{name}: masterarn added to the secret (alternating-users rotation)")
    before = gw.stages(name)
    old_version = next((v for v, st in before.items() if "AWSCURRENT" in st), None)
    r = gw.rotate(name, spec.lambda_arn, None if spec.schedule else spec.days, spec.schedule, True)
    new_version = r.get("VersionId")
    report(f"{name}: rotation turned on ({_rules_text(spec)}); first rotation started as version {new_version}")
    return verify_rotation(gw, name, new_version, old_version, current, spec, engine, wait_seconds, poll_seconds,
                           sleep, clock)


def _rules_text(spec: RotationSpec) -> str:
    return spec.schedule or f"every {spec.days} days"


def verify_rotation(gw: SecretsGateway, name: str, new_version: str | None, old_version: str | None,
                    old_value: str | None, spec: RotationSpec, engine: str | None, wait_seconds: float,
                    poll_seconds: float, sleep: Callable[[float], None],
                    clock: Callable[[], float]) -> RotationOutcome:
    """Poll the version stages until the new version is current, then check the new value."""
    def outcome(status: str, msg: str) -> RotationOutcome:
        return RotationOutcome(name, status, new_version, old_version, msg)

    meta = gw.describe(name) or {}
    if not meta.get("RotationEnabled") or meta.get("RotationLambdaARN") != spec.lambda_arn:
        return outcome("failed", "Secrets Manager does not show rotation enabled with this function")
    deadline = clock() + wait_seconds
    while True:
        stages = gw.stages(name)
        cur = next((v for v, st in stages.items() if "AWSCURRENT" in st), None)
        pending = [v for v, st in stages.items() if "AWSPENDING" in st and "AWSCURRENT" not in st]
        if new_version and cur == new_version and not pending:
            break
        if clock() >= deadline:
            where = f"version {new_version} is still AWSPENDING" if new_version in pending else \
                "AWSCURRENT did not move to the new version"
            return outcome("not-verified", f"the first rotation did not finish within {wait_seconds:.0f} s ({where}); "
                                           f"see the function's CloudWatch logs, then 'secretshift rollback {name}' "
                                           f"if the secret is broken")
        sleep(poll_seconds)
    if old_version and "AWSPREVIOUS" not in stages.get(old_version, []):
        return outcome("failed", f"version {old_version} did not become AWSPREVIOUS")
    new_value = gw.read_version(name)
    if new_value is None:
        return outcome("failed", "the new AWSCURRENT version holds no value")
    if engine is not None:
        new_obj = parse_json(new_value)
        if database_engine(new_obj) != engine:
            return outcome("failed", "the new version lost the database structure (engine, host, username, "
                                     "password)")
        if new_obj.get("password") == (parse_json(old_value) or {}).get("password"):
            return outcome("failed", "the password did not change")
    elif new_value == old_value:
        return outcome("failed", "the value did not change")
    return outcome("rotated", f"first rotation verified: AWSCURRENT is version {new_version}, AWSPREVIOUS is "
                              f"{old_version}; next rotation {_rules_text(spec)}")
