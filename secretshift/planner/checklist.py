"""Rotation checklist items from history findings: one item per leaked credential, riskiest first. Pure.

A credential is one value (grouped in memory by its hash, never written), except an AWS access key
id and the secret access key committed beside it: one key pair, one item. Its item carries the
earliest commit that held it, whether any commit holding it was pushed, the rotation route and the
secret it now lives in (``secret_of``: by value, so a file moved since keeps the link). A PEM
private key's route and title follow what it is (SSH, TLS, or a signing key), not the rule's guess.
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


AWS_ID_RULES = ("SS401",)
AWS_SECRET_RULES = ("SS402",)
KEY_TITLES = {"ssh": ("ssh-key", None), "tls": ("tls-key", None), "signing": ("generic-password", "Signing private key"),
              "private": ("generic-password", "Private key")}


def _pairs(groups: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Merge each AWS secret access key into the group of the access key id committed in the same file
    closest to it (the same commit, or the same file at HEAD): one credential to rotate."""
    ids = [(k, fs) for k, fs in groups.items() if any(f.rule_id in AWS_ID_RULES for f in fs)]
    out = dict(groups)
    for k, fs in list(groups.items()):
        if not any(f.rule_id in AWS_SECRET_RULES for f in fs) or any(f.rule_id in AWS_ID_RULES for f in fs):
            continue
        best = None
        for ik, ifs in ids:
            if ik not in out:
                continue
            for a in ifs:
                for b in fs:
                    ha, hb = a.history or {}, b.history or {}
                    same = a.file == b.file and ha.get("first_commit") == hb.get("first_commit")
                    if same and (best is None or abs(a.line - b.line) < best[0]):
                        best = (abs(a.line - b.line), ik)
        if best is not None and best[0] <= 20:
            out[best[1]] = out[best[1]] + out.pop(k)
    return out


def build_items(findings: Sequence[Any], route_of: Callable[[Any], str], routes: dict[str, dict[str, Any]],
                secret_by_fp: dict[str, str], secret_of: Callable[[Any], str | None] = lambda f: None
                ) -> list[dict[str, Any]]:
    from .scope import private_key_kind

    groups: dict[str, list[Any]] = {}
    for f in findings:
        if f.kind != "hardcoded":
            continue
        key = hashlib.sha256(f.value.reveal().encode("utf-8", "surrogatepass")).hexdigest() if f.value else f.fingerprint
        groups.setdefault(key, []).append(f)
    items = []
    for fs in _pairs(groups).values():
        def when(f: Any) -> str:
            return (f.history or {}).get("first_commit_date") or "9999"
        fs.sort(key=lambda f: (when(f), f.rule_id not in AWS_ID_RULES, f.file, f.line))
        first = fs[0]
        h = first.history or {}
        route_id = route_of(first)
        title = None
        kind = private_key_kind(first.value.reveal(), first.symbol, first.file) if first.value is not None else None
        if kind:
            route_id, title = KEY_TITLES[kind]
        route = routes.get(route_id) or {}
        secret = next((secret_by_fp[f.fingerprint] for f in fs if f.fingerprint in secret_by_fp), None) \
            or next((x for f in fs if (x := secret_of(f))), None)
        pair = any(f.rule_id in AWS_ID_RULES for f in fs) and any(f.rule_id in AWS_SECRET_RULES for f in fs)
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
            "title": title or (route.get("title", route_id) + (" pair (access key id and secret access key)" if pair else "")),
            "risk": int(route.get("risk", 0)),
            "secret": secret,
            "has_rotation_lambda": bool(route.get("lambda")),
        })
    items.sort(key=lambda i: (not i["live"], not i["pushed"], -i["risk"], -SEV.get(i["severity"], 0),
                              i["first_commit_date"] or "9999", i["path"], i["fingerprint"]))
    for n, it in enumerate(items, 1):
        it["rank"] = n
    return items
