"""Credentials in tables of documentation: Markdown pipe tables and Confluence/Jira wiki tables.

A keyword regex cannot relate a cell to its column, so this small engine reads the table: a
header row names the columns; a column whose header is secret-like (``Password``, ``Default
password``, ``API token``) makes each cell below it a candidate, and so does the value column
(``Value``, ``Default``) of a row whose first cell names a secret (``| DB_PASSWORD | ... |``).

Matchers (a rule's ``matcher:``): ``table-column``. The rule's ``name_pattern`` and
``options.name_exclude`` judge the column header (or the row's name), as the regex engine judges
a ``name`` group; values go through the usual filters (placeholders, shapes).
"""
from __future__ import annotations

import re
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Iterable, Iterator

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from ..ruleset import Rule
from . import Candidate, FileContext

NAME = "table"
MATCHERS = ("table-column",)

_SEPARATOR_RE = lazy_re(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_VALUE_HEADERS = frozenset(("value", "values", "default", "default value", "defaults", "setting"))
_WRAPPERS = ("`", "**", "__", '"', "'", "*", "_")


def _cells(line: str, start: int, sep: str) -> list[tuple[str, int, int]]:
    """(text, start, end) of each cell of a table row, offsets in the file; ``\\|`` is not a border."""
    cuts = []
    j = 0
    while True:
        k = line.find(sep, j)
        if k < 0:
            break
        if not (k > 0 and line[k - 1] == "\\"):
            cuts.append(k)
        j = k + len(sep)
    bounds = [0, *(c for k in cuts for c in (k, k + len(sep))), len(line)]
    out = []
    for a, b in zip(bounds[::2], bounds[1::2]):
        raw = line[a:b]
        text = raw.strip()
        lead = len(raw) - len(raw.lstrip())
        out.append((text, start + a + lead, start + a + lead + len(text)))
    if out and not out[0][0]:
        out.pop(0)
    if out and not out[-1][0]:
        out.pop()
    return out


def _unwrap(text: str, s: int, e: int) -> tuple[str, int, int]:
    """Strip Markdown emphasis and code spans around a cell's value (`x`, **x**, "x")."""
    changed = True
    while changed and len(text) >= 2:
        changed = False
        for w in _WRAPPERS:
            if len(text) > 2 * len(w) and text.startswith(w) and text.endswith(w):
                text, s, e = text[len(w):-len(w)].strip(), s + len(w), e - len(w)
                changed = True
    return text, s, e


def _name_ok(rule: Rule, name: str, exclude: list[re.Pattern[str]], known: dict[str, bool]) -> bool:
    """(``known``: the rule's judged names, kept across tables and files: headers repeat)"""
    got = known.get(name)
    if got is None:
        if len(known) > 8192:
            known.clear()
        # [Credential Access](#tactic): a heading that links somewhere names a topic, not a field
        got = known[name] = ((rule.name_pattern is None or rule.name_pattern.search(name) is not None)
                             and "](" not in name and not any(x.search(name) for x in exclude))
    return got


def _rows(text: str) -> Iterator[tuple[list[tuple[str, int, int]], list[list[tuple[str, int, int]]]]]:
    """(header cells, body rows) of every table in the text. Lines are read where a ``|`` is
    (str.find from line to line): a manual is megabytes of prose with a table here and there."""
    n = len(text)
    pos = 0  # the start of the next line to look at
    while pos <= n:
        k = text.find("|", pos)
        if k < 0:
            return
        ls = text.rfind("\n", 0, k) + 1
        le = text.find("\n", k)
        le = n if le < 0 else le
        line = text[ls:le]
        wiki = line.lstrip().startswith("||")
        if not wiki:
            if le >= n:  # no line after it for a separator
                return
            sep_end = text.find("\n", le + 1)
            sep_end = n if sep_end < 0 else sep_end
            if not _SEPARATOR_RE.match(text[le + 1:sep_end]):
                pos = le + 1
                continue
        header = _cells(line, ls, "||" if wiki else "|")
        j = le + 1 if wiki else sep_end + 1  # the first body line
        body = []
        while j <= n:
            e = text.find("\n", j)
            e = n if e < 0 else e
            row = text[j:e]
            if not row.strip() or "|" not in row or (wiki and not row.lstrip().startswith("|")):
                break
            body.append(_cells(row, j, "|"))
            j = e + 1
        if len(header) >= 2 and body:
            yield header, body
        pos = j


def run(ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]:
    if "|" not in ctx.text:
        return
    from .regex import _compiled, _names_ok

    hits = ctx.hits
    for rule in rules:
        # one of its keywords in the lower-cased text: the multi-pattern pass has looked (a rule
        # it says may match has one), else look here (lower-casing a long manual costs more)
        known = hits is not None and hits.covers(rule) and hits.may_match(rule)
        if rule.keywords and not known and not any(k in ctx.lower for k in rule.keywords):
            continue
        exclude = list(_compiled(rule, "name_exclude"))
        known = _names_ok(rule)
        for header, body in _rows(ctx.text):
            names = [h[0].strip("*_` ").lower() for h in header]
            secret_cols = [k for k, h in enumerate(header) if _name_ok(rule, h[0].strip("*_` "), exclude, known)]
            value_cols = [k for k, nm in enumerate(names) if nm in _VALUE_HEADERS]
            for row in body:
                picks = [(k, header[k][0].strip("*_` ")) for k in secret_cols]
                if value_cols and row and _name_ok(rule, _unwrap(*row[0])[0], exclude, known):
                    picks += [(k, _unwrap(*row[0])[0]) for k in value_cols]
                for k, symbol in picks:
                    if k >= len(row):
                        continue
                    value, s, e = _unwrap(*row[k])
                    if not value or " " in value and (len(value.split()) > 2 or ", " in value) or (
                            value[0] == "(" and value[-1] == ")"):
                        continue  # prose (a comparison table's cells) or a note, "(disabled)"
                    yield Candidate(rule=rule, start=s, end=e, value=value, symbol=symbol,
                                    service=rule.service, field=rule.field)
