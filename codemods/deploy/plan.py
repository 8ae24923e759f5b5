"""What the deployment-file and JavaScript rewrites will do with each finding, decided before any
secret exists (for the plan): each file is rewritten in memory with placeholder secret names, and
each finding's outcome becomes its plan action.

``decisions(root, findings, rds_managed_password, js_sync_fallback)`` maps a finding's fingerprint
to ``Decision(action, applicability, reason)``: the action is the file's kind (``javascript``,
``ecs``, ``cfn``, ``terraform``, ``kubernetes``, ``compose``, ``dockerfile``, ``github-actions``,
``serverless``, ``shell``), ``rds-managed`` for an RDS master password that becomes a password RDS
manages, ``display`` (a display-only patch, or no automatic rewrite: the reason says which), or
``left`` (nothing to rewrite: an environment read of browser code, set at build time; the plan
leaves it in place like a test's value).
"""
from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Tuple

from ..targets import RewriteTarget
from . import kind_of, module_files, project_reader, rewrite_text
from .base import APPLIED, LEFT, PATCH, Options

RDS_MANAGED = "rds-managed"
ACTIONS = ("javascript", "ecs", "cfn", "terraform", "kubernetes", "compose", "dockerfile", "github-actions",
           "serverless", "shell", RDS_MANAGED)


class Decision(NamedTuple):
    action: str
    applicability: str
    reason: str


def target_for(f: Any, secret_id: str, json_key: Optional[str]) -> RewriteTarget:
    """A rewrite target for scanner finding ``f`` (its value's hash computed in memory)."""
    sha = None
    if f.kind == "hardcoded" and f.value is not None:
        sha = hashlib.sha256(f.value.reveal().encode("utf-8", "surrogatepass")).hexdigest()
    return RewriteTarget(line=f.line, column=f.column, end_line=f.end_line, end_column=f.end_column, kind=f.kind,
                         secret_id=secret_id, json_key=json_key, value_sha256=sha,
                         env_var=f.symbol if f.kind == "env" else None, rule_id=f.rule_id, fingerprint=f.fingerprint)


def _is_rds(note: str) -> bool:
    from .cfn import NOTE_RDS
    from .terraform import RDS_NOTE

    return note in (NOTE_RDS, RDS_NOTE)


def planned_options(planned: Iterable[Tuple[str, str]]) -> Tuple[bool, bool]:
    """``(rds_managed_password, js_sync_fallback)`` that a file's planned ``(action, reason)`` pairs were
    decided with, so apply rewrites each target as its plan says: an ``rds-managed`` action means the
    option was on; a display-only "await is not valid here" patch means ``getSecretSync`` was off."""
    from ..js.rewrite import NOTE_PATCH

    head, tail = NOTE_PATCH.split("{where}")[0], NOTE_PATCH.rsplit("}", 1)[1]
    pairs = list(planned)
    rds = any(a == RDS_MANAGED for a, _ in pairs)
    await_only = any(a == "display" and r.startswith(head) and r.endswith(tail) for a, r in pairs)
    return rds, not await_only


def extra_kind(rel: str) -> str:
    """What an extra file of a rewrite is: ``accessor`` (the JavaScript/TypeScript accessor module),
    ``dependency`` (a package.json gaining the AWS SDK) or ``file`` (.env.example, a SecretStore, ...)."""
    from ..js.project import BASENAME

    name = rel.rsplit("/", 1)[-1]
    if name.startswith(BASENAME + "."):
        return "accessor"
    return "dependency" if name == "package.json" else "file"


def decisions(root: Path, findings: Iterable[Any], rds_managed_password: bool = False,
              js_sync_fallback: bool = True) -> Dict[str, Decision]:
    by_file: Dict[str, List[Any]] = {}
    for f in findings:
        low = f.file.lower()
        if low.endswith((".py", ".pyw")) or low.rsplit("/", 1)[-1].startswith(".env") or low.endswith(".env"):
            continue
        by_file.setdefault(f.file, []).append(f)
    read = project_reader(root)
    out: Dict[str, Decision] = {}
    for rel, fs in sorted(by_file.items()):
        text = read(rel)
        if text is None:
            continue
        kind = kind_of(rel, text)
        if kind is None:
            continue
        wanted = [f for f in fs if f.kind == "hardcoded" or kind == "javascript"]
        targets = [target_for(f, f"secretshift/planned-{i}", "value") for i, f in enumerate(wanted)]
        options = Options(read=read, rds_managed_password=rds_managed_password, js_sync_fallback=js_sync_fallback)
        rw = rewrite_text(text, rel, targets, options, kind,
                          module_files(root, rel) if kind == "terraform" else None)
        for o in rw.outcomes:
            # the ids stand for secrets not named yet: the plan's reasons must not show them
            note = _PLANNED_ID.sub("its secret", _PLANNED_SECRET.sub("its secret", o.note or ""))
            if o.status == APPLIED:
                action = RDS_MANAGED if _is_rds(note) else kind
                out[o.target.fingerprint] = Decision(action, o.applicability, note)
            elif o.status == PATCH:
                out[o.target.fingerprint] = Decision("display", "display-only", note)
            elif o.status == LEFT:
                out[o.target.fingerprint] = Decision(LEFT, "display-only", note)
            else:
                note = re.sub(r"^line \d+: ", "", note)  # findings sharing a fingerprint share the reason
                out[o.target.fingerprint] = Decision("display", "display-only", f"not rewritten: {note}")
    return out


_PLANNED_SECRET = re.compile(r"\b(?:the )?secret `?secretshift/planned-\d+`?")
_PLANNED_ID = re.compile(r"`?secretshift/planned-\d+`?")


__all__ = ["decisions", "Decision", "target_for", "planned_options", "extra_kind", "ACTIONS", "RDS_MANAGED"]
