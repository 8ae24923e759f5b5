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
    """A secret of that name exists with a different value and ``--update-existing`` was not given."""


def create_stage(plan: Any, gateway: SecretsGateway, progress: Any, strings: dict[str, str],
                 update_existing: bool = False, report: Callable[[str], None] = lambda m: None,
                 tick: Callable[[int, int, str], None] = lambda i, n, label: None,
                 after_step: Callable[[str], None] = lambda step: None) -> dict[str, str]:
    """Run the stage; returns ``{secret id: action}`` for the secrets handled in this call.

    :raises SecretConflictError: existing secret with another value (earlier secrets stay done).
    :raises AwsActionError: endpoint unreachable, access denied ... (progress is saved).
    """
    done: dict[str, str] = {}
    todo = [s for s in plan.secrets if not progress.verified(s.id)]
    for i, s in enumerate(todo, 1):
        tick(i, len(todo), s.name)
        value = strings[s.id]
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
                    f"it. Rename it in the plan, or pass --update-existing to store the new value")
            progress.set_secret(s.id, status=action, name=s.name, arn=existing.get("ARN"))
        back = gateway.read(s.name)
        if not same_value(back, value):
            raise AwsActionError(f"{s.name}: the value read back differs from the value written; stopping before "
                                 f"any code is rewritten")
        progress.set_secret(s.id, status="verified", action=action)
        report(f"{action:8} {s.name}")
        done[s.id] = action
        after_step(f"create:{s.id}")
    return done
