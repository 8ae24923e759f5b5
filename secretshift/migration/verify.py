"""The verify stage: a re-scan finds none of the places rewritten this run, every Python file written
compiles (and parses as the project's oldest declared Python), and none of the migrated values appears
anywhere in the tree (``.secretshift/`` included). Values left in files secretshift does not edit
are named: those must be changed by hand."""
from __future__ import annotations

import ast
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..planner.model import Plan
from .state import STATE_DIR, Progress


@dataclass
class VerifyResult:
    leftover: list[str] = field(default_factory=list)  # "file:line RULE" of planned findings still there
    other_findings: int = 0
    not_compiling: list[str] = field(default_factory=list)
    value_hits: list[str] = field(default_factory=list)  # files holding a migrated value (never the value)
    searched_files: int = 0

    @property
    def ok(self) -> bool:
        return not (self.leftover or self.not_compiling or self.value_hits)

    def to_dict(self) -> dict[str, Any]:
        return {"leftover": self.leftover, "not_compiling": self.not_compiling,
                "files_with_values": self.value_hits, "searched_files": self.searched_files}


def verify_stage(plan: Plan, root: Path, progress: Progress, scan: Callable[[], list[Any]],
                 values: list[str], python: tuple[int, int] | None = None,
                 written: list[str] = ()) -> VerifyResult:
    res = VerifyResult()
    ready = {s.id for s in plan.secrets if progress.verified(s.id)}
    planned = {r.location.fingerprint: r for s in plan.secrets if s.id in ready
               for r in s.rewrites if r.action != "display"}
    for f in scan():
        if f.fingerprint in planned:
            res.leftover.append(f"{f.file}:{f.line} {f.rule_id}")
        elif f.kind == "hardcoded":
            res.other_findings += 1
    for rel in sorted(set(progress.data["files"]) | set(written) | set(progress.data.get("accessors", []))):
        if rel.endswith((".py", ".pyw")) and (root / rel).is_file():
            src = (root / rel).read_bytes()
            try:
                compile(src, rel, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
                if python is not None and python < (3, 13):
                    ast.parse(src, rel, feature_version=python)
            except SyntaxError as e:
                res.not_compiling.append(f"{rel}:{e.lineno}" + (f" (Python {python[0]}.{python[1]})" if python else ""))
    needles = sorted({v.encode("utf-8", "surrogatepass") for v in values if len(v) >= 6})
    for rel in tree_files(root):
        try:
            data = (root / rel).read_bytes()
        except OSError:
            continue
        res.searched_files += 1
        if any(n in data for n in needles):
            res.value_hits.append(rel)
    return res


def tree_files(root: Path) -> list[str]:
    """Files git would consider (tracked + untracked not ignored) plus ``.secretshift/``; a walk otherwise."""
    out: set[str] = set()
    try:
        r = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=root, capture_output=True,
                           check=True)
        out.update(p for p in r.stdout.decode("utf-8", "surrogateescape").split("\0") if p)
    except (OSError, subprocess.CalledProcessError):
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if x not in (".git", ".venv", "venv", "node_modules", "__pycache__")]
            out.update(Path(d, n).relative_to(root).as_posix() for n in names)
    sd = root / STATE_DIR
    if sd.is_dir():
        out.update(p.relative_to(root).as_posix() for p in sd.rglob("*") if p.is_file())
    return sorted(p for p in out if (root / p).is_file())
