"""``build_plan(findings, options, rotation, definitions, context) -> Plan``: pure and deterministic
(no I/O, no AWS, no clock).

Findings are grouped into "slots" (one value each: equal literals share a slot, an environment read
joins the slot of its variable's literal definition or of the literal it falls back to), slots into
secrets by their placement (``{prefix}/{category}/{service}`` + JSON key). Two different values for
the same key split the secret (``-2`` suffix) with a warning; database values group by credential
(one database, one secret), so an unrelated URL or password never joins another database's secret.

Across runs (``PlanContext``, from the ledger): a value or variable an earlier run migrated goes to
the secret that holds it (``existing``: read, never created again), and a new value never takes a
name the ledger holds. An environment read with no value anywhere (``available``) is *pending*; tests,
fixtures and publishable keys are *left* (reported, not migrated). Values are used in memory only.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Callable, Iterable, Mapping, Sequence

from urllib.parse import unquote, urlsplit

from .model import LEFT_REASONS, Left, Location, Pending, Plan, PlannedSecret, Rewrite, ValueSource, value_id
from .naming import Placement, field_for, kebab, normal_symbol, place, secret_name, service_for, url_service
from .policy import cost_estimate, iam_policy
from .scope import (environment_of_variable, is_ci_config, is_development_path, is_documentation_path,
                    is_example_path, is_public, is_test_path, private_key_kind)

CONFIG_SUFFIXES = (".env", ".yaml", ".yml", ".json", ".template", ".tf", ".tfvars", ".ini", ".cfg", ".conf", ".toml")
UNSAFE_REASON = "fetches the value from AWS Secrets Manager at run time (network call, needs IAM permission)"
CFN_REASON = ("replaced by a CloudFormation dynamic reference ({{resolve:secretsmanager:...}}): the value is "
              "resolved at deploy time and the stack's role needs secretsmanager:GetSecretValue")
# environment variables (SS306) and literal password properties such as MasterUserPassword (SS307) of
# CloudFormation/SAM resources: dynamic references are allowed there (not in parameter defaults)
CFN_RULES = ("SS306", "SS307")
# Python reads the codemod leaves alone: a project's own environment helper (its casts and fallbacks are its own)
PY_BY_HAND_RULES = {"SS204": "read through the project's own environment helper: change it by hand "
                             "(or make the helper read Secrets Manager)"}
DOTENV_REASON = "removes the definition from the file; anything else reading the variable must read the secret"
# a .env definition that nothing this run rewrites reads (PHP's env(), Ruby's ENV, any other consumer): the
# line stays, or the program would lose the value; the secret is created so that the deployment can inject it
DOTENV_KEPT = ("kept in the file: nothing this run rewrites reads {var} (PHP, Ruby or other code secretshift does "
               "not rewrite): inject it at deploy time (e.g. from Secrets Manager), then remove the line")


@dataclass(frozen=True)
class PlanOptions:
    prefix: str = "production"
    kms_key_id: str | None = None
    region: str | None = None
    account_id: str | None = None
    accessor: str = "secretshift_secrets:get_secret"
    cache_ttl_seconds: int = 300
    processes: int = 1


@dataclass(frozen=True)
class PlanContext:
    """What the plan needs beyond the findings (all in memory, from the caller).

    ``known_values``: value id -> (secret name, JSON key) of values earlier runs migrated (the ledger);
    ``known_variables``: environment variable -> (secret name, JSON key); ``taken``: every secret name
    the ledger holds; ``available``: variables that have a value this run (environment, ``--values``,
    answers); None means "assume every variable has one" (no pending values). ``include_tests``:
    migrate tests and fixtures too; ``skip_files``: files never planned (the accessor modules)."""

    known_values: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    known_variables: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    taken: frozenset[str] = frozenset()
    available: frozenset[str] | None = None
    include_tests: bool = False
    skip_files: frozenset[str] = frozenset()
    # fingerprint -> (action, applicability, reason) for JavaScript and deployment files: what their
    # rewrite will do (secretshift.codemods.deploy.plan.decisions, run in memory by the caller)
    decisions: Mapping[str, tuple[str, str, str]] = field(default_factory=dict)
    # fingerprint -> the name of the object holding the value as one of its keys (a Kubernetes Secret's
    # metadata.name): its values become one secret named after it, keyed by their own keys
    bundles: Mapping[str, str] = field(default_factory=dict)
    # variable -> the database service its value (a URL known to this run: environment, --values) names by
    # its scheme: DATABASE_URL=mysql://... is production/db/mysql, not the postgresql a bare "DATABASE" suggests
    url_services: Mapping[str, str] = field(default_factory=dict)
    # (file, line) -> "test" | "development": a finding in the test:/development: section of a YAML file
    test_places: Mapping[tuple[str, int], str] = field(default_factory=dict)
    # file -> the one database it names (a compose file's mariadb image, a .env's DB_CONNECTION=mysql,
    # Django's ENGINE): what its names that say only "database" (WORDPRESS_DB_PASSWORD) stand for
    file_databases: Mapping[str, str] = field(default_factory=dict)
    # variables whose value this run (environment, --values) is a URL holding no credential
    # (naming.holds_no_credential: sqlite:///app.db): their reads stay as they are
    no_credential: frozenset[str] = frozenset()
    # files a build writes from a source (a JavaScript file ending in a sourceMappingURL comment: tsc,
    # babel, esbuild output): rewriting them is undone by the next build
    compiled: frozenset[str] = frozenset()
    # variable -> the value id (model.value_id) of its distinctive value this run (environment, --values)
    variable_values: Mapping[str, str] = field(default_factory=dict)
    # (.env file, variable) pairs a deployment file beside the .env injects in a way the rewrite handles (a
    # compose file interpolating ${VAR}: the .env.example beside it lists the command that reads each one)
    injected: frozenset[tuple[str, str]] = frozenset()
    # (file, line) of hardcoded findings on a commented-out line: nothing reads them
    commented: frozenset[tuple[str, int]] = frozenset()
    # (.env file, variable) -> the variables whose definitions in that file expand it (DATABASE_URL=...:${PW}@...)
    expanded_by: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)


@dataclass
class _Slot:
    key: str
    literals: list = field(default_factory=list)  # hardcoded findings holding the value
    reads: list = field(default_factory=list)  # env findings reading it
    variable: str | None = None
    from_definition: bool = False  # the value is the variable's whole definition (read at apply time)
    url: bool = False
    whole: str | None = None  # the definition's whole value (memory only)
    # (fingerprint, line, column) of literals that are an env read's default (the same literal elsewhere in
    # the file has the same fingerprint and is rewritten on its own)
    defaults: set = field(default_factory=set)
    # literal place -> the variable of the read it is the fallback of (a default, or ``or "<literal>"``): the
    # program computes the variable's value whenever it is set, the literal only when it is not
    falls_back: dict = field(default_factory=dict)

    @property
    def members(self) -> list:
        return sorted(self.literals + self.reads, key=lambda f: f.sort_key)

    @property
    def value(self) -> str | None:
        if self.whole is not None:
            return self.whole
        return next((f.value.reveal() for f in self.literals if f.value is not None), None)

    @property
    def credential(self) -> str | None:
        """The id of the password this value carries (a URL's decoded password, else the value)."""
        v = self.value
        if v is None:
            return None
        if "://" in v and "@" in v:
            try:
                pw = urlsplit(v).password
            except ValueError:
                pw = None
            return value_id(unquote(pw)) if pw else value_id(v)
        if any(f.rule_id.startswith("SS6") for f in self.literals):  # the password inside a URL, as written
            return value_id(unquote(v))
        return value_id(v)


def is_dotenv(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


_JS_SUFFIXES = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")


def is_javascript(path: str) -> bool:
    return path.lower().endswith(_JS_SUFFIXES)


def _same_name(variable: str | None, symbol: str | None, path: str) -> bool:
    """Whether a literal bound to ``symbol`` is the fallback of a read of ``variable`` on its line: the
    same name (Python), or the same words in JavaScript's own case (jwtSecret for JWT_SECRET)."""
    if variable is None or symbol is None:
        return False
    if variable == symbol:
        return True
    return is_javascript(path) and normal_symbol(symbol) == normal_symbol(variable)


def is_python(path: str) -> bool:
    return path.endswith((".py", ".pyw"))


def is_definition_file(path: str) -> bool:
    return is_dotenv(path) or (not is_python(path) and path.lower().endswith(CONFIG_SUFFIXES)) or \
        PurePosixPath(path).name.lower() in ("dockerfile",)


def _slot_key(f) -> str:
    if f.value is not None:
        return "v:" + hashlib.sha256(f.value.reveal().encode("utf-8", "surrogatepass")).hexdigest()
    return "fp:" + f.fingerprint


# words joined like an identifier: letters, each word perhaps numbered (hello_django, app2); a run
# with digits among its letters (x7k2p9qz4m1n3b5) is random, not words
_WORDS_RE = re.compile(r"[a-z]+[0-9]*(?:[_.-](?:[a-z]+[0-9]*|[0-9]+))*")


def distinctive(value: str) -> bool:
    """A value whose equality elsewhere means the same credential (a random key); a short or low-entropy
    one (``changethis``, ``postgres``), or lower-case words joined like an identifier (``hello_django``,
    the project's own module name), is shared by unrelated settings and files as a placeholder, a
    default or a name."""
    from secretshift.scanner.filters import shannon_entropy

    if len(value) < 24 and _WORDS_RE.fullmatch(value):
        return False
    return len(value) >= 20 or (len(value) >= 12 and shannon_entropy(value) >= 3.0)


def _role(f, var: str | None, default_db: str = "postgresql") -> tuple | None:
    """What a value is for, from its hints and the name it is bound to: (category, service) for a
    known service, else (category, JSON key); None when nothing names it."""
    cat, svc, fld = _hints(f)
    sym = var or _symbol(f)
    if not sym and not svc and not fld:
        return None
    cat, svc = service_for(sym, svc, cat, default_db)
    return (cat, svc) if svc else (cat, field_for(sym, fld))


def _place_of(f) -> tuple[str, int, int]:
    return f.fingerprint, f.line, f.column


def _read_default(slot: _Slot) -> bool:
    """Every literal of ``slot`` is what a read of the slot's variable falls back to, and every read in it
    reads that variable: the value the program computes is the variable's when this run has one."""
    var = slot.variable
    return bool(var and slot.literals) and all(slot.falls_back.get(_place_of(f)) == var for f in slot.literals) \
        and all(r.symbol == var for r in slot.reads)


def _inside(f, read) -> bool:
    """``f`` (a literal) lies within the source span of ``read`` (an env read expression)."""
    return f.file == read.file and (read.line, read.column) <= (f.line, f.column) \
        and (f.end_line, f.end_column) <= (read.end_line, read.end_column)


def _slots(findings: Sequence, defs: Mapping[tuple[str, int], tuple[str, Any]],
           dbs: Mapping[str, str] | None = None) -> list[_Slot]:
    slots: dict[str, _Slot] = {}
    by_var: dict[str, str] = {}  # variable -> slot key of its first literal definition
    reads_in: dict[str, list] = {}
    for r in findings:
        if r.kind == "env" and r.symbol:  # (every language: PHP env("X", "<literal>") as Python)
            reads_in.setdefault(r.file, []).append(r)
    for f in sorted((f for f in findings if f.kind == "hardcoded"), key=lambda f: (not is_dotenv(f.file), f.sort_key)):
        d = defs.get((f.file, f.line))
        var = d[0] if d else (f.symbol if f.symbol and is_definition_file(f.file) else None)
        # os.environ.get("X", "<literal>"): the literal is X's value, and rewriting the read replaces both
        default_of = next((r.symbol for r in reads_in.get(f.file, ()) if _inside(f, r)), None)
        # MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or "<literal>": the literal after the read, bound
        # to the read's own name, is the variable's value too (both places are rewritten; the read is no
        # pending value)
        # (JavaScript: const jwtSecret = process.env.JWT_SECRET || "<literal>", the name in its own case)
        fallback_of = next((r.symbol for r in reads_in.get(f.file, ()) if _same_name(r.symbol, f.symbol, f.file)
                            and r.line == f.line and r.end_line == f.line and r.end_column <= f.column), None)
        var = var or default_of or fallback_of
        whole = d[1].reveal() if d and d[1] is not None else None
        if var and whole is not None and f.value is not None and whole != f.value.reveal():
            # the finding is part of the variable's value (a URL's password): the secret gets the whole value
            # (two definitions of the variable with different values -- a compose file's @db, a CI
            # workflow's @localhost -- are two values)
            k = "env:" + var + ":" + hashlib.sha256(whole.encode("utf-8", "surrogatepass")).hexdigest()[:16]
            s = slots.setdefault(k, _Slot(k, variable=var))
            s.from_definition, s.url = True, s.url or ("://" in whole and "@" in whole)
            s.whole = whole
            s.literals.append(f)
            by_var.setdefault(var, k)
            continue
        k = _slot_key(f)
        role = _role(f, var, (dbs or {}).get(f.file, "postgresql")) \
            if f.value is not None and not distinctive(f.value.reveal()) else None
        if role is not None:  # one placeholder under SECRET_KEY and POSTGRES_PASSWORD: two credentials
            k += "|" + "/".join(str(x) for x in role)
        slots.setdefault(k, _Slot(k)).literals.append(f)
        if default_of:
            slots[k].defaults.add(_place_of(f))
        if (default_of or fallback_of) and not f.rule_id.startswith("SS6"):  # not a URL's password alone
            slots[k].falls_back[_place_of(f)] = default_of or fallback_of
        if var:
            by_var.setdefault(var, k)
            slots[k].variable = slots[k].variable or var
    for f in sorted((f for f in findings if f.kind == "env"), key=lambda f: f.sort_key):
        var = f.symbol or f.expression or f.fingerprint
        k = by_var.get(var, "env:" + var)
        s = slots.setdefault(k, _Slot(k, variable=var))
        s.reads.append(f)
    return sorted(slots.values(), key=lambda s: s.members[0].sort_key)


AWS_KEY_FIELDS = ("access_key_id", "secret_access_key", "session_token")


def _hints(f) -> tuple[str, str | None, str | None]:
    """(category, service, field) of a finding; a configuration file's own kind (an ECS task
    definition or CloudFormation template says service "aws") is not the credential's vendor."""
    if f.service == "aws" and f.field not in AWS_KEY_FIELDS:
        return "generic", None, None
    return f.category, f.service, f.field


def _symbol(f) -> str | None:
    """The name a finding is bound to, for naming; a connection string's rule names the URL's user
    there, which says nothing about the value's role (a user "app_user" is no username key)."""
    return None if f.rule_id.startswith("SS6") else f.symbol


_JSON_KEY_RE = re.compile(r"[^A-Za-z0-9_-]+")


def _placement(slot: _Slot, bundles: Mapping[str, str] | None = None,
               url_services: Mapping[str, str] | None = None,
               dbs: Mapping[str, str] | None = None) -> tuple[Placement, bool]:
    p, url = _named_placement(slot, (dbs or {}).get(slot.members[0].file, "postgresql"))
    v = slot.value
    engine = url_service(v) if v is not None else (url_services or {}).get(slot.variable or "")
    if engine and (p.category == "db" or (p.category == "generic" and v is not None and "@" in v)) \
            and (p.service != engine or p.json_key is None):
        # the URL's own scheme says which database it is, whatever its variable's name suggests
        # (DATABASE_URL=mysql://... is no postgresql; CELERY_RESULT_BACKEND=redis://:pw@... is redis)
        p, url = Placement("db", engine, p.json_key or "url"), True
    bundle = next((bundles[m.fingerprint] for m in slot.members if bundles and m.fingerprint in bundles), None)
    if bundle is not None and p.category == "generic":
        # a value no service claims, in a Kubernetes Secret: the Secret's values are one secret named after
        # the manifest, each under its own key (path characters become "_": External Secrets reads
        # property as a path); a database password or a vendor's key there keeps its own secret
        m = next(m for m in slot.members if m.fingerprint in bundles)  # type: ignore[operator]
        key = _JSON_KEY_RE.sub("_", m.symbol or "value").strip("_") or "value"
        return Placement("generic", kebab(bundle), key), False
    return p, url


def _named_placement(slot: _Slot, default_db: str = "postgresql") -> tuple[Placement, bool]:
    ms = slot.members
    hints = [_hints(m) for m in ms]
    symbol = slot.variable or next((_symbol(m) for m in ms if _symbol(m)), None)
    service = next((h[1] for h in hints if h[1]), None)
    fld = next((h[2] for h in hints if h[2]), None)
    category = next((h[0] for h in hints if h[0] != "generic"), hints[0][0])
    url = any(m.value is not None and "://" in m.value.reveal() and "@" in m.value.reveal()
              and (m.field in ("url", "connection_string", "dsn", "uri") or m.rule_id.startswith("SS6"))
              for m in slot.literals)
    url = url or slot.url
    if category in ("ssh", "ssl") and slot.value is not None:
        kind = private_key_kind(slot.value, symbol, ms[0].file)
        category = {"ssh": "ssh", "tls": "ssl"}.get(kind or "", "generic" if kind else category)
    p = place(category, service, fld, symbol, ms[0].file, default_db)
    if url and p.json_key not in (None,):
        p = Placement(p.category, p.service, "url")
    elif p.json_key == "password" and slot.value and re.search(r"%[0-9A-Fa-f]{2}", slot.value) \
            and any(m.rule_id.startswith("SS6") for m in slot.literals):
        # a URL's password as written (percent-encoded): the code splices it back verbatim, the secret's
        # "password" holds it decoded (what rotation functions and drivers expect)
        p = Placement(p.category, p.service, "url_password")
    return p, url


def _loc(f) -> Location:
    return Location(f.file, f.line, f.column, f.end_line, f.end_column, f.rule_id, f.fingerprint, f.symbol)


def _rewrite(f, key: str | None, cfn_lines: frozenset = frozenset(), decisions: Mapping | None = None) -> Rewrite:
    loc = _loc(f)
    env_var = f.symbol if f.kind == "env" else None
    if is_python(f.file):
        if f.rule_id in PY_BY_HAND_RULES:
            return Rewrite(loc, f.kind, "display", "display-only", PY_BY_HAND_RULES[f.rule_id], key, env_var)
        return Rewrite(loc, f.kind, "codemod", "unsafe", UNSAFE_REASON, key, env_var)
    if f.kind == "hardcoded" and is_dotenv(f.file):
        return Rewrite(loc, f.kind, "dotenv", "unsafe", DOTENV_REASON, key, env_var)
    d = decisions.get(f.fingerprint) if decisions else None
    if d is not None:  # what the JavaScript / deployment-file rewrite will do (computed by the caller)
        return Rewrite(loc, f.kind, d[0], d[1], d[2], key, env_var)
    if f.kind == "hardcoded" and ((f.rule_id in CFN_RULES and f.symbol != "Default") or (f.file, f.line) in cfn_lines):
        return Rewrite(loc, f.kind, "cfn", "unsafe", CFN_REASON, key, env_var)
    lang = PurePosixPath(f.file).suffix or PurePosixPath(f.file).name
    return Rewrite(loc, f.kind, "display", "display-only", f"no automatic rewrite for {lang} files: change it by hand",
                   key, env_var)


def _route(members: Iterable, rule_rotation: Callable[[object], str]) -> str:
    routes = [rule_rotation(m) for m in members]
    return next((r for r in routes if r and r != "generic-password"), routes[0] if routes else "generic-password")


def _excluded(f, ctx: PlanContext) -> str | None:
    if f.file in ctx.skip_files:
        return "skip"
    if f.file in ctx.compiled:
        return "compiled"  # a build writes this file from its source: the source is what to change
    if f.kind == "env" and f.symbol in ctx.no_credential:
        return "no-credential"
    if f.kind == "env" and (f.symbol or "").upper() in _TEMPORARY_VARIABLES:
        return "temporary"  # an STS session token expires within hours: a stored copy goes stale
    if (f.file, f.line) in ctx.commented:
        return "comment"  # a commented-out line: nothing reads it (the checklist has it if it leaked)
    section = ctx.test_places.get((f.file, f.line))
    named = environment_of_variable(f.symbol)  # DEV_DATABASE_URL, TEST_DATABASE_URL
    # a CI pipeline's database (a service container's POSTGRES_PASSWORD, its DATABASE_URL @localhost)
    # exists for the test run: a throwaway value, not the production database's
    ci_db = f.kind == "hardcoded" and (f.category == "db" or (f.symbol or "").upper().startswith(
        ("POSTGRES", "MYSQL", "MARIADB", "PG", "MONGO", "REDIS", "DB_", "DATABASE")))
    if not ctx.include_tests and (is_test_path(f.file) or section == "test" or named == "test"
                                  or (ci_db and is_ci_config(f.file))):
        return "test"
    # a developer's local value, or a development module's read of the developer's environment
    # (config/env/development.js): not a production secret, and local runs must not need AWS
    if named == "development" or section == "development" or is_development_path(f.file):
        return "development"
    if is_example_path(f.file):  # a template's example value: never what the program reads
        return "example"
    if f.kind == "hardcoded" and is_documentation_path(f.file):
        return "docs"  # a README's or a docs page's sample: rotate it if real, no program reads it there
    if is_public(f):
        return "public"
    d = ctx.decisions.get(f.fingerprint)
    if d is not None and d[0] == "left":  # an environment read of browser code: the build sets it
        return "browser"
    return None


_TEMPORARY_VARIABLES = frozenset({"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"})


def _compatible(variant: dict[str | None, _Slot], slot: _Slot, key: str | None, category: str) -> bool:
    """May ``slot`` join ``variant`` under ``key``? A free key, and for databases the same credential:
    a URL and a password join only when the URL carries that password (one database, one secret)."""
    if key in variant:
        return False
    if category != "db":
        return True
    creds = {s.credential for s in variant.values()}
    return creds == {slot.credential}


def build_plan(findings: Sequence, options: PlanOptions, rule_rotation: Callable[[object], str],
               definitions: Mapping[tuple[str, int], tuple[str, Any]] | None = None,
               context: PlanContext | None = None) -> Plan:
    """Group ``findings`` into planned secrets. ``rule_rotation(finding) -> route id`` (data lookup);
    ``definitions``: ``(file, line) -> (VARIABLE, whole value)`` for configuration lines (read by the caller);
    ``context``: the ledger's view and the values available this run (see ``PlanContext``)."""
    ctx = context or PlanContext()
    warnings: list[str] = []
    own = options.accessor.split(":", 1)[0].replace(".", "/") + ".py"
    left: list[Left] = []
    kept = []
    for f in findings:
        if f.file == own:  # the accessor's own configuration reads
            continue
        why = _excluded(f, ctx)
        if why in LEFT_REASONS:
            left.append(Left(_loc(f), why))
        elif why is None:
            kept.append(f)
    # a variable defined only by public values (a publishable key, a Sentry DSN): its reads stay too
    defs = definitions or {}

    def variable(f) -> str | None:  # the variable a definition line gives a value (a vendor rule names none)
        return (defs.get((f.file, f.line)) or (f.symbol,))[0]

    public = {variable(f) for f in findings if _excluded(f, ctx) == "public"} \
        - {variable(f) for f in kept if f.kind == "hardcoded"} - {None}
    findings = []
    for f in kept:
        if f.kind == "env" and f.symbol in public:
            left.append(Left(_loc(f), "public"))
        else:
            findings.append(f)
    groups: dict[tuple[str, str], list[dict[str | None, _Slot]]] = {}
    urls: set[str] = set()
    # other rules' findings on the variable lines of a CloudFormation environment can use dynamic references too
    cfn_files = {f.file for f in findings if f.rule_id in CFN_RULES}
    cfn_lines = frozenset(k for k in defs if k[0] in cfn_files)
    existing: dict[str, dict[str | None, _Slot]] = {}
    pending_slots: list[tuple[_Slot, Placement]] = []
    for slot in _slots(findings, defs, ctx.file_databases):
        p, url = _placement(slot, ctx.bundles, ctx.url_services, ctx.file_databases)
        if url:
            urls.add(slot.key)
        v = slot.value
        known = None
        if v is not None and not distinctive(v) and slot.variable:  # a shared placeholder: its own variable's
            known = ctx.known_variables.get(slot.variable)
        known = known or (ctx.known_values.get(value_id(v)) if v is not None else None)
        if known is None and v is None and slot.variable:
            known = ctx.known_variables.get(slot.variable)
            if known is None and slot.variable in ctx.variable_values:
                # a read whose value this run has (--values, the environment) and an earlier run migrated
                # (a literal API_TOKEN = "..." then, os.environ["API_TOKEN"] now): the same secret
                known = ctx.known_values.get(ctx.variable_values[slot.variable])
        if known is not None:
            name, key = known
            have = existing.setdefault(name, {})
            if key in have:  # the same key found twice (a value and a read of its variable): one slot
                have[key].reads.extend(slot.reads)
                have[key].literals.extend(slot.literals)
                have[key].defaults |= slot.defaults
                have[key].falls_back.update(slot.falls_back)
            else:
                have[key] = slot
            continue
        if v is None and not slot.from_definition and ctx.available is not None \
                and (slot.variable or "") not in ctx.available:
            pending_slots.append((slot, p))
            continue
        variants = groups.setdefault((p.category, p.service), [])
        for var in variants:
            if _compatible(var, slot, p.json_key, p.category):
                var[p.json_key] = slot
                break
        else:
            variants.append({p.json_key: slot})
            if len(variants) > 1 and any(p.json_key in x for x in variants[:-1]):
                other = next(x for x in variants if p.json_key in x)[p.json_key].members[0]
                here = slot.members[0]
                warnings.append(
                    f"{secret_name(options.prefix, p)}: different values for "
                    f"'{p.json_key or 'the value'}' at {other.file}:{other.line} and {here.file}:{here.line}; "
                    f"planned as distinct secrets")
    secrets: list[PlannedSecret] = []
    taken = set(ctx.taken) | set(existing)
    for (cat, svc), variants in groups.items():
        base = secret_name(options.prefix, Placement(cat, svc, None))
        n = 0
        for v in variants:
            n += 1
            while (base + ("" if n == 1 else f"-{n}")) in taken:
                n += 1
            suffix = "" if n == 1 else f"-{n}"
            taken.add(base + suffix)
            if any(k is None for k in v) and len(v) > 1:  # plain + keyed: give the plain one a key
                v["value"] = v.pop(None)
            secrets.append(_secret(f"{cat}-{svc}{suffix}", base + suffix, v, urls, options, rule_rotation, cfn_lines,
                                   ctx.decisions))
    for name, v in existing.items():
        sid = "existing-" + name.replace("/", "-")
        secrets.append(_secret(sid, name, v, urls, options, rule_rotation, cfn_lines, ctx.decisions, existing=True))
    pending = []
    for slot, p in pending_slots:
        name = secret_name(options.prefix, Placement(p.category, p.service, None))
        reads = tuple(_loc(f) for f in sorted(slot.reads, key=lambda f: f.sort_key))
        pending.append(Pending(slot.variable or "", name, p.json_key, reads,
                               all(_rewrite(f, p.json_key, decisions=ctx.decisions).action == "display"
                                   for f in slot.reads)))
    secrets = _keep_unread_dotenv(secrets, left, defs, ctx.injected, ctx.expanded_by)
    secrets.sort(key=lambda s: s.name)
    plan = Plan(prefix=options.prefix, secrets=tuple(secrets), accessor=options.accessor,
                cache_ttl_seconds=options.cache_ttl_seconds, region=options.region, kms_key_id=options.kms_key_id,
                warnings=tuple(warnings), pending=tuple(sorted(pending, key=lambda x: x.variable)),
                left=tuple(sorted(left, key=lambda x: (x.location.file, x.location.line, x.location.column))))
    return with_policy(plan, options)


def _keep_unread_dotenv(secrets: list[PlannedSecret], left: list[Left],
                        defs: Mapping[tuple[str, int], tuple[str, Any]],
                        injected: frozenset[tuple[str, str]],
                        expanded_by: Mapping[tuple[str, str], frozenset[str]]) -> list[PlannedSecret]:
    """A ``.env`` definition is removed only when the program gets the variable another way after this
    run: a Python/JavaScript read of it that this run rewrites, the program's own setting holding the
    value (rewritten; bound to that name, or to a name its rule does not record), browser code the
    build gives it to (reported with the command that reads it), a compose file beside the ``.env``
    interpolating it (``injected``), or a definition of the same file expanding it that is removed
    (``DATABASE_URL=...${POSTGRES_PASSWORD}...``). Otherwise (a Laravel ``env('DB_PASSWORD')``, a Rails
    ``ENV[...]``) it is a display-only place: the line stays and the secret is still created, for the
    deployment to inject."""
    from dataclasses import replace

    def code(path: str) -> bool:
        return is_python(path) or is_javascript(path)

    read = {r.env_var for s in secrets for r in s.rewrites
            if r.kind == "env" and r.env_var and r.action != "display" and code(r.location.file)}
    read |= {x.location.symbol for x in left if x.reason == "browser" and x.location.symbol}
    places: dict[tuple[int, int], tuple[str, str]] = {}  # (secret, rewrite) -> (file, variable)
    handled: set[tuple[str, str]] = set()
    for i, s in enumerate(secrets):
        # the program's own setting holding this value, rewritten: bound to the variable's name, or to a name
        # its rule does not record (a vendor pattern: AWS_ACCESS_KEY_ID = "AKIA...")
        own = {(r.json_key, normal_symbol(r.location.symbol) if r.location.symbol else None) for r in s.rewrites
               if r.kind == "hardcoded" and r.action != "display" and code(r.location.file)}
        for j, r in enumerate(s.rewrites):
            if r.action != "dotenv":
                continue
            loc = r.location
            var = (defs.get((loc.file, loc.line)) or (loc.symbol,))[0] or loc.symbol or ""
            places[(i, j)] = (loc.file, var)
            if var in read or (loc.file, var) in injected or (r.json_key, normal_symbol(var)) in own \
                    or (r.json_key, None) in own:
                handled.add((loc.file, var))
    grew = True
    while grew:  # a password expanded into a URL whose definition goes with it
        grew = False
        for place in places.values():
            if place not in handled and any((place[0], w) in handled for w in expanded_by.get(place, ())):
                handled.add(place)
                grew = True
    out = []
    for i, s in enumerate(secrets):
        rewrites = list(s.rewrites)
        for j, r in enumerate(rewrites):
            place = places.get((i, j))
            if place is not None and place not in handled:
                rewrites[j] = replace(r, action="display", applicability="display-only",
                                      reason=DOTENV_KEPT.format(var=place[1] or "the variable"))
        out.append(replace(s, rewrites=tuple(rewrites)) if rewrites != list(s.rewrites) else s)
    return out


def with_policy(plan: Plan, options: PlanOptions) -> Plan:
    """Recompute the IAM policy and cost for ``plan`` (after a build, or after the user edited names)."""
    from dataclasses import replace

    names = [s.name for s in plan.secrets]
    kms = sorted({s.kms_key_id for s in plan.secrets if s.kms_key_id})
    return replace(plan, iam_policy=iam_policy(names, kms, options.region or plan.region, options.account_id),
                   cost=cost_estimate(len(names), plan.cache_ttl_seconds, options.processes))


def _secret(sid: str, name: str, slots: dict[str | None, _Slot], urls: set[str], options: PlanOptions,
            rule_rotation: Callable[[object], str], cfn_lines: frozenset, decisions: Mapping | None = None,
            existing: bool = False) -> PlannedSecret:
    values, rewrites, members = [], [], []
    for key in sorted(slots, key=lambda k: (k is None, k or "")):
        slot = slots[key]
        members.extend(slot.members)
        if slot.from_definition:
            values.append(ValueSource(key, "env", tuple(_loc(f) for f in sorted(slot.literals, key=lambda f: f.sort_key)),
                                      slot.variable, slot.key in urls))
        elif slot.literals:
            values.append(ValueSource(key, "literal", tuple(_loc(f) for f in sorted(slot.literals, key=lambda f: f.sort_key)),
                                      slot.variable, slot.key in urls, _read_default(slot)))
        else:
            values.append(ValueSource(key, "env", (), slot.variable, False))
        # a literal that is an env read's default goes away with the read: only the read is rewritten
        rewrites.extend(_rewrite(f, key, cfn_lines, decisions) for f in slot.members if _place_of(f) not in slot.defaults)
    rewrites.sort(key=lambda r: (r.location.file, r.location.line, r.location.column))
    members.sort(key=lambda f: f.sort_key)
    files = sorted({m.file for m in members})
    first = members[0]
    src = f"{first.file}:{first.line}" + (f" and {len(members) - 1} more" if len(members) > 1 else "")
    route = _route(members, rule_rotation)
    desc = f"Moved by secretshift from {', '.join(files[:3])}{' and others' if len(files) > 3 else ''}"
    tags = {"secretshift:managed": "true", "secretshift:id": sid, "secretshift:source": _tag_value(src),
            "secretshift:rotation": route}
    return PlannedSecret(id=sid, name=name, description=desc[:2048], rotation=route, values=tuple(values),
                         rewrites=tuple(rewrites), tags=tags, kms_key_id=options.kms_key_id, existing=existing)


def _tag_value(text: str) -> str:
    """Tag values allow letters, digits, spaces and _.:/=+-@ (256 characters)."""
    return "".join(c if c.isalnum() or c in " _.:/=+-@" else "_" for c in text)[:256]
