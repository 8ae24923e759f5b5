"""The ``secretshift`` command: a click group whose subcommands are imported only when used, and
click itself only when needed: a plain ``scan`` command line runs without it (``_fast_scan``).

Each subcommand lives in ``secretshift/commands/<name>.py`` as a click command called ``cmd``.
Exit codes: 0 clean, 1 findings, 2 usage, configuration or I/O error (one line, no traceback).
"""
from __future__ import annotations

import os
import sys

from . import __version__

COMMANDS = {
    "scan": ("secretshift.commands.scan", "Scan files for hardcoded credentials and secret environment reads."),
    "rules": ("secretshift.commands.rules", "List the detection rules."),
    "explain": ("secretshift.commands.rules", "Show one rule's documentation."),
    "baseline": ("secretshift.commands.baseline", "Create or update a baseline of accepted findings."),
    "rewrite": ("secretshift.commands.rewrite", "Rewrite code to fetch secrets from Secrets Manager."),
    "plan": ("secretshift.commands.migrate", "Plan a migration (no AWS calls)."),
    "apply": ("secretshift.commands.migrate", "Apply a migration plan, stage by stage."),
    "migrate": ("secretshift.commands.migrate", "Plan, confirm, apply and write the rotation checklist."),
    "checklist": ("secretshift.commands.migrate", "Write the rotation checklist for leaked credentials."),
    "rotate": ("secretshift.commands.lifecycle", "Turn on automatic rotation and check the first rotation."),
    "rollback": ("secretshift.commands.lifecycle", "Move AWSCURRENT back to AWSPREVIOUS after a bad rotation."),
    "audit": ("secretshift.commands.lifecycle", "List migrated secrets: last access, rotation, still read?"),
    "rotation-lambda": ("secretshift.commands.lifecycle", "Write a rotation function skeleton (never deploys)."),
    "alarm": ("secretshift.commands.lifecycle", "Alarm on rotation failures to an SNS topic."),
}


def _group():  # -> click.Group
    """The click group, made on first use: ``import click`` is 23 ms of ``secretshift scan -q DIR``
    (wheel install, ``-X importtime``), which the fast path of ``scan`` does without (44 -> 31 ms)."""
    import importlib

    import click

    class LazyGroup(click.Group):
        def list_commands(self, ctx: click.Context) -> list[str]:
            return sorted(COMMANDS)

        def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
            if name not in COMMANDS:
                return None
            mod = importlib.import_module(COMMANDS[name][0])
            attr = getattr(mod, f"{name.replace('-', '_')}_cmd", None) or getattr(mod, "cmd")
            return attr

        def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
            rows = [(n, COMMANDS[n][1]) for n in sorted(COMMANDS)]
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    @click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.version_option(__version__, prog_name="secretshift")
    def cli() -> None:
        """Find hardcoded credentials, move them to AWS Secrets Manager, rewrite the code that used them,
        and list what must be rotated."""

    return cli


def _err(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _click_main(args: list[str]):
    import click

    try:
        # obj: the command as typed (migrate prints it to resume an interrupted run; scan has no use for it)
        return _group().main(args=args, prog_name="secretshift", standalone_mode=False, obj={"argv": args})
    except click.exceptions.Abort:
        _err("secretshift: aborted")
        return 2
    except click.ClickException as e:  # usage errors too: one line, no usage block
        _err(f"secretshift: error: {e.format_message()}")
        return 2 if e.exit_code == 1 or e.exit_code == 2 else e.exit_code
    except click.exceptions.Exit as e:
        return int(e.exit_code)


class _PacifiedFlush:
    """A stream whose flush ignores a broken pipe (what click puts in place: the interpreter's
    exit flushes stdout and stderr again)."""

    def __init__(self, wrapped) -> None:
        self.wrapped = wrapped

    def flush(self) -> None:
        import errno

        try:
            self.wrapped.flush()
        except OSError as e:
            if e.errno != errno.EPIPE:
                raise

    def __getattr__(self, attr: str):
        return getattr(self.wrapped, attr)


def _fast_scan(args: list[str]) -> int | None:
    """``scan`` without click, or None if ``scan_run.parse`` leaves ``args`` to click. An interrupt
    or a closed pipe ends as click's main ends them, so that both paths behave alike: a blank line
    closing the terminal's ``^C``, then "aborted", exit 2; a broken pipe, exit 1 with no message."""
    try:
        from .commands.scan_run import parse, run

        params = parse(args)
        return None if params is None else run(**params)
    except (EOFError, KeyboardInterrupt):
        _err("")
        _err("secretshift: aborted")
        return 2
    except OSError as e:
        import errno

        if e.errno != errno.EPIPE:
            raise
        sys.stdout = _PacifiedFlush(sys.stdout)
        sys.stderr = _PacifiedFlush(sys.stderr)
        sys.exit(1)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code. SecretshiftError becomes one line on stderr and exit 2.

    A ``scan`` command line that ``commands.scan_run.parse`` reads runs without importing click;
    any other goes to click. ``SECRETSHIFT_CLICK=1`` in the environment sends every one to click
    (the tests compare both paths with it)."""
    from .base.errors import SecretshiftError

    try:
        args = list(sys.argv[1:] if argv is None else argv)
        rv = _fast_scan(args) if args[:1] == ["scan"] and not os.environ.get("SECRETSHIFT_CLICK") else None
        if rv is None:
            rv = _click_main(args)
    except SecretshiftError as e:
        _err(f"secretshift: error: {e}")
        return e.exit_code
    except KeyboardInterrupt:
        _err("secretshift: interrupted")
        return 130
    except BrokenPipeError:
        return 2
    except OSError as e:
        _err(f"secretshift: error: {e.strerror or e}{': ' + str(e.filename) if e.filename else ''}")
        return 2
    except Exception as e:  # a bug: one line, and no message text (it could quote a value)
        if os.environ.get("SECRETSHIFT_DEBUG"):
            raise
        tb = e.__traceback__
        while tb is not None and tb.tb_next is not None:
            tb = tb.tb_next
        where = f" at {os.path.basename(tb.tb_frame.f_code.co_filename)}:{tb.tb_lineno}" if tb else ""
        _err(f"secretshift: internal error: {type(e).__name__}{where} "
             "(set SECRETSHIFT_DEBUG=1 to see the traceback; please report it)")
        return 2
    return int(rv or 0)


def entry() -> None:
    """The console script: ``main``, then an exit without the interpreter's teardown (freeing every
    module and object one by one: ~11 M instructions after a whole-tree scan) once the exit
    handlers have run (the compiled-program cache is written by one) and the output is flushed.
    Where that cannot be done cleanly (a flush fails, another thread still runs) the exit is the
    ordinary one, with what it reports."""
    rc = main()
    try:
        import atexit

        threading = sys.modules.get("threading")
        if threading is not None and threading.active_count() > 1:
            raise RuntimeError("threads left: the ordinary exit joins them")
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # noqa: BLE001 - the ordinary exit, which reports what went wrong
        sys.exit(rc)
    os._exit(rc)


if __name__ == "__main__":
    entry()
