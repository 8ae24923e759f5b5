"""YAML and JSON documents as trees whose every node knows its span in the text.

Edits to configuration files are text edits (the bytes outside the edited span never change:
comments, order, quoting and indentation survive) guided by these trees. YAML goes through
``yaml.compose_all`` (no constructors: CloudFormation's ``!Ref``/``!Sub`` tags need no loader);
JSON through a small reader on the stdlib's ``scanstring`` (``json.loads`` keeps no positions).

Spans are character offsets. A block collection's span ends at its last child's end (PyYAML's own
end mark runs on over blank lines and comments up to the next token).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, List, Optional, Tuple

from secretshift.scanner.engines._config_tree import STR_TAG, value_span



class SpanError(ValueError):
    """The text does not parse as YAML/JSON (``line`` 1-based when known)."""

    def __init__(self, what: str, line: Optional[int] = None) -> None:
        super().__init__(what)
        self.line = line


@dataclass(eq=False)
class N:
    """A node. ``start``/``end`` cover its text (quotes, tag, brackets included); for scalars
    ``vstart``/``vend`` cover the value's characters (without quotes or tag) and ``exact`` says
    whether ``text[vstart:vend] == value`` (False with escapes or folding)."""

    kind: str  # "map" | "seq" | "scalar"
    start: int
    end: int
    value: Optional[str] = None
    style: str = ""  # scalars: "", "'", '"', "|", ">"
    tag: Optional[str] = None  # custom YAML tag (!Ref ...); None for plain data
    string: bool = True  # scalars: a string (not a number, bool or null)
    flow: bool = False  # collections written in flow style ({...} / [...]); always True for JSON
    vstart: int = 0
    vend: int = 0
    exact: bool = True
    entries: List[Tuple["N", "N"]] = field(default_factory=list)
    items: List["N"] = field(default_factory=list)
    parent: Optional["N"] = None
    key: Optional["N"] = None  # the key this node is the value of (maps)
    is_key: bool = False

    def get(self, name: str, fold: bool = False) -> Optional["N"]:
        want = name.lower() if fold else name
        for k, v in self.entries:
            if (k.value or "").lower() == want if fold else k.value == want:
                return v
        return None

    def text_of(self, name: str, fold: bool = False) -> Optional[str]:
        v = self.get(name, fold)
        return v.value if v is not None and v.kind == "scalar" else None

    @property
    def literal(self) -> bool:
        """A plain string scalar (no custom tag)."""
        return self.kind == "scalar" and self.string and self.tag is None

    def ancestors(self) -> Iterator["N"]:
        n = self.parent
        while n is not None:
            yield n
            n = n.parent

    def path(self) -> List[str]:
        """Keys from the document root down to this node (``"[]"`` for sequence levels)."""
        out: List[str] = []
        n: Optional[N] = self
        while n is not None and n.parent is not None:
            out.append("[]" if n.parent.kind == "seq" else (n.key.value if n.key is not None else "?") or "")
            n = n.parent
        return out[::-1]


def walk(root: N) -> Iterator[N]:
    stack = [root]
    while stack:
        n = stack.pop()
        yield n
        if n.kind == "map":
            for k, v in reversed(n.entries):
                stack.append(v)
        elif n.kind == "seq":
            stack.extend(reversed(n.items))


def scalar_at(root: N, offset: int) -> Optional[N]:
    """The innermost scalar (value, not key) whose span holds ``offset``."""
    for n in walk(root):
        if n.kind == "scalar" and not n.is_key and n.start <= offset < max(n.end, n.start + 1):
            return n
    return None


# --- YAML ------------------------------------------------------------------------------------------

def parse_yaml(text: str) -> List[N]:
    """Every document of ``text``. :raises SpanError: malformed YAML."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return [_from_yaml(d, text, None, None) for d in yaml.compose_all(text, Loader=loader) if d is not None]
    except RecursionError:
        raise SpanError("YAML nested too deeply") from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        raise SpanError(str(e.problem or "malformed YAML"), mark.line + 1 if mark else None) from None
    except yaml.YAMLError as e:
        raise SpanError(str(e).splitlines()[0] if str(e) else "malformed YAML") from None


def _from_yaml(n, text: str, parent: Optional[N], key: Optional[N]) -> N:  # type: ignore[no-untyped-def]
    import yaml

    s, e = n.start_mark.index, n.end_mark.index
    tag = n.tag if n.tag and not n.tag.startswith("tag:yaml.org,2002:") else None
    if isinstance(n, yaml.ScalarNode):
        style = n.style or ""
        vs, ve = s, e
        if tag and text.startswith("!", s):  # the tag is written before the value
            m = re.compile(r"!\S*[ \t]*").match(text, s)
            vs = m.end() if m else s
        vs, ve = value_span(text, vs, ve, style)
        string = n.tag == STR_TAG or tag is not None
        node = N("scalar", s, e, n.value, style, tag, string, vstart=vs, vend=ve,
                 exact=text[vs:ve] == n.value, parent=parent, key=key)
        return node
    node = N("map" if isinstance(n, yaml.MappingNode) else "seq", s, e, tag=tag,
             flow=bool(n.flow_style), parent=parent, key=key)
    if isinstance(n, yaml.MappingNode):
        for k, v in n.value:
            kn = _from_yaml(k, text, node, None)
            kn.is_key = True
            node.entries.append((kn, _from_yaml(v, text, node, kn)))
    else:
        node.items.extend(_from_yaml(v, text, node, None) for v in n.value)
    if not node.flow:  # tight end: the last child's end
        last = node.entries[-1][1] if node.entries else (node.items[-1] if node.items else None)
        if last is not None:
            node.end = last.end
    return node


# --- JSON ------------------------------------------------------------------------------------------

_WS = re.compile(r"(?:[ \t\n\r]+|//[^\n]*|/\*.*?\*/)*", re.S)
_NUM = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")


def parse_json(text: str) -> N:
    """The JSON value of ``text`` (JSONC comments and trailing commas allowed).

    :raises SpanError: not JSON."""
    try:
        i = _WS.match(text, 0).end()  # type: ignore[union-attr]
        node, i = _jvalue(text, i, None, None)
        if _WS.match(text, i).end() != len(text):  # type: ignore[union-attr]
            raise ValueError(i)
        return node
    except RecursionError:
        raise SpanError("JSON nested too deeply") from None
    except (ValueError, IndexError) as e:
        at = e.args[0] if e.args and isinstance(e.args[0], int) else getattr(e, "pos", None)
        raise SpanError("malformed JSON", text.count("\n", 0, at) + 1 if isinstance(at, int) else None) from None


def _jvalue(t: str, i: int, parent: Optional[N], key: Optional[N]) -> Tuple[N, int]:
    from json.decoder import scanstring  # type: ignore[attr-defined]

    c = t[i]
    if c == '"':
        v, j = scanstring(t, i + 1)
        return N("scalar", i, j, v, '"', vstart=i + 1, vend=j - 1, exact=t[i + 1:j - 1] == v,
                 parent=parent, key=key), j
    if c in "{[":
        node = N("map" if c == "{" else "seq", i, i, flow=True, parent=parent, key=key)
        close = "}" if c == "{" else "]"
        i = _WS.match(t, i + 1).end()  # type: ignore[union-attr]
        while t[i] != close:
            if c == "{":
                if t[i] != '"':
                    raise ValueError(i)
                k, j = scanstring(t, i + 1)
                kn = N("scalar", i, j, k, '"', vstart=i + 1, vend=j - 1, exact=t[i + 1:j - 1] == k, parent=node,
                       is_key=True)
                j = _WS.match(t, j).end()  # type: ignore[union-attr]
                if t[j] != ":":
                    raise ValueError(j)
                v, i = _jvalue(t, _WS.match(t, j + 1).end(), node, kn)  # type: ignore[union-attr]
                node.entries.append((kn, v))
            else:
                v, i = _jvalue(t, i, node, None)
                node.items.append(v)
            i = _WS.match(t, i).end()  # type: ignore[union-attr]
            if t[i] == ",":
                i = _WS.match(t, i + 1).end()  # type: ignore[union-attr]
            elif t[i] != close:
                raise ValueError(i)
        node.end = i + 1
        return node, i + 1
    for word in ("true", "false", "null"):
        if t.startswith(word, i):
            return N("scalar", i, i + len(word), word, string=False, vstart=i, vend=i + len(word),
                     parent=parent, key=key), i + len(word)
    m = _NUM.match(t, i)
    if m and m.end() > i:
        return N("scalar", i, m.end(), m.group(), string=False, vstart=i, vend=m.end(),
                 parent=parent, key=key), m.end()
    raise ValueError(i)


def parse(text: str, path: str) -> List[N]:
    """YAML documents, or the one JSON value for ``.json``/``.template`` files that hold JSON."""
    if path.lower().endswith(".json") or (text.lstrip()[:1] in ("{", "[") and path.lower().endswith(".template")):
        return [parse_json(text)]
    return parse_yaml(text)


def is_json(text: str, path: str) -> bool:
    return path.lower().endswith(".json") or (path.lower().endswith(".template") and text.lstrip()[:1] in "{[")


# --- text helpers ----------------------------------------------------------------------------------

def line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def line_end(text: str, offset: int) -> int:
    """Offset of the line break ending the line holding ``offset`` (or len)."""
    j = text.find("\n", offset)
    return len(text) if j < 0 else j


def column(text: str, offset: int) -> int:
    return offset - line_start(text, offset)


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def indent_unit(text: str, default: int = 2) -> int:
    """The smallest indentation step the file uses."""
    steps = sorted({len(m.group(1)) for m in re.finditer(r"^( +)\S", text, re.M)})
    return steps[0] if steps and steps[0] <= 8 else default


def only_blanks_before(text: str, offset: int) -> bool:
    return text[line_start(text, offset):offset].strip(" \t-") == ""


def parse_or_skip(text: str, path: str, targets, rw, what: str = "YAML"):  # type: ignore[no-untyped-def]
    """The documents of ``text``, or None after marking every target skipped (the file does not parse)."""
    from .base import SKIPPED, UNSAFE, Outcome

    try:
        return parse(text, path)
    except SpanError as e:
        for t in targets:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"not valid {what} (line {e.line}); not edited"))
        return None


def apply_checked(rw, text: str, edits, path: str) -> bool:  # type: ignore[no-untyped-def]
    """Apply ``edits`` to ``text`` into ``rw.text`` when the result parses again; else refuse them all."""
    from .base import apply_edits

    try:
        new = apply_edits(text, edits)
        parse(new, path)
    except (ValueError, SpanError):
        rw.refuse("rewrite refused: the result would not parse")
        return False
    rw.text = new
    return True
