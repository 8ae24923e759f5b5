"""The one place secretshift talks to detect-secrets (imported only when a detect-secrets baseline is used).

- **Reading** a ``.secrets.baseline`` goes through detect-secrets' own loader: ``upgrade`` (so every
  baseline version detect-secrets understands, old ones included, works) and
  ``SecretsCollection.load_from_baseline``. We never call ``baseline.load``: it configures
  detect-secrets' global settings and imports the custom plugin files a baseline names, which would
  run code from an untrusted baseline merely by reading it.
- **Writing** a baseline that ``detect-secrets audit`` accepts. Audit re-finds each result with the
  detect-secrets plugin its ``type`` names, on its line (it cannot load custom plugins named in a
  baseline: Yelp/detect-secrets#611), so each hardcoded finding is written under the first of
  detect-secrets' own plugins that re-finds it there, asked exactly as audit asks
  (``audit.common.get_raw_secrets_from_file``). A finding none of them re-finds is still written
  (under the closest type, so the gate knows it) and counted: audit will say it is not on its line.
  The hash is detect-secrets' sha1 of the value, computed in memory; no value is written. The
  written settings are detect-secrets' defaults without network verification.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from secretshift.scanner.models import Finding

from .base.errors import BaselineError

VERIFY_FILTER = "detect_secrets.filters.common.is_ignored_due_to_verification_policies"
# a secretshift category / rule -> detect-secrets secret types to try first (then every other one)
PREFERRED = {
    "SS401": ("AWS Access Key",), "SS402": ("AWS Access Key",),
    "ssh": ("Private Key",), "ssl": ("Private Key",),
    "generic": ("Secret Keyword", "Basic Auth Credentials"), "db": ("Basic Auth Credentials", "Secret Keyword"),
}
FALLBACK_TYPE = "Secret Keyword"


@dataclass(frozen=True)
class DsEntry:
    """One result of a detect-secrets baseline: file, sha1 of the value, and the audit label."""

    filename: str
    hashed_secret: str
    type: str
    is_secret: bool | None  # True: audited as real, False: audited as a false positive, None: not audited


def sha1_of(f: Finding) -> str | None:
    """detect-secrets' hash of a finding's value (sha1 of its UTF-8 text), or None without a value."""
    if f.value is None:
        return None
    return hashlib.sha1(f.value.reveal().encode("utf-8", "surrogatepass")).hexdigest()


def read_baseline(path: Path, data: dict) -> list[DsEntry]:
    """The results of a detect-secrets baseline already parsed as JSON, upgraded by detect-secrets.

    :raises BaselineError: a shape detect-secrets' loader rejects, or a version it cannot upgrade.
    """
    from detect_secrets.core import baseline as ds_baseline
    from detect_secrets.core.secrets_collection import SecretsCollection

    if not isinstance(data.get("results"), dict):
        raise BaselineError(f"{path}: detect-secrets baseline: 'results' must be an object keyed by file name")
    try:
        upgraded = ds_baseline.upgrade(data)
        collection = SecretsCollection.load_from_baseline(upgraded)
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        what = f"missing {e}" if isinstance(e, KeyError) else type(e).__name__
        raise BaselineError(f"{path}: detect-secrets could not load this baseline ({what}); "
                            "recreate it with `detect-secrets scan` or `secretshift baseline create`") from None
    out = []
    for filename, secret in collection:
        h = secret.secret_hash
        if not isinstance(h, str) or len(h) != 40:
            raise BaselineError(f"{path}: detect-secrets baseline: a result in {filename!r} has no valid 'hashed_secret'")
        out.append(DsEntry(filename=str(filename).replace("\\", "/"), hashed_secret=h, type=secret.type,
                           is_secret=secret.is_secret))
    return out


def _settings_json() -> dict:
    """detect-secrets' default plugins and filters, without network verification."""
    from detect_secrets.settings import default_settings

    with default_settings() as s:
        cfg = s.json()
    cfg["filters_used"] = [f for f in cfg["filters_used"] if f["path"] != VERIFY_FILTER]
    return cfg


def _type_order(f: Finding, all_types: list[str]) -> list[str]:
    first = [*PREFERRED.get(f.rule_id, ()), *PREFERRED.get(f.category, ())]
    return list(dict.fromkeys([*first, *all_types]))


def _refound_type(root: Path, f: Finding, types: list[str]) -> str | None:
    """The first detect-secrets type whose plugin re-finds ``f`` on its line, asked as audit asks."""
    from detect_secrets.audit.common import LineGetter, get_raw_secrets_from_file
    from detect_secrets.core.potential_secret import PotentialSecret

    class _Rooted(LineGetter):
        def open_file(self):
            return open(root / self.filename, encoding="utf-8", errors="replace")

    getters: dict[str, LineGetter] = {}
    for t in types:
        probe = PotentialSecret(type=t, filename=f.file, secret=f.value.reveal(), line_number=f.line)
        try:
            if get_raw_secrets_from_file(probe, lambda name: getters.setdefault(name, _Rooted(name))):
                return t
        except Exception:  # a plugin that cannot read the line (IndexError ...) just does not re-find it
            continue
    return None


def build_baseline(findings: Iterable[Finding], root: Path,
                   previous: dict[tuple[str, str], bool | None] | None = None) -> tuple[dict, int, int]:
    """A detect-secrets baseline (dict) of the hardcoded findings, audit labels carried over from
    ``previous`` ((file, sha1) -> label). Returns it, the number of findings left out (environment
    reads: no value for detect-secrets to hold), and the number no detect-secrets plugin re-finds."""
    from detect_secrets.__version__ import VERSION
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import transient_settings

    cfg = _settings_json()
    labels = previous or {}
    results: dict[str, list[dict]] = {}
    seen: set[tuple[str, str]] = set()
    left_out = unfound = 0
    with transient_settings(cfg):  # no verification filter: nothing goes over the network
        all_types = sorted(get_mapping_from_secret_type_to_class())
        for f in findings:
            h = sha1_of(f) if f.kind == "hardcoded" else None
            if h is None:
                left_out += 1
                continue
            if (f.file, h) in seen:
                continue
            seen.add((f.file, h))
            t = _refound_type(Path(root), f, _type_order(f, all_types))
            if t is None:
                unfound += 1
                t = FALLBACK_TYPE
            item = {"type": t, "filename": f.file, "hashed_secret": h, "is_verified": False, "line_number": f.line}
            if labels.get((f.file, h)) is not None:
                item["is_secret"] = labels[(f.file, h)]
            results.setdefault(f.file, []).append(item)
    for items in results.values():
        items.sort(key=lambda i: (i["line_number"], i["hashed_secret"], i["type"]))
    doc = {"version": VERSION, **cfg, "results": dict(sorted(results.items()))}
    return doc, left_out, unfound


def dumps(doc: dict) -> str:
    return json.dumps(doc, indent=2) + "\n"
