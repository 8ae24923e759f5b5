"""The rotation checklist as JSON (``.secretshift/rotation.json``). Masked values and fingerprints only."""
from __future__ import annotations

import json
from typing import Any

CHECKLIST_VERSION = 1


def document(items: list[dict[str, Any]], data: dict[str, Any]) -> dict[str, Any]:
    from .checklist_md import route_for, steps_for

    def extra(it: dict[str, Any]) -> dict[str, Any]:
        route = route_for(it, data)
        return {k: route[k] for k in ("overlap", "docs") if k in route}

    return {
        "version": CHECKLIST_VERSION,
        "items": [{**it, "steps": steps_for(it, data), **extra(it)} for it in items],
        "alarm_command": " ".join(str(data.get("alarm_command", "")).split()),
        "auto_rotation": sorted({it["secret"] for it in items if it.get("secret") and it.get("has_rotation_lambda")}),
    }


def render(items: list[dict[str, Any]], data: dict[str, Any]) -> str:
    return json.dumps(document(items, data), indent=2, sort_keys=True) + "\n"
