"""``secretshift scan --staged``: scan what the next commit would record, read from the git index.

The content comes from the index (``git ls-files -s`` / ``git diff --cached`` for blob ids, then one
``git cat-file --batch``), never from the work tree: a file fixed on disk but not re-staged is still
caught. Without paths, the files with staged changes are scanned; with paths (as pre-commit passes
them), the staged content of those paths.
"""
from __future__ import annotations

import time
from pathlib import Path

from secretshift.scanner.gitio import excluded, git, iter_blobs, require_repo, scan_blob
from secretshift.scanner.models import ScanResult
from secretshift.scanner.sources import skip_reason_by_name

from .base.errors import GitError

_SKIP_MODES = {b"160000": "submodule", b"120000": "symlink"}


def _toplevel(root: Path) -> Path:
    require_repo(root)
    r = git(root, "rev-parse", "--show-toplevel", check=False)
    out = r.stdout.decode("utf-8", "surrogateescape").strip()
    if r.returncode != 0 or not out:
        raise GitError(f"{root}: --staged needs a work tree with an index (not a bare repository)")
    return Path(out)


def _changed_entries(top: Path) -> list[tuple[bytes, str, str]]:
    """(mode, blob, path) of each file added or modified in the index relative to HEAD."""
    out = git(top, "diff", "--cached", "--raw", "-z", "--no-abbrev", "--no-renames", "--diff-filter=ACMT",
              "--no-ext-diff").stdout
    fields = out.split(b"\0")
    entries = []
    for i in range(0, len(fields) - 1, 2):
        meta = fields[i].lstrip(b"\n").split()
        if len(meta) >= 4:
            entries.append((meta[1], meta[3].decode(), fields[i + 1].decode("utf-8", "surrogateescape")))
    return entries


def _index_entries(top: Path, pathspecs: list[str]) -> list[tuple[bytes, str, str]]:
    """(mode, blob, path) of the stage-0 index entries matching ``pathspecs`` (literal paths)."""
    out = git(top, "--literal-pathspecs", "ls-files", "-s", "-z", "--", *pathspecs).stdout
    entries = []
    for rec in out.split(b"\0"):
        meta, _, path = rec.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[2] == b"0":
            entries.append((parts[0], parts[1].decode(), path.decode("utf-8", "surrogateescape")))
    return entries


def _entries_for(top: Path, paths, skip) -> list[tuple[bytes, str, str]]:
    """Index entries for ``paths`` (each named path that is not in the index counts as "not staged"),
    or every staged change when no paths are given."""
    if not paths:
        return _changed_entries(top)
    specs = []
    for p in paths:
        try:
            specs.append(Path(p).resolve().relative_to(top.resolve()).as_posix())
        except ValueError:
            raise GitError(f"{p}: outside the repository {top}") from None
    entries = _index_entries(top, specs)
    listed = {e[2] for e in entries}
    for s in specs:
        if s not in listed and not any(f.startswith(s.rstrip("/") + "/") for f in listed):
            skip("not staged")
    return entries


def scan_staged(root: Path, ruleset, opts, paths) -> ScanResult:
    """Scan the staged content of ``paths`` (or of every staged change) as the next commit holds it.

    :raises GitError: ``root`` is not in a git work tree, or git fails.
    """
    from secretshift.scanner.scan import _stderr_warn

    t0 = time.perf_counter()
    top = _toplevel(Path(root))
    result = ScanResult()

    def skip(reason: str) -> None:
        result.skipped[reason] = result.skipped.get(reason, 0) + 1

    entries = _entries_for(top, paths, skip)
    base = Path(root).resolve()
    todo: dict[str, list[str]] = {}
    for mode, sha, path in entries:
        try:
            rel = (top / path).resolve().relative_to(base).as_posix()
        except ValueError:
            rel = path
        reason = _SKIP_MODES.get(mode) or ("excluded" if excluded(rel, opts.excludes) else None) \
            or skip_reason_by_name(rel, opts.include_vendored)
        if reason:
            skip(reason)
            continue
        todo.setdefault(sha, []).append(rel)
    for sha, data in iter_blobs(top, list(todo)):
        for rel in todo[sha]:
            msgs: list[str] = []
            found, reason = scan_blob(data, rel, ruleset, opts, msgs.append) if data is not None \
                else (None, "missing object")
            for m in msgs:
                result.errors.append(m)
                _stderr_warn(m)
            if found is None:
                skip(reason or "unreadable")
                continue
            result.files_scanned += 1
            result.bytes_scanned += len(data or b"")
            result.findings.extend(found)
    result.files_skipped = sum(result.skipped.values())
    result.findings.sort(key=lambda f: f.sort_key)
    result.seconds = time.perf_counter() - t0
    return result
