"""Replicas of a secret in other regions (``--replicate-to REGION[=KMS_KEY]``), created and read back.

A replica is read back through a client in its own region: it must report the primary region and hold
the same value (compared in memory). Regions already replicated are not requested again.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ..base.errors import AwsActionError
from .session import AwsSession


@dataclass(frozen=True)
class Replica:
    region: str
    kms_key_id: str | None = None


def ensure_replicas(session: AwsSession, name: str, replicas: tuple[Replica, ...], wait_seconds: float = 60,
                    sleep: Callable[[float], None] = time.sleep,
                    report: Callable[[str], None] = lambda m: None) -> dict[str, str]:
    """Replicate ``name`` to every region not yet holding it; read each replica back.

    Returns ``{region: status}`` ("created", "present"). :raises AwsActionError: a replica failed or differs.
    """
    gw = session.gateway()
    if any(r.region == gw.region for r in replicas):
        raise AwsActionError(f"{name}: {gw.region} is the secret's own (primary) region, not a replica's")
    meta = gw.describe(name)
    if meta is None:
        raise AwsActionError(f"{name}: no such secret in {gw.region or 'this region'}")
    have = {r["Region"]: r for r in meta.get("ReplicationStatus", [])}
    todo = [r for r in replicas if r.region not in have]
    if todo:
        gw.replicate(name, [(r.region, r.kms_key_id) for r in todo])
    primary_value = gw.read_version(name)
    out = {}
    for r in replicas:
        status = _wait_in_sync(gw, name, r.region, wait_seconds, sleep)
        if status != "InSync":
            raise AwsActionError(f"{name}: the replica in {r.region} is {status}")
        rgw = session.gateway(region=r.region)
        rmeta = rgw.describe(name)
        if rmeta is None or rmeta.get("PrimaryRegion") != gw.region:
            raise AwsActionError(f"{name}: no replica found in {r.region}")
        if rgw.read_version(name) != primary_value:
            raise AwsActionError(f"{name}: the replica in {r.region} holds another value than the primary")
        if r.kms_key_id and have.get(r.region, {}).get("KmsKeyId", r.kms_key_id) != r.kms_key_id:
            report(f"{name}: the replica in {r.region} already exists with key {have[r.region].get('KmsKeyId')}, "
                   f"not {r.kms_key_id}; left as it is")
        out[r.region] = "present" if r.region in have else "created"
        report(f"{out[r.region]:8} replica of {name} in {r.region}" + (f" (key {r.kms_key_id})" if r.kms_key_id else ""))
    return out


def _wait_in_sync(gw, name: str, region: str, wait_seconds: float, sleep: Callable[[float], None]) -> str:
    deadline = time.monotonic() + wait_seconds
    while True:
        meta = gw.describe(name) or {}
        status = next((r.get("Status", "?") for r in meta.get("ReplicationStatus", []) if r["Region"] == region),
                      "missing")
        if status != "InProgress" or time.monotonic() >= deadline:
            return status
        sleep(2.0)
