"""RE2 (``google-re2``, extra ``fast``) as a drop-in for ``Pattern.finditer`` on ASCII text.

Python's ``re`` backtracks: the generic assignment rules cost it tens of milliseconds per file.
RE2 runs the same patterns in linear time, 5-10x faster here. The two engines agree exactly when

* the text is ASCII: Python's Unicode ``\\w``/``\\d``/``\\b`` and case folding then behave like
  RE2's ASCII ones; ``\\s`` differs even on ASCII (Python also counts ``\\v`` and ``\\x1c-\\x1f``),
  so it is spelled out;
* the pattern is regular (no look-around, no back-references) and avoids the few spellings the two
  read differently (``$``/``\\Z`` outside multi-line mode, scoped flags, POSIX classes); ``{,n}``
  is rewritten to ``{0,n}``.

Both engines use leftmost-first (Perl) semantics for alternation, greedy and lazy repetition, so
spans and groups are the same. Anything else - a non-ASCII file, a pattern RE2 refuses, RE2 not
installed - runs on Python's ``re``. ``tests/scanner/test_fastre.py`` compares both on every rule
sample and on random text; ``bench/scan_speed.py --check`` compares whole-tree findings.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Iterator

try:
    import re2 as _re2  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    _re2 = None

_SPACE = r"\t-\r \x1c-\x1f"  # Python's \s on ASCII text
_GLOBAL_FLAGS = re.compile(r"^\(\?[a-zA-Z]+\)")
_EMPTY_MIN = re.compile(r"\{,(\d+)\}")
_SCOPED_FLAGS = re.compile(r"\(\?[a-zA-Z]*[-mxauL][a-zA-Z-]*[:)]")  # (?m:..), (?-i:..), (?x) ...


def enabled() -> bool:
    return _re2 is not None and not os.environ.get("SECRETSHIFT_NO_RE2")


def translate(pattern: str, multiline: bool) -> str | None:
    """The RE2 spelling of a Python pattern with identical matches on ASCII text, or None.

    One difference is left for the caller (``Twin.dollar``): outside multi-line mode Python's ``$``
    also matches before a final newline, RE2's only at the very end."""
    pattern = _GLOBAL_FLAGS.sub("", pattern, count=1)  # already in compiled.flags
    if _SCOPED_FLAGS.search(pattern):
        return None
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    class_start = 0
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                return None
            e = pattern[i + 1]
            if e == "s":
                out.append(_SPACE if in_class else f"[{_SPACE}]")
            elif e == "S":
                if in_class:
                    return None
                out.append(f"[^{_SPACE}]")
            elif e in "ZGNu" or e.isdigit():
                return None  # \Z, \G, named/\u escapes, back-references, octal: let Python do it
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]" and i > class_start:
                in_class = False
            elif c == "[" and pattern.startswith("[:", i):
                return None
            out.append(c)
            i += 1
            continue
        if c == "[":
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            out.append(pattern[i:j])
            in_class, class_start, i = True, j, j
            continue
        if c == "{":
            m = _EMPTY_MIN.match(pattern, i)
            if m:
                out.append("{0," + m.group(1) + "}")
                i = m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


@dataclass(frozen=True)
class Twin:
    """An RE2 twin and what is known about its pattern."""

    re2: Any
    dollar: bool  # a `$` outside multi-line mode: differs from Python on a final line ending in \n
    anchored: bool  # `^`/`\A` outside multi-line mode: only position 0, so no running on pieces
    line_bound: bool  # no match can contain a newline and none is empty
    max_width: int | None = None  # longest possible match, when bounded


def _consumes_newline(items: Any, dotall: bool) -> bool:
    """Could this parsed (sre) pattern consume a newline? Unknown constructs answer yes."""
    from re import _constants as C  # type: ignore[attr-defined]

    for op, av in items:
        if op is C.LITERAL:
            if av == 10:
                return True
        elif op is C.NOT_LITERAL:
            if av != 10:
                return True
        elif op is C.ANY:
            if dotall:
                return True
        elif op is C.IN:
            neg = any(o is C.NEGATE for o, _ in av)
            hit = False
            for o, a in av:
                if (o is C.LITERAL and a == 10) or (o is C.RANGE and a[0] <= 10 <= a[1]):
                    hit = True
                elif o is C.CATEGORY:
                    name = str(a)
                    if not ("NOT_SPACE" in name or "NOT_LINEBREAK" in name
                            or ("DIGIT" in name and "NOT_DIGIT" not in name)
                            or ("WORD" in name and "NOT_WORD" not in name)):
                        hit = True
            if hit != neg:
                return True
        elif op is C.SUBPATTERN:
            _, add, rem, sub = av
            d = (dotall or bool(add & re.DOTALL)) and not rem & re.DOTALL
            if _consumes_newline(sub, d):
                return True
        elif op is C.BRANCH:
            if any(_consumes_newline(b, dotall) for b in av[1]):
                return True
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT):
            if _consumes_newline(av[2], dotall):
                return True
        elif op is C.AT:
            pass
        else:  # look-around, back-references, atomic groups ...: be careful
            return True
    return False


def _line_bound(compiled: re.Pattern[str]) -> bool:
    try:
        from re import _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(compiled.pattern, compiled.flags)
        if parsed.getwidth()[0] == 0:
            return False
        return not _consumes_newline(parsed, bool(parsed.state.flags & re.DOTALL))
    except Exception:  # noqa: BLE001 - private API: any surprise means "not known to be line-bound"
        return False


def compile_twin(compiled: re.Pattern[str]) -> Twin | None:
    """An RE2 twin of a compiled Python pattern, or None when there is none."""
    if _re2 is None or compiled.flags & ~(re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL):
        return None
    pat = compiled.pattern
    if not isinstance(pat, str):
        return None
    multiline = bool(compiled.flags & re.MULTILINE)
    wide = translate(pat, multiline)
    if wide is None:
        return None
    flags = "".join(f for f, bit in (("i", re.IGNORECASE), ("m", re.MULTILINE), ("s", re.DOTALL))
                    if compiled.flags & bit)
    try:
        opts = _re2.Options()
        opts.log_errors = False
        opts.max_mem = 64 << 20
        twin = _re2.compile(f"(?{flags}){wide}" if flags else wide, options=opts)
    except Exception:  # noqa: BLE001 - any refusal means "use Python's re"
        return None
    if twin.groups != compiled.groups or dict(twin.groupindex) != dict(compiled.groupindex):
        return None
    outside = _outside_classes(_GLOBAL_FLAGS.sub("", pat, count=1))
    return Twin(
        re2=twin,
        dollar=not multiline and "$" in outside,
        anchored="\\A" in outside or (not multiline and "^" in outside),
        line_bound=_line_bound(compiled),
        max_width=_max_width(compiled),
    )


def _max_width(compiled: re.Pattern[str]) -> int | None:
    try:
        from re import _parser  # type: ignore[attr-defined]

        hi = _parser.parse(compiled.pattern, compiled.flags).getwidth()[1]
        return hi if hi < 100_000 else None
    except Exception:  # noqa: BLE001 - private API
        return None


def _outside_classes(pattern: str) -> str:
    """The pattern with character classes and escaped characters blanked (for `$`/`^` checks);
    an escape keeps its letter so that \\A is still seen."""
    out, i, n, in_class, start = [], 0, len(pattern), False, 0
    while i < n:
        c = pattern[i]
        if c == "\\":
            if not in_class and i + 1 < n and pattern[i + 1] == "A":
                out.append("\\A")
            i += 2
            continue
        if in_class:
            if c == "]" and i > start:
                in_class = False
            i += 1
            continue
        if c == "[":
            j = i + 1 + (pattern[i + 1:i + 2] == "^")
            j += pattern[j:j + 1] == "]"
            in_class, start, i = True, j, j
            continue
        out.append(c)
        i += 1
    return "".join(out)


class Re2Match:
    """The part of ``re.Match`` the engines use, over an RE2 match (group names accepted)."""

    __slots__ = ("_m", "_gi", "_base")

    def __init__(self, m: Any, groupindex: dict[str, int], base: int = 0) -> None:
        self._m = m
        self._gi = groupindex
        self._base = base  # offset of the piece RE2 ran on within the whole text

    def _g(self, g: int | str) -> int:
        return self._gi[g] if isinstance(g, str) else g

    def span(self, g: int | str = 0) -> tuple[int, int]:
        a, b = self._m.span(self._g(g))
        return (a + self._base, b + self._base) if a >= 0 else (a, b)

    def start(self, g: int | str = 0) -> int:
        return self.span(g)[0]

    def end(self, g: int | str = 0) -> int:
        return self.span(g)[1]

    def group(self, *groups: int | str) -> Any:
        return self._m.group(*(self._g(g) for g in groups))

    def __getitem__(self, g: int | str) -> Any:
        return self._m.group(self._g(g))

    def groups(self, default: Any = None) -> tuple[Any, ...]:
        return self._m.groups(default)

    def groupdict(self, default: Any = None) -> dict[str, Any]:
        return self._m.groupdict(default)

    def groupdict_spans(self) -> dict[str, tuple[int, int]]:
        return {k: self.span(v) for k, v in self._gi.items()}


def _re2_iter(twin: Twin, text: str, base: int = 0) -> Iterator[Any]:
    gi = dict(twin.re2.groupindex)
    for m in twin.re2.finditer(text):
        yield Re2Match(m, gi, base)


def finditer(twin: Twin, compiled: re.Pattern[str], text: str) -> Iterator[Any]:
    """Every match of ``compiled`` in ``text``, in order, exactly as ``compiled.finditer(text)``
    gives them, with as much of the work as possible done by RE2:

    * ASCII text: RE2 throughout; for a pattern with a non-multi-line ``$`` (and no match can hold
      a newline), RE2 up to the last line and Python's re for the last line;
    * other text, for a line-bound pattern: RE2 on the runs of ASCII lines, Python's re on the
      lines holding other characters (``pos``/``endpos`` at line ends, where a line-bound
      pattern sees the same thing as in the whole text);
    * anything else: Python's re.
    """
    if text.isascii():
        if not twin.dollar:
            return _re2_iter(twin, text)
        if not text.endswith("\n"):
            return _re2_iter(twin, text)
        if twin.line_bound:
            return _ascii_with_last_line(twin, compiled, text)
        return compiled.finditer(text)
    if twin.line_bound and not twin.dollar and not twin.anchored:
        return _by_line_runs(twin, compiled, text)
    return compiled.finditer(text)


def _ascii_with_last_line(twin: Twin, compiled: re.Pattern[str], text: str) -> Iterator[Any]:
    last = text.rfind("\n", 0, len(text) - 1) + 1  # start of the final line
    end = 0
    for m in _re2_iter(twin, text[:last]):
        end = m.end()
        yield m
    yield from compiled.finditer(text, max(last, end))


_NON_ASCII_LINE = re.compile(r"[^\n]*[^\x00-\x7f][^\n]*\n?")


def _by_line_runs(twin: Twin, compiled: re.Pattern[str], text: str) -> Iterator[Any]:
    pos = 0
    for m in _NON_ASCII_LINE.finditer(text):
        a, b = m.span()  # whole lines holding a non-ASCII character (b is after the newline)
        if a > pos:
            yield from _re2_iter(twin, text[pos:a], pos)
        stop = b - 1 if text[b - 1] == "\n" else b
        yield from compiled.finditer(text, a, stop)
        pos = b
    if pos < len(text):
        yield from _re2_iter(twin, text[pos:], pos)


# --- search(text, pos): the engines' resumable loop --------------------------------------------

class SpanMatch:
    """A match built from RE2's raw spans on ASCII text (byte offsets are character offsets)."""

    __slots__ = ("_t", "_s", "_gi")

    def __init__(self, text: str, spans: Any, groupindex: dict[str, int]) -> None:
        self._t = text
        self._s = spans
        self._gi = groupindex

    def span(self, g: int | str = 0) -> tuple[int, int]:
        return tuple(self._s[self._gi[g] if isinstance(g, str) else g])  # type: ignore[return-value]

    def start(self, g: int | str = 0) -> int:
        return self.span(g)[0]

    def end(self, g: int | str = 0) -> int:
        return self.span(g)[1]

    def group(self, *groups: int | str) -> Any:
        vals = []
        for g in groups or (0,):
            a, b = self.span(g)
            vals.append(None if a < 0 else self._t[a:b])
        return vals[0] if len(vals) == 1 else tuple(vals)

    def __getitem__(self, g: int | str) -> Any:
        return self.group(g)

    def groups(self, default: Any = None) -> tuple[Any, ...]:
        return tuple(default if v is None else v for v in (self.group(i) for i in range(1, len(self._s))))


_ENCODED: list[Any] = [None, b""]  # the last ASCII text encoded, so a search loop encodes once


def _ascii_bytes(text: str) -> bytes:
    if _ENCODED[0] is not text:
        _ENCODED[0], _ENCODED[1] = text, text.encode("ascii")
    return _ENCODED[1]  # type: ignore[no-any-return]


def search(twin: Twin, compiled: re.Pattern[str], text: str, pos: int = 0) -> Any:
    """``compiled.search(text, pos)``, on RE2 where the result is provably the same: ASCII text;
    for a non-multi-line ``$``, line-bound patterns only, with Python taking the final line."""
    if not text.isascii():
        return compiled.search(text, pos)
    data = _ascii_bytes(text)
    end = len(data)
    if twin.dollar and text.endswith("\n") and not twin.line_bound:
        if twin.max_width is None:
            return compiled.search(text, pos)
        # a match attempt starting before `tail` never reaches the final newline, where the two
        # engines' `$` differ: RE2 decides those starts, Python's re the rest
        tail = len(data) - 1 - twin.max_width
        if pos < tail:
            spans = twin.re2._regexp.Match(_UNANCHORED, data, pos, len(data))
            if spans[0][0] >= 0 and spans[0][0] < tail:
                return SpanMatch(text, spans, twin.re2.groupindex)
        return compiled.search(text, max(pos, tail, 0))
    if twin.dollar and text.endswith("\n"):
        end = text.rfind("\n", 0, len(text) - 1) + 1  # Python's re takes the final line
    if pos < end or (pos == end == len(data)):
        # RE2 sees the whole text as context (for ^ and \b) and matches within [pos, end)
        spans = twin.re2._regexp.Match(_UNANCHORED, data, pos, end)
        if spans[0][0] >= 0:
            return SpanMatch(text, spans, twin.re2.groupindex)
    if end < len(data):
        return compiled.search(text, max(pos, end))
    return None


try:
    from re2 import _Anchor as _A  # type: ignore[import-not-found,attr-defined]

    _UNANCHORED = _A.UNANCHORED
except Exception:  # noqa: BLE001 - re2 missing, or a wrapper without it (then search() is unused)
    _UNANCHORED = None
