"""Parsing Python once for both Python engines, and mapping ast positions to text offsets.

ast columns are UTF-8 byte offsets; candidates need character offsets in ``FileContext.text``.
"""
from __future__ import annotations

import ast
import re

from . import FileContext

_NEWLINE_RE = re.compile(r"\r\n?|\n")
_QUOTE_RE = re.compile(r"[rRbBuUfF]{0,2}('''|\"\"\"|'|\")")


class PySource:
    """A parsed module plus the mapping from ast positions (UTF-8 byte columns) to text offsets.

    :raises SyntaxError, ValueError: when the text is not valid Python.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.shift = 1 if text.startswith("\ufeff") else 0
        src = text[self.shift:]
        self.tree = ast.parse(src)
        self._src = src
        self._starts = [0] + [m.end() for m in _NEWLINE_RE.finditer(src)]
        self._nodes: list[ast.AST] | None = None
        self.cache: dict[str, object] = {}  # per-module analyses shared by engines (e.g. env reads)

    @property
    def nodes(self) -> list[ast.AST]:
        """Every node once, breadth first (parents before children), without expression contexts.
        One flat list serves every matcher: ``ast.walk`` per consumer cost more than the parse."""
        if self._nodes is None:
            self._nodes = _all_nodes(self.tree)
        return self._nodes

    def offset(self, lineno: int, col: int) -> int:
        starts = self._starts
        ls = starts[lineno - 1]
        le = starts[lineno] if lineno < len(starts) else len(self._src)
        line = self._src[ls:le]
        if not line.isascii():
            col = len(line.encode("utf-8")[:col].decode("utf-8", "ignore"))
        return self.shift + ls + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                self.offset(node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]

    def inner_span(self, node: ast.AST) -> tuple[int, int]:
        """The span of a string literal without its prefix and quotes."""
        s, e = self.span(node)
        m = _QUOTE_RE.match(self.text, s)
        if not m or e - len(m.group(1)) < m.end():
            return s, e
        return m.end(), e - len(m.group(1))


_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
# fields that never hold nodes (names, flags, numbers) or only an expression context
_LEAF_FIELDS = {"ctx", "id", "arg", "attr", "name", "names", "module", "level", "is_async", "kind",
                "conversion", "type_comment", "lineno", "col_offset", "end_lineno", "end_col_offset"}


def _all_nodes(tree: ast.AST) -> list[ast.AST]:
    out = [tree]
    i = 0
    AST = ast.AST
    fields_of = _CHILD_FIELDS
    while i < len(out):
        node = out[i]
        i += 1
        cls = type(node)
        fields = fields_of.get(cls)
        if fields is None:
            fields = fields_of[cls] = tuple(f for f in cls._fields if f not in _LEAF_FIELDS)
        for name in fields:
            v = getattr(node, name, None)
            if v is None:
                continue
            if isinstance(v, list):
                out.extend([x for x in v if isinstance(x, AST)])
            elif isinstance(v, AST):
                out.append(v)
    return out


_CACHE: dict[str, object] = {}


def parse_cached(ctx: FileContext) -> PySource | None:
    """Parse ``ctx.text`` once for both Python engines; None (and one warning) on a syntax error."""
    if _CACHE.get("text") is ctx.text:
        return _CACHE["src"]  # type: ignore[return-value]
    src: PySource | None
    try:
        src = PySource(ctx.text)
    except SyntaxError as e:
        src = None
        ctx.warn(f"not valid Python (line {e.lineno or '?'}): scanned as text")
    except (ValueError, RecursionError, MemoryError) as e:
        src = None
        ctx.warn(f"not valid Python ({type(e).__name__}): scanned as text")
    _CACHE["text"], _CACHE["src"] = ctx.text, src
    return src


