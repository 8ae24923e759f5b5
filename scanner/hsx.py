"""Python regex -> a Hyperscan pattern that matches *at least* what the Python one matches.

The multi-pattern pass (``scanner.prepass``) only has to say where a rule *may* match: Python's
``re`` then confirms on those lines. So the translation may widen a pattern but never narrow it.
It works on Python's own parse tree (``re._parser``), so every pattern Python accepts is read the
way Python reads it, and emits Hyperscan's (PCRE) syntax over bytes, for ASCII text:

* each single-character item (a literal, a class, ``.``, ``\\d``/``\\w``/``\\s``, under the case
  and dot-all flags in force there) becomes the byte class of exactly the ASCII characters Python
  matches with it, found by asking Python's engine itself about each of the 128 characters;
* ``^``/``$``/``\\A``/``\\Z`` become line anchors (the pattern is compiled multi-line): a superset of
  what they mean in Python, in the whole text or in a window ending at a line end;
* lazy, possessive and atomic forms become plain greedy groups (the same strings can match);
  look-around is dropped and a back-reference becomes a copy of its group (both only widen).

Non-ASCII text is not judged by these patterns (``scanner.prepass`` sends its lines to the keyword
check), so nothing here needs to agree with Python on Unicode.
"""
from __future__ import annotations

import re
from functools import lru_cache
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Any

try:  # Python 3.11+
    from re import _constants as C  # type: ignore[attr-defined]
    from re import _parser as P  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as C  # type: ignore[no-redef]
    import sre_parse as P  # type: ignore[no-redef]

_BIG_REPEAT = 64  # a bounded repeat above this is widened to unbounded: compiling {0,600} takes seconds


class Untranslatable(ValueError):
    """A construct with no sound widening (the caller falls back for that rule)."""


def translate(pattern: str, flags: int = 0, line_end: bool = False) -> str:
    """A Hyperscan pattern (to compile with HS_FLAG_MULTILINE, on bytes) matching at least every
    ASCII string ``re.compile(pattern, flags)`` matches, in the same surroundings. ``line_end``:
    the match is extended to the end of its line (``[^\\n]*$``), so that Hyperscan reports each
    line once, at its end.

    :raises Untranslatable: a construct with no sound widening.
    :raises re.error: the pattern is not a valid Python regex.
    """
    parsed = P.parse(pattern, flags)
    groups: dict[int, Any] = {}
    _collect_groups(parsed, groups)
    flags |= parsed.state.flags
    items = list(parsed)
    head = tail = ""
    # Hyperscan takes anchors only at the ends of a pattern: there they keep their meaning,
    # anywhere else they are dropped (an assertion dropped only widens)
    if items and items[0][0] is C.AT:
        at = items[0][1]
        if at is C.AT_BEGINNING_STRING or (at is C.AT_BEGINNING and not flags & re.MULTILINE):
            head, items = r"\A", items[1:]
        elif at in (C.AT_BEGINNING, C.AT_BEGINNING_LINE):
            head, items = "^", items[1:]
    if items and items[-1][0] is C.AT and not line_end:
        at = items[-1][1]
        if at is C.AT_END_STRING:
            tail, items = r"\z", items[:-1]
        elif at is C.AT_END and not flags & re.MULTILINE:
            tail, items = r"\Z", items[:-1]
        elif at in (C.AT_END, C.AT_END_LINE):
            tail, items = "$", items[:-1]
    # What may match nothing at either end of an unanchored pattern only costs Hyperscan time
    # (`[\w.-]{0,40}api_key...`): left out, the pattern matches a part of each match, on its line.
    if not head:
        while len(items) > 1 and _nullable(items[0], parsed.state):
            items = items[1:]
    if not tail:
        while len(items) > 1 and _nullable(items[-1], parsed.state):
            items = items[:-1]
    body = head + _emit(items, flags, groups) + tail
    return f"(?:{body})[^\\n]*$" if line_end else body


def _nullable(item: Any, state: Any) -> bool:
    return P.SubPattern(state, [item]).getwidth()[0] == 0


def _collect_groups(items: Any, out: dict[int, Any]) -> None:
    for op, av in items:
        if op is C.SUBPATTERN:
            if av[0] is not None:
                out[av[0]] = av[3]
            _collect_groups(av[3], out)
        elif op is C.BRANCH:
            for alt in av[1]:
                _collect_groups(alt, out)
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) or op is getattr(C, "POSSESSIVE_REPEAT", None):
            _collect_groups(av[2], out)
        elif op is getattr(C, "ATOMIC_GROUP", None):
            _collect_groups(av, out)
        elif op is C.GROUPREF_EXISTS:
            _collect_groups(av[1], out)
            if av[2] is not None:
                _collect_groups(av[2], out)


_CHAR_OPS = frozenset({C.LITERAL, C.NOT_LITERAL, C.IN, C.ANY})


def _emit(items: Any, flags: int, groups: dict[int, Any]) -> str:
    out = []
    for op, av in items:
        if op in _CHAR_OPS:
            cls, wide = _byte_class(op, _freeze(av), flags & (re.IGNORECASE | re.DOTALL))
            out.append(f"{cls}{{1,4}}" if wide else cls)  # a non-ASCII character is 2 to 4 bytes
        elif op is C.SUBPATTERN:
            _gid, add, rem, sub = av
            out.append("(?:" + _emit(sub, (flags | add) & ~rem, groups) + ")")
        elif op is C.BRANCH:
            out.append("(?:" + "|".join(_emit(alt, flags, groups) for alt in av[1]) + ")")
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT) or op is getattr(C, "POSSESSIVE_REPEAT", None):
            lo, hi, sub = av
            if len(sub) == 1 and sub[0][0] in _CHAR_OPS:  # one character, repeated: count bytes
                body, wide = _byte_class(sub[0][0], _freeze(sub[0][1]), flags & (re.IGNORECASE | re.DOTALL))
                if wide and hi is not C.MAXREPEAT:
                    hi *= 4
            else:
                body = _emit(sub, flags, groups)
            if not body:
                continue
            if hi is C.MAXREPEAT or hi > _BIG_REPEAT:
                q = "*" if lo == 0 else "+" if lo == 1 else f"{{{min(lo, _BIG_REPEAT)},}}"
            elif lo == hi:
                q = f"{{{lo}}}"
            else:
                q = f"{{{lo},{hi}}}"
            out.append(f"(?:{body}){q}")
        elif op is getattr(C, "ATOMIC_GROUP", None):
            out.append("(?:" + _emit(av, flags, groups) + ")")
        elif op is C.AT:
            out.append(_anchor(av))
        elif op in (C.ASSERT, C.ASSERT_NOT):
            continue  # look-around only narrows: dropping it widens
        elif op is C.GROUPREF:
            out.append("(?:" + _emit(groups[av], flags, groups) + ")")
        elif op is C.GROUPREF_EXISTS:
            _gid, yes, no = av
            alts = [_emit(yes, flags, groups), _emit(no, flags, groups) if no is not None else ""]
            out.append("(?:" + "|".join(alts) + ")")
        else:
            raise Untranslatable(f"unsupported construct {op}")
    return "".join(out)


def _anchor(at: Any) -> str:
    # Inside the pattern Hyperscan has no line or text anchors, and its \\b reads bytes as ASCII
    # (next to a non-ASCII letter it sees a boundary Python does not): all are dropped, which
    # only widens the pattern.
    return ""


def _freeze(av: Any) -> Any:
    if isinstance(av, list):
        return tuple(_freeze(x) for x in av)
    if isinstance(av, tuple):
        return tuple(_freeze(x) for x in av)
    return av


# The only non-ASCII characters that Python's case-insensitive matching pairs with an ASCII
# letter, and the only ones str.lower() turns into ASCII (tests/scanner/test_prepass.py checks
# both against every code point). A text holding one is not given to Hyperscan at all.
CASE_PARTNERS = "\u0130\u0131\u017f\u212a"  # İ ı ſ K
_ANY_NON_ASCII = r"[\x80-\xff]{2,4}"  # the UTF-8 bytes of one non-ASCII character


@lru_cache(maxsize=4096)
def _byte_class(op: Any, av: Any, flags: int) -> tuple[str, bool]:
    """(byte class, wide) for one character item: the class of exactly the ASCII characters
    Python matches with it (found by asking Python's engine about each of the 128), plus every
    high byte when it can also match a non-ASCII character (``wide``: then one character is 1 to
    4 bytes of the class)."""
    state = P.State()
    state.flags = flags | re.UNICODE
    item = (op, list(av) if op is C.IN else av)
    sub = P.SubPattern(state, [item])
    try:
        from re import _compiler as K  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - Python 3.10
        import sre_compile as K  # type: ignore[no-redef]
    rx = K.compile(sub, flags | re.UNICODE)
    chars = [c for c in range(128) if rx.match(chr(c))]
    wide = _matches_non_ascii(op, av, flags)
    if not chars and not wide:
        return r"\xff", False  # matches nothing: 0xff is never in UTF-8
    if not wide:
        return _ascii_class(chars), False
    return _ascii_class(chars, r"\x80-\xff"), True


def _ascii_class(chars: list[int], extra: str = "") -> str:
    if len(chars) == 1 and chr(chars[0]).isalnum() and not extra:
        return chr(chars[0])
    parts = []
    i = 0
    while i < len(chars):
        j = i
        while j + 1 < len(chars) and chars[j + 1] == chars[j] + 1:
            j += 1
        a, b = chars[i], chars[j]
        parts.append(f"\\x{a:02x}" if a == b else f"\\x{a:02x}-\\x{b:02x}")
        i = j + 1
    return "[" + "".join(parts) + extra + "]"


def _matches_non_ascii(op: Any, av: Any, flags: int) -> bool:
    """Whether a one-character item can match a non-ASCII character other than an ASCII letter's
    case partner (``CASE_PARTNERS``): then its byte form must accept high bytes too."""
    if op in (C.ANY, C.NOT_LITERAL):
        return True
    if op is C.LITERAL:
        items = [(C.LITERAL, av)]
    else:
        items = list(av)
    for o, a in items:
        if o in (C.NEGATE, C.CATEGORY):
            return True
        if o is C.LITERAL and a >= 128:
            return True
        if o is C.RANGE and a[1] >= 128:
            return True
    return False


def keyword(word: str) -> str:
    """A pattern for the bytes of UTF-8 text whose ``str.lower()`` holds ``word`` (lower-case), in
    a text without ``CASE_PARTNERS``: its ASCII letters either case (to compile with
    HS_FLAG_CASELESS); a non-ASCII character widens to any non-ASCII one."""
    return "".join(_ANY_NON_ASCII if not ch.isascii() else _hex(ch.encode()) for ch in word)


def _hex(data: bytes) -> str:
    return "".join(f"\\x{b:02x}" for b in data)
