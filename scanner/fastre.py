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
    """The RE2 spelling of a Python pattern with identical matches on ASCII text, or None."""
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
        if c == "$" and not multiline:
            return None  # Python's $ also matches before a final newline
        if c == "{":
            m = _EMPTY_MIN.match(pattern, i)
            if m:
                out.append("{0," + m.group(1) + "}")
                i = m.end()
                continue
        out.append(c)
        i += 1
    return "".join(out)


def compile_twin(compiled: re.Pattern[str]) -> Any | None:
    """An RE2 twin of a compiled Python pattern, or None when there is none."""
    if _re2 is None or compiled.flags & ~(re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL):
        return None
    pat = compiled.pattern
    if not isinstance(pat, str):
        return None
    wide = translate(pat, bool(compiled.flags & re.MULTILINE))
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
    return twin


class Re2Match:
    """The part of ``re.Match`` the engines use, over an RE2 match (group names accepted)."""

    __slots__ = ("_m", "_gi")

    def __init__(self, m: Any, groupindex: dict[str, int]) -> None:
        self._m = m
        self._gi = groupindex

    def _g(self, g: int | str) -> int:
        return self._gi[g] if isinstance(g, str) else g

    def span(self, g: int | str = 0) -> tuple[int, int]:
        return self._m.span(self._g(g))

    def start(self, g: int | str = 0) -> int:
        return self._m.start(self._g(g))

    def end(self, g: int | str = 0) -> int:
        return self._m.end(self._g(g))

    def group(self, *groups: int | str) -> Any:
        return self._m.group(*(self._g(g) for g in groups))

    def __getitem__(self, g: int | str) -> Any:
        return self._m.group(self._g(g))

    def groups(self, default: Any = None) -> tuple[Any, ...]:
        return self._m.groups(default)

    def groupdict(self, default: Any = None) -> dict[str, Any]:
        return self._m.groupdict(default)

    @property
    def string(self) -> str:
        return self._m.string


def finditer(twin: Any, text: str) -> Iterator[Re2Match]:
    gi = dict(twin.groupindex)
    for m in twin.finditer(text):
        yield Re2Match(m, gi)
