"""The cumulative record of what this repository has migrated, across runs: ``.secretshift/ledger.json``.

One file, never shrinking by itself, holding no value (value ids, names, ARNs, paths, hashes):

- ``secrets[name]``: ``id``, ``arn``, ``plain``, ``rotation``, ``kms_key_id``, ``endpoint`` (``aws`` or
  ``local``), ``keys`` (JSON key -> value id) and ``variables`` (environment variable -> JSON key), and
  ``lifecycle``, what the lifecycle step did to it in AWS (``migration.lifecycle``): ``kms`` (key and
  its ARN, checked), ``tags``, ``readers`` (resource policy), ``replicas`` (region -> key ARN),
  ``rotation`` (settings, status, the version it left);
- ``alarm``: the SNS topic of the rotation failure alarm; ``parameters``: Parameter Store names ->
  the variable each replaces;
- ``files[path]``: the sha256 of the file as the last rewrite left it and the secrets it reads
  (tells the tool's own uncommitted changes from the user's);
- ``accessors``: accessor modules written (Python, JavaScript/TypeScript); ``dependencies``: declaration
  files where a dependency was added (boto3, ``@aws-sdk/client-secrets-manager`` in package.json);
- ``rotated``: checklist fingerprints ticked as rotated.

The plan of a later run asks the ledger which secret already holds a value (``context``), so names
stay stable and a new value never takes an existing name; the IAM policy covers every secret here.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..base.errors import PlanError
from .util import write_if_changed
from .state import STATE_DIR

LEDGER_FILE = "ledger.json"
LEDGER_VERSION = 1
# components of a database secret that are not secrets themselves (left out of the value ids)
NOT_SECRET_KEYS = frozenset({"engine", "host", "port", "username", "dbname"})


ABSENT = "absent"  # a file's ``before`` when secretshift created it


def file_sha256(path: Path, data: bytes | None = None) -> str | None:
    """The sha256 of ``path``'s bytes, or of ``data`` (what is about to be written there)."""
    if data is not None:
        return hashlib.sha256(data).hexdigest()
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class Ledger:
    def __init__(self, root: Path, data: dict[str, Any] | None = None, dry_run: bool = False) -> None:
        self.root = root
        self.path = root / STATE_DIR / LEDGER_FILE
        self.dry_run = dry_run
        self.data = data or {"version": LEDGER_VERSION, "secrets": {}, "files": {}, "accessors": [],
                             "dependencies": {}, "rotated": {}}
        for k, empty in (("secrets", {}), ("files", {}), ("accessors", []), ("dependencies", {}), ("rotated", {})):
            self.data.setdefault(k, empty)

    @classmethod
    def load(cls, root: Path, dry_run: bool = False) -> Ledger:
        """:raises PlanError: the ledger exists but cannot be read (one line)."""
        path = root / STATE_DIR / LEDGER_FILE
        if not path.exists():
            return cls(root, dry_run=dry_run)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise PlanError(f"{path}: the ledger is unreadable ({type(e).__name__}); restore it from git "
                            f"(it records what earlier runs migrated)") from None
        if not isinstance(data, dict) or data.get("version") != LEDGER_VERSION:
            raise PlanError(f"{path}: the ledger has an unknown version")
        return cls(root, data, dry_run=dry_run)

    def save(self) -> None:
        if self.dry_run:
            return
        write_if_changed(self.path, json.dumps(self.data, indent=2, sort_keys=True) + "\n")

    # --- secrets ------------------------------------------------------------------------------------
    @property
    def secrets(self) -> dict[str, dict[str, Any]]:
        return self.data["secrets"]

    def record_secret(self, name: str, *, sid: str, arn: str | None, secret_string: str, plain: bool,
                      variables: dict[str, str | None], rotation: str, kms_key_id: str | None, endpoint: str) -> None:
        """Record (or extend) a secret that was created or adopted and read back."""
        from ..planner.model import value_id

        entry = self.secrets.setdefault(name, {"id": sid, "keys": {}, "variables": {}})
        entry.update(arn=arn or entry.get("arn"), plain=plain, rotation=rotation, kms_key_id=kms_key_id,
                     endpoint="aws" if "aws" in (endpoint, entry.get("endpoint")) else endpoint)
        if plain:
            entry["keys"] = {"": value_id(secret_string)}
        else:
            try:
                obj = json.loads(secret_string)
            except ValueError:
                obj = {}
            pairs = [(k, v) for k, v in (obj.items() if isinstance(obj, dict) else ()) if isinstance(v, str) and v]
            # a secret of nothing but a user name (a Secret manifest's username, found alone) is still known
            # by it, or the next run would create it again
            secret_keys = [(k, v) for k, v in pairs if k not in NOT_SECRET_KEYS] or pairs
            for k, v in secret_keys:
                entry["keys"][k] = value_id(v)
        for var, key in variables.items():
            entry["variables"][var] = "" if key is None else key
        self.save()

    def context_maps(self) -> tuple[dict[str, tuple[str, str | None]], dict[str, tuple[str, str | None]], frozenset[str]]:
        """(value id -> (name, key), variable -> (name, key), names) for ``planner.build.PlanContext``."""
        values: dict[str, tuple[str, str | None]] = {}
        variables: dict[str, tuple[str, str | None]] = {}
        for name in sorted(self.secrets):
            e = self.secrets[name]
            for k, vid in sorted(e.get("keys", {}).items()):
                values.setdefault(vid, (name, k or None))
            for var, k in sorted(e.get("variables", {}).items()):
                variables.setdefault(var, (name, k or None))
        return values, variables, frozenset(self.secrets)

    def record_lifecycle(self, name: str | None, part: str, what: Any) -> None:
        """What the lifecycle step did (``aws.lifecycle.Record``); ``name`` None: the alarm."""
        if name is None:
            self.data["alarm"] = {"topic": what}
        else:
            lc = self.secrets.setdefault(name, {"id": name, "keys": {}, "variables": {}}).setdefault("lifecycle", {})
            if part == "tags":
                lc["tags"] = {**lc.get("tags", {}), **what}
            elif part == "replica":
                lc.setdefault("replicas", {})[what["region"]] = what["key_arn"]
            else:
                lc[part] = what
        self.save()

    def record_parameter(self, name: str, variable: str) -> None:
        self.data.setdefault("parameters", {})[name] = variable
        self.save()

    def secret_for_value(self, vid: str) -> str | None:
        return next((n for n in sorted(self.secrets) if vid in self.secrets[n].get("keys", {}).values()), None)

    # --- files ----------------------------------------------------------------------------------------
    def record_file(self, rel: str, secrets: list[str], data: bytes | None = None, **info: Any) -> None:
        """``data``: the bytes about to be written (recorded first, so a run interrupted between the
        two leaves either the old file or one the ledger knows); ``info``: more about the file (e.g.
        ``iam`` for the principal a deployment file's rewrite needs a statement for)."""
        e = self._entry(rel)
        e["sha256"] = file_sha256(self.root / rel, data)
        e["secrets"] = sorted(set(e.get("secrets", [])) | set(secrets))
        e.update(info)
        self.save()

    def ours(self, rel: str) -> bool:
        """``rel`` is exactly as a secretshift rewrite (or write) left it."""
        sha = file_sha256(self.root / rel)
        e = self.data["files"].get(rel)
        return sha is not None and e is not None and e.get("sha256") == sha

    def record_accessor(self, rel: str, data: bytes | None = None) -> None:
        if rel not in self.data["accessors"]:
            self.data["accessors"] = sorted({*self.data["accessors"], rel})
        self._entry(rel)["sha256"] = file_sha256(self.root / rel, data)
        self.save()

    def _entry(self, rel: str) -> dict[str, Any]:
        """The file's entry; made on its first write with ``before``: the sha256 of the file as it was
        before secretshift wrote it, or ``"absent"`` (what ``migrate --undo-local`` puts back or removes)."""
        e = self.data["files"].get(rel)
        if e is None:
            e = self.data["files"][rel] = {"secrets": [], "before": file_sha256(self.root / rel) or ABSENT}
        return e

    def note_before(self, rel: str) -> None:
        """Record ``before`` for a file about to be written for the first time (not saved by itself: the
        write's own record saves it)."""
        self._entry(rel)

    def before(self, rel: str) -> str | None:
        """``before`` of ``rel`` (None: recorded by a version that did not keep it)."""
        return (self.data["files"].get(rel) or {}).get("before")

    def record_dependency(self, rel: str, requirement: str, data: bytes | None = None) -> None:
        self.data["dependencies"][rel] = requirement
        self._entry(rel)["sha256"] = file_sha256(self.root / rel, data)
        self.save()

    # --- checklist --------------------------------------------------------------------------------------
    @property
    def rotated(self) -> dict[str, Any]:
        return self.data["rotated"]

    def tick(self, fingerprint: str, how: str) -> bool:
        if fingerprint in self.rotated:
            return False
        self.rotated[fingerprint] = {"how": how}
        self.save()
        return True
