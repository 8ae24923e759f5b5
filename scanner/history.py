"""History scans: every secret ever committed, reported once, where it first appeared.

``scan_history`` reads every unique blob reachable from HEAD (or ``since..HEAD``) exactly once:
``git rev-list --objects`` lists blobs with a path, one ``git log -m --raw`` pass tells which
commit added each (that orders them oldest first per path, and later places the findings), and
``git cat-file --batch`` streams their bytes to the workers, every version of a path to the same
worker. Each version is judged by the lines it adds (``scanner.delta``): ``scan.scan_text`` scans it
in full, as the file it was first seen at, only when those lines may hold a secret; HEAD's files
always are. Each secret (rule + value) is reported once, at the commit where it first appeared,
with its author, path, whether HEAD still holds it and whether that commit is reachable from a
remote-tracking branch (pushed) or only local.
"""
from __future__ import annotations

import os
import zlib
from secretshift.base import record
from secretshift.base.record import dataclass, field  # not dataclasses: see secretshift/base/record.py
from pathlib import Path
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor
    from typing import Callable

from secretshift.base.errors import GitError

from .gitio import excluded, git, git_text, has_commits, is_shallow, iter_blobs, require_repo, resolve_commit, scan_blob
from .models import Finding, fingerprint
from .ruleset import Ruleset
from .sources import skip_reason_by_name

PARALLEL_MIN_BLOBS = 256
_LOG_FORMAT = "%x00%H%x09%cI%x09%an <%ae>"


@dataclass
class HistoryScan:
    findings: list[Finding] = field(default_factory=list)
    commits: int = 0
    blobs_scanned: int = 0
    bytes_scanned: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _list_blobs(repo: Path, revs: list[str], max_bytes: int, skipped: dict[str, int],
                omitted: set[str]) -> list[tuple[str, str]]:
    """(sha, first path) of every blob reachable from ``revs``; blobs over ``max_bytes`` go to ``omitted``.
    Objects missing from the store (a partial clone, a pruned store) are counted and left out: the
    walk goes on around them and nothing is fetched."""
    out = git(repo, "rev-list", "--objects", "--missing=print", "--filter=object:type=blob",
              f"--filter=blob:limit={max_bytes + 1}", "--filter-print-omitted", *revs, "--").stdout
    blobs = []
    for raw in out.split(b"\n"):
        if raw.startswith(b"?"):
            skipped["missing object"] = skipped.get("missing object", 0) + 1
            omitted.add(raw[1:].decode().strip())  # not asked for again (HEAD's list may name it)
            continue
        if raw.startswith(b"~"):
            skipped["larger than max size"] = skipped.get("larger than max size", 0) + 1
            omitted.add(raw[1:].decode().strip())
            continue
        sha, sep, path = raw.partition(b" ")
        if sep:  # lines without a path are commits
            blobs.append((sha.decode(), path.decode("utf-8", "surrogateescape")))
    return blobs


def _scan_blobs(repo: Path, items: list[tuple[str, str]], ruleset: Ruleset, opts, full: frozenset[str] = frozenset()
                ) -> tuple[dict[str, list[Finding]], int, int, dict[str, int], list[str]]:
    """Scan blobs; return (sha -> findings for blobs that hit, blobs scanned, bytes, skipped, warnings).

    ``items`` come oldest first per path: a blob is scanned in full only when the lines it adds to
    its path may hold a secret (``scanner.delta``); the blobs in ``full`` (HEAD's, the ``since``
    boundary's) always are, since whether HEAD still holds a secret is read from their findings.
    Decoding notes (invalid UTF-8 ...) are dropped: over thousands of old blobs they are noise."""
    from .delta import SeenLines

    hits: dict[str, list[Finding]] = {}
    skipped: dict[str, int] = {}
    warnings: list[str] = []
    seen = SeenLines()
    warn = _engine_warnings(warnings)
    last = {path: i for i, (_, path) in enumerate(items)}  # where each path's last version is
    n = nbytes = 0
    for i, ((sha, rel), (_, data)) in enumerate(zip(items, iter_blobs(repo, [s for s, _ in items]))):
        if data is None:
            found, reason = None, "missing object"
        else:
            found, reason = scan_blob(data, rel, ruleset, opts, warn, seen=seen, gate=sha not in full)
        if last[rel] == i:
            seen.forget(rel)
        if found is None:
            skipped[reason or "unreadable"] = skipped.get(reason or "unreadable", 0) + 1
            continue
        n += 1
        nbytes += len(data or b"")
        found = [f for f in found if f.kind == "hardcoded" and f.value is not None]
        if found:
            hits[sha] = found
    return hits, n, nbytes, skipped, warnings


def _engine_warnings(sink: list[str]) -> Callable[[str], None]:
    def warn(msg: str) -> None:
        if "not valid UTF-8" not in msg and "NUL byte" not in msg:
            sink.append(msg)

    return warn


_WORKER: dict[str, object] = {}


def _init_worker(repo: Path, ruleset: Ruleset, opts, full: frozenset[str]) -> None:
    _WORKER.update(repo=repo, ruleset=ruleset, opts=opts, full=full)


def _scan_shard(items: list[tuple[str, str]]):
    return _scan_blobs(_WORKER["repo"], items, _WORKER["ruleset"], _WORKER["opts"], _WORKER["full"])  # type: ignore[arg-type]


def _scan_all(repo: Path, items: list[tuple[str, str]], ruleset: Ruleset, opts, jobs: int,
              full: frozenset[str] = frozenset()):
    from .scan import _plan

    prepass = _plan(ruleset).prepass
    if len(items) >= 64:  # a real history: plenty of bytes for the fast backend, loaded before any fork
        prepass.expect(1 << 30)
        prepass.ready()
    if jobs <= 1 or len(items) < PARALLEL_MIN_BLOBS:
        yield _scan_blobs(repo, items, ruleset, opts, full)
        return
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    try:
        ctx = mp.get_context("fork")
    except ValueError:
        ctx = mp.get_context()
    nshards = jobs * 8  # several shards per worker so a slow one does not hold the others up
    # every version of a path goes to the same shard, in order, so each is judged by what it adds
    shards: list[list[tuple[str, str]]] = [[] for _ in range(nshards)]
    for sha, path in items:
        shards[zlib.crc32(path.encode("utf-8", "surrogateescape")) % nshards].append((sha, path))
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(repo, ruleset, opts, full)) as ex:
        # the largest first: what is left at the end is small, so the workers finish together
        yield from ex.map(_scan_shard, sorted((s for s in shards if s), key=len, reverse=True))


Appearance = tuple[int, str, str, str, str]  # (order, commit, date, author, path)


def _first_appearances(repo: Path, revs: list[str]) -> tuple[dict[str, Appearance], int]:
    """(blob -> where the oldest commit (parents first) that adds it added it, for every blob the
    commits in ``revs`` add; how many commits ``revs`` holds: the log lists each of them). Merges
    are diffed against each parent (``-m``): a blob only a merge adds (a conflict resolution) is
    placed there, while one a branch added was already recorded at the branch's commit, which
    comes first in this order."""
    out = git(repo, "log", "--reverse", "--topo-order", "--root", "-m", "--raw", "--no-abbrev", "--no-renames",
              "--no-ext-diff", "--no-textconv", "-z", f"--format={_LOG_FORMAT}", *revs, "--").stdout
    first: dict[str, Appearance] = {}
    commits: set[str] = set()  # (a merge is listed once per parent)
    commit: tuple[str, str, str] = ("", "", "")
    order = 0
    fields = out.split(b"\0")
    i = 0
    while i < len(fields):
        f = fields[i].lstrip(b"\n")
        if f.startswith(b":"):  # ":100644 100644 <old> <new> M", then the path as the next field
            parts = f.split()
            i += 2
            if len(parts) >= 4:
                sha = parts[3].decode()
                if sha not in first:
                    path = fields[i - 1].decode("utf-8", "surrogateescape") if i - 1 < len(fields) else ""
                    first[sha] = (order, *commit, path)
            continue
        if b"\t" in f:  # a commit header: "<sha>\t<date>\t<author>"
            sha, date, author = (f.decode("utf-8", "replace").split("\t") + ["", ""])[:3]
            order += 1
            commit = (sha.strip(), date, author)
            commits.add(commit[0])
        i += 1
    return first, len(commits)


def _at_head(repo: Path, head: dict[str, str]) -> dict[str, Appearance]:
    meta = git_text(repo, "log", "-1", "--format=%H%x09%cI%x09%an <%ae>", "HEAD").strip().split("\t")
    sha, date, author = (meta + ["", "", ""])[:3]
    return {blob: (0, sha, date, author, path) for blob, path in head.items()}


def _history_order(items: list[tuple[str, str]], first: dict[str, Appearance]) -> list[tuple[str, str]]:
    """Oldest first, by the commit that added each blob; blobs no commit in range adds (HEAD's or the
    ``since`` boundary's from before the range) come first, as the base later versions add to."""
    return sorted(items, key=lambda it: first[it[0]][0] if it[0] in first else -1)


def _head_blobs(repo: Path, rev: str = "HEAD") -> dict[str, str]:
    out = git(repo, "ls-tree", "-r", "-z", "--full-tree", rev).stdout
    blobs = {}
    for rec in out.split(b"\0"):
        meta, _, path = rec.partition(b"\t")
        parts = meta.split()
        if len(parts) == 3 and parts[1] == b"blob":
            blobs[parts[2].decode()] = path.decode("utf-8", "surrogateescape")
    return blobs


def _pushed_commits(repo: Path) -> set[str]:
    refs = git_text(repo, "for-each-ref", "--format=%(refname)", "refs/remotes").split()
    if not refs:
        return set()
    return set(git_text(repo, "rev-list", "--remotes").split())


def _select(blobs: list[tuple[str, str]], in_range: set[str], opts, skipped: dict[str, int]) -> list[tuple[str, str]]:
    """The blobs worth reading: not excluded, not lock files, binaries by name or vendored paths."""
    excludes = tuple(getattr(opts, "excludes", ()))
    vendored = bool(getattr(opts, "include_vendored", False))
    items = []
    for sha, path in blobs:
        reason = "excluded" if excluded(path, excludes) else skip_reason_by_name(path, vendored)
        if reason:
            if sha in in_range:
                skipped[reason] = skipped.get(reason, 0) + 1
            continue
        items.append((sha, path))
    return items


def scan_history_detailed(repo: Path, ruleset: Ruleset, opts, since: str | None = None,
                          warn: Callable[[str], None] | None = None, exhaustive: bool = False) -> HistoryScan:
    """Like ``scan_history`` but also returns counts and the warnings given (shallow clone, empty repo).

    By default a blob is scanned in full only when the lines it adds to its path may hold a secret
    (``scanner.delta``); ``exhaustive`` scans every blob in full, which must give the same findings
    (tests check that) at several times the cost.

    :raises GitError: not a repository, git missing, or ``since`` unknown.
    """
    repo = Path(repo)
    res = HistoryScan()

    def note(msg: str) -> None:
        res.warnings.append(msg)
        if warn:
            warn(msg)

    require_repo(repo)
    if not has_commits(repo):
        if since:
            raise GitError(f"{repo}: no commits yet, so there is no revision {since!r}")
        note("the repository has no commits yet: no history to scan")
        return res
    if is_shallow(repo):
        note("shallow clone: commits before the shallow boundary are missing, so a secret's first commit "
             "may be later than the real one (run `git fetch --unshallow` for a full scan)")
    revs = ["HEAD"]
    if since:
        revs = [f"^{resolve_commit(repo, since)}", "HEAD"]
    # the git passes below are independent: the log pass (the longest, which also counts the
    # commits) runs beside the blob listing
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return _scan_range(pool, repo, revs, ruleset, opts, since, res, note, exhaustive)


def _scan_range(pool: ThreadPoolExecutor, repo: Path, revs: list[str], ruleset: Ruleset, opts, since: str | None,
                res: HistoryScan, note: Callable[[str], None], exhaustive: bool) -> HistoryScan:
    first_job = pool.submit(_first_appearances, repo, revs)
    too_big: set[str] = set()
    listed = _list_blobs(repo, revs, getattr(opts, "max_bytes", 5 * 1024 * 1024), res.skipped, too_big)
    head = _head_blobs(repo)
    try:
        first, res.commits = first_job.result()
    except GitError as e:  # a tree or commit the log pass needs is missing: place what HEAD holds at HEAD
        note(f"the commit log could not be read ({e}); credentials are placed at HEAD, without their first commit")
        first = _at_head(repo, head)
        res.commits = int(git_text(repo, "rev-list", "--count", *revs, "--").strip() or 0)
    # which commits are pushed is worked out while the blobs are scanned (asked only for a finding)
    pushed_job = pool.submit(_pushed_commits, repo)
    if res.skipped.get("missing object"):
        note(f"{res.skipped['missing object']} object(s) missing from the repository (partial clone or pruned "
             f"store) were skipped: a secret only they held is not reported")
    in_range = {s for s, _ in listed}
    # With --since, the blobs of HEAD and of the boundary commit that predate the range are scanned too:
    # HEAD's to tell present_at_head, the boundary's to leave out secrets that were already there.
    boundary = _head_blobs(repo, revs[0][1:]) if since else {}
    extra = [(s, p) for s, p in {**boundary, **head}.items() if s not in in_range and s not in too_big]
    items = _history_order(_select(listed + extra, in_range, opts, res.skipped), first)
    scan_opts = record.replace(opts, keep_values=True) if record.is_dataclass(opts) else opts
    # environment reads hold no value and are not reported from history: do not pay for finding them
    # (the env engine's literal defaults, SS212, are credentials and stay)
    ruleset = ruleset.subset(lambda r: r.kind != "env")
    jobs = getattr(opts, "jobs", 0) or (os.cpu_count() or 1)
    hits: dict[str, list[Finding]] = {}
    # HEAD's blobs are scanned in full, like a plain scan of the work tree would: whatever HEAD holds
    # is reported, even a secret that became a finding only when a line near it was removed
    full = frozenset(s for s, _ in items) if exhaustive else frozenset(head) | frozenset(boundary)
    for shard_hits, n, nbytes, skipped, warnings in _scan_all(repo, items, ruleset, scan_opts, jobs, full):
        hits.update(shard_hits)
        res.blobs_scanned += n
        res.bytes_scanned += nbytes
        for k, v in skipped.items():
            res.skipped[k] = res.skipped.get(k, 0) + v
        for w in warnings:
            note(w)
    at_head = {(f.rule_id, f.value.reveal()) for sha, found in hits.items() if sha in head for f in found}  # type: ignore[union-attr]
    res.findings = _assemble(repo, revs, hits, in_range, set(boundary), opts, first, at_head, pushed_job.result)
    return res


def _assemble(repo: Path, revs: list[str], hits: dict[str, list[Finding]], in_range: set[str],
              boundary: set[str], opts, first: dict[str, Appearance], at_head: set[tuple[str, str]],
              pushed_commits: Callable[[], set[str]]) -> list[Finding]:
    """One finding per secret (rule + value), placed at the commit where it first appeared
    (``pushed_commits``: gives the commits reachable from a remote-tracking branch, asked only
    when there is a finding).

    Secrets already present in the ``since`` commit (``boundary`` blobs) are not new: left out."""
    if not hits:
        return []
    # blobs of HEAD outside the rev-list range but not in the boundary were restored after it
    wanted = {s for s in hits if s in in_range or s not in boundary}
    first = {s: first[s] for s in wanted if s in first}
    old = {(f.rule_id, f.value.reveal()) for sha in boundary & set(hits) for f in hits[sha]}  # type: ignore[union-attr]
    best: dict[tuple[str, str], tuple[tuple[int, str, int], Finding, tuple[int, str, str, str, str]]] = {}
    for sha, found in hits.items():
        for f in found:
            key = (f.rule_id, f.value.reveal())  # type: ignore[union-attr]
            if sha not in first or key in old:
                continue
            meta = first[sha]
            rank = (meta[0], meta[4], f.line)
            if key not in best or rank < best[key][0]:
                best[key] = (rank, f, meta)
    pushed = pushed_commits()
    keep = getattr(opts, "keep_values", True)
    out = []
    for key, (_, f, (_, commit, date, author, path)) in best.items():
        path = path or f.file
        out.append(record.replace(
            f, file=path, fingerprint=fingerprint(f.rule_id, path, key[1]),
            value=f.value if keep else None,
            history={"first_commit": commit, "first_commit_date": date, "author": author, "path": path,
                     "present_at_head": key in at_head, "pushed": commit in pushed},
        ))
    out.sort(key=lambda f: f.sort_key)
    return out


def scan_history(repo: Path, ruleset: Ruleset, opts, since: str | None = None) -> list[Finding]:
    """Every hardcoded secret in the commits reachable from HEAD (after ``since`` if given), once each.

    Each finding's ``history`` holds ``first_commit``, ``first_commit_date`` (ISO 8601), ``author``,
    ``path``, ``present_at_head`` and ``pushed``; ``value`` is set in memory.

    :raises GitError: not a repository, git missing, or ``since`` unknown.
    """
    return scan_history_detailed(repo, ruleset, opts, since).findings
