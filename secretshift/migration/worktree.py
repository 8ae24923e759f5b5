"""The dirty-tree check: which uncommitted changes may a migration run over?

- the tool's own: ``.secretshift/``, and files exactly as an earlier (maybe interrupted) run of
  secretshift left them (the ledger keeps their sha256), or whose every changed line is one of its
  edits (an accessor call, the accessor import, a ``.env`` comment, a dynamic reference, ``boto3``);
- the lock file beside a declaration file the tool added a dependency to (the ledger's
  ``dependencies``): ``npm install`` or ``uv lock`` after the run said to is following its advice,
  not unrelated work;
- the user's uncommitted secrets: every changed line holds a finding of this scan (a credential just
  typed). They are migrated; they were never committed, so they are not in the rotation checklist;
- anything else is unrelated work: refused unless ``--allow-dirty`` (so the migration is one reviewable
  change that ``git checkout`` can undo without losing anything else).

Changed lines that are blank, comments or Python imports count as neither (they go with the others).
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .state import STATE_DIR

_OURS = re.compile(r"get_secret\(|secretshift_secrets|is read from AWS Secrets Manager|\{\{resolve:secretsmanager:|"
                   r"^\s*boto3\s*(?:[=<>~!].*)?$|^\s*\"?boto3\"?\s*[,=]|_secretshift_cache|SecretCache\(")
# untracked output of running or testing the program (a repository without a .gitignore for it)
_BUILD_OUTPUT = re.compile(r"(^|/)(__pycache__|\.pytest_cache|\.mypy_cache|\.ruff_cache|node_modules|\.tox|\.nox|"
                           r"[^/]+\.egg-info)/|\.py[co]$")
_PROSE = (".md", ".markdown", ".rst", ".txt", ".adoc", ".html", ".htm")
# the lock files a package manager rewrites when a declaration file gains a dependency
LOCK_FILES = {
    "package.json": ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"),
    "pyproject.toml": ("uv.lock", "poetry.lock", "pdm.lock"),
    "Pipfile": ("Pipfile.lock",),
}
_NEUTRAL = re.compile(r"^\s*(?:#.*|//.*|import\s+\S.*|from\s+\S+\s+import\s+.*|)$")


@dataclass
class DirtyTree:
    ours: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)  # files whose only changes are credentials just typed
    unrelated: list[str] = field(default_factory=list)


def _status(root: Path) -> list[tuple[str, str]] | None:
    try:
        r = subprocess.run(["git", "status", "--porcelain", "-z", "--untracked-files=all"], cwd=root,
                           capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    out = []
    entries = r.stdout.decode("utf-8", "surrogateescape").split("\0")
    i = 0
    while i < len(entries):
        e = entries[i]
        i += 1
        if len(e) < 4:
            continue
        code, path = e[:2], e[3:]
        if code[0] in "RC":  # renames carry the old path as the next entry
            i += 1
        out.append((code, path))
    return out


def _added_lines(root: Path, code: str, rel: str) -> list[tuple[int, str]] | None:
    """(line number, text) of the lines ``rel`` adds or changes against HEAD; None if unknown."""
    if code == "??":
        try:
            text = (root / rel).read_bytes().decode("utf-8", "surrogateescape")
        except OSError:
            return None
        return list(enumerate(text.splitlines(), 1))
    try:
        r = subprocess.run(["git", "diff", "--no-ext-diff", "--no-color", "-U0", "HEAD", "--", rel], cwd=root,
                           capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    out = []
    n = removed = 0
    for ln in r.stdout.decode("utf-8", "surrogateescape").splitlines():
        m = re.match(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@", ln)
        if m:
            n = int(m.group(1))
            continue
        if ln.startswith("+") and not ln.startswith("+++"):
            out.append((n, ln[1:]))
            n += 1
        elif ln.startswith("-") and not ln.startswith("---"):
            removed += 1
    return None if removed and not out else out  # lines only deleted: someone's own edit


def dependency_locks(ledger: Any) -> frozenset[str]:
    """The lock files beside the declaration files the ledger says the tool added a dependency to."""
    out = set()
    for rel in (ledger.data.get("dependencies", {}) if ledger is not None else {}):
        head, _, name = rel.rpartition("/")
        out |= {f"{head}/{lock}" if head else lock for lock in LOCK_FILES.get(name, ())}
    return frozenset(out)


def classify(root: Path, ledger: Any, findings: Iterable[Any]) -> DirtyTree | None:
    """Sort the uncommitted changes of ``root``; None when it is not a git work tree."""
    status = _status(root)
    if status is None:
        return None
    res = DirtyTree()
    lines_with_findings: dict[str, set[int]] = {}
    for f in findings:
        lines_with_findings.setdefault(f.file, set()).update(range(f.line, f.end_line + 1))
    locks = dependency_locks(ledger)
    for code, rel in status:
        if rel.startswith(STATE_DIR + "/") or rel == STATE_DIR:
            continue
        if rel in locks and code.strip() != "D":  # the install the run asked for
            res.ours.append(rel)
            continue
        if code == "??" and _BUILD_OUTPUT.search(rel):  # caches a run of the program left, not work
            continue
        if ledger is not None and ledger.ours(rel):
            res.ours.append(rel)
            continue
        if code.strip() == "D" or (root / rel).is_dir():
            res.unrelated.append(rel)
            continue
        added = _added_lines(root, code, rel)
        if added is None:
            res.unrelated.append(rel)
            continue
        hits = lines_with_findings.get(rel, set())
        kinds = set()
        prose = rel.lower().endswith(_PROSE)  # '# ...' is a heading there, not a comment
        for n, text in added:
            if n in hits:
                kinds.add("secret")
            elif _OURS.search(text):
                kinds.add("ours")
            elif _NEUTRAL.match(text) and not (prose and text.strip()):
                continue
            else:
                kinds.add("other")
                break
        if "other" in kinds or (not kinds and code == "??"):  # a new file of blank and comment lines: not ours
            res.unrelated.append(rel)
        elif "secret" in kinds:
            res.secrets.append(rel)
        else:
            res.ours.append(rel)
    return res
