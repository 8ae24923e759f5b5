"""Baselines: accepted findings, so that a scan fails only on new ones.

``.secretshift-baseline.json`` (format version 1) is sorted JSON with one entry per fingerprint and no
secret values and no timestamps, so re-running on unchanged code rewrites the same bytes and a diff
shows only findings that came or went. People may add ``reviewed``/``false_positive`` marks and a
``note``; ``update`` keeps them. detect-secrets' ``.secrets.baseline`` is read too, through
detect-secrets' own loader (``detect_secrets_adapter``; every version it upgrades): a finding is known
when its file and the sha1 of its value (``hashed_secret``, computed in memory) match an entry, and
the entry's audit label (``is_secret``) carries over as reviewed / false_positive marks.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from secretshift.scanner.models import Finding

from .base.errors import BaselineError

FORMAT_VERSION = 1
DEFAULT_NAME = ".secretshift-baseline.json"
TOOL = "secretshift"
_FP_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*:[0-9a-f]{20}$")
# key -> allowed JSON types; fingerprint is required, the rest describes the finding for people
_ENTRY_KEYS: dict[str, tuple[type, ...]] = {
    "fingerprint": (str,), "rule_id": (str,), "slug": (str,), "kind": (str,), "file": (str,),
    "masked": (str,), "variable": (str,), "reviewed": (bool,), "false_positive": (bool,), "note": (str,),
}
_MARKS = ("reviewed", "false_positive", "note")


@dataclass
class Baseline:
    """A loaded baseline: secretshift entries by fingerprint, or detect-secrets (file, sha1) pairs."""

    path: Path
    format: str = "secretshift"  # or "detect-secrets"
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    # detect-secrets results: (file, sha1) -> audit label (True real, False false positive, None unaudited)
    ds_labels: dict[tuple[str, str], bool | None] = field(default_factory=dict)

    def ds_label_of(self, f: Finding) -> tuple[bool, bool | None]:
        """(known to the detect-secrets baseline, its audit label)."""
        if not self.ds_labels or f.value is None:
            return False, None
        from .detect_secrets_adapter import sha1_of

        key = (f.file, sha1_of(f))
        return key in self.ds_labels, self.ds_labels.get(key)

    def knows(self, f: Finding) -> bool:
        if f.fingerprint in self.entries:
            return True
        return self.ds_label_of(f)[0]


def _fail(path: Path, what: str) -> BaselineError:
    return BaselineError(f"{path}: {what}")


def load(path: Path) -> Baseline:
    """Read a secretshift or detect-secrets baseline.

    :raises BaselineError: missing, unreadable, not JSON, wrong shape, or written by a newer version.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise _fail(path, f"no such baseline file (create one with `secretshift baseline create -f {path}`)") from None
    except OSError as e:
        raise _fail(path, f"cannot read baseline: {e.strerror or e}") from None
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise _fail(path, "baseline is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        raise _fail(path, f"baseline is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    if not isinstance(data, dict):
        raise _fail(path, "baseline must be a JSON object")
    if "results" in data and "findings" not in data:
        return _load_detect_secrets(path, data)
    return _load_own(path, data)


def _load_own(path: Path, data: dict[str, Any]) -> Baseline:
    version = data.get("version")
    if version is None:
        raise _fail(path, "baseline has no 'version' (not a secretshift or detect-secrets baseline?)")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise _fail(path, f"baseline 'version' must be a positive integer, not {json.dumps(version)}")
    if version > FORMAT_VERSION:
        raise _fail(path, f"baseline format version {version} was written by a newer secretshift; this "
                          f"version reads up to {FORMAT_VERSION}: upgrade secretshift")
    if data.get("tool", TOOL) != TOOL:
        raise _fail(path, f"baseline 'tool' is {data.get('tool')!r}, expected {TOOL!r}")
    unknown = set(data) - {"version", "tool", "findings"}
    if unknown:
        raise _fail(path, f"unknown top-level key(s): {', '.join(sorted(unknown))}")
    findings = data.get("findings")
    if not isinstance(findings, list):
        raise _fail(path, "'findings' must be a list")
    b = Baseline(path=path)
    for i, e in enumerate(findings):
        where = f"findings[{i}]"
        if not isinstance(e, dict):
            raise _fail(path, f"{where} must be an object")
        bad = set(e) - set(_ENTRY_KEYS)
        if bad:
            raise _fail(path, f"{where}: unknown key(s) {', '.join(sorted(bad))}; allowed: {', '.join(_ENTRY_KEYS)}")
        for k, v in e.items():
            if not isinstance(v, _ENTRY_KEYS[k]) or (bool not in _ENTRY_KEYS[k] and isinstance(v, bool)):
                want = "true or false" if _ENTRY_KEYS[k] == (bool,) else "a string"
                raise _fail(path, f"{where}: '{k}' must be {want}")
        fp = e.get("fingerprint")
        if fp is None:
            raise _fail(path, f"{where}: missing 'fingerprint'")
        if not _FP_RE.match(fp):
            raise _fail(path, f"{where}: 'fingerprint' {fp!r} is not of the form RULE:<20 hex digits>")
        if fp in b.entries:
            raise _fail(path, f"{where}: fingerprint {fp} appears twice")
        b.entries[fp] = dict(e)
    return b


def _load_detect_secrets(path: Path, data: dict[str, Any]) -> Baseline:
    from .detect_secrets_adapter import read_baseline

    labels: dict[tuple[str, str], bool | None] = {}
    for e in read_baseline(path, data):
        key = (e.filename, e.hashed_secret)
        if labels.get(key) is None:
            labels[key] = e.is_secret
    return Baseline(path=path, format="detect-secrets", ds_labels=labels)


def filter_new(findings: list[Finding], path: Path) -> list[Finding]:
    """The findings not accepted by the baseline at ``path``.

    :raises BaselineError: see ``load``.
    """
    b = load(path)
    return [f for f in findings if not b.knows(f)]


# --- writing --------------------------------------------------------------------------------------

def entry_for(f: Finding) -> dict[str, Any]:
    e: dict[str, Any] = {"fingerprint": f.fingerprint, "rule_id": f.rule_id, "slug": f.slug, "kind": f.kind,
                         "file": f.file}
    if f.kind == "hardcoded":
        e["masked"] = f.masked
    elif f.symbol:
        e["variable"] = f.symbol
    return e


def build(findings: Iterable[Finding], previous: Baseline | None = None) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Entries for ``findings`` (one per fingerprint), carrying over people's marks from ``previous``.

    Returns the sorted entries and counts: added, kept, removed.
    """
    old = previous.entries if previous else {}
    ds = previous if previous and previous.format == "detect-secrets" else None
    entries: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f.fingerprint in entries:
            continue
        e = entry_for(f)
        prev = old.get(f.fingerprint)
        if prev:
            e.update({k: prev[k] for k in _MARKS if k in prev})
        elif ds is not None:
            known, label = ds.ds_label_of(f)
            if known and label is not None:  # audited in detect-secrets: keep the verdict
                e["reviewed"] = True
                if label is False:
                    e["false_positive"] = True
        entries[f.fingerprint] = e
    rows = sorted(entries.values(), key=lambda e: (e["file"], e["rule_id"], e["fingerprint"]))
    kept = sum(1 for fp in entries if fp in old)
    stats = {"added": len(entries) - kept, "kept": kept, "removed": sum(1 for fp in old if fp not in entries)}
    return rows, stats


def dumps(entries: list[dict[str, Any]]) -> str:
    doc = {"version": FORMAT_VERSION, "tool": TOOL, "findings": entries}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def write(path: Path, entries: list[dict[str, Any]]) -> bool:
    """Write atomically; return False (and leave the file alone) when the bytes would not change."""
    from .base.fileio import atomic_write_text

    text = dumps(entries)
    try:
        if Path(path).read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write_text(Path(path), text)
    return True
