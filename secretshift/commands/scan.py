"""``secretshift scan``: the CI gate and the hook's engine. Exit 0 clean, 1 findings, 2 errors.

The options as click sees them (help, usage errors); the scan itself is ``scan_run.run``, which
``secretshift.cli.main`` also calls without click for a command line ``scan_run.parse`` reads."""
from __future__ import annotations

from pathlib import Path

import click

from ..gate import FAIL_ON
from .scan_run import FORMATS, run


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), help="Write the report here instead of stdout.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="What makes the exit code 1 [default: hardcoded, or the config's fail_on].")
@click.option("--all-files", is_flag=True, help="In a git work tree, scan ignored files too.")
@click.option("--max-file-size", type=click.IntRange(min=1), default=None, help="Skip files larger than this many bytes.")
@click.option("--exclude", multiple=True, help="Glob of files not to scan (repeatable).")
@click.option("--config", "config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Configuration file (default: .secretshift.yaml or [tool.secretshift] in pyproject.toml).")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Paths in the report are relative to this directory (default: the project root).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Report and fail only on findings not in this baseline.")
@click.option("--staged", is_flag=True, help="Scan the content staged in the git index (for commit hooks).")
@click.option("--history", is_flag=True, help="Scan every commit reachable from HEAD.")
@click.option("--since", default=None, help="With --history: only commits after this revision.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0: one per core).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when there are no findings.")
def cmd(paths, fmt, output, fail_on, all_files, max_file_size, exclude, config, root, baseline_file, staged,
        history, since, jobs, quiet) -> int:
    """Scan PATHS (default: the current project) for hardcoded credentials and secret environment reads."""
    if since and not history:
        raise click.UsageError("--since goes with --history")
    if staged and history:
        raise click.UsageError("--staged and --history cannot be combined")
    return run(paths, fmt, output, fail_on, all_files, max_file_size, exclude, config, root, baseline_file, staged,
               history, since, jobs, quiet)
