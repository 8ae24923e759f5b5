"""``secretshift plan``, ``apply``, ``migrate`` and ``checklist``: click wrappers over
``secretshift.migration`` (planning, run, checklist). Nothing printed here ever contains a value."""
from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import click

from ..base.errors import PlanError
from ..migration.planning import PlanArgs
from ..migration.run import STAGES, ApplyArgs, Interrupted, run_apply  # noqa: F401 - tests drive run_apply
from ._options import connection_options, max_attempts_option, stack
from .lifecycle import lifecycle_from, lifecycle_options

__all__ = ["ApplyArgs", "run_apply", "plan_cmd", "apply_cmd", "migrate_cmd", "checklist_cmd"]


def _root_for(path: str | None) -> Path:
    from ..settings import find_root

    p = Path(path or ".")
    if not p.exists():
        raise click.UsageError(f"no such path: {path}")
    return find_root(p if p.is_dir() else p.parent)


def _scope_for(path: str | None, root: Path) -> tuple[str, ...]:
    """What of the project PATH names: () for the whole project (no PATH, or the root itself), else
    PATH (a folder or a file inside it). State stays at the root (``.secretshift/``) either way."""
    if not path:
        return ()
    p = Path(path).resolve()
    return () if p == root.resolve() else (str(p),)


def _argv() -> list[str] | None:
    ctx = click.get_current_context(silent=True)
    obj = ctx.find_root().obj if ctx is not None else None
    return list(obj["argv"]) if isinstance(obj, dict) and obj.get("argv") is not None else None


def _resumable(fn, root: Path | None = None):
    try:
        return fn()
    except KeyboardInterrupt:
        from ..migration.run import resume_command
        from ..migration.state import state_dir

        if root is not None and not state_dir(root).is_dir():
            # stopped while scanning or planning: nothing was created or saved yet
            raise Interrupted("interrupted before anything was created or saved; run the same command again") from None
        raise Interrupted("interrupted; finished steps are saved in .secretshift/, resume with: "
                          + resume_command(_argv(), "the same command")) from None


def _prompt(variable: str, secret: str) -> str | None:
    if not sys.stdin.isatty():
        return None
    v = click.prompt(f"value of {variable} (for {secret}; input hidden, empty to leave it pending)", hide_input=True,
                     default="", show_default=False)
    return v or None


def _confirm():
    if not sys.stdin.isatty():
        return None
    return lambda: click.confirm("apply this plan?", default=False)


_plan_options = stack(
    click.option("--prefix", default=None, help="Secret name prefix [default: production]."),
    click.option("--kms-key-id", default=None, help="Customer managed KMS key for the secrets."),
    click.option("--account-id", default=None, help="AWS account id for the IAM policy ARNs."),
    click.option("--accessor", default=None, help="Accessor the rewritten code calls, pkg.mod:function."),
    click.option("--cache-ttl", type=click.IntRange(min=1), default=300, show_default=True,
                 help="Seconds the accessor caches a secret (cost estimate)."),
    click.option("--processes", type=click.IntRange(min=1), default=1, show_default=True,
                 help="Processes reading the secrets (cost estimate)."),
    click.option("--include-tests", is_flag=True,
                 help="Also migrate credentials in tests and fixtures (reported, not migrated, by default)."),
    click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None),
    click.option("--rds-managed-password", is_flag=True,
                 help="RDS master passwords (CloudFormation, Terraform) become passwords RDS manages."),
    click.option("--js-await-only", is_flag=True,
                 help="JavaScript: a display-only patch where await is not valid, instead of getSecretSync."),
)


_aws_options = stack(
    *connection_options(),
    click.option("--local", is_flag=True, help="Use an embedded Secrets Manager emulator (needs secretshift[local])."),
    click.option("--values", "values_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                 help="Values of environment reads (dotenv syntax); read only, never written back or copied."),
    click.option("--update-existing", is_flag=True, help="Overwrite an existing secret holding a different value."),
    click.option("--allow-dirty", is_flag=True,
                 help="Run even if the git work tree has unrelated uncommitted changes."),
    click.option("--accessor-module", default=None,
                 help="Dotted module the rewritten code imports the accessor from [default: the top of the "
                      "importing package, or beside a script]."),
    click.option("--drop-aws-keys", is_flag=True,
                 help="Remove static AWS keys passed to boto3 (the default credential chain, an IAM role, "
                      "supplies them) instead of reading them from Secrets Manager."),
    click.option("--target-python", default=None,
                 help="Oldest Python the rewritten code must run on [default: what the project declares]."),
    click.option("--dry-run", is_flag=True, help="Show what would happen; change nothing anywhere."),
    click.option("--yes", "-y", is_flag=True, help="Do not ask: no confirmation, no prompt for missing values."),
    click.option("--progress/--no-progress", "show_progress", default=None,
                 help="Progress on stderr [default: only on a terminal]."),
    max_attempts_option(),
    click.option("--retry-delay", type=click.FloatRange(min=0), default=0.5, show_default=True, hidden=True),
    click.option("--rotation-wait", type=click.FloatRange(min=0), default=300, show_default=True,
                 help="Seconds to wait for each secret's first rotation (with --rotate)."),
)


def _apply_args(kw: dict, include_tests: bool = False) -> ApplyArgs:
    return ApplyArgs(**kw, include_tests=include_tests, argv=_argv())


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
def plan_cmd(path, prefix, kms_key_id, account_id, accessor, cache_ttl, processes, include_tests, config,
             rds_managed_password, js_await_only, region, output, fmt, emit, emit_output, **kw) -> int:
    """Plan a migration of PATH (default: the current project; a folder or file inside it narrows the plan
    to that part, the state stays in the project's .secretshift/). Pure: no AWS call."""
    from ..migration.ledger import Ledger
    from ..migration.planning import make_plan
    from ..migration.report import diff_summary, left_lines, summary_lines
    from ..migration.run import plan_yaml, say, warn, write_admin_policy
    from ..migration.state import PLAN_FILE, state_dir
    from ..migration.util import rel, write_if_changed

    root = _root_for(path)
    pargs = PlanArgs(prefix, kms_key_id, region, account_id, accessor, cache_ttl, processes, include_tests,
                     lifecycle=lifecycle_from(kw), rds_managed_password=rds_managed_password,
                     js_await_only=js_await_only, paths=_scope_for(path, root))
    ledger = Ledger.load(root)
    from ..migration.trial import local_secrets

    if local_secrets(ledger):
        warn(f"warning: {len(local_secrets(ledger))} secret(s) of the ledger were created by a --local trial and "
             f"are planned as existing; a run against a real endpoint stops until the trial is undone "
             f"(secretshift migrate --undo-local)")
    plan, _, (settings, _, _) = make_plan(root, pargs, ledger, None, config, warn)
    out = output or state_dir(root) / PLAN_FILE
    write_if_changed(out, plan_yaml(plan))
    write_admin_policy(root, plan, ledger)
    if emit:
        from ..iac import emit as emit_iac

        dest, warning = emit_iac(plan, emit, emit_output or state_dir(root))
        if warning:
            warn(f"warning: {warning}")
        click.echo(f"{emit} written to {rel(dest, root)} (no values: deploy it, then 'secretshift apply "
                   f"{rel(out, root)}' puts them)", err=fmt == "json")
    if fmt == "json":
        say(json.dumps(plan.to_dict(), indent=2, sort_keys=False))
        return 0
    for line in summary_lines(plan):
        say(line)
    if plan.secrets:
        say("files to change:")
        for line in diff_summary(plan):
            say(line)
    for line in left_lines(plan):
        say(line)
    if plan.lifecycle.get("parameters"):
        from ..migration.report import parameter_lines

        for line in parameter_lines(root, plan.prefix, settings):
            say(line)
    say(f"plan written to {rel(out, root)}; edit it if needed, then: secretshift apply {rel(out, root)}")
    return 0


@click.command("apply")
@click.argument("plan_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--stage", type=click.Choice([*STAGES, "all"]), default="all", show_default=True)
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
    stages = STAGES if stage == "all" else (stage,)
    return _resumable(lambda: run_apply(plan_file, root.resolve(), stages, _apply_args(kw), _prompt))


@click.command("checklist")
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option("--checklist", "md_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Markdown file [default: .secretshift/ROTATION.md]; JSON goes to .secretshift/rotation.json.")
@click.option("--rotated", multiple=True, metavar="FINGERPRINT",
              help="Tick a credential as rotated (repeatable); ticking `- [x] rotated` in ROTATION.md works too.")
@click.option("--include-tests", is_flag=True, help="Also list credentials in tests and fixtures.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def checklist_cmd(path, md_path, rotated, include_tests, fmt) -> int:
    """Write the rotation checklist for credentials leaked in git history."""
    from ..migration.run import run_checklist, say, warn
    from ..migration.util import rel

    root = _root_for(path)
    res, unknown = run_checklist(root, md_path, rotated, include_tests)
    for fp in unknown:
        warn(f"{fp} is not in the checklist (see the fingerprints in .secretshift/ROTATION.md)")
    if fmt == "json":
        say(res.json.read_text(encoding="utf-8").rstrip("\n"))
    else:
        say(f"{res.open} leaked credential(s) to rotate" + (f", {res.rotated} rotated" if res.rotated else "")
            + f"; checklist: {rel(res.markdown, root)} and {rel(res.json, root)}")
    return 2 if unknown else 0


@click.command("migrate")
@click.argument("path", required=False, type=click.Path(path_type=str))
@_plan_options
@lifecycle_options
@click.option("--checklist", "md_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Markdown checklist file [default: .secretshift/ROTATION.md].")
@click.option("--undo-local", is_flag=True,
              help="First undo an earlier --local trial: put the files it rewrote back from git HEAD (each must be "
                   "as the trial left it), remove the files it made, forget its secrets; then migrate for real "
                   "(with --local: only undo, offline).")
@_aws_options
def migrate_cmd(path, prefix, kms_key_id, account_id, accessor, cache_ttl, processes, include_tests, config,
                rds_managed_password, js_await_only, md_path, undo_local, **kw) -> int:
    """Plan, confirm, create the secrets, rewrite the code, verify, and write the rotation checklist.

    PATH (default: the current project): a folder or file inside the project migrates that part only."""
    from ..migration.run import run_migrate

    root = _root_for(path)
    lifecycle = lifecycle_from(kw)
    args = replace(_apply_args(kw, include_tests), paths=_scope_for(path, root), undo_local=undo_local)
    pargs = PlanArgs(prefix, kms_key_id, args.region, account_id, accessor, cache_ttl, processes, include_tests,
                     lifecycle=lifecycle, rds_managed_password=rds_managed_password, js_await_only=js_await_only,
                     paths=_scope_for(path, root))
    return _resumable(lambda: run_migrate(root, pargs, args, md_path, config, _prompt, _confirm()), root)
