"""Running a migration: ``apply`` (stages create -> rewrite -> verify of one plan) and ``migrate`` (plan,
confirm, apply, checklist). The CLI commands are thin wrappers over ``run_apply``/``run_migrate``.

Every step is saved as it finishes (progress.json for the plan, ledger.json across runs), so an
interruption anywhere (Ctrl-C, a crash, the network) is resumed by the command the tool prints: the
same command again. Exit codes: 0 nothing left; 1 something pending, to change by hand, or left by
verify; 2 error; 130 interrupted.
"""
from __future__ import annotations

import json
import os
import shlex
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable

from ..base.errors import AwsActionError, GitError, SecretshiftError
from .ledger import Ledger
from .state import PLAN_FILE, STATE_DIR, Progress, plan_digest, state_dir
from .util import rel, write_if_changed

STAGES = ("create", "rewrite", "verify")


class Interrupted(SecretshiftError):
    """Ctrl-C: every finished step is saved; the printed command resumes."""

    exit_code = 130


def say(msg: str = "") -> None:
    import click

    click.echo(msg)


def warn(msg: str) -> None:
    import click

    click.echo(f"secretshift: {msg}", err=True)


def resume_command(argv: list[str] | None, fallback: str) -> str:
    return "secretshift " + " ".join(shlex.quote(a) for a in argv) if argv else fallback


@dataclass
class ApplyArgs:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    local: bool = False
    update_existing: bool = False
    allow_dirty: bool = False
    dry_run: bool = False
    yes: bool = False
    show_progress: bool | None = None
    max_attempts: int = 6
    retry_delay: float = 0.5
    values_file: Path | None = None
    include_tests: bool = False
    accessor_module: str | None = None
    target_python: str | None = None
    drop_aws_keys: bool = False
    argv: list[str] | None = None  # the command as typed (printed to resume)
    after_step: Callable[[str], None] | None = None  # tests inject faults between steps


@dataclass
class Outcome:
    rc: int = 0
    pending: dict[str, list[str]] = field(default_factory=dict)
    by_hand: int = 0


class _Ticker:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.dirty = False

    def __call__(self, stage: str) -> Callable[[int, int, str], None]:
        def tick(i: int, n: int, label: str) -> None:
            if self.enabled:
                sys.stderr.write(f"\r\033[K[{stage}] {i}/{n} {label[:60]}")
                sys.stderr.flush()
                self.dirty = True
        return tick

    def clear(self) -> None:
        if self.enabled and self.dirty:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
            self.dirty = False


def value_sources(args: ApplyArgs, prompt: Callable[[str, str], str | None] | None):
    from .values import ValueSources, load_values_file

    file_values = load_values_file(args.values_file) if args.values_file else {}
    return ValueSources(env=dict(os.environ), file=file_values, prompt=None if args.yes else prompt)


def _gateway(args: ApplyArgs, plan_region: str | None, endpoint: str | None, report: Callable[[str], None]):
    from ..aws.gateway import ClientSettings, SecretsGateway, make_client
    from ..aws.local import LOCAL_CREDENTIALS, LOCAL_REGION

    if args.local:
        cfg = ClientSettings(region=LOCAL_REGION, endpoint_url=endpoint)
        client = make_client(cfg, LOCAL_CREDENTIALS)
    else:
        cfg = ClientSettings.from_env(args.region, args.profile, args.endpoint_url)
        if not cfg.region and plan_region:
            cfg = replace(cfg, region=plan_region)
        client = make_client(cfg)
    return SecretsGateway(client, attempts=args.max_attempts, base_delay=args.retry_delay, on_retry=report), cfg


def load_plan(path: Path):
    """:raises PlanError: unreadable, not YAML, or not a valid plan (one line)."""
    import yaml

    from ..base.errors import PlanError
    from ..planner.model import Plan

    try:
        data = path.read_bytes()
    except OSError as e:
        raise PlanError(f"{path}: cannot read the plan ({e.strerror or e})") from None
    try:
        raw = yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as e:
        raise PlanError(f"{path}: not a valid YAML plan ({str(e).splitlines()[0]})") from None
    return Plan.from_dict(raw, str(path)), data


def plan_yaml(plan) -> str:
    import yaml

    head = ("# secretshift migration plan (no secret values: each value is found again at apply time by its\n"
            "# location and fingerprint). You may edit secret names, descriptions, tags and kms_key_id.\n"
            "# Apply with: secretshift apply .secretshift/plan.yaml\n")
    return head + yaml.safe_dump(plan.to_dict(), sort_keys=False, allow_unicode=True, width=110)


def check_dirty(root: Path, ledger: Ledger, findings: list[Any], allow: bool) -> list[str]:
    """Refuse unrelated uncommitted work; returns the files holding uncommitted secrets (migrated)."""
    from .worktree import classify

    dirty = classify(root, ledger, findings)
    if dirty is None:
        return []
    if dirty.unrelated and not allow:
        d = dirty.unrelated
        raise GitError(f"the git work tree has uncommitted changes ({d[0]}{f' and {len(d) - 1} more' if len(d) > 1 else ''}) "
                       f"that are not secretshift's and not credentials to migrate; commit or stash them, or pass "
                       f"--allow-dirty")
    return dirty.secrets


def write_policy(root: Path, ledger: Ledger, region: str | None, dry_run: bool = False) -> Path | None:
    """``iam-policy.json`` covering every secret the ledger holds (what the code reads after the run)."""
    from ..planner.policy import iam_policy

    secrets = ledger.secrets
    if not secrets:
        return None
    arns = {n: e["arn"] for n, e in secrets.items() if e.get("arn")}
    kms = sorted({e["kms_key_id"] for e in secrets.values() if e.get("kms_key_id")})
    policy = iam_policy(sorted(secrets), kms, region, None, arns)
    path = state_dir(root) / "iam-policy.json"
    if not dry_run:
        write_if_changed(path, json.dumps(policy, indent=2) + "\n")
    return path


def run_apply(plan_path: Path, root: Path, stages: tuple[str, ...], args: ApplyArgs,
              prompt: Callable[[str, str], str | None] | None, sources=None) -> int:
    """Apply ``stages`` of the plan at ``plan_path``; returns the exit code."""
    return apply_plan(plan_path, root, stages, args, prompt, sources).rc


def apply_plan(plan_path: Path, root: Path, stages: tuple[str, ...], args: ApplyArgs,
               prompt: Callable[[str, str], str | None] | None, sources=None) -> Outcome:
    if args.local and not args.dry_run:
        from ..aws.local import LocalEmulator

        with LocalEmulator() as url:
            say(f"using the embedded Secrets Manager emulator at {url} (secrets vanish when this run ends)")
            return _apply(plan_path, root, stages, args, prompt, url, sources)
    return _apply(plan_path, root, stages, args, prompt, None, sources)


def _apply(plan_path: Path, root: Path, stages: tuple[str, ...], args: ApplyArgs,
           prompt: Callable[[str, str], str | None] | None, endpoint: str | None, sources) -> Outcome:
    from ..aws.executor import create_stage
    from . import deploy
    from .definitions import read_definition
    from .planning import scan, scan_setup
    from .report import diff_summary, display_lines
    from .rewrite import DEFAULT_ACCESSOR, rewrite_stage
    from .values import check_stale, leaf_values, planned_files, rescan, resolve
    from .verify import verify_stage

    plan, data = load_plan(plan_path)
    out = Outcome()
    ledger = Ledger.load(root, dry_run=args.dry_run)
    progress = Progress.load(root, plan_digest(data), dry_run=args.dry_run)
    if not plan.secrets:
        say("nothing to apply: the plan has no secrets")
        return out
    settings, opts, ruleset = scan_setup(root)
    if not args.accessor_module and getattr(settings, "accessor_module", ""):
        args = replace(args, accessor_module=settings.accessor_module)
    fresh = rescan(root, planned_files(plan), ruleset, opts)
    if "create" in stages or "rewrite" in stages:
        check_dirty(root, ledger, fresh.findings(), args.allow_dirty)
    has_python = any(r.action == "codemod" for s in plan.secrets for r in s.rewrites)
    python = deploy.check_target(root, args.target_python) if has_python and "rewrite" in stages else None
    check_stale(plan, fresh, progress)
    sources = sources or value_sources(args, prompt)
    resolved = resolve(plan, fresh, progress, sources, lambda file, var: read_definition(root, file, var), root) \
        if ("create" in stages or "verify" in stages) else None
    out.pending = dict(resolved.pending) if resolved else {}
    if progress.resumed:
        say(f"resuming: {sum(progress.verified(s.id) for s in plan.secrets)} of {len(plan.secrets)} secret(s) "
            f"done, {sum(1 for f in progress.data['files'].values() if f.get('status') == 'done')} file(s) rewritten")
    if args.dry_run:
        for s in plan.secrets:
            state = "already done" if progress.verified(s.id) else "exists, would check" if s.existing \
                else "pending" if s.id in out.pending else "would create or adopt"
            say(f"{state:22} {s.name}")
        for line in diff_summary(plan):
            say(f"would rewrite{line}")
        for line in display_lines(plan):
            say(f"display-only: {line}")
        say("dry run: nothing was changed")
        return out
    interactive = args.show_progress if args.show_progress is not None else sys.stderr.isatty()
    ticker = _Ticker(bool(interactive))

    def report(msg: str) -> None:
        ticker.clear()
        say(msg)

    after = args.after_step or (lambda step: None)
    gw = cfg = None
    needs_aws = ("create" in stages and any(
        not progress.verified(s.id) and s.id in (resolved.strings if resolved else {}) for s in plan.secrets)) \
        or ("verify" in stages and any(progress.verified(s.id) for s in plan.secrets))
    if needs_aws:
        gw, cfg = _gateway(args, plan.region, endpoint, lambda m: (ticker.clear(), warn(m)))
    strings = resolved.strings if resolved else {}
    endpoint_kind = "local" if args.local else "aws"

    def recorded(s: Any, value: str, arn: str | None) -> None:
        variables = {v.variable: v.key for v in s.values if v.variable}
        variables.update({r.env_var: r.json_key for r in s.rewrites if r.env_var})
        ledger.record_secret(s.name, sid=s.id, arn=arn, secret_string=value, plain=s.plain, variables=variables,
                             rotation=s.rotation, kms_key_id=s.kms_key_id, endpoint=endpoint_kind)

    stage = "create"
    try:
        if "create" in stages:
            if gw is not None:
                create_stage(plan, gw, progress, strings, args.update_existing, report, ticker("create"), after,
                             recorded, recreate_existing=args.local)
            write_policy(root, ledger, cfg.region if cfg else plan.region)
            progress.set_stage("create", "done")
            after("stage:create")
        if "rewrite" in stages:
            stage = "rewrite"
            summary = rewrite_stage(plan, root, fresh, progress, ledger, report, args.accessor_module,
                                    ticker("rewrite"), after, args.drop_aws_keys)
            out.by_hand += len(summary.skipped)
            for line in display_lines(plan):
                report(f"display-only: {line}")
                out.by_hand += 1
            _deploy_steps(root, plan, ledger, progress, report, args, DEFAULT_ACCESSOR)
            progress.set_stage("rewrite", "done")
            after("stage:rewrite")
        if "verify" in stages:
            stage = "verify"
            values = []
            for s in plan.secrets:
                if s.id in strings:
                    values.extend(leaf_values(s, strings[s.id]))
                elif progress.verified(s.id) and gw is not None:
                    values.extend(leaf_values(s, gw.read(s.name) or ""))
            res = verify_stage(plan, root, progress, lambda: scan(opts, ruleset, warn), values, python)
            ticker.clear()
            status = "passed" if res.ok else "failed"
            progress.set_stage("verify", status, leftover=res.leftover, not_compiling=res.not_compiling,
                               files_with_values=res.value_hits, searched_files=res.searched_files)
            say(f"verify {status}: {len(res.leftover)} planned finding(s) left, {len(res.not_compiling)} file(s) "
                f"not compiling, migrated values found in {len(res.value_hits)} of {res.searched_files} file(s)")
            for x in res.leftover + res.not_compiling + res.value_hits:
                say(f"  {x}")
            out.rc = 0 if res.ok else 1
            after("stage:verify")
    except KeyboardInterrupt:
        ticker.clear()
        raise Interrupted(f"interrupted during the {stage} stage; finished steps are saved in .secretshift/; "
                          f"resume with: {resume_command(args.argv, 'the same command')}") from None
    except AwsActionError as e:  # the network, throttling, a conflict: every finished step is saved
        ticker.clear()
        if not args.argv or "resume with" in str(e):
            raise
        try:
            again = type(e)(f"{e}; finished steps are saved, resume with: {resume_command(args.argv, '')}")
        except TypeError:
            raise e from None
        raise again from None
    finally:
        ticker.clear()
    if out.pending or out.by_hand:
        out.rc = max(out.rc, 1)
    return out


def _deploy_steps(root: Path, plan: Any, ledger: Ledger, progress: Progress, report: Callable[[str], None],
                  args: ApplyArgs, default_accessor: str) -> None:
    """boto3 in the declared dependencies; Dockerfiles that would leave the accessor out."""
    from . import deploy
    from ..planner.build import is_python

    python_files = sorted(f for f in ledger.data["files"] if is_python(f) and f not in ledger.data["accessors"])
    if not python_files:
        return
    requirement = {default_accessor: "boto3", "aws_secretsmanager_caching": "aws-secretsmanager-caching"}.get(
        plan.accessor)
    if requirement:
        dep = deploy.declare_dependency(root, requirement)
        for f in dep.added:
            ledger.record_dependency(f, requirement)
        if dep.added:
            report(f"dependencies: added {requirement} to {', '.join(dep.added)} (the rewritten code imports it)")
        for n in dep.notes:
            report(f"dependencies: {n}")
        for w in deploy.dockerfile_install_warnings(root, requirement):
            warn(f"warning: {w}")
    if plan.accessor == default_accessor:
        importers: dict[str, list[str]] = {}
        for f in python_files:
            importers.setdefault(deploy.accessor_for(root, f, args.accessor_module).path, []).append(f)
        for w in deploy.dockerfile_warnings(root, importers):
            warn(f"warning: {w}")


# --- migrate --------------------------------------------------------------------------------------------

def plan_pending_of(plan: Any) -> list[Any]:
    return [p for p in plan.pending if not p.display_only]


def actionable(plan: Any) -> bool:
    """Something to create or to rewrite (not only display-only leftovers or pending values)."""
    return any(not s.existing or any(r.action != "display" for r in s.rewrites) for s in plan.secrets)


def run_migrate(root: Path, pargs: Any, args: ApplyArgs, md_path: Path | None, config: Path | None,
                prompt: Callable[[str, str], str | None] | None, confirm: Callable[[], bool] | None) -> int:
    from . import deploy
    from .checklist import write_checklist
    from .planning import make_plan
    from .report import diff_summary, display_lines, left_lines, noted_lines, pending_lines, summary_lines

    ledger = Ledger.load(root, dry_run=args.dry_run)
    sources = value_sources(args, prompt)
    pargs.include_tests = args.include_tests
    plan, findings, (settings, opts, ruleset) = make_plan(root, pargs, ledger, sources, config, warn)
    out = state_dir(root) / PLAN_FILE
    outcome = Outcome()
    work = actionable(plan)
    if work and any(r.action == "codemod" for s in plan.secrets for r in s.rewrites):
        deploy.check_target(root, args.target_python)
    if not plan.secrets and plan_pending_of(plan):
        say("nothing to create yet: the environment reads below have no value to move")
    elif not plan.secrets:
        say("nothing to migrate: no hardcoded credential or secret environment read left to move")
    elif not work:
        say("nothing left to create or rewrite; every secret below already exists:")
        for line in summary_lines(plan)[1:]:
            say(line)
    else:
        for line in summary_lines(plan):
            say(line)
        say("files to change:")
        for line in diff_summary(plan):
            say(line)
    for line in left_lines(plan) + noted_lines(plan):
        say(line)
    plan_pending = [p for p in plan.pending if not p.display_only]
    if work:
        if not args.yes and not args.dry_run:
            if confirm is None:
                raise SecretshiftError("confirmation needed: run in a terminal or pass --yes")
            if not confirm():
                say("nothing applied")
                return 0
        if args.dry_run:
            import tempfile

            with tempfile.TemporaryDirectory() as d:
                tmp = Path(d) / PLAN_FILE
                tmp.write_text(plan_yaml(plan), encoding="utf-8")
                return apply_plan(tmp, root, STAGES, args, prompt, sources).rc
        write_if_changed(out, plan_yaml(plan))
        outcome = apply_plan(out, root, STAGES, args, prompt, sources)
    else:
        outcome = _resume_saved(root, args, prompt, sources) or outcome
        for line in display_lines(plan):
            say(f"display-only: {line}")
            outcome.by_hand += 1
        if not args.dry_run:
            write_policy(root, ledger, args.region or os.environ.get("AWS_REGION"))
    for line in pending_lines(plan, outcome.pending, args.argv):
        say(line)
    if args.dry_run:
        return 1 if plan_pending or outcome.pending else 0
    ck = write_checklist(root, md_path, Ledger.load(root), ruleset, opts, findings, args.include_tests, warn,
                         _secret_by_fp(plan))
    say(f"plan:      {rel(out, root)}" if out.exists() else "plan:      (none)")
    for name, label in (("ledger.json", "ledger:   "), ("progress.json", "progress: "), ("iam-policy.json", "policy:   ")):
        if (state_dir(root) / name).exists():
            say(f"{label} {rel(state_dir(root) / name, root)}")
    say(f"checklist: {rel(ck.markdown, root)} ({ck.open} leaked credential(s) to rotate"
        + (f", {ck.rotated} rotated" if ck.rotated else "") + f"), {rel(ck.json, root)}")
    rc = outcome.rc
    if plan_pending or outcome.pending or outcome.by_hand:
        rc = max(rc, 1)
    return rc


def _resume_saved(root: Path, args: ApplyArgs, prompt, sources) -> Outcome | None:
    """A run interrupted after its last rewrite (in verify) left nothing for a new plan to do: finish
    the saved plan's remaining stages."""
    path = state_dir(root) / PLAN_FILE
    prog = state_dir(root) / "progress.json"
    if not path.exists() or not prog.exists():
        return None
    try:
        _, data = load_plan(path)
        progress = Progress.load(root, plan_digest(data), dry_run=True)
    except SecretshiftError:
        return None
    if not progress.resumed or progress.stage("verify") in ("passed", "failed"):
        return None
    say("resuming the saved plan (.secretshift/plan.yaml): it was interrupted before verify finished")
    return apply_plan(path, root, STAGES, args, prompt, sources)


def _secret_by_fp(plan: Any) -> dict[str, str]:
    out = {}
    for s in plan.secrets:
        for v in s.values:
            for loc in v.locations:
                out[loc.fingerprint] = s.name
        for r in s.rewrites:
            out[r.location.fingerprint] = s.name
    return out


def run_checklist(root: Path, md_path: Path | None, rotated: tuple[str, ...], include_tests: bool) -> tuple[Any, list[str]]:
    from .checklist import tick, write_checklist
    from .planning import scan_setup

    ledger = Ledger.load(root)
    unknown = tick(root, list(rotated), ledger) if rotated else []
    settings, opts, ruleset = scan_setup(root)
    plan_map: dict[str, str] = {}
    path = state_dir(root) / PLAN_FILE
    if path.exists():
        try:
            plan, _ = load_plan(path)
            plan_map = _secret_by_fp(plan)
        except SecretshiftError as e:
            warn(f"ignoring the plan for secret names: {e}")
    return write_checklist(root, md_path, ledger, ruleset, opts, None, include_tests, warn, plan_map), unknown


__all__ = ["ApplyArgs", "Interrupted", "STAGES", "run_apply", "run_migrate", "run_checklist", "load_plan",
           "plan_yaml", "STATE_DIR"]
