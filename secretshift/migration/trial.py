"""What a ``--local`` trial left, seen by a real run.

``migrate --local`` creates its secrets in an embedded emulator that forgets them when the run ends,
yet rewrites the code to read them and records them in the ledger with ``endpoint: local``. A later run
against a real endpoint must not take those entries as secrets that exist there: the code would read
secrets nobody created (SecretNotFoundError at run time), or another application's secret of the same
name. So before any AWS call a real run stops (``refuse``) naming the trial and how to undo it, or, with
``migrate --undo-local``, undoes it (``undo``): the files the trial wrote are put back as git HEAD holds
them (only when each is exactly as the trial left it and HEAD has its original), the files it created are
removed, its secrets are forgotten, and the run then migrates for real.
"""
from __future__ import annotations

import hashlib
import re
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..base.errors import SecretshiftError
from .ledger import ABSENT, Ledger
from .state import PROGRESS_FILE, STATE_DIR, state_dir

# lines a trial's rewrite adds without replacing one (an import of the accessor, a dependency): the only
# added-only lines a file may have against HEAD for HEAD to hold its original
_ADDED_BY_US = re.compile(r"^\s*(?:#.*|//.*|import\s+\S.*|from\s+\S+\s+import\s+.*|)$|get_secret|getSecret|"
                          r"secretshift[-_]secrets|@aws-sdk/client-secrets-manager|\bboto3\b|"
                          r"is read from AWS Secrets Manager|resolve:secretsmanager|SecretCache|_secretshift_cache")


class LocalTrialError(SecretshiftError):
    """The ledger holds secrets of a ``--local`` trial and this run is against a real endpoint."""


@dataclass
class Trial:
    secrets: list[str]  # ledger names created in the emulator only
    only: bool  # every secret of the ledger is the trial's: the whole state is the trial's
    restore: list[str] = field(default_factory=list)  # tracked files to put back as HEAD holds them
    remove: list[str] = field(default_factory=list)  # untracked files the trial wrote
    blocked: list[tuple[str, str]] = field(default_factory=list)  # (file, why it cannot be undone from HEAD)
    forget: list[str] = field(default_factory=list)  # ledger file entries to drop (restored, removed, never written)


def local_secrets(ledger: Ledger) -> list[str]:
    return sorted(n for n, e in ledger.secrets.items() if e.get("endpoint") == "local")


def _git(root: Path, *args: str) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True)
    except OSError:
        return None


def _added_only_lines(root: Path, rel: str) -> list[str] | None:
    """Lines of ``rel`` in hunks that add to HEAD's version without removing anything; None if unknown."""
    r = _git(root, "diff", "--no-ext-diff", "--no-color", "-U0", "HEAD", "--", rel)
    if r is None or r.returncode != 0:
        return None
    out: list[str] = []
    hunk: list[str] = []
    removed = False
    for ln in r.stdout.decode("utf-8", "surrogateescape").splitlines() + ["@@"]:
        if ln.startswith("@@"):
            if not removed:
                out += hunk
            hunk, removed = [], False
        elif ln.startswith("-") and not ln.startswith("---"):
            removed = True
        elif ln.startswith("+") and not ln.startswith("+++"):
            hunk.append(ln[1:])
    return out


def _head_sha256(root: Path, rel: str) -> str | None:
    r = _git(root, "cat-file", "blob", f"HEAD:{rel}")
    return hashlib.sha256(r.stdout).hexdigest() if r is not None and r.returncode == 0 else None


def examine(root: Path, ledger: Ledger) -> Trial | None:
    """What the trial left (None: the ledger holds no secret of a --local run)."""
    names = local_secrets(ledger)
    if not names:
        return None
    only = len(names) == len(ledger.secrets)
    trial = Trial(names, only)
    files = ledger.data["files"]
    # the trial's files: those reading its secrets; and when the whole state is the trial's, every file it
    # wrote (accessors, dependency declarations, .env.example ...); else those stay for the real secrets
    mine = sorted(f for f, e in files.items() if set(e.get("secrets", [])) & set(names) or only)
    head = _git(root, "rev-parse", "--verify", "-q", "HEAD")
    if head is None or head.returncode != 0:
        trial.blocked = [(f, "no git commit holds its original") for f in mine if (root / f).exists()]
        return trial
    for f in mine:
        code_file = bool(set(files[f].get("secrets", [])) & set(names))
        tracked = (r := _git(root, "cat-file", "-e", f"HEAD:{f}")) is not None and r.returncode == 0
        exists = (root / f).is_file()
        ours = ledger.ours(f)
        before = ledger.before(f)
        if ours and before is not None:
            # the ledger knows the file as it was before the trial's first write: one it created and git
            # does not hold goes; one it changed whose original is HEAD's comes back (a .env.example it
            # made, a package.json it added a dependency to). A rewrite committed since (HEAD holds what
            # the trial wrote) and an original in no commit stay with the checks below
            if before == ABSENT and not tracked:
                trial.remove.append(f)
                trial.forget.append(f)
                continue
            head_sha = _head_sha256(root, f) if tracked else None
            if head_sha is not None and head_sha == before and head_sha != files[f].get("sha256"):
                trial.restore.append(f)
                trial.forget.append(f)
                continue
        if not tracked:
            # a file the trial made (an accessor, secretshift-secretstore.yaml) goes; one it edited (an
            # ignored .env, an untracked module) has its original in no commit
            made = f in ledger.data["accessors"] or "secretshift" in f.rsplit("/", 1)[-1]
            if exists and ours and made:
                trial.remove.append(f)
            elif exists:
                trial.blocked.append((f, "not in git HEAD, so its original is in no commit"
                                      if ours else "changed since the --local run and not in git"))
            trial.forget.append(f)
            continue
        same = (r := _git(root, "diff", "--quiet", "HEAD", "--", f)) is not None and r.returncode == 0 and exists
        if same:
            if ours and code_file:
                trial.blocked.append((f, "its rewrite is committed (the original is in an earlier commit)"))
            else:  # never written (an interrupted trial), already put back, or a committed generated file
                trial.forget.append(f)
            continue
        if not ours:
            trial.blocked.append((f, "changed since the --local run"))
            continue
        added = _added_only_lines(root, f)
        if added is None or any(not _ADDED_BY_US.search(x) for x in added):
            trial.blocked.append((f, "holds lines git HEAD does not have (uncommitted work of yours?)"))
            continue
        trial.restore.append(f)
        trial.forget.append(f)
    return trial


def _q(files: list[str]) -> str:
    return " ".join(shlex.quote(f) for f in files)


def _few(items: list[str], n: int = 3) -> str:
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")


def refuse(root: Path, trial: Trial, command: str) -> None:
    """Stop the real run before any AWS call, saying how to undo the trial (one line).

    :raises LocalTrialError: always."""
    head = (f"{len(trial.secrets)} secret(s) in {STATE_DIR}/ledger.json ({_few(trial.secrets)}) were created by a "
            f"--local trial in its embedded emulator, not at this endpoint, and the code it rewrote reads them; "
            f"nothing was changed")
    state = f"rm -r {STATE_DIR}" if trial.only else f"run with --undo-local to forget them in {STATE_DIR}/ledger.json"
    if trial.blocked:
        f, why = trial.blocked[0]
        more = f" (and {len(trial.blocked) - 1} more file(s))" if len(trial.blocked) > 1 else ""
        raise LocalTrialError(f"{head}. It cannot be undone from git HEAD: {f}: {why}{more}; put the original "
                              f"files back by hand (git log -- {shlex.quote(f)}), then {state}, and run again")
    steps = []
    if trial.restore:
        steps.append(f"git checkout HEAD -- {_q(trial.restore)}")
    if trial.remove:
        steps.append(f"rm {_q(trial.remove)}")
    if trial.only:
        steps.append(state)
    by_hand = f", or by hand: {' && '.join(steps)}" if steps and trial.only else ""
    raise LocalTrialError(f"{head}. Undo the trial and migrate for real with: {command}"
                          f" (puts back {len(trial.restore)} file(s) from git HEAD, removes {len(trial.remove)} it "
                          f"created, forgets its secrets){by_hand}")


def undo(root: Path, ledger: Ledger, trial: Trial, report: Callable[[str], None], dry_run: bool = False) -> None:
    """``--undo-local``: put the trial's files back from HEAD, remove those it created, forget its secrets
    (and, when the state was the trial's alone, everything but the checklist's rotation ticks).

    :raises LocalTrialError: a file cannot be undone from HEAD (nothing is changed then)."""
    if trial.blocked:
        refuse(root, trial, "")
    verb = "would " if dry_run else ""
    if dry_run:
        report(f"dry run: {verb}put back {_few(trial.restore) or 'no file'} from git HEAD, {verb}remove "
               f"{_few(trial.remove) or 'no file'}, {verb}forget {len(trial.secrets)} --local secret(s)")
        return
    if trial.restore:
        r = _git(root, "checkout", "HEAD", "--", *trial.restore)
        if r is None or r.returncode != 0:
            raise LocalTrialError(f"git checkout HEAD -- {_q(trial.restore)} failed; nothing else was changed")
    for f in trial.remove:
        (root / f).unlink(missing_ok=True)
    data = ledger.data
    if trial.only:
        kept = {"rotated": data.get("rotated", {})}
        data.clear()
        data.update(Ledger(root).data, **kept)
    else:
        for n in trial.secrets:
            data["secrets"].pop(n, None)
        gone = set(trial.forget)
        for f in gone:
            data["files"].pop(f, None)
            data["dependencies"].pop(f, None)
        data["accessors"] = [a for a in data["accessors"] if a not in gone]
    ledger.save()
    (state_dir(root) / PROGRESS_FILE).unlink(missing_ok=True)  # the trial's plan progress: verified in the emulator
    report(f"undid the --local trial: put back {_few(trial.restore) or 'no file'} from git HEAD, removed "
           f"{_few(trial.remove) or 'no file'}, forgot {len(trial.secrets)} secret(s) of its emulator")


def check(root: Path, ledger: Ledger, args: Any, report: Callable[[str], None], undo_flag: bool = False) -> bool:
    """A run against a real endpoint (not ``args.local``): stop when the ledger holds a --local trial's
    secrets, or undo the trial with ``undo_flag`` (with ``args.local`` too: the undo alone, offline).
    Returns True when the trial was undone."""
    if args.local and not undo_flag:
        return False
    trial = examine(root, ledger)
    if trial is None:
        if undo_flag:
            report("--undo-local: the ledger holds no secret of a --local trial; nothing to undo")
        return False
    if undo_flag:
        undo(root, ledger, trial, report, args.dry_run)
        return True
    argv = list(args.argv or [])
    if argv[:1] == ["migrate"]:
        command = "secretshift " + " ".join(shlex.quote(a) for a in argv + ["--undo-local"])
    else:
        command = f"secretshift migrate {shlex.quote(str(root))} --undo-local"
    refuse(root, trial, command)
    return False


__all__ = ["LocalTrialError", "Trial", "local_secrets", "examine", "refuse", "undo", "check"]
