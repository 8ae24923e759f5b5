"""Git plumbing shared by staged and history scans: run git, stream blobs, decode them.

Every failure is a one-line ``GitError``; nothing here ever prints or raises a blob's content.
"""
from __future__ import annotations

import fnmatch
import os
import subprocess
import threading
from pathlib import Path, PurePosixPath
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Callable, Iterable, Iterator

from secretshift.base.errors import GitError


# A version's window (its changed lines with context, ``delta.Change``) up to this many characters
# is first asked whether the pass finds anything in it at all: most small changes answer no (on
# psf/requests' history 3,900 of 5,600), without cutting a fragment. A larger window is a change
# spread over the file, whose unchanged middle mostly holds some keyword: the fragment is cut at once.
WINDOW_MAX = 2000


def _env() -> dict[str, str]:
    """A scan never fetches: in a partial clone a missing object stays missing (git >= 2.44 honours it;
    the history walk also asks only for objects that are present)."""
    return {**os.environ, "GIT_NO_LAZY_FETCH": "1"}


def git(repo: Path, *args: str, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """Run ``git -C repo args``; raise ``GitError`` (one line) when git is missing or fails and ``check``."""
    try:
        r = subprocess.run(["git", "-C", str(repo), *args], input=input, capture_output=True, env=_env())
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH)") from None
    except OSError as e:
        raise GitError(f"cannot run git: {e.strerror or e}") from None
    if check and r.returncode != 0:
        msg = r.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]} failed in {repo}: {msg[-1] if msg else 'exit ' + str(r.returncode)}")
    return r


def git_text(repo: Path, *args: str) -> str:
    """``git`` whose output is text (paths may hold any bytes: kept with surrogateescape)."""
    return git(repo, *args).stdout.decode("utf-8", "surrogateescape")


def require_repo(repo: Path) -> None:
    """:raises GitError: ``repo`` is not inside a git repository."""
    if not Path(repo).is_dir():
        raise GitError(f"{repo}: no such directory")
    r = git(repo, "rev-parse", "--git-dir", check=False)
    if r.returncode != 0:
        raise GitError(f"{repo}: not a git repository")


def has_commits(repo: Path) -> bool:
    return git(repo, "rev-parse", "--verify", "-q", "HEAD^{commit}", check=False).returncode == 0


def is_shallow(repo: Path) -> bool:
    return git_text(repo, "rev-parse", "--is-shallow-repository").strip() == "true"


def resolve_commit(repo: Path, rev: str) -> str:
    """:raises GitError: ``rev`` does not name a commit."""
    if rev.startswith("-"):
        raise GitError(f"{rev!r} is not a revision")
    r = git(repo, "rev-parse", "--verify", "-q", f"{rev}^{{commit}}", check=False)
    if r.returncode != 0:
        raise GitError(f"unknown revision {rev!r} in {repo}")
    return r.stdout.decode().strip()


def iter_blobs(repo: Path, shas: Iterable[str]) -> Iterator[tuple[str, bytes | None]]:
    """Stream ``(sha, bytes)`` for each sha through one ``git cat-file --batch`` (None if missing)."""
    shas = list(shas)
    if not shas:
        return
    try:
        proc = subprocess.Popen(["git", "-C", str(repo), "cat-file", "--batch"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=_env())
    except OSError as e:
        raise GitError(f"cannot run git: {e.strerror or e}") from None
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        try:
            proc.stdin.write("".join(s + "\n" for s in shas).encode())  # type: ignore[union-attr]
            proc.stdin.close()  # type: ignore[union-attr]
        except (BrokenPipeError, OSError):
            pass

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    out = proc.stdout
    try:
        for sha in shas:
            header = out.readline().split()
            if not header:
                raise GitError(f"git cat-file stopped early in {repo}")
            if len(header) < 3 or header[1] == b"missing":
                yield sha, None
                continue
            size = int(header[2])
            data = out.read(size)
            out.read(1)  # the newline after the content
            yield sha, data if header[1] == b"blob" else None
    finally:
        out.close()
        proc.wait()
        t.join()


def decode_blob(data: bytes) -> tuple[str | None, str | None, str | None]:
    """Bytes of a blob -> (text, skip_reason, note), judged exactly as ``sources`` judges a file."""
    from .sources import MINIFIED_MIN_BYTES, decode

    if len(data) > MINIFIED_MIN_BYTES and data.count(b"\n") < len(data) // 5000:
        return None, "minified", None
    return decode(data)


def scan_blob(data: bytes, rel: str, ruleset, opts, warn: Callable[[str], None],
              seen=None, gate: bool = True) -> tuple[list | None, str | None]:
    """Findings in one blob as if it were the file ``rel`` -> (findings, None) or (None, skip reason).

    Binary keystores (.p12/.pfx) go through ``scan.scan_binary`` like files on disk do; a decoding
    note (invalid UTF-8, a NUL byte) goes to ``warn``. With ``seen`` (a ``delta.SeenLines``, history
    scans), a text blob is scanned only when the lines it adds to its path may hold a secret
    (``scan.may_hold_secret``); otherwise it yields no findings. ``gate=False`` scans it whatever
    it adds (its lines are still recorded in ``seen``).
    """
    from .scan import (BINARY_KEYSTORE_LANGUAGES, config_quiet, may_hold_secret, pass_finds_nothing, scan_binary,
                       scan_text)
    from .sources import language_of

    if len(data) > opts.max_bytes:
        return None, "larger than max size"
    if language_of(rel) in BINARY_KEYSTORE_LANGUAGES:
        return scan_binary(data, rel, ruleset, opts, warn), None
    text, reason, note = decode_blob(data)
    if text is not None and not getattr(opts, "include_vendored", False):
        from .filekinds import vendored_or_generated

        reason = vendored_or_generated(rel, text)
        text = None if reason else text
    if text is None:
        return None, (reason or "unreadable").split(" (")[0]
    if note:
        warn(f"{rel}: {note}")
    if seen is not None:
        change = seen.change(rel, text)
        if change is None:
            return ([], None) if gate else (scan_text(text, rel, ruleset, opts, warn=warn), None)
        if gate and change.hi - change.lo <= WINDOW_MAX and pass_finds_nothing(change.window, rel, ruleset):
            return [], None  # the cheap answer for most versions: nothing to cut a fragment for
        fragment, spans = seen.fragment(change)
        # A YAML/JSON version where the config engine finds nothing, after one where it found nothing
        # either, is judged by its added lines like any file (its other rules are line rules); in a
        # translation bundle the generic rules do not count (scan_text drops their candidates). What
        # the file was decides which candidates hid others: when that changes, the version is read whole.
        quiet = tr = False
        if language_of(rel) in ("yaml", "json"):
            from .filekinds import is_translation

            quiet = config_quiet(text, rel, ruleset)
            tr = quiet and is_translation(rel, text)  # (a file judged whole needs no more)
            before = seen.note(rel, (quiet, tr))
            if before is not None and before[1] != tr:
                gate = False
            quiet = quiet and before is not None and before[0]
        if gate and not may_hold_secret(fragment, rel, ruleset, opts, spans, config_quiet=quiet, translation=tr):
            return [], None
    return scan_text(text, rel, ruleset, opts, warn=warn), None


def excluded(rel: str, excludes: Iterable[str]) -> bool:
    if not excludes:
        return False
    name = PurePosixPath(rel).name
    return any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(name, g) or rel.startswith(g.rstrip("/") + "/")
               for g in excludes)
