"""Re-read planned values from the source at apply time (the plan holds none).

A literal is found again by its finding fingerprint (rule, file, value): if a planned fingerprint is
gone the value changed or moved away, and the plan is stale. An environment read takes its value
from the variable's literal definition (.env, compose, ...) or the literal it falls back to, else from
the environment of this process, else ``--values FILE``, else a hidden prompt; a secret still missing
a value is pending: not created, and the code that reads it is left as it is.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import unquote

from ..base.errors import SecretshiftError, StalePlanError
from ..planner.model import Plan, PlannedSecret
from .state import Progress


@dataclass
class Fresh:
    """Findings of a re-scan of the planned files, by fingerprint (values in memory only). A fingerprint
    is rule + file + value, so the same literal twice in a file gives several findings: ``all`` keeps
    every one, in order, and ``at(location)`` finds the one a planned location stands for."""

    by_fp: dict[str, Any] = field(default_factory=dict)
    all: dict[str, list[Any]] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)

    def findings(self) -> list[Any]:
        return [f for fs in self.all.values() for f in fs]

    def at(self, loc: Any, planned: list[Any] | None = None) -> Any:
        """The finding planned location ``loc`` stands for now: the n-th of its fingerprint when
        ``planned`` (every planned location with that fingerprint) has as many, else the nearest line."""
        fs = self.all.get(loc.fingerprint) or []
        if not fs:
            return None
        if planned is not None:
            same = sorted({(x.line, x.column) for x in planned if x.fingerprint == loc.fingerprint})
            if len(same) == len(fs) and (loc.line, loc.column) in same:
                return fs[same.index((loc.line, loc.column))]
        return min(fs, key=lambda f: (abs(f.line - loc.line), abs(f.column - loc.column)))


def rescan(root: Path, files: Iterable[str], ruleset: Any, opts: Any) -> Fresh:
    from secretshift.scanner.scan import BINARY_KEYSTORE_LANGUAGES, scan_binary, scan_text
    from secretshift.scanner.sources import Source, language_of, read_text

    from .definitions import interpolated

    out = Fresh()
    for rel in sorted(set(files)):
        path = root / rel
        if not path.is_file():
            out.unreadable[rel] = "missing"
            continue
        if language_of(rel) in BINARY_KEYSTORE_LANGUAGES:
            # a .p12/.pfx keystore is read as the scan reads it (its bytes, as base64), not as text
            try:
                data = path.read_bytes()
            except OSError as e:
                out.unreadable[rel] = f"unreadable ({e.strerror or e})"
                continue
            found = scan_binary(data, rel, ruleset, opts, warn=lambda m: None)
        else:
            text, reason, _size, _note = read_text(Source(rel=rel, path=path), opts.max_bytes)
            if text is None:
                out.unreadable[rel] = reason or "unreadable"
                continue
            found = scan_text(text, rel, ruleset, opts, warn=lambda m: None)
            found += interpolated(rel, text, found)  # a .env line expanding a flagged variable (${POSTGRES_PASSWORD})
        for f in sorted(found, key=lambda f: f.sort_key):
            out.by_fp.setdefault(f.fingerprint, f)
            out.all.setdefault(f.fingerprint, []).append(f)
    return out


def planned_files(plan: Plan) -> set[str]:
    files = {r.location.file for s in plan.secrets for r in s.rewrites}
    files |= {loc.file for s in plan.secrets for v in s.values for loc in v.locations}
    return files


def check_stale(plan: Plan, fresh: Fresh, progress: Progress) -> None:
    """Every planned location in a file not yet rewritten must still hold its value.

    :raises StalePlanError: names the first location that changed (never the value).
    """
    gone = []
    for s in plan.secrets:
        locs = [r.location for r in s.rewrites] + [loc for v in s.values for loc in v.locations]
        for loc in locs:
            if progress.file_done(loc.file) or loc.fingerprint in fresh.by_fp:
                continue
            gone.append(loc)
    if gone:
        loc = sorted(gone, key=lambda x: (x.file, x.line))[0]
        why = fresh.unreadable.get(loc.file)
        more = f" (and {len(gone) - 1} more)" if len(gone) > 1 else ""
        state = f"is {why}" if why else f"line {loc.line} no longer holds the planned value ({loc.fingerprint})"
        raise StalePlanError(f"the plan is stale: {loc.file} {state}{more}; nothing was applied; "
                             f"run 'secretshift plan' again")


def load_values_file(path: Path) -> dict[str, str]:
    """``--values FILE``: dotenv syntax (python-dotenv's parser), read into memory only, never written
    back or copied. :raises SecretshiftError: unreadable file (one line, no content)."""
    from dotenv import dotenv_values

    try:
        raw = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise SecretshiftError(f"{path}: cannot read the values file ({type(e).__name__})") from None
    import io

    return {k: v for k, v in dotenv_values(stream=io.StringIO(raw)).items() if k and v}


# The variables this process itself reaches AWS with: an application reading one of them
# (``os.getenv("AWS_SECRET_ACCESS_KEY")`` for S3 storage) must never be given the credentials of
# whoever runs the migration. Only ``--values`` or the prompt gives them a value.
OWN_CREDENTIALS = frozenset({"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                             "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
                             "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CREDENTIAL_EXPIRATION"})


def process_environment(environ: dict[str, str]) -> dict[str, str]:
    """The environment values ``migrate`` may take for a read: all but its own AWS credentials."""
    return {k: v for k, v in environ.items() if k.upper() not in OWN_CREDENTIALS}


@dataclass
class ValueSources:
    """Where an environment read's value comes from when the repository has none, in order: the
    environment of this process (``process_environment``: not its own AWS credentials), ``--values FILE``, an answer typed at a hidden prompt (kept in memory
    for this run). ``prompt(variable, secret) -> str | None`` is None when nobody can be asked."""

    env: dict[str, str] = field(default_factory=dict)
    file: dict[str, str] = field(default_factory=dict)
    answers: dict[str, str] = field(default_factory=dict)
    prompt: Callable[[str, str], str | None] | None = None

    def get(self, variable: str, secret: str, ask: bool = True) -> str | None:
        for d in (self.env, self.file, self.answers):
            if d.get(variable):
                return d[variable]
        if ask and self.prompt is not None:
            answer = self.prompt(variable, secret)
            if answer:
                self.answers[variable] = answer
                return answer
        return None

    def available(self) -> frozenset[str]:
        return frozenset(k for d in (self.env, self.file, self.answers) for k, v in d.items() if v)


def secret_string(secret: PlannedSecret, values: dict[str | None, str], db: dict[str, Any] | None = None) -> str:
    """The SecretString: the value itself for a plain secret, else a JSON object (sorted keys). ``db``:
    the components of a database secret (``databases.components``), stored beside the planned keys."""
    if secret.plain:
        return values[None]
    obj: dict[str, Any] = dict(db or {})
    for v in secret.values:
        if v.key in values:
            obj[v.key or "value"] = values[v.key]
    if "url_password" in obj and "password" not in obj:
        obj["password"] = unquote(obj["url_password"])
    return json.dumps(obj, sort_keys=True)


def leaf_values(secret: PlannedSecret, secret_str: str) -> list[str]:
    """The migrated values inside a stored secret (for the verify search): the planned keys, and the
    password of a database; host, port, user and engine are not secrets and are left out."""
    if secret.plain:
        return [secret_str]
    try:
        obj = json.loads(secret_str)
    except ValueError:
        return [secret_str]
    if not isinstance(obj, dict):
        return [secret_str]
    out = [obj.get(v.key or "value") for v in secret.values]
    out.append(obj.get("password"))
    return [x for x in out if isinstance(x, str) and x]


def _whole_literal(root: Path | None, loc: Any) -> bool:
    """The finding at ``loc`` is a whole string literal on one line (quotes right around it), not a part
    of one (a token inside "Bearer ..."): then it is all the read falls back to."""
    if root is None or loc.line != loc.end_line:
        return False
    try:
        lines = (root / loc.file).read_bytes().decode("utf-8", "surrogateescape").splitlines()
        text = lines[loc.line - 1]
    except (OSError, IndexError):
        return False
    a, b = loc.column - 2, loc.end_column - 1
    return 0 <= a < b < len(text) and text[a] == text[b] and text[a] in "'\"`"


def is_database(secret: PlannedSecret) -> bool:
    return not secret.plain and (secret.rotation == "database-password" or "/db/" in f"/{secret.name}"
                                 or any(v.connection_url for v in secret.values))


@dataclass
class Resolved:
    """Per secret id: the SecretString to create (or, for an existing secret, the JSON of the keys found
    this run, to compare); ``pending``: secret id -> the variables it still lacks."""

    strings: dict[str, str] = field(default_factory=dict)
    pending: dict[str, list[str]] = field(default_factory=dict)


def resolve(plan: Plan, fresh: Fresh, progress: Progress, sources: ValueSources,
            definition: Callable[[str, str], str | None] = lambda file, var: None,
            root: Path | None = None) -> Resolved:
    """The value of every secret not yet verified: a literal in the repository (a definition's whole
    value, or the literal found again by fingerprint, defaults of env reads included), else
    ``sources``. A secret missing a value is pending (never created); nothing raises for it."""
    from .databases import components

    out = Resolved()
    for s in plan.secrets:
        if progress.verified(s.id):
            continue
        vals: dict[str | None, str] = {}
        found_at: list[tuple[str | None, Any]] = []
        missing: list[str] = []
        for v in s.values:
            found = next((fresh.by_fp[loc.fingerprint] for loc in v.locations if loc.fingerprint in fresh.by_fp), None)
            whole = next((x for loc in v.locations if v.kind == "env" and v.variable
                          and (x := definition(loc.file, v.variable))), None)
            if whole is not None:
                vals[v.key] = whole
            elif found is not None and found.value is not None and v.kind == "literal":
                at = next(loc for loc in v.locations if loc.fingerprint in fresh.by_fp)
                # os.environ.get("X", "<default>"): X's value wins whenever it is set, so this run's value of X
                # (environment, --values) is what the program computes; without one the default is the value
                given = sources.get(v.variable, s.name, ask=False) \
                    if v.read_default and v.variable and all(_whole_literal(root, loc) for loc in v.locations) else None
                vals[v.key] = given or found.value.reveal()
                found_at.append((v.key, at))
            elif v.variable and (x := sources.get(v.variable, s.name, ask=not s.existing)):
                vals[v.key] = x
            elif not s.existing:
                missing.append(v.variable or f"{s.name}:{v.key}")
        if missing:
            out.pending[s.id] = sorted(set(missing))
            continue
        if s.existing and not s.plain:
            obj = {k or "value": x for k, x in vals.items()}
            out.strings[s.id] = json.dumps(obj, sort_keys=True)
        elif s.existing:
            out.strings[s.id] = vals.get(None, "")
        else:
            db = components(root, vals, found_at) if root is not None and is_database(s) else None
            if db is not None and "engine" not in db:
                from .databases import engine_of

                service = s.name.rsplit("/", 1)[-1].rstrip("-0123456789")
                if engine_of(service):
                    db["engine"] = engine_of(service)
            out.strings[s.id] = secret_string(s, vals, db)
    return out
