"""The lifecycle step's AWS work: give each secret its key check, tags, resource policy, replicas and
rotation, and set up the rotation failure alarm. A target carries only what is still to do (the caller,
``secretshift.migration.lifecycle``, leaves out what the ledger says is done); each finished part is
handed to ``record`` at once, so an interruption loses nothing. One secret's problem is reported and
the others go on; the result says what is left to do (exit 1) without ever holding a value.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from ..base.errors import AwsActionError, SecretshiftError
from ..planner.lifecycle import RotatePlan
from ..planner.policy import resource_policy
from . import rotation as rot
from .session import AwsSession

Record = Callable[[str | None, str, Any], None]  # (secret name or None for the alarm, part, what was done)


@dataclass
class SecretTarget:
    """One existing secret and what is still to be done to it."""

    name: str
    kms_key_id: str | None = None  # the key it should be encrypted with (checked, resolved to its ARN)
    tags: dict[str, str] = field(default_factory=dict)  # tags to put
    readers: tuple[str, ...] = ()  # the resource policy to put (replacing the one there)
    replicas: tuple[tuple[str, str | None], ...] = ()  # regions (and keys) to replicate to
    rotate: RotatePlan | None = None
    route: dict[str, Any] | None = None  # its rotation route (rules/rotation.yaml), for a function skeleton
    lambda_for_databases_only: bool = False  # the function ARN is the plan-wide one (AWS's database function)

    @property
    def empty(self) -> bool:
        return not (self.kms_key_id or self.tags or self.readers or self.replicas or self.rotate)


@dataclass
class LifecycleResult:
    done: list[str] = field(default_factory=list)  # one line per thing done and read back
    left: list[str] = field(default_factory=list)  # one line per thing the user still has to do
    failed: list[str] = field(default_factory=list)
    rotation: dict[str, str] = field(default_factory=dict)  # secret -> rotated | unchanged | not-verified | ...

    @property
    def ok(self) -> bool:
        return not (self.left or self.failed)


# routes whose credentials no function can rotate: a password or key shared with people or machines that
# secretshift cannot reach (ROTATION.md has the manual procedure)
NO_FUNCTION_ROUTES = ("generic-password", "ssh-key", "tls-key")
def slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "secret"


def apply_lifecycle(session: AwsSession, targets: list[SecretTarget], alarm_topic: str | None = None,
                    skeleton_root: Path | None = None, report: Callable[[str], None] = lambda m: None,
                    record: Record = lambda name, part, what: None,
                    wait_seconds: float = rot.DEFAULT_WAIT_SECONDS, poll_seconds: float = 5.0,
                    sleep: Callable[[float], None] = time.sleep,
                    after_step: Callable[[str], None] = lambda step: None) -> LifecycleResult:
    from .gateway import EndpointUnreachable

    res = LifecycleResult()
    session.gateway()  # no region, an unknown profile: one error before any step

    def step(label: str, fn: Callable[[], None]) -> None:
        try:
            fn()
        except EndpointUnreachable:  # the rest would fail the same way: stop, the run resumes
            raise
        except (AwsActionError, SecretshiftError) as e:
            res.failed.append(f"{label}: {e}")
            report(f"failed   {label}: {e}")
        after_step(f"lifecycle:{label}")

    for t in targets:
        if t.kms_key_id:
            step(f"{t.name} key", lambda t=t: _check_key(session, t, res, report, record))
        if t.tags:
            step(f"{t.name} tags", lambda t=t: _tags(session, t, res, report, record))
        if t.readers:
            step(f"{t.name} resource policy", lambda t=t: _policy(session, t, res, report, record))
        if t.replicas:
            step(f"{t.name} replicas", lambda t=t: _replicas(session, t, res, report, record))
        if t.rotate:
            step(f"{t.name} rotation", lambda t=t: _rotate(session, t, res, report, record, skeleton_root,
                                                           wait_seconds, poll_seconds, sleep))
    if alarm_topic:
        from .alarms import ensure_alarm

        def alarm() -> None:
            out = ensure_alarm(session, alarm_topic)
            res.done.append(f"alarm {out['alarm']} and rule {out['rule']} -> {out['topic']}")
            record(None, "alarm", alarm_topic)
            report(f"alarm    rotation failures -> {out['topic']}")
        step("rotation failure alarm", alarm)
    return res


def _check_key(session: AwsSession, t: SecretTarget, res: LifecycleResult, report: Callable[[str], None],
               record: Record) -> None:
    from .keys import resolve_key

    arn = resolve_key(session, t.kms_key_id)
    meta = session.gateway().describe(t.name) or {}
    have = meta.get("KmsKeyId")
    if have not in (t.kms_key_id, arn, arn.rsplit("/", 1)[-1]):
        raise AwsActionError(f"is encrypted with {have or 'the AWS managed key'}, not {t.kms_key_id} (to change it: "
                             f"aws secretsmanager update-secret --secret-id {t.name} --kms-key-id {t.kms_key_id})")
    record(t.name, "kms", {"key": t.kms_key_id, "arn": arn})
    res.done.append(f"{t.name}: encrypted with {arn}")
    report(f"key      {t.name}: {arn}")


def _tags(session: AwsSession, t: SecretTarget, res: LifecycleResult, report: Callable[[str], None],
          record: Record) -> None:
    gw = session.gateway()
    gw.tag(t.name, t.tags)
    have = {x["Key"]: x["Value"] for x in (gw.describe(t.name) or {}).get("Tags", [])}
    if any(have.get(k) != v for k, v in t.tags.items()):
        raise AwsActionError("the tags do not read back as written")
    record(t.name, "tags", dict(t.tags))
    res.done.append(f"{t.name}: tagged {', '.join(sorted(t.tags))}")
    report(f"tags     {t.name}: {', '.join(f'{k}={v}' for k, v in sorted(t.tags.items()))}")


def _policy(session: AwsSession, t: SecretTarget, res: LifecycleResult, report: Callable[[str], None],
            record: Record) -> None:
    gw = session.gateway()
    want = resource_policy(t.readers)
    gw.put_policy(t.name, json.dumps(want, sort_keys=True))
    back = gw.get_policy(t.name)
    if not back or json.loads(back) != want:
        raise AwsActionError("the resource policy does not read back as written")
    record(t.name, "readers", sorted(t.readers))
    res.done.append(f"{t.name}: resource policy for {len(t.readers)} reader(s)")
    report(f"policy   {t.name}: readable by {', '.join(t.readers)}")


def _replicas(session: AwsSession, t: SecretTarget, res: LifecycleResult, report: Callable[[str], None],
              record: Record) -> None:
    from .keys import resolve_key
    from .replication import Replica, ensure_replicas

    reps = tuple(Replica(r, k) for r, k in t.replicas)
    for region, status in ensure_replicas(session, t.name, reps, report=report).items():
        key = dict(t.replicas).get(region)
        record(t.name, "replica", {"region": region, "key_arn": resolve_key(session, key, region) if key else ""})
        res.done.append(f"{t.name}: replica in {region} ({status})")


def _rotate(session: AwsSession, t: SecretTarget, res: LifecycleResult, report: Callable[[str], None],
            record: Record, skeleton_root: Path | None, wait_seconds: float, poll_seconds: float,
            sleep: Callable[[float], None]) -> None:
    gw = session.gateway()
    spec = t.rotate
    settings = spec.to_dict()

    def waiting(status: str, line: str, note: str) -> None:
        res.rotation[t.name] = status
        (res.done if status == "manual" else res.left).append(line)
        record(t.name, "rotation", {"settings": settings, "status": status})
        report(f"{status:8} {t.name}: {note}")

    obj = rot.parse_json(gw.read_version(t.name))
    engine = rot.database_engine(obj)
    if not engine and t.lambda_for_databases_only and spec.lambda_arn:
        spec = replace(spec, lambda_arn=None)  # a database function must not rotate an API key
    rds = rot.rds_instance((obj or {}).get("host"))
    if rds:
        msg = (f"{t.name}: the database is on RDS ({rds['kind']} {rds['id']}); RDS can manage and rotate the "
               f"master user's password itself: " + (f"secretshift rotate {t.name} --rds-managed" if rds["kind"] ==
                                                     "instance" else rot.managed_password_command(rds)))
        res.done.append(msg)
        report(f"note     {msg}")
    if not spec.lambda_arn:
        meta = gw.describe(t.name) or {}
        if meta.get("RotationEnabled"):  # turned on since, with its own function (secretshift rotate ...)
            st = rot.rotation_state(gw, t.name, meta)
            status = "unchanged" if st.ok else st.status
            res.rotation[t.name] = status
            line = f"{t.name}: rotation is on with {meta.get('RotationLambdaARN')}: {st.message}"
            (res.done if st.ok else res.left).append(line)
            record(t.name, "rotation", {"settings": settings, "status": status, "version": st.version_id})
            report(f"{status:8} {line}")
            return
        if engine:
            waiting("pending", f"{t.name}: deploy AWS's rotation function, then run 'secretshift rotate {t.name} "
                               f"--rotation-lambda-arn ARN': {rot.deploy_command(engine, spec.strategy, session.region)}",
                    f"rotation needs a deployed {rot.function_name(engine, spec.strategy)} function")
            return
        rid = (t.route or {}).get("id")
        if rid == "database-password":
            missing = [k for k in rot.DB_REQUIRED if not (obj or {}).get(k)]
            waiting("pending", f"{t.name}: a database secret without the keys AWS's rotation functions read "
                               f"(missing: {', '.join(missing) or 'a known engine'}); add them, then 'secretshift "
                               f"rotate {t.name} --rotation-lambda-arn ARN'",
                    "not in the structure AWS's database rotation functions need")
            return
        if rid in NO_FUNCTION_ROUTES:  # noted, not left: the rotation checklist tracks it
            title = t.route.get("title", rid).lower()
            waiting("manual", f"{t.name}: a {title} has no automatic rotation; rotate it by hand (ROTATION.md)",
                    f"no automatic rotation for a {title}")
            return
        if skeleton_root is None or t.route is None:
            waiting("pending", f"{t.name}: no rotation function (pass --rotation-lambda-arn or write one with "
                               f"'secretshift rotation-lambda {t.name}')", "no rotation function")
            return
        from . import lambda_skeleton

        d = skeleton_root / slug(t.name)
        lambda_skeleton.write(d, lambda_skeleton.render(t.route, t.name, spec.days))
        waiting("skeleton", f"{t.name}: review {d.name}/rotation_function.py (fill in its TODOs), deploy it with its "
                            f"template.yaml, then run 'secretshift rotate {t.name} --rotation-lambda-arn ARN'",
                f"rotation function to review in {d}")
        return
    out = rot.ensure_rotation(gw, t.name, rot.RotationSpec(spec.lambda_arn, spec.strategy, spec.days, spec.schedule,
                                                           spec.master_secret_arn),
                              wait_seconds=wait_seconds, poll_seconds=poll_seconds, sleep=sleep, report=report)
    res.rotation[t.name] = out.status
    (res.done if out.ok else res.left).append(f"{t.name}: {out.message}")
    record(t.name, "rotation", {"settings": settings, "status": out.status, "version": out.version_id})
    report(f"{out.status:8} {t.name}: {out.message}")
