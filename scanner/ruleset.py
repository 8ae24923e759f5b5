"""Rules are data: YAML files in ``rules/`` (shipped as ``secretshift.rules``) -> validated ``Rule``s.

Loading validates every rule and fails with ``RuleConfigError`` naming the file and the rule code.
Compiled regexes live on the ``Rule`` object. The rule schema is documented in docs/rules.md.
"""
from __future__ import annotations

import os
import re
from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from secretshift.base.record import dataclass, field as dc_field  # not dataclasses: see secretshift/base/record.py
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Callable, Iterable

from secretshift.base.errors import RuleConfigError

from .models import CATEGORIES, CONFIDENCES, SEVERITIES

ENGINES = ("regex", "python", "env", "config", "code", "table")
# The closed set of matchers each engine offers (a rule's `matcher:` picks one). Kept here, not read
# from the engine modules, so loading rules imports no engine; tests check both lists agree.
ENGINE_MATCHERS: dict[str, tuple[str, ...]] = {
    "regex": (),
    "python": ("assignment", "keyword-arg", "dict-key", "default-arg", "comparison", "env-default",
               "entropy", "template", "key-literal", "text-fallback"),
    "env": ("environ", "config-helper", "pydantic", "env-helper", "process-env", "env-call", "env-default", "config-placeholder"),
    "config": ("actions", "cfn-env", "cfn-property", "compose", "config-env", "config-lines", "dockerfile",
               "dotenv", "ecs", "k8s-configmap", "k8s-env", "k8s-secret", "serverless", "terraform"),
    "code": ("assignment", "dict-key", "keyword-arg", "default-arg", "comparison", "call-arg", "markup",
             "command-flag", "key-bytes"),
    "table": ("table-column",),
}
RULE_KEYS = {
    "id", "slug", "description", "engine", "matcher", "keywords", "regex", "secret_group",
    "name_pattern", "entropy", "min_length", "max_length", "allowlist", "paths", "exclude_paths",
    "category", "service", "field", "severity", "confidence", "priority", "rotation", "docs",
    "samples", "deprecated", "kind", "options", "multiline", "validator", "context",
}
REQUIRED = ("id", "slug", "description", "engine", "category", "severity", "confidence", "samples")
ALLOWLIST_KEYS = {"stopwords", "regexes", "paths"}
DOCS_KEYS = {"what", "why", "example", "use_instead", "fix_safety", "references"}
_ID_RE = lazy_re(r"^SS\d{3}$")
_SLUG_RE = lazy_re(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class LazyPattern:
    """A regex compiled on first use. Rules are validated (compiled) when a rule file is parsed; a
    ruleset read from the cache compiles only the patterns a scan actually runs, which keeps the
    hook's start-up short. Behaves like the ``re.Pattern`` it wraps; pickles as its text."""

    __slots__ = ("pattern", "_c")

    def __init__(self, pattern: str, compiled: re.Pattern[str] | None = None) -> None:
        self.pattern = pattern
        self._c = compiled

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._c is None:
            from secretshift.base.lazyre import compile_cached

            self._c = compile_cached(self.pattern)
        return self._c

    def __getattr__(self, name: str) -> Any:  # search, finditer, groupindex, groups, flags ...
        return getattr(self.compiled, name)

    def __reduce__(self) -> Any:
        return (LazyPattern, (self.pattern,))

    def __repr__(self) -> str:
        return f"LazyPattern({self.pattern!r})"


@dataclass(frozen=True)
class Sample:
    text: str
    path: str | None = None  # file name the sample is scanned as (decides the language)


@dataclass
class Rule:
    id: str
    slug: str
    description: str
    engine: str
    category: str
    severity: str
    confidence: str
    source: str  # file the rule came from
    matcher: str | None = None
    kind: str = "hardcoded"
    keywords: tuple[str, ...] = ()
    regex: re.Pattern[str] | None = None
    secret_group: str | int = "secret"
    name_pattern: re.Pattern[str] | None = None
    entropy: float = 0.0
    min_length: int = 0
    max_length: int = 0
    stopwords: tuple[str, ...] = ()
    allow_regexes: tuple[re.Pattern[str], ...] = ()
    allow_paths: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    exclude_paths: tuple[str, ...] = ()
    service: str | None = None
    field: str | None = None
    priority: int = 0
    rotation: str | None = None
    # docs and samples: read from the cache only when asked for (see _LAZY); no class default,
    # so that a rule loaded without them reaches __getattr__
    docs: dict[str, str] = dc_field(default_factory=dict)
    positives: tuple[Sample, ...] = dc_field(default_factory=tuple)
    negatives: tuple[Sample, ...] = dc_field(default_factory=tuple)
    options: dict[str, Any] = dc_field(default_factory=dict)
    multiline: bool = False
    deprecated: bool = False
    validator: dict[str, Any] | None = None  # scanner/validators.py: a checksum or structure check
    context: tuple[str, ...] = ()  # words one of which must come shortly before the value

    def __getattr__(self, name: str) -> Any:
        if name in _LAZY and "_docs_ref" in self.__dict__:
            _load_docs(self.__dict__["_docs_ref"])
            return self.__dict__[name]
        raise AttributeError(name)

    def __getstate__(self) -> dict[str, Any]:  # to a worker process: complete
        if "_docs_ref" in self.__dict__ and not all(k in self.__dict__ for k in _LAZY):
            _load_docs(self.__dict__["_docs_ref"])
        return {k: v for k, v in self.__dict__.items() if k != "_docs_ref"}

    def __setstate__(self, state: dict[str, Any]) -> None:  # defined, so unpickling never asks __getattr__
        self.__dict__.update(state)


_LAZY = ("docs", "positives", "negatives")


# `context: [word, ...]`: the value must follow one of the words within CONTEXT_GAP characters on
# the same line, across a name, quotes and assignment punctuation (`MAILGUN_API_KEY = "`,
# `mailgun: {key: '`, `Mailgun(api_key="`), never across a slash, an @ or a comment sign. A word
# starts after a non-letter (`_`, `-` and digits count as separators), so `ably` is not found in
# `probably` nor `meraki` in `CameraKit`.
CONTEXT_GAP = 40
_CONTEXT_CHARS = r"""[\w \t'"`:=>,.()\[\]{}|-]"""


def context_regex(words: tuple[str, ...], regex: str) -> str:
    """The regex a rule with ``context:`` runs: a case-insensitive word, a short gap, the value."""
    alt = "|".join(re.escape(w) for w in words)
    return f"(?i:(?:^|[^a-z])(?:{alt})){_CONTEXT_CHARS}{{0,{CONTEXT_GAP}}}?(?:{regex})"


def _fail(source: str, rid: str, msg: str) -> RuleConfigError:
    return RuleConfigError(f"{source}: rule {rid}: {msg}")


def _compile(source: str, rid: str, what: str, pattern: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise _fail(source, rid, f"{what} must be a string")
    try:
        return LazyPattern(pattern, re.compile(pattern))  # type: ignore[return-value]
    except re.error as e:
        raise _fail(source, rid, f"{what} does not compile: {e}") from None


def _samples(source: str, rid: str, raw: Any, key: str) -> tuple[Sample, ...]:
    items = raw.get(key, []) if isinstance(raw, dict) else None
    if not isinstance(items, list):
        raise _fail(source, rid, f"samples.{key} must be a list")
    out = []
    for it in items:
        if isinstance(it, str):
            out.append(Sample(it))
        elif isinstance(it, dict) and isinstance(it.get("text"), str) and set(it) <= {"text", "path"}:
            out.append(Sample(it["text"], it.get("path")))
        else:
            raise _fail(source, rid, f"samples.{key}: each sample is a string or {{text, path}}")
    return tuple(out)


def _str_list(source: str, rid: str, what: str, v: Any) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _fail(source, rid, f"{what} must be a list of strings")
    return tuple(v)


def parse_rule(raw: Any, source: str) -> Rule:
    """Validate one raw mapping and build a compiled ``Rule``.

    :raises RuleConfigError: naming ``source`` and the rule id.
    """
    if not isinstance(raw, dict):
        raise RuleConfigError(f"{source}: each rule must be a mapping, got {type(raw).__name__}")
    rid = str(raw.get("id", "<no id>"))
    unknown = set(raw) - RULE_KEYS
    if unknown:
        raise _fail(source, rid, f"unknown key(s): {', '.join(sorted(unknown))}")
    for k in REQUIRED:
        if k not in raw:
            raise _fail(source, rid, f"missing required key '{k}'")
    if not _ID_RE.match(rid):
        raise _fail(source, rid, "id must look like SS123")
    if not isinstance(raw["slug"], str) or not _SLUG_RE.match(raw["slug"]):
        raise _fail(source, rid, "slug must be kebab-case")
    if raw["engine"] not in ENGINES:
        raise _fail(source, rid, f"engine must be one of {', '.join(ENGINES)}")
    if raw["category"] not in CATEGORIES:
        raise _fail(source, rid, f"category must be one of {', '.join(CATEGORIES)}")
    if raw["severity"] not in SEVERITIES:
        raise _fail(source, rid, f"severity must be one of {', '.join(SEVERITIES)}")
    if raw["confidence"] not in CONFIDENCES:
        raise _fail(source, rid, f"confidence must be one of {', '.join(CONFIDENCES)}")
    kind = raw.get("kind", "hardcoded")
    if kind not in ("hardcoded", "env"):
        raise _fail(source, rid, "kind must be hardcoded or env")
    rule = Rule(
        id=rid, slug=raw["slug"], description=str(raw["description"]), engine=raw["engine"],
        category=raw["category"], severity=raw["severity"], confidence=raw["confidence"],
        source=source, matcher=raw.get("matcher"), kind=kind,
        service=raw.get("service"), field=raw.get("field"), rotation=raw.get("rotation"),
        priority=int(raw.get("priority", 0)), multiline=bool(raw.get("multiline", False)),
        deprecated=bool(raw.get("deprecated", False)),
    )
    rule.keywords = tuple(k.lower() for k in _str_list(source, rid, "keywords", raw.get("keywords")))
    rule.context = _str_list(source, rid, "context", raw.get("context"))
    if rule.context:
        if "regex" not in raw or not isinstance(raw["regex"], str):
            raise _fail(source, rid, "context needs a regex (the value's shape)")
        if any(not w.strip() for w in rule.context):
            raise _fail(source, rid, "context words must not be empty")
        # the prefilter needs one of the words in the file, and the line windows start at them
        rule.keywords = tuple(dict.fromkeys((*rule.keywords, *(w.lower() for w in rule.context))))
    if "regex" in raw:
        pattern = context_regex(rule.context, raw["regex"]) if rule.context else raw["regex"]
        rule.regex = _compile(source, rid, "regex", pattern)
        grp = raw.get("secret_group", "secret" if "secret" in rule.regex.groupindex else 0)
        if isinstance(grp, str) and grp not in rule.regex.groupindex:
            raise _fail(source, rid, f"invalid secret group '{grp}': no such named group in regex")
        if isinstance(grp, int) and not 0 <= grp <= rule.regex.groups:
            raise _fail(source, rid, f"invalid secret group {grp}: regex has {rule.regex.groups} groups")
        rule.secret_group = grp
    elif rule.engine == "regex":
        raise _fail(source, rid, "engine regex needs a regex")
    allowed = ENGINE_MATCHERS[rule.engine]
    if rule.matcher is not None and rule.matcher not in allowed:
        raise _fail(source, rid, f"engine {rule.engine} has no matcher '{rule.matcher}'"
                    + (f" (one of {', '.join(allowed)})" if allowed else ""))
    if rule.matcher is None and allowed:
        raise _fail(source, rid, f"engine {rule.engine} needs a matcher (one of {', '.join(allowed)})")
    if "name_pattern" in raw:
        rule.name_pattern = _compile(source, rid, "name_pattern", raw["name_pattern"])
    for k in ("entropy",):
        if k in raw and not isinstance(raw[k], (int, float)):
            raise _fail(source, rid, f"{k} must be a number")
    rule.entropy = float(raw.get("entropy", 0.0))
    rule.min_length = int(raw.get("min_length", 0))
    rule.max_length = int(raw.get("max_length", 0))
    al = raw.get("allowlist") or {}
    if not isinstance(al, dict) or set(al) - ALLOWLIST_KEYS:
        raise _fail(source, rid, f"allowlist must be a mapping with keys {sorted(ALLOWLIST_KEYS)}")
    rule.stopwords = tuple(s.lower() for s in _str_list(source, rid, "allowlist.stopwords", al.get("stopwords")))
    rule.allow_regexes = tuple(
        _compile(source, rid, "allowlist.regexes", p) for p in _str_list(source, rid, "allowlist.regexes", al.get("regexes"))
    )
    rule.allow_paths = _str_list(source, rid, "allowlist.paths", al.get("paths"))
    rule.paths = _str_list(source, rid, "paths", raw.get("paths"))
    rule.exclude_paths = _str_list(source, rid, "exclude_paths", raw.get("exclude_paths"))
    docs = raw.get("docs") or {}
    if not isinstance(docs, dict) or set(docs) - DOCS_KEYS:
        raise _fail(source, rid, f"docs must be a mapping with keys from {sorted(DOCS_KEYS)}")
    rule.docs = {k: str(v) for k, v in docs.items()}
    if "validator" in raw:
        from .validators import spec_error

        err = spec_error(raw["validator"])
        if err:
            raise _fail(source, rid, err)
        rule.validator = dict(raw["validator"])
    opts = raw.get("options") or {}
    if not isinstance(opts, dict):
        raise _fail(source, rid, "options must be a mapping")
    rule.options = opts
    rule.positives = _samples(source, rid, raw["samples"], "positive")
    rule.negatives = _samples(source, rid, raw["samples"], "negative")
    if not rule.positives or not rule.negatives:
        raise _fail(source, rid, "needs at least one positive and one negative sample")
    rule.docs.setdefault("example", rule.positives[0].text)
    return rule


def _with_defaults(raw: Any, defaults: dict[str, Any]) -> Any:
    """A rule with its file's ``defaults:`` filled in (the rule's own keys win; ``docs`` and
    ``options`` merge one level deep)."""
    if not isinstance(raw, dict) or not defaults:
        return raw
    out = {**defaults, **raw}
    for k in ("docs", "options"):
        if isinstance(defaults.get(k), dict) and isinstance(raw.get(k), dict):
            out[k] = {**defaults[k], **raw[k]}
    return out


def _yaml_load(text: str, source: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - safe loader
    except yaml.YAMLError as e:
        raise RuleConfigError(f"{source}: not valid YAML: {str(e).splitlines()[0]}") from None


# --- the rule cache ---------------------------------------------------------------------------
# Parsing YAML and validating every rule costs tens of milliseconds per run; the hook runs often.
# The validated rules of a set of rule files are stored in the user's cache directory
# (``secretshift.base.cache``) under a hash of those files' contents and of this loader's own code, so a
# changed rule file (a user's or a built-in one) is a different entry. Patterns are kept as text
# (LazyPattern), so a warm load compiles nothing up front.


def _code_stamp() -> bytes:
    """The loader's own code (and the record classes it pickles): a change is a different cache."""
    from secretshift.base import record

    parts = []
    for path in (__file__, os.path.join(os.path.dirname(__file__), "models.py"), record.__file__):
        try:
            st = os.stat(path)
            parts.append(f"{os.path.basename(path)}:{st.st_size}:{st.st_mtime_ns}")
        except OSError:
            parts.append("?")
    return "|".join(parts).encode()


def _read_rule_file(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as e:
        raise RuleConfigError(f"{path}: cannot read rule file: {e.strerror or e}") from None


def _cache_key(contents: list[tuple[str, bytes]]) -> str:
    from secretshift.base.cache import digest

    return digest(_code_stamp(), *(x for name, data in contents for x in (name.encode("utf-8", "surrogateescape"), data)))


# The cache holds plain data (marshal: no import, and loads in a fraction of pickle's time): the
# fields a scan needs in one entry, docs and samples, which only `secretshift rules`, `explain`
# and the tests read, in another, loaded on first use.
_PATTERNS = ("regex", "name_pattern")


def _plain(rule: Rule) -> tuple[dict[str, Any], tuple[Any, ...]]:
    d = {k: v for k, v in rule.__dict__.items() if k not in _LAZY and not k.startswith("_")}
    for k in _PATTERNS:
        if d.get(k) is not None:
            d[k] = d[k].pattern
    d["allow_regexes"] = tuple(p.pattern for p in rule.allow_regexes)
    for k in [k for k, v in d.items() if _is_default(k, v)]:  # the class has it: a smaller entry to load
        del d[k]
    samples = tuple(tuple((x.text, x.path) for x in getattr(rule, k)) for k in ("positives", "negatives"))
    return d, (rule.docs, *samples)


def _is_default(k: str, v: Any) -> bool:
    """Whether a field holds the class's own default (same type and value): such fields are left
    out of the cache entry (half of a rule's fields; the class attribute answers for them)."""
    dv = Rule.__dict__.get(k, _NO_DEFAULT)
    return dv is not _NO_DEFAULT and type(v) is type(dv) and v == dv and not callable(dv)


_NO_DEFAULT = object()


def _from_plain(d: dict[str, Any], ref: Any) -> Rule:
    r = Rule.__new__(Rule)
    r.__dict__.update(d)
    for k in _PATTERNS:
        if d.get(k) is not None:
            r.__dict__[k] = LazyPattern(d[k])
    if d.get("allow_regexes"):
        r.__dict__["allow_regexes"] = tuple(LazyPattern(p) for p in d["allow_regexes"])
    r.__dict__["_docs_ref"] = ref
    return r


def _cached_rules(key: str, paths: list[Path]) -> list[list[Rule]] | None:
    import marshal

    from secretshift.base import cache

    blob = cache.read("rules", key)
    if blob is None:
        return None
    load: list[Any] = [key, paths]  # shared by the rules of this load: where their docs come from
    try:
        per_file = [[_from_plain(d, load) for d in rules] for rules in marshal.loads(blob)]
    except Exception:  # noqa: BLE001 - a stale or corrupt entry just means "parse again"
        return None
    load.append(per_file)
    return per_file


def _load_docs(load: list[Any]) -> None:
    """Fill in docs and samples of every rule of one load from the cache (``_cached_rules``)."""
    import marshal

    from secretshift.base import cache

    key, paths, per_file = load
    blob = cache.read("rules-docs", key)
    try:
        docs = marshal.loads(blob) if blob is not None else None
    except Exception:  # noqa: BLE001
        docs = None
    for i, rules in enumerate(per_file):
        if docs is None:  # that entry is gone (or stale): the rule file says
            try:
                full = _parse_rule_text(_read_rule_file(paths[i]), paths[i])
            except RuleConfigError:
                full = []
            got = [(x.docs, tuple((s.text, s.path) for s in x.positives), tuple((s.text, s.path) for s in x.negatives))
                   for x in full]
        else:
            got = docs[i]
        for j, r in enumerate(rules):
            d, pos, neg = got[j] if j < len(got) else ({}, (), ())
            r.__dict__.update(docs=d, positives=tuple(Sample(*x) for x in pos), negatives=tuple(Sample(*x) for x in neg))
            r.__dict__.pop("_docs_ref", None)


def _store_rules(key: str, per_file: list[list[Rule]]) -> None:
    import marshal

    from secretshift.base import cache

    try:
        plain = [[_plain(r) for r in rules] for rules in per_file]
        cache.write("rules-docs", key, marshal.dumps([[x[1] for x in rules] for rules in plain]))
        cache.write("rules", key, marshal.dumps([[x[0] for x in rules] for rules in plain]))
    except Exception:  # noqa: BLE001 - an option value marshal cannot hold: run without the cache
        pass


def load_rule_file(path: Path) -> list[Rule]:
    """The validated rules of one YAML file (from the cache when its content was seen before).

    :raises RuleConfigError: the file cannot be read or holds a malformed rule.
    """
    return _load_files([os.fspath(path)])[0]


# Reading and hashing the rule files (half a megabyte built in) to find their cache entry costs
# the hook ~20 M instructions, a tenth of its run. So the content key is also remembered under the
# files' stat: path, size, inode, mtime and ctime (in nanoseconds). Any write to a file, or an mtime
# set back by hand, moves its ctime to the present, so a changed file has another stat and is read
# and hashed again. A stat is remembered only once every file's ctime is STAT_SETTLED seconds old,
# so that a file written twice within one tick of a coarse file-system clock cannot keep a stale key
# (git's "racy" rule for its index).
STAT_SETTLED = 2.0


def _stat_key(paths: list[Path]) -> tuple[str, bool] | None:
    """(a key for the files' stat, whether that stat has settled), or None (a file cannot be stat'ed)."""
    import time

    from secretshift.base.cache import digest

    parts = [_code_stamp()]
    settled = True
    now = time.time_ns()
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            return None
        parts.append(f"{os.fspath(p)}\0{st.st_size}:{st.st_ino}:{st.st_mtime_ns}:{st.st_ctime_ns}".encode(
            "utf-8", "surrogateescape"))
        settled = settled and now - st.st_ctime_ns > STAT_SETTLED * 1e9
    return digest(b"rules-stat-1", *parts), settled


def _load_files(paths: list[Path]) -> list[list[Rule]]:
    from secretshift.base import cache

    stat = _stat_key(paths)
    known = cache.read("rules-stat", stat[0]) if stat is not None else None
    if known is not None:
        cached = _cached_rules(known.decode("ascii", "replace"), paths)
        if cached is not None and len(cached) == len(paths):
            return cached
    contents = [(os.path.basename(p), _read_rule_file(p)) for p in paths]
    key = _cache_key(contents)
    cached = _cached_rules(key, paths)
    if cached is None or len(cached) != len(paths):
        cached = [_parse_rule_text(data, p) for p, (_, data) in zip(paths, contents)]
        _store_rules(key, cached)
    if stat is not None and stat[1]:
        cache.write("rules-stat", stat[0], key.encode("ascii"))
    return cached


def _parse_rule_text(raw: bytes, path: Path) -> list[Rule]:
    source = str(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise RuleConfigError(f"{source}: cannot read rule file: {e}") from None
    data = _yaml_load(text, source)
    if data is None:
        return []
    defaults: dict[str, Any] = {}
    if isinstance(data, dict) and "rules" in data:
        defaults = data.get("defaults") or {}
        if not isinstance(defaults, dict) or set(defaults) - (RULE_KEYS - {"id", "slug", "regex", "samples"}):
            raise RuleConfigError(f"{source}: 'defaults' must be a mapping of rule keys other than id, slug, regex, samples")
        data = data["rules"]
    if not isinstance(data, list):
        raise RuleConfigError(f"{source}: a rule file holds a list of rules (or a mapping with 'rules:')")
    return [parse_rule(_with_defaults(r, defaults), os.path.basename(path)) for r in data]


def rule_dir() -> str:
    """Where the shipped rule files are, as a string (no pathlib on the hook's path): the
    checkout's rules/ beside scanner/, else the installed ``secretshift.rules`` package data."""
    if _RULE_DIR:
        return _RULE_DIR[0]
    here = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "rules")
    found = here
    if not os.path.isfile(os.path.join(here, "generic.yaml")):
        try:
            from importlib.resources import files

            p = str(files("secretshift.rules"))
            if any(n.endswith(".yaml") for n in os.listdir(p)):
                found = p
        except (ModuleNotFoundError, TypeError, OSError):
            pass
    _RULE_DIR.append(found)
    return found


_RULE_DIR: list[str] = []


def builtin_rule_dir() -> Path:
    """``rule_dir()`` as a Path."""
    from pathlib import Path

    return Path(rule_dir())


def yaml_data(path: Path) -> object:
    """The parsed content of a YAML data file, from the cache when that content was parsed
    before (importing PyYAML and parsing cost the hook more than its whole scan)."""
    import marshal  # plain data: no import to pay, unlike pickle

    from secretshift.base.cache import digest, read, write

    with open(path, "rb") as fh:
        raw = fh.read()
    key = digest(b"yaml-data-1", raw)
    blob = read("data", key)
    if blob is not None:
        try:
            return marshal.loads(blob)
        except Exception:  # noqa: BLE001 - stale or corrupt: parse again
            pass
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(raw.decode("utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    try:
        write("data", key, marshal.dumps(data))
    except Exception:  # noqa: BLE001 - a value marshal cannot hold (a YAML date): not cached
        pass
    return data


# Rule files in rules/ that hold something other than detection rules.
NON_RULE_FILES = {"allowlist.yaml", "rotation.yaml", "env_names.yaml"}


@dataclass
class Ruleset:
    rules: list[Rule]

    def __post_init__(self) -> None:
        self.by_id = {r.id: r for r in self.rules}

    def __getstate__(self) -> dict[str, Any]:  # per-process caches (the scan plan) stay behind
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def for_engine(self, engine: str) -> list[Rule]:
        return [r for r in self.rules if r.engine == engine]

    def subset(self, keep: Callable[[Rule], bool]) -> "Ruleset":
        """The rules ``keep`` accepts, sharing this ruleset's compiled multi-pattern pass (a
        subset needs no database of its own)."""
        sub = Ruleset([r for r in self.rules if keep(r)])
        sub.__dict__["_parent"] = self.__dict__.get("_parent", self)
        return sub

    def get(self, rule_id: str) -> Rule | None:
        return self.by_id.get(rule_id.upper())


EXTRA_RULE_PRIORITY = 100


def load_ruleset(extra_files: Iterable[Path] = (), disabled: Iterable[str] = ()) -> Ruleset:
    """Load the built-in rules plus ``extra_files``; drop ``disabled`` ids and deprecated rules.

    :raises RuleConfigError: on any malformed rule or a duplicate id/slug.
    """
    d = rule_dir()
    # os.listdir, not Path.glob: glob compiles a pattern and costs the hook more than the listing
    files = [os.path.join(d, n) for n in sorted(os.listdir(d)) if n.endswith(".yaml") and n not in NON_RULE_FILES]
    extra = [os.fspath(p) for p in extra_files]
    per_file = _load_files(files + extra)  # one cache entry for the whole set
    rules: list[Rule] = [r for got in per_file[:len(files)] for r in got]
    for got in per_file[len(files):]:
        # a team's own rule is specific by intent: unless it says otherwise, it wins overlaps
        # against the built-in generic rules
        for r in got:
            if r.priority == 0:
                r.priority = EXTRA_RULE_PRIORITY
            rules.append(r)
    seen: dict[str, str] = {}
    slugs: dict[str, str] = {}
    for r in rules:
        if r.id in seen:
            raise RuleConfigError(f"{r.source}: rule {r.id}: duplicate id (also in {seen[r.id]})")
        if r.slug in slugs:
            raise RuleConfigError(f"{r.source}: rule {r.id}: duplicate slug '{r.slug}' (also {slugs[r.slug]})")
        seen[r.id] = r.source
        slugs[r.slug] = r.id
    _resolve_names_from(rules)
    off = {x.upper() for x in disabled}
    return Ruleset([r for r in rules if r.id not in off and not r.deprecated])


def _resolve_names_from(rules: list[Rule]) -> None:
    """``options.names_from: SS110``: the rule classifies names like that rule, one copy of the data.
    It takes that rule's ``name_pattern`` and ``options.exclude_name_pattern`` unless it has its own,
    and the union of both rules' ``keywords``. Resolved before rules are disabled, so turning SS110 off
    does not change what another rule matches."""
    by_id = {r.id: r for r in rules}
    for r in rules:
        ref = r.options.get("names_from")
        if not ref:
            continue
        src = by_id.get(str(ref).upper())
        if src is None or src.options.get("names_from"):
            raise RuleConfigError(f"{r.source}: rule {r.id}: names_from {ref} names no rule with its own names")
        if r.name_pattern is None:
            r.name_pattern = src.name_pattern
        if "exclude_name_pattern" not in r.options and "exclude_name_pattern" in src.options:
            r.options = {**r.options, "exclude_name_pattern": src.options["exclude_name_pattern"]}
        r.keywords = tuple(dict.fromkeys((*src.keywords, *r.keywords)))
