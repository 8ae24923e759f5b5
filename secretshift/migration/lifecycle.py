"""The lifecycle step of a migration (after create): what the plan's ``lifecycle`` asks for (rotation,
customer key, tags, resource policy, replicas, the rotation failure alarm), for every secret that
exists: this plan's verified secrets and, against AWS, every secret earlier runs migrated (the ledger),
since plan-wide settings cover those too.

The ledger records each part as it finishes (``Ledger.record_lifecycle``), and a part the ledger shows
done with the same settings is left out: an interrupted step resumes where it stopped, and a run that
asks for nothing new makes no AWS call. Settings are additive: a run without ``--rotate`` never turns
rotation off, nor removes a replica or a policy. With ``--local`` the emulator starts empty every run, so
nothing is skipped or recorded and only this run's secrets are covered.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..aws.lifecycle import SecretTarget
from ..planner.lifecycle import of_plan, parse_secret_lifecycle
from .ledger import Ledger
from .state import Progress, state_dir

# rotation outcomes kept as they are while the settings stay the same (others are looked at again)
SETTLED = ("rotated", "unchanged", "rescheduled", "manual")


@dataclass
class Todo:
    targets: list[SecretTarget]
    alarm_topic: str | None

    @property
    def empty(self) -> bool:
        return not self.targets and not self.alarm_topic


def _routes() -> dict[str, dict[str, Any]]:
    from ..reporters.rotation_routes import load_routes

    return {r["id"]: r for r in load_routes()["routes"]}


def todo(plan: Any, ledger: Ledger, progress: Progress, local: bool) -> Todo:
    """What is left to do, per existing secret (pure: reads the plan, the ledger and the progress)."""
    lc, per = of_plan(plan)
    routes = _routes()
    by_name = {s.name: s for s in plan.secrets}
    names = {s.name for s in plan.secrets if progress.verified(s.id)}
    if not local:
        names |= {n for n, e in ledger.secrets.items() if e.get("endpoint") == "aws"}
    out = []
    for name in sorted(names):
        s = by_name.get(name)
        entry = ledger.secrets.get(name, {})
        done = {} if local else entry.get("lifecycle", {})
        eff = per[s.id] if s is not None else lc.defaults
        own = parse_secret_lifecycle(s.lifecycle or None).rotate if s is not None else None
        t = SecretTarget(name, route=routes.get(s.rotation if s is not None else entry.get("rotation", "")),
                         lambda_for_databases_only=not (own and own.lambda_arn))
        key = s.kms_key_id if s is not None else plan.kms_key_id
        if key and (done.get("kms") or {}).get("key") != key:
            t.kms_key_id = key
        created = s is not None and progress.secret(s.id).get("action") == "created"  # tagged by CreateSecret
        t.tags = {} if created else {k: v for k, v in lc.tags if done.get("tags", {}).get(k) != v}
        if eff.readers and sorted(eff.readers) != done.get("readers"):
            t.readers = eff.readers
        t.replicas = tuple((r, k) for r, k in eff.replicas if r not in done.get("replicas", {}))
        rec = done.get("rotation") or {}
        if eff.rotate and not (rec.get("settings") == eff.rotate.to_dict() and rec.get("status") in SETTLED):
            t.rotate = eff.rotate
        if not t.empty:
            out.append(t)
    topic = lc.alarm_topic if lc.alarm_topic and (local or ledger.data.get("alarm", {}).get("topic") !=
                                                  lc.alarm_topic) else None
    return Todo(out, topic)


def describe(t: SecretTarget) -> str:
    """What the step would do to ``t`` (for --dry-run)."""
    parts = [p for p, on in (("key check", t.kms_key_id), ("tags", t.tags), ("resource policy", t.readers),
                             (f"replicas in {', '.join(r for r, _ in t.replicas)}", t.replicas),
                             ("rotation", t.rotate)) if on]
    return f"{t.name}: {', '.join(parts)}"


def lifecycle_step(plan: Any, root: Path, ledger: Ledger, progress: Progress, work: Todo, session: Any,
                   local: bool, wait_seconds: float, report: Callable[[str], None],
                   after: Callable[[str], None] = lambda step: None):
    """Do ``work`` (from ``todo``); returns the ``aws.lifecycle.LifecycleResult``."""
    from ..aws.lifecycle import apply_lifecycle

    record = (lambda name, part, what: None) if local else ledger.record_lifecycle
    res = apply_lifecycle(session, work.targets, work.alarm_topic, state_dir(root) / "rotation", report, record,
                          wait_seconds=wait_seconds, poll_seconds=min(5.0, max(wait_seconds / 10, 0.01)),
                          after_step=after)
    progress.set_stage("lifecycle", "done" if res.ok else "left", left=res.left, failed=res.failed)
    for line in res.left + res.failed:
        report(f"to do:   {line}")
    return res


def created_with_tags(plan: Any, ledger: Ledger, s: Any, action: str, local: bool) -> None:
    """A secret the create stage created carries the plan's tags already: record them (no tag call)."""
    lc, _ = of_plan(plan)
    if lc.tags and action == "created" and not local:
        ledger.record_lifecycle(s.name, "tags", dict(lc.tags))


__all__ = ["SETTLED", "Todo", "created_with_tags", "describe", "lifecycle_step", "todo"]
