"""Rotation checklist items from history findings: one item per leaked credential, riskiest first. Pure.

A credential is one value (grouped in memory by its hash, never written). Its item carries the
earliest commit that held it, whether any commit holding it was pushed, the rotation route and the
planned secret name when the plan moved it.
"""
from __future__ import annotations

import hashlib
from typing import Any, Callable, Sequence

SEV = {"critical": 3, "high": 2, "medium": 1, "low": 0}
LIVE_MARKERS = ("_live_", "live_", "AKIA", "-----BEGIN")


def _live(f: Any) -> bool:
    """A live production credential: a vendor's live-mode prefix, a long-term AWS key, a private key."""
    v = f.value.reveal() if f.value is not None else ""
    if "_test_" in v or v.startswith(("sk_test", "pk_test", "rk_test")):
        return False
    return any(m in v[:16] for m in LIVE_MARKERS) or f.severity == "critical"


def build_items(findings: Sequence[Any], route_of: Callable[[Any], str], routes: dict[str, dict[str, Any]],
                secret_by_fp: dict[str, str]) -> list[dict[str, Any]]:
    groups: dict[str, list[Any]] = {}
    for f in findings:
        if f.kind != "hardcoded":
            continue
        key = hashlib.sha256(f.value.reveal().encode("utf-8", "surrogatepass")).hexdigest() if f.value else f.fingerprint
        groups.setdefault(key, []).append(f)
    items = []
    for fs in groups.values():
        def when(f: Any) -> str:
            return (f.history or {}).get("first_commit_date") or "9999"
        fs.sort(key=lambda f: (when(f), f.file, f.line))
        first = fs[0]
        h = first.history or {}
        route_id = route_of(first)
        route = routes.get(route_id) or {}
        secret = next((secret_by_fp[f.fingerprint] for f in fs if f.fingerprint in secret_by_fp), None)
        items.append({
            "rule_id": first.rule_id,
            "slug": first.slug,
            "masked": first.masked,
            "fingerprint": first.fingerprint,
            "severity": max((f.severity for f in fs), key=lambda s: SEV.get(s, 0)),
            "live": any(_live(f) for f in fs),
            "pushed": any(bool((f.history or {}).get("pushed")) for f in fs),
            "present_at_head": any(bool((f.history or {}).get("present_at_head", f.history is None)) for f in fs),
            "in_history": any(f.history is not None for f in fs),
            "first_commit": h.get("first_commit"),
            "first_commit_date": h.get("first_commit_date"),
            "author": h.get("author"),
            "path": h.get("path") or first.file,
            "paths": sorted({(f.history or {}).get("path") or f.file for f in fs}),
            "route": route_id,
            "title": route.get("title", route_id),
            "risk": int(route.get("risk", 0)),
            "secret": secret,
            "has_rotation_lambda": bool(route.get("lambda")),
        })
    items.sort(key=lambda i: (not i["live"], not i["pushed"], -i["risk"], -SEV.get(i["severity"], 0),
                              i["first_commit_date"] or "9999", i["path"], i["fingerprint"]))
    for n, it in enumerate(items, 1):
        it["rank"] = n
    return items
