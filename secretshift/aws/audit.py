"""What this repository migrated, as Secrets Manager sees it now: last accessed date, rotation state,
replicas, and whether the code still reads each secret (an unused secret still costs money). Only
``describe_secret`` is called: no value is ever read."""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

from ..planner.policy import PRICE_PER_SECRET_MONTH
from .gateway import SecretsGateway


@dataclass(frozen=True)
class AuditRow:
    name: str
    exists: bool
    last_accessed: str | None  # ISO date (Secrets Manager keeps the day only)
    rotation: str  # "on (every 30 days)", "off", "missing"
    last_rotated: str | None
    next_rotation: str | None
    replicas: tuple[str, ...]
    read_by: tuple[str, ...]  # files of the repository that name the secret
    days_since_access: int | None
    usd_per_month: float

    @property
    def unused(self) -> bool:
        return self.exists and not self.read_by

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["replicas"], d["read_by"], d["unused"] = list(self.replicas), list(self.read_by), self.unused
        return d


def _date(v: Any) -> dt.datetime | None:
    if isinstance(v, dt.datetime):
        return v if v.tzinfo else v.replace(tzinfo=dt.timezone.utc)
    if isinstance(v, (int, float)):
        return dt.datetime.fromtimestamp(v, dt.timezone.utc)
    return None


def readers_of(names: Iterable[str], files: dict[str, bytes]) -> dict[str, tuple[str, ...]]:
    """``name -> files naming it`` (the accessor call, a dynamic reference, a task definition ...)."""
    out = {}
    for n in names:
        needle = n.encode()
        out[n] = tuple(sorted(f for f, data in files.items() if needle in data))
    return out


def audit(gw: SecretsGateway, names: list[str], files: dict[str, bytes],
          now: dt.datetime | None = None) -> list[AuditRow]:
    now = now or dt.datetime.now(dt.timezone.utc)
    reads = readers_of(names, files)
    rows = []
    for n in sorted(set(names)):
        meta = gw.describe(n)
        if meta is None or meta.get("DeletedDate"):
            rows.append(AuditRow(n, False, None, "missing" if meta is None else "scheduled for deletion", None, None,
                                 (), reads[n], None, 0.0))
            continue
        last = _date(meta.get("LastAccessedDate"))
        rules = meta.get("RotationRules") or {}
        every = rules.get("ScheduleExpression") or (f"every {rules['AutomaticallyAfterDays']} days"
                                                   if rules.get("AutomaticallyAfterDays") else "")
        rotation = f"on ({every})" if meta.get("RotationEnabled") else "off"
        replicas = tuple(sorted(r["Region"] for r in meta.get("ReplicationStatus", [])))
        iso = lambda v: _date(v).date().isoformat() if _date(v) else None  # noqa: E731
        rows.append(AuditRow(n, True, last.date().isoformat() if last else None, rotation,
                             iso(meta.get("LastRotatedDate")), iso(meta.get("NextRotationDate")), replicas, reads[n],
                             (now - last).days if last else None,
                             round(PRICE_PER_SECRET_MONTH * (1 + len(replicas)), 2)))
    return rows


def repository_files(root: Path) -> dict[str, bytes]:
    """The repository's files (what git tracks plus untracked, not ignored), without ``.secretshift/``."""
    from ..migration.verify import tree_files

    out = {}
    for rel in tree_files(root, state=False):
        try:
            out[rel] = (root / rel).read_bytes()
        except OSError:
            continue
    return out
