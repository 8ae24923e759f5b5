"""``secretshift rewrite``: run the codemods on a path without the planner.

Scans PATHS, names one secret per finding (``{prefix}/{category}/{service-or-symbol}``, JSON key
= the finding's field), and shows the rewrite as masked diffs: Python through the libcst codemods,
JavaScript/TypeScript and deployment files (ECS, CloudFormation, Terraform, Kubernetes, compose,
Dockerfile, GitHub Actions, serverless.yml, shell) through ``secretshift.codemods.deploy``, with
their display-only patches. It writes code only with ``--write --assume-created``: rewritten code
must never point at a secret that does not exist (``secretshift migrate`` creates the secrets and
rewrites in one go). A file whose rewrite needs a secret's ARN (ECS ``valueFrom``, a Lambda's
``*_SECRET_ARN``) is written only with ``--region`` and ``--account-id`` (the ARN then lacks Secrets
Manager's six-character suffix, a partial ARN; ``migrate`` writes the full one).
Exit codes: 0 nothing to change (or written), 1 changes pending, 2 usage or I/O error.
"""
from __future__ import annotations

import os
import re
import sys
from collections import defaultdict
from pathlib import Path

import click

_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-") or "secret"


def secret_names(findings, prefix: str) -> dict:
    """fingerprint -> (secret_id, json_key), one JSON key per distinct value within a secret."""
    out: dict = {}
    seen: dict = {}  # (secret_id, key) -> identity of the value
    for f in findings:
        base = _slug(f.service or f.symbol or f.rule_id)
        sid = f"{prefix.rstrip('/')}/{_slug(f.category or 'generic')}/{base}"
        key = (f.field or (f.symbol or "value")).lower()
        ident = f.value.reveal() if f.value is not None else f"$env:{f.symbol}"
        n, k = 1, key
        while seen.get((sid, k), ident) != ident:
            n += 1
            k = f"{key}_{n}"
        seen[(sid, k)] = ident
        out[f.fingerprint] = (sid, k)
    return out


def targets_for(findings, names: dict, drop_aws_keys: bool = False):
    from secretshift.codemods.runner import RewriteTarget
    from secretshift.scanner.models import value_hash

    out = []
    for f in findings:
        sid, key = names[f.fingerprint]
        if f.kind == "env":
            if not f.symbol:
                continue
            out.append(RewriteTarget(f.line, f.column, f.end_line, f.end_column, "env", sid, key,
                                     env_var=f.symbol, rule_id=f.rule_id, fingerprint=f.fingerprint,
                                     drop_aws_keys=drop_aws_keys))
        elif f.value is not None:
            out.append(RewriteTarget(f.line, f.column, f.end_line, f.end_column, "hardcoded", sid, key,
                                     value_sha256=value_hash(f.value.reveal()), rule_id=f.rule_id,
                                     fingerprint=f.fingerprint, drop_aws_keys=drop_aws_keys))
    return out


@click.command("rewrite")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--prefix", default=None, help="Secret name prefix [default: the config's prefix, 'production'].")
@click.option("--accessor", default=None,
              help="pkg.mod:function to call, or aws_secretsmanager_caching [default: write secretshift_secrets.py].")
@click.option("--accessor-module", default="secretshift_secrets", show_default=True,
              help="Module secretshift writes (default accessor only), relative to the project root.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply unsafe fixes (default arguments, getenv fallbacks).")
@click.option("--drop-aws-keys", is_flag=True,
              help="Remove static AWS keys from boto3 calls (the default credential chain, e.g. an IAM role, "
                   "takes over: the identity changes; unsafe) instead of reading them from Secrets Manager.")
@click.option("--diff", "show_diff", is_flag=True, help="Print unified diffs (values masked); write nothing.")
@click.option("--write", is_flag=True, help="Write the files (needs --assume-created).")
@click.option("--assume-created", is_flag=True, help="The secrets already exist in Secrets Manager under these names.")
@click.option("--region", default=None, help="Region of the secrets' ARNs [default: $AWS_REGION].")
@click.option("--account-id", default=None, help="AWS account id of the secrets' ARNs (ECS, Lambda variables).")
@click.option("--js-await-only", is_flag=True,
              help="JavaScript: a display-only patch where await is not valid, instead of getSecretSync.")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None)
def rewrite_cmd(paths, prefix, accessor, accessor_module, unsafe_fixes, drop_aws_keys, show_diff, write, assume_created,
                region, account_id, js_await_only, config) -> int:
    """Rewrite code and deployment files under PATHS to read their secrets from AWS Secrets Manager."""
    from secretshift.codemods.accessor import Accessor, write_accessor_module
    from secretshift.codemods.runner import rewrite_file
    from secretshift.scanner.ruleset import load_ruleset
    from secretshift.scanner.scan import scan_paths

    from ..settings import load_settings
    from ..gate import build_options
    from .scan_run import common_root

    root = common_root(paths).resolve()
    settings = load_settings(root, config)
    acc = Accessor.parse(accessor or settings.accessor or None, accessor_module)
    opts = build_options(root, paths, settings, False, None, (), 1)
    result = scan_paths(opts, load_ruleset(opts.extra_rule_files, opts.disabled_rules))
    own = acc.module.replace(".", "/") + ".py" if acc.kind == "module" else None
    py = [f for f in result.findings if f.file.endswith((".py", ".pyw")) and f.file != own]
    deployable = _deployable(root, [f for f in result.findings if not f.file.endswith((".py", ".pyw"))])
    other = len(result.findings) - len(py) - sum(len(fs) for fs in deployable.values())
    names = secret_names(py + [f for fs in deployable.values() for f in fs], prefix or settings.prefix)
    do_write = write and assume_created and not show_diff
    if write and not assume_created:
        click.echo("secretshift: not writing: rewritten code would read secrets that may not exist yet. "
                   "Run `secretshift migrate` (creates them, then rewrites), or pass --assume-created "
                   "if they already exist under the names below.", err=True)
    by_file = defaultdict(list)
    for f in py:
        by_file[f.file].extend(targets_for([f], names, drop_aws_keys))
    applied = changed_files = unsafe_left = 0
    for rel, targets in sorted(by_file.items()):
        res = rewrite_file(root / rel, targets, acc, unsafe=unsafe_fixes, write=do_write, display_path=rel)
        for w in res.warnings:
            click.echo(f"secretshift: {w}", err=True)
        unsafe_left += sum(1 for t, why in res.skipped if "unsafe fix not applied" in why)
        for t, why in res.skipped:
            if "unsafe fix not applied" not in why:
                click.echo(f"secretshift: {rel}: {why}", err=True)
        if res.changed:
            changed_files += 1
            applied += len(res.applied)
            if not do_write:
                sys.stdout.write(res.diff)
    from secretshift.codemods.deploy import Options

    py_applied = applied
    options = Options(region=region or os.environ.get("AWS_REGION") or None, account=account_id,
                      js_sync_fallback=not js_await_only)
    left_by_hand = 0
    for rel, fs in sorted(deployable.items()):
        n, pending, unsafe = _rewrite_deploy(root, rel, fs, names, options, unsafe_fixes, do_write)
        applied, changed_files, unsafe_left = applied + n, changed_files + bool(n), unsafe_left + unsafe
        left_by_hand += pending
        by_file[rel].extend(targets_for(fs, names))
    if applied and not do_write:
        used = sorted({(t.secret_id, t.json_key) for ts in by_file.values() for t in ts})
        click.echo("secrets used: " + ", ".join(f"{s}[{k}]" for s, k in used), err=True)
    if do_write and py_applied and acc.kind == "module":
        p = write_accessor_module(root, acc.module, options.region)
        click.echo(f"accessor module: {p.relative_to(root)}", err=True)
    verb = "rewritten" if do_write else "to rewrite"
    msg = f"{applied} fix(es) {verb} in {changed_files} file(s)"
    if unsafe_left:
        msg += f"; {unsafe_left} unsafe fix(es) not applied (--unsafe-fixes)"
    if other:
        msg += f"; {other} finding(s) in files no rewrite edits (change them by hand, see `secretshift migrate`)"
    if left_by_hand:
        msg += f"; {left_by_hand} display-only patch(es) or file(s) left to change by hand"
    click.echo(msg, err=True)
    return 1 if (applied and not do_write) or left_by_hand else 0


def _deployable(root: Path, findings) -> dict:
    """The findings of JavaScript and deployment files, by file (``secretshift.codemods.deploy.kind_of``)."""
    from secretshift.codemods.deploy import kind_of, project_reader

    read = project_reader(root)
    out: dict = defaultdict(list)
    for f in findings:
        text = read(f.file)
        if text is not None and (f.file in out or kind_of(f.file, text)):
            out[f.file].append(f)
    return out


_PLACEHOLDER_ARN = re.compile(r"arn:aws:secretsmanager:(?:REGION:|[^:\s]*:ACCOUNT:)")


def _rewrite_deploy(root: Path, rel: str, findings, names: dict, options, unsafe_fixes: bool,
                    do_write: bool) -> tuple[int, int, int]:
    """One JavaScript or deployment file: its diff (or the write), its display-only patches. Unsafe
    rewrites only with ``--unsafe-fixes``. Returns (rewrites, patches or unwritten files, unsafe left)."""
    from secretshift.codemods.deploy import rewrite_file, write_files
    from secretshift.codemods.deploy.plan import target_for

    targets = [target_for(f, *names[f.fingerprint]) for f in findings]
    rw = rewrite_file(root, rel, targets, options, write=False)
    unsafe = {o.target.fingerprint for o in rw.applied if o.applicability != "safe"}
    left = len(unsafe) if not unsafe_fixes else 0
    if unsafe and not unsafe_fixes:
        rw = rewrite_file(root, rel, [t for t in targets if t.fingerprint not in unsafe], options, write=False)
    for msg in rw.messages:
        click.echo(f"secretshift: {msg}", err=True)
    for o in rw.skipped:
        click.echo(f"secretshift: {rel}: line {o.line}: {o.note}", err=True)
    for o in rw.patches:
        click.echo(f"secretshift: {rel}:{o.line}: display-only: {o.note}", err=True)
        sys.stdout.write(o.patch)
    if not rw.applied:
        return 0, len(rw.patches), left
    if do_write and _PLACEHOLDER_ARN.search(rw.text):
        click.echo(f"secretshift: {rel}: not written: its rewrite names the secrets' ARNs; pass --region and "
                   f"--account-id (or run `secretshift migrate`, which writes the full ARNs)", err=True)
        sys.stdout.write(rw.diff)
        return 0, len(rw.patches) + 1, left
    if do_write:
        write_files(root, rw)
        for extra in rw.extra_files:
            click.echo(f"wrote {extra} (for {rel})", err=True)
    else:
        sys.stdout.write(rw.diff)
    return len(rw.applied), len(rw.patches), left


cmd = rewrite_cmd
