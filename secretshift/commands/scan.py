"""``secretshift scan``: the CI gate and the hook's engine. Exit 0 clean, 1 findings, 2 errors."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..base.errors import ConfigError
from ..gate import FAIL_ON, IO_ERRORS, build_options, failing  # noqa: F401 - shared with the hook (no click)


def common_root(paths: tuple[str, ...]) -> Path:
    from ..settings import find_root

    existing = [Path(os.path.abspath(p)) for p in paths if os.path.lexists(p)]
    if not existing:
        return find_root(Path.cwd())
    # the project around the deepest directory holding every given path
    dirs = [p if (p.is_dir() and not p.is_symlink()) else p.parent for p in existing]
    return find_root(Path(os.path.commonpath(dirs)))


@click.command("scan")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True)
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
    from secretshift.scanner.ruleset import load_ruleset

    from ..reporters import get_reporter
    from ..settings import load_settings

    if since and not history:
        raise click.UsageError("--since goes with --history")
    if staged and history:
        raise click.UsageError("--staged and --history cannot be combined")
    missing = [p for p in paths if not os.path.lexists(p)]
    root = (root or common_root(paths)).resolve()
    settings = load_settings(root, config)
    opts = build_options(root, paths, settings, all_files, max_file_size, exclude, jobs)
    ruleset = load_ruleset(opts.extra_rule_files, opts.disabled_rules)
    if history:
        from ..history_cli import scan_history_result

        result = scan_history_result(root, ruleset, opts, since)
    elif staged:
        from ..staged import scan_staged

        result = scan_staged(root, ruleset, opts, paths)
    else:
        from secretshift.scanner.scan import scan_paths

        result = scan_paths(opts, ruleset)
    baseline_path = baseline_file or (root / settings.baseline if settings.baseline else None)
    if baseline_path is not None:
        from ..baseline import filter_new

        result.findings = filter_new(result.findings, baseline_path)
    fail_level = fail_on or settings.fail_on
    if fail_level not in FAIL_ON:
        raise ConfigError(f"fail_on must be one of {', '.join(FAIL_ON)}")
    bad = failing(result.findings, fail_level)
    if not (quiet and not result.findings and fmt == "text"):
        reporter = get_reporter(fmt)
        if output:
            import io

            buf = io.StringIO()
            reporter.write(result, ruleset, buf, color=False)
            from ..base.fileio import atomic_write_text

            atomic_write_text(Path(output), buf.getvalue())
        else:
            color = fmt == "text" and sys.stdout.isatty()
            reporter.write(result, ruleset, sys.stdout, color=color)
    if missing or any(result.skipped.get(k) for k in IO_ERRORS):
        # a named path that does not exist, or a file that could not be read: the scan is
        # incomplete. Everything else was still scanned and reported above.
        return 2
    return 1 if bad else 0
