"""Parsing Python once for both Python engines, and mapping ast positions to text offsets.

ast columns are UTF-8 byte offsets; candidates need character offsets in ``FileContext.text``.
"""
from __future__ import annotations

import ast
import bisect

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from . import FileContext

_NEWLINE_RE = lazy_re(r"\r\n?|\n")
_QUOTE_RE = lazy_re(r"[rRbBuUfF]{0,2}('''|\"\"\"|'|\")")


class PySource:
    """A parsed module plus the mapping from ast positions (UTF-8 byte columns) to text offsets.

    :raises SyntaxError, ValueError: when the text is not valid Python.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.shift = 1 if text.startswith("\ufeff") else 0
        src = text[self.shift:]
        import warnings

        with warnings.catch_warnings():  # the scanned code's own warnings (invalid escapes ...) are not ours
            warnings.simplefilter("ignore")
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

    @property
    def statements(self) -> list[ast.AST]:
        """Every statement (and except handler), parents first: imports and aliases can be resolved
        from these without walking every expression node."""
        st = self.cache.get("statements")
        if st is None:
            st = self.cache["statements"] = _all_statements(self.tree.body)
        return st  # type: ignore[return-value]

    def nodes_on(self, lines: list[int] | None) -> list[ast.AST]:
        """The nodes of the statements whose lines include one of ``lines`` (sorted, 1-based), in
        the order of ``nodes`` within each statement; ``None`` means every node. A compound
        statement (``def``, ``class``, ``if`` ...) that spans such a line contributes itself, its
        own expressions (arguments and defaults, decorators, bases, test) and, recursively, the
        statements of its bodies that span one. Large modules with a few interesting lines are
        walked at a fraction of the cost of ``nodes``."""
        if lines is None:
            return self.nodes
        out: list[ast.AST] = []
        _collect_on(self.tree.body, lines, out)
        return out

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


# fields that hold statement lists (``cases`` holds match_case nodes, which have bodies but no lines)
_BODY_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _all_statements(body: list[ast.AST]) -> list[ast.AST]:
    """Breadth first, fields in ``_fields`` order: the order ``_all_nodes`` gives them in."""
    queue = list(body)
    out: list[ast.AST] = []
    i = 0
    while i < len(queue):
        st = queue[i]
        i += 1
        if st.__class__ is not ast.match_case:
            out.append(st)
        for f in st._fields:
            if f in _BODY_FIELDS:
                queue.extend(getattr(st, f, None) or ())
    return out


def _first_line(st: ast.AST) -> int:
    decorators = getattr(st, "decorator_list", None)
    return decorators[0].lineno if decorators else st.lineno  # type: ignore[attr-defined]


def _collect_on(body: list[ast.AST], lines: list[int], out: list[ast.AST]) -> None:
    n = len(lines)
    for st in body:
        if st.__class__ is ast.match_case:  # no position of its own: judge it by its body
            if any(lines[i] <= b.end_lineno for b in st.body  # type: ignore[attr-defined]
                   for i in (bisect.bisect_left(lines, _first_line(b)),) if i < n):
                out.append(st)
                out.extend(_all_nodes(st.pattern))  # type: ignore[attr-defined]
                if st.guard is not None:  # type: ignore[attr-defined]
                    out.extend(_all_nodes(st.guard))  # type: ignore[attr-defined]
                _collect_on(st.body, lines, out)  # type: ignore[attr-defined]
            continue
        i = bisect.bisect_left(lines, _first_line(st))
        if i == n or lines[i] > st.end_lineno:  # type: ignore[attr-defined]
            continue
        cls = st.__class__
        fields = _CHILD_FIELDS.get(cls)
        if fields is None:
            fields = _CHILD_FIELDS[cls] = tuple(f for f in cls._fields if f not in _LEAF_FIELDS)
        if not any(f in _BODY_FIELDS for f in fields):
            out.extend(_all_nodes(st))
            continue
        out.append(st)
        for f in fields:
            v = getattr(st, f, None)
            if v is None:
                continue
            if f in _BODY_FIELDS:
                _collect_on(v, lines, out)
            elif isinstance(v, list):
                for x in v:
                    if isinstance(x, ast.AST):
                        out.extend(_all_nodes(x))
            elif isinstance(v, ast.AST):
                out.extend(_all_nodes(v))


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


