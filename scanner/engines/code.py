"""The code engine: hardcoded credentials in JavaScript, TypeScript/TSX, Go, Java, C#, Kotlin, Ruby,
PHP, C, C++, Rust and shell, understood through tree-sitter (``scanner/treesitter.py``).

Like the Python engine it reports a string literal (or a concatenation of literals, or a literal
passed through a value-preserving conversion such as ``[]byte("...")``) bound to a secret-looking
name; an identifier, a call, a member access or a template with interpolation is never a hardcoded
credential. Each rule picks one matcher (``MATCHERS``):

- ``assignment``: declarations, constants, assignments to names and members, field and property
  initialisers, ``#define``, shell variables.
- ``dict-key``: object/map/hash/array entries, struct literal fields, subscript assignments
  (``$CONF['db_password'] = '...'``).
- ``keyword-arg``: named arguments (C#, Kotlin, PHP 8, Ruby keyword arguments).
- ``default-arg``: parameter defaults.
- ``comparison``: ``token == "..."``, ``password.equals("...")``, ``strcmp(pass, "...")``.
- ``call-arg``: a literal a call binds to a name: ``setPassword("...")``, ``define('DB_PASSWORD', '...')``,
  ``os.Setenv("API_TOKEN", "...")``, ``props.setProperty("db.password", "...")``.
- ``markup``: JSX attributes named like a secret (``data-api-key="..."``), the value of an
  ``<input type="password">``, and an element named like one holding only text.
- ``command-flag``: shell command options ``--password=...`` / ``--secret-key ...``.
- ``key-bytes``: byte arrays bound to key-like names (``static const uint8_t aes_key[] = {0x..}``).

Names are matched like the Python engine's (``python_ast.name_matches``: the lower snake form of the
symbol's last part against the rule's ``name_pattern`` and ``options.exclude_name_pattern``); values
are judged by the Python engine's shape checks and then by ``scanner.filters`` like every engine's.

A cheap textual gate comes first: a file is parsed only where a rule keyword inside a matching name
meets a string literal (or, for key bytes, a list of numbers); only the nodes on those lines are
walked. Files the parser cannot serve go back to the generic regex rules (``scan.py`` runs the
rules marked ``options.fallback`` over ``ctx.unparsed``): a missing grammar (one warning naming the
language), a huge or minified file, or one with syntax errors on more than ``ERROR_SHARE`` of its
lines (one warning). Smaller error regions, comments on the gated lines and PHP's inline HTML go to
the generic rules as spans, silently.
"""
from __future__ import annotations

import os
import re
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from ._code_tree import Node
    from typing import Iterable, Iterator

from secretshift.base.lazyre import compile_cached, lazy_re  # module-level regexes compile on first use
from ..envnames import hints, snake_upper
from ..ruleset import Rule
from . import Candidate, FileContext, overlaps
from ._code_bind import ASSIGNMENT, CALL, DICT, FLAG, MARKUP, Binding, bindings
from ._code_tree import WRAPPING, CodeSource, Lit, error_spans, named, walk_rows
from ._py_values import shape_reason
from .python_ast import _name_at, name_matches

NAME = "code"
MATCHERS = ("assignment", "dict-key", "keyword-arg", "default-arg", "comparison", "call-arg", "markup",
            "command-flag", "key-bytes")

# grammar (scanner/treesitter.py) by file extension: sources.language_of calls .ts "javascript"
GRAMMAR_BY_EXT = {
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".go": "go", ".java": "java", ".cs": "csharp", ".kt": "kotlin", ".kts": "kotlin",
    ".rb": "ruby", ".rake": "ruby", ".gemspec": "ruby", ".ru": "ruby", ".php": "php",
    ".c": "c", ".h": "cpp", ".cpp": "cpp", ".cc": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".rs": "rust", ".sh": "shell", ".bash": "shell", ".zsh": "shell", ".ksh": "shell",
}
GRAMMAR_BY_NAME = {"rakefile": "ruby", "gemfile": "ruby", "vagrantfile": "ruby", "podfile": "ruby",
                   "fastfile": "ruby", "guardfile": "ruby"}
# what `secretshift explain` prints for the code rules
LANGUAGES = ("JavaScript (.js .mjs .cjs .jsx)", "TypeScript (.ts .mts .cts)", "TSX (.tsx)", "Go", "Java", "C#",
             "Kotlin (.kt .kts)", "Ruby (.rb .rake .gemspec, Rakefile, Gemfile)", "PHP", "C (.c)",
             "C++ (.cpp .cc .cxx .h .hpp .hh)", "Rust", "shell (.sh .bash .zsh .ksh)")

MAX_PARSE_CHARS = 1_000_000  # larger files go to the generic rules
MINIFIED_LINE = 5_000  # a file with a line this long and lines averaging over 300 characters is minified
ERROR_SHARE = 0.10  # syntax errors on more of the lines than this: the whole file goes to the generic rules
COMMENT_TYPES = frozenset({"comment", "line_comment", "block_comment", "multiline_comment", "heredoc_body"})

# per process: files parsed, gated out, sent back to the generic rules (bench/code_engine.py prints them)
STATS: dict[str, dict[str, int]] = {}
_WARNED_MISSING: set[str] = set()


# a script without an extension, by the language its shebang names (sources.language_of_text)
GRAMMAR_BY_LANGUAGE = {"shell": "shell", "javascript": "javascript", "ruby": "ruby", "php": "php"}


def grammar_for(rel: str, language: str | None = None) -> str | None:
    """The tree-sitter grammar that reads ``rel``, or None (no import of tree-sitter here);
    ``language`` (the file's, from its content) serves a file whose name says nothing."""
    from ..sources import copied_name

    name = copied_name(rel.rsplit("/", 1)[-1].lower())
    got = GRAMMAR_BY_NAME.get(name)
    if got is None:
        ext = os.path.splitext(name)[1]
        got = GRAMMAR_BY_EXT.get(ext)
        if got is None and not ext and language:
            got = GRAMMAR_BY_LANGUAGE.get(language)
    return got


def _stat(lang: str, key: str) -> None:
    d = STATS.setdefault(lang, {})
    d[key] = d.get(key, 0) + 1


# --- the gate -------------------------------------------------------------------------------------

# After a name, up to its literal (searched in the lower-cased text): the name's closing quote and
# bracket (`$CONF[ 'db_password' ]`), array sizes (`secret[32]`), a C# `{ get; set; }`, a type
# (`: string`, Go's ` string`, Rust's `: &str`), an operator (`=`, `==`, `:=`, `:`, `=>`, `,` of a
# call pair, `.equals(`, or a space for `#define NAME "..."`), a conversion (`[]byte(`,
# `String::from(`) or a fallback (`process.env.X || `, `?? `, `?: `) and a string prefix (`@"`, `r#"`,
# `b'`); or a list of numbers (key bytes).
# The pattern is written so that a failing match (nearly every keyword occurrence) fails fast;
# each device keeps the matches and their order (checked on every keyword occurrence of 13 trees):
# - the name's own rest and each run of blanks are never given back (``(?=(?P<x>...))(?P=x)``, an
#   atomic group in the re of Python 3.10): a match that gave back part of the name would start the
#   type with it (the type can start after the rest, same end); one that gave back blanks before an
#   operator would need the operator to start with a blank (none does), and after the operator
#   only the fallback can start in blanks, reaching no further than from their end;
# - a blank as the operator (`#define NAME "..."`, `x ?: "..."`) is tried once, from the start of
#   the blanks: wherever it is taken in them, what follows starts at their end;
# - the type and the fallback are tried only when a `=` (the type's end), or a `|` or `?` (the
#   fallback's `||`, `??`, `?:`), is ahead on the line.
# Before this a failing match re-tried every later part once per character of the name and per
# split of a run of spaces (milliseconds for one occurrence in an aligned PHP array).
_BLANKS = r"""(?=(?P<sp>[ \t]*))(?P=sp)"""
_SPACE_RUN = r"""(?=(?P<ws>\s*))(?P=ws)"""
_NAME_TAIL = (r"""(?=(?P<rest>[\w$-]*))(?P=rest)['"`]?(?:[ \t]*\])?(?:[ \t]*\[[^\]\n]{0,16}\])*(?:[ \t]*\{[ \t]*get;[^}\n]{0,40}\})?"""
              r"""(?:(?=[^=\n]*=)[ \t]*:?[ \t]*[\w.\[\]<>?&*'|, ]{1,60}?(?=[ \t]*=))?""")
# a value-preserving conversion of the literal (_code_tree's list): `[]byte(`, `String::from(`
_CONVERSION = (r"""(?:(?:new[ \t]+)?(?:\w+(?:\.|::))*(?:"""
               + "|".join(re.escape(w) for w in sorted(WRAPPING, key=len, reverse=True)) + r""")[ \t]*\([ \t]*)?""")
_AFTER = (_NAME_TAIL + r"""(?:""" + _BLANKS + r"""(?:={1,3}|!==?|:=|:|=>|<-|,|\{|(?P<call>\()|\.[ \t]*equals\w*[ \t]*\()|\s)"""
          + _SPACE_RUN + r"""(?:(?=[^;\n|?]*[|?])[^;\n]{0,120}?(?:\|\||\?\?|\?:)[ \t]*)?""" + _CONVERSION
          + r"""(?:[@$]{1,2}|[rbulf8]{1,2}#*)?['"`]""")
# shell: bare words are literals too (`PASSWORD=abc`, `--secret_key=abc`, `--token abc`), and so is
# the default of a parameter expansion (`${DB_PASSWORD:-abc}`)
_SHELL_BARE = r"""[\w$-]*(?:=|[ \t]+|:?[-=])[^\s$'"`(;|&<>#-]"""
# key bytes: `= {0x..`, `= new byte[] { 1, ..`, `:= []byte{0x..`, `= [0x..`, `byteArrayOf(0x..`
_BYTES_AFTER = (_NAME_TAIL + _BLANKS + r"""(?:=|:=|:)""" + _SPACE_RUN + r"""(?:new[ \t]+\w+[ \t]*\[[ \t]*\][ \t]*|\[\]\w+[ \t]*"""
                r"""|[\w.:]{0,30}\(?)?[\[{(][ \t]*(?:\(\w+\)[ \t]*)?(?:0x|\d)""")
# (`{`: a Ruby DSL's attribute block, factory_bot's `password { "..." }`)
# a literal before the name: `"..." == password`, `"...".equals(password)` (searched back to the line start)
_BEFORE = lazy_re(r"""['"]\s*(?:[=!]==?|\.\s*equals\w*\s*\()\s*[\w.\[\]'"$>-]{0,40}\Z""")
# a call's name binds its argument only as a setter (`setPassword(`, `withApiKey(`) or as the bare
# secret word (`.password(`): `requireSecret("name")`, `getPassword(user)` take names, not values
_SETTER_NAME = lazy_re(r"^(?:set|with|put|add)[_A-Z]|^[a-z]+$")
_TAILS = {"code": compile_cached(_AFTER), "shell": compile_cached(f"(?:{_AFTER}|{_SHELL_BARE})"),
          "bytes": compile_cached(_BYTES_AFTER)}


class _Prepared:
    """What the gate needs of a rule list, worked out once per list (the scan plan keeps its lists)."""

    def __init__(self, rules: list[Rule]) -> None:
        self.source = rules
        self.rules = [r for r in rules if r.matcher in MATCHERS]
        self.strings = [r for r in self.rules if r.matcher != "key-bytes"]
        self.keys = [r for r in self.rules if r.matcher == "key-bytes"]
        self.string_kws = _minimal(k for r in self.strings for k in r.keywords)
        self.key_kws = _minimal(k for r in self.keys for k in r.keywords)
        # per name: (some rule of the list matches it, it reads as a setter): names repeat across
        # files (`password`, `token`, `dbPassword`), and the answer depends on the rules alone
        self.names: dict[tuple[str, bool], tuple[bool, bool]] = {}


def _minimal(kws: Iterable[str]) -> tuple[str, ...]:
    """Keywords without those that hold another (`passw` holds `pass`): every occurrence of the
    longer one is an occurrence of the shorter, and the name around it is the same."""
    ks = set(kws)
    return tuple(sorted(k for k in ks if not any(o != k and o in k for o in ks)))


_PREPARED: dict[int, _Prepared] = {}


def _prepared(rules: list[Rule]) -> _Prepared:
    got = _PREPARED.get(id(rules))
    if got is None or got.source is not rules:
        if len(_PREPARED) > 256:
            _PREPARED.clear()
        got = _PREPARED[id(rules)] = _Prepared(rules)
    return got


def _gate_spans(ctx: FileContext, prep: _Prepared) -> Iterator[tuple[int, int]]:
    """Spans where a keyword inside a name some rule matches meets a literal (``may_match``, ``run``)."""
    form = "shell" if grammar_for(ctx.path, ctx.language) == "shell" else "code"
    yield from _gate_of(ctx, prep, False, form)
    if prep.keys and ("0x" in ctx.lower or "{" in ctx.text):
        yield from _gate_of(ctx, prep, True, "bytes")


def _gate_of(ctx: FileContext, prep: _Prepared, keys: bool, form: str) -> Iterator[tuple[int, int]]:
    """Each keyword occurrence (str.find: far faster than one pattern of every keyword) whose name
    some rule matches, followed by what leads to a literal, or preceded by a literal and `==`.
    The name is judged first (once per distinct name): a name no rule matches needs no pattern."""
    lower, text = ctx.lower, ctx.text
    rules, kws = (prep.keys, prep.key_kws) if keys else (prep.strings, prep.string_kws)
    tail = _TAILS[form]
    has_call = "call" in tail.groupindex
    before = form != "bytes"
    same = len(text) == len(lower)  # offsets agree (no odd Unicode case mapping)
    names = prep.names
    if len(names) > 65536:
        names.clear()
    setter = True
    for i, j in _occurrences(ctx, rules, kws, same):
        if same:
            name = _name_at(text, i, j)
            got = names.get((name, keys))
            if got is None:
                ok = any(name_matches(r, name) for r in rules)
                got = names[(name, keys)] = (ok, ok and _SETTER_NAME.match(name.lstrip("$@")) is not None)
            if not got[0]:
                continue
            setter = got[1]
        m = tail.match(lower, j)
        if m is not None:
            if not (has_call and same and not setter and m.group("call") is not None):
                yield i, m.end()
        elif before:
            ls = lower.rfind("\n", 0, i) + 1
            # `"..." == name`: the pattern needs a `=` or an `equals` before the name on its line
            if (lower.find("=", ls, i) != -1 or lower.find("equals", ls, i) != -1) and _BEFORE.search(lower, ls, i):
                yield ls, j


_CHARS_PER_LINE_FIND = 200


def _occurrences(ctx: FileContext, rules: list[Rule], kws: tuple[str, ...], same: bool) -> Iterator[tuple[int, int]]:
    """(start, end) in ``ctx.lower`` of each occurrence of each keyword (those of one keyword not
    overlapping, as successive str.find give them). Only the lines the multi-pattern pass gave the
    rules need be read (every line holding a rule's keyword is one of them): in a long file with
    few such lines, a str.find per keyword over the whole file costs more than one per keyword and
    line (most keywords are absent, and an absent one costs a full scan)."""
    lower = ctx.lower
    ends: set[int] | None = set()
    if same:
        for r in rules:
            got = ctx.lines(r)
            if got is None:  # ALL
                ends = None
                break
            ends.update(got)  # type: ignore[union-attr]
    else:
        ends = None  # line ends are offsets in the text, not in its lower-cased form
    # both ways give the same occurrences; a find per keyword and line pays where the file has
    # more than ~200 characters per line the pass gave (a find over them costs about that much)
    if ends is None or len(ends) * _CHARS_PER_LINE_FIND > len(lower):
        for k in kws:
            i = lower.find(k)
            while i != -1:
                j = i + len(k)
                yield i, j
                i = lower.find(k, j)
        return
    for e in sorted(ends):
        ls = lower.rfind("\n", 0, e) + 1
        for k in kws:
            i = lower.find(k, ls, e)
            while i != -1:
                j = i + len(k)
                yield i, j
                i = lower.find(k, j, e)


def may_match(ctx: FileContext, rules: list[Rule], touching: list[tuple[int, int]] | None = None) -> bool:
    """The pre-parse gate alone: False means ``run`` finds nothing in ``ctx`` (with ``touching``:
    nothing that reaches into one of those spans)."""
    prep = _prepared(rules)
    for span in _gate_spans(ctx, prep) if prep.rules else ():
        if touching is None or overlaps(touching, *span):
            return True
    return False


# --- the engine -----------------------------------------------------------------------------------

def run(ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]:
    """Candidates in ``ctx``; sets ``ctx.unparsed`` when the file was parsed: ``[]`` when the parser
    read all of it, else the spans it could not read. Left None when the gate kept the file from
    the parser (then ``settle`` decides, if the fallback rules find something)."""
    prep = _prepared(rules)
    rules = prep.rules
    lang = grammar_for(ctx.path, ctx.language)
    if not rules or lang is None:
        return []
    rows = sorted({ctx.position(s)[0] - 1 for s, _ in _gate_spans(ctx, prep)})
    if not rows:
        _stat(lang, "gated out")
        return []
    got = _read(ctx, lang)
    if got is None:
        return []
    src, errs, unparsed = got
    nodes = list(_nodes(src, rows, errs, unparsed))
    out = list(_candidates(src, rules, bindings(src, iter(nodes))))
    if lang == "shell":
        out.extend(_nested_scripts(ctx, src, nodes, rules))
    ctx.unparsed = sorted(unparsed)
    return out


_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ash", "ksh"})


def _nested_scripts(ctx: FileContext, src: CodeSource, nodes: list[Node], rules: list[Rule]) -> Iterator[Candidate]:
    """The script of ``sh -c '...'`` (also after ``docker exec x``), parsed as shell in place: a
    single-quoted script (or a double-quoted one without escapes) keeps its offsets."""
    from .. import treesitter

    for n in nodes:
        if n.type != "command":
            continue
        args = n.children_by_field_name("argument")
        for a, b in zip(args, args[1:]):
            if src.node_text(a) != "-c" or b.type not in ("raw_string", "string"):
                continue
            before = [src.node_text(x).rsplit("/", 1)[-1] for x in args[:args.index(a)]]
            name = n.child_by_field_name("name")
            if not (_SHELLS & {*before, src.node_text(name).rsplit("/", 1)[-1] if name else ""}):
                continue
            raw = src.node_text(b)[1:-1]
            if b.type == "string" and ("\\" in raw or "$" in raw):
                continue
            parser = treesitter.parser_for("shell")
            if parser is None:
                continue
            inner = CodeSource.parse(raw, "shell", parser, base=src.char(b.start_byte) + 1)
            if inner.tree.root_node.has_error:
                continue
            yield from _candidates(inner, rules, bindings(inner, walk_rows(inner.tree.root_node, None)))


def settle(ctx: FileContext, offsets: list[int]) -> None:
    """For a file the gate kept from the parser, on which the fallback rules found candidates at
    ``offsets``: parse it now and set ``ctx.unparsed`` to what the parser cannot read there (error
    lines, and the comments or inline HTML holding one of ``offsets``). A file that parses leaves the
    generic rules nothing but its comments: its code has no literal bound to a secret name."""
    lang = grammar_for(ctx.path, ctx.language)
    if lang is None:
        ctx.unparsed = [(0, len(ctx.text))]
        return
    got = _read(ctx, lang, settling=True)
    if got is None:
        return
    src, _, unparsed = got
    root = src.tree.root_node
    for off in offsets:
        b = off if src.ascii else len(ctx.text[:off].encode("utf-8", "surrogatepass"))
        n = root.descendant_for_byte_range(b, b + 1)
        while n is not None:
            if n.type in COMMENT_TYPES or (n.type == "text" and lang == "php"):
                unparsed.append((src.char(n.start_byte), src.char(n.end_byte)))
                break
            n = n.parent
    ctx.unparsed = sorted(unparsed)


def _read(ctx: FileContext, lang: str, settling: bool = False
          ) -> tuple[CodeSource, list[tuple[int, int]], list[tuple[int, int]]] | None:
    """(source, error byte spans, unparsed character spans) or None when the whole file goes to the
    generic rules (``ctx.unparsed`` then covers it, with one warning)."""
    text = ctx.text
    why = _not_parsable(text)
    if why:
        return _give_up(ctx, lang, f"not parsed ({why}); checked with the generic rules instead")
    from .. import treesitter

    parser = treesitter.parser_for(lang)
    if parser is None:
        if lang not in _WARNED_MISSING:  # once per language and process, not once per file
            _WARNED_MISSING.add(lang)
            ctx.warn(f"{treesitter.missing_reason(lang)}; {lang} files are checked with the generic rules")
        return _give_up(ctx, lang, "", warn=False, key="no grammar")
    src = CodeSource.parse(text, lang, parser)
    root = src.tree.root_node
    errs: list[tuple[int, int]] = []
    if root.has_error:
        errs = _whole_lines(src, error_spans(root))
        lines = sum(e_row - s_row + 1 for s_row, e_row in _rows_of(src, errs))
        total = text.count("\n") + 1
        if root.is_error or lines > ERROR_SHARE * total or len(errs) >= 200:
            return _give_up(ctx, lang, f"could not parse as {lang} (syntax errors on {min(lines, total)} of "
                                       f"{total} lines); checked with the generic rules instead")
    _stat(lang, "parsed late" if settling else "parsed")
    return src, errs, [(src.char(s), src.char(e)) for s, e in errs]


def _not_parsable(text: str) -> str | None:
    if len(text) > MAX_PARSE_CHARS:
        return f"{len(text)} characters, over the parser's {MAX_PARSE_CHARS} limit"
    if len(text) > 20_000:
        lines = text.count("\n") + 1
        if len(text) / lines > 300 and any(len(line) > MINIFIED_LINE for line in text.split("\n", 50)[:50]):
            return "minified"
    return None


def _give_up(ctx: FileContext, lang: str, msg: str, warn: bool = True, key: str = "fallback") -> None:
    if warn:
        ctx.warn(msg)
    ctx.unparsed = [(0, len(ctx.text))]
    _stat(lang, key)
    return None


def _whole_lines(src: CodeSource, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Byte spans widened to whole lines, merged: an error's line is read by the generic rules."""
    data = src.data
    out: list[tuple[int, int]] = []
    for s, e in spans:
        s = data.rfind(b"\n", 0, s) + 1
        nl = data.find(b"\n", max(s, e - 1))
        e = len(data) if nl < 0 else nl
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _rows_of(src: CodeSource, spans: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    data = src.data
    for s, e in spans:
        yield data.count(b"\n", 0, s), data.count(b"\n", 0, e)


def _nodes(src: CodeSource, rows: list[int], errs: list[tuple[int, int]],
           unparsed: list[tuple[int, int]]) -> Iterator[Node]:
    """The nodes on the gated rows, outside error regions; comments and PHP's inline HTML on those
    rows are noted in ``unparsed`` (the generic rules read them)."""
    for n in walk_rows(src.tree.root_node, rows):
        t = n.type
        if t in COMMENT_TYPES or (t == "text" and src.language == "php"):
            unparsed.append((src.char(n.start_byte), src.char(n.end_byte)))
            continue
        if errs and (n.is_error or any(s <= n.start_byte < e for s, e in errs)):
            continue
        yield n


# --- from bindings to candidates ------------------------------------------------------------------

_COMPILED: dict[str, re.Pattern[str]] = {}
_AUTH_SCHEME = lazy_re(r"^(?:Bearer|Basic|Token|Bot|Digest|ApiKey|token|bearer|basic)(?:\s+|$)")


def _candidates(src: CodeSource, rules: list[Rule], binds: Iterator[Binding]) -> Iterator[Candidate]:
    by_matcher: dict[str, list[Rule]] = {}
    for r in rules:
        by_matcher.setdefault(r.matcher or "", []).append(r)
    bytes_rules = by_matcher.get("key-bytes", ())
    seen: set[tuple[int, int]] = set()
    lits: dict[int, Lit | None] = {}
    for b in binds:
        for rule in by_matcher.get(b.matcher, ()):
            if not _name_ok(rule, b.symbol):
                continue
            key = b.value.id
            if key not in lits:
                lits[key] = _value(src, b)
            lit = lits[key]
            if lit is None or (lit.start, lit.end) in seen:
                continue
            value, start = lit.value, lit.start
            m = _AUTH_SCHEME.match(value)
            if m and src.text[lit.start:lit.start + m.end()] == value[:m.end()]:
                value, start = value[m.end():], start + m.end()  # `Authorization: "Bearer <token>"`
            if _judge(rule, value, b.symbol, relax=b.matcher != CALL or b.extra == "map") is None:
                seen.add((lit.start, lit.end))
                yield _cand(rule, start, lit.end, value, b.symbol)
        if bytes_rules and b.matcher in (ASSIGNMENT, DICT):
            got = _key_bytes(src, b.value)
            if got is not None:
                for rule in bytes_rules:
                    if name_matches(rule, b.symbol) and (got.start, got.end) not in seen:
                        seen.add((got.start, got.end))
                        yield _cand(rule, got.start, got.end, got.value, b.symbol)
                        break


# a passphrase of three or more words (`gpu-monitoring-demo`) reads as an identifier, but not when
# the name says it is a password
_PASSPHRASE = lazy_re(r"^[a-z0-9]+(?:-[a-z0-9]+){2,}$")
_PASSWORD_NAME = lazy_re(r"(?:^|_)(?:PASSWORD|PASSWD|PASSPHRASE|PASS|PWD)$")


def _name_ok(rule: Rule, symbol: str) -> bool:
    """``name_matches`` and no word of the name in ``options.exclude_name_parts`` (`LABEL_PASSWORD`,
    `passwordPlaceholderText`: UI text about a secret, not one)."""
    if not name_matches(rule, symbol):
        return False
    parts = rule.options.get("exclude_name_parts")
    if not parts:
        return True
    rx = _COMPILED.get(parts) or _COMPILED.setdefault(parts, compile_cached(parts))
    return not any(rx.match(w) for w in snake_upper(symbol.rsplit(".", 1)[-1]).lower().split("_"))


# curry-wurst, blue-horse: two words a person picked for a test account (form-control is CSS, but
# a CSS class is not bound to a password's name)
_KEBAB_PAIR = lazy_re(r"^[a-z]{3,}-[a-z]{3,}$")
_LOWER_WORDS = lazy_re(r"^[a-z]+(?: [a-z]+){1,5}$")


def _judge(rule: Rule, value: str, symbol: str, relax: bool = True) -> str | None:
    """Why ``value`` is not a credential for this rule, or None. A name that says password makes
    a word (`kunigunde`), a camel-case word run (`ThereCanBeOnlyOne`), dashed words
    (`gpu-monitoring-demo`) and a lower-case passphrase (`i am an awesome accountant`) passwords:
    elsewhere they read as settings, identifiers and prose. ``relax=False`` (a call's name-value
    pair, where the "name" may itself be a value: `setup('pwd', 'initial')`) keeps the strict view."""
    password = relax and _PASSWORD_NAME.search(snake_upper(symbol.rsplit(".", 1)[-1])) is not None
    strict = bool(rule.options.get("strict_values")) and not password
    words_ok = password or not rule.options.get("reject_plain_words")
    why = shape_reason(value, True, symbol, strict, words_ok)
    if why is not None and password and "pass" not in value.lower():
        if why == "an identifier or dotted path" and (_PASSPHRASE.match(value) or value.isalpha() or _KEBAB_PAIR.match(value)):
            why = None
        elif why == "prose" and _LOWER_WORDS.match(value):
            why = None
    if why is None and not password and rule.options.get("reject_words") and value.strip().isalpha():
        why = "a word"
    rv = rule.options.get("reject_values")
    if why is None and rv and (_COMPILED.get(rv) or _COMPILED.setdefault(rv, compile_cached(rv))).match(value.strip()):
        why = "the word password in some language"
    return why


def _value(src: CodeSource, b: Binding) -> Lit | None:
    if b.matcher == FLAG and b.extra:
        return _flag_value(src, b.value, b.extra)
    if b.matcher == MARKUP and b.value.type == "jsx_text":
        raw = src.node_text(b.value)
        s = len(raw) - len(raw.lstrip())
        v = raw.strip()
        if not v or "\n" in v:
            return None
        start = src.char(b.value.start_byte) + len(raw[:s])
        return Lit(v, start, start + len(v))
    return src.literal(b.value)


def _flag_value(src: CodeSource, node: Node, prefix: str) -> Lit | None:
    """``--password=VALUE`` (a word) or ``--password="VALUE"`` (a concatenation)."""
    if node.type == "word":
        lit = src.literal(node)
        if lit is None or not lit.value.startswith(prefix):
            return None
        s = lit.start + len(prefix)
        return Lit(lit.value[len(prefix):], s, lit.end) if lit.value[len(prefix):] else None
    parts = named(node)
    if not parts:
        return None
    head = src.node_text(parts[0])
    if head == prefix:
        return src._join([src.literal(p) for p in parts[1:]]) if len(parts) > 1 else None
    if head.startswith(prefix):
        first = src.literal(parts[0])
        rest = [src.literal(p) for p in parts[1:]]
        if first is None or any(r is None for r in rest):
            return None
        s = first.start + len(prefix)
        return Lit(first.value[len(prefix):] + "".join(r.value for r in rest if r), s, rest[-1].end if rest else first.end)  # type: ignore[union-attr]
    return None


def _cand(rule: Rule, start: int, end: int, value: str, symbol: str) -> Candidate:
    service, field = hints(symbol)
    return Candidate(rule, start, end, value, symbol=symbol, service=service or rule.service,
                     field=field or rule.field)


# --- key bytes --------------------------------------------------------------------------------------

_LIST_TYPES = frozenset({"initializer_list", "array_initializer", "initializer_expression", "array",
                         "array_expression", "literal_value", "array_creation_expression", "composite_literal",
                         "collection_literal", "array_creation_expression"})
_INT = lazy_re(r"^(?:0[xX][0-9a-fA-F]{1,2}|[0-9]{1,3})(?:[uU]?[lL]{0,2}|u8|i8)?$")
MIN_KEY_BYTES = 8
MAX_KEY_BYTES = 64


def _key_bytes(src: CodeSource, node: Node, depth: int = 0) -> Lit | None:
    """A list of 8..64 byte values (hex or decimal literals, casts allowed) -> their hex string."""
    if node is None or depth > 4:
        return None
    t = node.type
    kids = named(node)
    if t in ("array_creation_expression", "composite_literal", "new_expression", "call_expression",
             "object_creation_expression", "call"):
        inner = next((k for k in reversed(kids) if k.type in _LIST_TYPES or k.type in ("arguments", "value_arguments",
                                                                                        "argument_list")), None)
        if inner is None:
            return None
        if inner.type in ("arguments", "value_arguments", "argument_list"):
            ik = named(inner)
            fn = src.node_text(kids[0]).lower() if kids else ""
            if len(ik) == 1:
                return _key_bytes(src, ik[0], depth + 1)
            if "byte" not in fn and "uint8" not in fn:
                return None
            kids, node = ik, inner
        else:
            return _key_bytes(src, inner, depth + 1)
    elif t not in _LIST_TYPES:
        return None
    values: list[int] = []
    for k in kids:
        k2 = k
        while k2.type in ("cast_expression", "literal_element", "value_argument", "argument", "parenthesized_expression",
                          "type_cast_expression"):
            inner_k = named(k2)
            if not inner_k:
                break
            k2 = inner_k[-1]
        txt = src.node_text(k2).replace("_", "")
        if not _INT.match(txt):
            if k2.type in ("type_identifier", "primitive_type", "array_type", "slice_type", "predefined_type",
                           "integral_type", "array_rank_specifier", "identifier") and not values:
                continue  # the element type of `new byte[] {...}`, `[]byte{...}`
            return None
        n = int(txt.rstrip("uUlL").replace("u8", "").replace("i8", ""), 0)
        if n > 255:
            return None
        values.append(n)
    if not MIN_KEY_BYTES <= len(values) <= MAX_KEY_BYTES:
        return None
    if len(set(values)) < max(4, len(values) // 3):
        return None  # zeros, padding, a repeated pattern
    steps = {b - a for a, b in zip(values, values[1:])}
    if len(steps) == 1:
        return None  # 0, 1, 2, 3 ...: an index table
    return Lit("".join(f"{v:02x}" for v in values), src.char(node.start_byte), src.char(node.end_byte))
