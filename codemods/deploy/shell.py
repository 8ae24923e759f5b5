"""Shell scripts (tree-sitter-bash): ``VAR="literal"`` becomes
``VAR="$(aws secretsmanager get-secret-value --secret-id ID --query SecretString --output text | jq -er .key)"``.

``export VAR=literal`` becomes the assignment followed by ``export VAR`` on the next line: ``export
VAR="$(...)"`` would hide a failed fetch from ``set -e`` (the status is export's). A secret inside a
longer double-quoted or bare word (a URL's password) is replaced by the command substitution alone.
The script then needs the aws CLI and, for JSON secrets, jq.
"""
from __future__ import annotations

from typing import List, Sequence

from ..targets import RewriteTarget
from .base import (APPLIED, SKIPPED, UNSAFE, Edit, FileRewrite, Options, Outcome, apply_edits, find_part,
                   offset_of, value_matches)
from .compose import fetch_command

AWS_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
NOTE_AWS = ("static AWS keys removed: the aws CLI (and every SDK) then uses the default credential chain (profile, "
            "SSO, instance or task role); fetching them from Secrets Manager would need AWS credentials first")
NOTE = "reads the secret with the aws CLI when the script runs (needs aws{jq} and secretsmanager:GetSecretValue)"


def _parse(src: bytes):  # type: ignore[no-untyped-def]
    from secretshift.scanner.treesitter import parser_for

    p = parser_for("shell")
    return p.parse(src) if p is not None else None


def _errors(tree) -> int:  # type: ignore[no-untyped-def]
    n, stack = 0, [tree.root_node]
    while stack:
        x = stack.pop()
        n += x.type == "ERROR" or x.is_missing
        stack.extend(x.children)
    return n


def _argument(n):  # type: ignore[no-untyped-def]
    """The word/string argument of a command that holds ``n``, or None."""
    while n is not None and n.type not in ("word", "string", "concatenation"):
        if n.type in ("command", "program", "raw_string"):
            return None
        n = n.parent
    if n is None:
        return None
    while n.parent is not None and n.parent.type == "concatenation":
        n = n.parent
    return n if n.parent is not None and n.parent.type == "command" and n.parent.child_by_field_name("name") != n \
        else None


def _rewrite_argument(src: bytes, arg, t: RewriteTarget, off: int, text: str, edits: List[Edit],  # type: ignore[no-untyped-def]
                      rw: FileRewrite) -> bool:
    raw = src[arg.start_byte:arg.end_byte].decode("utf-8")
    start_char = len(src[:arg.start_byte].decode("utf-8"))
    part = find_part(raw, t, off - start_char)
    if part is None:
        rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: value does not match (changed or already migrated)"))
        return False
    if "'" in raw or "$" in raw[:part[0]] or "`" in raw:
        rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: the secret is part of a quoted or expanded "
                                                     "argument; change it by hand"))
        return False
    cmd = "$(" + fetch_command(t.secret_id, t.json_key) + ")"
    inside = raw.count('"', 0, part[0]) % 2 == 1  # already within double quotes
    new = raw[:part[0]] + (cmd if inside else f'"{cmd}"') + raw[part[1]:]
    rw.secrets_seen.append(raw[part[0]:part[1]])
    edits.append(Edit(arg.start_byte, arg.end_byte, new.encode("utf-8")))
    return True


def rewrite(text: str, path: str, targets: Sequence[RewriteTarget], options: Options) -> FileRewrite:
    rw = FileRewrite(path, text, text, "shell")
    src = text.encode("utf-8")
    tree = _parse(src)
    if tree is None:
        for t in targets:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, "the shell grammar is not available here"))
        return rw
    edits: List[Edit] = []  # byte offsets
    done: set = set()
    for t in targets:
        off = offset_of(text, t.line, t.column)
        b = len(text[:off].encode("utf-8")) if off is not None else -1
        n = tree.root_node.descendant_for_byte_range(b, b) if b >= 0 else None
        leaf = n
        while n is not None and n.type != "variable_assignment":
            n = n.parent
        value = n.child_by_field_name("value") if n is not None else None
        arg = _argument(leaf)  # a command-line argument: --password=VALUE, -p VALUE, "...VALUE..."
        in_value = value is not None and value.type in ("string", "word", "concatenation") and arg is not None \
            and value.start_byte <= arg.start_byte and arg.end_byte <= value.end_byte
        if arg is not None and not in_value:
            if _rewrite_argument(src, arg, t, off, text, edits, rw):
                rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE.format(jq=", jq" if t.json_key else "")
                                           + "; the command line still shows it to other local users while it runs"))
            continue
        if value is not None and value.type == "expansion":  # VAR=${VAR:-default}: the default reads the secret
            raw = src[value.start_byte:value.end_byte].decode("utf-8")
            start_char = len(src[:value.start_byte].decode("utf-8"))
            part = find_part(raw, t, off - start_char)
            if part is None or not raw.startswith("${") or "$" in raw[2:part[0]]:
                rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: not a literal default; change it by hand"))
                continue
            rw.secrets_seen.append(raw[part[0]:part[1]])
            cmd = "$(" + fetch_command(t.secret_id, t.json_key) + ")"
            edits.append(Edit(value.start_byte, value.end_byte, (raw[:part[0]] + cmd + raw[part[1]:]).encode()))
            rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE.format(jq=", jq" if t.json_key else "")
                                       + " when the variable is not set"))
            continue
        if value is None or value.type not in ("string", "raw_string", "word", "number", "concatenation"):
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: not a literal assignment or argument"))
            continue
        raw = src[value.start_byte:value.end_byte].decode("utf-8")
        inner, q = (raw[1:-1], raw[0]) if value.type in ("string", "raw_string") and len(raw) >= 2 else (raw, "")
        cmd = "$(" + fetch_command(t.secret_id, t.json_key) + ")"
        if value_matches(inner, t):
            new_value = f'"{cmd}"'
        else:
            part = find_part(inner, t, None)
            if part is None or q == "'" or "$" in inner or "`" in inner:
                why = "value does not match (changed or already migrated)" if part is None else \
                    "the secret is part of a single-quoted or expanded string; change it by hand"
                rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: {why}"))
                continue
            new_value = f'"{inner[:part[0]]}{cmd}{inner[part[1]:]}"'
            inner = inner[part[0]:part[1]]
        rw.secrets_seen.append(inner)
        key = (value.start_byte, value.end_byte)
        if key in done:
            rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE.format(jq=", jq" if t.json_key else "")))
            continue
        done.add(key)
        decl = n.parent if n.parent is not None and n.parent.type == "declaration_command" else None
        var = src[n.start_byte:value.start_byte].decode("utf-8").rstrip("=")
        stmt = decl if decl is not None and sum(c.type == "variable_assignment" for c in decl.children) == 1 else n
        ls = src.rfind(b"\n", 0, stmt.start_byte) + 1
        le = src.find(b"\n", stmt.end_byte)
        le = len(src) if le < 0 else le + 1
        if var in AWS_KEYS and not src[ls:stmt.start_byte].strip() and not src[stmt.end_byte:le].strip(b" \t\r\n;"):
            edits.append(Edit(ls, le, b""))
            rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE_AWS))
            continue
        if decl is not None and src[decl.start_byte:decl.start_byte + 6] == b"export" and \
                sum(c.type == "variable_assignment" for c in decl.children) == 1 and decl.end_byte == n.end_byte:
            name = src[n.start_byte:value.start_byte].decode("utf-8")  # "VAR="
            ls = src.rfind(b"\n", 0, decl.start_byte) + 1
            indent = src[ls:decl.start_byte].decode("utf-8")
            if indent.strip():  # something else before export on the line: keep it one command
                edits.append(Edit(value.start_byte, value.end_byte, new_value.encode()))
            else:
                edits.append(Edit(decl.start_byte, decl.end_byte,
                                  f"{name}{new_value}\n{indent}export {name[:-1]}".encode()))
        else:
            edits.append(Edit(value.start_byte, value.end_byte, new_value.encode()))
        rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE.format(jq=", jq" if t.json_key else "")))
    if not edits:
        return rw
    try:
        new = apply_edits(src, edits)
    except ValueError:
        return rw.refuse("rewrite refused: two edits overlap")
    after = _parse(new)
    if after is None or _errors(after) > _errors(tree):
        return rw.refuse("rewrite refused: the result would not parse as shell")
    rw.text = new.decode("utf-8")
    return rw.finish()


__all__ = ["rewrite"]
