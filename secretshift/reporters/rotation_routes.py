"""Load the rotation routes (rules/rotation.yaml, shipped as secretshift.rules data)."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from ..base.errors import RuleConfigError

REQUIRED = ("id", "title", "risk", "steps")


@lru_cache(maxsize=1)
def load_routes() -> dict[str, Any]:
    """The parsed file: ``routes`` (list, in match order), ``alarm_command``, notes.

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
    for r in routes:
        missing = [k for k in REQUIRED if not isinstance(r, dict) or k not in r]
        if missing:
            raise RuleConfigError(f"{path.name}: route {r.get('id', '?') if isinstance(r, dict) else r}: missing {missing[0]}")
        for s in r["steps"]:
            if not isinstance(s, dict) or "text" not in s:
                raise RuleConfigError(f"{path.name}: route {r['id']}: each step needs 'text'")
    return data


def route_by_id(route_id: str) -> dict[str, Any]:
    routes = load_routes()["routes"]
    return next((r for r in routes if r["id"] == route_id), routes[-1])
