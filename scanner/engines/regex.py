"""The regex engine (gitleaks' model): one regex per rule, a secret group, value checks after.

A rule looks only where the multi-pattern pass (``scanner.prepass``) says it may match: a
single-line rule searches each of those lines (the newline before it included, so a leading
boundary class can match it), a ``multiline`` rule (PEM blocks, XML elements) the whole text.
Value checks (entropy, placeholders, stopwords) happen afterwards in ``scanner.filters`` for
every engine alike.

Rules stay RE2-compatible (no look-around, no back-references), so what a regex cannot say is said
here, after the match, by a few rule keys:

* several alternatives may each carry their own value group: every group whose name starts with
  ``secret`` is tried in order and the first that took part in the match is the value;
* a group named ``secret_bare`` (an unquoted value) is dropped in program source when it reads like
  code (an identifier, a member access or a call): ``password = getPassword()`` holds no secret;
* ``name_pattern`` must match the ``name`` group when there is one, and ``options.name_exclude``
  must not (``password_hint``, ``tokenUrl`` ...);
* ``options.not_after`` is a character class the character before the value must not belong to
  (a leading boundary checked here, so the regex can start with its literal prefix).
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from ..ruleset import Rule
from . import Candidate, FileContext

NAME = "regex"

# Languages whose unquoted right-hand sides are expressions, not literal text.
CODE_LANGUAGES = frozenset({
    "javascript", "go", "java", "kotlin", "csharp", "c", "php", "ruby", "rust", "swift", "scala",
    "python", "powershell", "terraform", "html",
})
# identifiers, member access, calls, indexing, `new X(...)`, `this.x`, `$var`, `@ivar`, `&ref`, `*ptr`
_CODE_VALUE_RE = lazy_re(
    r"""^(?:new\s+)?[&*@$]?[A-Za-z_$][\w$]*(?:(?:\.|->|::|\?\.)[A-Za-z_$][\w$]*|\[[^\]]*\]|\([^()]*\))*(?:\(|\[|[;,)]*)$"""
)


# member access or a call outside program source: X25519.KeyPair, kVK_Return.u16, foo.bar()
_DOTTED_RE = lazy_re(r"^[A-Za-z_$][\w$]*(?:(?:\.|->|::)[A-Za-z_$][\w$]*)+(?:\(.*\))?;?$")
_CACHE: dict[tuple[int, str], tuple[re.Pattern[str], ...]] = {}


def _compiled(rule: Rule, key: str) -> tuple[re.Pattern[str], ...]:
    """``options[key]``: one pattern or a list of patterns, compiled once per rule."""
    k = (id(rule), key)
    if k not in _CACHE:
        pat = rule.options.get(key) or ()
        _CACHE[k] = tuple(re.compile(str(p)) for p in ([pat] if isinstance(pat, str) else pat))
    return _CACHE[k]


def _b64url_json(seg: str) -> object:
    import base64
    import json

    raw = base64.urlsafe_b64decode(seg + "=" * (-len(seg) % 4))
    return json.loads(raw.decode("utf-8"))


def valid_jwt(value: str) -> bool:
    """A JWT whose header decodes to a JSON object (or, when a tool mangled it, at least to
    ``{"...}``); rejects look-alikes that merely start with eyJ."""
    import binascii

    head = value.split(".", 1)[0]
    try:
        return isinstance(_b64url_json(head), dict)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    try:
        import base64

        raw = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)).decode("utf-8", "replace")
    except (ValueError, binascii.Error):
        return False
    return raw.startswith('{"') and raw.rstrip().endswith("}") and sum(not c.isprintable() for c in raw) <= 2


VALIDATORS = {"jwt": valid_jwt}


# INI/properties/YAML/plain text: an unquoted value runs to the end of the line (minus a comment)
EOL_VALUE_LANGUAGES = frozenset({"ini", "properties", "toml", "yaml", "text"})
_EOL_COMMENT_RE = lazy_re(r"\s+[#;].*$|\s+$")


def _extend_to_eol(text: str, start: int, end: int) -> int:
    nl = text.find("\n", end)
    line_end = len(text) if nl < 0 else nl
    rest = text[start:line_end]
    rest = _EOL_COMMENT_RE.sub("", rest).rstrip(",;")
    return start + max(len(rest), end - start)


def looks_like_code(value: str) -> bool:
    """An unquoted right-hand side that reads as a program expression rather than a literal."""
    return bool(_CODE_VALUE_RE.match(value))


def run(ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]:
    for rule in rules:
        yield from _matches(ctx, rule, ctx.line_windows(rule))


def _value_groups(rule: Rule) -> list[str | int]:
    got = rule.__dict__.get("_value_groups")
    if got is None:
        got = rule.__dict__["_value_groups"] = _compute_value_groups(rule)
    return got


def _compute_value_groups(rule: Rule) -> list[str | int]:
    assert rule.regex is not None
    named = sorted((i, n) for n, i in rule.regex.groupindex.items() if n.startswith("secret"))
    # the loader defaults secret_group to "secret", or to 0 when no group is named exactly that
    if rule.secret_group in ("secret", 0) and named:
        return [n for _, n in named]
    return [rule.secret_group]


def _matches(ctx: FileContext, rule: Rule, windows: Iterable[tuple[int, int]]) -> Iterator[Candidate]:
    """Every candidate of ``rule`` inside the ``windows`` (the per-rule set-up is done once here,
    not once per window: a broad rule can have tens of thousands of keyword lines)."""
    assert rule.regex is not None
    groups = _value_groups(rule)
    name_groups = [n for _, n in sorted((i, n) for n, i in rule.regex.groupindex.items() if n.startswith("name"))]
    exclude = _compiled(rule, "name_exclude")
    # `options.not_after`: a class the character before the value must not be in. It replaces a
    # leading `(?:^|[^\w])` in the regex, which stops Python's re from jumping to the literal prefix.
    not_after = _compiled(rule, "not_after")
    dotted_is_code = bool(rule.options.get("bare_dotted_is_code"))
    validator = VALIDATORS.get(str(rule.options.get("validate", "")))
    in_code = ctx.language in CODE_LANGUAGES
    to_eol = bool(rule.options.get("bare_to_eol")) and ctx.language in EOL_VALUE_LANGUAGES
    text = ctx.text
    search = rule.regex.search
    name_pattern = rule.name_pattern
    for lo, hi in windows:
        pos = lo
        while pos <= hi:
            m = search(text, pos, hi)
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
            if grp == "secret_bare" and to_eol:
                end = _extend_to_eol(text, start, end)
            # resume right after the value, not after the match: a trailing boundary character (a
            # newline, a quote) must stay available as the leading boundary of the next match
            pos = end if end > m.start() else max(m.end(), pos + 1)
            if not_after and start > 0 and not_after[0].match(text, start - 1):
                continue
            value = text[start:end]
            symbol = next((m.group(n) for n in name_groups if m.start(n) >= 0), None)
            if symbol is not None:
                if name_pattern is not None and not name_pattern.search(symbol):
                    continue
                if any(x.search(symbol) for x in exclude):
                    continue
            if grp == "secret_bare" and (looks_like_code(value) if in_code else dotted_is_code and _DOTTED_RE.match(value)):
                continue
            if validator is not None and not validator(value):
                continue
            yield Candidate(rule=rule, start=start, end=end, value=value, symbol=symbol,
                            service=rule.service, field=rule.field)
