"""What happens to a secret after it exists: rotation, key, replicas, readers (resource policy), and
plan-wide alarm topic and Parameter Store. Pure data, part of the plan file (``lifecycle:`` at the top
for defaults, ``lifecycle:`` per secret to override them); never a value.

```yaml
lifecycle:                      # plan-wide defaults
  rotate: {strategy: single, lambda_arn: arn:aws:lambda:..., days: 30}
  replicas: [{region: eu-west-1, kms_key_id: alias/app}]
  readers: [arn:aws:iam::123456789012:role/app]
  alarm_topic: arn:aws:sns:us-east-1:123456789012:ops
  tags: {CostCenter: "4711"}    # cost-allocation tags on every secret (put on create, or tagged later)
  parameters: false
secrets:
  - name: production/db/postgresql
    lifecycle: {rotate: {strategy: alternating, master_secret_arn: arn:aws:secretsmanager:...}}
```
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..base.errors import PlanError

STRATEGIES = ("single", "alternating")
# Secrets Manager tags: letters, digits, spaces and _.:/=+-@; keys up to 128, values up to 256 characters
TAG_RE = re.compile(r"^[\w .:/=+\-@]*$")
RESERVED_TAG_PREFIXES = ("aws:", "secretshift:")
REGION_RE = re.compile(r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$")
SCHEDULE_RE = re.compile(r"^(rate\(\d+ (hours|days)\)|cron\(.+\))$")


@dataclass(frozen=True)
class RotatePlan:
    strategy: str = "single"
    lambda_arn: str | None = None
    days: int = 30
    schedule: str | None = None
    master_secret_arn: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {"strategy": self.strategy, "lambda_arn": self.lambda_arn, "days": self.days, "schedule": self.schedule,
             "master_secret_arn": self.master_secret_arn}
        return {k: v for k, v in d.items() if v is not None}


@dataclass(frozen=True)
class SecretLifecycle:
    rotate: RotatePlan | None = None
    replicas: tuple[tuple[str, str | None], ...] = ()
    readers: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {}
        if self.rotate:
            d["rotate"] = self.rotate.to_dict()
        if self.replicas:
            d["replicas"] = [{"region": r, **({"kms_key_id": k} if k else {})} for r, k in self.replicas]
        if self.readers:
            d["readers"] = list(self.readers)
        return d

    def over(self, base: SecretLifecycle) -> SecretLifecycle:
        """This secret's settings over the plan-wide ``base``."""
        return SecretLifecycle(rotate=self.rotate or base.rotate, replicas=self.replicas or base.replicas,
                               readers=self.readers or base.readers)


@dataclass(frozen=True)
class Lifecycle:
    defaults: SecretLifecycle = field(default_factory=SecretLifecycle)
    alarm_topic: str | None = None
    parameters: bool = False
    tags: tuple[tuple[str, str], ...] = ()  # cost-allocation tags for every secret

    def to_dict(self) -> dict[str, Any]:
        d = self.defaults.to_dict()
        if self.alarm_topic:
            d["alarm_topic"] = self.alarm_topic
        if self.tags:
            d["tags"] = dict(self.tags)
        if self.parameters:
            d["parameters"] = True
        return d

    @property
    def empty(self) -> bool:
        return not self.to_dict()


def _fail(source: str, where: str, msg: str) -> PlanError:
    return PlanError(f"{source}: {where}: {msg}")


def parse_secret_lifecycle(raw: Any, source: str = "plan", where: str = "lifecycle") -> SecretLifecycle:
    """:raises PlanError: one line naming the field."""
    if raw is None:
        return SecretLifecycle()
    if not isinstance(raw, dict):
        raise _fail(source, where, "must be a mapping")
    rotate = None
    if raw.get("rotate") is not None:
        r = raw["rotate"]
        if r is True:
            r = {}
        if not isinstance(r, dict):
            raise _fail(source, f"{where}.rotate", "must be a mapping (strategy, lambda_arn, days, schedule, "
                                                   "master_secret_arn)")
        unknown = set(r) - {"strategy", "lambda_arn", "days", "schedule", "master_secret_arn"}
        if unknown:
            raise _fail(source, f"{where}.rotate", f"unknown key '{sorted(unknown)[0]}'")
        strategy = r.get("strategy", "single")
        if strategy not in STRATEGIES:
            raise _fail(source, f"{where}.rotate", "strategy must be single or alternating")
        days = r.get("days", 30)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 1000:
            raise _fail(source, f"{where}.rotate", "days must be a whole number from 1 to 1000")
        sched = r.get("schedule")
        if sched is not None and not (isinstance(sched, str) and SCHEDULE_RE.match(sched)):
            raise _fail(source, f"{where}.rotate", "schedule must be rate(N days|hours) or cron(...)")
        for k in ("lambda_arn", "master_secret_arn"):
            if r.get(k) is not None and not (isinstance(r[k], str) and r[k].startswith("arn:")):
                raise _fail(source, f"{where}.rotate", f"{k} must be an ARN")
        if strategy == "alternating" and not r.get("master_secret_arn"):
            raise _fail(source, f"{where}.rotate", "alternating users need master_secret_arn (the superuser secret)")
        rotate = RotatePlan(strategy, r.get("lambda_arn"), days, sched, r.get("master_secret_arn"))
    replicas = []
    for i, x in enumerate(raw.get("replicas") or []):
        w = f"{where}.replicas[{i}]"
        if isinstance(x, str):
            region, _, key = x.partition("=")
            x = {"region": region, **({"kms_key_id": key} if key else {})}
        if not isinstance(x, dict) or not isinstance(x.get("region"), str) or not REGION_RE.match(x["region"]):
            raise _fail(source, w, "needs a region like eu-west-1")
        if x.get("kms_key_id") is not None and not isinstance(x["kms_key_id"], str):
            raise _fail(source, w, "kms_key_id must be a string")
        replicas.append((x["region"], x.get("kms_key_id")))
    readers = raw.get("readers") or []
    if not isinstance(readers, list) or not all(isinstance(a, str) and a.startswith("arn:") for a in readers):
        raise _fail(source, f"{where}.readers", "must be a list of IAM role ARNs")
    if any(a.split(":")[4:5] == ["*"] or a.endswith(":*") for a in readers):
        raise _fail(source, f"{where}.readers", "a wildcard principal would make the secret public")
    return SecretLifecycle(rotate, tuple(sorted(set(replicas))), tuple(sorted(set(readers))))


def parse_lifecycle(raw: Any, source: str = "plan") -> Lifecycle:
    """The plan-wide ``lifecycle:`` mapping. :raises PlanError: one line naming the field."""
    if raw is None:
        return Lifecycle()
    if not isinstance(raw, dict):
        raise _fail(source, "lifecycle", "must be a mapping")
    unknown = set(raw) - {"rotate", "replicas", "readers", "alarm_topic", "tags", "parameters"}
    if unknown:
        raise _fail(source, "lifecycle", f"unknown key '{sorted(unknown)[0]}'")
    topic = raw.get("alarm_topic")
    if topic is not None and not (isinstance(topic, str) and topic.startswith("arn:") and ":sns:" in topic):
        raise _fail(source, "lifecycle", "alarm_topic must be an SNS topic ARN")
    params = raw.get("parameters", False)
    if not isinstance(params, bool):
        raise _fail(source, "lifecycle", "parameters must be true or false")
    return Lifecycle(parse_secret_lifecycle({k: raw[k] for k in ("rotate", "replicas", "readers") if k in raw},
                                            source), topic, params, parse_tags(raw.get("tags"), source))


def parse_tags(raw: Any, source: str = "plan") -> tuple[tuple[str, str], ...]:
    """``{KEY: VALUE}`` (or ``["KEY=VALUE", ...]``) -> sorted pairs. :raises PlanError: one line."""
    if raw is None:
        return ()
    if isinstance(raw, (list, tuple)):
        pairs = []
        for spec in raw:
            key, sep, value = str(spec).partition("=")
            if not sep:
                raise _fail(source, "lifecycle.tags", f"'{spec}' is not KEY=VALUE")
            pairs.append((key.strip(), value.strip()))
        raw = dict(pairs)
    if not isinstance(raw, dict):
        raise _fail(source, "lifecycle.tags", "must map tag keys to values")
    out = []
    for k, v in raw.items():
        v = "" if v is None else str(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
        if not isinstance(k, str) or not isinstance(v, str) or not 1 <= len(k) <= 128 or len(v) > 256 \
                or not TAG_RE.match(k) or not TAG_RE.match(v):
            raise _fail(source, "lifecycle.tags", f"'{k}' is not a valid tag (keys up to 128 and values up to 256 "
                                                  f"letters, digits, spaces and _.:/=+-@)")
        if k.lower().startswith(RESERVED_TAG_PREFIXES):
            raise _fail(source, "lifecycle.tags", f"'{k}': the aws: and secretshift: prefixes are reserved")
        out.append((k, v))
    return tuple(sorted(out))


def from_options(rotate: bool = False, strategy: str = "single", lambda_arn: str | None = None, days: int = 30,
                 master_secret_arn: str | None = None, replicate_to: tuple[str, ...] = (),
                 readers: tuple[str, ...] = (), alarm_topic: str | None = None, parameters: bool = False,
                 tags: tuple[str, ...] = ()) -> Lifecycle:
    """The plan-wide lifecycle from command-line options (validated like a plan file)."""
    raw: dict[str, Any] = {}
    if rotate:
        raw["rotate"] = {"strategy": strategy, "days": days,
                         **({"lambda_arn": lambda_arn} if lambda_arn else {}),
                         **({"master_secret_arn": master_secret_arn} if master_secret_arn else {})}
    if replicate_to:
        raw["replicas"] = [s for spec in replicate_to for s in spec.split(",") if s.strip()]
    if readers:
        raw["readers"] = list(readers)
    if alarm_topic:
        raw["alarm_topic"] = alarm_topic
    if parameters:
        raw["parameters"] = True
    if tags:
        raw["tags"] = list(tags)
    return parse_lifecycle(raw, "options")


__all__ = ["Lifecycle", "RotatePlan", "SecretLifecycle", "admin_policy_for", "features", "from_options", "of_plan",
           "parse_lifecycle", "parse_secret_lifecycle", "parse_tags", "with_lifecycle"]


# --- a plan's lifecycle ---------------------------------------------------------------------------------

def of_plan(plan: Any) -> tuple[Lifecycle, dict[str, SecretLifecycle]]:
    """The plan-wide settings and each secret's effective settings (its own over the plan's)."""
    lc = parse_lifecycle(getattr(plan, "lifecycle", None) or None)
    return lc, {s.id: parse_secret_lifecycle(getattr(s, "lifecycle", None) or None).over(lc.defaults)
                for s in plan.secrets}


def with_lifecycle(plan: Any, lifecycle: Lifecycle, processes: int = 1) -> Any:
    """``plan`` carrying ``lifecycle`` (plan-wide), its tags on every secret, and the cost estimate counting
    every replica."""
    from dataclasses import replace as _replace

    from .policy import cost_estimate

    secrets = tuple(_replace(s, tags={**s.tags, **dict(lifecycle.tags)}) for s in plan.secrets) if lifecycle.tags \
        else plan.secrets
    plan = _replace(plan, lifecycle=lifecycle.to_dict(), secrets=secrets)
    _, per = of_plan(plan)
    replicas = sum(len(x.replicas) for x in per.values())
    if plan.secrets:
        plan = _replace(plan, cost=cost_estimate(len(plan.secrets), plan.cache_ttl_seconds, processes, replicas))
    return plan


def features(plan: Any) -> list[str]:
    """The parts of a migration this plan uses (keys of ``policy.FEATURE_OPS``). Plan-wide settings count
    even without a planned secret: they apply to every secret earlier runs migrated too."""
    lc, per = of_plan(plan)
    every = [lc.defaults, *per.values()]
    out = []
    if plan.kms_key_id or any(s.kms_key_id for s in plan.secrets):
        out.append("kms")
    for name, used in (("rotation", any(x.rotate for x in every)), ("replication", any(x.replicas for x in every)),
                       ("resource-policy", any(x.readers for x in every)), ("alarm", bool(lc.alarm_topic)),
                       ("tags", bool(lc.tags)), ("parameters", lc.parameters)):
        if used:
            out.append(name)
    return out


def admin_policy_for(plan: Any, earlier: Mapping[str, str | None] | None = None,
                     account: str | None = None) -> dict[str, Any]:
    """The policy the person running ``apply`` needs for this plan: exactly the parts it uses, on the
    planned secrets and on ``earlier`` (name -> KMS key: what earlier runs migrated, which a run checks
    again and whose lifecycle the plan-wide settings cover)."""
    from .policy import admin_policy

    lc, per = of_plan(plan)
    every = [lc.defaults, *per.values()]
    earlier = earlier or {}
    keys = {s.kms_key_id for s in plan.secrets if s.kms_key_id} | {k for k in earlier.values() if k} \
        | {k for x in every for _, k in x.replicas if k}
    lambdas = {x.rotate.lambda_arn for x in every if x.rotate and x.rotate.lambda_arn}
    regions = {r for x in every for r, _ in x.replicas}
    names = sorted({s.name for s in plan.secrets} | set(earlier))
    return admin_policy(names, features(plan), plan.region, account, sorted(keys), sorted(lambdas), plan.prefix,
                        sorted(regions))
