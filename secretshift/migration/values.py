"""Re-read planned values from the source at apply time (the plan holds none).

A literal is found again by its finding fingerprint (rule, file, value): if a planned fingerprint is
gone the value changed or moved away, and the plan is stale. An environment read takes its value
from the variable's literal definition (.env, compose, ...) when the plan found one, else from the
environment of this process, else a hidden prompt.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import unquote, urlsplit

from ..base.errors import SecretshiftError, StalePlanError
from ..planner.model import Plan, PlannedSecret
from .state import Progress


class MissingValuesError(SecretshiftError):
    """Environment variables with no value anywhere, and no way to ask (``--yes``)."""


@dataclass
class Fresh:
    """Findings of a re-scan of the planned files, by fingerprint (values in memory only)."""

    by_fp: dict[str, Any] = field(default_factory=dict)
    unreadable: dict[str, str] = field(default_factory=dict)
    all_by_fp: dict[str, list] = field(default_factory=dict)  # one value twice in a file: one fingerprint

    def located(self, items: list) -> list:
        """``(secret, rewrite, finding)`` for the planned rewrites ``items`` of one file. Findings that
        share a fingerprint (the same value twice under one rule) go to the rewrites in position order:
        the one at the planned position first, then by rank."""
        out, groups = [], {}
        for s, r in items:
            groups.setdefault(r.location.fingerprint, []).append((s, r))
        for fp, group in groups.items():
            found = sorted(self.all_by_fp.get(fp) or ([self.by_fp[fp]] if fp in self.by_fp else []),
                           key=lambda f: (f.line, f.column))
            group.sort(key=lambda sr: (sr[1].location.line, sr[1].location.column))
            free = list(found)
            pending = []
            for s, r in group:
                hit = next((f for f in free if (f.line, f.column) == (r.location.line, r.location.column)), None)
                if hit is not None:
                    free.remove(hit)
                    out.append((s, r, hit))
                else:
                    pending.append((s, r))
            out.extend((s, r, f) for (s, r), f in zip(pending, free))
        return out


def rescan(root: Path, files: Iterable[str], ruleset: Any, opts: Any) -> Fresh:
    from secretshift.scanner.scan import scan_text
    from secretshift.scanner.sources import Source, read_text

    out = Fresh()
    for rel in sorted(set(files)):
        path = root / rel
        if not path.is_file():
            out.unreadable[rel] = "missing"
            continue
        text, reason, _size, _note = read_text(Source(rel=rel, path=path), opts.max_bytes)
        if text is None:
            out.unreadable[rel] = reason or "unreadable"
            continue
        for f in scan_text(text, rel, ruleset, opts, warn=lambda m: None):
            out.by_fp[f.fingerprint] = f
            out.all_by_fp.setdefault(f.fingerprint, []).append(f)
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


def split_connection_url(url: str) -> dict[str, Any]:
    """username/password/host/port/dbname/engine of a URL with credentials (AWS's RDS secret shape)."""
    try:
        u = urlsplit(url)
        port = u.port
    except ValueError:
        return {}
    if not u.scheme or not u.hostname:
        return {}
    engine = {"postgresql": "postgres", "postgres": "postgres", "mysql": "mysql", "mariadb": "mariadb",
              "mongodb": "mongo", "mongodb+srv": "mongo", "redis": "redis", "rediss": "redis"}.get(
        u.scheme.split("+")[0], u.scheme)
    out: dict[str, Any] = {"engine": engine, "host": u.hostname}
    if u.username:
        out["username"] = unquote(u.username)
    if u.password:
        out["password"] = unquote(u.password)
    if port:
        out["port"] = port
    if u.path.strip("/"):
        out["dbname"] = u.path.strip("/")
    return out


def secret_string(secret: PlannedSecret, values: dict[str | None, str]) -> str:
    """The SecretString: the value itself for a plain secret, else a JSON object (sorted keys)."""
    if secret.plain:
        return values[None]
    obj: dict[str, Any] = {}
    for v in secret.values:
        if v.connection_url:
            for k, x in split_connection_url(values[v.key]).items():
                obj.setdefault(k, x)
    for v in secret.values:
        obj[v.key or "value"] = values[v.key]
    return json.dumps(obj, sort_keys=True)


def leaf_values(secret: PlannedSecret, secret_str: str) -> list[str]:
    """The migrated values inside a stored secret (for the verify search): the planned keys, and the
    password of a connection URL; host, port, user and engine are not secrets and are left out."""
    if secret.plain:
        return [secret_str]
    try:
        obj = json.loads(secret_str)
    except ValueError:
        return [secret_str]
    if not isinstance(obj, dict):
        return [secret_str]
    out = [obj.get(v.key or "value") for v in secret.values]
    if any(v.connection_url for v in secret.values):
        out.append(obj.get("password"))
    return [x for x in out if isinstance(x, str) and x]


def resolve(plan: Plan, fresh: Fresh, progress: Progress, env: dict[str, str],
            prompt: Callable[[str, str], str | None] | None,
            definition: Callable[[str, str], str | None] = lambda file, var: None) -> dict[str, str]:
    """SecretString for every secret not yet verified, by secret id.

    :raises MissingValuesError: variables with no value (``prompt`` is None under ``--yes``).
    """
    out: dict[str, str] = {}
    missing: list[str] = []
    for s in plan.secrets:
        if progress.verified(s.id):
            continue
        vals: dict[str | None, str] = {}
        for v in s.values:
            found = next((fresh.by_fp[loc.fingerprint] for loc in v.locations if loc.fingerprint in fresh.by_fp), None)
            whole = next((x for loc in v.locations if v.kind == "env" and v.variable
                          and (x := definition(loc.file, v.variable))), None)
            if whole is not None:
                vals[v.key] = whole
            elif found is not None and found.value is not None and v.kind == "literal":
                vals[v.key] = found.value.reveal()
            elif v.variable and env.get(v.variable):
                vals[v.key] = env[v.variable]
            elif v.variable and prompt is not None and (answer := prompt(v.variable, s.name)):
                vals[v.key] = answer
            else:
                missing.append(v.variable or f"{s.name}:{v.key}")
        if len(vals) == len(s.values):
            out[s.id] = secret_string(s, vals)
    if missing:
        names = ", ".join(sorted(set(missing)))
        raise MissingValuesError(f"no value for {names}: set them in the environment (or define them in .env) "
                                 f"and run again; nothing was created or written")
    return out
