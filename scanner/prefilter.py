"""Which regex rules can possibly match a file, decided cheaply before Python's ``re`` runs.

Two stages, both built once per ``Ruleset``:

1. keywords (gitleaks' model): a rule whose keywords are all absent from the lower-cased text is
   dropped. Each distinct keyword is searched once per file, however many rules share it.
2. an RE2 gate, only when ``google-re2`` is installed (extra ``fast``): each rule's pattern is
   translated into an RE2 pattern that matches a *superset* of what Python's ``re`` matches
   (``\\b`` dropped, ``\\w``/``\\d``/``\\s`` widened to Unicode classes, ``^``/``$`` made
   multi-line). RE2 runs in linear time; when the gate does not match, the Python regex cannot
   match either and is skipped. When it matches, Python's ``re`` still produces the findings, so
   findings are identical with and without RE2. A pattern RE2 cannot take (look-around,
   back-references, verbose mode) simply gets no gate.
"""
from __future__ import annotations

import re
from typing import Any

from .ruleset import Rule

from .fastre import _re2, enabled

# Python's Unicode classes, widened to RE2 classes that contain them.
_WIDE_OUT = {"w": r"[\pL\pN_]", "d": r"\pN", "s": r"[\s\x1c-\x1f\x85\pZ]"}
_WIDE_IN = {"w": r"\pL\pN_", "d": r"\pN", "s": r"\s\x1c-\x1f\x85\pZ"}
_EMPTY_MIN_REPEAT = re.compile(r"\{,(\d+)\}")


def re2_superset(pattern: str) -> str | None:
    """An RE2 pattern matching at least everything ``re.compile(pattern)`` matches, or None when
    the pattern uses something this translation does not handle."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = neg_class = False
    class_start = 0
    while i < n:
        c = pattern[i]
        if c == "\\":
            if i + 1 >= n:
                return None
            e = pattern[i + 1]
            if in_class:
                if e in _WIDE_IN and not neg_class:
                    out.append(_WIDE_IN[e])
                elif e in "bB":
                    return None
                else:  # a negated class with ASCII \w etc. in RE2 is wider than Python's: fine
                    out.append(pattern[i:i + 2])
            elif e in "bB":
                pass  # an assertion dropped: the pattern only gets wider
            elif e in _WIDE_OUT:
                out.append(_WIDE_OUT[e])
            elif e == "Z":
                out.append(r"\z")
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]" and i > class_start:
                in_class = False
            elif c == "[" and pattern.startswith("[:", i):
                return None  # POSIX classes mean different things in the two engines
            out.append(c)
            i += 1
            continue
        if c == "[":
            in_class = True
            j = i + 1
            neg_class = j < n and pattern[j] == "^"
            if neg_class:
                j += 1
            if j < n and pattern[j] == "]":
                j += 1  # a leading ] is a literal
            out.append(pattern[i:j])
            class_start = j
            i = j
            continue
        if c == "^":
            out.append("(?m:^)")
        elif c == "$":
            out.append("(?m:$)")
        elif c == "{":
            m = _EMPTY_MIN_REPEAT.match(pattern, i)
            if m:  # Python's {,n} is {0,n}; RE2 would read it as literal text
                out.append("{0," + m.group(1) + "}")
                i = m.end()
                continue
            out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


def compile_gate(pattern: str) -> Any | None:
    """The compiled RE2 gate for a Python pattern (compiled without flags outside the pattern), or
    None (no RE2, or not translatable)."""
    if _re2 is None:
        return None
    wide = re2_superset(pattern)
    if wide is None:
        return None
    try:
        opts = _re2.Options()
        opts.log_errors = False
        opts.max_mem = 64 << 20
        return _re2.compile(wide, options=opts)
    except Exception:  # noqa: BLE001 - any RE2 refusal just means "no gate"
        return None


class Prefilter:
    """Per-ruleset keyword index and RE2 gates for the regex engine's rules."""

    def __init__(self, rules: list[Rule], use_re2: bool = True) -> None:
        self.rules = rules
        kws: dict[str, None] = {}
        for r in rules:
            for k in r.keywords:
                kws.setdefault(k, None)
        self.keywords = tuple(kws)
        self.use_re2 = use_re2 and enabled()
        self._gates: dict[str, Any] = {}

    def _gate(self, rule: Rule) -> Any | None:
        if rule.id not in self._gates:
            rx = rule.regex
            pat = getattr(rx, "pattern", None)
            self._gates[rule.id] = compile_gate(pat) if isinstance(pat, str) else None
        return self._gates[rule.id]

    def select(self, text: str, lower: str, rules: list[Rule]) -> list[Rule]:
        """The rules among ``rules`` that may match ``text``."""
        present: dict[str, bool] = {}
        ascii_text: bool | None = None
        out = []
        for r in rules:
            if r.keywords:
                hit = False
                for k in r.keywords:
                    p = present.get(k)
                    if p is None:
                        p = present[k] = k in lower
                    if p:
                        hit = True
                        break
                if not hit:
                    continue
            if self.use_re2 and r.regex is not None:
                if ascii_text is None:
                    ascii_text = text.isascii()
                twin = getattr(r.regex, "twin", None)
                if ascii_text and twin is not None and twin() is not False:
                    out.append(r)  # RE2 will run the rule itself: a gate would only repeat it
                    continue
                gate = self._gate(r)
                if gate is not None and gate.search(text) is None:
                    continue
            out.append(r)
        return out
