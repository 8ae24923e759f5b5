"""The rewrite and verify stages' part for JavaScript/TypeScript and deployment files (ECS,
CloudFormation, Terraform, Kubernetes, compose, Dockerfile, GitHub Actions, serverless.yml, shell),
through ``secretshift.codemods.deploy``.

At plan time ``deploy_decisions`` says per finding what will happen (the plan's action). At rewrite
time each file is rewritten with the secrets' real names and full ARNs read back after creation;
the extra files a rewrite needs (accessor module, package.json, .env.example, SecretStore) are
written with it, the IAM statements it needs (the ECS task execution role) are merged into
``.secretshift/iam-policy.json``, and each display-only patch is kept in the progress file (masked)
so verify can tell a file whose remaining values are listed with their exact patch.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from ..base.fileio import atomic_write_text
from .state import STATE_DIR, Progress
from .values import Fresh

DEPLOY_ACTIONS = ("cfn", "rds-managed", "javascript", "ecs", "terraform", "kubernetes", "compose", "dockerfile",
                  "github-actions", "serverless", "shell")
POLICY_FILE = "iam-policy.json"


def deploy_decisions(root: Path, findings: list[Any], rds_managed_password: bool = False,
                     js_sync_fallback: bool = True) -> dict[str, tuple[str, str, str]]:
    from secretshift.codemods.deploy.plan import decisions

    return {fp: tuple(d) for fp, d in decisions(root, findings, rds_managed_password, js_sync_fallback).items()}


def is_deploy(items: list[tuple[Any, Any]]) -> bool:
    return any(r.action in DEPLOY_ACTIONS for _, r in items)


def patch_only(root: Path, rel: str, items: list[tuple[Any, Any]]) -> bool:
    """Every planned rewrite of ``rel`` is display-only, in a file the deployment rewrites know: its
    exact patches are computed (and listed) at rewrite time, nothing is written."""
    if not items or any(r.action != "display" for _, r in items):
        return False
    from secretshift.codemods.deploy import kind_of, project_reader

    text = project_reader(root)(rel)
    return text is not None and kind_of(rel, text) is not None


def _account_region(arn: str | None) -> tuple[str | None, str | None]:
    parts = (arn or "").split(":")
    return (parts[4], parts[3]) if len(parts) > 5 and parts[0] == "arn" else (None, None)


def rewrite_deploy(root: Path, rel: str, items: list[tuple[Any, Any]], fresh: Fresh, progress: Progress,
                   region: str | None, report: Callable[[str], None],
                   write: bool = True) -> tuple[int, list[str], list[dict]]:
    """Rewrite one file (``write=False``: only compute its display-only patches); returns (applied,
    skipped reasons, patches)."""
    from secretshift.codemods.deploy import Options, SecretInfo, rewrite_file
    from secretshift.codemods.deploy.plan import RDS_MANAGED, target_for

    targets, infos = [], {}
    account = None
    for s, r, f in fresh.located(items):
        arn = progress.secret(s.id).get("arn")
        infos[s.name] = SecretInfo(s.name, arn, s.kms_key_id)
        acc, reg = _account_region(arn)
        account, region = account or acc, region or reg
        targets.append(target_for(f, s.name, r.json_key))
    actions = {r.action for _, r in items}
    js_sync = any(r.action == "javascript" and r.applicability == "unsafe" for _, r in items) or "display" not in actions
    options = Options(infos, region, account, rds_managed_password=RDS_MANAGED in actions, js_sync_fallback=js_sync)
    rw = rewrite_file(root, rel, targets, options, write=write)
    for extra in rw.extra_files if write else ():
        if not progress.file_done(extra):  # a planned file edited for this one keeps its own step
            progress.set_file(extra, status="generated", generated_for=rel)
    if rw.policy:
        merge_policy(root, rw.policy, progress)
    for msg in rw.messages:
        report(f"         {msg}")
    skipped = [f"{o.target.rule_id} line {o.line}: {o.note}" for o in rw.skipped]
    patches = [{"line": o.line, "note": o.note, "patch": o.patch} for o in rw.patches]
    return len(rw.applied), skipped, patches


def merge_policy(root: Path, statements: list[dict], progress: Progress | None = None) -> None:
    """Add ``statements`` to ``.secretshift/iam-policy.json`` (a statement with the same Sid gains the
    new resources), and keep them in the progress file so a later create stage writes them again."""
    path = root / STATE_DIR / POLICY_FILE
    try:
        policy = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        policy = {}
    if not isinstance(policy, dict):
        policy = {}
    if progress is not None:
        kept = progress.data.setdefault("extra_policy", [])
        _merge(kept, statements)
        progress.save()
    _merge(policy.setdefault("Statement", []), statements)
    policy = {"Version": policy.get("Version", "2012-10-17"), **policy}
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(policy, indent=2) + "\n")


def with_extra_policy(policy: dict, progress: Progress) -> dict:
    """The create stage's policy plus the statements earlier rewrites added (ECS execution role)."""
    extra = progress.data.get("extra_policy") or []
    if not extra or not policy:
        return policy
    out = {**policy, "Statement": [dict(s) for s in policy.get("Statement", [])]}
    _merge(out["Statement"], extra)
    return out


def _merge(have: list, statements: list[dict]) -> None:
    for st in statements:
        old = next((x for x in have if isinstance(x, dict) and x.get("Sid") == st.get("Sid")), None)
        if old is None:
            have.append(st)
            continue
        res = old.get("Resource", [])
        res = [res] if isinstance(res, str) else list(res)
        new = st.get("Resource", [])
        old["Resource"] = sorted(set(res) | set([new] if isinstance(new, str) else new))


def parse_problem(root: Path, rel: str) -> str | None:
    """Why a rewritten deployment or JavaScript file parses worse than in the last commit, or None."""
    import subprocess

    from secretshift.codemods.deploy import kind_of
    from secretshift.codemods.deploy.check import problem

    try:
        text = (root / rel).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    kind = kind_of(rel, text)
    if kind is None:
        return None
    r = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=root, capture_output=True)
    before = r.stdout.decode("utf-8", "replace") if r.returncode == 0 else None
    why = problem(text, rel, kind, before)
    return f"{rel}: {why}" if why else None
