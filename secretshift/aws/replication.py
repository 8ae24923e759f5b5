"""Replicas of a secret in other regions (``--replicate-to REGION[=KMS_KEY]``), created and read back.

A replica is read back through a client in its own region: it must report the primary region and hold
the same value (compared by digest in memory). Regions already replicated are not requested again.
"""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Callable

from ..base.errors import AwsActionError, SecretshiftError
from .session import AwsSession

REGION_RE = re.compile(r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d$")


@dataclass(frozen=True)
class Replica:
    region: str
    kms_key_id: str | None = None

    def spec(self) -> str:
        return f"{self.region}={self.kms_key_id}" if self.kms_key_id else self.region


def parse_replicas(specs: tuple[str, ...] | list[str], primary: str | None = None) -> tuple[Replica, ...]:
    """``["eu-west-1", "eu-central-1=alias/app"]`` -> replicas. :raises SecretshiftError: a bad spec."""
    out: dict[str, Replica] = {}
    for raw in specs:
        for spec in str(raw).split(","):
            spec = spec.strip()
            if not spec:
                continue
            region, _, key = spec.partition("=")
            region = region.strip()
            if not REGION_RE.match(region):
                raise SecretshiftError(f"--replicate-to: '{region}' is not an AWS region (like eu-west-1)")
            if primary and region == primary:
                raise SecretshiftError(f"--replicate-to: {region} is the primary region")
            out[region] = Replica(region, key.strip() or None)
    return tuple(out[r] for r in sorted(out))


def _digest(s: str | None) -> str:
    return hashlib.sha256((s or "").encode("utf-8", "surrogatepass")).hexdigest()


def ensure_replicas(session: AwsSession, name: str, replicas: tuple[Replica, ...], wait_seconds: float = 60,
                    sleep: Callable[[float], None] = time.sleep,
                    report: Callable[[str], None] = lambda m: None) -> dict[str, str]:
    """Replicate ``name`` to every region not yet holding it; read each replica back.

    Returns ``{region: status}`` ("created", "present"). :raises AwsActionError: a replica failed or differs.
    """
    gw = session.gateway()
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
        if _digest(rgw.read_version(name)) != _digest(primary_value):
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
