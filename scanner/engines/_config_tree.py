"""YAML and JSON documents as one small tree whose scalars know where they are in the text.

The config engine walks this tree instead of Python objects so every value it reports carries the
character offsets of its text. YAML goes through ``yaml.compose_all`` (the C loader when present):
composing builds nodes with marks and needs no constructor, so CloudFormation's ``!Ref``/``!Sub``
tags parse without a custom loader. JSON goes through a short recursive-descent reader built on
the stdlib's C ``scanstring``, because ``json.loads`` keeps no positions.
"""
from __future__ import annotations

import re
from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from secretshift.base.record import dataclass, field  # not dataclasses: see secretshift/base/record.py
from typing import Any, Iterator, Union

STR_TAG = "tag:yaml.org,2002:str"


@dataclass(eq=False)
class Scalar:
    """A string, number, boolean or null. ``literal`` is True for plain strings (no custom tag).

    ``start``/``end`` cover the value's text without quotes; ``exact`` says whether
    ``text[start:end] == value`` (False for escapes, folded lines and block scalars with indentation).
    """

    value: str
    start: int
    end: int
    literal: bool = True
    exact: bool = True


@dataclass(eq=False)
class Map:
    items: list[tuple[Scalar, "Node"]] = field(default_factory=list)

    def get(self, key: str, fold: bool = True) -> "Node | None":
        """The value under ``key`` (case-insensitive when ``fold``), or None."""
        k = key.lower() if fold else key
        for ks, v in self.items:
            if (ks.value.lower() if fold else ks.value) == k:
                return v
        return None

    def text(self, key: str) -> str | None:
        v = self.get(key)
        return v.value if isinstance(v, Scalar) else None


@dataclass(eq=False)
class Seq:
    items: list["Node"] = field(default_factory=list)


Node = Union[Scalar, Map, Seq, None]


class ParseError(ValueError):
    """The text is not valid YAML/JSON; ``line`` is 1-based when known."""

    def __init__(self, what: str, line: int | None) -> None:
        super().__init__(what)
        self.what = what
        self.line = line


# --- YAML -----------------------------------------------------------------------------------------


def parse_yaml(text: str) -> list[Node]:
    """Every document in ``text``. :raises ParseError: when the YAML is malformed."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        # one alias table per document (anchors never cross documents): compose_all frees a document's
        # nodes once the next is composed, and a new node may then reuse a freed one's id()
        return [_from_yaml(n, text, {}) for n in yaml.compose_all(text, Loader=loader) if n is not None]
    except RecursionError:
        raise ParseError("YAML nested too deeply", None) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise ParseError(str(e.problem or "malformed YAML"), mark.line + 1 if mark else None) from None
    except yaml.YAMLError as e:
        raise ParseError(str(e).splitlines()[0] if str(e) else "malformed YAML", None) from None


def _from_yaml(n, text: str, seen: dict[int, tuple[Any, Node]]) -> Node:  # type: ignore[no-untyped-def]
    """Aliases come back as the very object of their anchor (converted once: linear even for
    "billion laughs" input); walkers visit each object once. ``seen`` holds each yaml node with its
    conversion, so no id() in it can be reused while it is in use."""
    import yaml

    got = seen.get(id(n))
    if got is not None and got[0] is n:
        return got[1]
    if isinstance(n, yaml.ScalarNode):
        sc = _yaml_scalar(n, text)
        seen[id(n)] = (n, sc)
        return sc
    if isinstance(n, yaml.MappingNode):
        m = Map()
        seen[id(n)] = (n, m)
        for k, v in n.value:
            if isinstance(k, yaml.ScalarNode):
                m.items.append((_yaml_scalar(k, text), _from_yaml(v, text, seen)))
        return m
    if isinstance(n, yaml.SequenceNode):
        sq = Seq()
        seen[id(n)] = (n, sq)
        sq.items.extend(_from_yaml(x, text, seen) for x in n.value)
        return sq
    return None


def value_span(text: str, s: int, e: int, style: str) -> tuple[int, int]:
    """Where a YAML scalar's value is in ``text[s:e]``: inside its quotes, or a block scalar's body
    (``|``/``>``) without the indicator line and the surrounding blank space."""
    if style in ("'", '"'):
        return s + 1, e - 1
    if style in ("|", ">"):
        nl = text.find("\n", s, e)
        s = e if nl < 0 else nl + 1
        while s < e and text[s] in " \t\r\n":
            s += 1
        while e > s and text[e - 1] in " \t\r\n":
            e -= 1
    return s, e


def _yaml_scalar(n, text: str) -> Scalar:  # type: ignore[no-untyped-def]
    s, e = value_span(text, n.start_mark.index, n.end_mark.index, n.style or "")
    literal = n.tag == STR_TAG
    return Scalar(n.value, s, e, literal, text[s:e] == n.value)


# --- JSON -----------------------------------------------------------------------------------------

# whitespace plus // and /* */ comments: tsconfig/devcontainer-style JSONC parses too
_WS = lazy_re(r"(?:[ \t\n\r]+|//[^\n]*|/\*.*?\*/)*", re.S)
_SPACE = lazy_re(r"[ \t\n\r]*")


def _ws(t: str, i: int) -> int:
    """Skip blanks (fast path) and JSONC comments (slow path, only at a ``/``)."""
    i = _SPACE.match(t, i).end()  # type: ignore[union-attr]
    if t.startswith("/", i):
        i = _WS.match(t, i).end()  # type: ignore[union-attr]
    return i


_NUM = lazy_re(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")


def parse_json(text: str) -> Node:
    """The JSON value in ``text``. :raises ParseError: when it is not strict JSON."""
    try:
        node, i = _json_value(text, _ws(text, 0))
        i = _ws(text, i)
        if i != len(text):
            raise ValueError(i)
        return node
    except RecursionError:
        raise ParseError("JSON nested too deeply", None) from None
    except (ValueError, IndexError) as e:
        at = e.args[0] if e.args and isinstance(e.args[0], int) else None
        if hasattr(e, "pos"):
            at = e.pos
        line = text.count("\n", 0, at) + 1 if isinstance(at, int) else None
        raise ParseError("malformed JSON", line) from None


def _json_value(t: str, i: int) -> tuple[Node, int]:
    from json.decoder import scanstring  # type: ignore[attr-defined]  # C-accelerated, not in the stubs

    c = t[i]
    if c == '"':
        v, j = scanstring(t, i + 1)
        return Scalar(v, i + 1, j - 1, True, t[i + 1:j - 1] == v), j
    if c == "{":
        m = Map()
        i = _ws(t, i + 1)
        if t[i] == "}":
            return m, i + 1
        while True:
            if t[i] != '"':
                raise ValueError(i)
            k, j = scanstring(t, i + 1)
            key = Scalar(k, i + 1, j - 1, True, t[i + 1:j - 1] == k)
            j = _ws(t, j)
            if t[j] != ":":
                raise ValueError(j)
            v, i = _json_value(t, _ws(t, j + 1))
            m.items.append((key, v))
            i = _ws(t, i)
            if t[i] == "}":
                return m, i + 1
            if t[i] != ",":
                raise ValueError(i)
            i = _ws(t, i + 1)
            if t[i] == "}":  # trailing comma (JSONC)
                return m, i + 1
    if c == "[":
        s = Seq()
        i = _ws(t, i + 1)
        if t[i] == "]":
            return s, i + 1
        while True:
            v, i = _json_value(t, i)
            s.items.append(v)
            i = _ws(t, i)
            if t[i] == "]":
                return s, i + 1
            if t[i] != ",":
                raise ValueError(i)
            i = _ws(t, i + 1)
            if t[i] == "]":
                return s, i + 1
    for word in ("true", "false", "null"):
        if t.startswith(word, i):
            return Scalar(word, i, i + len(word), False), i + len(word)
    m2 = _NUM.match(t, i)
    if m2 and m2.end() > i:
        return Scalar(m2.group(), i, m2.end(), False), m2.end()
    raise ValueError(i)


# --- walking --------------------------------------------------------------------------------------


def maps(root: Node) -> Iterator[tuple[Map, tuple[str, ...]]]:
    """Every mapping under ``root`` (iteratively, so deep files cannot overflow the stack), with the
    path of keys that leads to it (sequence levels add ``"[]"``)."""
    stack: list[tuple[Node, tuple[str, ...]]] = [(root, ())]
    done: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in done:
            continue
        done.add(id(node))
        if isinstance(node, Map):
            yield node, path
            for k, v in reversed(node.items):
                if isinstance(v, (Map, Seq)):
                    stack.append((v, path + (k.value,)))
        elif isinstance(node, Seq):
            for v in reversed(node.items):
                if isinstance(v, (Map, Seq)):
                    stack.append((v, path + ("[]",)))


def split_assignment(s: Scalar) -> tuple[str, Scalar] | None:
    """``"KEY=value"`` (compose list form, Dockerfile) -> (KEY, value scalar with its own span)."""
    if not s.literal or "=" not in s.value:
        return None
    name, _, val = s.value.partition("=")
    name = name.strip()
    if not name or " " in name:
        return None
    if s.exact:
        off = s.start + s.value.index("=") + 1
        return name, Scalar(val, off, off + len(val), True, True)
    return name, Scalar(val, s.start, s.end, True, False)
