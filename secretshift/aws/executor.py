"""The create stage: make every planned secret exist with exactly the planned value, idempotently.

For each secret not yet verified: describe it; create it (ClientRequestToken from the content), or
adopt an existing one holding the same value, or (``update_existing``) put the new value; then read it
back and compare. Progress is saved after every secret, so an interrupted run resumes where it stopped.
"""
from __future__ import annotations

import json
from typing import Any, Callable

from ..base.errors import AwsActionError
from .gateway import SecretsGateway


def same_value(a: str | None, b: str) -> bool:
    if a is None:
        return False
    if a == b:
        return True
    try:
        ja, jb = json.loads(a), json.loads(b)
    except ValueError:
        return False
    return isinstance(ja, dict) and ja == jb


class SecretConflictError(AwsActionError):
    """A secret of that name exists with a different value and ``--update-existing`` was not given.
    ``foreign``: the name of a secret this plan meant to create (not one an earlier run created)."""

    def __init__(self, message: str, foreign: str | None = None) -> None:
        super().__init__(message)
        self.foreign = foreign


def _reuse(s: Any, gateway: SecretsGateway, found: str, recreate: bool, report: Callable[[str], None]) -> tuple[str, Any]:
    """A secret an earlier run created (the ledger): it must still exist and hold the keys found again
    this run. ``found`` is the JSON of those keys (or the plain value). Returns (action, describe)."""
    existing = gateway.describe(s.name)
    if existing is None or existing.get("DeletedDate"):
        if recreate:  # the embedded emulator forgets everything between runs
            r = gateway.create(s.name, found, s.description, s.tags, s.kms_key_id)
            return "created", {"ARN": r.get("ARN")}
        state = "is scheduled for deletion" if existing else "no longer exists"
        raise AwsActionError(f"{s.name} was created by an earlier run (.secretshift/ledger.json) but {state} in "
                             f"Secrets Manager; restore it (aws secretsmanager restore-secret --secret-id {s.name}) "
                             f"or recreate it, then run again")
    current = gateway.read(s.name)
    if s.plain:
        if current != found and found:
            report(f"note     {s.name}: the value in the code differs from the secret's current one "
                   f"(rotated since?); the rewritten code reads the secret")
        return "reused", existing
    try:
        have, want = json.loads(current or "{}"), json.loads(found or "{}")
    except ValueError:
        have, want = {}, {}
    missing = sorted(k for k in want if not isinstance(have, dict) or k not in have)
    if missing:
        raise SecretConflictError(f"{s.name} has no key {missing[0]}, which an earlier run stored there; "
                                  f"nothing was changed for it")
    if any(have.get(k) != v for k, v in want.items()):
        report(f"note     {s.name}: a value in the code differs from the secret's current one (rotated since?); "
               f"the rewritten code reads the secret")
    return "reused", existing


def create_stage(plan: Any, gateway: SecretsGateway, progress: Any, strings: dict[str, str],
                 update_existing: bool = False, report: Callable[[str], None] = lambda m: None,
                 tick: Callable[[int, int, str], None] = lambda i, n, label: None,
                 after_step: Callable[[str], None] = lambda step: None,
                 on_verified: Callable[[Any, str, str | None], None] = lambda s, value, arn: None,
                 recreate_existing: bool = False) -> dict[str, str]:
    """Run the stage for the secrets in ``strings`` (the others are pending); returns ``{secret id:
    action}`` for the secrets handled in this call. ``on_verified(secret, value, arn)`` runs after each
    read-back (the ledger records it). Secrets an earlier run created (``existing``) are only checked.

    :raises SecretConflictError: existing secret with another value (earlier secrets stay done).
    :raises AwsActionError: endpoint unreachable, access denied ... (progress is saved).
    """
    done: dict[str, str] = {}
    todo = [s for s in plan.secrets if not progress.verified(s.id) and s.id in strings
            and (not getattr(s, "existing", False) or any(r.action != "display" for r in s.rewrites))]
    for i, s in enumerate(todo, 1):
        tick(i, len(todo), s.name)
        value = strings[s.id]
        if getattr(s, "existing", False):
            action, desc = _reuse(s, gateway, value, recreate_existing, report)
            progress.set_secret(s.id, status="verified", action=action, name=s.name, arn=(desc or {}).get("ARN"))
            if action == "created":
                on_verified(s, value, (desc or {}).get("ARN"))
                report(f"created  {s.name} (again: the emulator forgot it)")
            done[s.id] = action
            after_step(f"create:{s.id}")
            continue
        existing = gateway.describe(s.name)
        action = "created"
        if existing is None:
            r = gateway.create(s.name, value, s.description, s.tags, s.kms_key_id)
            if r.get("Exists"):
                existing = gateway.describe(s.name) or {}
            else:
                progress.set_secret(s.id, status="created", name=s.name, arn=r.get("ARN"))
        if existing is not None:
            if existing.get("DeletedDate"):
                raise AwsActionError(f"{s.name} is scheduled for deletion: restore it with 'aws secretsmanager "
                                     f"restore-secret --secret-id {s.name}' or rename it in the plan")
            current = gateway.read_version(s.name)
            if same_value(current, value):
                action = "adopted"
            elif current is None and not existing.get("VersionIdsToStages"):
                gateway.put(s.name, value)  # declared without a value (plan --emit, then the stack deployed)
                action = "filled"
            elif update_existing:
                gateway.put(s.name, value)
                action = "updated"
            else:
                raise SecretConflictError(
                    f"{s.name} already exists in Secrets Manager with a different value; nothing was changed for "
                    f"it. Rename it in the plan, or pass --update-existing to store the new value", foreign=s.name)
            progress.set_secret(s.id, status=action, name=s.name, arn=existing.get("ARN"))
        back = gateway.read(s.name)
        if not same_value(back, value):
            raise AwsActionError(f"{s.name}: the value read back differs from the value written; stopping before "
                                 f"any code is rewritten")
        progress.set_secret(s.id, status="verified", action=action)
        on_verified(s, value, progress.secret(s.id).get("arn"))
        report(f"{action:8} {s.name}")
        done[s.id] = action
        after_step(f"create:{s.id}")
    return done
