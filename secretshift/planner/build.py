"""``build_plan(findings, options, rotation) -> Plan``: pure and deterministic (no I/O, no AWS, no clock).

Findings are grouped into "slots" (one value each: equal literals share a slot, an environment read
joins the slot of its variable's literal definition), slots into secrets by their placement
(``{prefix}/{category}/{service}`` + JSON key). Two different values for the same key split the
secret (``-2`` suffix) with a warning. Values are used in memory only to decide equality.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Callable, Iterable, Mapping, Sequence

from .model import Location, Plan, PlannedSecret, Rewrite, ValueSource
from .naming import Placement, place, secret_name
from .policy import cost_estimate, iam_policy

CONFIG_SUFFIXES = (".env", ".yaml", ".yml", ".json", ".template", ".tf", ".tfvars", ".ini", ".cfg", ".conf", ".toml")
UNSAFE_REASON = "fetches the value from AWS Secrets Manager at run time (network call, needs IAM permission)"
CFN_REASON = ("replaced by a CloudFormation dynamic reference ({{resolve:secretsmanager:...}}): the value is "
              "resolved at deploy time and the stack's role needs secretsmanager:GetSecretValue")
# environment variables (SS306) and literal password properties such as MasterUserPassword (SS307) of
# CloudFormation/SAM resources: dynamic references are allowed there (not in parameter defaults)
CFN_RULES = ("SS306", "SS307")
DOTENV_REASON = "removes the definition from the file; anything else reading the variable must read the secret"


@dataclass(frozen=True)
class PlanOptions:
    prefix: str = "production"
    kms_key_id: str | None = None
    region: str | None = None
    account_id: str | None = None
    accessor: str = "secretshift_secrets:get_secret"
    cache_ttl_seconds: int = 300
    processes: int = 1


@dataclass
class _Slot:
    key: str
    literals: list = field(default_factory=list)  # hardcoded findings holding the value
    reads: list = field(default_factory=list)  # env findings reading it
    variable: str | None = None
    from_definition: bool = False  # the value is the variable's whole definition (read at apply time)
    url: bool = False

    @property
    def members(self) -> list:
        return sorted(self.literals + self.reads, key=lambda f: f.sort_key)


def is_dotenv(path: str) -> bool:
    name = PurePosixPath(path).name.lower()
    return name == ".env" or name.startswith(".env.") or name.endswith(".env")


def is_python(path: str) -> bool:
    return path.endswith((".py", ".pyw"))


def is_definition_file(path: str) -> bool:
    return is_dotenv(path) or (not is_python(path) and path.lower().endswith(CONFIG_SUFFIXES)) or \
        PurePosixPath(path).name.lower() in ("dockerfile",)


def _slot_key(f) -> str:
    if f.value is not None:
        return "v:" + hashlib.sha256(f.value.reveal().encode("utf-8", "surrogatepass")).hexdigest()
    return "fp:" + f.fingerprint


def _slots(findings: Sequence, defs: Mapping[tuple[str, int], tuple[str, Any]]) -> list[_Slot]:
    slots: dict[str, _Slot] = {}
    by_var: dict[str, str] = {}  # variable -> slot key of its first literal definition
    for f in sorted((f for f in findings if f.kind == "hardcoded"), key=lambda f: (not is_dotenv(f.file), f.sort_key)):
        d = defs.get((f.file, f.line))
        var = d[0] if d else (f.symbol if f.symbol and is_definition_file(f.file) else None)
        whole = d[1].reveal() if d and d[1] is not None else None
        if var and whole is not None and f.value is not None and whole != f.value.reveal():
            # the finding is part of the variable's value (a URL's password): the secret gets the whole value
            k = "env:" + var
            s = slots.setdefault(k, _Slot(k, variable=var))
            s.from_definition, s.url = True, s.url or ("://" in whole and "@" in whole)
            s.literals.append(f)
            by_var.setdefault(var, k)
            continue
        k = _slot_key(f)
        slots.setdefault(k, _Slot(k)).literals.append(f)
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


def _placement(slot: _Slot) -> tuple[Placement, bool]:
    ms = slot.members
    hints = [_hints(m) for m in ms]
    symbol = slot.variable or next((m.symbol for m in ms if m.symbol), None)
    service = next((h[1] for h in hints if h[1]), None)
    fld = next((h[2] for h in hints if h[2]), None)
    category = next((h[0] for h in hints if h[0] != "generic"), hints[0][0])
    url = any(m.value is not None and "://" in m.value.reveal() and "@" in m.value.reveal()
              and (m.field in ("url", "connection_string", "dsn", "uri") or m.rule_id.startswith("SS6"))
              for m in slot.literals)
    url = url or slot.url
    p = place(category, service, fld, symbol, ms[0].file)
    if url and p.json_key not in (None,):
        p = Placement(p.category, p.service, "url")
    return p, url


def _loc(f) -> Location:
    return Location(f.file, f.line, f.column, f.end_line, f.end_column, f.rule_id, f.fingerprint, f.symbol)


def _rewrite(f, key: str | None, cfn_lines: frozenset = frozenset(), decisions: Mapping | None = None) -> Rewrite:
    loc = _loc(f)
    env_var = f.symbol if f.kind == "env" else None
    if is_python(f.file):
        return Rewrite(loc, f.kind, "codemod", "unsafe", UNSAFE_REASON, key, env_var)
    if f.kind == "hardcoded" and is_dotenv(f.file):
        return Rewrite(loc, f.kind, "dotenv", "unsafe", DOTENV_REASON, key, env_var)
    d = decisions.get(f.fingerprint) if decisions else None
    if d is not None:  # what the deployment-file / JavaScript rewrite will do (secretshift.codemods.deploy.plan)
        return Rewrite(loc, f.kind, d[0], d[1], d[2], key, env_var)
    if f.kind == "hardcoded" and ((f.rule_id in CFN_RULES and f.symbol != "Default") or (f.file, f.line) in cfn_lines):
        return Rewrite(loc, f.kind, "cfn", "unsafe", CFN_REASON, key, env_var)
    lang = PurePosixPath(f.file).suffix or PurePosixPath(f.file).name
    return Rewrite(loc, f.kind, "display", "display-only", f"no automatic rewrite for {lang} files: change it by hand",
                   key, env_var)


def _route(members: Iterable, rule_rotation: Callable[[object], str]) -> str:
    routes = [rule_rotation(m) for m in members]
    return next((r for r in routes if r and r != "generic-password"), routes[0] if routes else "generic-password")


def build_plan(findings: Sequence, options: PlanOptions, rule_rotation: Callable[[object], str],
               definitions: Mapping[tuple[str, int], tuple[str, Any]] | None = None,
               decisions: Mapping[str, tuple[str, str, str]] | None = None) -> Plan:
    """Group ``findings`` into planned secrets. ``rule_rotation(finding) -> route id`` (data lookup);
    ``definitions``: ``(file, line) -> (VARIABLE, whole value)`` for configuration lines (read by the caller);
    ``decisions``: fingerprint -> (action, applicability, reason) for deployment files and JavaScript
    (``secretshift.codemods.deploy.plan.decisions``, computed by the caller)."""
    warnings: list[str] = []
    own = options.accessor.split(":", 1)[0].replace(".", "/") + ".py"
    findings = [f for f in findings if f.file != own]  # the accessor's own configuration reads
    groups: dict[tuple[str, str], list[dict[str | None, _Slot]]] = {}
    urls: set[str] = set()
    defs = definitions or {}
    # other rules' findings on the variable lines of a CloudFormation environment can use dynamic references too
    cfn_files = {f.file for f in findings if f.rule_id in CFN_RULES}
    cfn_lines = frozenset(k for k in defs if k[0] in cfn_files)
    for slot in _slots(findings, defs):
        p, url = _placement(slot)
        if url:
            urls.add(slot.key)
        variants = groups.setdefault((p.category, p.service), [])
        for v in variants:
            if p.json_key not in v:
                v[p.json_key] = slot
                break
        else:
            variants.append({p.json_key: slot})
            if len(variants) > 1:
                other = variants[0][p.json_key].members[0]
                here = slot.members[0]
                warnings.append(
                    f"{secret_name(options.prefix, p)}: different values for "
                    f"'{p.json_key or 'the value'}' at {other.file}:{other.line} and {here.file}:{here.line}; "
                    f"planned as distinct secrets (suffix -{len(variants)})")
    secrets: list[PlannedSecret] = []
    for (cat, svc), variants in groups.items():
        for n, v in enumerate(variants, 1):
            suffix = "" if n == 1 else f"-{n}"
            name = secret_name(options.prefix, Placement(cat, svc, None)) + suffix
            if any(k is None for k in v) and len(v) > 1:  # plain + keyed: give the plain one a key
                v["value"] = v.pop(None)
            secrets.append(_secret(f"{cat}-{svc}{suffix}", name, v, urls, options, rule_rotation, cfn_lines,
                                   decisions))
    secrets.sort(key=lambda s: s.name)
    plan = Plan(prefix=options.prefix, secrets=tuple(secrets), accessor=options.accessor,
                cache_ttl_seconds=options.cache_ttl_seconds, region=options.region, kms_key_id=options.kms_key_id,
                warnings=tuple(warnings))
    return with_policy(plan, options)


def with_policy(plan: Plan, options: PlanOptions) -> Plan:
    """Recompute the IAM policy and cost for ``plan`` (after a build, or after the user edited names)."""
    from dataclasses import replace

    names = [s.name for s in plan.secrets]
    kms = sorted({s.kms_key_id for s in plan.secrets if s.kms_key_id})
    return replace(plan, iam_policy=iam_policy(names, kms, options.region or plan.region, options.account_id),
                   cost=cost_estimate(len(names), plan.cache_ttl_seconds, options.processes))


def _secret(sid: str, name: str, slots: dict[str | None, _Slot], urls: set[str], options: PlanOptions,
            rule_rotation: Callable[[object], str], cfn_lines: frozenset,
            decisions: Mapping | None = None) -> PlannedSecret:
    values, rewrites, members = [], [], []
    for key in sorted(slots, key=lambda k: (k is None, k or "")):
        slot = slots[key]
        members.extend(slot.members)
        if slot.from_definition:
            values.append(ValueSource(key, "env", tuple(_loc(f) for f in sorted(slot.literals, key=lambda f: f.sort_key)),
                                      slot.variable, slot.key in urls))
        elif slot.literals:
            values.append(ValueSource(key, "literal", tuple(_loc(f) for f in sorted(slot.literals, key=lambda f: f.sort_key)),
                                      slot.variable, slot.key in urls))
        else:
            values.append(ValueSource(key, "env", (), slot.variable, False))
        rewrites.extend(_rewrite(f, key, cfn_lines, decisions) for f in slot.members)
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
                         rewrites=tuple(rewrites), tags=tags, kms_key_id=options.kms_key_id)


def _tag_value(text: str) -> str:
    """Tag values allow letters, digits, spaces and _.:/=+-@ (256 characters)."""
    return "".join(c if c.isalnum() or c in " _.:/=+-@" else "_" for c in text)[:256]
