"""``secretshift baseline create|update``: record today's findings so the gate fails only on new ones."""
from __future__ import annotations

from pathlib import Path

import click

from ..base.errors import BaselineError


def _scan(paths, config, exclude, all_files, history, since, root):
    from secretshift.scanner.ruleset import load_ruleset

    from ..settings import load_settings
    from ..gate import build_options
    from .scan_run import common_root

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


DS_DEFAULT_NAME = ".secrets.baseline"


def _target(root: Path, settings, file: Path | None, fmt: str = "secretshift") -> Path:
    if file is not None:
        return file
    from ..baseline import DEFAULT_NAME

    if fmt == "detect-secrets":
        return root / DS_DEFAULT_NAME
    return root / (settings.baseline or DEFAULT_NAME)


def _write_detect_secrets(root: Path, target: Path, findings, labels) -> tuple[int, str, bool]:
    """Write a detect-secrets baseline; (results written, a note for the summary, changed)."""
    from .. import detect_secrets_adapter as ds
    from ..base.fileio import atomic_write_text

    doc, left_out, unfound = ds.build_baseline(findings, root, labels)
    n = sum(map(len, doc["results"].values()))
    note = ""
    if unfound:
        note += (f"; {unfound} of them no detect-secrets plugin re-finds on its line (`detect-secrets audit` "
                 "will report them as not found: review those with `secretshift scan`)")
    if left_out:
        note += f"; {left_out} environment read(s) left out (no value for detect-secrets to hold)"
    text = ds.dumps(doc)
    try:
        if target.read_text(encoding="utf-8") == text:
            return n, note, False
    except (OSError, UnicodeDecodeError):
        pass
    atomic_write_text(target, text)
    return n, note, True


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
              help="Carry over the audit labels of this detect-secrets .secrets.baseline (real or false positive).")
@click.option("--format", "fmt", type=click.Choice(["secretshift", "detect-secrets"]), default="secretshift",
              show_default=True,
              help="detect-secrets: write a .secrets.baseline that `detect-secrets audit` accepts.")
def create(paths, file, config, root, exclude, all_files, history, since, force, from_ds, fmt) -> int:
    """Scan PATHS and write a new baseline of everything found."""
    from .. import baseline as bl

    if since and not history:
        raise click.UsageError("--since goes with --history")
    root, settings, result = _scan(paths, config, exclude, all_files, history, since, root)
    target = _target(root, settings, file, fmt)
    if target.exists() and not force:
        raise BaselineError(f"{target}: already exists; use `secretshift baseline update` to keep its "
                            "review marks, or --force to replace it")
    previous = None
    if from_ds is not None:
        previous = bl.load(from_ds)
        if previous.format != "detect-secrets":
            raise BaselineError(f"{from_ds}: not a detect-secrets baseline")
    if fmt == "detect-secrets":
        n, note, _ = _write_detect_secrets(root, target, result.findings, previous.ds_labels if previous else None)
        click.echo(f"secretshift: wrote {target} (detect-secrets format) with {n} finding(s){note}", err=True)
        return 0
    entries, _ = bl.build(result.findings, previous)
    bl.write(target, entries)
    reviewed = sum(1 for e in entries if e.get("reviewed"))
    extra = f" ({reviewed} marked reviewed from {from_ds})" if from_ds else ""
    click.echo(f"secretshift: wrote {target} with {len(entries)} finding(s){extra}", err=True)
    return 0


@baseline_cmd.command("update")
@_common
def update(paths, file, config, root, exclude, all_files, history, since) -> int:
    """Rescan: add new findings, drop fixed ones, keep people's reviewed/false_positive marks
    (a detect-secrets baseline stays one, keeping its audit labels)."""
    from .. import baseline as bl

    if since and not history:
        raise click.UsageError("--since goes with --history")
    root, settings, result = _scan(paths, config, exclude, all_files, history, since, root)
    target = _target(root, settings, file)
    previous = bl.load(target)
    if previous.format == "detect-secrets":  # rescan into the same format, keeping the audit labels
        n, note, changed = _write_detect_secrets(root, target, result.findings, previous.ds_labels)
        click.echo(f"secretshift: {target}: {n} finding(s), detect-secrets format"
                   f"{'' if changed else ' (unchanged)'}{note}", err=True)
        return 0
    entries, stats = bl.build(result.findings, previous)
    changed = bl.write(target, entries)
    click.echo(f"secretshift: {target}: {stats['added']} added, {stats['removed']} removed, "
               f"{stats['kept']} kept{'' if changed else ' (unchanged)'}", err=True)
    return 0


cmd = baseline_cmd
