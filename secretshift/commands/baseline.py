"""``secretshift baseline create|update``: record today's findings so the gate fails only on new ones."""
from __future__ import annotations

from pathlib import Path

import click

from ..base.errors import BaselineError


def _scan(paths, config, exclude, all_files, history, since, root):
    from secretshift.scanner.ruleset import load_ruleset

    from ..settings import load_settings
    from .scan import build_options, common_root

    root = (root or common_root(paths)).resolve()
    settings = load_settings(root, config)
    opts = build_options(root, paths, settings, all_files, None, exclude, 0)
    ruleset = load_ruleset(opts.extra_rule_files, opts.disabled_rules)
    if history:
        from ..history_cli import scan_history_result

        result = scan_history_result(root, ruleset, opts, since)
    else:
        from secretshift.scanner.scan import scan_paths

        result = scan_paths(opts, ruleset)
    return root, settings, result


def _target(root: Path, settings, file: Path | None) -> Path:
    if file is not None:
        return file
    from ..baseline import DEFAULT_NAME

    return root / (settings.baseline or DEFAULT_NAME)


def _common(f):
    f = click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=str))(f)
    f = click.option("--file", "-f", "file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Baseline file [default: .secretshift-baseline.json, or the config's baseline].")(f)
    f = click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Configuration file.")(f)
    f = click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
                     help="Project root (paths in the baseline are relative to it).")(f)
    f = click.option("--exclude", multiple=True, help="Glob of files not to scan (repeatable).")(f)
    f = click.option("--all-files", is_flag=True, help="In a git work tree, scan ignored files too.")(f)
    f = click.option("--history", is_flag=True, help="Baseline the findings of a history scan instead.")(f)
    f = click.option("--since", default=None, help="With --history: only commits after this revision.")(f)
    return f


@click.group("baseline")
def baseline_cmd() -> None:
    """Record accepted findings so that `scan --baseline` fails only on new ones."""


@baseline_cmd.command("create")
@_common
@click.option("--force", is_flag=True, help="Overwrite an existing baseline (its review marks are lost).")
@click.option("--from-detect-secrets", "from_ds", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Mark findings audited in this detect-secrets .secrets.baseline as reviewed.")
def create(paths, file, config, root, exclude, all_files, history, since, force, from_ds) -> int:
    """Scan PATHS and write a new baseline of everything found."""
    from .. import baseline as bl

    if since and not history:
        raise click.UsageError("--since goes with --history")
    root, settings, result = _scan(paths, config, exclude, all_files, history, since, root)
    target = _target(root, settings, file)
    if target.exists() and not force:
        raise BaselineError(f"{target}: already exists; use `secretshift baseline update` to keep its "
                            "review marks, or --force to replace it")
    previous = None
    if from_ds is not None:
        previous = bl.load(from_ds)
        if previous.format != "detect-secrets":
            raise BaselineError(f"{from_ds}: not a detect-secrets baseline")
    entries, _ = bl.build(result.findings, previous)
    bl.write(target, entries)
    reviewed = sum(1 for e in entries if e.get("reviewed"))
    extra = f" ({reviewed} marked reviewed from {from_ds})" if from_ds else ""
    click.echo(f"secretshift: wrote {target} with {len(entries)} finding(s){extra}", err=True)
    return 0


@baseline_cmd.command("update")
@_common
def update(paths, file, config, root, exclude, all_files, history, since) -> int:
    """Rescan: add new findings, drop fixed ones, keep people's reviewed/false_positive marks."""
    from .. import baseline as bl

    if since and not history:
        raise click.UsageError("--since goes with --history")
    root, settings, result = _scan(paths, config, exclude, all_files, history, since, root)
    target = _target(root, settings, file)
    previous = bl.load(target)
    if previous.format != "secretshift":
        raise BaselineError(f"{target}: is a detect-secrets baseline; convert it with "
                            f"`secretshift baseline create --from-detect-secrets {target} -f NEW_FILE`")
    entries, stats = bl.build(result.findings, previous)
    changed = bl.write(target, entries)
    click.echo(f"secretshift: {target}: {stats['added']} added, {stats['removed']} removed, "
               f"{stats['kept']} kept{'' if changed else ' (unchanged)'}", err=True)
    return 0


cmd = baseline_cmd
