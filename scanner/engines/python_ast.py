"""The python engine: hardcoded credentials in Python, understood with the stdlib ``ast``.

A cheap textual gate (``_candidate_spans``) finds where a candidate can be: a rule keyword inside a
name that some rule's ``name_pattern`` matches, bound to a string literal; a random-looking quoted
token; a call shaped like an env read of a secret-looking name with a default. The cheap checks come
first; a place that survives them is judged by its statement parsed alone (found from the brackets
and strings before it, read forward once per file): when nothing there would be reported, it is no
reason to parse the module. A file with no place left is not parsed; otherwise only the statements
spanning those lines are walked (``PySource.nodes_on``), which on a large module is a small part of
it. Each rule picks one matcher (closed set, ``MATCHERS``):

- ``assignment``: ``NAME = "..."``, annotated, tuple unpack, walrus, class attributes, attribute
  targets (``stripe.api_key = "..."``, ``self.password = "..."``); augmented assignments are not.
- ``keyword-arg``: ``connect(password="...")``.
- ``dict-key``: ``{"password": "..."}`` and ``DATABASES["default"]["PASSWORD"] = "..."``.
- ``default-arg``: ``def f(password="...")``.
- ``comparison``: ``if token == "..."``.
- ``env-default``: the literal default of a secret env read, ``os.getenv("API_KEY", "...")``.
- ``entropy``: a high-entropy literal bound to any name (catches misspelt names).
- ``template``: a URL password or an ``Authorization`` token inside one literal piece of a template
  (f-string, ``%`` format, ``str.format``, ``+`` chain), whatever name it is bound to
  (``_py_templates``).
- ``key-literal``: a private key literal, reported as the whole value it evaluates to.
- ``text-fallback``: the file is not valid Python; assignment-like lines are matched textually.

Names are normalised to lower snake case (``jiraToken`` -> ``jira_token``) before the rule's
``name_pattern`` (and ``options.exclude_name_pattern``) are searched. Only string literals are
candidates: a value computed by a call is not. f-strings and ``+`` concatenations report their
literal parts; a ``+`` chain of literals only reports its joined value. Offsets are characters (ast columns are UTF-8 bytes and are converted).
"""
from __future__ import annotations

import ast
import bisect
import re
from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from secretshift.base.record import dataclass  # not dataclasses: see secretshift/base/record.py
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Iterable, Iterator

from ..envnames import hints, is_secret_name, snake_upper
from ..ruleset import Rule
from . import Candidate, FileContext, env_name_globs, overlaps
from ._py_source import PySource, parse_cached
from ._py_templates import credentials, is_key_text, joined_literal, leftmost, pieces
from ._py_values import Part, high_entropy, literal_parts, shape_reason

NAME = "python"
MATCHERS = ("assignment", "keyword-arg", "dict-key", "default-arg", "comparison", "env-default",
            "entropy", "template", "key-literal", "text-fallback")

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


_COLLECTED = frozenset({ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.Dict, ast.Call, ast.FunctionDef,
                        ast.AsyncFunctionDef, ast.Lambda, ast.Compare})


def collect(nodes: list[ast.AST]) -> list[Target]:
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

    interesting = _COLLECTED
    for node in nodes:  # breadth first: an assignment is seen before its dict value
        if type(node) not in interesting:  # most nodes (names, constants, attributes ...) bind nothing
            continue
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


# --- the engine ------------------------------------------------------------------------------------

_COMPILED: dict[str, re.Pattern[str]] = {}


def _rx(pattern: str) -> re.Pattern[str]:
    p = _COMPILED.get(pattern)
    if p is None:
        from secretshift.base.lazyre import compile_cached

        p = _COMPILED[pattern] = compile_cached(pattern)
    return p


def name_matches(rule: Rule, symbol: str) -> bool:
    """The rule's name_pattern on the lower-snake form of the last part of ``symbol``, without the
    digits it ends in."""
    if rule.name_pattern is None:
        return False
    last = snake_upper(symbol.rsplit(".", 1)[-1]).lower()
    # a numbered name is its name: password1, jwtSecret2 (a second user's, a rotation's next one)
    last = last.rstrip("0123456789").rstrip("_") or last
    if not rule.name_pattern.search(last):
        return False
    excl = rule.options.get("exclude_name_pattern")
    return not (excl and _rx(excl).search(last))


# A literal can only be reported where a secret-looking name meets it: right after the name
# (`name = "..."`, `name="..."`, `"name": "..."`, `name: str = "..."`, `name == "..."`, `name := "..."`,
# `name = x + "..."`) or right before it (`"..." == name`). Parsing costs far more than checking each
# keyword occurrence, so a file is parsed only when one such occurrence exists.
_AFTER_NAME = lazy_re(
    r"""[\w-]*['"]?\]?\s*(?::\s*[\w.\[\], |'"]{1,60})?(?:(?:[=!]==?|:=|=|:|\+=)\s*|[ \t]+)\(?\s*[rbuf]{0,2}['"`]"""
    r"""|[\w-]*['"]?\]?\s*(?::\s*[\w.\[\], |'"]{1,60})?\s*=.*['"][^'"\s]{8,}['"]""")
# the name bound directly (no annotation, on one line) to what starts with a quote
_DIRECT = lazy_re(
    r"""[\w-]*['"]?\]?[ \t]*(?:(?P<op>[=!]==?|:=|=|:)|:[ \t]*[\w.\[\], |'"]{1,60}?[ \t]*(?P<annotated>=)|(?P<space>[ \t]))"""
    r"""[ \t]*(?P<paren>\(?)[ \t]*[rRuU]?(?=['"`])""")
# which matchers can bind the literal after each operator (text-fallback: when the file does not parse)
_BINDERS = {
    "compare": ("comparison", "text-fallback"),
    "bind": ("assignment", "keyword-arg", "dict-key", "default-arg", "text-fallback"),
}
_BEFORE_NAME = lazy_re(r"""['"]\s*[=!]==?\s*[\w.\[\]'"]*\Z""")
_GATE_MATCHERS = ("assignment", "keyword-arg", "dict-key", "default-arg", "comparison", "text-fallback")


_IDENT_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_$-")


def _name_at(text: str, i: int, j: int) -> str:
    """The name around ``text[i:j]`` (a keyword occurrence): the run of identifier characters
    (and dashes, as in dict keys and the text fallback) that holds it: what the engine would
    match the rules' name patterns against."""
    n = len(text)
    while i > 0 and text[i - 1] in _IDENT_CHARS:
        i -= 1
    while j < n and text[j] in _IDENT_CHARS:
        j += 1
    return text[i:j]


def _keyword_hits(ctx: FileContext, keywords: set[str], rules: list[Rule]) -> Iterator[tuple[int, str]]:
    """(offset in ``ctx.lower``, keyword) of each keyword occurrence on the lines where one of
    ``rules`` may match (the multi-pattern pass's lines; everywhere if it cannot say)."""
    lower = ctx.lower
    ends: set[int] = set()
    for r in rules:
        got = ctx.lines(r)
        if got is None or len(lower) != len(ctx.text):  # ALL, or offsets that do not agree
            ends = set()
            break
        ends.update(got)
    else:
        for e in sorted(ends):
            ls = lower.rfind("\n", 0, e) + 1
            line = lower[ls:e]
            for k in keywords:
                if k in line:  # most keywords are not on a given line: `in` is the cheap question
                    i = lower.find(k, ls, e)
                    while i != -1:
                        yield i, k
                        i = lower.find(k, i + 1, e)
        return
    for k in keywords:
        i = lower.find(k)
        while i != -1:
            yield i, k
            i = lower.find(k, i + 1)


# A plain one-line literal whose value is exactly its text: no prefix but r/u, no escape, and
# nothing after it that could extend the value (a `+`, another string, an `if`, a `%` ...).
_PLAIN_LITERAL = lazy_re(r"""(?P<q>['"])(?P<v>[^'"\\\n]*)(?P=q)(?!(?P=q))[ \t]*(?:#[^\n]*)?""")
_ENDS_VALUE = lazy_re(r"""[,;:)\]}]|\Z""")  # `if token == "x":` ends the test
_CONTINUES = lazy_re(  # the next line's first token (a blank line between is not looked across)
    r"""\r?\n[ \t]*(?:['"`#+\-*/%@&|^<>=!.\[(~:]|(?:if|else|and|or|not|in|is|for|async|lambda)\b|[rRbBuUfF]{1,2}['"])""")


_TUPLE_NEXT = lazy_re(r"""[ \t]*,[ \t]*(?:[rRbBuUfF]{0,2}['"]|\\)""")


_BLOCK_OPENER = lazy_re(r"[ \t]*(?:async[ \t]+)?(?:def|class|if|elif|else|for|while|with|try|except|finally|match|case)\b")


def _statement_start(text: str, ls: int) -> bool:
    """Whether the line starting at ``ls`` starts a statement (is not inside brackets), judged from
    the line before it (blank and comment lines skipped): one that ends a value (a name, a number,
    a string, a closing bracket) or opens a block ends with a colon. A line ending with a comma, an
    opening bracket, an operator or a backslash may leave brackets open."""
    while ls > 0:
        ps = text.rfind("\n", 0, ls - 1) + 1
        line = text[ps:ls - 1]
        if "#" in line:
            spans = _quiet(text).upto(ls - 1)
            k = bisect.bisect_left(spans, (ps,))
            while k < len(spans) and spans[k][0] < ls - 1:
                if text[spans[k][0]] == "#":
                    line = text[ps:spans[k][0]]
                    break
                k += 1
        body = line.rstrip()
        if body.strip():
            last = body[-1]
            if last == ":":
                return _BLOCK_OPENER.match(body) is not None
            return last not in ",([{\\+-*/%&|^=<>.@~"
        ls = ps
    return True  # the first line of the file


def _plain_literal_at(text: str, q: int, statement: bool = False) -> str | None:
    """The value of the string literal whose opening quote is at ``q`` when it is a plain literal
    that is the whole value bound there, else None (the parse decides). A literal followed by
    another after a comma may be one of a tuple (`user, password = "u", "p"`). ``statement``: the
    binding begins a statement outside brackets, so the line's end ends the value."""
    if q > 0 and text[q - 1] in "fFbB":
        return None
    m = _PLAIN_LITERAL.match(text, q)
    if m is None:
        return None
    j = m.end()
    if _TUPLE_NEXT.match(text, q + len(m.group("v")) + 2):
        return None
    if _ENDS_VALUE.match(text, j):
        return m.group("v")
    if text.startswith("\n", j) or text.startswith("\r\n", j):  # a line end: what comes next?
        return None if not statement and _CONTINUES.match(text, j) else m.group("v")
    return None


def _never_reported(value: str, rules: list[Rule], placeholders: tuple[str, ...], symbol: str | None) -> bool:
    """Whether none of ``rules`` could report this literal value bound to ``symbol`` (None: to
    whatever name): each rule's shape check (``_candidates``; the text fallback's for that
    matcher) in its most permissive form, then its value filters (``filters.check_value``, as
    ``scan_text`` runs them)."""
    from ..filters import check_value

    for r in rules:
        fallback = r.matcher == "text-fallback"
        strict = not fallback and bool(r.options.get("strict_values"))
        words_ok = fallback or not r.options.get("reject_plain_words")
        if (shape_reason(value, True, symbol, strict, words_ok) is None
                and check_value(Candidate(r, 0, len(value), value, symbol=symbol), r, placeholders) is None):
            return False
    return True


_DEFINES = lazy_re(r"[ \t]*(?:class|(?:async[ \t]+)?def)[ \t]+\w*\Z")
_STATEMENT_WORDS = frozenset({"if", "elif", "while", "and", "or", "not", "assert", "return", "yield", "lambda"})


def _bare_name(text: str, i: int, j: int) -> str | None:
    """The name around ``text[i:j]`` when it is the whole symbol the engine would bind (not the
    last part of ``a.b.name``, ``x["name"]`` or a dict key, whose prefix may change the verdict:
    ``db_password.token`` is password-named, ``token`` is not), else None."""
    n = len(text)
    while i > 0 and text[i - 1] in _IDENT_CHARS:
        i -= 1
    while j < n and text[j] in _IDENT_CHARS:
        j += 1
    k = i
    while k > 0 and text[k - 1] in " \t":
        k -= 1
    w = k
    while w > 0 and text[w - 1].isalpha():  # `if token == "x"`, `assert token == "x"`, `lambda token="x"`
        w -= 1
    if w < k and text[w:k] in _STATEMENT_WORDS:
        k = w
        while k > 0 and text[k - 1] in " \t":
            k -= 1
    if k > 0 and text[k - 1] not in "\n(,;":
        return None
    if j < n and text[j] in "'\"]":
        return None
    name = text[i:j]
    return name if name.isidentifier() else None


def _vetoed(text: str, lower: str, start: int, at: int, rules: list[Rule], placeholders: tuple[str, ...],
            judged: dict[tuple[str, str, str | None], bool]) -> bool:
    """Whether the name whose keyword ends at ``at`` is bound (`name = "..."`, `name="..."`,
    `"name": "..."`, `name: T = "..."`, `name == "..."`) to a plain literal that no rule able to
    bind it there would report, or is followed by a quote after a blank that nothing binds
    (prose: `the token "..."`): then that occurrence is no reason to parse the file."""
    b = _DIRECT.match(lower, at)
    if b is None or b.group("paren"):
        return False  # not the plain form (or a parenthesised value: maybe a tuple)
    if b.group("space"):
        # `name "..."`: no Python binding; only the text fallback's whole-line form takes it
        ls = text.rfind("\n", 0, at) + 1
        return not _FB_PATTERNS[2].match(text, ls)
    symbol = _bare_name(text, start, at)
    ls = text.rfind("\n", 0, start) + 1
    name_start = start
    while name_start > ls and text[name_start - 1] in _IDENT_CHARS:
        name_start -= 1
    statement = (symbol is not None and (b.group("op") in ("=", ":") or b.group("annotated") is not None)
                 and not text[ls:name_start].strip() and _statement_start(text, ls))
    value = _plain_literal_at(text, b.end(), statement)
    if value is None:
        return False
    form = "compare" if b.group("op") in ("==", "!=", "===", "!==") else "bind"
    got = judged.get((form, value, symbol))
    if got is None:
        binders = _BINDERS[form]
        got = judged[(form, value, symbol)] = _never_reported(
            value, [r for r in rules if r.matcher in binders], placeholders, symbol)
    return got


def _line_reports_nothing(ctx: FileContext, ls: int, rules: list[Rule],
                          placeholders: tuple[str, ...]) -> tuple[bool, int]:
    """Whether the statement holding the line that starts at ``ls`` (``_statement_around``) parses
    alone and no rule of ``rules`` reports anything from it, and the end of what was judged (a
    line up to there has the same answer). Each value the statement binds, its templates and key
    literals are judged as ``run`` and the value filters would judge them; a call in it shaped
    like an env read of a secret's name with a default that could be a secret keeps it (whether
    the call is an env read depends on the module's imports). A compound statement's header
    (``elif (...):``, ``def f(...):``) is judged with a ``pass`` body, decorators with a function
    to decorate. A few lines parsed alone cost far less than the module they are in, and give
    the same statement."""
    text = ctx.text
    around = _statement_around(text, ls)
    if around is None:
        return False, ls
    code = text[around[0]:around[1]].lstrip(" \t\f")
    try:
        src = PySource(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        if code.startswith("elif"):
            code = code[2:]
        try:
            src = PySource(code + ("\ndef _(): pass" if code.startswith("@") else "\n pass"))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False, ls
    from ..filters import check_value

    by_matcher: dict[str, list[Rule]] = {}
    for r in rules:
        by_matcher.setdefault(r.matcher or "", []).append(r)
    nodes = src.nodes
    found = list(_bound_literals(src, collect(nodes), by_matcher))
    if "template" in by_matcher or "key-literal" in by_matcher:
        found.extend(_templates_and_keys(src, nodes, by_matcher.get("template", []), by_matcher.get("key-literal", [])))
    if any(check_value(c, c.rule, placeholders) is None for c in found):
        return False, around[1]
    return "env-default" not in by_matcher or not _may_read_env_default(ctx, src, nodes), around[1]


def _may_read_env_default(ctx: FileContext, src: PySource, nodes: list[ast.AST]) -> bool:
    """Whether a call among ``nodes`` may be an env read (``env_reads._call_read``: its first
    argument the variable's name, or none) of a secret's name whose default may be reported."""
    extra_s, extra_n = env_name_globs(ctx)
    for n in nodes:
        if not isinstance(n, ast.Call):
            continue
        name = None
        if n.args:
            name = _py_str(n.args[0])
            if name is None or not is_secret_name(name, extra_s, extra_n):
                continue
        defaults = [*n.args[1:2], *(k.value for k in n.keywords if k.arg in ("default", "value"))]
        if any(shape_reason(p.value, p.whole, name) is None
               for d in defaults for p in literal_parts(src, d, name or "")):
            return True
    return False


def _py_str(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _fallback_reports_nothing(text: str, start: int, rule: Rule | None, placeholders: tuple[str, ...]) -> bool:
    """Whether the text fallback (a module that does not parse) reports nothing for the name
    holding offset ``start``: neither `name = "..."` nor a line `name "..."` is there, or the value
    is one it would not report."""
    if rule is None:
        return True
    ls = text.rfind("\n", 0, start) + 1
    i = start
    while i > ls and (text[i - 1] in _IDENT_CHARS or text[i - 1] in ".$"):
        i -= 1
    starts = (i, i - 1) if i > ls and text[i - 1] in "'\"" else (i,)
    ms = [m for m in (_FB_PATTERNS[0].match(text, a) for a in starts) if m]
    m2 = _FB_PATTERNS[2].match(text, ls)
    if m2 and m2.start("name") <= start < m2.end("name"):
        ms.append(m2)
    return all(_never_reported(m.group("secret"), [rule], placeholders, m.group("name")) for m in ms)


def _name_meets_literal(ctx: FileContext, keywords: set[str], rules: list[Rule], cut: bool = False,
                        ) -> Iterator[tuple[tuple[int, int], int | None]]:
    """Spans from each keyword occurrence bound to a literal to that literal's opening quote (or
    from the line's start to the keyword, for `"..." == name`), when the name holding the keyword
    matches some rule's name pattern (`__author__ = "..."` holds "auth" but is no rule's name)
    and the literal, when it is a plain one, is a value some rule could report (`password="tiger"`
    never is: the file is not parsed for it). ``cut``: the text is a piece of a file (``may_match``'s
    fragment), whose start may lie inside a string: whether a name is in a comment or a docstring
    cannot be told from it, so none is taken to be."""
    lower = ctx.lower
    text = ctx.text if len(ctx.text) == len(lower) else None  # offsets agree (no odd Unicode case)
    names_ok: dict[str, bool] = {}
    judged: dict[tuple[str, str, str | None], bool] = {}
    placeholders = tuple(getattr(ctx.opts, "extra_placeholders", ()) or ())
    fallback = next((r for r in rules if r.matcher == "text-fallback"), None)
    # the cheapest rejecting checks first: whether the name is some rule's (one dict look-up per
    # name), whether the literal is one nothing reports, and last whether the name is in a comment
    # or a docstring (which reads the text up to it)
    for i, k in _keyword_hits(ctx, keywords, rules):
        m = _AFTER_NAME.match(lower, i + len(k))
        ls = lower.rfind("\n", 0, i) + 1
        if m:
            if _DEFINES.match(lower, ls, i):
                continue  # `class SessionToken:` defines a class, it binds no value
            span = (i, m.end())
        elif _BEFORE_NAME.search(lower, ls, i):
            span = (ls, i + len(k))
        else:
            continue
        if text is not None:
            name = _name_at(text, i, i + len(k))
            ok = names_ok.get(name)
            if ok is None:
                ok = names_ok[name] = any(name_matches(r, name) for r in rules)
            if not ok:
                continue
            if m and _vetoed(text, lower, i, i + len(k), rules, placeholders, judged):
                continue
        if not cut and _quiet_at(ctx.text, i):
            continue  # a name in a comment or a docstring binds nothing
        # the statement parsed alone may still show that nothing is bound here (``_candidate_spans``)
        # when the text fallback, for a module that does not parse, would report nothing either
        judge = m is not None and text is not None and _fallback_reports_nothing(text, i, fallback, placeholders)
        yield span, (ls if judge else None)


# a call whose first argument is a quoted name and which has a second argument: the shape of an
# env read with a default (`os.getenv("X", "..")`, `env.str("X", default=..)`, `config("X", default=..)`)
# (the `(` first and the look behind after it: a pattern that starts with a look-behind is tried at
# every offset of the text, one that starts with a character is searched for it, ~15x faster)
_ENV_DEFAULT_CALL = lazy_re(r"""\((?<=[\w)\]]\()\s*[rRuU]?(['"])([A-Za-z_][\w.:-]*)\1\s*,""")  # a call, not a tuple
_ENV_DEFAULT_REACH = 200  # characters after the name in which the default's literal may start
# a URL with credentials on a line that builds a string (a placeholder, a % conversion, a + between
# quotes), or an Authorization scheme joined to more text: where a template may hold a credential.
# Plain URLs (docstrings are full of them) are the regex rules' job and cost no parse here.
_AUTH_JOIN = lazy_re(r"""\s*(?:['"]\s*\+|%s|\{\})""")
_BUILDS_STRING = lazy_re(r"""[{}]|%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sdrfxia]|['"]\s*\+|\+\s*[rbuf]{0,2}['"]""")
_KEY_GATE = lazy_re(r"private key(?: block)?-----")
_ANYWHERE = (-1, -1)


# Comments and triple-quoted strings (docstrings, mostly), found in one pass of the C regex engine:
# a name or a token in them is bound to nothing, so it is no reason to parse the file, and the text
# fallback does not report it either. Single-quoted strings are read over (a `#` or `"""` in them
# is text) but not kept: a dict key is a quoted name.
_QUIET_RX = (
    r"#[^\r\n]*"
    r"|(?P<t>'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*(?:'''|\Z)"
    r'|"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*(?:"""|\Z))'
    r"|'[^'\\\r\n]*(?:\\[\s\S][^'\\\r\n]*)*'?"
    r'|"[^"\\\r\n]*(?:\\[\s\S][^"\\\r\n]*)*"?')
_QUIET = lazy_re(_QUIET_RX)
# the same, and brackets: where a statement that spans lines starts and ends
_BRACKETS = lazy_re(_QUIET_RX + r"|(?P<o>[(\[{])|(?P<c>[)\]}])")


class _Depth:
    """Bracket nesting of one text, read forward only as far as asked: whether an offset is
    inside brackets or a string, and where the statement around it started."""

    __slots__ = ("text", "read_to", "_it", "_next", "_depth", "_stmt", "_zero", "_str_end")

    def __init__(self, text: str, start: int = 0) -> None:
        """``start``: an offset outside brackets and strings where a statement starts."""
        self.text = text
        self.read_to = start  # the last offset asked about: later calls may only ask further on
        self._it = _BRACKETS.finditer(text, start)
        self._next = next(self._it, None)
        self._depth = 0
        self._stmt = start  # start of the line of the last bracket opened outside any bracket
        self._zero = -1  # where the last bracket group outside any bracket closed
        self._str_end = -1  # where the last string spanning lines ended

    def at(self, pos: int) -> int | None:
        """For the tokens that start before ``pos`` (``pos >= read_to``): -1 when ``pos`` is outside
        brackets and strings, the start of the line where the statement holding it starts when it
        is inside brackets, None when it is inside a string that spans lines."""
        self.read_to = pos
        text = self.text
        m = self._next
        while m is not None and m.start() < pos:
            if m.group("o") is not None:
                if self._depth == 0:
                    qs = text.rfind("\n", 0, m.start()) + 1
                    if self._zero < qs and self._str_end < qs and not _continued(text, qs):
                        self._stmt = qs  # else the line goes on from a statement above: keep its start
                self._depth += 1
            elif m.group("c") is not None:
                if self._depth > 0:
                    self._depth -= 1
                    if self._depth == 0:
                        self._zero = m.end()
            elif not text.startswith("#", m.start()) and text.find("\n", m.start(), m.end()) != -1:
                if m.end() > pos:
                    return None
                self._str_end = m.end()
            m = self._next = next(self._it, None)
        return -1 if self._depth == 0 else self._stmt


def _continued(text: str, ls: int) -> bool:
    """Whether the line before the one starting at ``ls`` ends with a backslash (goes on)."""
    return ls > 1 and (text[ls - 2] == "\\" or (text[ls - 2] == "\r" and ls > 2 and text[ls - 3] == "\\"))


_DEPTH_CACHE: list[_Depth] = []


_TOP_LEVEL = ("\ndef ", "\nclass ", "\nasync def ")


def _top_level_before(text: str, ls: int) -> int:
    """The start of the last line before ``ls`` that opens a module-level ``def`` or ``class``
    (0 if none): in valid Python such a line is outside any bracket (the keywords are not
    expressions) and, unless it is in a triple-quoted string or goes on from a line that ends
    with a backslash (an escaped line end in a string), outside any string. Brackets need not
    be read from the start of the module."""
    for _ in range(4):
        p = max(text.rfind(w, 0, ls) for w in _TOP_LEVEL)
        if p == -1:
            return 0
        if not _quiet_at(text, p + 1) and not _continued(text, p + 1):
            return p + 1
        ls = p
    return 0


def _def_before(text: str, ls: int, tries: int = 8) -> int:
    """The start of the last line before ``ls`` that opens a ``def`` or ``class`` at any depth of
    indentation, found among the last ``tries`` places the words occur (else
    ``_top_level_before``): in valid Python such a line is outside any bracket as well, and the
    same checks keep it out of strings. A method's lines are read from its own ``def``, not from
    the class that holds it (test_requests.py: one class of 2,000 lines)."""
    end = ls
    for _ in range(tries):
        p = max(text.rfind("def ", 0, end), text.rfind("class ", 0, end))
        if p == -1:
            break
        q = text.rfind("\n", 0, p) + 1
        head = text[q:p]
        if ((not head or head[-1] in " \t") and head.strip(" \t") in ("", "async")
                and not _quiet_at(text, p) and not _continued(text, q)):
            return q
        end = p
    return _top_level_before(text, ls)


def _statement_around(text: str, ls: int, max_lines: int = 60) -> tuple[int, int] | None:
    """``(start, end)`` of the statement (or statements: a compound one's first lines) holding the
    whole line that starts at ``ls``, from the brackets and strings around it; None when the line
    starts inside a string or the statement does not end within ``max_lines`` lines."""
    d = _DEPTH_CACHE[0] if _DEPTH_CACHE and _DEPTH_CACHE[0].text is text else None
    start = _def_before(text, ls)
    if d is None or d.read_to > ls or d.read_to < start:
        d = _Depth(text, start)
        _DEPTH_CACHE[:] = [d]
    got = d.at(ls)
    if got is None:
        return None
    if got == -1:
        if _continued(text, ls):
            return None  # the line goes on from the one above (a backslash): not worth a look back
        start = ls
    else:
        start = got
    n = len(text)
    e = text.find("\n", ls)
    for _ in range(max_lines):
        if e == -1:
            e = n
        got = d.at(e)
        if got is None:
            return None
        if got == -1 and not _continued(text, e + 1):
            return start, e
        if e == n:
            return None
        e = text.find("\n", e + 1)
    return None


class _Quiet:
    """The comments and triple-quoted string insides of one text, found only as far as asked: most
    files are asked about a few offsets near their start, or none."""

    __slots__ = ("text", "spans", "_it", "_upto")

    def __init__(self, text: str) -> None:
        self.text = text
        self.spans: list[tuple[int, int]] = []  # sorted; every match starting at or before _upto
        self._it = _QUIET.finditer(text)
        self._upto = -1

    def upto(self, i: int) -> list[tuple[int, int]]:
        """``spans``, complete for every comment or string that starts at or before ``i``."""
        if i > self._upto:
            text, out = self.text, self.spans
            for m in self._it:
                s = m.start()
                if m.group("t") is not None:
                    out.append((s + 3, m.end() - 3))
                elif text.startswith("#", s):
                    out.append(m.span())
                if s > i:
                    self._upto = s
                    break
            else:
                self._upto = len(text)
        return self.spans


_QUIET_CACHE: list[_Quiet] = []


def _quiet(text: str) -> _Quiet:
    """The (incremental) quiet spans of ``text``, kept for the last text asked about."""
    if _QUIET_CACHE and _QUIET_CACHE[0].text is text:
        return _QUIET_CACHE[0]
    q = _Quiet(text)
    _QUIET_CACHE[:] = [q]
    return q


def _quiet_spans(text: str) -> list[tuple[int, int]]:
    """Sorted ``(start, end)`` of the comments and of the insides of triple-quoted strings."""
    return _quiet(text).upto(len(text))


def _quiet_at(text: str, i: int) -> bool:
    """Whether offset ``i`` is in a comment or inside a triple-quoted string (the text is read
    up to ``i`` only)."""
    return overlaps(_quiet(text).upto(i), i, i + 1)


def _candidate_spans(ctx: FileContext, rules: list[Rule], cut: bool = False) -> Iterator[tuple[int, int]]:
    """Character spans where a candidate may be, on the lines the multi-pattern pass gave: a rule
    keyword bound to a string literal (assignment, argument, dict entry, comparison), a
    random-looking quoted token (``options.prefilter``), a template or a key literal, or a call
    shaped like an environment read with a default; each one left out when the statement holding
    it, parsed alone, reports nothing (``_line_reports_nothing``). ``_ANYWHERE``: a pydantic
    settings class, whose fields are env reads with their defaults anywhere in its body. ``cut``:
    the text is a piece of a file (see ``_name_meets_literal``)."""
    text = ctx.text
    lower = ctx.lower
    named = [r for r in rules if r.matcher in _GATE_MATCHERS]
    kws = {k for r in named for k in r.keywords}
    placeholders = tuple(getattr(ctx.opts, "extra_placeholders", ()) or ())
    pending: list[tuple[int, tuple[int, int]]] = []  # (line start, span): judged last, in text order
    if kws:
        for span, ls in _name_meets_literal(ctx, kws, named, cut):
            if ls is None:
                yield span
            else:
                pending.append((ls, span))
    judge = len(text) == len(lower)  # offsets agree (no odd Unicode case)
    for span in _other_spans(ctx, rules, cut):
        if span == _ANYWHERE:
            yield span
            return
        if judge:
            pending.append((text.rfind("\n", 0, span[0]) + 1, span))
        else:
            yield span
    # the costliest check last, once per statement, forward through the text (``_Depth``)
    region_end, quiet = -1, False
    for ls, span in sorted(pending):
        if ls > region_end:
            quiet, region_end = _line_reports_nothing(ctx, ls, rules, placeholders)
        if not quiet:
            yield span


def _other_spans(ctx: FileContext, rules: list[Rule], cut: bool = False) -> Iterator[tuple[int, int]]:
    """The spans of ``_candidate_spans`` that are not a name's (``cut``: see ``_name_meets_literal``)."""
    text = ctx.text
    lower = ctx.lower
    templates = [r for r in rules if r.matcher == "template"]
    for r in rules:
        pre = r.options.get("prefilter")
        if pre:
            rx = _rx(pre)
            for lo, hi in ctx.line_windows(r):
                for m in rx.finditer(text, lo, hi):
                    # an entropy rule wants a random-looking token, not just any quoted one, bound
                    # to a name (never one in a comment or a docstring)
                    if r.matcher != "entropy" or (high_entropy(m.group(m.lastindex or 0), r)
                                                  and (cut or not _quiet_at(text, m.start()))):
                        yield m.span()
        elif r.matcher == "template":
            if r is templates[0]:  # one look for all template rules
                yield from _template_spans(ctx, templates)
        elif r.matcher == "key-literal":
            for lo, hi in _windows(ctx, [r]):
                for m in _KEY_GATE.finditer(lower, lo, hi):
                    yield m.span()
        elif r.matcher == "env-default" and ctx.lines(r) != []:
            if "basesettings" in lower:
                yield _ANYWHERE
                return
            extra_s, extra_n = env_name_globs(ctx)
            secret: dict[str, bool] = {}  # a module calls with the same names over and over
            for m in _ENV_DEFAULT_CALL.finditer(text):
                name = m.group(2)
                ok = secret.get(name)
                if ok is None:
                    ok = secret[name] = is_secret_name(name, extra_s, extra_n)
                # only a secret's default is reported, and a call in a docstring is no call
                if ok and (cut or not _quiet_at(text, m.start())):
                    yield m.start(), m.end() + _ENV_DEFAULT_REACH


def _windows(ctx: FileContext, rules: list[Rule]) -> list[tuple[int, int]]:
    """``(start, end)`` of the lines where one of ``rules`` may match (``FileContext.line_windows``,
    merged), in offsets that hold for both ``ctx.text`` and ``ctx.lower``; the whole text when the
    pass cannot say or the two do not agree (an odd Unicode case)."""
    n = len(ctx.text)
    if len(ctx.lower) != n:
        return [(0, n)]
    ends: set[int] = set()
    for r in rules:
        got = ctx.lines(r)
        if got is None:
            return [(0, n)]
        ends.update(got)
    t = ctx.text
    return [(max(t.rfind("\n", 0, e), 0), e) for e in sorted(ends)]


def _template_spans(ctx: FileContext, rules: list[Rule]) -> Iterator[tuple[int, int]]:
    """Lines where a template may hold a credential, among the lines where the pass found the
    template rules' words (found with str.find: a regex with a leading alternation would try every
    position)."""
    text, lower = ctx.text, ctx.lower
    n = len(text)
    for lo, hi in _windows(ctx, rules):
        i = text.find("://", lo, hi)
        while i != -1:
            le = text.find("\n", i)
            le = n if le < 0 else le
            if text.find("@", i, le) != -1 and _BUILDS_STRING.search(text, text.rfind("\n", 0, i) + 1, le):
                yield i, i + 3
            i = text.find("://", le, hi)
        for word in ("bearer", "basic"):
            j = lower.find(word, lo, hi)
            while j != -1:
                if _AUTH_JOIN.match(lower, j + len(word)):
                    yield j, j + len(word)
                j = lower.find(word, j + 1, hi)


def _gate(ctx: FileContext, rules: list[Rule]) -> list[int] | None:
    """The lines (sorted, 1-based) where a candidate may be: ``[]`` for none, ``None`` for any."""
    lines: set[int] = set()
    for span in _candidate_spans(ctx, rules):
        if span == _ANYWHERE:
            return None
        lines.add(ctx.position(span[0])[0])
    return sorted(lines)


def may_match(ctx: FileContext, rules: list[Rule], touching: list[tuple[int, int]] | None = None) -> bool:
    """The pre-parse gate alone: False means ``run`` finds nothing in ``ctx``; with ``touching``
    (history scans, see ``scanner.delta``), nothing that reaches into one of those spans. Such a
    text is a fragment cut from a file, which may start inside a docstring: there no name is taken
    for one in a comment or a docstring (a fragment of django-cms' tests whose first line was in a
    docstring hid a new `password='...'` argument)."""
    rules = [r for r in rules if r.matcher in MATCHERS]
    if not rules:
        return False
    for span in _candidate_spans(ctx, rules, cut=touching is not None):
        if touching is None or span == _ANYWHERE or overlaps(touching, *span):
            return True
    return False


def run(ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]:
    rules = [r for r in rules if r.matcher in MATCHERS]
    if not rules:
        return []
    lines = _gate(ctx, rules)
    if lines == []:
        return []
    src = parse_cached(ctx)
    if src is None:
        fb = [r for r in rules if r.matcher == "text-fallback"]
        return list(_text_fallback(ctx, fb[0])) if fb else []
    out: list[Candidate] = []
    by_matcher: dict[str, list[Rule]] = {}
    for r in rules:
        by_matcher.setdefault(r.matcher or "", []).append(r)
    nodes = src.nodes_on(lines)  # only the statements on the gate's lines: a candidate is nowhere else
    out.extend(_bound_literals(src, collect(nodes), by_matcher))
    templates = by_matcher.get("template", []) if any(
        _candidate_spans(ctx, by_matcher.get("template", []))) else []
    keys = by_matcher.get("key-literal", [])
    if keys and not any(_KEY_GATE.search(ctx.lower, lo, hi) for lo, hi in _windows(ctx, keys)):
        keys = []
    if templates or keys:
        out.extend(_templates_and_keys(src, nodes, templates, keys))
    if "env-default" in by_matcher and ctx.lines(by_matcher["env-default"][0]) != []:
        out.extend(_env_defaults(ctx, src, by_matcher["env-default"][0], nodes if lines is not None else None))
    if out:
        out.extend(_repeats(src, out))
    return out


def _bound_literals(src: PySource, targets: list[Target], by_matcher: dict[str, list[Rule]]) -> Iterator[Candidate]:
    """The candidates of the name-based rules and of the entropy rules among ``targets``."""
    for t in targets:
        for rule in by_matcher.get(t.matcher, ()):
            if name_matches(rule, t.symbol):
                yield from _candidates(src, rule, t.symbol, t.value)
        for rule in by_matcher.get("entropy", ()):
            if t.matcher in ("assignment", "dict-key", "keyword-arg") and not _excluded(rule, t.symbol):
                for p in literal_parts(src, t.value, t.symbol):
                    if p.whole and high_entropy(p.value, rule):
                        yield _cand(rule, p, t.symbol)


def _repeats(src: PySource, found: list[Candidate]) -> Iterator[Candidate]:
    """The same value in another string literal of the file (``AUTH_HEADER = f"Bearer <token>"``
    beside ``API_TOKEN = "<token>"``): the same credential, wherever it is bound. Reported with the
    rule that found it first (so with the same fingerprint). Comments are not literals."""
    text = src.text
    spans = sorted((c.start, c.end) for c in found)
    extra: list[tuple[int, Candidate]] = []
    for c in found:
        if c.value is None or len(c.value) < 12 or any(ch.isspace() for ch in c.value):
            continue
        i = text.find(c.value)
        while i != -1:
            if not overlaps(spans, i, i + len(c.value)):
                extra.append((i, c))
            i = text.find(c.value, i + 1)
    if not extra:
        return
    strings = sorted(src.inner_span(n) for n in src.nodes
                     if isinstance(n, ast.JoinedStr) or (isinstance(n, ast.Constant) and isinstance(n.value, (str, bytes))))
    seen: set[int] = set()
    for i, c in sorted(extra, key=lambda x: x[0]):
        end = i + len(c.value)
        if i in seen or not any(s <= i and end <= e for s, e in strings):
            continue
        seen.add(i)
        yield Candidate(c.rule, i, end, c.value, symbol=c.symbol, service=c.service, field=c.field)


def _templates_and_keys(src: PySource, nodes: list[ast.AST], templates: list[Rule],
                        keys: list[Rule]) -> Iterator[Candidate]:
    """Credentials inside templates (``_py_templates.credentials``; the rule whose ``field`` is the
    credential's: a URL's ``password`` or a scheme's ``token``) and private key literals."""
    by_field = {r.field: r for r in templates}
    key = keys[0] if keys else None
    seen: set[tuple[int, int]] = set()
    fparts: set[int] = set()  # literal parts of f-strings: not literals of their own
    inner: set[int] = set()  # left operands of a + chain: the chain is read once, from its top
    for node in nodes:
        if isinstance(node, ast.JoinedStr):
            fparts.update(id(v) for v in node.values)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            inner.add(id(node.left))
    for node in nodes:
        if id(node) in inner:
            continue
        if by_field and isinstance(node, (ast.JoinedStr, ast.BinOp, ast.Call)):
            parts = pieces(node)
            for f in credentials(src, parts) if parts else ():
                rule = by_field.get(f.field)
                if rule is not None and (f.start, f.end) not in seen:
                    seen.add((f.start, f.end))
                    yield Candidate(rule, f.start, f.end, f.value, service=f.service or rule.service, field=f.field)
        if key is None:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)) and id(node) not in fparts:
            value = node.value.decode("utf-8", "replace") if isinstance(node.value, bytes) else node.value
            span = src.inner_span(node)
        elif isinstance(node, ast.BinOp) and (value := joined_literal(node)) is not None:  # type: ignore[assignment]
            span = (src.inner_span(leftmost(node))[0], src.inner_span(node.right)[1])
        else:
            continue
        if "PRIVATE KEY" in value and is_key_text(value) and span not in seen:
            seen.add(span)
            yield Candidate(key, span[0], span[1], value, field=key.field)


def _excluded(rule: Rule, symbol: str) -> bool:
    """Any part of the dotted symbol may exclude it (``BUNDLE_SHA256["pip.whl"]``)."""
    excl = rule.options.get("exclude_name_pattern")
    return bool(excl and any(_rx(excl).search(snake_upper(p).lower()) for p in symbol.split(".") if p))


def _cand(rule: Rule, p: Part, symbol: str) -> Candidate:
    service, field = hints(symbol)
    return Candidate(rule, p.start, p.end, p.value, symbol=symbol, service=service or rule.service,
                     field=p.field or field or rule.field)


def _candidates(src: PySource, rule: Rule, symbol: str, value: ast.AST) -> Iterator[Candidate]:
    strict = bool(rule.options.get("strict_values"))
    words_ok = not rule.options.get("reject_plain_words")
    for p in literal_parts(src, value, symbol):
        if shape_reason(p.value, p.whole, symbol, strict, words_ok) is None:
            yield _cand(rule, p, symbol)


def _env_defaults(ctx: FileContext, src: PySource, rule: Rule, nodes: list[ast.AST] | None) -> Iterator[Candidate]:
    """Literal defaults of secret env reads among ``nodes`` (None: the whole module), names resolved
    through the imports and aliases of the whole module."""
    from .env_reads import cached_reads, python_reads

    extra_s, extra_n = env_name_globs(ctx)
    reads = cached_reads(src) if nodes is None or "env_reads" in src.cache else python_reads(nodes, src.statements)
    for read in reads:
        if read.default is None:
            continue
        if not (is_secret_name(read.name, ("*",) if read.forced_secret else extra_s, extra_n)):
            continue
        for p in literal_parts(src, read.default, read.name):
            if shape_reason(p.value, p.whole, read.name) is None:
                yield _cand(rule, p, read.name)


# --- not valid Python: textual fallback ------------------------------------------------------------

_FB_NAME = r"""(?P<nq>["']?)(?P<name>[A-Za-z_$][\w.$-]*)(?P=nq)"""
_FB_VALUE = r"""(?P<q>["'`])(?P<secret>(?:(?!(?P=q))[^\n\\]|\\.)*)(?P=q)"""
_FB_PATTERNS = (
    lazy_re(rf"{_FB_NAME}\s*(?:===?|!==?|=>|:=|=|:)\s*{_FB_VALUE}"),
    lazy_re(rf"{_FB_VALUE}\s*(?:===?|!==?)\s*{_FB_NAME}"),
    lazy_re(rf"(?m)^\s*{_FB_NAME}[ \t]+{_FB_VALUE}\s*;?[ \t]*$"),
)


def _text_fallback(ctx: FileContext, rule: Rule) -> Iterator[Candidate]:
    seen: set[int] = set()
    for rx in _FB_PATTERNS:
        for m in rx.finditer(ctx.text):
            name = m.group("name")
            s, e = m.span("secret")
            if s in seen or not name_matches(rule, name) or _quiet_at(ctx.text, m.start("name")):
                continue
            value = m.group("secret")
            if shape_reason(value, True, name) is None:
                seen.add(s)
                yield _cand(rule, Part(s, e, value, True), name)
