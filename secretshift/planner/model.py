"""The migration plan: frozen dataclasses, and their plain-dict form (the YAML/JSON plan file).

A plan never holds a secret value. Each value is identified by where it is (file, position, rule)
and its finding fingerprint, and is re-read from the source at apply time. ``Plan.from_dict``
validates a (possibly hand-edited) plan and raises ``PlanError`` with a one-line message.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from ..base.errors import PlanError
from .naming import valid_name

PLAN_VERSION = 2
READABLE_VERSIONS = (1, 2)
LEFT_REASONS = ("test", "public", "browser", "example", "development", "no-credential", "temporary", "compiled", "docs",
                "comment")


def value_id(value: str) -> str:
    """A value's identity across runs and files (the ledger's key): a truncated salted sha256, like
    the finding fingerprints; never the value."""
    return "v1:" + hashlib.sha256(b"secretshift-value\0" + value.encode("utf-8", "surrogatepass")).hexdigest()[:24]


# codemod: Python (libcst); dotenv: the definition is dropped; the deployment-file and JavaScript kinds of
# secretshift.codemods.deploy (cfn, ecs, javascript, terraform, ... and rds-managed); display: shown only
ACTIONS = ("codemod", "dotenv", "cfn", "rds-managed", "javascript", "ecs", "terraform", "kubernetes", "compose",
           "dockerfile", "github-actions", "serverless", "shell", "display")
APPLICABILITY = ("safe", "unsafe", "display-only")


@dataclass(frozen=True)
class Location:
    """One occurrence of a value (or one read of a variable) in the tree."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule_id: str
    fingerprint: str
    symbol: str | None = None


@dataclass(frozen=True)
class ValueSource:
    """Where the value of one JSON key comes from at apply time.

    ``kind="literal"``: read from any of ``locations`` (all hold the same value).
    ``kind="env"``: the variable ``variable``; from its literal definitions (``locations``: .env,
    compose, ECS, CFN ...) first, then the environment of the migrate process, then a prompt.
    """

    key: str | None
    kind: str
    locations: tuple[Location, ...] = ()
    variable: str | None = None
    connection_url: bool = False  # a URL with credentials: also split into username/password/host/port/dbname
    # the literals are what a read of ``variable`` falls back to (``os.environ.get("X", "<literal>")``,
    # ``process.env.X || '<literal>'``): this run's value of the variable, when it has one, is the value
    read_default: bool = False


@dataclass(frozen=True)
class Rewrite:
    """One place in the code that will read the secret instead of its current source."""

    location: Location
    kind: str  # "hardcoded" | "env"
    action: str  # one of ACTIONS: "codemod" (Python via libcst) | "dotenv" (drop the definition) | a deployment
    #              file's or JavaScript's kind (secretshift.codemods.deploy) | "display" (printed only)
    applicability: str
    reason: str
    json_key: str | None = None
    env_var: str | None = None


@dataclass(frozen=True)
class PlannedSecret:
    id: str  # stable id used by the progress file; survives renaming in the plan
    name: str
    description: str
    rotation: str
    values: tuple[ValueSource, ...]
    rewrites: tuple[Rewrite, ...]
    tags: dict[str, str] = field(default_factory=dict)
    kms_key_id: str | None = None
    existing: bool = False  # created by an earlier run (the ledger): verified and read, never created again
    lifecycle: dict[str, Any] = field(default_factory=dict)  # rotation, replicas, readers (planner.lifecycle)

    @property
    def plain(self) -> bool:
        return len(self.values) == 1 and self.values[0].key is None


@dataclass(frozen=True)
class Pending:
    """A value read from the environment that has no value anywhere this run could see: not created,
    its reads not rewritten. ``secret``/``json_key``: where it would go."""

    variable: str
    secret: str
    json_key: str | None
    reads: tuple[Location, ...] = ()
    display_only: bool = False  # only read from files secretshift does not edit


@dataclass(frozen=True)
class Left:
    """A finding deliberately not migrated: in tests or fixtures (``test``), or a publishable key meant
    to be public (``public``)."""

    location: Location
    reason: str


@dataclass(frozen=True)
class Plan:
    prefix: str
    secrets: tuple[PlannedSecret, ...]
    accessor: str = "secretshift_secrets:get_secret"
    cache_ttl_seconds: int = 300
    region: str | None = None
    kms_key_id: str | None = None
    warnings: tuple[str, ...] = ()
    iam_policy: dict[str, Any] = field(default_factory=dict)
    cost: dict[str, Any] = field(default_factory=dict)
    pending: tuple[Pending, ...] = ()
    left: tuple[Left, ...] = ()
    version: int = PLAN_VERSION
    lifecycle: dict[str, Any] = field(default_factory=dict)  # plan-wide defaults (planner.lifecycle)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["secrets"] = [_secret_dict(s) for s in self.secrets]
        d["warnings"] = list(self.warnings)
        d["pending"] = [_drop_none({**asdict(x), "reads": [_drop_none(asdict(r)) for r in x.reads],
                                    "display_only": x.display_only or None}) for x in self.pending]
        d["left"] = [{"reason": x.reason, "location": _drop_none(asdict(x.location))} for x in self.left]
        order = ["version", "prefix", "region", "kms_key_id", "accessor", "cache_ttl_seconds",
                 *(["lifecycle"] if self.lifecycle else []), "secrets", "pending", "left", "warnings", "iam_policy",
                 "cost"]
        return {k: d[k] for k in order}

    @classmethod
    def from_dict(cls, raw: Any, source: str = "plan") -> Plan:
        """:raises PlanError: one line naming the file and the first problem."""
        return _parse_plan(raw, source)

    def secret(self, sid: str) -> PlannedSecret | None:
        return next((s for s in self.secrets if s.id == sid), None)


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None and v != ()}


def _secret_dict(s: PlannedSecret) -> dict[str, Any]:
    return {
        "id": s.id, "name": s.name, "description": s.description, "rotation": s.rotation,
        "kms_key_id": s.kms_key_id, "tags": dict(s.tags), **({"existing": True} if s.existing else {}),
        **({"lifecycle": dict(s.lifecycle)} if s.lifecycle else {}),
        "values": [_drop_none({**asdict(v), "locations": [_drop_none(asdict(x)) for x in v.locations],
                               "connection_url": v.connection_url or None,
                               "read_default": v.read_default or None}) for v in s.values],
        "rewrites": [_drop_none({**asdict(r), "location": _drop_none(asdict(r.location))}) for r in s.rewrites],
    }


# --- parsing (hand-edited plans) --------------------------------------------------------------------

class _P:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, where: str, msg: str) -> PlanError:
        return PlanError(f"{self.source}: {where}: {msg}")

    def get(self, d: Any, key: str, typ: type | tuple[type, ...], where: str, required: bool = True,
            default: Any = None) -> Any:
        if not isinstance(d, dict):
            raise self.fail(where, "must be a mapping")
        if key not in d or d[key] is None:
            if required:
                raise self.fail(where, f"missing '{key}'")
            return default
        v = d[key]
        if not isinstance(v, typ) or (typ is int and isinstance(v, bool)):
            name = typ.__name__ if isinstance(typ, type) else "/".join(t.__name__ for t in typ)
            raise self.fail(where, f"'{key}' must be a {name}")
        return v


def _location(p: _P, raw: Any, where: str) -> Location:
    return Location(
        file=p.get(raw, "file", str, where), line=p.get(raw, "line", int, where),
        column=p.get(raw, "column", int, where), end_line=p.get(raw, "end_line", int, where),
        end_column=p.get(raw, "end_column", int, where), rule_id=p.get(raw, "rule_id", str, where),
        fingerprint=p.get(raw, "fingerprint", str, where), symbol=p.get(raw, "symbol", str, where, False),
    )


def _parse_secret(p: _P, raw: Any, i: int, plan_kms: str | None) -> PlannedSecret:
    where = f"secrets[{i}]"
    name = p.get(raw, "name", str, where)
    if not valid_name(name):
        raise p.fail(where, f"invalid secret name '{name}' (letters, digits and /_+=.@- only)")
    values = []
    for j, v in enumerate(p.get(raw, "values", list, where)):
        w = f"{where}.values[{j}]"
        kind = p.get(v, "kind", str, w)
        if kind not in ("literal", "env"):
            raise p.fail(w, "kind must be literal or env")
        locs = tuple(_location(p, x, f"{w}.locations[{k}]") for k, x in enumerate(p.get(v, "locations", list, w, False, [])))
        var = p.get(v, "variable", str, w, kind == "env")
        if kind == "literal" and not locs:
            raise p.fail(w, "a literal value needs at least one location")
        values.append(ValueSource(p.get(v, "key", str, w, False), kind, locs, var,
                                  bool(p.get(v, "connection_url", bool, w, False, False)),
                                  bool(p.get(v, "read_default", bool, w, False, False))))
    if not values:
        raise p.fail(where, "has no values")
    keys = [v.key for v in values]
    if len(set(keys)) != len(keys) or (None in keys and len(keys) > 1):
        raise p.fail(where, "JSON keys must be unique (a plain secret has exactly one value without key)")
    rewrites = []
    for j, r in enumerate(p.get(raw, "rewrites", list, where, False, [])):
        w = f"{where}.rewrites[{j}]"
        action = p.get(r, "action", str, w)
        if action not in ACTIONS:
            raise p.fail(w, f"action must be one of {', '.join(ACTIONS)}")
        appl = p.get(r, "applicability", str, w)
        if appl not in APPLICABILITY:
            raise p.fail(w, f"applicability must be one of {', '.join(APPLICABILITY)}")
        kind = p.get(r, "kind", str, w)
        if kind not in ("hardcoded", "env"):
            raise p.fail(w, "kind must be hardcoded or env")
        rewrites.append(Rewrite(_location(p, p.get(r, "location", dict, w), f"{w}.location"), kind, action, appl,
                                p.get(r, "reason", str, w, False, ""), p.get(r, "json_key", str, w, False),
                                p.get(r, "env_var", str, w, False)))
    tags = p.get(raw, "tags", dict, where, False, {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in tags.items()):
        raise p.fail(where, "tags must map strings to strings")
    from .lifecycle import parse_secret_lifecycle

    lifecycle = parse_secret_lifecycle(raw.get("lifecycle"), p.source, f"{where}.lifecycle").to_dict()
    return PlannedSecret(
        id=p.get(raw, "id", str, where), name=name, description=p.get(raw, "description", str, where, False, ""),
        rotation=p.get(raw, "rotation", str, where, False, "generic-password"), values=tuple(values),
        rewrites=tuple(rewrites), tags=dict(tags), kms_key_id=p.get(raw, "kms_key_id", str, where, False, plan_kms),
        existing=bool(p.get(raw, "existing", bool, where, False, False)), lifecycle=lifecycle,
    )


def _parse_pending(p: _P, raw: Any, i: int) -> Pending:
    where = f"pending[{i}]"
    return Pending(p.get(raw, "variable", str, where), p.get(raw, "secret", str, where),
                   p.get(raw, "json_key", str, where, False),
                   tuple(_location(p, x, f"{where}.reads[{k}]") for k, x in enumerate(p.get(raw, "reads", list, where, False, []))),
                   bool(p.get(raw, "display_only", bool, where, False, False)))


def _parse_left(p: _P, raw: Any, i: int) -> Left:
    where = f"left[{i}]"
    reason = p.get(raw, "reason", str, where)
    if reason not in LEFT_REASONS:
        raise p.fail(where, f"reason must be one of {', '.join(LEFT_REASONS)}")
    return Left(_location(p, p.get(raw, "location", dict, where), f"{where}.location"), reason)


def _parse_plan(raw: Any, source: str) -> Plan:
    p = _P(source)
    if not isinstance(raw, dict):
        raise PlanError(f"{source}: not a secretshift plan (expected a mapping)")
    version = p.get(raw, "version", int, "plan")
    if version not in READABLE_VERSIONS:
        raise p.fail("plan", f"version {version} is not supported (this secretshift reads versions "
                             f"{', '.join(map(str, READABLE_VERSIONS))})")
    kms = p.get(raw, "kms_key_id", str, "plan", False)
    secrets = tuple(_parse_secret(p, s, i, kms) for i, s in enumerate(p.get(raw, "secrets", list, "plan")))
    ids = [s.id for s in secrets]
    names = [s.name for s in secrets]
    for what, xs in (("id", ids), ("name", names)):
        dup = {x for x in xs if xs.count(x) > 1}
        if dup:
            raise p.fail("plan", f"duplicate secret {what} {sorted(dup)[0]}")
    accessor = p.get(raw, "accessor", str, "plan", False, "secretshift_secrets:get_secret")
    if ":" not in accessor and accessor != "aws_secretsmanager_caching":
        raise p.fail("plan", "accessor must look like package.module:function (or aws_secretsmanager_caching)")
    ttl = p.get(raw, "cache_ttl_seconds", int, "plan", False, 300)
    from .lifecycle import parse_lifecycle

    lifecycle = parse_lifecycle(raw.get("lifecycle"), source).to_dict()
    return Plan(
        prefix=p.get(raw, "prefix", str, "plan"), secrets=secrets, accessor=accessor, cache_ttl_seconds=ttl,
        region=p.get(raw, "region", str, "plan", False), kms_key_id=kms,
        warnings=tuple(str(w) for w in p.get(raw, "warnings", list, "plan", False, [])),
        iam_policy=p.get(raw, "iam_policy", dict, "plan", False, {}), cost=p.get(raw, "cost", dict, "plan", False, {}),
        pending=tuple(_parse_pending(p, x, i) for i, x in enumerate(p.get(raw, "pending", list, "plan", False, []))),
        left=tuple(_parse_left(p, x, i) for i, x in enumerate(p.get(raw, "left", list, "plan", False, []))),
        lifecycle=lifecycle,
    )
