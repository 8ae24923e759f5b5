"""The literal parts of a Python value, and the value shapes that are not credentials."""
from __future__ import annotations

import ast
import math
import re
from collections import Counter
from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from secretshift.base.record import dataclass  # not dataclasses: see secretshift/base/record.py
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Iterator

from ..envnames import snake_upper
from ..ruleset import Rule
from ._py_source import PySource
from ._py_templates import add_operands, joined_literal, leftmost

@dataclass
class Part:
    start: int
    end: int
    value: str
    whole: bool  # the entire literal (False: a piece of an f-string or a concatenation)
    field: str | None = None  # overrides the field read from the name


def literal_parts(src: PySource, node: ast.AST, symbol: str, whole: bool = True) -> Iterator[Part]:
    if isinstance(node, ast.Constant):
        if isinstance(node.value, str):
            s, e = src.inner_span(node)
            yield Part(s, e, node.value, whole)
        elif isinstance(node.value, bytes) and node.value.isascii():
            s, e = src.inner_span(node)
            yield Part(s, e, node.value.decode("ascii"), whole)
    elif isinstance(node, ast.JoinedStr):
        s, e = src.inner_span(node)
        raw = src.text[s:e]
        # an f-string without replacement fields is a plain literal
        piece = whole and not any(isinstance(v, ast.FormattedValue) for v in node.values)
        for v in node.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str) and v.value:
                i = raw.find(v.value)
                if i >= 0:
                    yield Part(s + i, s + i + len(v.value), v.value, piece)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and (joined := joined_literal(node)) is not None:
        # "gh" + "p_..." is one value: the program never uses a piece alone
        yield Part(src.inner_span(leftmost(node))[0], src.inner_span(node.right)[1], joined, whole)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        for operand in add_operands(node):  # "a" + x + "b" + ...
            if not isinstance(operand, ast.BinOp):
                yield from literal_parts(src, operand, symbol, False)
    elif isinstance(node, ast.BoolOp):
        for v in node.values:
            yield from literal_parts(src, v, symbol, whole)
    elif isinstance(node, ast.IfExp):
        yield from literal_parts(src, node.body, symbol, whole)
        yield from literal_parts(src, node.orelse, symbol, whole)
    elif isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        elts = node.elts
        if len(elts) == 2 and snake_upper(symbol.rsplit(".", 1)[-1]).endswith("AUTH"):
            # auth=("user", "password"): the second is the credential
            for p in literal_parts(src, elts[1], symbol, whole):
                p.field = "password"
                yield p
            return
        # a short tuple of plain literals may hold credentials; longer or mixed ones are data tables
        if len(elts) > 3 or not all(isinstance(el, ast.Constant) and isinstance(el.value, str) for el in elts):
            return
        for el in elts:
            yield from literal_parts(src, el, symbol, whole)
    elif isinstance(node, ast.Call) and node.args and len(node.args) == 1:
        fn = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if fn in ("SecretStr", "SecretBytes"):
            yield from literal_parts(src, node.args[0], symbol, whole)


# --- value shapes that are not credentials --------------------------------------------------------

_WORDS_RE = lazy_re(r"^(?:[A-Za-z]+(?:[-_][A-Za-z]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)$")
_DOTTED_RE = lazy_re(r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*\.[A-Za-z_][A-Za-z0-9_]*$")
_URL_RE = lazy_re(r"^[a-zA-Z][a-zA-Z0-9+.-]*://(?P<auth>[^/@\s]*@)?")
_PATH_RE = lazy_re(r"^(?:~?/|\.{1,2}/|[A-Za-z]:\\|file:/?/?[\w.~-]*/)|/[\w.-]+\.(?:html?|txt|json|ya?ml|pem|key|crt|py|cfg|ini|conf|env|log|j2|jinja2?)$")
_FORMAT_RE = lazy_re(r"(?<!\{)\{(?:[A-Za-z_][\w.]*|\d*)(?:![rsa])?(?::[^{}]*)?\}(?!\})|%(?:\([\w.]+\))?[sdr]")
_PROSE_WORD_RE = lazy_re(r"[A-Za-z]{2,}[,.:;!?]?")


# `kubernetes:core/v1:Service`, `aws:ec2/getAmi:getAmi`, `nvidia.com/gpu`: words joined by `:` `/` `.`
# (type tokens, label keys, resource paths); random text breaks into short mixed runs instead
_WORDY_SEGMENT_RE = lazy_re(r"^(?:[a-z]{2,}|[A-Z][a-z]{2,}|[A-Z]{2,})(?:[A-Z][a-z]{2,}|\d{1,2})*$|^v\d+$")
_NAMESPACED_RE = lazy_re(r"^[A-Za-z][\w-]*(?:[.:/][A-Za-z][\w-]*)+$")


_DOTS_RE = lazy_re(r"[.:]")  # compiled (from the cache) on first use, not by re's own parser
_DOTS_SLASH_RE = lazy_re(r"[.:/]")
_HUMPS_RE = lazy_re(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_ALNUM_RE = lazy_re(r"[^a-z0-9]")


def _is_namespaced_identifier(v: str) -> bool:
    if not _NAMESPACED_RE.match(v) or ("/" not in v and len(_DOTS_RE.split(v)) < 3):
        return False
    return all(_WORDY_SEGMENT_RE.match(seg) for part in _DOTS_SLASH_RE.split(v) for seg in part.split("-") if seg)


_REGEX_SYNTAX_RE = lazy_re(r"\(\?[:=!<P]|\\[wdsWDSbB]|\[\^|\[\\")
_SNAKE_LOWER_RE = lazy_re(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


def _is_camel_identifier(v: str) -> bool:
    """``requireAuthorizationForCacheControl``, ``AWSSecretKey``: letters only, in word-sized humps
    (random letters split into many one- and two-letter humps instead)."""
    if not v.isalpha() or v.islower() or v.isupper():
        return False
    humps = [h for h in _HUMPS_RE.split(v) if h]
    if not any(h[:1].isupper() and h[1:].islower() for h in humps) and any(h.isupper() and len(h) > 5 for h in humps):
        return False  # cnwTICONIURW: no capitalised word, a long run of capitals: random letters
    return len(humps) >= 2 and all(len(h) >= 2 for h in humps) and len(v) / len(humps) >= 3.5


def _same_as_name(v: str, symbol: str | None) -> bool:
    if not symbol:
        return False
    norm = lambda x: _NOT_ALNUM_RE.sub("", x.lower())  # noqa: E731
    last = symbol.rsplit(".", 1)[-1]
    if norm(v) == norm(last):
        return True
    # a single word of the name (`_RELATIONSHIP_TOKEN = "relationship"`): an enum-like tag
    return v.isalpha() and v.lower() in snake_upper(last).lower().split("_")


def shape_reason(value: str, whole: bool, symbol: str | None = None, strict: bool = False,
                 words_ok: bool = True) -> str | None:
    """Why a literal is not credential-shaped, or None. Used by the name-based rules only.

    ``words_ok=False`` (dict values, keyword arguments: names there are often protocol fields
    with enum-like values) rejects a single lower-case word; ``strict`` (comparisons: tokenizers
    compare ``token == "async"``) asks for 8+ characters of two character classes.
    """
    v = value.strip()
    if not any(c.isalnum() for c in v):
        return "no letter or digit"
    if _WORDS_RE.match(v) or _DOTTED_RE.match(v) or _is_camel_identifier(v) or _is_namespaced_identifier(v):
        return "an identifier or dotted path"
    if _same_as_name(v, symbol):
        return "the name itself"
    if _REGEX_SYNTAX_RE.search(v):
        return "a regular expression"
    if v.isalpha() and v.isupper():
        return "an upper-case word"
    if (strict or not words_ok) and v.isalpha() and v.islower():
        return "a plain word"
    m = _URL_RE.match(v)
    if m:
        return None if m.group("auth") and ":" in m.group("auth") else "a URL without credentials"
    if _PATH_RE.search(v):
        return "a file path"
    if _FORMAT_RE.search(v):
        return "a format template"
    words = v.split()
    if len(words) >= 3 and sum(1 for w in words if _PROSE_WORD_RE.fullmatch(w)) >= 3:
        return "prose"
    if len(words) >= 2 and v.endswith((":", "?", "...")):
        return "prose"
    if not whole:
        if not value[:1].isalnum() or any(c in value for c in "/: \t") or _SNAKE_LOWER_RE.match(v):
            return "a joining piece of a larger string"
    if not whole or strict:
        classes = sum((any(c.islower() for c in v), any(c.isupper() for c in v), any(c.isdigit() for c in v),
                       any(not c.isalnum() for c in v)))
        if any(c.isspace() for c in v) or not ((len(v) >= 8 and classes >= 3) or (len(v) >= 12 and classes >= 2)):
            return "a weak piece of a larger string" if not whole else "too weak for this context"
    return None


def _entropy(s: str) -> float:
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values()) if n else 0.0


_TOKENISH_RE = lazy_re(r"^[A-Za-z0-9+/=_\-.~]+$")
_HEX_RE = lazy_re(r"^[0-9a-fA-F]+$")
_DIGIT_RE = lazy_re(r"[0-9]")
_LETTER_RE = lazy_re(r"[A-Za-z]")


def _ascending_runs(v: str) -> float:
    """Share of neighbouring characters that count up (``0123…``, ``abcd…``): alphabets, not keys."""
    return sum(1 for a, b in zip(v, v[1:]) if ord(b) - ord(a) == 1) / max(1, len(v) - 1)


def high_entropy(v: str, rule: Rule) -> bool:
    if len(v) < int(rule.options.get("min_length", 20)) or not _TOKENISH_RE.match(v):
        return False
    if v.isalpha() or v.isdigit() or not _DIGIT_RE.search(v) or not _LETTER_RE.search(v):
        return False  # letters and digits both (the cheap test first; the value is ASCII here)
    if _ascending_runs(v) > 0.5 or (len(v) >= 24 and len(set(v)) == len(v)):
        return False  # an alphabet (0-9a-z, or a shuffled one: no character repeats), not a key
    if _HEX_RE.match(v):
        if len(v) == 24 and 0x4B000000 <= int(v[:8], 16) <= 0x6C000000:
            return False  # a MongoDB ObjectId (its first 4 bytes are a 2010-2027 timestamp): an identifier
        return _entropy(v) >= float(rule.options.get("hex_entropy", 3.0))
    return _entropy(v) >= float(rule.options.get("base64_entropy", 4.5))


