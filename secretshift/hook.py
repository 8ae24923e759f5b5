"""``secretshift-hook FILES``: the pre-commit entry point. Exit 0 clean, 1 findings, 2 usage/config error.

pre-commit passes the staged file names and has stashed unstaged changes, so the files on disk are
what will be committed. Run by hand or from a raw ``.git/hooks/pre-commit``, ``--staged`` reads the
index instead. Output is one ``file:line:col: RULE slug (severity) masked [fingerprint]`` line per
blocking finding (editors and terminals make these clickable), never a value.
Only click, pyyaml and ``scanner.*`` are imported on this path (no libcst, boto3, detect_secrets).
"""
from __future__ import annotations

import os
import sys

from .gate import FAIL_ON

_ADVICE = """\
Remove the value and fetch it at run time (`secretshift migrate` moves it to AWS Secrets Manager).
Not a secret? Add `# secretshift: allow[RULE]` on that line, or accept current findings with
`secretshift baseline update` and pass `--baseline` to the hook. Rotate any real credential that was
committed before."""


def _parser():  # -> argparse.ArgumentParser
    import argparse
    from pathlib import Path

    p = argparse.ArgumentParser(prog="secretshift-hook", description="Block commits that add hardcoded credentials.")
    p.add_argument("filenames", nargs="*", help="Files to check (pre-commit passes the staged ones).")
    p.add_argument("--baseline", type=Path, default=None, help="Fail only on findings not in this baseline.")
    p.add_argument("--fail-on", choices=FAIL_ON, default=None, help="What blocks the commit [default: hardcoded].")
    p.add_argument("--config", type=Path, default=None, help="Configuration file.")
    p.add_argument("--staged", action="store_true", help="Read the content staged in the git index, not the files.")
    return p


class _Args:
    def __init__(self, filenames: list[str], baseline: str | None, fail_on: str | None, config: str | None,
                 staged: bool) -> None:
        self.filenames = filenames
        self.baseline = baseline or None  # strings: no pathlib on the hook's path
        self.fail_on = fail_on
        self.config = config or None
        self.staged = staged


def _parse(argv: list[str]):
    """The arguments as pre-commit passes them, read without argparse (whose import and help
    formatter cost the hook about 15 M instructions: gettext, locale, shutil). Anything unusual
    (``--help``, an unknown option, a missing value, a bad ``--fail-on``) goes to argparse, which
    prints usage and errors as usual."""
    files: list[str] = []
    opts: dict[str, str | None] = {"--baseline": None, "--fail-on": None, "--config": None}
    staged = False
    i = 0
    only_files = False
    while i < len(argv):
        a = argv[i]
        if only_files or not a.startswith("-") or a == "-":
            files.append(a)
        elif a == "--":
            only_files = True
        elif a == "--staged":
            staged = True
        else:
            name, eq, value = a.partition("=")
            if name not in opts:
                return _parser().parse_args(argv)
            if not eq:
                i += 1
                if i >= len(argv):
                    return _parser().parse_args(argv)
                value = argv[i]
            opts[name] = value
        i += 1
    if opts["--fail-on"] is not None and opts["--fail-on"] not in FAIL_ON:
        return _parser().parse_args(argv)
    return _Args(files, opts["--baseline"], opts["--fail-on"], opts["--config"], staged)


def run(args) -> int:  # args: _Args or an argparse.Namespace with the same attributes
    from secretshift.scanner.ruleset import load_ruleset

    from .gate import IO_ERRORS, build_options, failing
    from .settings import find_root, load_settings

    root = find_root(os.getcwd())
    settings = load_settings(root, args.config)
    files = tuple(args.filenames)
    if not files and not args.staged:
        return 0
    opts = build_options(root, files, settings, False, None, (), 1)
    ruleset = load_ruleset(opts.extra_rule_files, opts.disabled_rules)
    fail_level = args.fail_on or settings.fail_on
    if fail_level not in FAIL_ON:
        from .base.errors import ConfigError

        raise ConfigError(f"fail_on must be one of {', '.join(FAIL_ON)}")
    if fail_level != "any":  # environment reads can only block under "any": skip that engine's work
        ruleset = ruleset.subset(lambda r: r.kind != "env")  # (SS212, a literal default, can block)
    if args.staged:
        from .staged import scan_staged

        result = scan_staged(root, ruleset, opts, files)
    else:
        from secretshift.scanner.scan import scan_paths

        result = scan_paths(opts, ruleset)
    baseline = args.baseline or (os.path.join(root, settings.baseline) if settings.baseline else None)
    findings = result.findings
    if baseline is not None:
        from .baseline import filter_new

        findings = filter_new(findings, baseline)
    bad = failing(findings, fail_level)
    if not bad:
        return 2 if any(result.skipped.get(k) for k in IO_ERRORS) else 0
    out = sys.stdout
    out.write(f"secretshift: {len(bad)} credential(s) would be committed:\n")
    for f in bad:
        what = f.masked if f.kind == "hardcoded" else f"env {f.symbol or ''}".rstrip()
        out.write(f"{f.file}:{f.line}:{f.column}: {f.rule_id} {f.slug} ({f.severity}) {what} [{f.fingerprint}]\n")
    out.write(_ADVICE.replace("RULE", bad[0].rule_id) + "\n")
    return 1


def main(argv: list[str] | None = None) -> int:
    from .base.errors import SecretshiftError

    args = _parse(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except SecretshiftError as e:
        print(f"secretshift: error: {e}", file=sys.stderr)
        return e.exit_code
    except OSError as e:
        print(f"secretshift: error: {e.strerror or e}{': ' + str(e.filename) if e.filename else ''}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
