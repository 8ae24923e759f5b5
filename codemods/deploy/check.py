"""Does a rewritten file still parse? One check per kind (tree-sitter for JavaScript/TypeScript, HCL and
shell; the span parsers for YAML/JSON), used by the rewrites themselves and by ``verify``."""
from __future__ import annotations

from typing import Optional


def syntax_errors(text: str, path: str, kind: str) -> Optional[int]:
    """How many syntax errors (tree-sitter ERROR/missing nodes; 1 for YAML/JSON that does not parse);
    None when this kind has no parser here."""
    if kind in ("javascript", "terraform", "shell"):
        from secretshift.scanner.treesitter import parser_for

        lang = {"terraform": "hcl", "shell": "shell"}.get(kind)
        if lang is None:
            from ..js.rewrite import language_for

            lang = language_for(path)
        p = parser_for(lang)
        if p is None:
            return None
        n, stack = 0, [p.parse(text.encode("utf-8", "surrogateescape")).root_node]
        while stack:
            x = stack.pop()
            n += x.type == "ERROR" or x.is_missing
            stack.extend(x.children)
        return n
    if kind == "dockerfile":
        return None
    from .spans import SpanError, parse

    try:
        parse(text, path)
        return 0
    except SpanError:
        return 1


def problem(text: str, path: str, kind: str, before: Optional[str] = None) -> Optional[str]:
    """A one-line reason when ``text`` has more syntax errors than ``before`` (or any, without it)."""
    now = syntax_errors(text, path, kind)
    if not now:
        return None
    was = syntax_errors(before, path, kind) if before is not None else 0
    return f"does not parse as {kind}" if was is None or now > was else None
