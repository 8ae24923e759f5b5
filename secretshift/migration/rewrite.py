"""The rewrite stage: per file, only the places whose secret is created and read back.

Python goes through the codemods (libcst), importing the accessor from where ``deploy.accessor_for``
puts it (written once per place, recorded in the ledger); ``.env`` definitions become a comment
naming the secret (those the plan moves: ``planner.build`` keeps a line nothing rewritten reads);
JavaScript/TypeScript and the files that deploy the code (ECS, CloudFormation/SAM, Terraform,
Kubernetes, compose, Dockerfile, GitHub Actions, serverless.yml, shell) go through
``secretshift.codemods.deploy`` with the secrets' full ARNs read back after creation, and the
display-only patches of those files are printed (exact, in the file's language); other files are
shown (display-only) and never written. A place whose secret is pending is left as it is, the rest of
its file is rewritten. One file is one step in the progress file; every file written is recorded in
the ledger with its new sha256 (so a later run knows the change is its own): for the JavaScript and
deployment rewrites the ledger records the sha256 of what is about to be written before it is written,
with the extra files they write (JavaScript accessor, package.json, .env.example, SecretStore ...).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..base.errors import SecretshiftError
from ..base.fileio import atomic_write_bytes
from ..planner.build import is_python
from ..planner.model import Plan, Rewrite
from .deploy import accessor_for
from .ledger import Ledger
from .state import Progress
from .values import Fresh

DEFAULT_ACCESSOR = "secretshift_secrets:get_secret"


@dataclass
class RewriteSummary:
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "file: reason" for places not rewritten (by hand)
    waiting: list[str] = field(default_factory=list)  # "file:line" of places whose secret is pending
    importers: dict[str, list[str]] = field(default_factory=dict)  # accessor file -> rewritten files
    patches: int = 0  # display-only patches printed (by-hand changes)
    patched: set[tuple[str, int]] = field(default_factory=set)  # (file, line) of the places they cover
    kept: list[str] = field(default_factory=list)  # files a --local trial left alone (git does not track them)


def by_file(plan: Plan) -> dict[str, list[tuple[Any, Rewrite]]]:
    out: dict[str, list[tuple[Any, Rewrite]]] = {}
    for s in plan.secrets:
        for r in s.rewrites:
            out.setdefault(r.location.file, []).append((s, r))
    return out


def rewrite_stage(plan: Plan, root: Path, fresh: Fresh, progress: Progress, ledger: Ledger,
                  report: Callable[[str], None], accessor_module: str | None = None,
                  tick: Callable[[int, int, str], None] = lambda i, n, label: None,
                  after_step: Callable[[str], None] = lambda step: None,
                  drop_aws_keys: bool = False, trial: bool = False) -> RewriteSummary:
    """Rewrite every file with places whose secrets are verified. ``trial`` (a ``--local`` run, whose
    secrets vanish with its emulator): a file git does not track is kept as it is, since nothing could
    bring its values back (an ignored ``.env``)."""
    files = by_file(plan)
    res = RewriteSummary()
    tracked = _tracked(root) if trial else None
    kinds = {rel: _deploy_kind(root, rel) for rel in files if not is_python(rel)}
    todo = sorted(rel for rel, items in files.items()
                  if any(r.action != "display" for _, r in items) or kinds.get(rel))
    for i, rel in enumerate(todo, 1):
        tick(i, len(todo), rel)
        if tracked is not None and rel not in tracked:
            report(f"kept     {rel}: git does not track it, and this --local trial's secrets vanish with the "
                   f"run, so its values would be lost; a real run moves them")
            res.kept.append(rel)
            continue
        items = [(s, r) for s, r in files[rel] if r.action != "display"]
        ready = [(s, r) for s, r in items if progress.verified(s.id) and r.location.fingerprint in fresh.by_fp]
        waiting = [(s, r) for s, r in items if not progress.verified(s.id)]
        # display-only places of a file the deployment rewrites know: their exact patch is printed
        shown = [(s, r) for s, r in files[rel] if r.action == "display" and kinds.get(rel)
                 and progress.verified(s.id) and r.location.fingerprint in fresh.by_fp]
        res.waiting += [f"{rel}:{r.location.line}" for _, r in waiting]
        if progress.file_done(rel) and not ready:
            _importers(res, root, rel, plan, accessor_module)
            continue
        if not ready and not shown:
            if waiting:
                report(f"skipped  {rel}: waits for {', '.join(sorted({s.name for s, _ in waiting}))}")
            continue
        patches: list[tuple[int, str, str]] = []
        compose_note = None
        ledger.note_before(rel)  # (before its first write: what --undo-local puts back)
        if is_python(rel):
            place = ensure_accessor(root, rel, plan, progress, ledger, accessor_module)
            applied, skipped = _rewrite_python(root, rel, ready, fresh, plan.accessor, place, drop_aws_keys)
            if place is not None and applied:
                res.importers.setdefault(place.path, []).append(rel)
        elif kinds.get(rel):
            applied, skipped, patches = _rewrite_deploy(root, rel, ready, shown, fresh, progress, ledger, plan,
                                                        report)
        else:
            applied, moved = _rewrite_dotenv(root, rel, ready, fresh)
            skipped = []
            compose_note = _compose_beside(root, rel, moved, ledger)
        status = "partial" if waiting else "done"
        progress.set_file(rel, status=status, applied=applied, skipped=skipped,
                          **({"patches": [ln for ln, _, _ in patches]} if patches else {}))
        if applied and not kinds.get(rel):
            ledger.record_file(rel, sorted({s.name for s, _ in ready}))
        report(f"rewrote  {rel}: {applied} change(s)" + (f", {len(skipped)} skipped" if skipped else "")
               + (f", {len(patches)} display-only patch(es)" if patches else "")
               + (f", {len(waiting)} waiting for a value" if waiting else ""))
        if compose_note:
            report(f"         {compose_note}")
        for line, note, patch in patches:
            report(f"patch    {rel}:{line}: change by hand: {note}")
            for pl in patch.splitlines():
                report(f"         {pl}")
            res.patched.add((rel, line))
        res.patches += len(patches)
        for why in skipped:
            report(f"         {why}")
            res.skipped.append(f"{rel}: {why}")
        res.written.append(rel)
        after_step(f"rewrite:{rel}")
    return res


def _tracked(root: Path) -> frozenset[str] | None:
    """The files git tracks under ``root`` (paths relative to it), or None outside a git work tree."""
    import subprocess

    try:
        r = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return frozenset(p for p in r.stdout.decode("utf-8", "surrogateescape").split("\0") if p)


def _importers(res: RewriteSummary, root: Path, rel: str, plan: Plan, accessor_module: str | None) -> None:
    if is_python(rel) and plan.accessor == DEFAULT_ACCESSOR:
        place = accessor_for(root, rel, accessor_module)
        res.importers.setdefault(place.path, []).append(rel)


def ensure_accessor(root: Path, rel: str, plan: Plan, progress: Progress, ledger: Ledger,
                     accessor_module: str | None):
    """Write the accessor module ``rel`` will import (default accessor only: a project's own accessor,
    or the caching library, is theirs). Returns its placement, or None."""
    if plan.accessor != DEFAULT_ACCESSOR:
        return None
    place = accessor_for(root, rel, accessor_module)
    try:
        from secretshift.codemods.accessor import write_accessor_module
    except ImportError as e:  # pragma: no cover - the codemods package ships with secretshift
        raise SecretshiftError(f"the codemods are not available ({e.name})") from None
    base = root / place.path[: -len(place.module.replace(".", "/") + ".py")] if place.path.endswith(
        place.module.replace(".", "/") + ".py") else root
    target = base.joinpath(*place.module.split(".")).with_suffix(".py")
    before = target.read_bytes() if target.is_file() else None
    path = Path(write_accessor_module(base, place.module, secrets_region(plan, ledger)))
    acc = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
    accessors = sorted({*progress.data.get("accessors", []), acc})
    if progress.data.get("accessors") != accessors:
        progress.data["accessors"] = accessors
        progress.data["accessor"] = accessors[0]
        progress.save()
    if acc not in ledger.data["accessors"] or path.read_bytes() != before:
        ledger.record_accessor(acc)  # new, or brought up to date (an edited copy is never rewritten)
    return place


def secrets_region(plan: Plan, ledger: Ledger) -> str | None:
    """The region the plan's secrets were created in (their ARNs, else the plan's): the accessor's
    clients go there when the place the code runs names no region. The embedded emulator's ARNs
    (``--local``) name a region of their own, not the plan's."""
    for s in plan.secrets:
        e = ledger.secrets.get(s.name, {})
        _, region = _account_region(e.get("arn")) if e.get("endpoint") != "local" else (None, None)
        if region:
            return region
    return plan.region


def _rewrite_python(root: Path, rel: str, items: list[tuple[Any, Rewrite]], fresh: Fresh,
                    accessor: str, place, drop_aws_keys: bool = False) -> tuple[int, list[str]]:
    from secretshift.codemods import runner

    # boto3's static keys: read from Secrets Manager by default; --drop-aws-keys removes them for the
    # default credential chain (an IAM role), where the codemods support it
    extra = {"drop_aws_keys": True} if drop_aws_keys and "drop_aws_keys" in getattr(
        runner.RewriteTarget, "__dataclass_fields__", {}) else {}
    targets = []
    planned = [r.location for _, r in items]
    for s, r in items:
        f = fresh.at(r.location, planned)
        if f is None:
            continue
        sha = hashlib.sha256(f.value.reveal().encode("utf-8", "surrogatepass")).hexdigest() if f.value else None
        targets.append(runner.RewriteTarget(
            line=f.line, column=f.column, end_line=f.end_line, end_column=f.end_column, kind=r.kind,
            value_sha256=sha if r.kind == "hardcoded" else None, env_var=r.env_var if r.kind == "env" else None,
            secret_id=s.name, json_key=r.json_key, rule_id=r.location.rule_id, fingerprint=r.location.fingerprint,
            **extra))
    result = runner.rewrite_file(root / rel, targets, _accessor(accessor, place), True, write=True, display_path=rel)
    skipped = [f"{t.rule_id} line {t.line}: {why}" for t, why in result.skipped]
    return len(result.applied), skipped


def _accessor(spec: str, place) -> Any:
    from secretshift.codemods.accessor import Accessor

    if spec == DEFAULT_ACCESSOR:
        return Accessor.parse(None, default_module=place.module if place else "secretshift_secrets")
    return Accessor.parse(spec)


def _rewrite_dotenv(root: Path, rel: str, items: list[tuple[Any, Rewrite]],
                    fresh: Fresh) -> tuple[int, list[tuple[str, str, str | None]]]:
    """Replace each planned ``NAME=value`` line by a comment naming the secret; bytes otherwise kept.
    Returns (lines replaced, their (NAME, secret, JSON key))."""
    path = root / rel
    data = path.read_bytes()
    lines = data.decode("utf-8", "surrogateescape").splitlines(keepends=True)
    n = 0
    moved: list[tuple[str, str, str | None]] = []
    planned = [r.location for _, r in items]
    for s, r in items:
        f = fresh.at(r.location, planned)
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
        moved.append((name, s.name, r.json_key))
    if n:
        atomic_write_bytes(path, "".join(lines).encode("utf-8", "surrogateescape"))
    return n, moved


COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")


def compose_users(root: Path, rel: str, variables: list[str]) -> dict[str, list[str]]:
    """variable -> the compose files beside the ``.env`` ``rel`` that interpolate it (``${VAR}``, ``$VAR``):
    compose reads a ``.env`` of that name in its own folder only."""
    import re

    folder = (root / rel).parent
    if Path(rel).name != ".env" or not folder.is_dir():
        return {}
    composes = sorted(p for p in folder.iterdir() if p.is_file() and (
        p.name in COMPOSE_NAMES or re.fullmatch(r"(docker-)?compose\.[\w.-]+\.ya?ml", p.name)))
    users: dict[str, list[str]] = {}
    for p in composes:
        try:
            text = p.read_text("utf-8", "surrogateescape")
        except OSError:
            continue
        for var in variables:
            if re.search(r"(?<!\$)\$\{?" + re.escape(var) + r"(?![A-Za-z0-9_])", text):
                users.setdefault(var, []).append(p.name)
    return users


def _compose_beside(root: Path, rel: str, moved: list[tuple[str, str, str | None]], ledger: Ledger) -> str | None:
    """A compose file beside a ``.env`` interpolates its variables (``${SECRET_KEY:?...}``): once their
    definitions moved to Secrets Manager, ``docker compose up`` lacks them. Such variables are listed in
    the ``.env.example`` beside it (with the command that reads each one); returns the summary's line."""
    from secretshift.codemods.deploy.compose import env_example

    if not moved:
        return None
    users = compose_users(root, rel, [var for var, _sid, _key in moved])
    if not users:
        return None
    folder = (root / rel).parent
    example = (folder / ".env.example").relative_to(root).as_posix()
    old = (root / example).read_bytes().decode("utf-8", "surrogateescape") if (root / example).is_file() else None
    new = env_example(old, [(v, sid, key) for v, sid, key in moved if v in users])
    if new is not None:
        data = new.encode("utf-8", "surrogateescape")
        ledger.record_file(example, [], data)
        atomic_write_bytes(root / example, data)
    files = sorted({f for fs in users.values() for f in fs})
    return (f"{', '.join(files)} interpolate {', '.join(sorted(users))} from {rel}, whose value(s) moved to "
            f"Secrets Manager: set them before `docker compose up` ({example} lists the command that reads each one)")


def _deploy_kind(root: Path, rel: str) -> str | None:
    """The JavaScript/deployment form of ``rel`` (``secretshift.codemods.deploy.kind_of``), or None."""
    from secretshift.codemods.deploy import kind_of, project_reader

    text = project_reader(root)(rel)
    return kind_of(rel, text) if text is not None else None


def _account_region(arn: str | None) -> tuple[str | None, str | None]:
    parts = (arn or "").split(":")
    return (parts[4], parts[3]) if len(parts) > 5 and parts[0] == "arn" else (None, None)


def _rewrite_deploy(root: Path, rel: str, ready: list[tuple[Any, Rewrite]], shown: list[tuple[Any, Rewrite]],
                    fresh: Fresh, progress: Progress, ledger: Ledger, plan: Plan,
                    report: Callable[[str], None]) -> tuple[int, list[str], list[tuple[int, str, str]]]:
    """One JavaScript or deployment file through ``secretshift.codemods.deploy``, with the options its
    plan was decided with. ``shown``: display-only places whose exact patch is computed (never written).
    The ledger records the extra files and the file (sha256 of what is written) before they are
    written. Returns (applied, skipped reasons, patches as (line, note, masked patch))."""
    from secretshift.codemods.deploy import Options, SecretInfo, rewrite_file, write_files
    from secretshift.codemods.deploy.plan import extra_kind, planned_options, target_for
    from secretshift.codemods.js.project import SDK

    both = ready + shown
    planned = [r.location for _, r in both]
    targets, infos = [], {}
    region, account = None, None
    for s, r in both:
        f = fresh.at(r.location, planned)
        if f is None:
            continue
        arn = progress.secret(s.id).get("arn") or ledger.secrets.get(s.name, {}).get("arn")
        infos[s.name] = SecretInfo(s.name, arn, s.kms_key_id)
        acc, reg = _account_region(arn)
        account, region = account or acc, region or reg
        targets.append(target_for(f, s.name, r.json_key))
    rds, js_sync = planned_options((r.action, r.reason) for _, r in both)
    options = Options(infos, region or plan.region, account, rds_managed_password=rds, js_sync_fallback=js_sync,
                      ttl_seconds=plan.cache_ttl_seconds)
    rw = rewrite_file(root, rel, targets, options, write=False)
    applied = rw.applied if ready else []
    if applied:
        for extra, content in rw.extra_files.items():
            data, kind = content.encode("utf-8"), extra_kind(extra)
            if kind == "accessor":
                ledger.record_accessor(extra, data)
            elif kind == "dependency":
                ledger.record_dependency(extra, SDK, data)
            else:
                ledger.record_file(extra, [], data)
        ledger.record_file(rel, sorted({s.name for s, _ in ready}), rw.text.encode("utf-8") if rw.changed else None,
                           **({"iam": "ecs-task-execution-role"} if rw.policy else {}))
        write_files(root, rw)
        from .deploy import lock_files

        deps = [extra for extra in rw.extra_files if extra_kind(extra) == "dependency" and lock_files(root, extra)]
        for msg in rw.messages:
            if not any(msg.startswith(f"{d}: gains ") for d in deps):  # its lock is named once, at the end
                report(f"         {msg}")
        for extra in sorted(rw.extra_files):  # every file the rewrite wrote besides this one is said
            if extra_kind(extra) == "file" and not any(extra in m for m in rw.messages):
                what = (": the variables it now needs, each with the command that reads it from Secrets Manager"
                        if extra.endswith(".env.example") else "")
                report(f"wrote    {extra} for {rel}{what}")
    skipped = [f"{o.target.rule_id} line {o.line}: {o.note}" for o in rw.skipped]
    patches = [(o.line, o.note, o.patch) for o in rw.patches]
    return len(applied), skipped, patches


def role_statements(ledger: Ledger, region: str | None) -> list[dict[str, Any]]:
    """IAM statements for the principals deployment files read secrets through (the ECS task execution
    role resolving ``secrets``/``valueFrom``), on every secret those files read, across runs."""
    from secretshift.codemods.deploy import Options
    from secretshift.codemods.deploy.ecs import execution_role_statements

    names = sorted({n for e in ledger.data["files"].values() if e.get("iam") == "ecs-task-execution-role"
                    for n in e.get("secrets", []) if n in ledger.secrets})
    arns = [ledger.secrets[n]["arn"] for n in names if ledger.secrets[n].get("arn")]
    if not arns:
        return []
    kms = sorted({ledger.secrets[n]["kms_key_id"] for n in names if ledger.secrets[n].get("kms_key_id")})
    account, reg = _account_region(arns[0])
    return execution_role_statements(arns, kms, Options(region=reg or region, account=account))
