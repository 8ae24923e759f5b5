"""Progress of an ``apply`` run, saved atomically after every step in ``.secretshift/progress.json``.

Holds names, ARNs, file paths and statuses: never a value. A progress file made for a different plan
(the plan's sha256 differs) is replaced by a fresh one: what earlier plans achieved is in the ledger
(``ledger.py``), which every new plan consults.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from ..base.errors import PlanError
from .util import write_if_changed

STATE_DIR = ".secretshift"
PLAN_FILE = "plan.yaml"
PROGRESS_FILE = "progress.json"
STATE_VERSION = 1


def state_dir(root: Path) -> Path:
    return root / STATE_DIR


def plan_digest(plan_bytes: bytes) -> str:
    return hashlib.sha256(plan_bytes).hexdigest()


class Progress:
    """``secrets[id]``: status created|adopted|updated|verified, arn, name; ``files[path]``: done;
    ``stages[name]``: done|passed|failed."""

    def __init__(self, path: Path, digest: str, data: dict[str, Any] | None = None, dry_run: bool = False) -> None:
        self.path = path
        self.dry_run = dry_run
        self.data = data or {"version": STATE_VERSION, "plan_sha256": digest, "secrets": {}, "files": {},
                             "accessor": None, "stages": {}}

    @classmethod
    def load(cls, root: Path, digest: str, dry_run: bool = False) -> Progress:
        """:raises PlanError: the progress file is unreadable."""
        path = state_dir(root) / PROGRESS_FILE
        if not path.exists():
            return cls(path, digest, dry_run=dry_run)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise PlanError(f"{path}: progress file is unreadable ({type(e).__name__}); move it away to start over") from None
        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:
            raise PlanError(f"{path}: progress file has an unknown version; move it away to start over")
        if data.get("plan_sha256") != digest:
            return cls(path, digest, dry_run=dry_run)
        return cls(path, digest, data, dry_run=dry_run)

    @property
    def resumed(self) -> bool:
        return bool(self.data["secrets"] or self.data["files"] or self.data["stages"])

    def save(self) -> None:
        if self.dry_run:
            return
        write_if_changed(self.path, json.dumps(self.data, indent=2, sort_keys=True) + "\n")

    # -- accessors -------------------------------------------------------------------------------
    def secret(self, sid: str) -> dict[str, Any]:
        return self.data["secrets"].get(sid, {})

    def verified(self, sid: str) -> bool:
        return self.secret(sid).get("status") == "verified"

    def set_secret(self, sid: str, **info: Any) -> None:
        self.data["secrets"][sid] = {**self.secret(sid), **info}
        self.save()

    def file_done(self, rel: str) -> bool:
        return self.data["files"].get(rel, {}).get("status") == "done"

    def set_file(self, rel: str, **info: Any) -> None:
        self.data["files"][rel] = info
        self.save()

    def set_stage(self, stage: str, status: str, **info: Any) -> None:
        self.data["stages"][stage] = {"status": status, **info}
        self.save()

    def stage(self, stage: str) -> str | None:
        return self.data["stages"].get(stage, {}).get("status")
