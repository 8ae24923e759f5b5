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


class Prefilter:
    """Per-ruleset keyword index for the regex engine's rules."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        kws: dict[str, None] = {}
        for r in rules:
            for k in r.keywords:
                kws.setdefault(k, None)
        self.keywords = tuple(kws)
        # keyword -> ids of the rules that have it: a text's rules follow from its keywords
        self._rules_of: dict[str, set[int]] = {}
        for r in rules:
            for k in r.keywords:
                self._rules_of.setdefault(k, set()).add(id(r))
        self._indexed = {id(r) for r in rules}
        self._set: Any = None  # RE2 set of all keywords (None: not built, False: unavailable)

    def _present_all(self, lower: str) -> dict[str, bool] | None:
        """Every keyword's presence in one RE2 pass (large texts), or None without RE2."""
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
        hit = set(self._set.Match(lower.encode("utf-8", "surrogatepass")) or ())  # None: no keyword at all
        return {k: i in hit for i, k in enumerate(self.keywords)}

    def select(self, text: str, lower: str, rules: list[Rule]) -> list[Rule]:
        """The rules among ``rules`` that may match ``text`` (``lower`` is ``text.lower()``)."""
        present = None
        if len(lower) >= RE2_MIN_CHARS:
            present = self._present_all(lower)
        if present is None:
            found = [k for k in self.keywords if k in lower]
        else:
            found = [k for k, p in present.items() if p]
        hit: set[int] = set()
        rules_of = self._rules_of
        for k in found:
            hit |= rules_of[k]
        # rules outside this prefilter's index (none in practice) are judged one by one
        return [r for r in rules if not r.keywords or id(r) in hit
                or (id(r) not in self._indexed and any(k in lower for k in r.keywords))]
