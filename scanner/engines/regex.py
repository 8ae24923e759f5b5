"""The regex engine (gitleaks' model): keyword prefilter, one regex per rule, a secret group.

The regex runs over the whole text (not line by line), so multi-line rules such as PEM blocks work
and the per-line overhead of Python is avoided. Value checks (entropy, placeholders, stopwords)
happen afterwards in ``scanner.filters`` for every engine alike.

Rules stay RE2-compatible (no look-around, no back-references), so what a regex cannot say is said
here, after the match, by a few rule keys:

* several alternatives may each carry their own value group: every group whose name starts with
  ``secret`` is tried in order and the first that took part in the match is the value;
* a group named ``secret_bare`` (an unquoted value) is dropped in program source when it reads like
  code (an identifier, a member access or a call): ``password = getPassword()`` holds no secret;
* ``name_pattern`` must match the ``name`` group when there is one, and ``options.name_exclude``
  must not (``password_hint``, ``tokenUrl`` ...).
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from ..ruleset import Rule
from . import Candidate, FileContext

NAME = "regex"

# Languages whose unquoted right-hand sides are expressions, not literal text.
CODE_LANGUAGES = frozenset({
    "javascript", "go", "java", "kotlin", "csharp", "c", "php", "ruby", "rust", "swift", "scala",
    "python", "powershell", "terraform", "html",
})
# identifiers, member access, calls, indexing, `new X(...)`, `this.x`, `$var`, `@ivar`, `&ref`, `*ptr`
_CODE_VALUE_RE = re.compile(
    r"""^(?:new\s+)?[&*@$]?[A-Za-z_$][\w$]*(?:(?:\.|->|::|\?\.)[A-Za-z_$][\w$]*|\[[^\]]*\]|\([^()]*\))*(?:\(|\[|[;,)]*)$"""
)


def looks_like_code(value: str) -> bool:
    """An unquoted right-hand side that reads as a program expression rather than a literal."""
    return bool(_CODE_VALUE_RE.match(value))


def run(ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]:
    lower = ctx.lower
    for rule in rules:
        if rule.keywords and not any(k in lower for k in rule.keywords):
            continue
        yield from _matches(ctx, rule)


def _value_groups(rule: Rule) -> list[str | int]:
    assert rule.regex is not None
    named = sorted((i, n) for n, i in rule.regex.groupindex.items() if n.startswith("secret"))
    if rule.secret_group == "secret" and len(named) > 1:
        return [n for _, n in named]
    return [rule.secret_group]


def _matches(ctx: FileContext, rule: Rule) -> Iterator[Candidate]:
    assert rule.regex is not None
    groups = _value_groups(rule)
    name_groups = sorted((i, n) for n, i in rule.regex.groupindex.items() if n.startswith("name"))
    exclude = rule.options.get("_name_exclude_re")
    if exclude is None and rule.options.get("name_exclude"):
        exclude = rule.options["_name_exclude_re"] = re.compile(str(rule.options["name_exclude"]))
    in_code = ctx.language in CODE_LANGUAGES
    text = ctx.text
    search = rule.regex.search
    pos = 0
    while True:
        m = search(text, pos)
        if m is None:
            break
        grp: str | int | None = None
        for g in groups:
            if m.start(g) >= 0:
                grp = g
                break
        if grp is None:
            pos = m.end() if m.end() > pos else pos + 1
            continue
        start, end = m.span(grp)
        # resume right after the value, not after the match: a trailing boundary character (a
        # newline, a quote) must stay available as the leading boundary of the next match
        pos = end if end > m.start() else max(m.end(), pos + 1)
        value = m.group(grp)
        symbol = next((m.group(n) for _, n in name_groups if m.start(n) >= 0), None)
        if symbol is not None:
            if rule.name_pattern is not None and not rule.name_pattern.search(symbol):
                continue
            if exclude is not None and exclude.search(symbol):
                continue
        if grp == "secret_bare" and in_code and looks_like_code(value):
            continue
        yield Candidate(rule=rule, start=start, end=end, value=value, symbol=symbol,
                        service=rule.service, field=rule.field)
