"""Put non-secret configuration into SSM Parameter Store and rewrite its reads (``--parameters``).

Each variable becomes a ``String`` parameter ``/{prefix}/config/{NAME}``, created (or adopted when it
already holds the same value) and read back before any read of it is rewritten to
``get_parameter("/{prefix}/config/{NAME}")`` from the accessor module. A parameter holding another
value is left alone unless ``update_existing``. Configuration values are not secrets, but they are
still not printed: output names variables, parameters and files only.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ..base.errors import AwsActionError
from ..planner.parameters import URL_WITH_PASSWORD, ConfigRead, parameter_name
from .session import AwsSession

ACCESSOR_FUNCTION = "get_parameter"


@dataclass
class ParametersResult:
    stored: dict[str, str] = field(default_factory=dict)  # variable -> "created" | "adopted" | "updated"
    rewritten: dict[str, int] = field(default_factory=dict)  # file -> reads rewritten
    missing: list[str] = field(default_factory=list)  # variables with no value anywhere
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.problems)


def ensure_parameter(session: AwsSession, name: str, value: str, update_existing: bool = False,
                     tags: Mapping[str, str] | None = None) -> str:
    """Create/adopt/update one parameter and read it back. :raises AwsActionError: conflict or failure."""
    gw = session.gateway("ssm")
    r, code = gw.error_code("get_parameter", Name=name)
    if code not in (None, "ParameterNotFound"):
        raise AwsActionError(f"{name}: cannot read the parameter ({code})")
    if r is not None:
        if r["Parameter"].get("Value") == value:
            return "adopted"
        if not update_existing:
            raise AwsActionError(f"{name} already exists in Parameter Store with a different value; pass "
                                 f"--update-existing to store the new one")
        gw.call("put_parameter", f"{name}: cannot update the parameter", Name=name, Value=value, Type="String",
                Overwrite=True)
        action = "updated"
    else:
        gw.call("put_parameter", f"{name}: cannot create the parameter", Name=name, Value=value, Type="String",
                Tags=[{"Key": k, "Value": v} for k, v in sorted((tags or {}).items())])
        action = "created"
    back = gw.call("get_parameter", f"{name}: cannot read the parameter back", Name=name)
    if back["Parameter"].get("Value") != value:
        raise AwsActionError(f"{name}: the value read back differs; no read of it was rewritten")
    return action


def parameters_stage(session: AwsSession, root: Path, prefix: str, reads: list[ConfigRead],
                     values: Mapping[str, str], accessor_of: Callable[[str], Any], update_existing: bool = False,
                     report: Callable[[str], None] = lambda m: None) -> ParametersResult:
    """Store each variable's value, then rewrite its reads; ``accessor_of(file)`` writes (if needed) the
    accessor module that file imports and returns its placement (``migration.deploy.Placement``)."""
    from secretshift.codemods import runner
    from secretshift.codemods.accessor import Accessor

    res = ParametersResult()
    variables = sorted({r.variable for r in reads})
    for var in variables:
        if var not in values:
            res.missing.append(var)
            report(f"skipped  {var}: no value in .env or the environment; its reads stay as they are")
            continue
        if URL_WITH_PASSWORD.match(values[var]):
            res.problems.append(f"{var}: its value holds a password, so it is a credential, not configuration; not "
                                f"moved (name it in secret_env_names to migrate it as a secret)")
            report(f"skipped  {var}: its value holds a password")
            continue
        pname = parameter_name(prefix, var)
        try:
            res.stored[var] = ensure_parameter(session, pname, values[var], update_existing,
                                               {"secretshift:managed": "true", "secretshift:variable": var})
        except AwsActionError as e:
            res.problems.append(str(e))
            report(f"failed   {e}")
            continue
        report(f"{res.stored[var]:8} parameter {pname}")
    by_file: dict[str, list[ConfigRead]] = {}
    for r in reads:
        if r.variable in res.stored:
            by_file.setdefault(r.file, []).append(r)
    for rel, items in sorted(by_file.items()):
        place = accessor_of(rel)
        module = root / place.path
        if f"def {ACCESSOR_FUNCTION}(" not in module.read_text(encoding="utf-8", errors="replace"):
            res.problems.append(f"{place.path} has no {ACCESSOR_FUNCTION}() (an edited accessor): add it from "
                                f"secretshift's template, then run again; {rel} left as it is")
            continue
        targets = [runner.RewriteTarget(line=r.line, column=r.column, end_line=r.end_line, end_column=r.end_column,
                                        kind="env", env_var=r.variable, secret_id=parameter_name(prefix, r.variable),
                                        json_key=None, rule_id="parameters", fingerprint=f"{rel}:{r.line}:{r.column}")
                   for r in items]
        out = runner.rewrite_file(root / rel, targets, Accessor("function", place.module, ACCESSOR_FUNCTION), True,
                                  write=True, display_path=rel)
        if out.applied:
            res.rewritten[rel] = len(out.applied)
        for t, why in out.skipped:
            res.problems.append(f"{rel}:{t.line}: {t.env_var} not rewritten ({why})")
        report(f"rewrote  {rel}: {len(out.applied)} configuration read(s) now read Parameter Store")
    return res
