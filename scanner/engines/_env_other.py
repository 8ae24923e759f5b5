"""Environment reads in the languages other than Python and JavaScript (rule SS211, matcher ``env-call``).

Each language's standard ways to read one variable by a literal name, found in the text (no parse:
these forms are unambiguous calls, and the file may be one the code engine never parses):

    Go        os.Getenv("X"), os.LookupEnv("X"), syscall.Getenv("X"), struct tags `env:"X"` / `envconfig:"X"`
    Java, Kotlin, Groovy, Scala
              System.getenv("X"), System.getenv().get("X") / getOrDefault / ["X"], sys.env("X") / sys.env.get("X")
    C#, F#, VB, PowerShell
              Environment.GetEnvironmentVariable("X"); PowerShell $env:X
    Ruby, Crystal, Julia
              ENV["X"], ENV.fetch("X"), ENV.fetch "X"
    PHP       getenv('X'), env('X') (Laravel), $_ENV['X'], $_SERVER['X']
    Rust      env::var("X"), env::var_os("X"), env!("X"), option_env!("X"), dotenvy::var("X"),
              clap's #[arg(env = "X")]
    Elixir    System.get_env("X"), System.fetch_env!("X")
    C, C++, Objective-C, Lua, R, Erlang, Haskell, Nim, Zig, Dart, Swift (and Vapor's Environment.get), Perl, Prisma
              getenv("X") / std::getenv / os.getenv / Sys.getenv / os:getenv / getEnv "X" / lookupEnv "X",
              Platform.environment['X'], ProcessInfo.processInfo.environment["X"], $ENV{X}

and, in every one of them, a project's own helper called like the standard one with an upper-case
name: ``getEnv("DB_PASSWORD", "")``, ``mustGetenv("API_KEY")``, ``env_or("TOKEN", ...)`` (a function
whose name is ``env`` with read-like words around it; ``setenv``/``putenv``/``unsetenv`` and ``has``/``is``
checks are not reads). Writes (``ENV["X"] = ...``, ``$_ENV['X'] = ...``) and matches on comment lines
are not reads.
"""
from __future__ import annotations

import re

from secretshift.base.lazyre import lazy_re

from . import overlaps

_N = r"(?P<name>[A-Za-z_][\w.-]*)"  # a variable name as written
_Q2 = r'"' + _N + r'"'  # double-quoted
_QQ = r"""(?P<q>['"])""" + _N + r"(?P=q)"  # single- or double-quoted
_UP = r"(?P<name>[A-Z][A-Z0-9_]*[A-Z0-9])"  # a helper's argument: an upper-case name

# each form: (literals one of which its match contains, regex); the regex runs only on a text
# that holds one of them (str.find is a memchr; a regex that starts with a class or a look-behind
# is tried at every offset)
_GO = (
    (("Getenv(", "LookupEnv("), lazy_re(r"\b(?:os|syscall)\.(?:Getenv|LookupEnv)\(\s*" + _Q2)),
    (("env:", "envconfig:"), lazy_re(r"""`[^`\n]*?\b(?:env|envconfig)\s*:\s*"(?P<name>[A-Za-z_]\w*)[",]""")),
)
_JVM = (
    (("getenv(",), lazy_re(r"\bSystem\.getenv\(\s*" + _Q2 + r"\s*\)")),
    (("getenv(",), lazy_re(r"\bSystem\.getenv\(\s*\)\s*(?:\.\s*(?:get|getOrDefault|getOrElse)\(\s*|\[\s*)" + _Q2)),
    (("sys.env",), lazy_re(r"\bsys\.env(?:\s*\.\s*(?:get|getOrElse|apply))?\(\s*" + _Q2)),
)
_DOTNET = ((("GetEnvironmentVariable",), lazy_re(r"\bEnvironment\]?(?:::|\.)GetEnvironmentVariable\s*\(?\s*" + _QQ)),)
_POWERSHELL = (*_DOTNET, (("$env:",), lazy_re(r"\$env:(?P<name>[A-Za-z_]\w*)\b(?!\s*=[^=])")))
_RUBY = (
    (("ENV",), lazy_re(r"\bENV\s*\[\s*" + _QQ + r"\s*\](?!\s*(?:=[^=~>]|\|\|=))")),
    (("ENV.fetch",), lazy_re(r"\bENV\.fetch(?:\(\s*|[ \t]+)" + _QQ)),
)
_PHP = (
    (("env(",), lazy_re(r"(?<![\w$>:\\])(?:getenv|env)\(\s*" + _QQ)),
    (("$_ENV", "$_SERVER"), lazy_re(r"\$_(?:ENV|SERVER)\s*\[\s*" + _QQ + r"\s*\](?!\s*(?:=[^=>]|\?\?=))")),
)
_RUST = (
    (("::var",), lazy_re(r"\b(?:env|dotenvy?)::var(?:_os)?\(\s*" + _Q2)),
    (("env!(",), lazy_re(r"(?<![\w:])(?:option_)?env!\(\s*" + _Q2)),
    (("#[",), lazy_re(r"#\[(?:arg|clap|structopt|argh)\([^\]\n]*?\benv\s*=\s*" + _Q2)),
)
_ELIXIR = ((("System.",), lazy_re(r"\bSystem\.(?:get_env|fetch_env!?)(?:\(\s*|[ \t]+)" + _Q2)),)
_C = ((("getenv(",), lazy_re(r"(?<![\w>.])(?:std::)?(?:secure_)?getenv\(\s*" + _Q2)),)
_LUA = ((("os.getenv",), lazy_re(r"\bos\.getenv\(?\s*" + _QQ)),)
_R = ((("Sys.getenv",), lazy_re(r"\bSys\.getenv\(\s*" + _QQ)),)
_ERLANG = ((("os:getenv",), lazy_re(r"\bos:getenv\(\s*" + _Q2)),)
_HASKELL = ((("Env ",), lazy_re(r"\b(?:getEnv|lookupEnv)\s+" + _Q2)),)
_NIM = ((("Env(",), lazy_re(r"\b(?:getEnv|existsEnv)\(\s*" + _Q2)),)
_ZIG = ((("getenv(",), lazy_re(r"\bgetenv\(\s*" + _Q2)),)
_DART = ((("environment",), lazy_re(r"\bPlatform\.environment\s*\[\s*" + _QQ + r"\s*\]")),)
_SWIFT = ((("environment",), lazy_re(r"\bprocessInfo\.environment\s*\[\s*" + _Q2 + r"\s*\]")),
          (("Environment.get(",), lazy_re(r"\bEnvironment\.get\(\s*" + _Q2)))  # Vapor
# Prisma's schema: datasource db { url = env("DATABASE_URL") }
_PRISMA = ((("env(",), lazy_re(r'\benv\(\s*"(?P<name>[A-Za-z_]\w*)"\s*\)')),)
_PERL = ((("$ENV{",), lazy_re(r"\$ENV\{\s*(?P<q>['\"]?)" + r"(?P<name>[A-Za-z_]\w*)(?P=q)\s*\}(?!\s*=[^=~])")),)

FORMS: dict[str, tuple] = {
    "go": _GO, "java": _JVM, "kotlin": _JVM, "groovy": _JVM, "scala": _JVM, "clojure": (),
    "csharp": _DOTNET, "fsharp": _DOTNET, "vb": _DOTNET, "powershell": _POWERSHELL,
    "ruby": _RUBY, "crystal": _RUBY, "julia": (_RUBY[0],), "php": _PHP, "rust": _RUST, "elixir": _ELIXIR,
    "c": _C, "objc": _C, "lua": _LUA, "r": _R, "erlang": _ERLANG, "haskell": _HASKELL, "nim": _NIM,
    "zig": _ZIG, "dart": _DART, "swift": _SWIFT, "perl": _PERL, "prisma": _PRISMA,
}

# a project's own helper: `getEnv("X", d)`, `mustGetenv("X")`, `env_or_default("X")`, `EnvOr("X")`;
# found in the lower-cased text from its literal "env" (``_HELPER_AT``), then judged in the text
_HELPER_AT = lazy_re(r"env\w*\s*\(\s*['\"][a-z]")
_WORD_BEFORE = lazy_re(r"[A-Za-z_][\w]*\Z")
_HELPER_CALL = lazy_re(r"(?P<fn>[A-Za-z_][\w]*)\s*\(\s*(?P<q>['\"])" + _UP + r"(?P=q)")
_HELPER_FN = lazy_re(
    r"(?:must|get|read|fetch|require|required|lookup|load|os|sys|string|str|int|bool|secret)*"
    r"env(?:iron(?:ment)?)?(?:var(?:iable)?s?)?"
    r"(?:or|must|required|string|str|int|bool|float|list|secret|default|value|get|orpanic|ordefault|orelse|orfail"
    r"|orthrow|fallback)*")
_NOT_HELPER = frozenset({"setenv", "putenv", "unsetenv", "hasenv", "isenv", "clearenv", "existsenv"})


def is_helper_name(fn: str) -> bool:
    """Whether a function's name reads as a helper that reads one environment variable."""
    low = fn.lower().replace("_", "")
    return low not in _NOT_HELPER and _HELPER_FN.fullmatch(low) is not None

# the comments of each family of languages, found by one regex that reads past string literals
# first (so `"https://..."` and `'storage/*'` open no comment): (string forms, comment forms)
_DQ = r'"(?:[^"\\\n]|\\.)*"'
_SQ = r"'(?:[^'\\\n]|\\.)*'"
_C_COMMENTS = r"//[^\n]*|/\*.*?(?:\*/|\Z)"
_FAMILY = {
    "c": (f"{_DQ}|{_SQ}|`[^`]*`", _C_COMMENTS),
    "rust": (_DQ, _C_COMMENTS),  # 'a is a lifetime, not a string
    "php": (f"{_DQ}|{_SQ}", _C_COMMENTS + r"|#(?!\[)[^\n]*"),  # #[Attribute] is PHP 8's attribute syntax
    "fsharp": (_DQ, r"//[^\n]*|\(\*.*?(?:\*\)|\Z)"),
    "hash": (f"{_DQ}|{_SQ}", r"(?<![$\w])#(?!\{)[^\n]*"),
    "dash": (f"{_DQ}|{_SQ}", r"--[^\n]*"),
    "erlang": (_DQ, r"%[^\n]*"),
    "vb": (_DQ, r"'[^\n]*"),
    "clojure": (_DQ, r";[^\n]*"),
}
_FAMILY_OF = {
    "rust": "rust", "php": "php", "fsharp": "fsharp", "lua": "dash", "haskell": "dash", "erlang": "erlang",
    "vb": "vb", "clojure": "clojure",
    **{lang: "hash" for lang in ("ruby", "crystal", "julia", "elixir", "perl", "r", "powershell", "nim")},
}
_COMMENT_RX: dict[str, re.Pattern[str]] = {}


def _comment_spans(text: str, language: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """The spans of the comments, and of the string literals without interpolation before the read
    (a message that names ``ENV["JWT_SECRET_KEY"]``; ``"Bearer #{ENV['TOKEN']}"`` reads it): where a
    match is no read."""
    fam = _FAMILY_OF.get(language, "c")
    rx = _COMMENT_RX.get(fam)
    if rx is None:
        strings, comments = _FAMILY[fam]
        rx = _COMMENT_RX[fam] = re.compile(f"(?:{strings})|(?P<c>{comments})", re.S)
    comments, strings = [], []
    for m in rx.finditer(text):
        if m.group("c") is not None:
            comments.append(m.span())
        else:
            s, e = m.span()
            k = _INTERPOLATION.search(text, s, e)
            strings.append((s, k.start() if k else e))  # up to the first interpolation: what follows may be code
    return comments, strings


_INTERPOLATION = lazy_re(r"#\{|\{\$|\$\{|\\\(|\{")
# a read whose value is a file's name: the program reads the file (Docker/Kubernetes secret files)
_OPENS_BEFORE = lazy_re(
    r"(?:file_get_contents|fopen|file|parse_ini_file|File\.(?:read|open|new|ReadAllText|ReadAllBytes|ReadAllLines)"
    r"|IO\.read|YAML\.load_file|os\.(?:ReadFile|Open)|ioutil\.ReadFile|readFileSync|Files\.read\w*|Path\.of|Paths\.get"
    r"|new\s+File(?:Reader|InputStream)?|fs::read(?:_to_string)?|File::open|Path::new|read_file)\s*\(\s*\Z")


# PHP's unset($_ENV['X'], ...) removes the variable: a write
_UNSET_BEFORE = lazy_re(r"\bunset\s*\([^;)\n]*\Z")


def _opens(text: str, s: int) -> bool:
    return _OPENS_BEFORE.search(text, max(0, s - 60), s) is not None


def reads(text: str, language: str, lower: str | None = None):
    """(name, start, end, expression, default) of each read in ``text`` of ``language`` (``FORMS``'
    languages); ``default`` is ``(start, end, value)`` of the string literal the program uses when
    the variable is unset (``_default``), or None."""
    forms = FORMS.get(language)
    if forms is None:
        return
    comments: list[tuple[int, int]] | None = None  # found when the first match is
    strings: list[tuple[int, int]] = []
    braces: Braces | None = None  # Go: the struct blocks, for namespaced tags
    spans: list[tuple[int, int]] = []
    for anchors, rx in forms:
        if not any(a in text for a in anchors):
            continue
        for m in rx.finditer(text):
            s = m.start()
            if any(a <= s < b for a, b in spans):
                continue
            if comments is None:
                comments, strings = _comment_spans(text, language)
            e = _read_end(text, m.end(), s)
            # (a helper's match inside its head, up to the name, is this read's, kept or not; a read
            # in its arguments is one of its own: env('DB_PASSWORD1', env('DB_PASSWORD')))
            spans.append((s, m.end()))
            # a struct tag's match starts at its own backquote: only a comment hides it
            if _inside(comments, s) or (text[s] not in "`'\"" and _inside(strings, s)) or _opens(text, s) \
                    or _UNSET_BEFORE.search(text, max(0, s - 120), s):
                continue
            name = m.group("name")
            if language == "go" and text[s] == "`":  # a struct tag: its field's type, its struct's namespace
                if _GO_PLAIN_TYPE.fullmatch(_go_field_type(text, s)):
                    continue  # a flag, a number, a duration: no credential, whatever its name
                if "env-namespace" in text or "envPrefix" in text:
                    if braces is None:
                        braces = Braces(text, comments, strings)
                    # (a type held by several fields reads several variables; one finding per place:
                    # the first field's, AUTH_GOOGLE_CSEC for AuthGroup's CSEC)
                    name = _go_prefixes(text, s, braces)[0] + name
            elif language == "rust" and text[s] == "#" and _RUST_PLAIN_TYPE.fullmatch(_rust_field_type(text, e)):
                continue
            yield name, s, e, text[s:e], _default(text, m.end(), e, language)
    low_text = text.lower() if lower is None else lower
    for h in _HELPER_AT.finditer(low_text):
        w = _WORD_BEFORE.search(text, max(0, h.start() - 40), h.start())
        at = w.start() if w is not None else h.start()
        if at and (text[at - 1].isalnum() or text[at - 1] in "_$>"):
            continue  # (the word before is longer than 40 characters) or $x->env(, a method of an object
        m = _HELPER_CALL.match(text, at)
        if m is None:
            continue
        fn = m.group("fn")
        s = m.start()
        if any(a <= s < b for a, b in spans) or not is_helper_name(fn):
            continue  # (inside a standard form's match: os.Getenv, PHP's env())
        if comments is None:
            comments, strings = _comment_spans(text, language)
        if _inside(comments, s) or _inside(strings, s) or _defines(text, s) or _opens(text, s):
            continue
        e = _read_end(text, m.end(), s)
        spans.append((s, m.end()))
        yield m.group("name"), s, e, text[s:e], _default(text, m.end(), e, language)


# a Go struct field's type that holds no credential (`LoginAuth bool `env:"LOGIN_AUTH"``,
# `Timeout time.Duration `env:"TOKEN_TIMEOUT"``), and Rust's (clap's `force_reset: Option<bool>`)
_GO_PLAIN_TYPE = lazy_re(r"\*?(?:\[\])?(?:bool|u?int(?:8|16|32|64)?|float(?:32|64)|time\.Duration|uintptr)")
_RUST_PLAIN_TYPE = lazy_re(r"(?:Option<)?(?:bool|[ui](?:8|16|32|64|128|size)|f32|f64|(?:std::time::)?Duration)>?")
_GO_FIELD_BEFORE = lazy_re(r"(?P<type>[^\s`]+)[ \t]+\Z")
_RUST_FIELD_AFTER = lazy_re(r"(?:\s*(?:#\[[^\n]*\]|///?[^\n]*))*\s*(?:pub(?:\([^)]*\))?\s+)?\w+\s*:\s*(?P<type>[^,\n}]+?)\s*[,}\n]")


def _go_field_type(text: str, tag_at: int) -> str:
    """The type written before a struct tag on its line (``Token string `env:"X"```: ``string``)."""
    m = _GO_FIELD_BEFORE.search(text, text.rfind("\n", 0, tag_at) + 1, tag_at)
    return m.group("type") if m else ""


def _rust_field_type(text: str, attr_end: int) -> str:
    """The type of the field an attribute ending at ``attr_end`` is on (``pub port: Option<u16>,``)."""
    close = text.find("]", attr_end)
    m = _RUST_FIELD_AFTER.match(text, close + 1) if close != -1 else None
    return m.group("type").strip() if m else ""


class Braces:
    """The ``{ }`` blocks of a file outside comments and strings (``_comment_spans``): (open, close)
    pairs, by open (Go's struct blocks here; a Rust test module's, migration.planning)."""

    def __init__(self, text: str, comments: list[tuple[int, int]], strings: list[tuple[int, int]]) -> None:
        pairs: list[tuple[int, int]] = []
        stack: list[int] = []
        for m in _BRACE.finditer(text):
            i = m.start()
            if _inside(comments, i) or _inside(strings, i):
                continue
            if text[i] == "{":
                stack.append(i)
            elif stack:
                pairs.append((stack.pop(), i))
        pairs.sort()
        self.pairs = pairs
        self.opens = [a for a, _ in pairs]

    def close_of(self, op: int) -> int | None:
        """Where the block opened at ``op`` closes (None: no block opens there, or it never closes)."""
        import bisect

        k = bisect.bisect_left(self.opens, op)
        return self.pairs[k][1] if k < len(self.opens) and self.opens[k] == op else None

    def around(self, pos: int) -> tuple[int, int] | None:
        """The innermost block holding ``pos``."""
        import bisect

        k = bisect.bisect_left(self.opens, pos) - 1
        while k >= 0:
            a, b = self.pairs[k]
            if b > pos:
                return a, b
            k -= 1
        return None


_BRACE = lazy_re(r"[{}]")
_STRUCT_HEAD = lazy_re(r"(?:\btype[ \t]+(?P<type>[A-Za-z_]\w*)[ \t]+)?\bstruct[ \t]*\Z")
_GO_NAMESPACE = lazy_re(r"""\b(?:env-namespace\s*:\s*"(?P<ns>[^"]*)"|envPrefix\s*:\s*"(?P<prefix>[^"]*)")""")
_TAG_AFTER = lazy_re(r"\}[ \t]*`(?P<tag>[^`\n]*)`")


def _namespace(tag: str) -> str:
    """The prefix a struct field's tag gives the variables of its struct: go-flags' ``env-namespace``
    (joined with ``_``) or caarlos0/env's ``envPrefix`` (as written)."""
    m = _GO_NAMESPACE.search(tag)
    if m is None:
        return ""
    return m.group("prefix") if m.group("prefix") is not None else (m.group("ns") + "_" if m.group("ns") else "")


def _go_prefixes(text: str, pos: int, braces: Braces, depth: int = 0) -> list[str]:
    """The prefixes of the variable of the struct tag at ``pos``: the namespaces of the fields its
    struct is held by, outwards (an inline ``struct { ... } `env-namespace:"AUTH"```, or a named
    type's fields elsewhere in the file: one prefix per field of that type, ``AUTH_GOOGLE_``,
    ``AUTH_GITHUB_``)."""
    block = braces.around(pos) if depth < 6 else None
    if block is None:
        return [""]
    op, close = block
    head = _STRUCT_HEAD.search(text, text.rfind("\n", 0, op) + 1, op)
    if head is None:
        return [""]  # not a struct's fields
    tname = head.group("type")
    if tname is None:  # an inline struct: its field's tag follows the closing brace
        tag = _TAG_AFTER.match(text, close)
        ns = _namespace(tag.group("tag")) if tag else ""
        return [p + ns for p in _go_prefixes(text, op, braces, depth + 1)]
    out: list[str] = []
    for f in re.finditer(rf"(?m)^[ \t]*\w+[ \t]+\*?{re.escape(tname)}[ \t]+`(?P<tag>[^`\n]*)`", text):
        ns = _namespace(f.group("tag"))
        out.extend(p + ns for p in _go_prefixes(text, f.start(), braces, depth + 1))
        if len(out) >= 16:
            break
    return list(dict.fromkeys(out)) or [""]


_DEF_BEFORE = lazy_re(r"(?:\bfunc|\bfn|\bdef|\bfunction|\bfun|\bsub|\bvoid|\bstring|\bString|\bstatic)\s+\Z")


def _defines(text: str, s: int) -> bool:
    """Whether the call-shaped match at ``s`` is the helper's own definition (``func getEnv(...``)."""
    return _DEF_BEFORE.search(text, max(0, s - 20), s) is not None


def _inside(spans: list[tuple[int, int]], pos: int) -> bool:
    return overlaps(spans, pos, pos + 1)  # (the spans are a tokenizer's: sorted and disjoint)


def _read_end(text: str, pos: int, start: int = -1) -> int:
    """Where the read that matched from ``start`` up to ``pos`` ends: through the closing bracket of
    its call or subscript when the match left it open and it closes on the same line
    (``env('X', 'd')``, ``getenv("X")``), else ``pos`` (``ENV["X"]`` is whole: the ``}`` after it
    in ``"#{ENV['X']}"`` is the interpolation's)."""
    if start >= 0:
        seg = text[start:pos]
        if seg.count("(") + seg.count("[") <= seg.count(")") + seg.count("]"):
            return pos
    n = len(text)
    i = pos
    while i < n and text[i] in " \t":
        i += 1
    if i < n and text[i] in ")]}":
        return i + 1
    if i < n and text[i] == ",":
        depth = 1
        j = i + 1
        q = ""
        while j < n and j < pos + 300 and text[j] != "\n":
            c = text[j]
            if q:
                if c == "\\":
                    j += 1
                elif c == q:
                    q = ""
            elif c in "'\"":
                q = c
            elif c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
    return pos


# the literal a read falls back to, right after it: a call's next argument (`env('X', 'd')`,
# `getEnv("X", "d")`, `getOrDefault("X", "d")`, `System.get_env("X", "d")`, `ENV.fetch("X", "d")`),
# an operator (`?? "d"`, `?: "d"`, `|| "d"`, Perl's `// "d"`, Ruby/Elixir `or`), a Ruby block
# (`ENV.fetch("X") { "d" }`) or Rust's `.unwrap_or("d")` / `.unwrap_or_else(|_| "d".to_string())`
_LIT = r"""(?P<dq>['"])(?P<lit>(?:(?!(?P=dq))[^\\\n]|\\.)*)(?P=dq)"""
_ARG_DEFAULT = lazy_re(r"\s*,\s*" + _LIT + r"\s*[,)\]]")
_AFTER_DEFAULT = lazy_re(
    r"\s*(?P<op>(?:\?\?|\?:|\|\||//|\bor\b)\s*|\{\s*"
    r"|\.\s*unwrap_or(?:_else)?\(\s*(?:\|[^|\n]*\|\s*)?(?:String::from\(\s*)?)" + _LIT)
_PRESENCE = lazy_re(r"\.(?:presence|to_s|strip)\b")
# which fallback each language has (an operator elsewhere is a comment, a boolean or a syntax error)
_OPS = {"perl": ("//", "||", "or"), "ruby": ("||", "or", "{"), "crystal": ("||", "{"), "elixir": ("||",),
        "rust": ("unwrap_or",), "csharp": ("??",), "php": ("??", "?:"), "kotlin": ("?:",), "groovy": ("?:",),
        "dart": ("??",), "swift": ("??",), "lua": ("or",), "powershell": ("??",)}


# a Go struct tag's default beside its variable: `envconfig:"DB_PASSWORD" default:"..."` (envconfig),
# `env:"DB_PASSWORD" envDefault:"..."` (caarlos0/env)
_TAG_DEFAULT = lazy_re(r'\b(?:default|envDefault)\s*:\s*"(?P<lit>[^"\\`\n]*)"')


def _default(text: str, name_end: int, end: int, language: str) -> tuple[int, int, str] | None:
    if language == "go" and text[end - 1:end] != ")":  # (a struct tag's match: from its backquote)
        tag_end = text.find("`", name_end)
        tag_start = text.rfind("`", 0, name_end)
        if tag_start < 0 or tag_end < 0:
            return None
        d = _TAG_DEFAULT.search(text, tag_start, tag_end)
        if d is None or not d.group("lit"):
            return None
        return d.start("lit"), d.end("lit"), d.group("lit")
    m = _ARG_DEFAULT.match(text, name_end)
    if m is None:
        if language in ("ruby", "crystal"):
            p = _PRESENCE.match(text, end)
            end = p.end() if p else end  # ENV["X"].presence || "...": Rails' blank-is-unset idiom
        m = _AFTER_DEFAULT.match(text, end)
        if m is None:
            return None
        op = m.group("op").lstrip(".").strip()
        if not any(op.startswith(o) for o in _OPS.get(language, ())):
            return None
    raw = m.group("lit")
    if not raw:
        return None
    value = raw
    if "\\" in raw:
        q = m.group("dq")
        if q == "'" and language in ("php", "ruby", "perl", "crystal", "r", "lua", "powershell", "elixir"):
            value = raw.replace("\\\\", "\\").replace("\\'", "'")
        else:
            return None  # escapes: left to the code engine's decoding
    return m.start("lit"), m.end("lit"), value


# Spring Boot / Micronaut / Quarkus configuration (application*.yml, application*.properties,
# bootstrap*.yml): ``${DB_PASSWORD}`` or ``${DB_PASSWORD:default}`` resolves the environment variable
# (relaxed binding reads DB_PASSWORD from the environment first). An upper-case name only: a dotted
# ``${spring.datasource.url}`` names another property.
_PLACEHOLDER = lazy_re(r"\$\{(?P<name>[A-Z][A-Z0-9_]*[A-Z0-9])(?::(?P<default>[^}\n]*))?\}")
_CONFIG_COMMENT = lazy_re(r"(?m)^[ \t]*[#!][^\n]*")


def placeholder_reads(text: str):
    """(name, start, end, expression) of each ``${NAME}`` / ``${NAME:default}`` outside comment lines
    (the default shown as ``***``: it may be the credential, which SS101 reports)."""
    if "${" not in text:
        return
    comments = [m.span() for m in _CONFIG_COMMENT.finditer(text)]
    for m in _PLACEHOLDER.finditer(text):
        s = m.start()
        if comments and _inside(comments, s):
            continue
        expr = "${" + m.group("name") + (":***" if m.group("default") else (":" if m.group("default") is not None else "")) + "}"
        yield m.group("name"), s, m.end(), expr


# Ruby inside ERB tags: Rails' config/database.yml, storage.yml and views read the environment there
# (`password: <%= ENV.fetch("POSTGRES_PASSWORD") { nil } %>`)
_ERB_TAG = lazy_re(r"<%(?![%#])(?P<code>.*?)%>", re.S)  # (<%# is ERB's comment, <%% a literal <%)


def erb_reads(text: str, lower: str | None = None):
    """``reads`` of the Ruby in each ``<% ... %>`` tag of ``text`` (offsets in ``text``)."""
    if "<%" not in text or "ENV" not in text:
        return
    for t in _ERB_TAG.finditer(text):
        code = t.group("code")
        if "ENV" not in code:
            continue
        if text[text.rfind("\n", 0, t.start()) + 1:t.start()].lstrip().startswith("#"):
            continue  # a commented-out line of the YAML around it (pghero.yml's examples)
        off = t.start("code")
        for name, s, e, expr, default in reads(code, "ruby"):
            if default is not None:
                default = (default[0] + off, default[1] + off, default[2])
            yield name, s + off, e + off, expr, default
