"""ECS task definitions (JSON, any layout): a literal in a container's ``environment`` moves to its
``secrets`` as ``{"name": ..., "valueFrom": "<full secret ARN>:<json-key>::"}``.

The edit is textual: the ``environment`` entry is cut out (with its separator), and the new entry is
the old one's own text with ``"value"`` renamed ``"valueFrom"`` and the ARN in place of the literal,
so spacing and one-line/multi-line style follow the file. A new ``secrets`` array copies the
``environment`` array's layout; when every variable moves and no ``secrets`` exists, the array is
renamed in place. ECS reads the secrets with the task *execution* role when the task starts: the
result carries that role's IAM statements (``kms:Decrypt`` via Secrets Manager for customer keys).
"""
from __future__ import annotations

import json
from typing import Dict, List, Optional, Sequence, Tuple

from ..targets import RewriteTarget
from .base import (APPLIED, PATCH, SKIPPED, UNSAFE, Edit, FileRewrite, Options, Outcome, apply_edits, offset_of,
                   patch_text, value_matches)
from .spans import N, SpanError, column, parse_json

NOTE = ("moved to secrets (valueFrom the secret's ARN); ECS injects it when the task starts, with the task "
        "execution role, so a rotated value reaches new tasks only (redeploy to pick it up)")


def value_from(arn: str, json_key: Optional[str]) -> str:
    """``valueFrom`` for a JSON key: ``ARN:key::`` (version stage and id empty: the current version)."""
    return f"{arn}:{json_key}::" if json_key else arn


def kms_arn(key: str, region: Optional[str], account: Optional[str]) -> str:
    if key.startswith("arn:"):
        return key
    kind = "" if key.startswith("alias/") else "key/"
    return f"arn:aws:kms:{region or '*'}:{account or '*'}:{kind}{key}"


def execution_role_statements(arns: Sequence[str], kms_keys: Sequence[str], options: Options,
                              sid: str = "EcsTaskExecutionRoleReadsSecrets") -> List[dict]:
    if not arns:
        return []
    out = [{"Sid": sid, "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"],
            "Resource": sorted(set(arns))}]
    if kms_keys:
        region = options.region or "*"
        out.append({"Sid": sid.replace("ReadsSecrets", "") + "DecryptsSecrets", "Effect": "Allow",
                    "Action": "kms:Decrypt",
                    "Resource": sorted({kms_arn(k, options.region, options.account) for k in kms_keys}),
                    "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}}})
    return out


def _containers(root: N) -> List[N]:
    for holder in (root, root.get("taskDefinition")):
        if holder is not None and holder.kind == "map":
            cds = holder.get("containerDefinitions")
            if cds is not None and cds.kind == "seq":
                return [c for c in cds.items if c.kind == "map"]
    return []


def _entry_text(text: str, entry: N, arn_ref: str) -> str:
    """The environment entry rewritten as a secrets entry, in its own layout."""
    edits = []
    for k, v in entry.entries:
        if k.value == "value":
            edits += [Edit(k.start - entry.start, k.end - entry.start, '"valueFrom"'),
                      Edit(v.start - entry.start, v.end - entry.start, json.dumps(arn_ref))]
    return apply_edits(text[entry.start:entry.end], edits)


def _remove_items(text: str, seq: N, gone: List[N]) -> List[Edit]:
    """Cut ``gone`` out of ``seq``: a run before a kept item goes with the separator after it, a
    trailing run with the separator before it; nothing kept leaves ``[]``."""
    ids = {id(g) for g in gone}
    keep = [i for i, it in enumerate(seq.items) if id(it) not in ids]
    if not keep:
        return [Edit(seq.start + 1, seq.end - 1, "")]
    edits, i, items = [], 0, seq.items
    while i < len(items):
        if id(items[i]) not in ids:
            i += 1
            continue
        j = i
        while j < len(items) and id(items[j]) in ids:
            j += 1
        if j < len(items):
            edits.append(Edit(items[i].start, items[j].start, ""))
        else:
            edits.append(Edit(items[i - 1].end, items[j - 1].end, ""))
        i = j
    return edits


def _seq_layout(text: str, seq: N) -> Tuple[bool, int]:
    """(multi-line, column of the items) of a JSON array."""
    if seq.items:
        first = seq.items[0]
        return "\n" in text[seq.start:first.start], column(text, first.start)
    return False, column(text, seq.start) + 2


def _insert_into(text: str, seq: N, entries: List[str], nl: str) -> Edit:
    multi, col = _seq_layout(text, seq)
    if seq.items:
        last = seq.items[-1]
        sep = ("," + nl + " " * col) if multi else ", "
        return Edit(last.end, last.end, "".join(sep + e for e in entries))
    return Edit(seq.start + 1, seq.end - 1, ", ".join(entries))


def _new_secrets(text: str, env_key: N, env: N, entries: List[str], nl: str) -> Edit:
    multi, col = _seq_layout(text, env)
    key_col = column(text, env_key.start)
    if multi:
        body = "[" + nl + " " * col + ("," + nl + " " * col).join(entries) + nl + " " * key_col + "]"
        return Edit(env.end, env.end, "," + nl + " " * key_col + '"secrets": ' + body)
    return Edit(env.end, env.end, ', "secrets": [' + ", ".join(entries) + "]")


def rewrite(text: str, path: str, targets: Sequence[RewriteTarget], options: Options) -> FileRewrite:
    rw = FileRewrite(path, text, text, "ecs")
    try:
        root = parse_json(text)
    except SpanError as e:
        for t in targets:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"not valid JSON (line {e.line}); not edited"))
        return rw
    nl = "\r\n" if "\r\n" in text else "\n"
    containers = _containers(root)
    moves: Dict[int, List[Tuple[RewriteTarget, N, N]]] = {}  # container id -> (target, entry, env seq)
    by_id = {id(c): c for c in containers}
    for t in targets:
        off = offset_of(text, t.line, t.column)
        node = _locate(root, off)
        why = _check(node, t, containers)
        if why:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, why))
            continue
        entry, env = node.parent, node.parent.parent
        container = env.parent
        rw.secrets_seen.append(node.value)
        moves.setdefault(id(container), []).append((t, entry, env))
    edits: List[Edit] = []
    arns, kms = [], []
    for cid, items in moves.items():
        c = by_id[cid]
        env = items[0][2]
        env_key = env.key
        uniq = []
        for t, entry, _ in sorted(items, key=lambda x: x[1].start):  # file order
            if all(entry is not e for _, e, _ in uniq):
                uniq.append((t, entry, env))
        new_entries = []
        for t, entry, _ in uniq:
            arn = options.arn(t.secret_id)
            new_entries.append(_entry_text(text, entry, value_from(arn, t.json_key)))
            arns.append(arn)
            info = options.info(t.secret_id)
            if info.kms_key_id:
                kms.append(info.kms_key_id)
        secrets = c.get("secrets")
        gone = [e for _, e, _ in uniq]
        if secrets is None and len(gone) == len(env.items):
            # every variable moves: rename the array, rewrite its entries in place
            edits.append(Edit(env_key.start, env_key.end, '"secrets"'))
            for (t, entry, _), new in zip(uniq, new_entries):
                edits.append(Edit(entry.start, entry.end, new))
        else:
            edits.extend(_remove_items(text, env, gone))
            if secrets is not None and secrets.kind == "seq":
                edits.append(_insert_into(text, secrets, new_entries, nl))
            else:
                edits.append(_new_secrets(text, env_key, env, new_entries, nl))
        for t, _, _ in items:
            rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE))
        if c.get("executionRoleArn") is None and root.get("executionRoleArn") is None:
            rw.messages.append(f"{path}: the task definition has no executionRoleArn: ECS needs one to read secrets")
    if not edits:
        return rw
    try:
        new = apply_edits(text, edits)
        json.loads(new) if not _has_comments(text) else parse_json(new)
    except (ValueError, SpanError):
        return rw.refuse("rewrite refused: the result would not be valid JSON")
    rw.text = new
    rw.policy = execution_role_statements(arns, kms, options)
    return rw.finish()


def _has_comments(text: str) -> bool:
    try:
        json.loads(text)
        return False
    except ValueError:
        return True


def _locate(root: N, off: Optional[int]) -> Optional[N]:
    from .spans import scalar_at

    return None if off is None else scalar_at(root, off)


def _check(node: Optional[N], t: RewriteTarget, containers: List[N]) -> str:
    if node is None:
        return f"line {t.line}: no value at this position"
    entry = node.parent
    env = entry.parent if entry is not None else None
    if entry is None or entry.kind != "map" or node.key is None or node.key.value != "value" or env is None \
            or env.kind != "seq" or env.key is None or env.key.value != "environment" \
            or all(env.parent is not c for c in containers):
        return f"line {t.line}: not the value of a container's environment entry; not edited"
    if not value_matches(node.value, t):
        return f"line {t.line}: value does not match (changed since the scan, or only part of it is the secret)"
    if entry.text_of("name") is None:
        return f"line {t.line}: the environment entry has no name"
    return ""


def patch_for(text: str, path: str, targets: Sequence[RewriteTarget], options: Options) -> str:
    """The exact change as a display-only patch (for plans that do not write)."""
    rw = rewrite(text, path, targets, options)
    return patch_text(text, rw.text, path, rw.secrets_seen)


__all__ = ["rewrite", "value_from", "execution_role_statements", "patch_for", "PATCH"]
