"""Small pure helpers about literals: evaluate a libcst string node, find a secret inside a string,
split a URL's password out, and quote Python strings for generated code."""
from __future__ import annotations

import ast
import re
from typing import Optional, Tuple, Union

import libcst as cst

from .targets import sha256_text

_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*://)(?P<netloc>[^/?#]*)")
_AUTH = re.compile(r"^(?i:bearer|token|basic|apikey|api-key|key)\s+(\S+)$")
_BRUTE_MAX = 128


def url_password_span(value: str) -> Optional[Tuple[int, int]]:
    """The (start, end) of the password in ``scheme://user:password@host...``, or None."""
    m = _URL.match(value)
    if not m:
        return None
    netloc = m.group("netloc")
    at = netloc.rfind("@")
    if at < 0:
        return None
    colon = netloc.find(":", 0, at)
    if colon < 0 or colon + 1 == at:
        return None
    base = m.start("netloc")
    return base + colon + 1, base + at


def url_password(value: str) -> Optional[str]:
    """The password part of a URL exactly as written (still percent-encoded), or None.

    When a target's value is such a URL, the rewrite moves only this part: the secret's JSON key
    must hold ``url_password(value)``, and the code composes the URL around it at run time.
    """
    span = url_password_span(value)
    return value[span[0]:span[1]] if span else None


def find_secret_span(value: str, sha: str, hint: Optional[str] = None,
                     brute: bool = True, at: Optional[int] = None) -> Optional[Tuple[int, int]]:
    """Where in ``value`` the secret hashing to ``sha`` sits; the whole value gives (0, len).
    ``at``: about where in ``value`` the target points; when the secret occurs several times (a URL
    whose user and password are one word) the occurrence nearest to it is the one.

    Tries the whole value, the source slice the target points at, a URL password and an
    ``Authorization`` scheme; with ``brute`` (the literal at the target's own position, at most
    128 characters) every substring of 4+ characters as a last resort.
    """
    if sha256_text(value) == sha:
        span = url_password_span(value)
        return span if span else (0, len(value))
    if hint and sha256_text(hint) == sha:
        found = [i for i in range(len(value)) if value.startswith(hint, i)]
        if found:
            i = found[0] if at is None else min(found, key=lambda i: abs(i - at))
            return i, i + len(hint)
    span = url_password_span(value)
    if span and sha256_text(value[span[0]:span[1]]) == sha:
        return span
    m = _AUTH.match(value)
    if m and sha256_text(m.group(1)) == sha:
        return m.start(1), m.end(1)
    if brute and len(value) <= _BRUTE_MAX:
        for i in range(len(value)):
            for j in range(len(value), i + 3, -1):
                if sha256_text(value[i:j]) == sha:
                    return i, j
    return None


def _evaluated(node: Union[cst.SimpleString, cst.ConcatenatedString]) -> Tuple[Optional[str], str]:
    """(value as text, "str"|"bytes") of a literal; bytes are decoded as UTF-8. None when the value
    cannot be had: odd escapes, mixed str/bytes, an f-string piece, undecodable bytes."""
    try:
        v = node.evaluated_value
    except Exception:  # noqa: BLE001 - not a literal we can reason about
        return None, "str"
    if isinstance(v, bytes):
        try:
            return v.decode("utf-8"), "bytes"
        except UnicodeDecodeError:
            return None, "bytes"
    return (v, "str") if isinstance(v, str) else (None, "str")


def simple_string_value(node: cst.SimpleString) -> Tuple[Optional[str], str]:
    """(value as text, "str"|"bytes"); bytes are decoded as UTF-8, undecodable bytes give None."""
    return _evaluated(node)


def concatenated_value(node: cst.ConcatenatedString) -> Tuple[Optional[str], str]:
    """The joined value of ``"abc" "def"`` (None when a piece is an f-string)."""
    return _evaluated(node)


def joined_value(node: cst.BinaryOperation) -> Optional[str]:
    """The value of ``"ab" + "cd" + ...`` when every operand is a plain str literal, else None."""
    out = []
    cur: cst.BaseExpression = node
    while isinstance(cur, cst.BinaryOperation) and isinstance(cur.operator, cst.Add) and (cur is node or not cur.lpar):
        if not isinstance(cur.right, cst.SimpleString):
            return None
        v, t = simple_string_value(cur.right)
        if v is None or t != "str":
            return None
        out.append(v)
        cur = cur.left
    if not isinstance(cur, cst.SimpleString) or cur is node:
        return None
    v, t = simple_string_value(cur)
    if v is None or t != "str":
        return None
    out.append(v)
    return "".join(reversed(out))


def fstring_text_value(part: cst.FormattedStringText, fstring: cst.FormattedString) -> Optional[str]:
    """The text an f-string's literal part stands for (``{{`` -> ``{``, escapes applied)."""
    raw = part.value.replace("{{", "{").replace("}}", "}")
    prefix = fstring.prefix.lower().replace("f", "")
    if "r" in prefix:
        return raw
    q = fstring.quote
    try:
        v = ast.literal_eval(f"{prefix}{q}{raw}{q}")
    except (SyntaxError, ValueError):
        return None
    return v if isinstance(v, str) else None


def integer_value(node: cst.Integer) -> Optional[str]:
    try:
        return str(int(node.value.replace("_", ""), 0))
    except ValueError:
        return None


def py_str(text: str, quote: str = '"') -> str:
    """A Python string literal for ``text`` using ``quote`` (generated ids and keys only)."""
    body = text.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\n", "\\n").replace("\r", "\\r")
    return f"{quote}{body}{quote}"


def split_simple_string(node: cst.SimpleString, span: Tuple[int, int]) -> Optional[Tuple[str, str]]:
    """The literal's source text before and after the secret, such that they evaluate to the value
    around ``span``; None when escapes make that split uncertain (the caller then skips)."""
    value, vtype = simple_string_value(node)
    if value is None or vtype != "str":
        return None
    prefix, q = node.prefix, node.quote
    raw = node.value[len(prefix) + len(q): len(node.value) - len(q)]
    secret = value[span[0]:span[1]]
    i = raw.find(secret)
    # pick the occurrence whose preceding raw text evaluates to the value before the span
    while i >= 0:
        before, after = raw[:i], raw[i + len(secret):]
        if _eval(prefix, q, before) == value[: span[0]] and _eval(prefix, q, after) == value[span[1]:]:
            return before, after
        i = raw.find(secret, i + 1)
    return None


def _eval(prefix: str, q: str, body: str) -> Optional[str]:
    try:
        v = ast.literal_eval(f"{prefix}{q}{body}{q}")
    except (SyntaxError, ValueError):
        return None
    return v if isinstance(v, str) else None
