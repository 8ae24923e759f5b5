"""Rules are data: YAML files in ``rules/`` (shipped as ``secretshift.rules``) -> validated ``Rule``s.

Loading validates every rule and fails with ``RuleConfigError`` naming the file and the rule code.
Compiled regexes live on the ``Rule`` object. The rule schema is documented in docs/rules.md.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Any, Iterable

from secretshift.base.errors import RuleConfigError

from .models import CATEGORIES, CONFIDENCES, SEVERITIES

ENGINES = ("regex", "python", "env", "config", "code", "table")
# The closed set of matchers each engine offers (a rule's `matcher:` picks one). Kept here, not read
# from the engine modules, so loading rules imports no engine; tests check both lists agree.
ENGINE_MATCHERS: dict[str, tuple[str, ...]] = {
    "regex": (),
    "python": ("assignment", "keyword-arg", "dict-key", "default-arg", "comparison", "env-default",
               "entropy", "template", "key-literal", "text-fallback"),
    "env": ("environ", "config-helper", "pydantic", "process-env"),
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
_ID_RE = re.compile(r"^SS\d{3}$")
_SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


RE2_MIN_CHARS = 8192  # below this, Python's re is quick enough and RE2 is not even imported


class LazyPattern:
    """A regex compiled on first use. Rules are validated (compiled) when a rule file is first
    read; a ruleset loaded from the cache compiles only the patterns a scan actually runs, which
    keeps the hook's start-up short. Behaves like the ``re.Pattern`` it wraps; pickles as text."""

    __slots__ = ("pattern", "_c", "_twin")

    def __init__(self, pattern: str, compiled: re.Pattern[str] | None = None) -> None:
        self.pattern = pattern
        self._c = compiled
        self._twin: Any = None  # RE2 twin: None = not tried yet, False = none

    def twin(self) -> Any:
        """The RE2 twin (scanner/fastre.py), or False when there is none."""
        twin = self._twin
        if twin is None:
            from . import fastre

            twin = self._twin = (fastre.compile_twin(self.compiled) if fastre.enabled() else None) or False
        return twin

    def search(self, string: str, *args: Any) -> Any:
        """Like ``re.Pattern.search(string[, pos])``; on RE2 where provably identical."""
        if len(args) <= 1 and type(string) is str and len(string) >= RE2_MIN_CHARS:
            twin = self.twin()
            if twin is not False:
                from .fastre import search

                return search(twin, self.compiled, string, args[0] if args else 0)
        return self.compiled.search(string, *args)

    def finditer(self, string: str, *args: Any) -> Any:
        """Like ``re.Pattern.finditer``; on a large text as much as possible runs on RE2 when that
        is installed, with identical matches (see scanner/fastre.py)."""
        if not args and type(string) is str and len(string) >= RE2_MIN_CHARS:
            twin = self.twin()
            if twin is not False:
                from .fastre import finditer

                return finditer(twin, self.compiled, string)
        return self.compiled.finditer(string, *args)

    @property
    def compiled(self) -> re.Pattern[str]:
        if self._c is None:
            self._c = re.compile(self.pattern)
        return self._c

    def __getattr__(self, name: str) -> Any:  # finditer, search, groupindex, groups, flags ...
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
    docs: dict[str, str] = dc_field(default_factory=dict)
    positives: tuple[Sample, ...] = dc_field(default_factory=tuple)
    negatives: tuple[Sample, ...] = dc_field(default_factory=tuple)
    options: dict[str, Any] = dc_field(default_factory=dict)
    multiline: bool = False
    deprecated: bool = False
    validator: dict[str, Any] | None = None  # scanner/validators.py: a checksum or structure check
    context: tuple[str, ...] = ()  # words one of which must come shortly before the value

    # A scan never reads a rule's docs or samples, so a pickled rule (the rule cache, the workers)
    # carries them as one opaque bytes value, unpacked on first use: loading hundreds of rules
    # then builds no docs dictionaries nor sample objects on the hook path.
    def __getstate__(self) -> dict[str, Any]:
        # fields left at their class default are not stored: the class attribute answers for them
        state = {k: v for k, v in self.__dict__.items()
                 if not (k in _CLASS_DEFAULTS and v == _CLASS_DEFAULTS[k] and type(v) is type(_CLASS_DEFAULTS[k]))}
        cold = tuple(state.pop(k, None) for k in _COLD)
        if "_cold" not in state:
            import pickle

            state["_cold"] = pickle.dumps(cold, protocol=pickle.HIGHEST_PROTOCOL)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:  # defined, so unpickling never asks __getattr__
        self.__dict__.update(state)

    def __getattr__(self, name: str) -> Any:
        cold = self.__dict__.get("_cold") if name in _COLD else None
        if cold is None:
            raise AttributeError(name)
        import pickle

        self.__dict__.update(zip(_COLD, pickle.loads(cold)))
        return self.__dict__[name]


_COLD = ("docs", "positives", "negatives")
_CLASS_DEFAULTS = {k: v for k, v in vars(Rule).items() if k in Rule.__dataclass_fields__}


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
# Validated rules are pickled per rule file into the user's cache directory, keyed by the file's
# path, size, mtime and inode and by this module's own file stamp (a code change invalidates it).
# Patterns are pickled as text (LazyPattern), so a warm load compiles nothing up front.
# SECRETSHIFT_NO_CACHE=1 turns it off; any problem with the cache silently falls back to parsing.


def cache_dir() -> Path | None:
    if os.environ.get("SECRETSHIFT_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "secretshift" / "rules"


def _stamp(st: os.stat_result) -> str:
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


_CODE_STAMP: str | None = None


def _cache_path(path: Path, st: os.stat_result) -> Path | None:
    global _CODE_STAMP
    d = cache_dir()
    if d is None:
        return None
    if _CODE_STAMP is None:
        try:
            _CODE_STAMP = _stamp(os.stat(__file__)) + ":" + _stamp(os.stat(Path(__file__).with_name("models.py")))
        except OSError:
            _CODE_STAMP = "?"
    import hashlib

    where = hashlib.sha256(os.fsencode(os.path.abspath(path))).hexdigest()[:16]
    what = hashlib.sha256(f"{_stamp(st)}|{_CODE_STAMP}".encode()).hexdigest()[:16]
    return d / f"{where}-{what}.pickle"


def _cache_read(cp: Path | None) -> list[Rule] | None:
    if cp is None:
        return None
    import pickle

    try:
        with open(cp, "rb") as fh:
            rules = pickle.load(fh)
    except Exception:  # noqa: BLE001 - a missing, stale or corrupt cache just means "parse again"
        return None
    if not isinstance(rules, list) or not all(isinstance(r, Rule) for r in rules):
        return None
    return rules


def _cache_write(cp: Path | None, rules: list[Rule]) -> None:
    if cp is None:
        return
    import pickle
    import tempfile

    try:
        cp.parent.mkdir(parents=True, exist_ok=True)
        for old in cp.parent.glob(cp.name.split("-")[0] + "-*.pickle"):
            old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cp.parent, prefix=".rules-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(rules, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cp)
    except Exception:  # noqa: BLE001 - read-only home, full disk ...: run without a cache
        try:
            os.unlink(tmp)  # type: ignore[possibly-undefined]
        except Exception:  # noqa: BLE001
            pass


def load_rule_file(path: Path) -> list[Rule]:
    """The validated rules of one YAML file (from the cache when the file has not changed).

    :raises RuleConfigError: the file cannot be read or holds a malformed rule.
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError as e:
        raise RuleConfigError(f"{path}: cannot read rule file: {e.strerror or e}") from None
    cp = _cache_path(path, st)
    cached = _cache_read(cp)
    if cached is not None:
        return cached
    rules = _parse_rule_file(path)
    _cache_write(cp, rules)
    return rules


def _parse_rule_file(path: Path) -> list[Rule]:
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
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
    return [parse_rule(_with_defaults(r, defaults), path.name) for r in data]


def builtin_rule_dir() -> Path:
    """Where the shipped rule files are: the checkout's rules/ beside scanner/, else the installed
    ``secretshift.rules`` package data."""
    here = Path(__file__).resolve().parent.parent / "rules"
    if (here / "generic.yaml").is_file():
        return here
    try:
        from importlib.resources import files

        p = Path(str(files("secretshift.rules")))
        if any(p.glob("*.yaml")):
            return p
    except (ModuleNotFoundError, TypeError):
        pass
    return here


# Rule files in rules/ that hold something other than detection rules.
NON_RULE_FILES = {"allowlist.yaml", "rotation.yaml", "env_names.yaml"}


@dataclass
class Ruleset:
    rules: list[Rule]

    def __post_init__(self) -> None:
        self.by_id = {r.id: r for r in self.rules}

    def __getstate__(self) -> dict[str, Any]:  # per-process caches (RE2 gates ...) stay behind
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def for_engine(self, engine: str) -> list[Rule]:
        return [r for r in self.rules if r.engine == engine]

    def get(self, rule_id: str) -> Rule | None:
        return self.by_id.get(rule_id.upper())


EXTRA_RULE_PRIORITY = 100


def load_ruleset(extra_files: Iterable[Path] = (), disabled: Iterable[str] = ()) -> Ruleset:
    """Load the built-in rules plus ``extra_files``; drop ``disabled`` ids and deprecated rules.

    :raises RuleConfigError: on any malformed rule or a duplicate id/slug.
    """
    d = builtin_rule_dir()
    files = [p for p in sorted(d.glob("*.yaml")) if p.name not in NON_RULE_FILES]
    rules: list[Rule] = []
    for p in files:
        rules.extend(load_rule_file(Path(p)))
    for p in extra_files:
        # a team's own rule is specific by intent: unless it says otherwise, it wins overlaps
        # against the built-in generic rules
        for r in load_rule_file(Path(p)):
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
