"""``secretshift scan`` without click: the scan itself (``run``, called by the click command in
``commands/scan.py`` and by the fast path) and ``parse``, a reader of the command lines it fully
understands.

Why: ``import click`` is 23 ms of a ``secretshift scan -q DIR`` (wheel install, ``python -X
importtime``): measured 44 -> 31 ms wall without it (``python -c pass``: 8 ms), 25 ms with the body
on strings below; CI gates, hooks and scripts run a plain ``scan`` with its options.

``parse`` takes an argv only when click would accept it and give the command the same values; anything else (``--help``, ``--version``, an unknown option, a bad or
missing value, a combination the command refuses, shell completion) returns None and goes to
click, so that help and usage errors stay click's. ``tests/cli/test_fast_path.py`` holds the table
below against the click declaration and compares both paths' results.
"""
from __future__ import annotations

import os
import sys

from ..gate import FAIL_ON, IO_ERRORS, build_options, failing

FORMATS = ("text", "json", "sarif")


def project_root(paths: tuple[str, ...]) -> str:
    """The project around the deepest directory holding every given path (that exists), else around
    the current directory. Strings, not pathlib: its import (urllib.parse, ipaddress) is ~3 ms of a
    ``scan -q DIR`` that has no other use for it."""
    from ..settings import find_root

    existing = [os.path.abspath(p) for p in paths if os.path.lexists(p)]
    if not existing:
        return find_root(os.getcwd())
    dirs = [p if (os.path.isdir(p) and not os.path.islink(p)) else os.path.dirname(p) for p in existing]
    return find_root(os.path.commonpath(dirs))


def common_root(paths: tuple[str, ...]):  # -> Path, for the commands that work with Paths
    from pathlib import Path

    return Path(project_root(paths))


def run(paths, fmt, output, fail_on, all_files, max_file_size, exclude, config, root, baseline_file, staged,
        history, since, jobs, quiet) -> int:
    """The scan: exit code 0 clean, 1 findings, 2 a named path missing or a file unreadable. The
    arguments are the click command's parameters, already checked (``--since`` only with
    ``--history``, not ``--staged`` with ``--history``)."""
    from secretshift.scanner.ruleset import load_ruleset

    from ..base.errors import ConfigError
    from ..settings import load_settings

    missing = [p for p in paths if not os.path.lexists(p)]
    root = os.path.realpath(root or project_root(paths))  # a str, as the hook's (what Path.resolve returns)
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
    baseline_path = baseline_file or (os.path.join(root, settings.baseline) if settings.baseline else None)
    if baseline_path is not None:
        from ..baseline import filter_new

        result.findings = filter_new(result.findings, baseline_path)
    fail_level = fail_on or settings.fail_on
    if fail_level not in FAIL_ON:
        raise ConfigError(f"fail_on must be one of {', '.join(FAIL_ON)}")
    bad = failing(result.findings, fail_level)
    if not (quiet and not result.findings and fmt == "text"):
        from ..reporters import get_reporter  # not before: a quiet clean run has no use for its imports (typing)

        reporter = get_reporter(fmt)
        if output:
            import io

            buf = io.StringIO()
            reporter.write(result, ruleset, buf, color=False)
            from ..base.fileio import atomic_write_text

            atomic_write_text(output, buf.getvalue())
        else:
            color = fmt == "text" and sys.stdout.isatty()
            reporter.write(result, ruleset, sys.stdout, color=color)
    if missing or any(result.skipped.get(k) for k in IO_ERRORS):
        # a named path that does not exist, or a file that could not be read: the scan is
        # incomplete. Everything else was still scanned and reported above.
        return 2
    return 1 if bad else 0


# --- the fast path's reader ------------------------------------------------------------------------
# What commands/scan.py declares to click, as data (a test compares the two): option -> parameter,
# the flags, and the check click makes of each value: ("choice", choices), ("int", minimum) or
# ("path", file_okay, dir_okay, writable). A Path type is readable=True by default: checked too.
OPTIONS = {
    "--format": "fmt", "--output": "output", "-o": "output", "--fail-on": "fail_on", "--all-files": "all_files",
    "--max-file-size": "max_file_size", "--exclude": "exclude", "--config": "config", "--root": "root",
    "--baseline": "baseline_file", "--staged": "staged", "--history": "history", "--since": "since",
    "--jobs": "jobs", "-j": "jobs", "--quiet": "quiet", "-q": "quiet",
}
FLAGS = ("all_files", "staged", "history", "quiet")
MULTIPLE = ("exclude",)
CHECKS = {
    "fmt": ("choice", FORMATS),
    "fail_on": ("choice", FAIL_ON),
    "output": ("path", True, False, True),
    "max_file_size": ("int", 1),
    "config": ("path", True, False, False),
    "root": ("path", False, True, False),
    "baseline_file": ("path", True, False, False),
    "jobs": ("int", 0),
    "paths": ("path", True, True, False),
}
AS_PATH = ("config", "root", "baseline_file")  # path_type=Path; output and paths stay str
DEFAULTS = {"fmt": "text", "output": None, "fail_on": None, "all_files": False, "max_file_size": None, "exclude": (),
            "config": None, "root": None, "baseline_file": None, "staged": False, "history": False, "since": None,
            "jobs": 0, "quiet": False}


class _NotMine(Exception):
    """A value click would refuse (or whose check this reader does not make): click's path decides."""


def _check(name: str, value: str):
    """``value`` converted as click converts it for parameter ``name``, or _NotMine."""
    rule = CHECKS.get(name)
    if rule is None:
        return value
    if rule[0] == "choice":
        if value not in rule[1]:
            raise _NotMine
        return value
    if rule[0] == "int":
        try:
            n = int(value)  # what click.INT calls: " 7", "+7", "1_0" are accepted as there
        except ValueError:
            raise _NotMine from None
        if n < rule[1]:
            raise _NotMine
        return n
    _, file_okay, dir_okay, writable = rule
    try:
        st = os.stat(value)
    except OSError:
        return value  # exists=False: a path that is not there is not checked
    except ValueError:  # a NUL in the name: what click does with that is click's business
        raise _NotMine from None
    import stat

    if (not file_okay and stat.S_ISREG(st.st_mode)) or (not dir_okay and stat.S_ISDIR(st.st_mode)) \
            or not os.access(value, os.R_OK) or (writable and not os.access(value, os.W_OK)):
        raise _NotMine
    return value


def parse(argv: list[str]) -> dict | None:
    """``run``'s arguments for ``argv`` (``["scan", ...]``) as click would give them, or None when
    click must handle it. Read as click's parser reads: options and paths in any order, ``--`` ends
    the options, ``--opt=value``, ``-j2``/``-ovalue`` and clusters such as ``-qj2``, a value
    taken from the next argument even if it starts with ``-``, the last value of an option given
    twice (only that one is checked), every value of ``--exclude``."""
    if not argv or argv[0] != "scan" or os.environ.get("_SECRETSHIFT_COMPLETE"):
        return None
    values: dict[str, object] = {}
    flags: set[str] = set()
    excludes: list[str] = []
    paths: list[str] = []
    rest = argv[1:]
    i = 0
    only_paths = False

    def take(name: str, value: str) -> None:
        if name in MULTIPLE:
            excludes.append(value)
        else:
            values[name] = value

    try:
        while i < len(rest):
            a = rest[i]
            i += 1
            if only_paths or a[:1] != "-" or len(a) == 1:
                paths.append(a)
            elif a == "--":
                only_paths = True
            elif a.startswith("--"):
                opt, eq, value = a.partition("=")
                name = OPTIONS.get(opt)
                if name is None:
                    return None
                if name in FLAGS:
                    if eq:  # click: "Option '--quiet' does not take a value."
                        return None
                    flags.add(name)
                    continue
                if not eq:
                    if i >= len(rest):
                        return None
                    value = rest[i]
                    i += 1
                take(name, value)
            else:  # short options, clustered as click allows: -q, -j2, -qo FILE, -o=x (value "=x")
                k = 1
                while k < len(a):
                    name = OPTIONS.get("-" + a[k])
                    k += 1
                    if name is None:
                        return None
                    if name in FLAGS:
                        flags.add(name)
                        continue
                    if k < len(a):
                        value = a[k:]
                    elif i < len(rest):
                        value = rest[i]
                        i += 1
                    else:
                        return None
                    take(name, value)
                    break
        params = dict(DEFAULTS)
        params.update({name: _check(name, v) for name, v in values.items()})
        params["exclude"] = tuple(excludes)
        params.update({name: True for name in flags})
        params["paths"] = tuple(_check("paths", p) for p in paths)
    except _NotMine:
        return None
    # the checks the command makes before it scans, each a click.UsageError: click's path says it
    if (params["since"] and not params["history"]) or (params["staged"] and params["history"]):
        return None
    if any(params[name] is not None for name in AS_PATH):
        from pathlib import Path

        for name in AS_PATH:
            if params[name] is not None:
                params[name] = Path(params[name])
    return params
