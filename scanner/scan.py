"""sources -> engines -> filters -> sorted ``Finding``s.

``scan_text`` judges one buffer (used for files, staged blobs and history blobs alike);
``scan_paths`` walks paths and spreads files over worker processes when there are many.
"""
from __future__ import annotations

import fnmatch
import os
import re
import sys
import time
from functools import lru_cache
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Callable, Iterable

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from secretshift.base.record import dataclass, field  # not dataclasses: see secretshift/base/record.py

from .engines import ENGINE_MODULES, TEMPLATE_NOTE, Candidate, FileContext, get_engine, overlaps
from .models import Finding, ScanResult, SecretValue, fingerprint, mask
from .ruleset import Rule, Ruleset, load_ruleset
from .sources import DEFAULT_MAX_BYTES, Source, copied_path, discover, has_extension, language_of, language_of_text, read_text



_PASSWORD_SYMBOL = lazy_re(r"(?i)pass|pwd")


def _debug(msg: str, *args: object) -> None:
    """logging.debug, importing logging only if something asked for it (it costs the hook ~5 ms)."""
    import sys as _sys

    logging = _sys.modules.get("logging")
    if logging is not None:
        logging.getLogger("secretshift.scan").debug(msg, *args)

# Which engines look at which language. The regex engine looks at everything; on a file the code
# engine parses, its rules marked `options.fallback` (the generic keyword rules) run only where the
# parser could not read (ctx.unparsed: syntax errors, comments, a missing grammar ...).
ENGINES_FOR_LANGUAGE = {
    "python": ("python", "env"),
    "javascript": ("env", "code"),
    "yaml": ("config", "env"),  # env: SS213, Spring-style ${DB_PASSWORD} in application*.yml only (its paths)
    "json": ("config",),
    "dotenv": ("config",),
    "terraform": ("config",),
    "dockerfile": ("config",),
    "shell": ("config", "code"),
    "properties": ("env",),
    "text": ("table", "env"),  # Markdown, reST, wiki pages: credentials in table cells; env: *.erb views
    **{lang: ("code", "env") for lang in ("go", "java", "kotlin", "csharp", "ruby", "php", "c", "rust")},
    # program source without a parser here: the env engine's textual reads (SS211)
    **{lang: ("env",) for lang in ("scala", "groovy", "fsharp", "vb", "powershell", "crystal", "julia",
                                   "elixir", "objc", "lua", "r", "erlang", "haskell", "nim", "zig", "dart",
                                   "swift", "perl", "prisma")},
}
# Worker processes only pay for themselves on enough work (bench/README.md: the crossover): at
# least PARALLEL_MIN_FILES files and PARALLEL_MIN_BYTES bytes, or PARALLEL_MANY_FILES files of any
# size (each file costs its own trip through the pass and the engines, whatever its size). Since
# this process works alongside forked copies of itself (``_parallel``), a second process costs
# next to no CPU from about a megabyte on (crossover.py: the same CPU for 1 and 2 processes on
# parts of sqlalchemy and pulumi from 1 MB).
# (SECRETSHIFT_PARALLEL_MIN_BYTES replaces the bytes and drops the file counts: bench/crossover.py)
PARALLEL_MIN_FILES = 64
PARALLEL_MIN_BYTES = 2 * 1024 * 1024
PARALLEL_MANY_FILES = 500
if os.environ.get("SECRETSHIFT_PARALLEL_MIN_BYTES", "").isdigit():
    PARALLEL_MIN_FILES, PARALLEL_MIN_BYTES = 2, int(os.environ["SECRETSHIFT_PARALLEL_MIN_BYTES"])
    PARALLEL_MANY_FILES = 2
# skips counted in the summary without a line each: binary files, vendored libraries, generated code
QUIET_SKIPS = frozenset({"binary", "vendored", "generated"})
_SUMMED_SKIPS = frozenset({"minified"})
_TEMPLATE_TAIL = f": {TEMPLATE_NOTE}; checked line by line"  # the config engine's note, summed up


@dataclass
class ScanOptions:
    root: Path
    paths: list[Path] = field(default_factory=list)
    all_files: bool = False
    excludes: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    include_vendored: bool = False
    extra_rule_files: tuple[Path, ...] = ()
    disabled_rules: tuple[str, ...] = ()
    extra_placeholders: tuple[str, ...] = ()
    non_secret_env_names: tuple[str, ...] = ()  # extra env var names (or globs) that are not secrets
    secret_env_names: tuple[str, ...] = ()  # extra env var names (or globs) that are secrets
    jobs: int = 0  # 0: one per core
    keep_values: bool = True  # findings carry the SecretValue (in memory) for the planner


def _stderr_warn(msg: str) -> None:
    print(f"secretshift: {msg}", file=sys.stderr)


@lru_cache(maxsize=None)
def _globs(globs: tuple[str, ...]) -> re.Pattern[str] | None:
    """One compiled regex for a tuple of fnmatch globs (None for no globs)."""
    from secretshift.base.lazyre import compile_cached

    return compile_cached("|".join(f"(?:{fnmatch.translate(g)})" for g in globs)) if globs else None


def _rule_applies(rule: Rule, rel: str, name: str | None = None) -> bool:
    if name is None:
        name = rel.rsplit("/", 1)[-1]
    inc, exc, alw = _path_tests(rule.paths, rule.exclude_paths, rule.allow_paths)
    if inc is not None and not inc(rel, name):
        return False
    if exc is not None and exc(rel, name):
        return False
    if alw is not None and alw.match(rel):
        return False
    return True


_GLOB_SPECIALS = frozenset("*?[/\\")


def _suffix_of(glob: str) -> str | None:
    """The literal of a `*LITERAL` glob whose literal holds no glob character and no `/` (`*.py`):
    such a glob matches a path exactly when the path's name ends with the literal (its `*` may
    span directories, but the literal, holding no `/`, lies within the name)."""
    if glob.startswith("*") and len(glob) > 1 and not _GLOB_SPECIALS.intersection(glob[1:]):
        return glob[1:]
    return None


def _any_glob(globs: tuple[str, ...]):
    """A test (rel, name) -> whether a glob matches the path or its name; `*.ext` globs by
    str.endswith, the others through one regex."""
    if not globs:
        return None
    suffixes = tuple(x for x in (_suffix_of(g) for g in globs) if x is not None)
    rx = _globs(tuple(g for g in globs if _suffix_of(g) is None))
    if rx is None:
        return lambda rel, name: name.endswith(suffixes)
    if not suffixes:
        return lambda rel, name: rx.match(rel) is not None or rx.match(name) is not None
    return lambda rel, name: name.endswith(suffixes) or rx.match(rel) is not None or rx.match(name) is not None


def _by_extension(glob: str) -> bool:
    """Whether a glob is `*.ext` (``_suffix_of``, a literal of one dot, first): it matches a path
    exactly when the path's name, from its last dot on, is `.ext`."""
    lit = _suffix_of(glob)
    return lit is not None and lit.startswith(".") and "." not in lit[1:]


@lru_cache(maxsize=None)
def _path_tests(paths: tuple[str, ...], exclude: tuple[str, ...], allow: tuple[str, ...]):
    return _any_glob(paths), _any_glob(exclude), _globs(allow)


_NO_RULES: list[Rule] = []


class _Plan:
    """What a ruleset needs per file, worked out once per ruleset instead of once per file: the
    rules of each engine, which of them apply to a path, and the multi-pattern pass."""

    def __init__(self, ruleset: Ruleset) -> None:
        from .prepass import Prepass

        self.by_engine: dict[str, list[Rule]] = {}
        for r in ruleset.rules:
            self.by_engine.setdefault(r.engine, []).append(r)
        cond = [r for r in ruleset.rules if r.paths or r.exclude_paths or r.allow_paths]
        self.conditional = {r.engine for r in cond}
        # the globs a file's extension does not decide alone (see `_path_key`)
        self._odd = _globs(tuple(sorted({g for r in cond for g in (*r.paths, *r.exclude_paths) if not _by_extension(g)}
                                        | {g for r in cond for g in r.allow_paths})))
        self.rule_of = {r.id: r for r in ruleset.rules}
        self.order = {r.id: i for i, r in enumerate(ruleset.rules)}
        parent = ruleset.__dict__.get("_parent")  # a subset shares its ruleset's pass
        self.prepass = _plan(parent).prepass if parent is not None else Prepass(ruleset.rules)
        self._applies: dict[tuple[str, object], list[Rule]] = {}
        self._active: dict[tuple, tuple[list[tuple[str, list[Rule]]], list[Rule]]] = {}
        self._lists: dict[tuple, list[Rule]] = {}
        self._cond: dict[str, list[int]] = {}  # engine -> positions of its rules with path conditions
        self._by_out: dict[tuple[str, frozenset[int]], list[Rule]] = {}
        self.hit_lists: dict[frozenset[str], dict[str, list[Rule]]] = {}  # see _by_engine
        self.engine_lists: dict[tuple[str, ...], list[Rule]] = {}  # the same

    def _path_key(self, rel: str) -> object:
        """What the rules' path conditions see of ``rel``: nearly all are `*.ext` globs
        (``_by_extension``), which the extension of its name decides, so paths with the same
        extension share one verdict (a 1-tuple); a path that some other glob matches is judged
        by itself (the key is the path)."""
        name = rel.rsplit("/", 1)[-1]
        odd = self._odd
        if odd is not None and (odd.match(rel) is not None or odd.match(name) is not None):
            return rel
        i = name.rfind(".")
        return (name[i:] if i >= 0 else "",)

    def rules_for(self, engine: str, rel: str, key: object = None) -> list[Rule]:
        """The rules of ``engine`` that apply to ``rel`` (``key``: its ``_path_key`` if known)."""
        rules = self.by_engine.get(engine)
        if not rules:
            return _NO_RULES  # one list: `active` keys its cache by the ids of these lists
        if engine not in self.conditional:
            return rules
        rel = copied_path(rel)  # `settings.py.example` is judged as `settings.py`
        if key is None:
            key = self._path_key(rel)
        got = self._applies.get((engine, key))
        if got is None:  # a history scan asks again for every version of a path
            if len(self._applies) > 4096:
                self._applies.clear()
            name = rel.rsplit("/", 1)[-1]
            cond = self._cond.get(engine)
            if cond is None:
                cond = self._cond[engine] = [i for i, r in enumerate(rules) if r.paths or r.exclude_paths or r.allow_paths]
            out = frozenset(i for i in cond if not _rule_applies(rules[i], rel, name))
            # paths that leave out the same rules share one list
            got = self._by_out.get((engine, out))
            if got is None:
                got = self._by_out[(engine, out)] = [r for i, r in enumerate(rules) if i not in out]
            self._applies[(engine, key)] = got
        return got

    def active(self, engines: tuple[str, ...], rel: str) -> tuple[list[tuple[str, list[Rule]]], list[Rule]]:
        """((engine, its rules that apply to ``rel``) for each engine, all those rules together)."""
        pk = self._path_key(copied_path(rel)) if self.conditional else None
        got = self._active.get((engines, pk))
        if got is not None:
            return got
        if len(self._active) > 4096:
            self._active.clear()
        per = [(name, self.rules_for(name, rel, pk)) for name in engines]
        key = tuple(id(rules) for _, rules in per)
        both = self._lists.get(key)  # type: ignore[call-overload]
        if both is None:
            both = self._lists[key] = [r for _, rules in per for r in rules]  # type: ignore[index]
        got = self._active[(engines, pk)] = (per, both)
        return got



def _parsed_by_code(engines: tuple[str, ...], rel: str, plan: _Plan, language: str | None = None) -> bool:
    """Whether the code engine reads this file (so the fallback rules wait for what it cannot read)."""
    if "code" not in engines or not plan.rules_for("code", rel):
        return False
    from .engines.code import grammar_for

    return grammar_for(rel, language) is not None


def _fallback_where_unparsed(ctx: FileContext, cands: list[Candidate]) -> list[Candidate]:
    """The regex candidates of a file the code engine reads: fallback rules' only where it could not
    read (``ctx.unparsed``; a file the gate kept from the parser is parsed now if one fired)."""
    fb = [c for c in cands if c.rule.options.get("fallback")]
    if not fb:
        return cands
    if ctx.unparsed is None:
        from . import filters
        from .engines import code

        # a value the filters reject is dropped whatever the parser would say: only the others
        # need the file parsed (most generic hits in code are `password = getPassword()`-like)
        extra = ctx.opts.extra_placeholders if ctx.opts else ()
        live = [c for c in fb if not filters.check_value(c, c.rule, extra)]
        if not live:
            return [c for c in cands if not c.rule.options.get("fallback")]
        code.settle(ctx, [c.start for c in live])
    spans = sorted(ctx.unparsed or [])
    return [c for c in cands if not c.rule.options.get("fallback") or _inside(spans, c.start, c.end)]


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) lies within one of ``spans`` (sorted)."""
    import bisect

    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]


def _plan(ruleset: Ruleset) -> _Plan:
    plan = ruleset.__dict__.get("_scan_plan")
    if plan is None or plan.size != len(ruleset.rules):
        plan = _Plan(ruleset)
        plan.size = len(ruleset.rules)  # type: ignore[attr-defined]
        ruleset.__dict__["_scan_plan"] = plan
    return plan


def _dedupe(cands: list[Candidate]) -> list[Candidate]:
    """Overlapping hardcoded candidates: keep the most specific rule (highest priority)."""
    hard = sorted((c for c in cands if c.value is not None), key=lambda c: (c.start, -c.rule.priority, c.rule.id))
    kept: list[Candidate] = []
    for c in hard:
        if kept and c.start < kept[-1].end:
            last = kept[-1]
            if (c.rule.priority, c.end - c.start) > (last.rule.priority, last.end - last.start):
                kept[-1], c = c, last
            _inherit_name(kept[-1], c)
            continue
        kept.append(c)
    env = {}
    for c in cands:
        if c.value is None:
            env.setdefault((c.start, c.rule.id), c)
    return kept + list(env.values())


def _inherit_name(kept: Candidate, dropped: Candidate) -> None:
    """The same value found by two rules: the one kept (a vendor's token rule) takes the variable it is the
    fallback of (SS212: ``getEnv("STRIPE_SECRET_KEY", "sk_live_...")``), the read that names its secret."""
    if kept.symbol is None and dropped.symbol is not None and dropped.rule.engine == "env" \
            and (kept.start, kept.end) == (dropped.start, dropped.end):
        kept.symbol = dropped.symbol


# A buffer's engines get this many seconds (SECRETSHIFT_FILE_SECONDS). Hyperscan decides in linear
# time where each rule may match, but what runs then is Python: its re backtracks (a user rule
# like (a+)+$ on a long run of a's never ends), a megabyte line makes a loose pattern quadratic.
# On POSIX a timer interrupts the engine (re checks for signals while it backtracks); the file
# gets one line on stderr and the scan goes on. Where there is no SIGALRM (Windows) or off the
# main thread there is no limit.
FILE_SECONDS = float(os.environ.get("SECRETSHIFT_FILE_SECONDS") or 30)


class _OutOfTime(BaseException):  # not an Exception: the engines' own `except Exception` lets it pass
    pass


_ARMED = [False]


def _on_alarm(signum: int, frame: object) -> None:
    if _ARMED[0]:
        _ARMED[0] = False
        raise _OutOfTime


class _Deadline:
    """``with _Deadline(): try: ...; _ARMED[0] = False; except _OutOfTime: ...`` (the flag is
    cleared inside the guarded block, so an alarm that comes late does nothing)."""

    def __enter__(self) -> "_Deadline":
        self.sig = None
        if FILE_SECONDS <= 0:
            return self
        try:
            import _signal  # the C module: `signal` would import enum wrappers for nothing

            self.old = _signal.signal(_signal.SIGALRM, _on_alarm)
            _signal.setitimer(_signal.ITIMER_REAL, FILE_SECONDS)
            self.sig = _signal
            _ARMED[0] = True
        except (ImportError, AttributeError, ValueError, OSError):  # no SIGALRM, or not the main thread
            pass
        return self

    def __exit__(self, *exc: object) -> None:
        _ARMED[0] = False
        if self.sig is not None:
            self.sig.setitimer(self.sig.ITIMER_REAL, 0)
            self.sig.signal(self.sig.SIGALRM, self.old)


def _by_engine(plan: _Plan, found: dict) -> dict[str, list[Rule]]:
    """The rules that may match (``found``: the pass's answer, only rules that apply to the
    file), per engine, in ruleset order: a file's hits are a few of hundreds of rules. Files
    with the same rules of an engine hit share that engine's list, whatever the other engines'
    (engines keep what they work out per rule list: the code engine's keyword sets and the names
    it judged, for one; pulumi/examples gave the code engine 39 lists of 3 contents)."""
    key = frozenset(found)
    cache = plan.hit_lists
    got = cache.get(key)
    if got is not None:
        return got
    if len(cache) > 4096:
        cache.clear()
    out: dict[str, list[Rule]] = {}
    cache[key] = out
    rule_of = plan.rule_of
    for rid in found:
        r = rule_of[rid]
        got = out.get(r.engine)
        if got is None:
            out[r.engine] = [r]
        else:
            got.append(r)
    order = plan.order
    shared = plan.engine_lists
    if len(shared) > 4096:
        shared.clear()
    for engine, rules in out.items():
        if len(rules) > 1:
            rules.sort(key=lambda r: order[r.id])
        out[engine] = shared.setdefault(tuple(r.id for r in rules), rules)
    return out


def _api_doc_example(c: Candidate) -> bool:
    """Whether ``c``, inside an API description, is one of its made-up examples: a generic rule's
    value unless its name says password, or a JWT."""
    if c.rule.category == "generic":
        return not _PASSWORD_SYMBOL.search(c.symbol or "")
    return c.rule.service == "jwt"


_EXAMPLE_BEFORE = lazy_re(r"(?i)(?:\be\.g\.|\bfor example|\bplaceholder\s*=\s*[\"'][^\"'\n]*)[:,]?[ \t]*[(\"'`]?[ \t]*$"
                          r"|\bplaceholder\s*=\s*[\"'][^\"'\n]*$")


def scan_text(text: str, rel: str, ruleset: Ruleset, opts: ScanOptions | None = None,
              warn: Callable[[str], None] = _stderr_warn, language: str | None = None) -> list[Finding]:
    """All findings in one buffer, as if it were the file ``rel``. Never raises on bad content;
    engines that run out of time (``FILE_SECONDS``) give up on the buffer with one warning."""
    lang = language or language_of_text(rel, text)
    plan = _plan(ruleset)
    engines = ("regex", *ENGINES_FOR_LANGUAGE.get(lang, ()))
    per_engine, applicable = plan.active(engines, rel)
    if not applicable:
        return []
    hits = plan.prepass.scan(text, only=applicable)  # where each rule may match: engines look only there
    found = hits.by_rule
    if not found:
        return []
    # whether the code engine reads this file matters only when one of its rules, or a fallback
    # rule, may match here (asking imports the engine)
    rule_of = plan.rule_of  # `found` holds only rules of `applicable`
    parsed = "code" in engines and any(rule_of[rid].engine == "code" or rule_of[rid].options.get("fallback")
                                       for rid in found) and _parsed_by_code(engines, rel, plan, lang)
    if parsed:  # the code engine first: what it could not read decides where the fallback rules apply
        per_engine = sorted(per_engine, key=lambda e: e[0] != "code")
    ctx = FileContext(path=rel, text=text, language=lang, warn=lambda m: warn(f"{rel}: {m}"), opts=opts,
                      secret_names=opts.secret_env_names if opts else (),
                      non_secret_names=opts.non_secret_env_names if opts else (), hits=hits)
    cands: list[Candidate] = []
    hit = _by_engine(plan, found)
    with _Deadline():
        name = ""
        try:
            for name, _ in per_engine:
                rules = hit.get(name) or []
                if name == "regex" and parsed and ctx.unparsed == []:  # read in full: no fallback rule applies
                    rules = [r for r in rules if not r.options.get("fallback")]
                if not rules:
                    continue
                try:
                    got = list(get_engine(name).run(ctx, rules))
                except Exception as e:  # noqa: BLE001 - an engine bug must not end the scan of a tree
                    # the type only: an exception message may quote the file's content
                    warn(f"{rel}: engine {name} gave up: {type(e).__name__}")
                    if name == "code":
                        ctx.unparsed = [(0, len(text))]
                    continue
                if name == "regex" and parsed and ctx.unparsed != []:
                    got = _fallback_where_unparsed(ctx, got)
                cands.extend(got)
            _ARMED[0] = False
        except _OutOfTime:
            warn(f"{rel}: gave up after {FILE_SECONDS:g} s in the {name} engine (a very long line, or a rule "
                 "whose pattern backtracks without end?): the rest of this file is not scanned")
    if not cands:
        return []
    from . import filters  # only for a buffer with candidates (its regexes compile on import)

    placeholders = opts.extra_placeholders if opts else ()
    kept_cands = []
    for c in cands:  # judge values before overlaps: a rule that rejects a value does not hide another's
        reason = filters.check_value(c, c.rule, placeholders)
        if reason:
            _debug("%s:%s %s dropped: %s", rel, c.start, c.rule.id, reason)
            continue
        kept_cands.append(c)
    # what the file is (its references, an API description, a translation bundle) drops more; each
    # test is asked only about the candidates left (is_translation on every file with a generic
    # candidate cost pulumi/examples 5 ms, for the few where one survives the value checks)
    # a value the text says is an example: `placeholder="Your token (e.g. sk_live_...)"`, "e.g. ..."
    kept_cands = [c for c in kept_cands if c.value is None or not _EXAMPLE_BEFORE.search(text, max(0, c.start - 120), c.start)]
    if kept_cands and lang == "yaml":
        from .engines.config import reference_spans, secret_data_spans

        refs = reference_spans(text)
        if refs:
            kept_cands = [c for c in kept_cands if not any(a <= c.start < b for a, b in refs)]
        data = secret_data_spans(text) if any(c.rule.engine != "config" for c in kept_cands) else []
        if data:  # a Secret's values are the config engine's to judge (decoded)
            kept_cands = [c for c in kept_cands if c.rule.engine == "config" or not any(a <= c.start < b for a, b in data)]
    if any(c.rule.category in ("generic", "db") or c.rule.service == "jwt" for c in kept_cands):
        from .filekinds import api_doc_blocks, is_api_spec, is_translation

        spec = [(0, len(text))] if is_api_spec(rel, text) else api_doc_blocks(text)
        if spec:
            # an OpenAPI description's example responses (a spec file, or a /** @swagger */ block in
            # code) hold made-up tokens, keys and sample JWTs (a JWT is issued at run time, never
            # configured); a password in an example request is often the product's real default
            # (password: spree123), and other vendor formats are judged by their shape, so both stay
            kept_cands = [c for c in kept_cands if not (_api_doc_example(c) and any(a <= c.start < b for a, b in spec))]
        if is_translation(rel, text):  # UI text in some language: "LABEL_PASSWORD": "Passord"
            # ... but a URL's user:password@ (SS607) is no UI text, in strings.xml or anywhere
            kept_cands = [c for c in kept_cands if c.rule.category not in ("generic", "db") or c.rule.slug == "basic-auth-url"]
    if not kept_cands:
        return []
    lines = text.splitlines()
    out: list[Finding] = []
    for c in _dedupe(kept_cands):
        rule = c.rule
        if c.line_override:
            line, col, eline, ecol = c.line_override
        else:
            line, col = ctx.position(c.start)
            eline, ecol = ctx.position(c.end)
        src_line = lines[line - 1] if 0 < line <= len(lines) else ""
        prev = lines[line - 2] if line >= 2 and line - 2 < len(lines) else None
        if filters.suppressed(rule.id, rule.slug, src_line, prev) or filters.in_directive(src_line, col):
            continue
        if c.value is not None:
            fp = fingerprint(rule.id, rel, c.value)
            masked = mask(c.value)
        else:
            fp = fingerprint(rule.id, rel, c.symbol or c.expression or "")
            masked = f"${c.symbol}" if c.symbol else "(environment)"
        kind = "env" if (rule.kind == "env" or c.value is None) else "hardcoded"
        out.append(Finding(
            rule_id=rule.id, slug=rule.slug, kind=kind, file=rel, line=line, column=col,
            end_line=eline, end_column=ecol, category=rule.category, severity=rule.severity,
            confidence=c.confidence or rule.confidence, masked=masked, fingerprint=fp, description=rule.description,
            # a name that is the value itself (a URL's user when the password is the same word) is no name
            symbol=None if c.value is not None and c.symbol == c.value else c.symbol,
            service=c.service or rule.service, field=c.field or rule.field,
            expression=c.expression,
            value=SecretValue(c.value) if (c.value is not None and (opts is None or opts.keep_values)) else None,
        ))
    out.sort(key=lambda f: f.sort_key)
    return out


# A line that is nothing but a long base64/base64url run (a quoted piece of one): the body of a PEM
# block or of a key split over lines, whose header line may be far away.
_KEY_BODY_RE = lazy_re(r"""(?m)^[ \t]*["']?[A-Za-z0-9+/=_-]{40,}["']?,?[ \t]*(?:\\n)?["']?[,;]?[ \t]*\r?$""")


def may_hold_secret(fragment: str, rel: str, ruleset: Ruleset, opts: ScanOptions | None = None,
                    added: list[tuple[int, int]] | None = None, config_quiet: bool = False,
                    translation: bool = False) -> bool:
    """Whether a file whose only new content is ``fragment`` (its added lines with context, see
    ``scanner.delta``; ``added``: the spans of the added lines in it) could give ``scan_text`` a
    new finding: a cheap superset of its verdict.

    The multi-pattern pass runs on the fragment; a regex rule's match must reach into an added
    line: a single-line rule only ever looks at one line, and a multi-line one (an XML element, a
    PEM block) finds a new value with its neighbours there, since a new value is on an added line.
    The python engine's pre-parse check answers the same way (a name above its new value is
    context). Key material anywhere in the fragment (a PEM body line whose header is far away:
    the key's value changes whatever line was added among it) and any config-language file also
    answer yes, unless ``config_quiet`` (see ``config_quiet``: the config engine finds nothing in
    this version nor in the one before it), when its other rules are judged by the fragment too.
    ``translation``: the file is a translation bundle (``filekinds.is_translation``, in this
    version and the one before it), where ``scan_text`` drops the generic rules' candidates but a
    URL's credentials: those rules do not count.
    """
    with _Deadline():
        try:
            got = _may_hold_secret(fragment, rel, ruleset, opts, added, config_quiet, translation)
            _ARMED[0] = False
            return got
        except _OutOfTime:
            return True  # cannot tell in time: scan the blob (scan_text has its own limit)


def _may_hold_secret(fragment: str, rel: str, ruleset: Ruleset, opts: ScanOptions | None,
                     added: list[tuple[int, int]] | None, config_quiet: bool = False,
                     translation: bool = False) -> bool:
    lang = language_of_text(rel, fragment)
    plan = _plan(ruleset)
    per_engine, applicable = plan.active(("regex", *ENGINES_FOR_LANGUAGE.get(lang, ())), rel)
    if any(rules for name, rules in per_engine if name not in ("regex", "python", "code", "table", "env")
           and not (name == "config" and config_quiet)):
        return True  # config files are structured: judge them whole (unless the engine finds nothing)
    if lang in ("python", "javascript") and any(r.kind == "env" for name, rules in per_engine if name == "env"
                                                for r in rules):
        return True  # a read's name and its binding (an import, a settings class) may be far apart
    # (the env engine's hardcoded rule, SS212, reads the other languages only: nothing to find here)
    if any(rules for name, rules in per_engine if name == "table"):
        # a new row of a table whose header (with the keyword) may be outside the fragment
        spans = added if added is not None else [(0, len(fragment))]
        if any(fragment.count("|", s, e) >= 2 for s, e in spans):
            return True
    hits = plan.prepass.scan(fragment, only=applicable)
    ctx = FileContext(path=rel, text=fragment, language=lang, opts=opts,
                      secret_names=opts.secret_env_names if opts else (),
                      non_secret_names=opts.non_secret_env_names if opts else (), hits=hits)
    hit = _by_engine(plan, hits.by_rule)
    for name, _ in per_engine:
        rules = hit.get(name)
        if rules and translation:  # what scan_text drops from a translation bundle
            rules = [r for r in rules if r.category != "generic" or r.slug == "basic-auth-url"]
        if not rules:
            continue
        if name == "table":
            continue  # judged above, fragment or not
        if name == "config":
            continue  # config_quiet: it finds nothing in the whole version
        if name == "code":
            from .engines import code

            if code.may_match(ctx, rules, added):
                return True
            continue
        if name == "python":
            from .engines import python_ast

            if python_ast.may_match(ctx, rules, added):
                return True
            continue
        if name == "env":  # the other languages' reads (SS211/SS212): one call, on one line
            from .engines import env_reads

            for c in env_reads.run(ctx, rules):
                if (added is None or overlaps(added, c.start, c.end)) and (
                        c.value is None or not _value_dropped(c, opts)):
                    return True
            continue
        regex = get_engine("regex")
        for r in rules:
            for c in regex.run(ctx, [r]):
                # a value the filters drop is dropped whatever surrounds it (scan_text judges
                # values before overlaps): `http://user:pass@host` in a test adds no secret
                if (added is None or overlaps(added, c.start, c.end)) and not _value_dropped(c, opts):
                    return True
    # an added line among lines of key material changes that key's value, header or not
    return _has_key_material(fragment)


def _value_dropped(c: Candidate, opts: ScanOptions | None) -> bool:
    from . import filters

    return filters.check_value(c, c.rule, opts.extra_placeholders if opts else ()) is not None


def pass_finds_nothing(window: str, rel: str, ruleset: Ruleset) -> bool:
    """Whether ``may_hold_secret`` says no to every fragment cut from ``window`` (the run of whole
    lines holding a version's added lines and their context, ``delta.Change.window``), judged
    without cutting one: a file whose language its name gives (a text file without an extension
    may start with a shebang) and whose applicable rules are all read by line engines (or by the
    table engine, with fewer than two bars in ``window``), where the multi-pattern pass finds
    none of them in ``window`` and no line is key material.
    A fragment's lines are lines of ``window``, so neither could be in the fragment. Any other
    answer (False) sends the version on to ``may_hold_secret``."""
    lang = language_of(rel)
    if lang == "text" and not has_extension(rel):
        return False  # no extension: a shebang on the fragment's first line would make it code
    plan = _plan(ruleset)
    per_engine, applicable = plan.active(("regex", *ENGINES_FOR_LANGUAGE.get(lang, ())), rel)
    for name, rules in per_engine:
        if rules and name not in _WINDOW_ENGINES and (name != "table" or window.count("|") >= 2):
            return False  # (a table's new row: two bars on an added line, so in the window)
    if plan.prepass.scan(window, only=applicable).by_rule:
        return False
    return not _has_key_material(window)


# engines that only see the pass's lines (env: in the languages of SS211/SS212; in Python and
# JavaScript its rules are not line rules, and the history scan, which asks, leaves them out)
_WINDOW_ENGINES = frozenset({"regex", "python", "code", "env"})


def config_quiet(text: str, rel: str, ruleset: Ruleset) -> bool:
    """Whether ``scan_text``'s config engine certainly finds nothing in ``text`` as the file ``rel``:
    a YAML or JSON file where the multi-pattern pass finds none of the engine's rules, or without
    one of the signal keys the engine wants before it parses. (Its other rules are line rules, so a
    history scan may judge such a version by its added lines: a locale bundle's new strings.)
    Never for an API description or a file with secret references (``reference_spans``): what
    ``scan_text`` drops there depends on the whole file."""
    lang = language_of_text(rel, text)
    if lang not in ("yaml", "json"):
        return False
    from .engines.config import has_signal
    from .filekinds import is_api_spec

    low = text.lower()
    if is_api_spec(rel, text) or "external-secrets.io/" in low or "keyref:" in low or "remoteref:" in low:
        return False
    if not has_signal(lang, low):  # the cheaper test first
        return True
    plan = _plan(ruleset)
    rules = plan.rules_for("config", rel)
    return not rules or not plan.prepass.scan(text, only=rules).by_rule


def _has_key_material(text: str) -> bool:
    """Whether a line of ``text`` is a run of base64 that reads as key material."""
    return any(_is_key_material(m.group()) for m in _KEY_BODY_RE.finditer(text))


def _is_key_material(line: str) -> bool:
    """Base64 of key material mixes cases and digits; a rule of `=====` or `-----` does not."""
    return any(c.isdigit() for c in line) and any(c.isupper() for c in line) and any(c.islower() for c in line)


# --- whole trees ----------------------------------------------------------------------------------

BINARY_KEYSTORE_LANGUAGES = ("pkcs12",)


def scan_binary(data: bytes, rel: str, ruleset: Ruleset, opts: ScanOptions | None = None,
                warn: Callable[[str], None] = _stderr_warn) -> list[Finding]:
    """Findings for a binary keystore (.p12/.pfx): only rules marked ``options.binary`` look at it,
    over the file's bytes as one line of base64, so a finding lands on line 1 and its in-memory value
    is what migrate would store."""
    import base64

    rules = [r for r in ruleset.rules if r.options.get("binary")]
    if not rules or not data:
        return []
    return scan_text(base64.b64encode(data).decode("ascii"), rel, Ruleset(rules), opts, warn)


def _scan_one(src: Source, opts: ScanOptions, rs: Ruleset) -> tuple[list[Finding], int, str | None, list[str]]:
    msgs: list[str] = []
    if language_of(src.rel) in BINARY_KEYSTORE_LANGUAGES:
        try:
            size = os.stat(src.path).st_size
            if size > opts.max_bytes:
                return [], size, f"larger than {opts.max_bytes} bytes", msgs
            with open(src.path, "rb") as fh:
                data = fh.read()
        except OSError as e:
            return [], 0, f"unreadable ({e.strerror or e})", msgs
        return scan_binary(data, src.rel, rs, opts, msgs.append), len(data), None, msgs  # type: ignore[arg-type]
    text, reason, size, note = read_text(src, opts.max_bytes, judge_content=not opts.include_vendored)
    if text is None:
        return [], size, reason, msgs
    if note:
        msgs.append(f"{src.rel}: {note}")
    findings = scan_text(text, src.rel, rs, opts, warn=msgs.append)  # type: ignore[arg-type]
    return findings, size, None, msgs


def scan_paths(opts: ScanOptions, ruleset: Ruleset | None = None,
               warn: Callable[[str], None] = _stderr_warn) -> ScanResult:
    """Scan every file under ``opts.paths`` (default: the root). Problems go to ``warn``, one line each."""
    t0 = time.perf_counter()
    rs = ruleset or load_ruleset(opts.extra_rule_files, opts.disabled_rules)
    result = ScanResult()

    def skip(reason: str) -> None:
        result.skipped[reason] = result.skipped.get(reason, 0) + 1

    def warn_err(msg: str) -> None:
        result.errors.append(msg)
        warn(msg)

    sources = list(discover(opts.paths or [opts.root], opts.root, opts.all_files, opts.excludes,
                            opts.include_vendored, result.skipped, warn_err))
    jobs = opts.jobs or (os.cpu_count() or 1)
    outcomes: Iterable[tuple[list[Finding], int, str | None, list[str]]]
    sizes = _sizes(sources) if len(sources) > 1 else {}
    prepass = _plan(rs).prepass
    prepass.expect(sum(sizes.values()))  # enough input to pay for the fast backend: load it now
    if jobs > 1 and len(sources) >= PARALLEL_MIN_FILES and (
            sum(sizes.values()) >= PARALLEL_MIN_BYTES or len(sources) >= PARALLEL_MANY_FILES):
        sources.sort(key=lambda s: sizes.get(s.rel, 0), reverse=True)
        prepass.ready()  # loaded once, before the workers fork
        _warm(sources)
        outcomes = _parallel(sources, opts, rs, jobs)
    else:
        outcomes = (_scan_one(s, opts, rs) for s in sources)
    templates: list[str] = []  # the Helm/Go templates' notes: one line for all of them, at the end
    summed: dict[str, list[str]] = {}  # skips of a kind a tree has many of (minified bundles)
    for src, (findings, size, reason, msgs) in zip(sources, outcomes):
        for m in msgs:
            if _TEMPLATE_TAIL in m:
                templates.append(m)
            else:
                warn_err(m)
        if reason is not None:
            key = reason.split(" (")[0]
            skip("too large" if key.startswith("larger than") else key)
            if key in _SUMMED_SKIPS:  # a site's bundles: said once, at the end
                summed.setdefault(key, []).append(f"{src.rel}: skipped: {reason}")
            elif key not in QUIET_SKIPS:  # expected kinds of file; anything else is worth one line
                warn_err(f"{src.rel}: skipped: {reason}")
            continue
        result.files_scanned += 1
        result.bytes_scanned += size
        result.findings.extend(findings)
    for key, msgs in summed.items():
        if len(msgs) == 1:
            warn_err(msgs[0])
        else:
            first = msgs[0].split(": skipped: ", 1)[0]
            warn_err(f"{len(msgs)} files skipped as {key} (their lines are too long to be source): "
                     f"{first} and {len(msgs) - 1} more")
    if len(templates) == 1:
        warn_err(templates[0])
    elif templates:  # a chart's every file: expected, and said once
        first = templates[0].split(": not valid ", 1)[0]
        warn_err(f"{len(templates)} files are templates (Helm/Go {{{{ }}}}) that do not parse as YAML/JSON, "
                 f"checked line by line instead: {first} and {len(templates) - 1} more")
    result.files_skipped = sum(result.skipped.values())
    result.findings.sort(key=lambda f: f.sort_key)
    result.seconds = time.perf_counter() - t0
    return result


# what the config engine loads for the first file it parses, by the languages that it parses
_CONFIG_PARSERS = {"yaml": ("yaml", "json"), "json": ("json",)}


def _warm(sources: list[Source]) -> None:
    """Load before the workers fork what each of them would otherwise load for itself (and this
    process too, as it works with them): the engines' modules, the secret-name patterns, the
    tree-sitter grammars of the tree's languages, the parsers the config engine uses on the tree's
    YAML and JSON files.
    Then the objects made so far are kept out of the collector, so their pages stay shared."""
    from secretshift.base.lazyre import import_compiled

    from . import envnames, filekinds, filters, treesitter  # noqa: F401
    from .engines.code import grammar_for

    for name in ENGINE_MODULES:
        get_engine(name)
    envnames.warm()  # the name patterns: every engine that judges a name uses them
    langs = {language_of(s.rel) for s in sources}
    names = {s.rel.rsplit("/", 1)[-1] for s in sources}  # a grammar goes by the file's name
    for g in sorted({grammar_for(n) for n in names} - {None}):
        treesitter.language(g)  # type: ignore[arg-type]
    for mod in sorted({m for lang in langs for m in _CONFIG_PARSERS.get(lang, ())}):
        import_compiled(mod)  # PyYAML's patterns from the program cache
    if langs & _CONFIG_PARSERS.keys():
        from .engines import _config_docs, _config_tree  # noqa: F401
    import gc

    gc.freeze()


def _sizes(sources: list[Source]) -> dict[str, int]:
    """rel -> size in bytes: how much work there is (and, for the workers, the order: biggest
    files first, so the work left at the end is small; findings are sorted afterwards)."""
    out = {}
    for s in sources:
        if s.size >= 0:  # the directory walk read it
            out[s.rel] = s.size
            continue
        try:
            out[s.rel] = os.lstat(s.path).st_size
        except OSError:
            out[s.rel] = 0
    return out


_Outcome = tuple  # (findings, size, skip reason or None, messages): what _scan_one returns
_MAX_BATCHES = 1024  # 4 bytes each in the work pipe: 4 KiB, which any pipe holds unread


def _parallel(sources: list[Source], opts: ScanOptions, rs: Ruleset, jobs: int) -> list[_Outcome]:
    """The outcome of each of ``sources`` (in order), from ``jobs`` processes: this one and
    ``jobs - 1`` forked copies of it. Nothing is sent to a worker: each has the sources, options
    and rule set (and what was loaded and compiled so far) from the fork; the work is handed out
    through a pipe holding the numbers of small batches (largest files first, see ``_sizes``),
    each process reading the next number when it is free, so none is left with a long tail; each
    worker sends its outcomes back once, at its end. A worker that dies leaves its batches
    unreported: they are scanned here."""
    if not hasattr(os, "fork"):  # no fork (Windows): one process
        return [_scan_one(s, opts, rs) for s in sources]
    from secretshift.base import forked

    chunk = max(1, -(-len(sources) // _MAX_BATCHES), min(8, len(sources) // (jobs * 32)))
    starts = range(0, len(sources), chunk)
    done: dict[int, list[_Outcome]] = {}
    r, w = os.pipe()
    try:
        # written in full before anyone reads: at most _MAX_BATCHES records, less than any pipe holds
        os.write(w, b"".join(i.to_bytes(4, "little") for i in range(len(starts))))
    finally:
        os.close(w)
    workers: list[tuple[int, int]] = []  # (pid, the pipe its outcomes come back on)
    try:
        for _ in range(jobs - 1):  # workers: scan batches until the pipe is empty, send the outcomes
            got = forked.start(lambda: _take_batches(r, sources, starts, chunk, opts, rs),
                               close=[fd for _pid, fd in workers])
            if got is None:
                break
            workers.append(got)
        done.update(_take_batches(r, sources, starts, chunk, opts, rs))  # this process works too
        while workers:
            pid, fd = workers[-1]
            ok, got = forked.collect(pid, fd)
            os.close(fd)
            workers.pop()
            if ok:
                done.update(got)
    finally:
        os.close(r)
        for pid, fd in workers:  # interrupted: stop the workers that are left
            os.close(fd)
            try:
                os.kill(pid, 15)
                os.waitpid(pid, 0)
            except OSError:
                pass
    out: list[_Outcome] = []
    for i, start in enumerate(starts):
        got = done.get(i)
        if got is None:  # a worker died on it
            got = [_scan_one(s, opts, rs) for s in sources[start:start + chunk]]
        out.extend(got)
    return out


def _take_batches(fd: int, sources: list[Source], starts: range, chunk: int, opts: ScanOptions,
                  rs: Ruleset) -> dict[int, list[_Outcome]]:
    """Scan the batches whose numbers this process reads from the pipe ``fd`` (reads of 4 bytes
    from a pipe are whole: each number goes to one process) until it is empty."""
    got: dict[int, list[_Outcome]] = {}
    while True:
        b = os.read(fd, 4)
        if len(b) < 4:
            return got
        i = int.from_bytes(b, "little")
        start = starts[i]
        got[i] = [_scan_one(s, opts, rs) for s in sources[start:start + chunk]]
