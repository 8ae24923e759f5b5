"""The regex engine (gitleaks' model): keyword prefilter, one regex per rule, a secret group.

The regex runs over the whole text (not line by line), so multi-line rules such as PEM blocks work
and the per-line overhead of Python is avoided. Value checks (entropy, placeholders, stopwords)
happen afterwards in ``scanner.filters`` for every engine alike.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from ..ruleset import Rule
from . import Candidate, FileContext

NAME = "regex"


def run(ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]:
    lower = ctx.lower
    for rule in rules:
        if rule.keywords and not any(k in lower for k in rule.keywords):
            continue
        yield from _matches(ctx, rule)


def _matches(ctx: FileContext, rule: Rule) -> Iterator[Candidate]:
    assert rule.regex is not None
    grp = rule.secret_group
    symbol_group = "name" if "name" in rule.regex.groupindex else None
    for m in rule.regex.finditer(ctx.text):
        start, end = m.span(grp)
        if start < 0:
            continue
        value = m.group(grp)
        symbol = m.group(symbol_group) if symbol_group else None
        yield Candidate(rule=rule, start=start, end=end, value=value, symbol=symbol,
                        service=rule.service, field=rule.field)
