"""Move ``AWSCURRENT`` back to the ``AWSPREVIOUS`` version after a bad rotation.

Secrets Manager moves ``AWSPREVIOUS`` to the version that loses ``AWSCURRENT`` by itself, so after a
rollback the bad version is ``AWSPREVIOUS`` (a second rollback undoes the first). A leftover
``AWSPENDING`` label from a rotation that never finished is removed too, so the next rotation can
start. Only version ids are reported.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..base.errors import AwsActionError
from .gateway import SecretsGateway


@dataclass(frozen=True)
class Rollback:
    name: str
    from_version: str
    to_version: str
    cleared_pending: str | None


def plan_rollback(gw: SecretsGateway, name: str, to_version: str | None = None) -> Rollback:
    """What a rollback would do. :raises AwsActionError: no such secret, or nothing to go back to."""
    if gw.describe(name) is None:
        raise AwsActionError(f"{name}: no such secret in {gw.region or 'this region'}")
    stages = gw.stages(name)
    cur = next((v for v, st in stages.items() if "AWSCURRENT" in st), None)
    target = to_version or next((v for v, st in stages.items() if "AWSPREVIOUS" in st), None)
    if cur is None:
        raise AwsActionError(f"{name}: no version is AWSCURRENT")
    if target is None:
        raise AwsActionError(f"{name}: no AWSPREVIOUS version to go back to (the secret has one version)")
    if to_version and to_version not in stages:
        raise AwsActionError(f"{name}: version {to_version} has no staging label (see 'aws secretsmanager "
                             f"list-secret-version-ids --secret-id {name}')")
    if target == cur:
        raise AwsActionError(f"{name}: version {target} is already AWSCURRENT")
    pending = next((v for v, st in stages.items() if "AWSPENDING" in st and "AWSCURRENT" not in st), None)
    return Rollback(name, cur, target, pending)


def rollback(gw: SecretsGateway, plan: Rollback) -> Rollback:
    gw.move_stage(plan.name, "AWSCURRENT", plan.to_version, plan.from_version)
    if plan.cleared_pending:
        gw.move_stage(plan.name, "AWSPENDING", None, plan.cleared_pending)
    after = gw.stages(plan.name)
    if "AWSCURRENT" not in after.get(plan.to_version, []):
        raise AwsActionError(f"{plan.name}: AWSCURRENT did not move to {plan.to_version}")
    return plan
