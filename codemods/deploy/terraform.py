"""Terraform (HCL through tree-sitter): a literal becomes
``jsondecode(data.aws_secretsmanager_secret_version.ID.secret_string)["KEY"]`` and the file gains the
``data "aws_secretsmanager_secret_version" "ID" { secret_id = "NAME" }`` block once.

- A ``variable`` default cannot reference data: each ``var.NAME`` of the module (this file) becomes the
  expression and the variable goes; a use in another file of the module leaves a display-only patch.
- ``Options.rds_managed_password``: an ``aws_db_instance``/``aws_rds_cluster`` password attribute
  becomes ``manage_master_user_password = true`` (RDS keeps the password in a secret of its own).
- The value read through a data source is stored in the Terraform state: the summary says so.
- ``terraform fmt`` layout is kept: the ``=`` of a changed attribute's run of lines is re-aligned
  the way ``terraform fmt`` aligns it (consecutive one-line attributes at one indentation).
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence, Tuple

from ..targets import RewriteTarget
from .base import (APPLIED, PATCH, SKIPPED, UNSAFE, Edit, FileRewrite, Options, Outcome, apply_edits, find_part,
                   ident, offset_of, patch_text, value_matches)

STATE_NOTE = ("read through a data source: the value is stored in the Terraform state (keep the state in an "
              "encrypted backend with restricted access)")
RDS_NOTE = ("manage_master_user_password: RDS creates and rotates the master password in a secret of its own "
            "(master_user_secret); readers of the migrated secret must switch to that one")
VAR_NOTE = "variable defaults cannot reference data: its uses read the secret and the variable is gone"
PROVIDER_KEYS = ("access_key", "secret_key", "token")
PROVIDER_NOTE = ("static keys removed from the AWS provider (it cannot read its own credentials through a data "
                 "source): it now uses the default credential chain (environment, profile, SSO, instance or task role)")
RDS_RESOURCES = {"aws_db_instance": ("password",), "aws_rds_cluster": ("master_password",)}


WO_NOTE = ("a write-only argument: read through an ephemeral resource (Terraform 1.11+), so the value never "
           "reaches the state; bump its _version argument when the secret rotates")


def data_expr(secret_id: str, json_key: Optional[str], kind: str = "data") -> str:
    """``kind``: ``data`` (a data source, stored in the state) or ``ephemeral`` (for a write-only argument)."""
    base = f"{kind}.aws_secretsmanager_secret_version.{ident(secret_id)}.secret_string"
    return f'jsondecode({base})["{json_key}"]' if json_key else base


def data_block(secret_id: str, kind: str = "data") -> str:
    return (f'{kind} "aws_secretsmanager_secret_version" "{ident(secret_id)}" {{\n'
            f'  secret_id = "{secret_id}"\n}}\n')


def _parse(src: bytes):  # type: ignore[no-untyped-def]
    from secretshift.scanner.treesitter import missing_reason, parser_for

    p = parser_for("hcl")
    if p is None:
        return None, missing_reason("hcl") or "no HCL grammar"
    return p.parse(src), ""


def _errors(tree) -> int:  # type: ignore[no-untyped-def]
    n, stack = 0, [tree.root_node]
    while stack:
        x = stack.pop()
        if x.type == "ERROR" or x.is_missing:
            n += 1
        stack.extend(x.children)
    return n


def _node_at(root, byte: int, types: Tuple[str, ...]):  # type: ignore[no-untyped-def]
    n = root.descendant_for_byte_range(byte, byte)
    while n is not None and n.type not in types:
        n = n.parent
    return n


def _up(n, typ: str):  # type: ignore[no-untyped-def]
    while n is not None and n.type != typ:
        n = n.parent
    return n


def _block_head(block, src: bytes) -> List[str]:  # type: ignore[no-untyped-def]
    out = []
    for c in block.children:
        if c.type == "identifier":
            out.append(src[c.start_byte:c.end_byte].decode())
        elif c.type == "string_lit":
            out.append(src[c.start_byte + 1:c.end_byte - 1].decode())
        elif c.type == "block_start":
            break
    return out


def _var_uses(root, src: bytes, name: str) -> List[Tuple[int, int]]:  # type: ignore[no-untyped-def]
    """Byte spans of ``var.NAME`` references."""
    out, stack = [], [root]
    while stack:
        n = stack.pop()
        if n.type == "variable_expr" and src[n.start_byte:n.end_byte] == b"var":
            nxt = n.next_sibling
            if nxt is not None and nxt.type == "get_attr" and src[nxt.start_byte + 1:nxt.end_byte].strip() == name.encode():
                out.append((n.start_byte, nxt.end_byte))
        stack.extend(n.children)
    return out


_ATTR_LINE = re.compile(r"^(?P<ind>[ \t]*)(?P<key>[A-Za-z_][\w-]*)(?P<sp>[ \t]*)=(?!=)(?P<rest>.*)$")


def _one_line(rest: str) -> bool:
    depth = 0
    in_str = False
    i = 0
    while i < len(rest):
        c = rest[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif c in "{[(":
            depth += 1
        elif c in "}])":
            depth -= 1
        elif c == "#" or rest.startswith("//", i):
            break
        i += 1
    return depth <= 0 and not rest.rstrip().endswith(("<<EOF", "<<-EOF"))


def realign(text: str, offset: int) -> str:
    """Re-align the ``=`` of the run of one-line attributes holding ``offset``, as ``terraform fmt`` does."""
    lines = text.split("\n")
    idx = text.count("\n", 0, offset)
    m = _ATTR_LINE.match(lines[idx]) if idx < len(lines) else None
    if not m or not _one_line(m.group("rest")):
        return text
    ind = m.group("ind")

    def member(i: int) -> bool:
        mm = _ATTR_LINE.match(lines[i])
        return bool(mm and mm.group("ind") == ind and _one_line(mm.group("rest")))

    lo = idx
    while lo > 0 and member(lo - 1):
        lo -= 1
    hi = idx
    while hi + 1 < len(lines) and member(hi + 1):
        hi += 1
    width = max(len(_ATTR_LINE.match(lines[i]).group("key")) for i in range(lo, hi + 1))
    for i in range(lo, hi + 1):
        mm = _ATTR_LINE.match(lines[i])
        lines[i] = f"{ind}{mm.group('key').ljust(width)} = {mm.group('rest').lstrip(' ')}"
    return "\n".join(lines)


def realign_changed(old: str, new: str) -> str:
    """Re-align the runs of attributes that hold a line changed, added or next to a removed one."""
    import difflib

    a, b = old.split("\n"), new.split("\n")
    touched = set()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("replace", "insert"):
            touched.update(range(j1, j2))
        if tag == "delete":
            touched.update({j1 - 1, j1})
    for j in sorted((j for j in touched if 0 <= j < len(b)), reverse=True):
        offset = sum(len(x) + 1 for x in b[:j])
        new = realign(new, offset)
        b = new.split("\n")
    return new


def _line_span(src: bytes, start: int, end: int) -> Tuple[int, int]:
    """Whole lines of [start, end), the comment lines right above (they describe the block), plus one
    blank line after (or before) them."""
    ls = src.rfind(b"\n", 0, start) + 1
    while ls > 0:
        prev = src.rfind(b"\n", 0, ls - 1) + 1
        if not src[prev:ls].lstrip().startswith((b"#", b"//")):
            break
        ls = prev
    le = src.find(b"\n", end)
    le = len(src) if le < 0 else le + 1
    if src[le:le + 1] == b"\n" and (ls == 0 or src[ls - 2:ls] == b"\n\n"):
        le += 1
    elif src[le:le + 1] == b"" and ls >= 2 and src[ls - 2:ls] == b"\n\n":
        ls -= 1
    return ls, le


def rewrite(text: str, path: str, targets: Sequence[RewriteTarget], options: Options,
            module_files: Optional[Dict[str, str]] = None) -> FileRewrite:
    """``module_files``: the other ``.tf`` files of the same directory (path -> text)."""
    rw = FileRewrite(path, text, text, "terraform")
    src = text.encode("utf-8")
    tree, why = _parse(src)
    if tree is None:
        for t in targets:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, why))
        return rw
    before_errors = _errors(tree)
    others = "\n".join((module_files or {}).values())
    edits: List[Edit] = []  # byte offsets
    blocks_needed: List[str] = []
    ephemeral_needed: List[str] = []  # secrets read by write-only arguments
    patches: List[tuple] = []
    removed_vars: set = set()
    for t in targets:
        off = offset_of(text, t.line, t.column)
        if off is None:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: no value at this position"))
            continue
        b = len(text[:off].encode("utf-8"))
        lit = _node_at(tree.root_node, b, ("template_literal",))
        if lit is None:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: not a string literal"))
            continue
        raw = src[lit.start_byte:lit.end_byte].decode("utf-8")
        quoted_node = lit.parent  # string_lit or quoted_template
        whole = value_matches(raw, t) and quoted_node.type == "string_lit"
        part = None if whole else find_part(raw, t, off - len(src[:lit.start_byte].decode("utf-8")))
        if not whole and part is None:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: value does not match (changed or already migrated)"))
            continue
        rw.secrets_seen.append(raw if whole else raw[part[0]:part[1]])
        expr = data_expr(t.secret_id, t.json_key)
        attr = _up(lit, "attribute")
        block = _up(lit, "block")
        head = _block_head(block, src) if block is not None else []
        key = src[attr.child(0).start_byte:attr.child(0).end_byte].decode() if attr is not None else ""
        if head[:1] == ["variable"] and key == "default" and attr.parent.parent == block:
            name = head[1] if len(head) > 1 else ""
            uses = _var_uses(tree.root_node, src, name)
            sibling_edits = _sibling_uses(module_files or {}, name, expr)
            if sibling_edits is None or not whole:
                patch_edits = [Edit(a, e, expr.encode()) for a, e in uses]
                patch_edits.append(Edit(*_line_span(src, block.start_byte, block.end_byte), b""))
                patches.append((t, patch_edits + [Edit(len(src), len(src), ("\n" + data_block(t.secret_id)).encode())],
                                "the variable is used in another file of the module in a way secretshift does not "
                                "edit (it does not parse): replace those uses by hand"))
                continue
            for other, new_other in sibling_edits.items():
                rw.extra_files[other] = new_other
                blocks_needed.append(t.secret_id)
            if name not in removed_vars:
                removed_vars.add(name)
                for a, e in uses:
                    use_attr = _up(tree.root_node.descendant_for_byte_range(a, e), "attribute")
                    if _rds_attr(use_attr, src, options):
                        edits.append(Edit(use_attr.start_byte, use_attr.end_byte, b"manage_master_user_password = true"))
                    else:
                        edits.append(Edit(a, e, expr.encode()))
                        blocks_needed.append(t.secret_id)
                edits.append(Edit(*_line_span(src, block.start_byte, block.end_byte), b""))
            also = f" (and in {', '.join(sorted(sibling_edits))})" if sibling_edits else ""
            rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, f"{VAR_NOTE}{also}; {STATE_NOTE}"))
            continue
        if attr is not None and whole and head[:2] == ["provider", "aws"] and key in PROVIDER_KEYS \
                and attr.parent.parent == block:
            edits.append(Edit(*_attr_lines(src, attr), b""))
            rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, PROVIDER_NOTE))
            continue
        if attr is not None and whole and _rds_attr(attr, src, options):
            edits.append(Edit(attr.start_byte, attr.end_byte, b"manage_master_user_password = true"))
            rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, RDS_NOTE))
            continue
        # password_wo, master_password_wo ...: the provider never stores the value; a data source would
        wo = key.endswith("_wo")
        if wo:
            expr = data_expr(t.secret_id, t.json_key, "ephemeral")
        if whole:
            edits.append(Edit(quoted_node.start_byte, quoted_node.end_byte, expr.encode()))
        else:
            a = len(raw[:part[0]].encode()) + lit.start_byte
            e = len(raw[:part[1]].encode()) + lit.start_byte
            edits.append(Edit(a, e, ("${" + expr + "}").encode()))
        (ephemeral_needed if wo else blocks_needed).append(t.secret_id)
        rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, WO_NOTE if wo else STATE_NOTE))
    declared = text + "\n" + others
    module = text + "\n" + others
    if (blocks_needed or ephemeral_needed) and not re.search(r'(?m)^\s*provider\s+"aws"|^\s*(?:resource|data)\s+"aws_|registry\.terraform\.io/hashicorp/aws|source\s*=\s*"hashicorp/aws"', module):
        rw.messages.append(f"{path}: the module declares no AWS provider: the data source needs one "
                           '(provider "aws" { region = "..." }, or one passed in by the calling module)')
    tail = ""
    for kind, needed in (("data", blocks_needed), ("ephemeral", ephemeral_needed)):
        for sid in dict.fromkeys(needed):
            if not re.search(kind + r'\s+"aws_secretsmanager_secret_version"\s+"' + re.escape(ident(sid)) + '"', declared):
                tail += "\n" + data_block(sid, kind)
    if tail:
        sep = b"" if src.endswith(b"\n") or not src else b"\n"
        edits.append(Edit(len(src), len(src), sep + tail.encode()))
    new_src = src
    if edits:
        try:
            new_src = apply_edits(src, edits)
        except ValueError:
            return rw.refuse("rewrite refused: two edits overlap")
    new = new_src.decode("utf-8")
    if new != text:
        new = realign_changed(text, new)
    for t, pe, why in patches:
        try:
            alt = apply_edits(src, pe).decode("utf-8")
        except ValueError:
            alt = text
        rw.outcomes.append(Outcome(t, PATCH, "display-only", why, patch_text(text, alt, path, rw.secrets_seen)))
    if new != text:
        tree2, _ = _parse(new.encode("utf-8"))
        if tree2 is None or _errors(tree2) > before_errors:
            return rw.refuse("rewrite refused: the result would not parse as HCL")
        rw.text = new
        if blocks_needed or removed_vars:
            rw.messages.append(f"{path}: {STATE_NOTE}")
    return rw.finish()


def _sibling_uses(files: Dict[str, str], name: str, expr: str) -> Optional[Dict[str, str]]:
    """The other module files with each ``var.NAME`` replaced by ``expr`` (run of ``=`` re-aligned);
    None when one of them does not parse."""
    out: Dict[str, str] = {}
    for rel, other in files.items():
        if not re.search(r"\bvar\." + re.escape(name) + r"\b", other):
            continue
        b = other.encode("utf-8")
        tree, _ = _parse(b)
        if tree is None or _errors(tree):
            return None
        uses = _var_uses(tree.root_node, b, name)
        if not uses:
            continue
        new = apply_edits(b, [Edit(a, e, expr.encode()) for a, e in uses]).decode("utf-8")
        out[rel] = realign_changed(other, new)
    return out


def _rds_attr(attr, src: bytes, options: Options) -> bool:  # type: ignore[no-untyped-def]
    if attr is None or not options.rds_managed_password:
        return False
    block = _up(attr, "block")
    head = _block_head(block, src) if block is not None else []
    key = src[attr.child(0).start_byte:attr.child(0).end_byte].decode()
    return len(head) >= 2 and head[0] == "resource" and key in RDS_RESOURCES.get(head[1], ()) \
        and attr.parent.parent == block


def _attr_lines(src: bytes, attr) -> Tuple[int, int]:  # type: ignore[no-untyped-def]
    ls = src.rfind(b"\n", 0, attr.start_byte) + 1
    le = src.find(b"\n", attr.end_byte)
    return ls, (len(src) if le < 0 else le + 1)


__all__ = ["rewrite", "data_expr", "data_block", "realign", "PATCH"]
