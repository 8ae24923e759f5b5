"""serverless.yml: a literal in ``provider.environment`` or a function's ``environment`` becomes
``VAR_SECRET_ARN: <the secret's ARN>`` and the handler reads the secret itself (its reads of the
variable are rewritten by the code codemods). Serverless' own ``${ssm:/aws/reference/secretsmanager/...}``
is not used: it resolves at deploy time into plaintext in the function configuration.
"""
from __future__ import annotations

from typing import List, Sequence

from ..targets import RewriteTarget
from .base import APPLIED, SKIPPED, UNSAFE, Edit, FileRewrite, Options, Outcome, offset_of, value_matches
from .spans import apply_checked, parse_or_skip, scalar_at
from .textedit import quoted, replace_scalar

NOTE = ("the variable now holds the secret's ARN ({var}_SECRET_ARN) and the handler reads the secret (a value "
        "resolved at deploy time would sit in plaintext in the function configuration); the function's role needs "
        "secretsmanager:GetSecretValue on it (provider.iam.role.statements)")


def rewrite(text: str, path: str, targets: Sequence[RewriteTarget], options: Options) -> FileRewrite:
    rw = FileRewrite(path, text, text, "serverless")
    docs = parse_or_skip(text, path, targets, rw)
    if docs is None:
        return rw
    root = docs[0] if docs else None
    edits: List[Edit] = []
    done: set = set()
    for t in targets:
        off = offset_of(text, t.line, t.column)
        node = scalar_at(root, off) if root is not None and off is not None else None
        p = node.path() if node is not None else []
        if node is None or node.key is None or not (
                (p[:2] == ["provider", "environment"] and len(p) == 3)
                or (p[:1] == ["functions"] and len(p) == 4 and p[2] == "environment")):
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: not a provider or function environment value"))
            continue
        if not value_matches(node.value, t):
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: value does not match"))
            continue
        rw.secrets_seen.append(node.value)
        var = node.key.value
        new_key = f"{var}_SECRET_ARN"
        if node.parent.get(new_key) is not None:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: {new_key} already exists"))
            continue
        if id(node) not in done:
            done.add(id(node))
            edits += [Edit(node.key.start, node.key.end, quoted(new_key, node.key.style, False)),
                      replace_scalar(text, node, options.arn(t.secret_id), False)]
        rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE.format(var=var)))
    if not edits:
        return rw
    if not apply_checked(rw, text, edits, path):
        return rw
    return rw.finish()


__all__ = ["rewrite"]
