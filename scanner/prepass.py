"""The multi-pattern pass: one scan of a buffer says, for every rule, on which lines it may match.

Every rule gives the pass what it can: a regex rule its regex, a rule of another engine its
``options.prefilter`` pattern, and any rule its ``keywords``. ``Prepass.scan(text)`` answers with
``Hits``: per rule, the lines (named by the offset of their end, the ``\\n`` or the end of the text)
where it may match, or ``ALL`` (anywhere: a multi-line rule that may match, or a rule the pass
knows nothing about). A rule absent from the answer cannot match. Engines look only there; a file
none of whose rules has a candidate is not parsed, and Python touches no other line.

The answer is exact in one direction: every line where a rule can match is in it. For a rule
with keywords, a line qualifies only if it holds one of them (lower-cased); a single-line rule's
regex is then searched within each of its lines (``engines.regex``), so what a rule finds does
not depend on how the lines were found. Two backends find them:

* **Hyperscan** (``pip install hyperscan``, a default dependency where wheels exist): one
  database for the engines a file is scanned with (``_Grouped``), one pass over the UTF-8 bytes. Each regex is widened to a Hyperscan pattern that matches at least what
  Python's ``re`` matches on the same text (``scanner.hsx``) and extended to the end of its
  line, so a line is reported once, at its end; a keyword is matched as ``str.lower()`` would
  find it, at each line's end, or once when only rules of whole-file engines use it
  (``LINE_ENGINES``: they learn only whether they may match). A pattern Hyperscan refuses falls
  back to the Python backend for that rule alone (``Prepass.fallbacks`` names it; nothing is
  dropped). The compiled databases are cached on disk per pattern set (``secretshift.base.cache``).
* **Python** (no Hyperscan, or inputs too small to pay for loading it): one ``str.find`` per
  keyword over the lower-cased text; a rule without keywords runs its regex over the text to find
  its lines (or runs anywhere).

``SECRETSHIFT_NO_HYPERSCAN=1`` forces the Python backend (tests compare both).
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Any, Iterable, Sequence

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from .ruleset import Rule

ALL = None  # "anywhere": the rule must look at the whole text
# Below this many bytes scanned in a process, loading Hyperscan and its database (a few ms) costs
# more than finding keywords with str.find: the hook's handful of small files never pays for it.
HYPERSCAN_AFTER_BYTES = 256 * 1024


class Hits:
    """Per rule id: sorted line ends (offsets of the ``\\n`` ending each line, or ``len(text)``),
    or ``ALL``. A rule of the pass (``known``) without an entry cannot match."""

    __slots__ = ("by_rule", "known")

    def __init__(self, by_rule: dict[str, list[int] | None], known: set[str]) -> None:
        self.by_rule = by_rule
        self.known = known

    def covers(self, rule: Rule) -> bool:
        return rule.id in self.known

    def lines(self, rule: Rule) -> list[int] | None:
        """The line ends where ``rule`` may match ([] for nowhere), or ``ALL``."""
        return self.by_rule.get(rule.id, [])

    def may_match(self, rule: Rule) -> bool:
        got = self.by_rule.get(rule.id, [])
        return got is ALL or bool(got)

    def __repr__(self) -> str:
        return f"Hits({ {k: ('ALL' if v is None else len(v)) for k, v in self.by_rule.items()} })"


def line_start(text: str, end: int) -> int:
    """Offset of the first character of the line ending at ``end``."""
    return text.rfind("\n", 0, end) + 1


def pass_pattern(rule: Rule) -> str | None:
    """What the pass searches for a rule besides its keywords: its regex (regex engine) or its
    ``options.prefilter`` (other engines: a single-line pattern). None for a rule with keywords
    marked ``options.prepass: keywords`` (docs/rules.md: its regex is slow for Hyperscan, its
    keywords rare): its keywords say where, its regex still decides there."""
    if rule.keywords and rule.options.get("prepass") == "keywords":
        return None
    if rule.engine == "regex" and rule.regex is not None:
        return rule.regex.pattern
    pre = rule.options.get("prefilter")
    return str(pre) if pre else None



def _whole_text(rule: Rule) -> bool:
    return rule.engine == "regex" and rule.multiline


# The engines that look at the lines the pass names (the code engine reads its keywords there,
# the python engine's gate too, for its own rules and the env engine's). The others (config,
# table) read the whole file when one of their rules may match: for their rules the pass answers
# ``ALL`` or nothing, and a keyword only they use is looked for once per text, not on every line.
LINE_ENGINES = frozenset({"regex", "python", "code", "env"})


def _by_lines(rule: Rule) -> bool:
    """Whether the pass names the lines where ``rule`` may match (else only whether it may)."""
    return rule.engine in LINE_ENGINES and not _whole_text(rule)


# --- the Python backend -------------------------------------------------------------------------

def _line_ends_of(text: str, lower: str, keyword: str) -> list[int]:
    """Line ends of the lines whose lower-cased form holds ``keyword``."""
    out: list[int] = []
    n = len(text)
    i = lower.find(keyword)
    while i != -1:
        e = lower.find("\n", i + len(keyword))
        out.append(n if e == -1 else e)
        if e == -1:
            break
        i = lower.find(keyword, e)
    return out


_NEWLINE = lazy_re("\n")
_WORD = lazy_re(r"[a-z0-9_]+")


@lru_cache(maxsize=4096)
def _core(keyword: str) -> str | None:
    """The longest run of word characters in a keyword (3 or more), which any occurrence of the
    keyword puts inside some word of the text; None when it has none."""
    runs = sorted(_WORD.findall(keyword), key=len)
    return runs[-1] if runs and len(runs[-1]) >= 3 else None


def _present(lower: str, keywords: Iterable[str]) -> list[str]:
    """The keywords that occur in ``lower``. On a large text, a keyword is first looked for by its
    core in the distinct words of the text joined (a far shorter haystack for each of some
    hundred keywords), and only then in the text."""
    kws = list(keywords)
    if len(lower) < 16384 or len(kws) < 16:
        return [k for k in kws if k in lower]
    words = " ".join(set(_WORD.findall(lower)))
    out = []
    for k in kws:
        core = _core(k)
        if core is not None and core not in words:
            continue
        if core == k or k in lower:
            out.append(k)
    return out


def keyword_lines(text: str, lower: str, keywords: Iterable[str]) -> dict[str, list[int]]:
    """keyword -> line ends of the lines holding it (only keywords that occur)."""
    found = {}
    present = _present(lower, keywords)
    if len(lower) == len(text):
        for k in present:
            found[k] = _line_ends_of(text, lower, k)
        return found
    # a character whose lower case is longer (İ) shifts offsets; lines still correspond, since
    # lower-casing keeps every newline: count them, in one walk over the occurrences
    occ = sorted((e, k) for k in present for e in _line_ends_of(lower, lower, k))
    nl = [m.start() for m in _NEWLINE.finditer(text)]
    n = prev = 0
    for e, k in occ:
        n += lower.count("\n", prev, e)
        prev = e
        end = nl[n] if n < len(nl) else len(text)
        got = found.setdefault(k, [])
        if not got or got[-1] != end:
            got.append(end)
    return found


def _merge(lists: Iterable[list[int]]) -> list[int]:
    got: set[int] = set()
    for x in lists:
        got.update(x)
    return sorted(got)


_M_ANCHORS = lazy_re(r"\\[AZz]|\(\?[a-zA-Z]*-[a-zA-Z]*m")


def _regex_lines(text: str, rule: Rule) -> list[int] | None:
    """Lines a keyword-less single-line rule's regex may match on, found with the regex itself: the
    lines every match over the whole text spans (in multi-line mode, so that `$` may end any line).
    A match within one line is always inside such a span. ``ALL`` when the pattern uses anchors
    that multi-line mode does not widen."""
    pat = pass_pattern(rule)
    if pat is None or _M_ANCHORS.search(pat):
        return ALL
    try:
        rx = _compiled_m(pat)
    except re.error:
        return ALL
    out: list[int] = []
    n = len(text)
    for m in rx.finditer(text):
        a, b = m.span()
        i = text.find("\n", a, b)
        while i != -1:  # every line the match touches
            out.append(i)
            i = text.find("\n", i + 1, b)
        e = text.find("\n", max(b, a + 1) - 1)
        out.append(n if e == -1 else e)
    return sorted(set(out))


_MCACHE: dict[str, re.Pattern[str]] = {}


def _compiled_m(pattern: str) -> re.Pattern[str]:
    """The pattern in multi-line mode; without a ``$`` that changes nothing that matters here (a
    ``^`` matches at the start of the text either way), so the engine's own compiled pattern
    (``re``'s cache) serves."""
    rx = _MCACHE.get(pattern)
    if rx is None:
        from secretshift.base.lazyre import compile_cached

        rx = _MCACHE[pattern] = compile_cached(pattern, re.MULTILINE if "$" in pattern else 0)
    return rx


def python_hits(text: str, rules: Sequence[Rule], lower: str | None = None, known: set[str] | None = None) -> Hits:
    """The pass without Hyperscan: keywords with ``str.find``, keyword-less regexes run for their lines."""
    if lower is None:
        lower = text.lower()
    line_kws, other, kinds = _python_prep(rules)
    found: dict[str, Any] = keyword_lines(text, lower, line_kws) if line_kws else {}
    if other:
        found.update(dict.fromkeys(_present(lower, other), ()))
    by_rule: dict[str, list[int] | None] = {}
    present: dict[tuple[str, ...], bool] = {}  # rules of whole-file engines often share their keywords
    for r, kind in kinds:
        if kind is _KEYWORDS:
            got = [found[k] for k in r.keywords if k in found]
            if got:
                by_rule[r.id] = _merge(got)
        elif kind is _PRESENT:
            hit = present.get(r.keywords)
            if hit is None:
                hit = present[r.keywords] = any(k in found for k in r.keywords)
            if hit:
                by_rule[r.id] = ALL
        elif kind is _ANYWHERE:
            by_rule[r.id] = ALL
        else:
            lines = _regex_lines(text, r)
            if lines is ALL or lines:
                by_rule[r.id] = lines
    return Hits(by_rule, known if known is not None else {r.id for r in rules})


_KEYWORDS, _PRESENT, _ANYWHERE, _REGEX = "keywords", "present", "anywhere", "regex"
_PREP: dict[int, tuple[Sequence[Rule], tuple[set[str], set[str], list[tuple[Rule, str]]]]] = {}


def _python_prep(rules: Sequence[Rule]) -> tuple[set[str], set[str], list[tuple[Rule, str]]]:
    """(keywords whose lines matter, keywords whose presence does, (rule, how it is answered)), per
    rule list: worked out once, not per text."""
    got = _PREP.get(id(rules))
    if got is None or got[0] is not rules:
        if len(_PREP) > 1024:
            _PREP.clear()
        line_kws = {k for r in rules if _by_lines(r) for k in r.keywords}
        other = {k for r in rules if not _by_lines(r) for k in r.keywords} - line_kws
        kinds = [(r, (_KEYWORDS if _by_lines(r) else _PRESENT) if r.keywords
                  else _ANYWHERE if _whole_text(r) or pass_pattern(r) is None else _REGEX) for r in rules]
        got = _PREP[id(rules)] = (rules, (line_kws, other, kinds))
    return got[1]


# --- the Hyperscan backend ----------------------------------------------------------------------

def hyperscan_module() -> Any:
    """The hyperscan module, or None when it is not installed or turned off."""
    if os.environ.get("SECRETSHIFT_NO_HYPERSCAN"):
        return None
    try:
        import hyperscan  # type: ignore[import-not-found]
    except ImportError:  # pragma: no cover - depends on the platform
        return None
    return hyperscan


class _HsPlan:
    """The Hyperscan database of a rule list, and what each pattern id stands for: a rule's
    pattern (reported at the end of each line it matches on; once, for a multi-line rule), or a
    keyword of rules without a pattern (at the end of each line holding it, or once, when only
    rules that read whole files use it: ``_by_lines``)."""

    def __init__(self, hs: Any, rules: Sequence[Rule], made: tuple[list[Any], list[Rule | None], str] | None = None) -> None:
        self.hs = hs
        specs, owners, key = made or (*_specs(rules), None)  # made: (specs, owners, cache key), worked out before
        self.db, refused = _compile_cached(hs, specs, key) if specs else (None, {})
        self.line_rules: dict[int, Rule] = {}  # pattern id -> rule (reports the ends of lines)
        self.any_rules: dict[int, Rule] = {}  # pattern id -> multi-line rule (reports once)
        self.kw_ids: dict[int, str] = {}  # pattern id -> keyword
        self.fallbacks: dict[str, str] = {}  # rule id -> why its pattern is not in the database
        self.once: set[int] = set()  # pattern ids reported once, not per line (offsets in bytes)
        for pid, (spec, owner) in enumerate(zip(specs, owners)):
            why = refused.get(pid)
            if owner is None:
                if why is None:
                    self.kw_ids[pid] = spec[1]
                    if not spec[2]:
                        self.once.add(pid)
            elif why is not None:
                self.fallbacks[owner.id] = why
            else:
                (self.any_rules if spec[1] else self.line_rules)[pid] = owner
                if spec[1]:
                    self.once.add(pid)
        known = set(self.kw_ids.values())
        # rules the database cannot answer for: refused patterns, keywords it lacks, no keywords
        bare = [r for r in rules if pass_pattern(r) is None]  # rules the pass knows by their keywords alone
        self.always_rules = [r for r in bare if not r.keywords]
        self.always = {r.id for r in self.always_rules}
        self.by_python = [r for r in rules if r.id in self.fallbacks
                          or (pass_pattern(r) is None and r.keywords and not set(r.keywords) <= known)]
        self.python_ids = {r.id for r in self.by_python}
        # keyword -> the rules answered by it (rules without a pattern whose keywords are all here)
        self.kw_rules: dict[str, list[Rule]] = {}
        for r in bare:
            if r.keywords and set(r.keywords) <= known:
                for k in r.keywords:
                    self.kw_rules.setdefault(k, []).append(r)
        self.whole = {r.id for r in rules if _whole_text(r)}
        self.lined = {r.id for r in rules if _by_lines(r)}
        self.cheap = not self.always_rules and not self.by_python  # no hit: nothing to answer
        self._todo: dict[int, tuple[set[str], list[Rule]]] = {}
        self._scratch: Any = None
        self._forks = -1

    def scratch(self) -> Any:
        if self._forks != _FORKS[0]:  # one scratch per process (a forked worker makes its own)
            self._scratch = self.hs.Scratch(self.db)
            self._forks = _FORKS[0]
        return self._scratch

    def by_python_of(self, known: set[str]) -> list[Rule]:
        """The rules of ``known`` that the database does not answer for."""
        got = self._todo.get(id(known))
        if got is None or got[0] is not known:
            if len(self._todo) > 1024:
                self._todo.clear()
            got = self._todo[id(known)] = (known, [r for r in self.by_python if r.id in known])
        return got[1]


_FORKS = [0]  # forks so far, in this process's line (a scratch is not shared between processes)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=lambda: _FORKS.__setitem__(0, _FORKS[0] + 1))


def _expressions(hs: Any, specs: list[Any], refused: dict[int, str]) -> list[tuple[int, bytes, int]]:
    """Hyperscan expressions for the specs (see ``_HsPlan``); untranslatable ones go to ``refused``."""
    from . import hsx

    exprs = []
    flags = hs.HS_FLAG_MULTILINE | hs.HS_FLAG_ALLOWEMPTY
    for pid, spec in enumerate(specs):
        if len(spec) == 3:  # a keyword: caseless, reported at the end of each line or once
            _, word, lines = spec
            exprs.append((pid, f"{hsx.keyword(word)}[^\\n]*$".encode("ascii"), hs.HS_FLAG_MULTILINE | hs.HS_FLAG_CASELESS)
                         if lines else (pid, hsx.keyword(word).encode("ascii"), hs.HS_FLAG_CASELESS | hs.HS_FLAG_SINGLEMATCH))
            continue
        pattern, whole = spec
        try:
            tr = hsx.translate(pattern, 0, line_end=not whole)
        except (hsx.Untranslatable, re.error, RecursionError) as e:
            refused[pid] = f"cannot translate: {e}"
            continue
        exprs.append((pid, tr.encode("ascii"), flags | (hs.HS_FLAG_SINGLEMATCH if whole else 0)))
    return exprs


def _specs(rules: Sequence[Rule]) -> tuple[list[Any], list[Rule | None]]:
    """What a database of ``rules`` holds, in pattern-id order: ``(pattern, whole text)`` for a
    rule's pattern, ``("kw", keyword, by lines)`` for a keyword of rules without one; and the rule
    each pattern stands for (None for a keyword)."""
    specs: list[Any] = []
    owners: list[Rule | None] = []
    for r in rules:
        pat = pass_pattern(r)
        if pat is not None:
            specs.append((pat, _whole_text(r)))
            owners.append(r)
    by_kw = [r for r in rules if pass_pattern(r) is None]
    line_kws = {k for r in by_kw if _by_lines(r) for k in r.keywords}
    for k in sorted({k for r in by_kw for k in r.keywords}):
        specs.append(("kw", k, k in line_kws))
        owners.append(None)
    return specs, owners


# Databases compiled in this process's run by forked helpers (``compile_all``): key -> the bytes a
# cache entry would hold. Consulted before the disk cache, so a cache that cannot be written
# loses nothing.
_COMPILED: dict[str, bytes] = {}
PREPASS_KEEP = 16  # cache entries of this kind: a rule set has one database per engine combination


def _cache_key(hs: Any, specs: list[Any]) -> str:
    import sys

    from secretshift.base.cache import sha256  # hashlib would initialise OpenSSL: ~3 ms

    h = sha256(f"{getattr(hs, '__version__', '?')}|{sys.version_info[:2]}".encode())
    h.update(_code_hash())
    for spec in specs:
        h.update(repr(spec).encode("utf-8", "surrogatepass") + b"\0")
    return h.hexdigest()[:32]


def _compile_specs(hs: Any, specs: list[Any]) -> tuple[Any, dict[int, str]]:
    """A freshly compiled database of ``specs``, and refused pattern id -> reason."""
    refused: dict[int, str] = {}
    return _compile(hs, _expressions(hs, specs, refused), refused), refused


def _entry(hs: Any, db: Any, refused: dict[int, str]) -> bytes:
    """A database as a cache entry's bytes: the serialised database, then the refused patterns
    (marshal), then the database's length (8 bytes). Read back by ``_load_entry`` with the database
    as one exact read: each copy of a 2 MB buffer costs ~1.3 ms here, in page faults (pickle's
    wrapper cost one more copy per database)."""
    import marshal

    raw = hs.dumpb(db)
    return raw + marshal.dumps(refused) + len(raw).to_bytes(8, "little")


def _parse_entry(hs: Any, raw: bytes, meta: bytes) -> tuple[Any, dict[int, str]]:
    import marshal

    refused = marshal.loads(meta)
    if not isinstance(refused, dict):
        raise ValueError("not a database entry")
    return hs.loadb(raw, hs.HS_MODE_BLOCK), refused


def _load_entry(hs: Any, key: str) -> tuple[Any, dict[int, str]] | None:
    """(database, refused) from this run's helpers or the disk cache, or None (missing, stale, corrupt)."""
    try:
        blob = _COMPILED.pop(key, None)
        if blob is not None:
            n = int.from_bytes(blob[-8:], "little")
            return _parse_entry(hs, blob[:n], blob[n:-8])
        from secretshift.base import cache

        fh = cache.open_entry("prepass", key)
        if fh is None:
            return None
        with fh:
            size = fh.seek(0, 2)
            fh.seek(size - 8)
            n = int.from_bytes(fh.read(8), "little")
            if not 0 < n <= size - 8:
                return None
            fh.seek(0)
            raw = fh.read(n)
            return _parse_entry(hs, raw, fh.read(size - 8 - n))
    except Exception:  # noqa: BLE001 - a stale or corrupt entry: compile again
        return None


def _compiled_blob(hs: Any, specs: list[Any]) -> bytes:
    """A freshly compiled database of ``specs`` as a cache entry's bytes."""
    return _entry(hs, *_compile_specs(hs, specs))


def _store(key: str, blob: bytes) -> None:
    from secretshift.base import cache

    try:
        cache.write("prepass", key, blob, keep=PREPASS_KEEP)
    except Exception:  # noqa: BLE001 - not cached: compiled again next time
        pass


def _compile_cached(hs: Any, specs: list[Any], key: str | None = None) -> tuple[Any, dict[int, str]]:
    """(database, refused pattern id -> reason), from the disk cache when this pattern set was
    compiled before (compiling takes seconds; loading, milliseconds). ``key``: ``_cache_key`` of
    ``specs`` if already worked out."""
    key = key or _cache_key(hs, specs)
    got = _load_entry(hs, key)
    if got is not None:
        return got
    db, refused = _compile_specs(hs, specs)
    try:
        _store(key, _entry(hs, db, refused))
    except Exception:  # noqa: BLE001 - a database that cannot be serialised is just not cached
        pass
    return db, refused


def compile_all(hs: Any, spec_lists: list[list[Any]], jobs: int, keys: list[str] | None = None) -> None:
    """Compile, side by side in forked processes (up to ``jobs`` at once), the databases of
    ``spec_lists`` that the disk cache lacks: a cold cache costs one database's compile time per
    core instead of all of them in a row (each takes about a second). What a helper compiled goes
    to the disk cache and to ``_COMPILED``; a helper that fails leaves its database to be compiled
    here, as without this."""
    from secretshift.base import cache

    pending: dict[str, list[Any]] = {}  # key -> specs, the databases to compile
    for i, specs in enumerate(spec_lists):
        key = keys[i] if keys else _cache_key(hs, specs)
        if specs and key not in _COMPILED and not cache.exists("prepass", key):
            pending.setdefault(key, specs)
    todo = list(pending.items())
    if len(todo) < 2 or jobs < 2 or not hasattr(os, "fork"):
        return
    from secretshift.base import forked

    groups = [todo[i::min(jobs, len(todo))] for i in range(min(jobs, len(todo)))]
    helpers: list[tuple[int, int]] = []  # (pid, read end)
    for group in groups[1:]:  # the first group is compiled here, while the helpers work
        got = forked.start(lambda group=group: {key: _compiled_blob(hs, specs) for key, specs in group})
        if got is None:
            break
        helpers.append(got)
    mine: dict[str, bytes] = {}
    for key, specs in groups[0]:
        try:
            mine[key] = _compiled_blob(hs, specs)
        except Exception:  # noqa: BLE001 - compiled again (and its error reported) where it is needed
            pass
    _keep(mine)
    for pid, fd in helpers:  # what a helper did not deliver is compiled where it is needed
        try:
            ok, blobs = forked.collect(pid, fd)
        finally:
            os.close(fd)
        if ok:
            _keep(blobs)


def _keep(blobs: dict[str, bytes]) -> None:
    """Databases compiled by ``compile_all``: for this run, and in the disk cache for the next."""
    for key, blob in blobs.items():
        _COMPILED[key] = blob
        _store(key, blob)


_CODE_HASH: list[bytes] = []


def _code_hash() -> bytes:
    """The translator's own code: a change to how patterns are built is a different database."""
    if not _CODE_HASH:
        from secretshift.base.cache import sha256

        h = sha256()
        for name in ("hsx.py", "prepass.py"):
            try:
                with open(os.path.join(os.path.dirname(__file__), name), "rb") as fh:
                    h.update(fh.read())
            except OSError:
                h.update(name.encode())
        _CODE_HASH.append(h.digest())
    return _CODE_HASH[0]


def _compile(hs: Any, exprs: list[tuple[int, bytes, int]], refused: dict[int, str]) -> Any:
    """Compile ``exprs``; a pattern Hyperscan refuses is tried once more in its prefilter mode (a
    superset it can build, which is all the pass needs), then left out and recorded in ``refused``."""
    todo = list(exprs)
    prefilter = getattr(hs, "HS_FLAG_PREFILTER", 0)
    while True:
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        batch = todo or [(1 << 30, b"\\A\\z(?:x)", hs.HS_FLAG_MULTILINE)]  # an empty database is refused
        try:
            db.compile(expressions=[e for _, e, _ in batch], ids=[i for i, _, _ in batch],
                       flags=[f for _, _, f in batch])
            return db
        except hs.error:
            bad = next((i for i, x in enumerate(todo) if _refused(hs, x) is not None), None)
            if bad is None:
                raise
            pid, e, f = todo[bad]
            if prefilter and not f & prefilter and _refused(hs, (pid, e, f | prefilter)) is None:
                todo[bad] = (pid, e, f | prefilter)
                continue
            refused[pid] = _refused(hs, todo[bad]) or "refused"
            del todo[bad]


def _refused(hs: Any, expr: tuple[int, bytes, int]) -> str | None:
    try:
        hs.Database(mode=hs.HS_MODE_BLOCK).compile(expressions=[expr[1]], ids=[expr[0]], flags=[expr[2]])
        return None
    except hs.error as e:
        return str(e)


class _Grouped:
    """The Hyperscan databases of a rule list, made (or read from the cache) when a file first
    needs one: each file is scanned once, whatever number of engines look at it (the patterns of
    several engines in one database cost little more than the largest part alone). A database
    holds the rules of every engine that reads whole files (their keywords are reported once per
    file) and of the line engines the file is scanned with: a Markdown file is not run through the
    Python or code engine's words (`key`, `pass`, `token`: they would report most of its lines)."""

    def __init__(self, hs: Any, rules: Sequence[Rule]) -> None:
        self.hs = hs
        self.rules = list(rules)
        self.engines = frozenset(r.engine for r in self.rules)
        self.whole_file = self.engines - LINE_ENGINES
        self._plans: dict[frozenset[str], _HsPlan] = {}
        self._made: dict[frozenset[str], tuple[list[Any], list[Rule | None], str]] = {}  # see all_plans

    def plan_for(self, engines: frozenset[str]) -> _HsPlan:
        got = self._plans.get(engines)
        if got is None:
            key = self._key(engines)
            got = self._plans.get(key)
            if got is None:
                got = self._plans[key] = _HsPlan(self.hs, self._rules_of(key), self._made.pop(key, None))
            self._plans[engines] = got
        return got

    def _rules_of(self, key: frozenset[str]) -> list[Rule]:
        return [r for r in self.rules if r.engine in key]

    def _key(self, engines: frozenset[str]) -> frozenset[str]:
        return (engines & LINE_ENGINES) | self.whole_file

    def all_plans(self) -> list[_HsPlan]:
        """The database of each combination of engines files are scanned with (those not in the
        cache compiled side by side first, one per core: ``compile_all``)."""
        from .scan import ENGINES_FOR_LANGUAGE

        combos = [frozenset(("regex", *c)) & self.engines for c in (*ENGINES_FOR_LANGUAGE.values(), ())]
        missing = sorted({self._key(e) for e in combos if e not in self._plans and self._key(e) not in self._plans},
                         key=sorted)
        for k in missing:  # each database's specs and cache key, worked out once (~3 ms each)
            specs, owners = _specs(self._rules_of(k))
            self._made[k] = (specs, owners, _cache_key(self.hs, specs))
        if len(missing) > 1:
            compile_all(self.hs, [self._made[k][0] for k in missing], os.cpu_count() or 1,
                        [self._made[k][2] for k in missing])
        return [self.plan_for(e) for e in combos]

    @property
    def fallbacks(self) -> dict[str, str]:
        # whether Hyperscan takes a pattern does not depend on the others in its database
        return dict(self.plan_for(self.engines).fallbacks)


class Prepass:
    """The pass for one rule list (see the module docstring). Cheap to build: the Hyperscan
    databases are made (or read from the cache) on first use, once inputs are large enough."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.rules = list(rules)
        self.ids = {r.id for r in self.rules}
        self._of: dict[int, tuple[Sequence[Rule], set[str], frozenset[str]]] = {}  # id -> (rules, ids, engines)
        self._hs: _Grouped | None | bool = None  # None: not tried; False: unavailable
        self._bytes = 0
        self.force: str | None = None  # "python" or "hyperscan": skip the size heuristic (tests)

    def __getstate__(self) -> dict[str, Any]:  # to spawned workers: rules only, the database is rebuilt
        return {"rules": self.rules, "force": self.force}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["rules"])  # type: ignore[misc]
        self.force = state.get("force")

    @property
    def fallbacks(self) -> dict[str, str]:
        """Rule id -> why Hyperscan does not run its pattern (the rule then runs on its keywords)."""
        plan = self._plan()
        return dict(plan.fallbacks) if plan else {}

    def backend(self) -> str:
        return "hyperscan" if self._plan() else "python"

    def _plan(self) -> _Grouped | None:
        if self._hs is None:
            hs = hyperscan_module() if self.force != "python" else None
            self._hs = _Grouped(hs, self.rules) if hs is not None else False
        return self._hs or None

    def expect(self, nbytes: int) -> None:
        """Say how much input is coming: enough of it makes the first scan use Hyperscan."""
        self._bytes += nbytes

    def ready(self) -> None:
        """Load (or compile) the database now if the input is large enough for it (before a
        process pool forks, so that the workers share it)."""
        if self.force == "hyperscan" or (self.force != "python" and self._bytes >= HYPERSCAN_AFTER_BYTES):
            grouped = self._plan()
            if grouped is not None:
                grouped.all_plans()

    def scan(self, text: str, lower: str | None = None, only: Sequence[Rule] | None = None) -> Hits:
        """Where each rule (of ``only``, a part of this pass's rules, if given) may match in
        ``text`` (``lower``: ``text.lower()`` if already made)."""
        rules = self.rules if only is None else only
        got = self._of.get(id(rules))
        if got is None or got[0] is not rules:
            if len(self._of) > 1024:
                self._of.clear()
            got = self._of[id(rules)] = (rules, self.ids if only is None else {r.id for r in rules},
                                         frozenset(r.engine for r in rules))
        known = got[1]
        grouped = self._hs
        if not grouped:  # not tried yet, or unavailable
            use_hs = self.force == "hyperscan" or (
                self.force != "python" and self._bytes + len(text) >= HYPERSCAN_AFTER_BYTES)
            if grouped is None:
                self._bytes += len(text)
            grouped = self._plan() if use_hs else None
            if grouped is None:
                return python_hits(text, rules, lower, known)
        ascii_text = text.isascii()
        data = text.encode("ascii") if ascii_text else text.encode("utf-8")
        by_rule: dict[str, list[int] | None] = {}
        _hs_hits(grouped.plan_for(got[2]), rules, text, data, ascii_text, [lower] if lower is not None else [],
                 known, by_rule)
        return Hits(by_rule, known)


def _scan(plan: _HsPlan, db: Any, data: bytes) -> dict[int, list[int]]:
    """pattern id -> end offsets, in order."""
    raw: dict[int, list[int]] = {}

    def on_match(pid: int, _start: int, end: int, _flags: int, _ctx: Any) -> None:
        got = raw.get(pid)
        if got is None:
            raw[pid] = [end]
        else:
            got.append(end)

    db.scan(data, match_event_handler=on_match, scratch=plan.scratch())
    return raw


def _has_keyword(low: str, keywords: tuple[str, ...]) -> bool:
    for k in keywords:
        if k in low:
            return True
    return False


_PARTNERS = lazy_re("[" + "\u0130\u0131\u017f\u212a" + "]")  # hsx.CASE_PARTNERS


def _first_partner(text: str) -> int | None:
    """Offset of the first of İ ı ſ K in ``text`` (None without): four str.find, each far faster
    than one regex search for a class over a long text."""
    got = [i for i in map(text.find, "\u0130\u0131\u017f\u212a") if i != -1]
    return min(got) if got else None


def _hs_hits(plan: _HsPlan, rules: Sequence[Rule], text: str, data: bytes, ascii_text: bool, low_text: list[str],
             known: set[str], by_rule: dict[str, list[int] | None]) -> None:
    """Add to ``by_rule`` where ``rules`` (of ``plan``'s engines) may match in ``text``."""
    partner = None if ascii_text else _first_partner(text)
    raw = _scan(plan, plan.db, data) if plan.db is not None else {}
    if not raw and plan.cheap and partner is None:
        return  # most files: no rule can match
    if not ascii_text and raw:  # byte offsets of line ends -> character offsets
        conv = _ByteToChar(data)
        once = plan.once
        raw = {pid: (ends if pid in once else conv.lines(ends)) for pid, ends in raw.items()}

    def anywhere(r: Rule) -> bool:  # one of the rule's keywords anywhere in the text
        if not r.keywords:
            return True
        if not low_text:
            low_text.append(text.lower())
        return _has_keyword(low_text[0], r.keywords)

    lowers: dict[int, str] = {}

    def on_line(r: Rule, end: int) -> bool:  # one of the rule's keywords on the line ending at `end`
        low = lowers.get(end)
        if low is None:
            low = lowers[end] = text[text.rfind("\n", 0, end) + 1:end].lower()
        return _has_keyword(low, r.keywords)

    by_kw: dict[str, list[list[int]]] = {}  # rule id -> the lines of its keywords that occur
    kw_rules = plan.kw_rules
    lined = plan.lined
    for pid, ends in raw.items():
        k = plan.kw_ids.get(pid)
        if k is not None:
            for r in kw_rules.get(k, ()):
                if r.id in known:
                    if r.id not in lined:
                        by_rule[r.id] = ALL
                    else:
                        by_kw.setdefault(r.id, []).append(ends)
            continue
        r = plan.any_rules.get(pid)
        if r is not None:
            if r.id in known and anywhere(r):
                by_rule[r.id] = ALL
            continue
        r = plan.line_rules[pid]
        if r.id in known:
            if r.keywords:
                ends = [e for e in ends if on_line(r, e)]
            if ends:
                by_rule[r.id] = ends if r.id in lined else ALL
    for rid, got in by_kw.items():
        by_rule[rid] = got[0] if len(got) == 1 else _merge(got)
    for r in plan.always_rules:
        if r.id in known:
            by_rule[r.id] = ALL
    todo = plan.by_python_of(known)
    if todo:  # the rules Hyperscan does not answer for, in one go
        by_rule.update(python_hits(text, todo, low_text[0] if low_text else None).by_rule)
    if partner is not None:
        _add_partner_lines(plan, rules, text, partner, known, by_rule, anywhere, on_line)


def _add_partner_lines(plan: _HsPlan, rules: Sequence[Rule], text: str, first: int, known: set[str],
                       by_rule: dict[str, list[int] | None], anywhere: Any, on_line: Any) -> None:
    """Lines holding İ ı ſ or K: Python's case-insensitive matching pairs them with ASCII
    letters and str.lower() turns İ and K into some; the database does not (spelling those out
    would cost every pattern its literals). On those lines the rules' keywords decide, as in the
    Python backend; a multi-line rule whose keywords occur runs."""
    lines = []
    pos = first
    while pos != -1:
        end = text.find("\n", pos)
        end = len(text) if end == -1 else end
        lines.append(end)
        m = _PARTNERS.search(text, end)
        pos = m.start() if m else -1
    for r in rules:
        if r.id not in known or r.id in plan.python_ids or r.id in plan.always:
            continue
        cur = by_rule.get(r.id, [])
        if cur is ALL:
            continue
        if r.id not in plan.lined:
            if anywhere(r) if r.id in plan.whole else not r.keywords or any(on_line(r, e) for e in lines):
                by_rule[r.id] = ALL
            continue
        add = lines if not r.keywords else [e for e in lines if on_line(r, e)]
        if add:
            by_rule[r.id] = _merge([cur or [], add])


class _ByteToChar:
    """Byte offsets of line ends in UTF-8 ``data`` -> character offsets (one pass, cached)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.map: dict[int, int] = {}
        self._b = self._c = 0

    def lines(self, ends: list[int]) -> list[int]:
        m = self.map
        todo = sorted({e for e in ends if e not in m})
        if todo and todo[0] < self._b:  # an earlier offset than seen so far: start over
            self._b = self._c = 0
        for b in todo:
            self._c += len(self.data[self._b:b].decode("utf-8"))
            self._b = b
            m[b] = self._c
        return [m[e] for e in ends]
