"""Which regex rules can possibly match a file, decided before any regex runs (gitleaks' model).

A rule whose keywords are all absent from the lower-cased text is dropped. Each distinct keyword is
searched at most once per file however many rules share it, and only until one of a rule's
keywords is found. Rules without keywords always run. On a large text with RE2 installed, one RE2
set pass over the text answers for every keyword at once.

(An RE2 "superset gate" per rule was tried and dropped: RE2 programs for Unicode-widened classes
under bounded repetition took seconds to compile. RE2 is used instead as an exact twin on ASCII
text, see scanner/fastre.py.)
"""
from __future__ import annotations

import re
from typing import Any

from .ruleset import RE2_MIN_CHARS, Rule

RE2_SMALL_CHARS = 64  # with RE2 already loaded, the size from which one set pass beats `in` per keyword


class Prefilter:
    """Per-ruleset keyword index for the regex engine's rules."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        kws: dict[str, None] = {}
        for r in rules:
            for k in r.keywords:
                kws.setdefault(k, None)
        self.keywords = tuple(kws)
        self._indexes: dict[int, _Index] = {}  # id(rules list) -> keyword positions in it
        self._set: Any = None  # RE2 set of all keywords (None: not built, False: unavailable)

    def _present_all(self, lower: str) -> list[str] | None:
        """The keywords present in ``lower``, in one RE2 pass, or None without RE2."""
        if self._set is None:
            self._set = False
            from .fastre import _re2, enabled

            if enabled() and self.keywords:
                try:
                    st = _re2.Set.SearchSet(_re2.Options())
                    for k in self.keywords:
                        st.Add(re.escape(k))
                    st.Compile()
                    self._set = st
                except Exception:  # noqa: BLE001 - fall back to one `in` per keyword
                    self._set = False
        if self._set is False:
            return None
        kws = self.keywords
        return [kws[i] for i in self._set.Match(lower.encode("utf-8", "surrogatepass")) or ()]  # None: no keyword

    def select(self, text: str, lower: str, rules: list[Rule]) -> list[Rule]:
        """The rules among ``rules`` that may match ``text`` (``lower`` is ``text.lower()``)."""
        found = None
        # RE2 answers for every keyword in one pass; it is imported for large texts only (the hook
        # path stays light), and once it is, it serves smaller texts too (history fragments)
        if len(lower) >= RE2_MIN_CHARS or (self._set and len(lower) >= RE2_SMALL_CHARS):
            found = self._present_all(lower)
        if found is None:
            found = [k for k in self.keywords if k in lower]
        index = self._index(rules)
        positions = set(index.always)
        for k in found:
            got = index.by_keyword.get(k)
            if got:
                positions.update(got)
        for k in index.unindexed:  # keywords of rules this prefilter was not built with (none in practice)
            if k in lower:
                positions.update(index.by_keyword[k])
        return [rules[i] for i in sorted(positions)]

    def _index(self, rules: list[Rule]) -> "_Index":
        """Where each keyword's rules sit in ``rules`` (a list the scan plan keeps per path)."""
        got = self._indexes.get(id(rules))
        if got is None or got.rules is not rules:
            if len(self._indexes) > 1024:
                self._indexes.clear()
            got = self._indexes[id(rules)] = _Index(rules, self.keywords)
        return got


class _Index:
    def __init__(self, rules: list[Rule], known: tuple[str, ...]) -> None:
        self.rules = rules  # kept, so that the id this index is filed under stays this list's
        self.always = [i for i, r in enumerate(rules) if not r.keywords]
        self.by_keyword: dict[str, list[int]] = {}
        for i, r in enumerate(rules):
            for k in dict.fromkeys(r.keywords):
                self.by_keyword.setdefault(k, []).append(i)
        known_set = set(known)
        self.unindexed = [k for k in self.by_keyword if k not in known_set]
