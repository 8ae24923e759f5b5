"""``secretshift plan``, ``apply``, ``migrate`` and ``checklist``.

plan: scan, build the plan (pure), write ``.secretshift/plan.yaml``; no AWS call.
apply: re-read the values, then the stages create -> rewrite -> verify, saving progress after each step.
migrate: plan, show, confirm, apply all stages, write the rotation checklist.
checklist: the credentials found in git history, riskiest first, with rotation procedures.
Nothing printed or written here ever contains a secret value.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

import click

from ..base.errors import GitError, PlanError, SecretshiftError
from .lifecycle import lifecycle_from, lifecycle_options

STAGES = ("create", "rewrite", "verify")


class Interrupted(SecretshiftError):
    """Ctrl-C during apply: every finished step is saved; the same command resumes."""

    exit_code = 130


def _resumable(fn: Callable[[], int]) -> int:
    try:
        return fn()
    except KeyboardInterrupt:
        raise Interrupted("interrupted; finished steps are saved in .secretshift/progress.json, "
                          "run the same command again to resume") from None


# --- shared helpers -----------------------------------------------------------------------------------

def _say(msg: str = "") -> None:
    click.echo(msg)


def _warn(msg: str) -> None:
    click.echo(f"secretshift: {msg}", err=True)


def _root_for(path: str | None) -> Path:
    from ..settings import find_root

    p = Path(path or ".")
    if not p.exists():
        raise click.UsageError(f"no such path: {path}")
    return find_root(p if p.is_dir() else p.parent)


def _scan_setup(root: Path, config: Path | None = None):
    from secretshift.scanner.ruleset import load_ruleset

    from ..settings import load_settings

    try:
        from ..gate import build_options  # type: ignore[import-not-found]  # where the hook branch moves it
    except ImportError:
        from .scan import build_options

    settings = load_settings(root, config)
    opts = build_options(root, (), settings, False, None, (), 1)
    return settings, opts, load_ruleset(opts.extra_rule_files, opts.disabled_rules)


def _scan(opts, ruleset) -> list[Any]:
    from secretshift.scanner.scan import scan_paths

    return scan_paths(opts, ruleset, warn=_warn).findings


def _rule_routes(ruleset) -> Callable[[Any], str]:
    from ..planner.routes import matcher
    from ..reporters.rotation_routes import load_routes

    return matcher(load_routes()["routes"], {r.id: r.rotation for r in ruleset.rules if r.rotation})


def _write_if_changed(path: Path, text: str) -> bool:
    from ..base.fileio import atomic_write_text

    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except (OSError, UnicodeDecodeError):
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)
    return True


def plan_yaml(plan) -> str:
    import yaml

    head = ("# secretshift migration plan (no secret values: each value is found again at apply time by its\n"
            "# location and fingerprint). You may edit secret names, descriptions, tags and kms_key_id.\n"
            "# Apply with: secretshift apply .secretshift/plan.yaml\n")
    return head + yaml.safe_dump(plan.to_dict(), sort_keys=False, allow_unicode=True, width=110)


def load_plan(path: Path):
    """:raises PlanError: unreadable, not YAML, or not a valid plan (one line)."""
    import yaml

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


def summary_lines(plan) -> list[str]:
    out = [f"{len(plan.secrets)} secret(s) planned (prefix {plan.prefix}):"]
    for s in plan.secrets:
        keys = ", ".join(v.key for v in s.values if v.key) or "plain string"
        acts: dict[str, int] = {}
        for r in s.rewrites:
            acts[r.applicability] = acts.get(r.applicability, 0) + 1
        rw = ", ".join(f"{n} {a}" for a, n in sorted(acts.items()))
        out.append(f"  {s.name}  [{keys}]  rewrites: {rw or 'none'}  rotation: {s.rotation}")
    if plan.cost:
        c = plan.cost
        reps = f" + {c['replicas']} replica(s) x 0.40" if c.get("replicas") else ""
        out.append(f"estimated cost: USD {c['total_usd_per_month']:.2f}/month "
                   f"({c['secrets']} x 0.40{reps} + {c['api_calls_per_month']} calls)")
    if getattr(plan, "lifecycle", None):
        from ..planner.lifecycle import features

        out.append(f"after creation: {', '.join(features(plan)) or 'nothing'} (see 'lifecycle' in the plan)")
    for w in plan.warnings:
        out.append(f"warning: {w}")
    return out


def diff_summary(plan) -> list[str]:
    files: dict[str, list[Any]] = {}
    for s in plan.secrets:
        for r in s.rewrites:
            files.setdefault(r.location.file, []).append(r)
    out = []
    for f in sorted(files):
        rs = files[f]
        lines = ", ".join(str(r.location.line) for r in sorted(rs, key=lambda r: r.location.line))
        kinds = sorted({r.action for r in rs})
        out.append(f"  {f}: {len(rs)} change(s) at line(s) {lines} ({', '.join(kinds)})")
    return out


@dataclass
class PlanArgs:
    prefix: str | None = None
    kms_key_id: str | None = None
    region: str | None = None
    account_id: str | None = None
    accessor: str | None = None
    cache_ttl: int = 300
    processes: int = 1
    lifecycle: Any = None  # planner.lifecycle.Lifecycle from --rotate, --replicate-to ... (issue 16)


def make_plan(root: Path, args: PlanArgs, config: Path | None = None):
    from ..planner.build import PlanOptions, build_plan

    settings, opts, ruleset = _scan_setup(root, config)
    findings = _scan(opts, ruleset)
    accessor = args.accessor or settings.accessor or "secretshift_secrets:get_secret"
    if ":" not in accessor and accessor != "aws_secretsmanager_caching":
        raise click.UsageError("--accessor must look like package.module:function (or aws_secretsmanager_caching)")
    popts = PlanOptions(prefix=(args.prefix or settings.prefix).strip("/"), kms_key_id=args.kms_key_id,
                        region=args.region or os.environ.get("AWS_REGION"), account_id=args.account_id,
                        accessor=accessor, cache_ttl_seconds=args.cache_ttl, processes=args.processes)
    from ..migration.definitions import definitions_for

    plan = build_plan(findings, popts, _rule_routes(ruleset), definitions_for(root, findings))
    if args.lifecycle is not None and not args.lifecycle.empty:
        from ..planner.lifecycle import with_lifecycle

        plan = with_lifecycle(plan, args.lifecycle, args.processes)
    return plan, findings


def parameter_lines(root: Path, prefix: str) -> list[str]:
    """What ``--parameters`` will move: variables and where they are read (never a value)."""
    from ..migration.stages import tree_files
    from ..planner.parameters import config_reads, parameter_name
    from ..settings import load_settings

    settings = load_settings(root, None)
    reads = config_reads(root, [f for f in tree_files(root) if not f.startswith(".secretshift/")],
                         tuple(settings.secret_env_names or ()), tuple(settings.non_secret_env_names or ()))
    by_var: dict[str, list[str]] = {}
    for r in reads:
        by_var.setdefault(r.variable, []).append(f"{r.file}:{r.line}")
    out = [f"{len(by_var)} configuration variable(s) to Parameter Store:"]
    out += [f"  {parameter_name(prefix, v)}  read at {', '.join(w)}" for v, w in sorted(by_var.items())]
    return out


def write_admin_policy(root: Path, plan) -> Path:
    """``.secretshift/admin-policy.json``: what the person running apply needs for this plan, no more."""
    from ..planner.lifecycle import admin_policy_for

    path = root / ".secretshift" / "admin-policy.json"
    _write_if_changed(path, json.dumps(admin_policy_for(plan), indent=2) + "\n")
    return path


def _plan_options(f):
    opts = [
        click.option("--prefix", default=None, help="Secret name prefix [default: production]."),
        click.option("--kms-key-id", default=None, help="Customer managed KMS key for the secrets."),
        click.option("--account-id", default=None, help="AWS account id for the IAM policy ARNs."),
        click.option("--accessor", default=None, help="Accessor the rewritten code calls, pkg.mod:function."),
        click.option("--cache-ttl", type=click.IntRange(min=1), default=300, show_default=True,
                     help="Seconds the accessor caches a secret (cost estimate)."),
        click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True,
                     help="Processes reading the secrets (cost estimate)."),
        click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


# --- plan ---------------------------------------------------------------------------------------------

@click.command("plan")
@click.argument("path", required=False, type=click.Path(path_type=str))
@_plan_options
@lifecycle_options
@click.option("--region", default=None, help="Region for the IAM policy ARNs [default: $AWS_REGION].")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Plan file [default: .secretshift/plan.yaml].")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--emit", type=click.Choice(["cloudformation", "terraform"]), default=None,
              help="Also write the plan as infrastructure as code (secrets without values).")
@click.option("--emit-output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File for --emit [default: .secretshift/secrets.cfn.yaml or .secretshift/secrets.tf].")
def plan_cmd(path, prefix, kms_key_id, account_id, accessor, cache_ttl, processes, config, region, output, fmt,
             emit, emit_output, **kw) -> int:
    """Plan a migration of PATH (default: the current project). Pure: no AWS call."""
    from ..migration.state import PLAN_FILE, state_dir

    root = _root_for(path)
    lifecycle = lifecycle_from(kw)
    plan, _ = make_plan(root, PlanArgs(prefix, kms_key_id, region, account_id, accessor, cache_ttl, processes,
                                       lifecycle), config)
    out = output or state_dir(root) / PLAN_FILE
    _write_if_changed(out, plan_yaml(plan))
    if plan.secrets:
        write_admin_policy(root, plan)
    if emit:
        from ..iac import cloudformation, terraform
        from ..planner.lifecycle import of_plan

        lc, per = of_plan(plan)
        text = cloudformation.render(plan, lc, per) if emit == "cloudformation" else terraform.render(plan, lc, per)
        if emit == "cloudformation" and text.count("\n    Type: AWS::") > cloudformation.MAX_RESOURCES:
            _warn(f"the template has more than {cloudformation.MAX_RESOURCES} resources, CloudFormation's limit per "
                  f"stack: split the plan (--prefix per part) or use --emit terraform")
        dest = emit_output or state_dir(root) / ("secrets.cfn.yaml" if emit == "cloudformation" else "secrets.tf")
        _write_if_changed(dest, text)
        click.echo(f"{emit} written to {_rel(dest, root)} (no values: deploy it, then 'secretshift apply "
                   f"{_rel(out, root)}' puts them)", err=fmt == "json")
    if fmt == "json":
        _say(json.dumps(plan.to_dict(), indent=2, sort_keys=False))
    else:
        for line in summary_lines(plan):
            _say(line)
        if plan.secrets:
            _say("files to change:")
            for line in diff_summary(plan):
                _say(line)
        if plan.lifecycle.get("parameters"):
            for line in parameter_lines(root, plan.prefix):
                _say(line)
        _say(f"plan written to {_rel(out, root)}; edit it if needed, then: secretshift apply {_rel(out, root)}")
    return 0


def _rel(p: Path, root: Path) -> str:
    try:
        return p.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(p)


# --- apply --------------------------------------------------------------------------------------------

def _aws_options(f):
    opts = [
        click.option("--region", default=None, help="AWS region [default: $AWS_REGION]."),
        click.option("--profile", default=None, help="AWS profile [default: $AWS_PROFILE]."),
        click.option("--endpoint-url", default=None,
                     help="Secrets Manager endpoint [default: $AWS_ENDPOINT_URL_SECRETS_MANAGER or $AWS_ENDPOINT_URL]."),
        click.option("--local", is_flag=True, help="Use an embedded Secrets Manager emulator (needs secretshift[local])."),
        click.option("--update-existing", is_flag=True, help="Overwrite an existing secret holding a different value."),
        click.option("--allow-dirty", is_flag=True, help="Run even if the git work tree has uncommitted changes."),
        click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing anywhere."),
        click.option("--yes", "-y", is_flag=True, help="Do not ask: no confirmation, no prompt for missing values."),
        click.option("--progress/--no-progress", "show_progress", default=None,
                     help="Progress on stderr [default: only on a terminal]."),
        click.option("--max-attempts", type=click.IntRange(min=1), default=6, show_default=True,
                     help="Attempts per AWS call on throttling, 5xx or dropped connections."),
        click.option("--retry-delay", type=click.FloatRange(min=0), default=0.5, show_default=True, hidden=True),
        click.option("--rotation-wait", type=click.FloatRange(min=0), default=300, show_default=True,
                     help="Seconds to wait for each secret's first rotation (with --rotate)."),
    ]
    for o in reversed(opts):
        f = o(f)
    return f


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
    rotation_wait: float = 300.0
    after_step: Callable[[str], None] | None = None  # tests inject faults between steps


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


def dirty_files(root: Path, ignore: set[str]) -> list[str] | None:
    """Uncommitted changes outside ``.secretshift/`` and ``ignore``; None when not a git work tree."""
    try:
        r = subprocess.run(["git", "status", "--porcelain", "-z", "--untracked-files=all"], cwd=root,
                           capture_output=True, check=True)
    except FileNotFoundError:
        return None
    except subprocess.CalledProcessError:
        return None
    out = []
    for entry in r.stdout.decode("utf-8", "surrogateescape").split("\0"):
        if len(entry) < 4:
            continue
        p = entry[3:]
        if p.startswith(".secretshift/") or p in ignore or any(p.startswith(i.rstrip("/") + "/") for i in ignore):
            continue
        out.append(p)
    return out


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


def run_apply(plan_path: Path, root: Path, stages: tuple[str, ...], args: ApplyArgs,
              prompt: Callable[[str, str], str | None] | None) -> int:
    """Apply ``stages`` of the plan at ``plan_path``; 0 done, 1 verify found leftovers."""
    if args.local:
        from ..aws.local import LocalEmulator

        with LocalEmulator() as url:
            _say(f"using the embedded Secrets Manager emulator at {url} (secrets vanish when this run ends)")
            return _apply(plan_path, root, stages, args, prompt, url)
    return _apply(plan_path, root, stages, args, prompt, None)


def _apply(plan_path: Path, root: Path, stages: tuple[str, ...], args: ApplyArgs,
           prompt: Callable[[str, str], str | None] | None, endpoint: str | None) -> int:
    from ..aws.executor import create_stage
    from ..migration import stages as st
    from ..migration.state import Progress, plan_digest
    from ..migration.values import check_stale, planned_files, rescan, resolve
    from ..planner.policy import iam_policy

    plan, data = load_plan(plan_path)
    progress = Progress.load(root, plan_digest(data), dry_run=args.dry_run)
    if not plan.secrets:
        _say("nothing to apply: the plan has no secrets")
        return 0
    ignore = set(progress.data["files"]) | ({progress.data["accessor"]} if progress.data.get("accessor") else set()) \
        | set(progress.data.get("parameter_files", []))
    dirty = dirty_files(root, ignore)
    if dirty and not args.allow_dirty and ("create" in stages or "rewrite" in stages):
        raise GitError(f"the git work tree has uncommitted changes ({dirty[0]}"
                       f"{f' and {len(dirty) - 1} more' if len(dirty) > 1 else ''}); commit or stash them, "
                       f"or pass --allow-dirty")
    settings, opts, ruleset = _scan_setup(root)
    fresh = rescan(root, planned_files(plan), ruleset, opts)
    check_stale(plan, fresh, progress)
    env = dict(os.environ)
    from ..migration.definitions import read_definition

    strings = resolve(plan, fresh, progress, env, None if args.yes else prompt,
                      lambda file, var: read_definition(root, file, var)) if "create" in stages else {}
    if progress.resumed:
        _say(f"resuming: {sum(progress.verified(s.id) for s in plan.secrets)} of {len(plan.secrets)} secret(s) "
             f"done, {sum(1 for f in progress.data['files'].values() if f.get('status') == 'done')} file(s) rewritten")
    if args.dry_run:
        for s in plan.secrets:
            state = "already done" if progress.verified(s.id) else "would create or adopt"
            _say(f"{state:22} {s.name}")
        for line in diff_summary(plan):
            _say(f"would rewrite{line}")
        for line in st.display_lines(plan):
            _say(f"display-only: {line}")
        if plan.lifecycle or any(s.lifecycle or s.kms_key_id for s in plan.secrets):
            from ..planner.lifecycle import features

            _say(f"then: {', '.join(features(plan)) or 'nothing'} (the lifecycle step)")
        _say("dry run: nothing was changed")
        return 0
    interactive = args.show_progress if args.show_progress is not None else sys.stderr.isatty()
    ticker = _Ticker(bool(interactive))

    def report(msg: str) -> None:
        ticker.clear()
        _say(msg)

    after = args.after_step or (lambda step: None)
    gw = None
    if "create" in stages or "verify" in stages:
        gw, cfg = _gateway(args, plan.region, endpoint, lambda m: (ticker.clear(), _warn(m)))
    rc = 0
    try:
        if "create" in stages:
            create_stage(plan, gw, progress, strings, args.update_existing, report, ticker("create"), after)
            arns = {progress.secret(s.id).get("name", s.name): progress.secret(s.id).get("arn") for s in plan.secrets
                    if progress.secret(s.id).get("arn")}
            key_arns, lifecycle_ok = _lifecycle_stage(plan, root, progress, args, cfg, report)
            rc = max(rc, 0 if lifecycle_ok else 1)
            policy = iam_policy([s.name for s in plan.secrets],
                                sorted({key_arns.get(s.kms_key_id, s.kms_key_id) for s in plan.secrets if s.kms_key_id}),
                                cfg.region, None, arns)
            _write_if_changed(root / ".secretshift" / "iam-policy.json", json.dumps(policy, indent=2) + "\n")
            progress.set_stage("create", "done")
            after("stage:create")
        if "rewrite" in stages:
            st.rewrite_stage(plan, root, fresh, progress, report, ticker("rewrite"), after)
            for line in st.display_lines(plan):
                report(f"display-only: {line}")
            if plan.lifecycle.get("parameters"):
                rc = max(rc, _parameters_stage(plan, root, progress, args, endpoint, settings, report))
            progress.set_stage("rewrite", "done")
            after("stage:rewrite")
        if "verify" in stages:
            values = []
            for s in plan.secrets:
                if progress.verified(s.id):
                    from ..migration.values import leaf_values

                    values.extend(leaf_values(s, gw.read(s.name) or ""))
            res = st.verify_stage(plan, root, progress, lambda: _scan(opts, ruleset), values)
            ticker.clear()
            status = "passed" if res.ok else "failed"
            progress.set_stage("verify", status, leftover=res.leftover, not_compiling=res.not_compiling,
                               files_with_values=res.value_hits, searched_files=res.searched_files)
            _say(f"verify {status}: {len(res.leftover)} planned finding(s) left, {len(res.not_compiling)} file(s) "
                 f"not compiling, migrated values found in {len(res.value_hits)} of {res.searched_files} file(s)")
            for x in res.leftover + res.not_compiling + res.value_hits:
                _say(f"  {x}")
            rc = max(rc, 0 if res.ok else 1)
    finally:
        ticker.clear()
    return rc


def _parameters_stage(plan, root: Path, progress, args: ApplyArgs, endpoint, settings, report) -> int:
    """``--parameters``: non-secret configuration reads to SSM Parameter Store (issue 16); 1 if work is left."""
    from ..aws.local import LOCAL_CREDENTIALS
    from ..aws.parameters import parameters_stage
    from ..aws.session import AwsSession
    from ..migration.stages import tree_files
    from ..planner.parameters import config_reads, dotenv_values

    if plan.accessor == "aws_secretsmanager_caching":
        report("parameters: skipped, aws_secretsmanager_caching has no Parameter Store reader")
        return 1
    files = [f for f in tree_files(root) if not f.startswith(".secretshift/")]
    reads = config_reads(root, files, tuple(settings.secret_env_names or ()), tuple(settings.non_secret_env_names or ()))
    values = {**{k: v for k, v in os.environ.items() if v}, **dotenv_values(root, files)}
    _, cfg = _gateway(args, plan.region, endpoint, lambda m: _warn(m))
    session = AwsSession(cfg, dict(LOCAL_CREDENTIALS) if args.local else None, args.max_attempts, args.retry_delay,
                         on_retry=lambda m: _warn(m))
    res = parameters_stage(session, root, plan.prefix, reads, values, plan.accessor.split(":", 1)[0],
                           args.update_existing, report)
    progress.data["parameter_files"] = sorted(set(progress.data.get("parameter_files", [])) | set(res.rewritten))
    progress.set_stage("parameters", "done" if res.ok else "left", stored=res.stored, missing=res.missing,
                       problems=res.problems)
    return 0 if res.ok else 1


def _lifecycle_stage(plan, root: Path, progress, args: ApplyArgs, cfg, report) -> tuple[dict[str, str], bool]:
    """Keys, resource policies, replicas, rotation and the alarm for the verified secrets (issue 16).
    Returns the KMS keys resolved to ARNs (for the IAM policy) and whether nothing is left to do."""
    from ..aws.lifecycle import SecretTarget, apply_lifecycle
    from ..aws.local import LOCAL_CREDENTIALS
    from ..aws.session import AwsSession
    from ..planner.lifecycle import of_plan
    from ..reporters.rotation_routes import load_routes

    lc, per = of_plan(plan)
    routes = {r["id"]: r for r in load_routes()["routes"]}
    from ..planner.lifecycle import parse_secret_lifecycle

    def own_lambda(s) -> bool:
        own = parse_secret_lifecycle(s.lifecycle or None).rotate
        return bool(own and own.lambda_arn)

    targets = [SecretTarget(s.name, per[s.id], s.kms_key_id, routes.get(s.rotation), not own_lambda(s))
               for s in plan.secrets if progress.verified(s.id) and (s.kms_key_id or per[s.id].to_dict())]
    if not targets and not lc.alarm_topic:
        return {}, True
    session = AwsSession(cfg, dict(LOCAL_CREDENTIALS) if args.local else None, args.max_attempts, args.retry_delay,
                         on_retry=lambda m: _warn(m))
    res = apply_lifecycle(session, targets, lc, root / ".secretshift" / "rotation", report,
                          wait_seconds=args.rotation_wait, poll_seconds=min(5.0, max(args.rotation_wait / 10, 0.01)))
    progress.set_stage("lifecycle", "done" if res.ok else "left", done=res.done, left=res.left, failed=res.failed,
                       rotation=res.rotation)
    for line in res.left:
        report(f"to do:   {line}")
    return res.key_arns, res.ok


def _prompt(variable: str, secret: str) -> str | None:
    if not sys.stdin.isatty():
        return None
    v = click.prompt(f"value of {variable} (for {secret}; input hidden, empty to skip)", hide_input=True,
                     default="", show_default=False)
    return v or None


def _stages(stage: str) -> tuple[str, ...]:
    return STAGES if stage == "all" else (stage,)


@click.command("apply")
@click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--stage", type=click.Choice(["create", "rewrite", "verify", "all"]), default="all", show_default=True)
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Project root [default: the directory holding .secretshift/].")
@_aws_options
def apply_cmd(plan_file, stage, root, **kw) -> int:
    """Apply PLAN_FILE: create the secrets, rewrite the code, verify. Resumable."""
    if not plan_file.exists():
        raise PlanError(f"{plan_file}: no such plan file (make one with: secretshift plan)")
    if root is None:
        parent = plan_file.resolve().parent
        root = parent.parent if parent.name == ".secretshift" else _root_for(str(parent))
    return _resumable(lambda: run_apply(plan_file, root.resolve(), _stages(stage), ApplyArgs(**kw), _prompt))


# --- checklist ----------------------------------------------------------------------------------------

def write_checklist(root: Path, md_path: Path | None, findings_now: list[Any] | None = None) -> tuple[Path, Path, int]:
    from ..planner.checklist import build_items
    from ..reporters import checklist_json, checklist_md
    from ..reporters.rotation_routes import load_routes

    settings, opts, ruleset = _scan_setup(root)
    findings = _history(root, ruleset, opts)
    if findings is None:
        findings = findings_now if findings_now is not None else _scan(opts, ruleset)
    secret_by_fp: dict[str, str] = {}
    plan_path = root / ".secretshift" / "plan.yaml"
    if plan_path.exists():
        try:
            plan, _ = load_plan(plan_path)
            for s in plan.secrets:
                for v in s.values:
                    for loc in v.locations:
                        secret_by_fp[loc.fingerprint] = s.name
                for r in s.rewrites:
                    secret_by_fp[r.location.fingerprint] = s.name
        except PlanError as e:
            _warn(f"ignoring the plan for secret names: {e}")
    data = load_routes()
    routes = {r["id"]: r for r in data["routes"]}
    items = build_items(findings, _rule_routes(ruleset), routes, secret_by_fp)
    md = md_path or root / ".secretshift" / "ROTATION.md"
    js = root / ".secretshift" / "rotation.json"
    _write_if_changed(md, checklist_md.render(items, data))
    _write_if_changed(js, checklist_json.render(items, data))
    return md, js, len(items)


def _history(root: Path, ruleset, opts) -> list[Any] | None:
    """History findings (values in memory), or None when ``root`` is not a git repository."""
    if subprocess.run(["git", "rev-parse", "--git-dir"], cwd=root, capture_output=True).returncode != 0:
        return None
    if subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=root, capture_output=True).returncode != 0:
        return None
    from secretshift.scanner.history import scan_history

    return scan_history(root, ruleset, opts)


@click.command("checklist")
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option("--checklist", "md_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Markdown file [default: .secretshift/ROTATION.md]; JSON goes to .secretshift/rotation.json.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def checklist_cmd(path, md_path, fmt) -> int:
    """Write the rotation checklist for credentials leaked in git history."""
    root = _root_for(path)
    md, js, n = write_checklist(root, md_path)
    if fmt == "json":
        _say(js.read_text(encoding="utf-8").rstrip("\n"))
    else:
        _say(f"{n} leaked credential(s) to rotate; checklist: {_rel(md, root)} and {_rel(js, root)}")
    return 0


# --- migrate ------------------------------------------------------------------------------------------

@click.command("migrate")
@click.argument("path", required=False, type=click.Path(path_type=str))
@_plan_options
@lifecycle_options
@click.option("--checklist", "md_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Markdown checklist file [default: .secretshift/ROTATION.md].")
@_aws_options
def migrate_cmd(path, prefix, kms_key_id, account_id, accessor, cache_ttl, processes, config, md_path, **kw) -> int:
    """Plan, confirm, create the secrets, rewrite the code, verify, and write the rotation checklist."""
    from ..migration.state import PLAN_FILE, state_dir

    root = _root_for(path)
    lifecycle = lifecycle_from(kw)
    args = ApplyArgs(**kw)
    plan, findings = make_plan(root, PlanArgs(prefix, kms_key_id, args.region, account_id, accessor, cache_ttl,
                                              processes, lifecycle), config)
    out = state_dir(root) / PLAN_FILE
    rc = 0
    if not plan.secrets:
        _say("nothing to migrate: no hardcoded credential or secret environment read found")
    else:
        for line in summary_lines(plan):
            _say(line)
        _say("files to change:")
        for line in diff_summary(plan):
            _say(line)
        if not args.yes and not args.dry_run:
            if not sys.stdin.isatty():
                raise SecretshiftError("confirmation needed: run in a terminal or pass --yes")
            if not click.confirm("apply this plan?", default=False):
                _say("nothing applied")
                return 0
        if not args.dry_run:
            _write_if_changed(out, plan_yaml(plan))
            write_admin_policy(root, plan)
            rc = _resumable(lambda: run_apply(out, root, STAGES, args, _prompt))
        else:
            import tempfile

            with tempfile.TemporaryDirectory() as d:
                tmp = Path(d) / PLAN_FILE
                tmp.write_text(plan_yaml(plan), encoding="utf-8")
                return run_apply(tmp, root, STAGES, args, _prompt)
    md, js, n = write_checklist(root, md_path, findings)
    _say(f"plan:      {_rel(out, root)}" if out.exists() else "plan:      (none)")
    for name, label in (("progress.json", "progress:"), ("iam-policy.json", "policy:  ")):
        if (state_dir(root) / name).exists():
            _say(f"{label}  {_rel(state_dir(root) / name, root)}")
    _say(f"checklist: {_rel(md, root)} ({n} leaked credential(s) to rotate), {_rel(js, root)}")
    return rc
