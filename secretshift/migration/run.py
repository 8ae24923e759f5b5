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
from .lifecycle import created_with_tags, lifecycle_step
from .lifecycle import describe as lifecycle_line
from .lifecycle import todo as lifecycle_todo
from .state import PLAN_FILE, PROGRESS_FILE, STATE_DIR, Progress, plan_digest, state_dir
from .util import rel, write_if_changed
from ..planner.lifecycle import of_plan

STAGES = ("create", "lifecycle", "rewrite", "verify")


class Interrupted(SecretshiftError):
    """Ctrl-C: every finished step is saved; the printed command resumes."""

    exit_code = 130


def say(msg: str = "") -> None:
    import click

    click.echo(msg)


_WARNED: set[str] = set()  # what this command has said on stderr (run_migrate / run_apply reset it)


def warn(msg: str) -> None:
    """One line on stderr, once per command: the plan's scan and verify's re-scan read the same files
    (QA: "6 files skipped as minified ..." two or three times in one run)."""
    import click

    if msg in _WARNED or (msg.startswith("history: ") and msg[len("history: "):] in _WARNED):
        return  # (the history's note on a file the working tree's scan spoke of already)
    _WARNED.add(msg)
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
    rotation_wait: float = 300.0  # seconds for each secret's first rotation (the lifecycle step)
    undo_local: bool = False  # migrate --undo-local: undo a --local trial (trial.py) before a real run
    paths: tuple[str, ...] = ()  # migrate PATH: the part of the project migrated (absolute); empty: all of it
    argv: list[str] | None = None  # the command as typed (printed to resume)
    after_step: Callable[[str], None] | None = None  # tests inject faults between steps


@dataclass
class Outcome:
    rc: int = 0
    pending: dict[str, list[str]] = field(default_factory=dict)
    by_hand: int = 0
    lifecycle_left: int = 0  # things the lifecycle step left to do (a rotation not verified ...)


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
    from .values import ValueSources, load_values_file, process_environment

    file_values = load_values_file(args.values_file) if args.values_file else {}
    return ValueSources(env=process_environment(dict(os.environ)), file=file_values,
                        prompt=None if args.yes else prompt)


def aws_session(args: ApplyArgs, plan_region: str | None, endpoint: str | None, report: Callable[[str], None]):
    """The session every AWS call of a run goes through (``endpoint``: the embedded emulator's)."""
    from ..aws.session import session_from_options

    return session_from_options(args.region, args.profile, args.endpoint_url, args.max_attempts, report,
                                endpoint if args.local else None, plan_region, args.retry_delay)


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
    """``iam-policy.json`` covering every secret the ledger holds (what the code reads after the run), their
    replicas, and their keys (as the ARNs the lifecycle step resolved)."""
    from ..planner.policy import iam_policy

    secrets = ledger.secrets
    if not secrets:
        return None
    arns = {n: e["arn"] for n, e in secrets.items() if e.get("arn")}
    kms: set[str] = set()
    replicas: dict[str, list[str]] = {}
    for n, e in secrets.items():
        lc = e.get("lifecycle", {})
        key = (lc.get("kms") or {}).get("arn") or e.get("kms_key_id")
        if key:
            kms.add(key)
        if lc.get("replicas"):
            replicas[n] = sorted(lc["replicas"])
            kms |= {a for a in lc["replicas"].values() if a}
    policy = iam_policy(sorted(secrets), sorted(kms), region, None, arns, replicas)
    from .rewrite import role_statements

    policy["Statement"] += role_statements(ledger, region)  # the ECS task execution role, every ECS file
    path = state_dir(root) / "iam-policy.json"
    if not dry_run:
        write_if_changed(path, json.dumps(policy, indent=2) + "\n")
    return path


def write_admin_policy(root: Path, plan: Any, ledger: Ledger) -> Path | None:
    """``admin-policy.json``: what the person running the migration needs for this plan (and the secrets
    earlier runs migrated, which it checks again), no more."""
    from ..planner.lifecycle import admin_policy_for

    policy = admin_policy_for(plan, {n: e.get("kms_key_id") for n, e in ledger.secrets.items()})
    if not policy:
        return None
    path = state_dir(root) / "admin-policy.json"
    write_if_changed(path, json.dumps(policy, indent=2) + "\n")
    return path


def run_apply(plan_path: Path, root: Path, stages: tuple[str, ...], args: ApplyArgs,
              prompt: Callable[[str, str], str | None] | None, sources=None) -> int:
    """Apply ``stages`` of the plan at ``plan_path``; returns the exit code."""
    _WARNED.clear()
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

    from . import trial

    plan, data = load_plan(plan_path)
    out = Outcome()
    ledger = Ledger.load(root, dry_run=args.dry_run)
    trial.check(root, ledger, args, say)  # a --local trial's secrets do not exist here: stop before any AWS call
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
    py_files = sorted({r.location.file for s in plan.secrets for r in s.rewrites if r.action == "codemod"})
    python = deploy.check_target(root, args.target_python, py_files) if has_python and "rewrite" in stages else None
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
        if "lifecycle" in stages:
            _say_lifecycle_todo(plan, ledger, progress, args.local, assume=[s for s in plan.secrets
                                                                             if s.id not in out.pending])
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
    session = aws_session(args, plan.region, endpoint, lambda m: (ticker.clear(), warn(m)))
    gw = None
    needs_aws = ("create" in stages and any(
        not progress.verified(s.id) and s.id in (resolved.strings if resolved else {}) for s in plan.secrets)) \
        or ("verify" in stages and any(progress.verified(s.id) for s in plan.secrets))
    if needs_aws:
        gw = session.gateway()
    strings = resolved.strings if resolved else {}
    endpoint_kind = "local" if args.local else "aws"

    def recorded(s: Any, value: str, arn: str | None) -> None:
        variables = {v.variable: v.key for v in s.values if v.variable}
        variables.update({r.env_var: r.json_key for r in s.rewrites if r.env_var})
        ledger.record_secret(s.name, sid=s.id, arn=arn, secret_string=value, plain=s.plain, variables=variables,
                             rotation=s.rotation, kms_key_id=s.kms_key_id, endpoint=endpoint_kind)
        created_with_tags(plan, ledger, s, progress.secret(s.id).get("action", ""), args.local)

    stage = "create"
    try:
        if "create" in stages:
            if gw is not None:
                create_stage(plan, gw, progress, strings, args.update_existing, report, ticker("create"), after,
                             recorded, recreate_existing=args.local)
            write_policy(root, ledger, session.region)
            progress.set_stage("create", "done")
            after("stage:create")
        if "lifecycle" in stages:
            stage = "lifecycle"
            work = lifecycle_todo(plan, ledger, progress, args.local)
            if not work.empty:
                res = lifecycle_step(plan, root, ledger, progress, work, session, args.local, args.rotation_wait,
                                     report, after)
                out.lifecycle_left += len(res.left) + len(res.failed)
                write_policy(root, ledger, session.region)
            after("stage:lifecycle")
        if "rewrite" in stages:
            stage = "rewrite"
            summary = rewrite_stage(plan, root, fresh, progress, ledger, report, args.accessor_module,
                                    ticker("rewrite"), after, args.drop_aws_keys, trial=args.local)
            out.by_hand += len(summary.skipped) + summary.patches
            for line in display_lines(plan, summary.patched):
                report(f"display-only: {line}")
                out.by_hand += 1
            _deploy_steps(root, plan, ledger, progress, report, args, DEFAULT_ACCESSOR)
            write_policy(root, ledger, session.region)  # statements the rewrites need
            if of_plan(plan)[0].parameters:
                out.lifecycle_left += _parameters_step(plan, root, ledger, progress, session, args,
                                                       _config_reads(root, settings, args.paths), report)
            progress.set_stage("rewrite", "done")
            after("stage:rewrite")
        if "verify" in stages:
            stage = "verify"
            values, gone = [], []
            for s in plan.secrets:
                if s.id in strings:
                    values.extend(leaf_values(s, strings[s.id]))
                elif progress.verified(s.id) and gw is not None:
                    try:
                        values.extend(leaf_values(s, gw.read(s.name) or ""))
                    except AwsActionError:
                        if not args.local:
                            raise
                        gone.append(s.name)  # created in an earlier run's emulator, gone with it
            res = verify_stage(plan, root, progress, lambda: scan(opts, ruleset, warn), values, python,
                               progress.data.get("parameter_files", []))
            ticker.clear()
            # every check passed, but a planned file was not rewritten (by hand, skipped): not "passed"
            status = ("passed" if not res.unhandled else "incomplete") if res.ok and not gone else "failed"
            progress.set_stage("verify", status, **res.to_dict())
            say(f"verify {status}: {len(res.leftover)} planned finding(s) left, {len(res.not_compiling)} file(s) "
                f"not compiling, migrated values found in {len(res.value_hits)} of {res.searched_files} file(s); "
                f"{len(res.handled)} of {len(res.handled) + len(res.unhandled)} planned file(s) handled")
            for x in res.leftover + res.not_compiling:
                say(f"  {x}")
            for x in res.value_hits:
                say(f"  {x}" + (" (its values are listed with an exact patch above)" if x in res.patched else ""))
            for x in res.unhandled:
                say(f"  not handled: {x}")
            if res.stale_caches:
                # the __pycache__ folder holding a cache, or the stray .pyc itself (never a source folder)
                dirs = sorted({x[:x.index("__pycache__/") + len("__pycache__")] if "__pycache__/" in x else x
                               for x in res.stale_caches})
                say(f"  {len(res.stale_caches)} stale bytecode cache(s) still hold a migrated value, compiled before "
                    f"the rewrite ({', '.join(res.stale_caches[:3])}{' ...' if len(res.stale_caches) > 3 else ''}): "
                    f"not counted; Python recompiles them at the next import, deleting them clears them now "
                    f"(rm -r {' '.join(dirs[:3])}{' ...' if len(dirs) > 3 else ''})")
            if gone:
                say(f"  {len(gone)} secret(s) were created by the interrupted run's --local emulator, gone with it: "
                    f"their values could not be read back to search for ({', '.join(gone[:3])}"
                    f"{' ...' if len(gone) > 3 else ''})")
            if res.weak_values:
                say(f"  {res.weak_values} migrated value(s) are short plain words: left over only where the re-scan "
                    f"still finds them as credentials in the files they were found in (elsewhere they are ordinary words)")
            out.rc = 0 if res.ok and not gone and not res.unhandled else 1
            after("stage:verify")
    except KeyboardInterrupt:
        ticker.clear()
        raise Interrupted(f"interrupted during the {stage} stage; finished steps are saved in .secretshift/; "
                          f"resume with: {resume_command(args.argv, 'the same command')}") from None
    except AwsActionError as e:  # the network, throttling, a conflict: every finished step is saved
        ticker.clear()
        raise _with_resume(e, args) from None
    finally:
        ticker.clear()
    if out.pending or out.by_hand or out.lifecycle_left:
        out.rc = max(out.rc, 1)
    return out


def _with_resume(e: AwsActionError, args: ApplyArgs) -> AwsActionError:
    """``e`` naming the command that resumes the run (when the command line is known)."""
    if not args.argv or "resume with" in str(e):
        return e
    try:
        new = type(e)(f"{e}; finished steps are saved, resume with: {resume_command(args.argv, '')}")
    except TypeError:
        return e
    new.__dict__.update(e.__dict__)
    return new


def _say_lifecycle_todo(plan: Any, ledger: Ledger, progress: Progress, local: bool, assume: list[Any] = ()) -> None:
    """--dry-run: what the lifecycle step would do (``assume``: secrets taken as created by then)."""
    view = Progress(progress.path, "", {**progress.data, "secrets": {
        **progress.data["secrets"], **{s.id: {"status": "verified"} for s in assume}}}, dry_run=True)
    work = lifecycle_todo(plan, ledger, view, local)
    for t in work.targets:
        say(f"would then set {lifecycle_line(t)}")
    if work.alarm_topic:
        say(f"would then set the rotation failure alarm -> {work.alarm_topic}")


def in_scope(root: Path, rel: str, paths: tuple[str, ...]) -> bool:
    """``rel`` (relative to ``root``) is inside one of ``paths`` (absolute; none: the whole project)."""
    if not paths:
        return True
    p = (root / rel).resolve()
    return any(p == Path(x) or Path(x) in p.parents for x in paths)


def _config_reads(root: Path, settings: Any, paths: tuple[str, ...] = ()) -> tuple[list[str], list[Any]]:
    """(the project's files, its non-secret configuration reads) for ``--parameters`` (under ``paths``)."""
    from ..planner.parameters import config_reads
    from .verify import tree_files

    files = [f for f in tree_files(root, state=False) if in_scope(root, f, paths)]
    return files, config_reads(root, files, tuple(settings.secret_env_names or ()),
                               tuple(settings.non_secret_env_names or ()))


def _parameters_step(plan: Any, root: Path, ledger: Ledger, progress: Progress, session: Any, args: ApplyArgs,
                     reads: tuple[list[str], list[Any]], report: Callable[[str], None]) -> int:
    """``--parameters``: non-secret configuration reads to SSM Parameter Store; returns how many things are
    left to do (variables without a value, refused rewrites, failures)."""
    from ..aws.parameters import parameters_stage
    from ..planner.parameters import dotenv_values, parameter_name
    from .rewrite import DEFAULT_ACCESSOR, ensure_accessor

    files, found = reads
    if not found:
        return 0
    if plan.accessor != DEFAULT_ACCESSOR:
        report("parameters: skipped, only the accessor secretshift writes has get_parameter()")
        return 1
    values = {**{k: v for k, v in os.environ.items() if v}, **dotenv_values(root, files)}
    res = parameters_stage(session, root, plan.prefix, found, values,
                           lambda f: ensure_accessor(root, f, plan, progress, ledger, args.accessor_module),
                           args.update_existing, report)
    for variable in sorted(res.stored):
        ledger.record_parameter(parameter_name(plan.prefix, variable), variable)
    for f in sorted(res.rewritten):
        ledger.record_file(f, [])
    progress.data["parameter_files"] = sorted(set(progress.data.get("parameter_files", [])) | set(res.rewritten))
    progress.set_stage("parameters", "done" if res.ok else "left", missing=res.missing, problems=res.problems)
    return len(res.missing) + len(res.problems)


def _deploy_steps(root: Path, plan: Any, ledger: Ledger, progress: Progress, report: Callable[[str], None],
                  args: ApplyArgs, default_accessor: str) -> None:
    """boto3 in the declared dependencies and the lock files to refresh for it; Dockerfiles that would
    leave the accessor or boto3 out, or import the rewritten code while the image is built."""
    from . import deploy, images
    from ..planner.build import is_python

    python_files = sorted(f for f in ledger.data["files"] if is_python(f) and f not in ledger.data["accessors"])
    added: list[str] = []
    requirement = {default_accessor: "boto3", "aws_secretsmanager_caching": "aws-secretsmanager-caching"}.get(
        plan.accessor)
    if python_files and requirement:
        dep = deploy.declare_dependency(root, requirement, files=python_files)
        for f in dep.added:
            ledger.record_dependency(f, requirement)
        added = dep.added
        if dep.added:
            report(f"dependencies: added {requirement} to {', '.join(dep.added)} (the rewritten code imports it)")
        for n in dep.notes:
            report(f"dependencies: {n}")
    for line in deploy.stale_locks(root, ledger.data["dependencies"], added):
        report(f"dependencies: {line}")
    if not python_files:
        return
    if requirement:
        for w in deploy.dockerfile_install_warnings(root, requirement, python_files):
            warn(f"warning: {w}")
    if plan.accessor == default_accessor:
        importers: dict[str, list[str]] = {}
        for f in python_files:
            importers.setdefault(deploy.accessor_for(root, f, args.accessor_module).path, []).append(f)
        for w in deploy.dockerfile_warnings(root, importers):
            warn(f"warning: {w}")
    names = _accessor_names(plan.accessor, default_accessor)
    importing = [f for f in python_files if images.reads_at_import(deploy._read(root / f), names)]
    for w in images.build_import_warnings(root, importing):
        warn(f"warning: {w}")


def _accessor_names(accessor: str, default_accessor: str) -> set[str]:
    """The names rewritten code calls to read a secret (or a parameter) with ``accessor``."""
    from secretshift.codemods.accessor import CACHE_NAME, CACHING

    if accessor == default_accessor:
        return {"get_secret", "has_secret", "get_parameter"}
    if accessor == CACHING:
        return {CACHE_NAME}
    return {accessor.partition(":")[2] or "get_secret"}


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

    from . import trial

    _WARNED.clear()
    ledger = Ledger.load(root, dry_run=args.dry_run)
    # before anything else: a --local trial's secrets exist in no real endpoint (stop, or --undo-local)
    undone = trial.check(root, ledger, args, say, args.undo_local)
    if args.local and args.undo_local:  # the undo alone, offline: a new trial is `migrate --local` again
        say("dry run: nothing was changed" if args.dry_run else
            "--undo-local --local: the trial is undone; nothing else was run" if undone else
            "--undo-local --local: nothing else was run")
        return 0
    if undone:
        if args.dry_run:
            say("dry run: nothing was changed")
            return 0
        ledger = Ledger.load(root)
    sources = value_sources(args, prompt)
    pargs.include_tests = args.include_tests
    plan, findings, (settings, opts, ruleset) = make_plan(root, pargs, ledger, sources, config, warn)
    out = state_dir(root) / PLAN_FILE
    outcome = Outcome()
    work = actionable(plan)
    if work and any(r.action == "codemod" for s in plan.secrets for r in s.rewrites):
        deploy.check_target(root, args.target_python,
                            sorted({r.location.file for s in plan.secrets for r in s.rewrites if r.action == "codemod"}))
    if not plan.secrets and plan_pending_of(plan):
        say("nothing to create yet: the environment reads below have no value to move")
    elif not plan.secrets:
        say("nothing to migrate: no hardcoded credential or secret environment read left to move")
    elif not work:
        say("nothing left to create or rewrite; an earlier run created every secret below:")
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
        write_admin_policy(root, plan, ledger)
        outcome, plan = _apply_taking_free_names(root, pargs, args, prompt, sources, config, plan, out)
    else:
        outcome = _resume_saved(root, args, prompt, sources) or outcome
        for line in display_lines(plan):
            say(f"display-only: {line}")
            outcome.by_hand += 1
        outcome.lifecycle_left += _settings_only(root, plan, args, findings, settings)
        if not args.dry_run:
            write_policy(root, Ledger.load(root), args.region or os.environ.get("AWS_REGION") or plan.region)
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
    if plan_pending or outcome.pending or outcome.by_hand or outcome.lifecycle_left:
        rc = max(rc, 1)
    return rc


def _apply_taking_free_names(root: Path, pargs: Any, args: ApplyArgs, prompt, sources, config: Path | None,
                             plan: Any, out: Path) -> tuple[Outcome, Any]:
    """``apply_plan``; a name this plan meant to create that Secrets Manager already holds with another
    value, for a secret no run of this repository created (another application's
    ``production/db/postgresql`` in the same account), is taken: the plan is made again, that value gets
    the next free name, and the run goes on (secrets created meanwhile are in the ledger: checked, not
    created again). ``--update-existing`` keeps the old behaviour: the new value is stored there.
    Returns the outcome and the plan applied."""
    from ..aws.executor import SecretConflictError
    from .planning import make_plan

    foreign: set[str] = set()
    while True:
        try:
            return apply_plan(out, root, STAGES, args, prompt, sources), plan
        except SecretConflictError as e:
            name = e.foreign
            if args.update_existing or name is None or name in foreign or len(foreign) >= 50 \
                    or name in Ledger.load(root).secrets:
                raise
            foreign.add(name)
            old = next(s for s in plan.secrets if s.name == name)
            plan, _, _ = make_plan(root, pargs, Ledger.load(root), sources, config, warn, taken=frozenset(foreign))
            where = {(r.location.file, r.location.line) for r in old.rewrites}
            new = next((s.name for s in plan.secrets if not s.existing
                        and where & {(r.location.file, r.location.line) for r in s.rewrites}), None)
            warn(f"warning: {name} already exists in Secrets Manager with another value, and no run of this "
                 f"repository created it: its value is planned as {new or 'the next free name'}")
            write_if_changed(out, plan_yaml(plan))


def _settings_only(root: Path, plan: Any, args: ApplyArgs, findings: list[Any], settings: Any) -> int:
    """Nothing to create or rewrite: what the plan-wide settings still ask for, alone: the lifecycle step
    for the secrets earlier runs migrated (``--rotate`` on a migrated tree) and ``--parameters`` for the
    configuration reads left. No AWS call when the ledger shows it all done and no read is left.
    Returns how many things are left to do."""
    ledger = Ledger.load(root, dry_run=args.dry_run)
    progress = Progress(state_dir(root) / PROGRESS_FILE, "", dry_run=True)
    if args.dry_run:
        _say_lifecycle_todo(plan, ledger, progress, args.local)
        return 0
    work = lifecycle_todo(plan, ledger, progress, args.local)
    reads = _config_reads(root, settings, args.paths) if of_plan(plan)[0].parameters else None
    if work.empty and not (reads and reads[1]):
        return 0
    check_dirty(root, ledger, findings, args.allow_dirty)
    write_admin_policy(root, plan, ledger)
    left = 0
    try:
        if args.local:
            from ..aws.local import LocalEmulator

            with LocalEmulator() as url:
                say(f"using the embedded emulator at {url} (what it stores vanishes when this run ends)")
                session = aws_session(args, plan.region, url, warn)
                left += _parameters_step(plan, root, ledger, progress, session, args, reads, say)
            return left
        session = aws_session(args, plan.region, None, warn)
        if not work.empty:
            res = lifecycle_step(plan, root, ledger, progress, work, session, args.local, args.rotation_wait, say,
                                 args.after_step or (lambda step: None))
            left += len(res.left) + len(res.failed)
        if reads and reads[1]:
            left += _parameters_step(plan, root, ledger, progress, session, args, reads, say)
    except KeyboardInterrupt:
        raise Interrupted(f"interrupted; finished steps are saved in .secretshift/; resume with: "
                          f"{resume_command(args.argv, 'the same command')}") from None
    except AwsActionError as e:
        raise _with_resume(e, args) from None
    return left


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
    if not progress.resumed or progress.stage("verify") in ("passed", "incomplete", "failed"):
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
