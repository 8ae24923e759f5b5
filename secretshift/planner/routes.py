"""Pick a rotation route for a finding from the route data (rules/rotation.yaml). Pure."""
from __future__ import annotations

from typing import Any, Callable

from .naming import field_for, service_for


def matcher(routes: list[dict[str, Any]], rule_routes: dict[str, str]) -> Callable[[object], str]:
    """``finding -> route id``: the rule's own ``rotation:`` first, else the first matching route."""
    known = {r["id"] for r in routes}
    by_field = {r["id"] for r in routes if (r.get("match") or {}).get("fields")}
    refines = {r["id"]: r["refines"] for r in routes if r.get("refines")}  # mongodb-password -> database-password

    def route(f: Any) -> str:
        rid = rule_routes.get(f.rule_id)
        found = _match(f)
        if found in by_field:  # matched on the value's role (an OAuth client secret): most specific
            return found
        if refines.get(found) == rid:  # a MongoDB URL's password: MongoDB's steps, not psql's
            return found
        if rid in known and (not rid.startswith("generic-") or found.startswith("generic-")):
            return rid
        return found

    def _match(f: Any) -> str:
        cat, svc = service_for(f.symbol, f.service, f.category)
        fld = field_for(f.symbol, f.field)
        for r in routes:
            if "match" not in r:  # reached only through a rule's own `rotation:`
                continue
            m = r["match"] or {}
            if not m:
                return r["id"]
            if svc and svc in m.get("services", ()) and (not m.get("fields") or fld in m["fields"]):
                return r["id"]
            if not m.get("services") and cat in m.get("categories", ()):
                return r["id"]
            if m.get("services") and cat in m.get("categories", ()) and svc is None:
                return r["id"]
        return "generic-password"

    return route
