"""Which regex rules can possibly match a file, decided before any regex runs (gitleaks' model).

A rule whose keywords are all absent from the lower-cased text is dropped. Each distinct keyword is
searched at most once per file however many rules share it, and only until one of a rule's
keywords is found. Rules without keywords always run.

(An RE2 "superset gate" per rule was tried and dropped: RE2 programs for Unicode-widened classes
under bounded repetition took seconds to compile. RE2 is used instead as an exact twin on ASCII
text, see scanner/fastre.py.)
"""
from __future__ import annotations

from .ruleset import Rule


class Prefilter:
    """Per-ruleset keyword index for the regex engine's rules."""

    def __init__(self, rules: list[Rule]) -> None:
        self.rules = rules
        kws: dict[str, None] = {}
        for r in rules:
            for k in r.keywords:
                kws.setdefault(k, None)
        self.keywords = tuple(kws)

    def select(self, text: str, lower: str, rules: list[Rule]) -> list[Rule]:
        """The rules among ``rules`` that may match ``text`` (``lower`` is ``text.lower()``)."""
        present: dict[str, bool] = {}
        out = []
        for r in rules:
            if r.keywords:
                for k in r.keywords:
                    p = present.get(k)
                    if p is None:
                        p = present[k] = k in lower
                    if p:
                        break
                else:
                    continue
            out.append(r)
        return out
