"""Line forms of the config engine: .env and shell assignments, Dockerfile ENV/ARG, Terraform
attributes and variable defaults, and the line-by-line fallback for YAML/JSON that does not parse.

Each function yields ``Hit``s (a form, a name and the value's span); ``config.py`` decides which are
findings. Values are taken as written (no unescaping) so ``text[start:end] == value`` always holds.
"""
from __future__ import annotations

import re
from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from secretshift.base.record import dataclass  # not dataclasses: see secretshift/base/record.py
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Iterator


@dataclass
class Hit:
    form: str  # the rule matcher that reports it
    name: str  # variable / property / key name
    value: str
    start: int
    end: int
    exact: bool = True
    decoded: bool = False  # the value is base64 (a k8s Secret's data): judge what it decodes to
    check_name: bool = False  # report only when the name looks like a secret
    service: str | None = None  # planner hint known from the context (e.g. a CFN DB engine)

    def __post_init__(self) -> None:
        self.check_name = self.form != "k8s-secret"


_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''

# KEY=value, optionally after `export`; double quotes may span lines (dotenv multi-line values).
_DOTENV = lazy_re(
    r'^[ \t]*(?:export[ \t]+)?(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)[ \t]*=[ \t]*'
    r'(?P<val>' + _QUOTED + r'|[^\r\n]*)', re.M)
_SHELL = lazy_re(
    r'^[ \t]*(?:export[ \t]+|readonly[ \t]+|declare[ \t]+(?:-[a-zA-Z]+[ \t]+)*)?'
    r'(?P<name>[A-Za-z_][A-Za-z0-9_]*)=(?P<val>' + _QUOTED + r'|(?:\$\([^)\r\n]*\)|[^\s;&|#`])+)', re.M)


def _unquote(raw: str, start: int) -> tuple[str, int, int]:
    if len(raw) >= 2 and raw[0] in "\"'" and raw[-1] == raw[0]:
        return raw[1:-1], start + 1, start + len(raw) - 1
    return raw, start, start + len(raw)


_INLINE_COMMENT = lazy_re(r"[ \t]#")


def _bare(raw: str, start: int) -> tuple[str, int, int]:
    """An unquoted value: up to an inline ` #` comment, trailing blanks trimmed."""
    cut = _INLINE_COMMENT.search(raw)
    if cut:
        raw = raw[:cut.start()]
    raw = raw.rstrip(" \t\r")
    return raw, start, start + len(raw)


def dotenv(text: str, shell: bool = False) -> Iterator[Hit]:
    for m in (_SHELL if shell else _DOTENV).finditer(text):
        raw, s = m.group("val"), m.start("val")
        if raw[:1] in "\"'":
            v, a, b = _unquote(raw, s)
        else:
            v, a, b = _bare(raw, s)
        if v:
            yield Hit("dotenv", m.group("name"), v, a, b)


# --- Dockerfile -----------------------------------------------------------------------------------

_DOCKER_INSTR = lazy_re(r'^[ \t]*(?:ENV|ARG)[ \t]+(?P<rest>(?:[^\r\n\\]|\\[^\r\n]|\\\r?\n)*)', re.M | re.I)
_DOCKER_PAIR = lazy_re(r'(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<val>' + _QUOTED + r'|(?:[^\s\\"\']|\\\S)*)')

_LEGACY_ENV = lazy_re(r'\s*(\S+)[ \t]+(.*?)[ \t\\\r]*$')  # `ENV NAME value with spaces`


def dockerfile(text: str) -> Iterator[Hit]:
    for m in _DOCKER_INSTR.finditer(text):
        rest, base = m.group("rest"), m.start("rest")
        first = rest.split(None, 1)[0] if rest.strip() else ""
        if "=" in first:
            for p in _DOCKER_PAIR.finditer(rest):
                v, a, b = _unquote(p.group("val"), base + p.start("val"))
                if v:
                    yield Hit("dockerfile", p.group("name"), v, a, b)
        elif first:  # legacy `ENV NAME value with spaces`
            line = rest.split("\n", 1)[0]
            lm = _LEGACY_ENV.match(line)
            if lm and lm.group(2):
                v, a, b = _unquote(lm.group(2), base + lm.start(2))
                yield Hit("dockerfile", lm.group(1), v, a, b)


# --- Terraform / HCL ------------------------------------------------------------------------------

# an attribute at the start of a line, or an entry of an inline map: `env = { API_KEY = "..." }`
_TF_ATTR = lazy_re(
    r'(?:^|[{,])[ \t]*"?(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)"?[ \t]*[=:][ \t]*"(?P<val>(?:[^"\\\r\n]|\\.)*)"', re.M)
_TF_VAR = lazy_re(r'^[ \t]*variable[ \t]+"(?P<name>[^"]+)"[ \t]*\{', re.M)
_TF_SENSITIVE = lazy_re(r'^[ \t]*sensitive[ \t]*=[ \t]*true\b', re.M)
_TF_DEFAULT = lazy_re(r'^[ \t]*default[ \t]*=[ \t]*"(?P<val>(?:[^"\\\r\n]|\\.)*)"', re.M)


def _block_end(text: str, open_brace: int) -> int:
    """Offset just past the ``}`` matching the ``{`` at ``open_brace`` (strings skipped)."""
    depth, i, n = 0, open_brace, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = text.find('"', i + 1)
            while j > 0 and text[j - 1] == "\\":
                j = text.find('"', j + 1)
            i = n if j < 0 else j
        elif c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return n


def terraform(text: str) -> Iterator[Hit]:
    var_spans = []
    if "variable" in text:
        for m in _TF_VAR.finditer(text):
            end = _block_end(text, m.end() - 1)
            var_spans.append((m.start(), end))
            d = _TF_DEFAULT.search(text, m.end(), end)
            if d and d.group("val"):
                h = Hit("terraform", m.group("name"), d.group("val"), d.start("val"), d.end("val"))
                h.check_name = not _TF_SENSITIVE.search(text, m.end(), end)  # sensitive = true: any name
                yield h
    for m in _TF_ATTR.finditer(text):
        if m.group("name") == "default" and any(a <= m.start() < b for a, b in var_spans):
            continue
        if m.group("val"):
            yield Hit("terraform", m.group("name"), m.group("val"), m.start("val"), m.end("val"))


# --- YAML / JSON that does not parse --------------------------------------------------------------

_KV = lazy_re(
    r'^(?P<ind>[ \t]*)(?:-[ \t]+)?["\']?(?P<name>[A-Za-z_.][A-Za-z0-9_.-]*)["\']?[ \t]*(?P<sep>[:=])[ \t]*'
    r'(?P<val>"(?:[^"\\\r\n]|\\.)*"|\'[^\'\r\n]*\'|[^\r\n]*)', re.M)
_SECRET_KIND = lazy_re(r'^[ \t]*kind[ \t]*:[ \t]*["\']?secret["\']?[ \t]*$', re.M | re.I)


def fallback(text: str) -> Iterator[Hit]:
    """``key: value`` / ``KEY=value`` / ``"key": "value"`` lines, k8s ``- name:``/``value:`` pairs,
    and the entries of a ``data:``/``stringData:`` block in a file that says ``kind: Secret``."""
    is_secret = bool(_SECRET_KIND.search(text))
    block_ind: int | None = None  # indentation of the current data:/stringData: line
    block_decode = False
    last_name: str | None = None  # from a `- name: X` / `"name": "X",` line, for the `value:` after it
    for m in _KV.finditer(text):
        ind = len(m.group("ind"))
        name, raw, vs = m.group("name"), m.group("val"), m.start("val")
        if raw[:1] in "\"'":
            v, a, b = _unquote(raw.rstrip(" \t\r,"), vs)
        else:
            v, a, b = _bare(raw, vs)
            if v.endswith(","):
                v, b = v[:-1], b - 1
        if block_ind is not None and ind <= block_ind:
            block_ind = None
        if is_secret and name in ("data", "stringData") and not v:
            block_ind, block_decode = ind, name == "data"
            continue
        if block_ind is not None:
            exact = True
            if v[:1] in ("|", ">"):
                v, a, b = _block_value(text, m.end(), ind)
                exact = text[a:b] == v
            if v:
                yield Hit("k8s-secret", name, v, a, b, exact=exact, decoded=block_decode)
            continue
        if name.lower() == "name":
            last_name = v
            continue
        if name.lower() == "value" and last_name and v:
            yield Hit("config-lines", last_name, v, a, b)
            last_name = None
            continue
        last_name = None
        if v and v[:1] not in ("|", ">", "{", "["):
            yield Hit("config-lines", name, v, a, b)


_FLOW_PAIR = lazy_re(
    r'["\']?name["\']?[ \t]*:[ \t]*["\']?(?P<name>[A-Za-z_][\w.-]*)["\']?[ \t]*,[ \t]*["\']?value["\']?[ \t]*:[ \t]*'
    r'(?:"(?P<dq>(?:[^"\\\r\n]|\\.)*)"|\'(?P<sq>[^\'\r\n]*)\')', re.I)


def flow_pairs(text: str) -> Iterator[Hit]:
    """``{"name": "X", "value": "Y"}`` on one line (ECS/k8s JSON, YAML flow mappings)."""
    for m in _FLOW_PAIR.finditer(text):
        g = "dq" if m.group("dq") is not None else "sq"
        if m.group(g):
            yield Hit("config-lines", m.group("name"), m.group(g), m.start(g), m.end(g))


def _block_value(text: str, pos: int, ind: int) -> tuple[str, int, int]:
    """The more-indented lines after a ``key: |`` line, joined (offsets cover them)."""
    start = text.find("\n", pos)
    if start < 0:
        return "", pos, pos
    lines, i, first, last = [], start + 1, -1, -1
    while i < len(text):
        j = text.find("\n", i)
        j = len(text) if j < 0 else j
        line = text[i:j]
        stripped = line.strip()
        if stripped and len(line) - len(line.lstrip(" \t")) <= ind:
            break
        if stripped:
            s = i + len(line) - len(line.lstrip(" \t"))
            first = s if first < 0 else first
            last = i + len(line.rstrip(" \t\r"))
            lines.append(stripped)
        i = j + 1
    if first < 0:
        return "", pos, pos
    return "".join(lines), first, last
