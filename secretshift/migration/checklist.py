"""The rotation checklist stage: ``.secretshift/ROTATION.md`` and ``.secretshift/rotation.json``.

Cumulative: an item stays until it is ticked, even when a later run no longer sees it in history
(history rewritten, a branch deleted). A user ticks an item by changing its ``- [ ] rotated`` line to
``- [x] rotated`` in ROTATION.md, or with ``secretshift checklist --rotated FINGERPRINT``; the tick
is kept in the ledger and the item moves to the "Rotated" section. Credentials in tests and
fixtures (unless included) and publishable keys are not listed. The history scan degrades, never
fails: missing objects (partial clones, pruned stores), shallow clones and blobs that do not decode
are skipped with a warning naming what was skipped; if git cannot walk history at all, the working
tree's credentials are listed instead.
"""
from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..base.errors import SecretshiftError
from .ledger import Ledger
from .state import STATE_DIR

_ITEM_HEAD = re.compile(r"^## \d+\. ")
_TICK = re.compile(r"^- \[([ xX])\] rotated")
_FP = re.compile(r"^- fingerprint `([^`]+)`")


@dataclass
class ChecklistResult:
    markdown: Path
    json: Path
    open: int = 0
    rotated: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def ticks_in(md: Path) -> set[str]:
    """Fingerprints whose item is ticked (``- [x] rotated``) in an existing ROTATION.md."""
    try:
        text = md.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return set()
    out: set[str] = set()
    ticked = False
    for ln in text.splitlines():
        if _ITEM_HEAD.match(ln):
            ticked = False
        m = _TICK.match(ln)
        if m:
            ticked = m.group(1) in "xX"
        m = _FP.match(ln)
        if m and ticked:
            out.add(m.group(1))
    return out


def history_findings(root: Path, ruleset: Any, opts: Any, warn: Callable[[str], None]) -> list[Any] | None:
    """History findings (values in memory); None when ``root`` is not a git repository with commits or
    when git cannot walk its history (then the caller lists the working tree)."""
    if subprocess.run(["git", "rev-parse", "--git-dir"], cwd=root, capture_output=True).returncode != 0:
        return None
    if subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=root, capture_output=True).returncode != 0:
        return None
    from secretshift.scanner.history import scan_history_detailed

    try:
        res = scan_history_detailed(root, ruleset, opts, warn=None)
    except SecretshiftError as e:
        warn(f"history could not be read ({e}); the checklist lists the working tree's credentials instead")
        return None
    for w in sorted(set(res.warnings)):
        warn(f"history: {w}")
    for reason, n in sorted(res.skipped.items()):
        if reason in ("missing object", "unreadable"):
            warn(f"history: {n} object(s) skipped ({reason}); a credential only they held is not listed")
    return res.findings


def write_checklist(root: Path, md_path: Path | None, ledger: Ledger, ruleset: Any, opts: Any,
                    findings_now: list[Any] | None, include_tests: bool, warn: Callable[[str], None],
                    secret_by_fp: dict[str, str] | None = None, dry_run: bool = False) -> ChecklistResult:
    from ..planner.checklist import build_items
    from ..planner.model import value_id
    from ..planner.scope import is_public, is_test_path
    from ..reporters import checklist_json, checklist_md
    from ..reporters.rotation_routes import load_routes
    from .report import rule_routes
    from .util import write_if_changed

    md = md_path or root / STATE_DIR / "ROTATION.md"
    js = root / STATE_DIR / "rotation.json"
    res = ChecklistResult(md, js)
    findings = history_findings(root, ruleset, opts, warn)
    if findings is None:
        from secretshift.scanner.scan import scan_paths

        findings = findings_now if findings_now is not None else scan_paths(opts, ruleset, warn=warn).findings
    kept = []
    for f in findings:
        if f.kind != "hardcoded":
            continue
        path = (f.history or {}).get("path") or f.file
        why = "test" if not include_tests and is_test_path(path) else "public" if is_public(f) else None
        if why:
            res.left_out[why] = res.left_out.get(why, 0) + 1
        else:
            kept.append(f)

    def secret_of(f: Any) -> str | None:
        return ledger.secret_for_value(value_id(f.value.reveal())) if f.value is not None else None

    data = load_routes()
    routes = {r["id"]: r for r in data["routes"]}
    items = build_items(kept, rule_routes(ruleset), routes, secret_by_fp or {}, secret_of)
    # ticks: ROTATION.md edited by hand, then the ledger
    for fp in sorted(ticks_in(md)):
        ledger.tick(fp, "ticked in ROTATION.md")
    # items of earlier runs that history no longer shows stay until ticked
    seen = {it["fingerprint"] for it in items}
    for old in _previous_items(js):
        if old.get("fingerprint") not in seen and not old.get("rotated"):
            old = {k: v for k, v in old.items() if k not in ("steps", "rank")}
            old["carried"] = True
            items.append(old)
            seen.add(old["fingerprint"])
    for it in items:
        it["rotated"] = it["fingerprint"] in ledger.rotated
    open_items = [it for it in items if not it["rotated"]]
    done = [it for it in items if it["rotated"]]
    items = open_items + done
    for n, it in enumerate(items, 1):
        it["rank"] = n
    res.open, res.rotated = len(open_items), len(done)
    if not dry_run:
        write_if_changed(md, checklist_md.render(items, data, res.left_out))
        write_if_changed(js, checklist_json.render(items, data))
    return res


def _previous_items(js: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(js.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    items = data.get("items") if isinstance(data, dict) else None
    return [it for it in items if isinstance(it, dict) and isinstance(it.get("fingerprint"), str)] \
        if isinstance(items, list) else []


def tick(root: Path, fingerprints: list[str], ledger: Ledger) -> list[str]:
    """``checklist --rotated FP``: record the ticks; returns the fingerprints not in the checklist."""
    known = {it["fingerprint"] for it in _previous_items(root / STATE_DIR / "rotation.json")}
    unknown = [fp for fp in fingerprints if fp not in known]
    for fp in fingerprints:
        if fp in known:
            ledger.tick(fp, "secretshift checklist --rotated")
    return unknown
