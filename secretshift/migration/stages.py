"""The rewrite and verify stages of ``apply`` (the create stage is ``secretshift.aws.executor``).

rewrite: per file, only when every secret it will read is created and verified; Python through the
codemods (libcst), ``.env`` definitions are replaced by a comment naming the secret, JavaScript and
deployment files through ``secretshift.codemods.deploy`` (``deploy_stage``), display-only changes are
shown and never written. One file is one step in the progress file.
verify: a re-scan finds none of the planned findings, every rewritten Python file compiles, every
rewritten deployment/JavaScript file parses, and none of the migrated values appears anywhere in the
tree (``.secretshift/`` included). A planned file is handled when each of its rewrites was applied or
is listed with its exact display-only patch.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..base.errors import SecretshiftError
from ..base.fileio import atomic_write_bytes
from ..planner.model import Plan, Rewrite
from .deploy_stage import is_deploy, parse_problem, patch_only, rewrite_deploy
from .state import STATE_DIR, Progress
from .values import Fresh


DEFAULT_ACCESSOR = "secretshift_secrets:get_secret"


@dataclass
class VerifyResult:
    leftover: list[str] = field(default_factory=list)  # "file:line RULE" of planned findings still there
    other_findings: int = 0
    not_compiling: list[str] = field(default_factory=list)
    value_hits: list[str] = field(default_factory=list)  # files holding a migrated value (never the value)
    searched_files: int = 0
    handled: list[str] = field(default_factory=list)  # planned files: every rewrite applied or with its patch
    unhandled: list[str] = field(default_factory=list)
    patched: list[str] = field(default_factory=list)  # files whose remaining values are listed with a patch

    @property
    def ok(self) -> bool:
        return not (self.leftover or self.not_compiling or self.value_hits)


# --- rewrite ------------------------------------------------------------------------------------------

def _by_file(plan: Plan) -> dict[str, list[tuple[Any, Rewrite]]]:
    out: dict[str, list[tuple[Any, Rewrite]]] = {}
    for s in plan.secrets:
        for r in s.rewrites:
            out.setdefault(r.location.file, []).append((s, r))
    return out


def display_lines(plan: Plan) -> list[str]:
    module, _, func = plan.accessor.partition(":")
    out = []
    for s in plan.secrets:
        for r in s.rewrites:
            if r.action == "display":
                key = f'["{r.json_key}"]' if r.json_key else ""
                how = f" ({func} from {module})" if r.location.file.endswith((".py", ".pyw")) else ""
                out.append(f"{r.location.file}:{r.location.line}: change by hand to read secret {s.name}{key}"
                           f"{how}; {r.reason}")
    return out


def rewrite_stage(plan: Plan, root: Path, fresh: Fresh, progress: Progress, report: Callable[[str], None],
                  tick: Callable[[int, int, str], None] = lambda i, n, label: None,
                  after_step: Callable[[str], None] = lambda step: None) -> list[str]:
    """Rewrite every file whose secrets are verified; returns the files rewritten in this call."""
    files = _by_file(plan)
    todo = sorted(rel for rel, items in files.items()
                  if not progress.file_done(rel) and (any(r.action != "display" for _, r in items)
                                                      or patch_only(root, rel, items)))
    written: list[str] = []
    for i, rel in enumerate(todo, 1):
        tick(i, len(todo), rel)
        items = [(s, r) for s, r in files[rel] if r.action != "display"]
        pending = sorted({s.name for s, _ in items if not progress.verified(s.id)})
        if pending:
            report(f"skipped  {rel}: waits for {', '.join(pending)} to be created and verified")
            continue
        module = plan.accessor.split(":", 1)[0]
        if any(r.action == "codemod" for _, r in items) and not progress.data.get("accessor") \
                and plan.accessor == DEFAULT_ACCESSOR:  # a project's own accessor (or the caching library) is theirs
            path = _write_accessor(root, module)
            progress.data["accessor"] = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
            progress.save()
        patches: list[dict] = []
        extra: dict[str, Any] = {}
        if rel.endswith((".py", ".pyw")):
            applied, skipped = _rewrite_python(root, rel, items, fresh, plan.accessor)
        elif is_deploy(items) or not items:  # no items: only display-only patches to list
            applied, skipped, patches = rewrite_deploy(root, rel, files[rel], fresh, progress, plan.region, report,
                                                       write=bool(items))
            extra = {"rewrite": "deploy", "patches": patches}
        else:
            applied, skipped = _rewrite_dotenv(root, rel, items, fresh), []
        progress.set_file(rel, status="done", applied=applied, skipped=skipped, **extra)
        report(f"rewrote  {rel}: {applied} change(s)" + (f", {len(skipped)} skipped" if skipped else "")
               + (f", {len(patches)} display-only patch(es)" if patches else ""))
        for why in skipped:
            report(f"         {why}")
        for pt in patches:
            report(f"patch    {rel}:{pt['line']}: {pt['note']}")
            for line in pt["patch"].splitlines():
                report(f"         {line}")
        written.append(rel)
        after_step(f"rewrite:{rel}")
    return written


def _write_accessor(root: Path, module: str) -> Path:
    try:
        from secretshift.codemods.accessor import write_accessor_module
    except ImportError as e:  # pragma: no cover - the codemods package ships with secretshift
        raise SecretshiftError(f"the codemods are not available ({e.name})") from None
    return Path(write_accessor_module(root, module))


def _rewrite_python(root: Path, rel: str, items: list[tuple[Any, Rewrite]], fresh: Fresh,
                    accessor: str) -> tuple[int, list[str]]:
    from secretshift.codemods import runner

    targets = []
    for s, r in items:
        f = fresh.by_fp.get(r.location.fingerprint)
        if f is None:
            continue
        sha = hashlib.sha256(f.value.reveal().encode("utf-8", "surrogatepass")).hexdigest() if f.value else None
        targets.append(runner.RewriteTarget(
            line=f.line, column=f.column, end_line=f.end_line, end_column=f.end_column, kind=r.kind,
            value_sha256=sha if r.kind == "hardcoded" else None, env_var=r.env_var if r.kind == "env" else None,
            secret_id=s.name, json_key=r.json_key, rule_id=r.location.rule_id, fingerprint=r.location.fingerprint))
    result = runner.rewrite_file(root / rel, targets, _accessor(accessor), True, write=True)
    skipped = [f"{t.rule_id} line {t.line}: {why}" for t, why in result.skipped]
    return len(result.applied), skipped


def _accessor(spec: str) -> Any:
    from secretshift.codemods.accessor import Accessor

    return Accessor.parse(None if spec == DEFAULT_ACCESSOR else spec)


def _rewrite_dotenv(root: Path, rel: str, items: list[tuple[Any, Rewrite]], fresh: Fresh) -> int:
    """Replace each planned ``NAME=value`` line by a comment naming the secret; bytes otherwise kept."""
    path = root / rel
    data = path.read_bytes()
    lines = data.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    n = 0
    for s, r in items:
        f = fresh.by_fp.get(r.location.fingerprint)
        if f is None or not 0 < f.line <= len(lines):
            continue
        old = lines[f.line - 1]
        eol = old[len(old.rstrip("\r\n")):]
        name = next((v.variable for v in s.values if v.key == r.json_key and v.variable), None) \
            or (r.location.symbol or "value").strip()
        key = f", key {r.json_key}" if r.json_key else ""
        # worded so that no scanner rule reads it as an assignment
        lines[f.line - 1] = f"# {name} is read from AWS Secrets Manager ({s.name}{key}){eol}"
        n += 1
    if n:
        atomic_write_bytes(path, "".join(lines).encode("utf-8", "surrogateescape"))
    return n


# --- verify -------------------------------------------------------------------------------------------

def verify_stage(plan: Plan, root: Path, progress: Progress, scan: Callable[[], list[Any]],
                 values: list[str]) -> VerifyResult:
    res = VerifyResult()
    planned = {r.location.fingerprint: r for s in plan.secrets for r in s.rewrites if r.action != "display"}
    for f in scan():
        if f.fingerprint in planned:
            res.leftover.append(f"{f.file}:{f.line} {f.rule_id}")
        elif f.kind == "hardcoded":
            res.other_findings += 1
    for rel in sorted(progress.data["files"]):
        if rel.endswith(".py") and (root / rel).is_file():
            try:
                compile((root / rel).read_bytes(), rel, "exec")
            except SyntaxError as e:
                res.not_compiling.append(f"{rel}:{e.lineno}")
        elif progress.data["files"][rel].get("rewrite") == "deploy" and (root / rel).is_file():
            why = parse_problem(root, rel)
            if why:
                res.not_compiling.append(why)
    needles = sorted({v.encode("utf-8", "surrogatepass") for v in values if len(v) >= 6})
    for rel in tree_files(root):
        try:
            data = (root / rel).read_bytes()
        except OSError:
            continue
        res.searched_files += 1
        if any(n in data for n in needles):
            res.value_hits.append(rel)
    for rel in sorted(_by_file(plan)):
        info = progress.data["files"].get(rel) or {}
        done = info.get("status") == "done" and not info.get("skipped")
        (res.handled if done else res.unhandled).append(rel)
        if info.get("patches") and rel in res.value_hits:
            res.patched.append(rel)
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
