"""The python engine: hardcoded credentials in Python, understood with the stdlib ``ast``.

A cheap textual prefilter (the rules' ``keywords``) keeps files without a secret-looking name from
being parsed. Each rule picks one matcher (closed set, ``MATCHERS``):

- ``assignment``: ``NAME = "..."``, annotated, tuple unpack, walrus, class attributes, attribute
  targets (``stripe.api_key = "..."``, ``self.password = "..."``); augmented assignments are not.
- ``keyword-arg``: ``connect(password="...")``.
- ``dict-key``: ``{"password": "..."}`` and ``DATABASES["default"]["PASSWORD"] = "..."``.
- ``default-arg``: ``def f(password="...")``.
- ``comparison``: ``if token == "..."``.
- ``env-default``: the literal default of a secret env read, ``os.getenv("API_KEY", "...")``.
- ``entropy``: a high-entropy literal bound to any name (catches misspelt names).
- ``text-fallback``: the file is not valid Python; assignment-like lines are matched textually.

Names are normalised to lower snake case (``jiraToken`` -> ``jira_token``) before the rule's
``name_pattern`` (and ``options.exclude_name_pattern``) are searched. Only string literals are
candidates: a value computed by a call is not. f-strings and ``+`` concatenations report their
literal parts. Offsets are characters (ast columns are UTF-8 bytes and are converted).
"""
from __future__ import annotations

import ast
import math
import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Iterator

from ..envnames import hints, is_secret_name, snake_upper
from ..ruleset import Rule
from . import Candidate, FileContext

NAME = "python"
MATCHERS = ("assignment", "keyword-arg", "dict-key", "default-arg", "comparison", "env-default",
            "entropy", "text-fallback")
_NAME_MATCHERS = ("assignment", "keyword-arg", "dict-key", "default-arg", "comparison")

# --- parsing, shared with the env engine ----------------------------------------------------------

_NEWLINE_RE = re.compile(r"\r\n?|\n")
_QUOTE_RE = re.compile(r"[rRbBuUfF]{0,2}('''|\"\"\"|'|\")")


class PySource:
    """A parsed module plus the mapping from ast positions (UTF-8 byte columns) to text offsets.

    :raises SyntaxError, ValueError: when the text is not valid Python.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.shift = 1 if text.startswith("\ufeff") else 0
        src = text[self.shift:]
        self.tree = ast.parse(src)
        self._src = src
        self._starts = [0] + [m.end() for m in _NEWLINE_RE.finditer(src)]

    def offset(self, lineno: int, col: int) -> int:
        starts = self._starts
        ls = starts[lineno - 1]
        le = starts[lineno] if lineno < len(starts) else len(self._src)
        line = self._src[ls:le]
        if not line.isascii():
            col = len(line.encode("utf-8")[:col].decode("utf-8", "ignore"))
        return self.shift + ls + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        return (self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
                self.offset(node.end_lineno, node.end_col_offset))  # type: ignore[attr-defined]

    def inner_span(self, node: ast.AST) -> tuple[int, int]:
        """The span of a string literal without its prefix and quotes."""
        s, e = self.span(node)
        m = _QUOTE_RE.match(self.text, s)
        if not m or e - len(m.group(1)) < m.end():
            return s, e
        return m.end(), e - len(m.group(1))


_CACHE: dict[str, object] = {}


def parse_cached(ctx: FileContext) -> PySource | None:
    """Parse ``ctx.text`` once for both Python engines; None (and one warning) on a syntax error."""
    if _CACHE.get("text") is ctx.text:
        return _CACHE["src"]  # type: ignore[return-value]
    src: PySource | None
    try:
        src = PySource(ctx.text)
    except SyntaxError as e:
        src = None
        ctx.warn(f"not valid Python (line {e.lineno or '?'}): scanned as text")
    except (ValueError, RecursionError, MemoryError) as e:
        src = None
        ctx.warn(f"not valid Python ({type(e).__name__}): scanned as text")
    _CACHE["text"], _CACHE["src"] = ctx.text, src
    return src


# --- collecting (matcher, symbol, value) targets ---------------------------------------------------

@dataclass
class Target:
    matcher: str
    symbol: str  # dotted path of what the value is bound to
    value: ast.AST


def _path(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _path(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Subscript):
        key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, (str, int)):
            base = _path(node.value)
            return f"{base}.{key.value}" if base else str(key.value)
    return None


def _is_plausible_type(s: str) -> bool:
    """Whether a string annotation reads as a type (forward reference) rather than a value."""
    try:
        expr = ast.parse(s.strip(), mode="eval")
    except (SyntaxError, ValueError):
        return False
    for n in ast.walk(expr):
        if isinstance(n, ast.Name) and not (n.id[:1].isupper() or n.id.startswith("_") or n.id in _BUILTIN_TYPES):
            return False
        if isinstance(n, ast.Constant) and not (n.value is None or isinstance(n.value, str)):
            return False
    return True


_BUILTIN_TYPES = {"str", "int", "float", "bytes", "bool", "dict", "list", "tuple", "set", "frozenset",
                  "object", "type", "complex", "bytearray", "memoryview", "typing", "t", "collections"}


def collect(tree: ast.AST) -> list[Target]:
    out: list[Target] = []
    dict_prefix: dict[int, str] = {}

    def bind(matcher: str, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            if isinstance(value, (ast.Tuple, ast.List)) and len(value.elts) == len(target.elts):
                for t, v in zip(target.elts, value.elts):
                    bind(matcher, t, v)
            return
        sym = _path(target)
        if sym is None:
            return
        if isinstance(value, ast.Dict):
            dict_prefix[id(value)] = sym
        out.append(Target("dict-key" if isinstance(target, ast.Subscript) else matcher, sym, value))

    for node in ast.walk(tree):  # breadth first: an assignment is seen before its dict value
        if isinstance(node, ast.Assign):
            for t in node.targets:
                bind("assignment", t, node.value)
        elif isinstance(node, ast.AnnAssign):
            if node.value is not None:
                bind("assignment", node.target, node.value)
            elif (isinstance(node.annotation, ast.Constant) and isinstance(node.annotation.value, str)
                  and not _is_plausible_type(node.annotation.value)):
                bind("assignment", node.target, node.annotation)  # `password: "..."` read as a value
        elif isinstance(node, ast.NamedExpr):
            bind("assignment", node.target, node.value)
        elif isinstance(node, ast.Dict):
            prefix = dict_prefix.get(id(node))
            for k, v in zip(node.keys, node.values):
                if isinstance(k, ast.Constant) and isinstance(k.value, str):
                    sym = f"{prefix}.{k.value}" if prefix else k.value
                    if isinstance(v, ast.Dict):
                        dict_prefix[id(v)] = sym
                    out.append(Target("dict-key", sym, v))
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg:
                    out.append(Target("keyword-arg", kw.arg, kw.value))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = node.args
            positional = [*a.posonlyargs, *a.args]
            for arg, d in zip(positional[len(positional) - len(a.defaults):], a.defaults):
                out.append(Target("default-arg", arg.arg, d))
            for arg, d2 in zip(a.kwonlyargs, a.kw_defaults):
                if d2 is not None:
                    out.append(Target("default-arg", arg.arg, d2))
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.Eq, ast.NotEq)):
            left, right = node.left, node.comparators[0]
            for named, lit in ((left, right), (right, left)):
                sym = _path(named)
                if sym and isinstance(lit, ast.Constant) and isinstance(lit.value, str):
                    out.append(Target("comparison", sym, lit))
    return out


# --- literal parts of a value ---------------------------------------------------------------------

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
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from literal_parts(src, node.left, symbol, False)
        yield from literal_parts(src, node.right, symbol, False)
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
        for el in elts:
            yield from literal_parts(src, el, symbol, whole)
    elif isinstance(node, ast.Call) and node.args and len(node.args) == 1:
        fn = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if fn in ("SecretStr", "SecretBytes"):
            yield from literal_parts(src, node.args[0], symbol, whole)


# --- value shapes that are not credentials --------------------------------------------------------

_WORDS_RE = re.compile(r"^(?:[A-Za-z]+(?:_[A-Za-z]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)$")
_DOTTED_RE = re.compile(r"^[a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*\.[A-Za-z_][A-Za-z0-9_]*$")
_URL_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://(?P<auth>[^/@\s]*@)?")
_PATH_RE = re.compile(r"^(?:~?/|\.{1,2}/|[A-Za-z]:\\)|/[\w.-]+\.(?:html?|txt|json|ya?ml|pem|key|crt|py|cfg|ini|conf|env|log|j2|jinja2?)$")
_FORMAT_RE = re.compile(r"(?<!\{)\{(?:[A-Za-z_][\w.]*|\d*)(?:![rsa])?(?::[^{}]*)?\}(?!\})|%(?:\([\w.]+\))?[sdr]")
_PROSE_WORD_RE = re.compile(r"[A-Za-z]{2,}[,.:;!?]?")


def shape_reason(value: str, whole: bool) -> str | None:
    """Why a literal is not credential-shaped, or None. Used by the name-based rules only."""
    v = value.strip()
    if not any(c.isalnum() for c in v):
        return "no letter or digit"
    if _WORDS_RE.match(v) or _DOTTED_RE.match(v):
        return "an identifier or dotted path"
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
        classes = sum((any(c.islower() for c in v), any(c.isupper() for c in v), any(c.isdigit() for c in v),
                       any(not c.isalnum() for c in v)))
        if len(v) < 8 or any(c.isspace() for c in v) or classes < 2:
            return "a weak piece of a larger string"
    return None


def _entropy(s: str) -> float:
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values()) if n else 0.0


_TOKENISH_RE = re.compile(r"^[A-Za-z0-9+/=_\-.~]+$")
_HEX_RE = re.compile(r"^[0-9a-fA-F]+$")


def _high_entropy(v: str, rule: Rule) -> bool:
    if len(v) < int(rule.options.get("min_length", 20)) or not _TOKENISH_RE.match(v):
        return False
    if not (any(c.isdigit() for c in v) and any(c.isalpha() for c in v)):
        return False
    if _HEX_RE.match(v):
        return _entropy(v) >= float(rule.options.get("hex_entropy", 3.0))
    return _entropy(v) >= float(rule.options.get("base64_entropy", 4.5))


# --- the engine ------------------------------------------------------------------------------------

_COMPILED: dict[str, re.Pattern[str]] = {}


def _rx(pattern: str) -> re.Pattern[str]:
    p = _COMPILED.get(pattern)
    if p is None:
        p = _COMPILED[pattern] = re.compile(pattern)
    return p


def name_matches(rule: Rule, symbol: str) -> bool:
    """The rule's name_pattern on the lower-snake form of the last part of ``symbol``."""
    if rule.name_pattern is None:
        return False
    last = snake_upper(symbol.rsplit(".", 1)[-1]).lower()
    if not rule.name_pattern.search(last):
        return False
    excl = rule.options.get("exclude_name_pattern")
    return not (excl and _rx(excl).search(last))


def _wanted(ctx: FileContext, rules: list[Rule]) -> bool:
    lower = ctx.lower
    for r in rules:
        if r.keywords and any(k in lower for k in r.keywords):
            return True
        pre = r.options.get("prefilter")
        if pre and _rx(pre).search(ctx.text):
            return True
    return False


def run(ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]:
    rules = [r for r in rules if r.matcher in MATCHERS]
    if not rules or not _wanted(ctx, rules):
        return []
    src = parse_cached(ctx)
    if src is None:
        fb = [r for r in rules if r.matcher == "text-fallback"]
        return list(_text_fallback(ctx, fb[0])) if fb else []
    out: list[Candidate] = []
    by_matcher: dict[str, list[Rule]] = {}
    for r in rules:
        by_matcher.setdefault(r.matcher or "", []).append(r)
    targets = collect(src.tree)
    for t in targets:
        for rule in by_matcher.get(t.matcher, ()):
            if name_matches(rule, t.symbol):
                out.extend(_candidates(src, rule, t.symbol, t.value))
        for rule in by_matcher.get("entropy", ()):
            if t.matcher in ("assignment", "dict-key", "keyword-arg") and not _excluded(rule, t.symbol):
                for p in literal_parts(src, t.value, t.symbol):
                    if p.whole and _high_entropy(p.value, rule):
                        out.append(_cand(rule, p, t.symbol))
    if "env-default" in by_matcher:
        out.extend(_env_defaults(ctx, src, by_matcher["env-default"][0]))
    return out


def _excluded(rule: Rule, symbol: str) -> bool:
    excl = rule.options.get("exclude_name_pattern")
    return bool(excl and _rx(excl).search(snake_upper(symbol.rsplit(".", 1)[-1]).lower()))


def _cand(rule: Rule, p: Part, symbol: str) -> Candidate:
    service, field = hints(symbol)
    return Candidate(rule, p.start, p.end, p.value, symbol=symbol, service=service or rule.service,
                     field=p.field or field or rule.field)


def _candidates(src: PySource, rule: Rule, symbol: str, value: ast.AST) -> Iterator[Candidate]:
    for p in literal_parts(src, value, symbol):
        if shape_reason(p.value, p.whole) is None:
            yield _cand(rule, p, symbol)


def _env_defaults(ctx: FileContext, src: PySource, rule: Rule) -> Iterator[Candidate]:
    from .env_reads import python_reads

    o = ctx.opts
    extra_s = tuple(getattr(o, "secret_env_names", ()) or ()) if o is not None else ()
    extra_n = tuple(getattr(o, "non_secret_env_names", ()) or ()) if o is not None else ()
    for read in python_reads(src.tree):
        if read.default is None:
            continue
        if not (is_secret_name(read.name, ("*",) if read.forced_secret else extra_s, extra_n)):
            continue
        for p in literal_parts(src, read.default, read.name):
            if shape_reason(p.value, p.whole) is None:
                yield _cand(rule, p, read.name)


# --- not valid Python: textual fallback ------------------------------------------------------------

_FB_NAME = r"""(?P<nq>["']?)(?P<name>[A-Za-z_$][\w.$-]*)(?P=nq)"""
_FB_VALUE = r"""(?P<q>["'`])(?P<secret>(?:(?!(?P=q))[^\n\\]|\\.)*)(?P=q)"""
_FB_PATTERNS = (
    re.compile(rf"{_FB_NAME}\s*(?:===?|!==?|=>|:=|=|:)\s*{_FB_VALUE}"),
    re.compile(rf"{_FB_VALUE}\s*(?:===?|!==?)\s*{_FB_NAME}"),
    re.compile(rf"(?m)^\s*{_FB_NAME}[ \t]+{_FB_VALUE}\s*;?[ \t]*$"),
)


def _text_fallback(ctx: FileContext, rule: Rule) -> Iterator[Candidate]:
    seen: set[int] = set()
    for rx in _FB_PATTERNS:
        for m in rx.finditer(ctx.text):
            name = m.group("name")
            s, e = m.span("secret")
            if s in seen or not name_matches(rule, name):
                continue
            value = m.group("secret")
            if shape_reason(value, True) is None:
                seen.add(s)
                yield _cand(rule, Part(s, e, value, True), name)
