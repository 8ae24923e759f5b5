"""Load the rotation routes (rules/rotation.yaml, shipped as secretshift.rules data).

A route either lists its ``steps`` or says, for one vendor, where the credential is reissued and
revoked (``reissue``/``revoke``: a text, or ``{text, command}``), whether two can be valid at once
(``overlap``) and what to check afterwards (``verify``). The compact form is expanded here into
steps in the order the overlap allows: with an overlap, create the new one, deploy, check, then
revoke the old; without one, the old stops working when the new one is issued, so reissue, deploy at
once, check. Every loaded route has ``steps``; the checklist renders them as they are.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..base.errors import RuleConfigError

REQUIRED = ("id", "title", "steps")
ROUTE_KEYS = {"id", "title", "risk", "match", "steps", "better", "lambda", "console", "docs", "overlap",
              "reissue", "revoke", "verify", "services", "refines"}
DEFAULT_RISK = 60
STORE = {"text": "Store the new value in the secret {secret} and deploy, so every reader picks it up.",
         "command": "aws secretsmanager put-secret-value --secret-id {secret} --secret-string file://new-value.json"}


def _step(raw: Any, console: str | None) -> dict[str, str]:
    step = {"text": raw} if isinstance(raw, str) else dict(raw)
    if "command" not in step and console:
        step["command"] = f"open {console}"
    return step


def expand(route: dict[str, Any]) -> dict[str, Any]:
    """A route with ``steps``, expanding the compact vendor form (module docstring)."""
    r = dict(route)
    if r.get("services") and "match" not in r:
        r["match"] = {"services": list(r["services"])}
    r.setdefault("risk", DEFAULT_RISK)
    if "steps" in r or "reissue" not in r:
        return r
    console = r.get("console")
    reissue = _step(r["reissue"], console)
    revoke = _step(r["revoke"], None) if r.get("revoke") else None
    verify = _step(r["verify"], None) if r.get("verify") else None
    if r.get("overlap"):
        steps = [reissue, dict(STORE)] + ([verify] if verify else []) + ([revoke] if revoke else [])
    else:
        first = {"text": "Plan a short window: the old credential stops working as soon as the new one is issued, "
                         "so deploy the new value right after."}
        steps = [first] + ([revoke] if revoke else []) + [reissue, dict(STORE)] + ([verify] if verify else [])
    r["steps"] = steps
    return r


def _check(r: Any, name: str) -> dict[str, Any]:
    if not isinstance(r, dict):
        raise RuleConfigError(f"{name}: route {r}: each route must be a mapping")
    rid = r.get("id", "?")
    unknown = set(r) - ROUTE_KEYS
    if unknown:
        raise RuleConfigError(f"{name}: route {rid}: unknown key(s) {', '.join(sorted(unknown))}")
    if "overlap" in r and not isinstance(r["overlap"], bool):
        raise RuleConfigError(f"{name}: route {rid}: overlap must be true or false")
    if "steps" not in r and ("reissue" not in r or "overlap" not in r):
        raise RuleConfigError(f"{name}: route {rid}: needs steps, or reissue and overlap")
    for k in ("reissue", "revoke", "verify"):
        v = r.get(k)
        if v is not None and not isinstance(v, str) and not (isinstance(v, dict) and "text" in v
                                                              and set(v) <= {"text", "command"}):
            raise RuleConfigError(f"{name}: route {rid}: {k} must be a text or {{text, command}}")
    r = expand(r)
    missing = [k for k in REQUIRED if k not in r]
    if missing:
        raise RuleConfigError(f"{name}: route {rid}: missing {missing[0]}")
    for s in r["steps"]:
        if not isinstance(s, dict) or "text" not in s:
            raise RuleConfigError(f"{name}: route {rid}: each step needs 'text'")
    return r


@lru_cache(maxsize=1)
def load_routes() -> dict[str, Any]:
    """The parsed file: ``routes`` (list, in match order, each with ``steps``), ``alarm_command``, notes.

    :raises RuleConfigError: the file is malformed (names the route).
    """
    import yaml

    from secretshift.scanner.ruleset import builtin_rule_dir

    path = builtin_rule_dir() / "rotation.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise RuleConfigError(f"{path.name}: cannot read rotation routes: {str(e).splitlines()[0]}") from None
    routes = data.get("routes") if isinstance(data, dict) else None
    if not isinstance(routes, list):
        raise RuleConfigError(f"{path.name}: needs a 'routes' list")
    data = dict(data)
    data["routes"] = [_check(r, path.name) for r in routes]
    seen: set[str] = set()
    for r in data["routes"]:
        if r["id"] in seen:
            raise RuleConfigError(f"{path.name}: route {r['id']}: duplicate id")
        seen.add(r["id"])
    return data


def route_by_id(route_id: str) -> dict[str, Any]:
    routes = load_routes()["routes"]
    return next((r for r in routes if r["id"] == route_id), routes[-1])
