"""The verify stage: a re-scan finds none of the places rewritten this run, every Python file written
compiles (and parses as the project's oldest declared Python), every JavaScript or deployment file
written parses no worse than in the last commit (and no JavaScript file reads the accessor at its top
level before binding it), and none of the migrated values appears anywhere in
the tree (``.secretshift/`` included). Values left in files secretshift does not edit are named: those
must be changed by hand. A planned file is *handled* when each of its places was rewritten or is
listed with its exact display-only patch; verify passes only when no migrated value is left."""
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
    handled: list[str] = field(default_factory=list)  # planned files: every place rewritten or with its patch
    unhandled: list[str] = field(default_factory=list)
    patched: list[str] = field(default_factory=list)  # files whose remaining values are listed with a patch
    weak_values: int = 0  # short plain words: leftovers only where the re-scan finds them, in their own files
    # untracked bytecode caches (__pycache__/*.pyc) still holding a migrated value: compiled from the source
    # before its rewrite, recompiled at the next import; listed with advice, not counted as a failure
    stale_caches: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.leftover or self.not_compiling or self.value_hits)

    def to_dict(self) -> dict[str, Any]:
        return {"leftover": self.leftover, "not_compiling": self.not_compiling,
                "files_with_values": self.value_hits, "searched_files": self.searched_files,
                "handled": self.handled, "unhandled": self.unhandled, "patched": self.patched,
                "weak_values": self.weak_values, "stale_caches": self.stale_caches}


def verify_stage(plan: Plan, root: Path, progress: Progress, scan: Callable[[], list[Any]],
                 values: list[str], python: tuple[int, int] | None = None,
                 written: list[str] = ()) -> VerifyResult:
    res = VerifyResult()
    ready = {s.id for s in plan.secrets if progress.verified(s.id)}
    planned = {r.location.fingerprint: r for s in plan.secrets if s.id in ready
               for r in s.rewrites if r.action != "display"}
    strong, weak, res.weak_values = _needles(values)
    # a short plain word ("postgres", "sentry": a project's own name as its default password, often its
    # user name and image too) is an ordinary word of the project: it is a leftover only in the files it
    # was found in, where the re-scan still finds it as a credential
    local = {r.location.file for s in plan.secrets for r in s.rewrites} \
        | {loc.file for s in plan.secrets for v in s.values for loc in v.locations}
    # the lines the plan left on purpose (commented out, a development section...): a value there is
    # where the plan said it stays, not a leftover of the rewrite (the checklist has it if it leaked)
    left = _left_texts(root, plan)
    now: dict[str, list[bytes]] = {}  # the files' lines as the rewrite left them

    def left_here(rel: str, line: int) -> bool:
        if rel not in left:
            return False
        if rel not in now:
            try:
                now[rel] = (root / rel).read_bytes().split(b"\n")
            except OSError:
                now[rel] = []
        lines = now[rel]
        return 0 < line <= len(lines) and lines[line - 1].strip() in left[rel]

    weak_hits = set()
    for f in scan():
        if left_here(f.file, f.line):
            continue
        if f.fingerprint in planned:
            res.leftover.append(f"{f.file}:{f.line} {f.rule_id}")
        elif f.kind == "hardcoded":
            res.other_findings += 1
        if f.kind == "hardcoded" and f.file in local and f.value is not None and f.value.reveal() in weak:
            weak_hits.add(f.file)
    for rel in sorted(set(progress.data["files"]) | set(written) | set(progress.data.get("accessors", []))):
        if rel.endswith((".py", ".pyw")) and (root / rel).is_file():
            src = (root / rel).read_bytes()
            try:
                compile(src, rel, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
                if python is not None and python < (3, 13):
                    ast.parse(src, rel, feature_version=python)
            except SyntaxError as e:
                res.not_compiling.append(f"{rel}:{e.lineno}" + (f" (Python {python[0]}.{python[1]})" if python else ""))
        elif (root / rel).is_file():
            why = parse_problem(root, rel)
            if why:
                res.not_compiling.append(why)
    for rel in tree_files(root):
        try:
            data = (root / rel).read_bytes()
        except OSError:
            continue
        res.searched_files += 1
        if rel in left and any(n in data for n in strong):
            data = b"\n".join(b"" if line.strip() in left[rel] else line for line in data.split(b"\n"))
        if any(n in data for n in strong) or rel in weak_hits:
            (res.stale_caches if is_bytecode_cache(rel) else res.value_hits).append(rel)
    if res.stale_caches:  # a cache committed to git is part of the repository: a real leftover
        tracked = set(_git_files(root, "-c", *res.stale_caches))
        res.value_hits = sorted(res.value_hits + [c for c in res.stale_caches if c in tracked])
        res.stale_caches = [c for c in res.stale_caches if c not in tracked]
    files = progress.data["files"]
    for rel in sorted({r.location.file for s in plan.secrets if s.id in ready for r in s.rewrites}):
        info = files.get(rel) or {}
        # rewritten (or patched) everywhere: a value still in the file must be one its patches list
        done = info.get("status") == "done" and not info.get("skipped") and (
            info.get("patches") or (info.get("applied") and rel not in res.value_hits))
        (res.handled if done else res.unhandled).append(rel)
        if info.get("patches") and rel in res.value_hits:
            res.patched.append(rel)
    return res


# reasons a plan leaves a place as it is within a file it may rewrite elsewhere (planner.build LEFT_REASONS)
_LEFT_IN_PLACE = frozenset({"comment", "development", "test", "example", "docs", "temporary", "compiled",
                            "no-credential"})


def _left_texts(root: Path, plan: Plan) -> dict[str, set[bytes]]:
    """file -> the text (stripped) of each line the plan left in place, as the last commit has it: the
    rewrite moves lines (an import added above), not their text."""
    lines: dict[str, set[int]] = {}
    for x in plan.left:
        if x.reason in _LEFT_IN_PLACE:
            lines.setdefault(x.location.file, set()).add(x.location.line)
    out: dict[str, set[bytes]] = {}
    for rel, nums in lines.items():
        r = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=root, capture_output=True)
        if r.returncode == 0:
            data = r.stdout
        else:
            try:
                data = (root / rel).read_bytes()
            except OSError:
                continue
        got = data.split(b"\n")
        texts = {got[n - 1].strip() for n in nums if 0 < n <= len(got)} - {b""}
        if texts:
            out[rel] = texts
    return out


def _needles(values: list[str]) -> tuple[list[bytes], set[str], int]:
    """(distinctive values as bytes, the plain words -- short, of low entropy, or lower-case words joined
    like an identifier (``planner.build.distinctive``), which the re-scan alone judges -- and how many
    those are)."""
    from ..planner.build import distinctive

    strong, weak = set(), set()
    for v in values:
        if not distinctive(v):
            weak.add(v)
        else:
            strong.add(v.encode("utf-8", "surrogatepass"))
    return sorted(strong), weak, len(weak)


def parse_problem(root: Path, rel: str) -> str | None:
    """Why a JavaScript or deployment file written by the rewrite parses worse than in the last
    commit (tree-sitter, or the YAML/JSON span parsers), or -- JavaScript/TypeScript -- runs a
    top-level read of the accessor before the import or require binding it; or None."""
    from secretshift.codemods.deploy import kind_of
    from secretshift.codemods.deploy.check import problem

    try:
        text = (root / rel).read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    kind = kind_of(rel, text)
    if kind is None:
        return None
    r = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=root, capture_output=True)
    before = r.stdout.decode("utf-8", "replace") if r.returncode == 0 else None
    why = problem(text, rel, kind, before)
    if not why and kind == "javascript":
        # parsing is not enough: a require of the accessor after a top-level read of it throws at load
        from secretshift.codemods.js.rewrite import use_before_binding

        why = use_before_binding(text, rel)
        if why and before is not None and use_before_binding(before, rel):
            why = None  # as it was in the last commit: not this run's doing
    return f"{rel}: {why}" if why else None


def is_bytecode_cache(rel: str) -> bool:
    """A compiled Python file (``__pycache__/*.pyc``, a stray ``*.pyc``/``*.pyo``): the interpreter's cache."""
    return rel.endswith((".pyc", ".pyo")) or "__pycache__" in rel.split("/")[:-1]


def _git_files(root: Path, *args: str) -> list[str]:
    r = subprocess.run(["git", "ls-files", "-z", *args[:1], "--", *args[1:]], cwd=root, capture_output=True)
    return [p for p in r.stdout.decode("utf-8", "surrogateescape").split("\0") if p] if r.returncode == 0 else []


def tree_files(root: Path, state: bool = True) -> list[str]:
    """Files git would consider (tracked + untracked not ignored) plus ``.secretshift/`` (unless not
    ``state``: the project's own files only); a walk otherwise."""
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
    if not state:
        out = {p for p in out if not p.startswith(f"{STATE_DIR}/")}
    elif sd.is_dir():
        out.update(p.relative_to(root).as_posix() for p in sd.rglob("*") if p.is_file())
    return sorted(p for p in out if (root / p).is_file())
