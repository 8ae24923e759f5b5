"""Credentials inside Python string templates, found by reading the template as the text it builds.

A template is an f-string, a ``%`` format (``"..%s.." % args``), a ``str.format`` call on a literal,
or a ``+`` chain of strings. Its text is laid out piece by piece: literal text, a literal argument
that fills a placeholder, or a hole (a value computed at run time). A URL's password or an
``Authorization`` scheme's token that lies inside one literal piece is a credential however the rest
of the string is built: ``f"postgresql://{user}:<pw>@{host}/app"``, ``"postgres://u:%s@h" % "<pw>"``,
``"Bearer " + "<token>"``.

A private key literal (PEM) is reported as the whole value the literal evaluates to, trailing
newline, escapes, raw and bytes prefixes and implicit concatenation included, so that what is
stored is exactly what the program used (``key_literals``).
"""
from __future__ import annotations

import ast
from secretshift.base.record import dataclass  # not dataclasses: see secretshift/base/record.py
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Iterator

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from ._py_source import PySource

HOLE = "\x00"  # stands for a value computed at run time


@dataclass
class Piece:
    text: str  # the text this piece contributes (HOLE for a computed value)
    node: ast.AST | None  # the literal holding it (a str Constant, or an f-string's literal part)
    owner: ast.AST | None = None  # the f-string a literal part belongs to
    argument: bool = False  # a literal argument filling a placeholder (the whole literal is the piece)


@dataclass
class Found:
    start: int  # character offsets of the secret in the source text
    end: int
    value: str
    field: str  # "password" (URL) or "token" (Authorization scheme)
    service: str | None
    whole: bool  # the secret is a whole literal (a filling argument)


# -- laying a template out ---------------------------------------------------------------------

_PERCENT_SPEC = lazy_re(r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conv>[diouxXeEfFgGcrsa%])")


def _lit(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def pieces(node: ast.AST) -> list[Piece] | None:
    """The pieces of a template expression, or None when ``node`` is not a template."""
    if isinstance(node, ast.JoinedStr):
        out = []
        for v in node.values:
            if isinstance(v, ast.Constant) and isinstance(v.value, str):
                out.append(Piece(v.value, v, node))
            else:
                out.append(Piece(HOLE, None))
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        out = []
        for op in add_operands(node):
            if _lit(op) is not None:
                out.append(Piece(op.value, op))  # type: ignore[attr-defined]
            else:
                sub = pieces(op) if isinstance(op, (ast.JoinedStr, ast.BinOp, ast.Call)) else None
                out.extend(sub if sub is not None else [Piece(HOLE, None)])
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and _lit(node.left) is not None:
        return _percent(node.left, node.right)
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
            and _lit(node.func.value) is not None):
        return _format(node.func.value, node)
    return None


def _fill(arg: ast.AST | None) -> Piece:
    text = _lit(arg) if arg is not None else None
    return Piece(text, arg, argument=True) if text is not None else Piece(HOLE, None)


def _percent(template: ast.Constant, right: ast.AST) -> list[Piece] | None:
    text = template.value
    args = right.elts if isinstance(right, ast.Tuple) else [right]
    mapping = right if isinstance(right, ast.Dict) else None
    out: list[Piece] = []
    pos = k = 0
    for m in _PERCENT_SPEC.finditer(text):
        if m.start() > pos:
            out.append(Piece(text[pos:m.start()], template))
        pos = m.end()
        if m.group("conv") == "%":
            out.append(Piece("%", template))
            continue
        if m.group("key") is not None:
            val = None
            if mapping is not None:
                val = next((v for key, v in zip(mapping.keys, mapping.values) if _lit(key) == m.group("key")), None)
            out.append(_fill(val) if m.group("conv") in "sra" else Piece(HOLE, None))
            continue
        arg = args[k] if k < len(args) and mapping is None else None
        k += 1
        out.append(_fill(arg) if m.group("conv") in "sra" else Piece(HOLE, None))
    if pos < len(text):
        out.append(Piece(text[pos:], template))
    return out


def _format(template: ast.Constant, call: ast.Call) -> list[Piece] | None:
    try:
        import string  # here: string.Template compiles its pattern when the module is imported

        parsed = list(string.Formatter().parse(template.value))
    except ValueError:
        return None
    kwargs = {k.arg: k.value for k in call.keywords if k.arg}
    out: list[Piece] = []
    auto = 0
    for literal, name, spec, conv in parsed:
        if literal:
            out.append(Piece(literal, template))
        if name is None:
            continue
        arg: ast.AST | None = None
        if name == "":
            arg = call.args[auto] if auto < len(call.args) else None
            auto += 1
        elif name.isdigit():
            i = int(name)
            arg = call.args[i] if i < len(call.args) else None
        else:
            arg = kwargs.get(name)
        if any(isinstance(a, ast.Starred) for a in call.args):
            arg = None
        out.append(_fill(arg) if not spec and conv in (None, "s") else Piece(HOLE, None))
    return out


# -- reading credentials off the laid-out text ---------------------------------------------------

_URL_AUTH = lazy_re(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*)://(?P<user>[^\s/?#@:'\"]*):(?P<pw>[^\s/?#@'\"]+)@")
_AUTH_SCHEME = lazy_re(r"^\s*(?i:bearer|basic)\s+(?P<tok>[A-Za-z0-9\-._~+/]+=*)\s*$")
_SCHEME_SERVICE = {"postgres": "postgresql", "postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql",
                   "mongodb": "mongodb", "redis": "redis", "rediss": "redis", "amqp": "rabbitmq",
                   "amqps": "rabbitmq", "mssql": "mssql", "oracle": "oracle"}


def credentials(src: PySource, parts: list[Piece]) -> Iterator[Found]:
    """URL passwords and Authorization tokens that lie inside one literal piece of ``parts``."""
    text = "".join(p.text for p in parts)
    if HOLE not in text and not any(p.argument for p in parts) and len({id(p.node) for p in parts}) == 1:
        return  # one plain literal: the regex rules read it as it is written
    bounds = []
    at = 0
    for p in parts:
        bounds.append((at, at + len(p.text), p))
        at += len(p.text)
    spans: list[tuple[int, int, str, str | None]] = []
    for m in _URL_AUTH.finditer(text):
        if HOLE in m.group("pw") or "{" in m.group("pw"):
            continue
        scheme = m.group("scheme").lower().split("+")[0].replace("jdbc:", "")
        spans.append((m.start("pw"), m.end("pw"), "password", _SCHEME_SERVICE.get(scheme)))
    m = _AUTH_SCHEME.match(text)
    if m and HOLE not in m.group("tok"):
        spans.append((m.start("tok"), m.end("tok"), "token", None))
    for a, b, fld, service in spans:
        for s, e, p in bounds:
            if s <= a and b <= e and p.node is not None:
                f = _locate(src, p, a - s, b - s, fld, service)
                if f is not None:
                    yield f
                break


def _locate(src: PySource, p: Piece, a: int, b: int, fld: str, service: str | None) -> Found | None:
    """Source offsets of ``p.text[a:b]``: found in the literal's own source text."""
    value = p.text[a:b]
    if p.owner is not None:  # an f-string's literal part: search the f-string's source
        s, e = src.inner_span(p.owner)
    else:
        s, e = src.inner_span(p.node)
    raw = src.text[s:e]
    if p.argument and a == 0 and b == len(p.text):
        return Found(s, e, value, fld, service, True) if raw == p.text else None
    i = raw.find(value)
    if i < 0 or raw.find(value, i + 1) >= 0:
        return None  # escapes around it, or more than one place: the regex rules have their say
    return Found(s + i, s + i + len(value), value, fld, service, False)


# -- all-literal concatenations and private key literals -------------------------------------------------

def add_operands(node: ast.BinOp) -> list[ast.AST]:
    """The operands of ``a + b + c ...`` left to right (the chain nests to the left; no recursion)."""
    operands: list[ast.AST] = []
    cur: ast.AST = node
    while isinstance(cur, ast.BinOp) and isinstance(cur.op, ast.Add):
        operands.append(cur.right)
        cur = cur.left
    operands.append(cur)
    operands.reverse()
    return operands


def joined_literal(node: ast.AST) -> str | None:
    """The value of ``"ab" + "cd" + ...`` when every operand is a str literal, else None."""
    if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)) or _lit(node.right) is None:
        return None  # the common "a" + x: decided without walking a long chain
    values = [_lit(op) for op in add_operands(node)]
    return None if any(v is None for v in values) else "".join(values)  # type: ignore[arg-type]


def leftmost(node: ast.AST) -> ast.AST:
    while isinstance(node, ast.BinOp):
        node = node.left
    return node


_KEY_RE = lazy_re(r"\A(?:\s|\\[nr])*-----BEGIN[ A-Z0-9_]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
                     r"[A-Za-z0-9+/=]{24}[\s\S]*-----END[ A-Z0-9_]{0,100}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[nr])*\Z")


def is_key_text(value: str) -> bool:
    """A private key block (with a base64 body, not a ``...`` placeholder) and nothing else but
    whitespace around it: what a key literal holds."""
    return bool(_KEY_RE.match(value))
