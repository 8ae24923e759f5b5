"""The lifecycle stage: after the create stage, give each secret its key check, resource policy,
replicas and rotation, and set up the rotation failure alarm. One secret's problem is reported and the
others go on; the stage's result says what is left to do (exit 1) without ever holding a value.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..base.errors import AwsActionError, SecretshiftError
from ..planner.lifecycle import Lifecycle, SecretLifecycle
from ..planner.policy import resource_policy
from . import rotation as rot
from .session import AwsSession


@dataclass
class SecretTarget:
    """One created secret and what should happen to it."""

    name: str
    settings: SecretLifecycle
    kms_key_id: str | None = None
    route: dict[str, Any] | None = None  # its rotation route (rules/rotation.yaml), for a function skeleton
    lambda_for_databases_only: bool = False  # the function ARN is the plan-wide one (AWS's database function)


@dataclass
class LifecycleResult:
    done: list[str] = field(default_factory=list)  # one line per thing done and read back
    left: list[str] = field(default_factory=list)  # one line per thing the user still has to do
    failed: list[str] = field(default_factory=list)
    rotation: dict[str, str] = field(default_factory=dict)  # secret -> rotated | not-verified | failed | skeleton | pending
    key_arns: dict[str, str] = field(default_factory=dict)  # as given -> resolved ARN (for the IAM policy)

    @property
    def ok(self) -> bool:
        return not (self.left or self.failed)


# routes whose credentials no function can rotate: a password or key shared with people or machines that
# secretshift cannot reach (ROTATION.md has the manual procedure)
NO_FUNCTION_ROUTES = ("generic-password", "ssh-key", "tls-key")


def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "secret"


def apply_lifecycle(session: AwsSession, targets: list[SecretTarget], lifecycle: Lifecycle,
                    skeleton_root: Path | None = None, report: Callable[[str], None] = lambda m: None,
                    wait_seconds: float = rot.DEFAULT_WAIT_SECONDS, poll_seconds: float = 5.0,
                    sleep: Callable[[float], None] = time.sleep) -> LifecycleResult:
    res = LifecycleResult()

    def step(label: str, fn: Callable[[], None]) -> None:
        try:
            fn()
        except (AwsActionError, SecretshiftError) as e:
            res.failed.append(f"{label}: {e}")
            report(f"failed   {label}: {e}")

    for t in targets:
        if t.kms_key_id:
            step(f"{t.name} key", lambda t=t: _check_key(session, t, res, report))
        if t.settings.readers:
            step(f"{t.name} resource policy", lambda t=t: _policy(session, t, res, report))
        if t.settings.replicas:
            step(f"{t.name} replicas", lambda t=t: _replicas(session, t, res, report))
        if t.settings.rotate:
            step(f"{t.name} rotation", lambda t=t: _rotate(session, t, res, report, skeleton_root, wait_seconds,
                                                           poll_seconds, sleep))
    if lifecycle.alarm_topic:
        from .alarms import ensure_alarm

        def alarm() -> None:
            out = ensure_alarm(session, lifecycle.alarm_topic)
            res.done.append(f"alarm {out['alarm']} and rule {out['rule']} -> {out['topic']}")
            report(f"alarm    rotation failures -> {out['topic']}")
        step("rotation failure alarm", alarm)
    return res


def _check_key(session: AwsSession, t: SecretTarget, res: LifecycleResult, report: Callable[[str], None]) -> None:
    from .keys import resolve_key

    arn = resolve_key(session, t.kms_key_id)
    res.key_arns[t.kms_key_id] = arn
    meta = session.gateway().describe(t.name) or {}
    have = meta.get("KmsKeyId")
    key_id = arn.rsplit("/", 1)[-1]
    if have not in (t.kms_key_id, arn, key_id):
        raise AwsActionError(f"is encrypted with {have or 'the AWS managed key'}, not {t.kms_key_id}")
    res.done.append(f"{t.name}: encrypted with {arn}")
    report(f"key      {t.name}: {arn}")


def _policy(session: AwsSession, t: SecretTarget, res: LifecycleResult, report: Callable[[str], None]) -> None:
    gw = session.gateway()
    want = resource_policy(t.settings.readers)
    gw.put_policy(t.name, json.dumps(want, sort_keys=True))
    back = gw.get_policy(t.name)
    if not back or json.loads(back) != want:
        raise AwsActionError("the resource policy does not read back as written")
    res.done.append(f"{t.name}: resource policy for {len(t.settings.readers)} reader(s)")
    report(f"policy   {t.name}: readable by {', '.join(t.settings.readers)}")


def _replicas(session: AwsSession, t: SecretTarget, res: LifecycleResult, report: Callable[[str], None]) -> None:
    from .replication import Replica, ensure_replicas

    reps = tuple(Replica(r, k) for r, k in t.settings.replicas)
    for region, status in ensure_replicas(session, t.name, reps, report=report).items():
        res.done.append(f"{t.name}: replica in {region} ({status})")


def _rotate(session: AwsSession, t: SecretTarget, res: LifecycleResult, report: Callable[[str], None],
            skeleton_root: Path | None, wait_seconds: float, poll_seconds: float,
            sleep: Callable[[float], None]) -> None:
    gw = session.gateway()
    spec = t.settings.rotate
    obj = rot.parse_json(gw.read_version(t.name))
    engine = rot.database_engine(obj)
    if not engine and t.lambda_for_databases_only and spec.lambda_arn:
        from dataclasses import replace

        spec = replace(spec, lambda_arn=None)  # a database function must not rotate an API key
    meta = gw.describe(t.name) or {}
    if meta.get("RotationEnabled") and meta.get("RotationLambdaARN") == spec.lambda_arn and spec.lambda_arn:
        stuck = [v for v, st in gw.stages(t.name).items() if "AWSPENDING" in st and "AWSCURRENT" not in st]
        if stuck or not meta.get("LastRotatedDate"):
            res.rotation[t.name] = "not-verified"
            res.left.append(f"{t.name}: rotation is on but " + (f"version {stuck[0]} is still AWSPENDING" if stuck
                            else "no rotation has finished yet") + f"; see the function's CloudWatch logs, then "
                            f"'secretshift rollback {t.name}' if the secret is broken")
            report(f"not-verified {t.name}: rotation on, first rotation not finished")
            return
        res.rotation[t.name] = "rotated"
        res.done.append(f"{t.name}: rotation already on")
        report(f"rotation {t.name}: already on with {spec.lambda_arn}")
        return
    rds = rot.rds_instance((obj or {}).get("host"))
    if rds:
        msg = (f"{t.name}: the database is on RDS ({rds['kind']} {rds['id']}); RDS can manage and rotate the "
               f"master user's password itself: {rot.managed_password_command(rds)}")
        res.left.append(msg) if not spec.lambda_arn else res.done.append(msg)
        report(f"note     {msg}")
    if not spec.lambda_arn:
        if engine:
            res.rotation[t.name] = "pending"
            res.left.append(f"{t.name}: deploy AWS's rotation function, then run 'secretshift rotate {t.name} "
                            f"--rotation-lambda-arn ARN': {rot.deploy_command(engine, spec.strategy, session.region)}")
            report(f"pending  {t.name}: rotation needs a deployed {rot.function_name(engine, spec.strategy)} function")
            return
        rid = (t.route or {}).get("id")
        if rid == "database-password":
            have = sorted(k for k in rot.DB_REQUIRED if (obj or {}).get(k))
            missing = [k for k in rot.DB_REQUIRED if k not in have]
            res.rotation[t.name] = "pending"
            res.left.append(f"{t.name}: a database secret without the keys AWS's rotation functions read (missing: "
                            f"{', '.join(missing) or 'a known engine'}); add them, then 'secretshift rotate {t.name} "
                            f"--rotation-lambda-arn ARN'")
            report(f"pending  {t.name}: not in the structure AWS's database rotation functions need")
            return
        if rid in NO_FUNCTION_ROUTES:
            res.rotation[t.name] = "manual"
            res.left.append(f"{t.name}: a {t.route.get('title', rid).lower()} has no automatic rotation; rotate it "
                            f"by hand (ROTATION.md)")
            report(f"manual   {t.name}: no automatic rotation for a {t.route.get('title', rid).lower()}")
            return
        if skeleton_root is None or t.route is None:
            res.rotation[t.name] = "pending"
            res.left.append(f"{t.name}: no rotation function (pass --rotation-lambda-arn or write one with "
                            f"'secretshift rotation-lambda {t.name}')")
            return
        from . import lambda_skeleton

        d = skeleton_root / slug(t.name)
        lambda_skeleton.write(d, lambda_skeleton.render(t.route, t.name, spec.days))
        res.rotation[t.name] = "skeleton"
        res.left.append(f"{t.name}: review {d.name}/rotation_function.py (fill in its TODOs), deploy it with its "
                        f"template.yaml, then run 'secretshift rotate {t.name} --rotation-lambda-arn ARN'")
        report(f"skeleton {t.name}: rotation function to review in {d}")
        return
    out = rot.enable_rotation(gw, t.name, rot.RotationSpec(spec.lambda_arn, spec.strategy, spec.days, spec.schedule,
                                                           spec.master_secret_arn),
                              wait_seconds, poll_seconds, sleep, report=report)
    res.rotation[t.name] = out.status
    (res.done if out.ok else res.left).append(f"{t.name}: {out.message}")
    report(f"{'rotated' if out.ok else out.status:8} {t.name}: {out.message}")
