"""``secretshift scan`` without click (``secretshift.cli._fast_scan``, ``commands/scan_run.py``).

A command line ``scan_run.parse`` reads runs the scan with no click imported; any other goes to
click. ``SECRETSHIFT_CLICK=1`` sends every command line to click: each test here runs both paths
and compares them (exit code, stdout, stderr, the report file), in-process for the long table and
in real subprocesses (the console script's start and exit, a closed pipe, what gets imported).
"""
from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from secretshift.cli import _group, main
from secretshift.commands import scan_run
from secretshift.commands.scan import cmd as click_scan
from secretshift.scanner.samples import expand

_NAME = "secretshift_test_gitfixtures"  # the same module tests/hook and tests/history load
if _NAME not in sys.modules:
    _spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).resolve().parents[1] / "history" / "gitfixtures.py")
    sys.modules[_NAME] = importlib.util.module_from_spec(_spec)
    _spec.loader.exec_module(sys.modules[_NAME])
from secretshift_test_gitfixtures import AWS_KEY, assert_clean, make_repo  # noqa: E402

SECRETS = [expand(AWS_KEY, "fast-key"), expand("{{rand:alnum:18}}", "fast-pw"), expand(AWS_KEY, "fast-old"),
           expand(AWS_KEY, "fast-staged"), expand(AWS_KEY, "fast-dash")]


# --- what click would do with an argv, next to what the reader makes of it ----------------------------
def _click_params(args: list[str]) -> dict | None:
    """The parameters click gives ``scan`` for ``args``, or None when click refuses them, shows help or
    the command refuses the combination (what the reader must leave to click)."""
    parent = click.Context(_group(), info_name="secretshift", help_option_names=["-h", "--help"])
    try:
        ctx = click_scan.make_context("scan", list(args), parent=parent)
    except (click.ClickException, click.exceptions.Exit):
        return None
    p = ctx.params
    if (p["since"] and not p["history"]) or (p["staged"] and p["history"]):
        return None
    return p


@pytest.fixture
def paths_dir(tmp_path, monkeypatch):
    """A directory holding a file, a directory and a read-only file, as cwd."""
    (tmp_path / "f.yaml").write_text("exclude: []\n")
    (tmp_path / "d").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


TOKENS = ["--format", "json", "sarif", "text", "JSON", "--format=json", "--format=", "-o", "out.json", "-oout.json",
          "-o=x", "--output", "--output=o.sarif", "--output=", "--fail-on", "never", "high", "sometimes",
          "--fail-on=critical", "--all-files", "--all-files=1", "--max-file-size", "10", "0", " 5", "1_0", "+3", "x",
          "-1", "--max-file-size=7", "--exclude", "*.md", "--exclude=", "--exclude=a=b", "--config", "f.yaml", "d",
          "--config=d", "--root", "--root=f.yaml", "--baseline", "--baseline=f.yaml", "--staged", "--history",
          "--since", "HEAD~1", "--since=", "-j", "-j2", "-j=2", "-qj2", "-qj", "-jq", "-qo", "-qof.yaml", "-q",
          "--quiet", "--quiet=", "--", "-", "", "-h", "--help", "-qh", "--version", "--bogus", "-x", "--jobs",
          "--jobs=3", "missing/path", "--form", "--=x", "-q-", "scan"]


def _cases() -> list[list[str]]:
    fixed = [
        [], ["."], ["-q"], ["--", "-q"], ["-o", "--quiet"], ["--output", "--"], ["--since", "x", "--history"],
        ["--since", "", "--staged"], ["--staged", "--history"], ["--format", "bad", "--format", "json"],
        ["--format", "json", "--format", "bad"], ["--exclude", "a", "--exclude", "b"], ["-j", "0"], ["-j", "٣"],
        ["--max-file-size", "1"], ["--root", "d"], ["--root", "f.yaml"], ["--config", "d"], ["--output", "d"],
        ["--baseline", "d"], ["d", "f.yaml", "missing"], ["-qj1", "d"], ["-j1q"], ["-o"], ["--format"],
    ]
    rnd = random.Random(14)
    return fixed + [[rnd.choice(TOKENS) for _ in range(rnd.randint(1, 6))] for _ in range(3000)]


def test_the_reader_takes_exactly_what_click_accepts_and_gives_the_same_values(paths_dir, capsys):
    taken = left = 0
    for args in _cases():
        want = _click_params(args)
        got = scan_run.parse(["scan", *args])
        assert got == want, args
        if got is None:
            left += 1
        else:
            taken += 1
            assert {k: type(v) for k, v in got.items()} == {k: type(v) for k, v in want.items()}, args
    capsys.readouterr()  # the help click printed
    assert taken > 500 and left > 500  # the table exercises both sides


def test_the_readers_table_is_the_click_declaration():
    """OPTIONS, FLAGS, MULTIPLE, CHECKS, AS_PATH and DEFAULTS say what commands/scan.py declares."""
    seen = set()
    for p in click_scan.params:
        t = p.type
        if isinstance(p, click.Argument):
            assert p.name == "paths" and p.nargs == -1
        else:
            assert not p.secondary_opts and not p.envvar and p.prompt is None
            for opt in p.opts:
                assert scan_run.OPTIONS[opt] == p.name
                seen.add(opt)
            assert (p.name in scan_run.FLAGS) == p.is_flag
            assert (p.name in scan_run.MULTIPLE) == p.multiple
        check = scan_run.CHECKS.get(p.name)
        if isinstance(t, click.Choice):
            assert check == ("choice", tuple(t.choices)) and t.case_sensitive
        elif isinstance(t, click.IntRange):
            assert check == ("int", t.min) and t.max is None and not (t.min_open or t.clamp)
        elif isinstance(t, click.Path):
            assert check == ("path", t.file_okay, t.dir_okay, t.writable)
            assert t.readable and not (t.exists or t.executable or t.resolve_path or t.allow_dash)
            assert (p.name in scan_run.AS_PATH) == (t.type is Path) and t.type in (None, str, Path)
        else:
            assert check is None and isinstance(t, (click.types.StringParamType, click.types.BoolParamType)), p.name
    assert seen == set(scan_run.OPTIONS)
    assert {**scan_run.DEFAULTS, "paths": ()} == _click_params([])


def test_shell_completion_and_other_commands_go_to_click(monkeypatch):
    assert scan_run.parse(["scan", "-q"]) is not None
    assert scan_run.parse(["rules"]) is None and scan_run.parse(["-q", "scan"]) is None
    monkeypatch.setenv("_SECRETSHIFT_COMPLETE", "bash_complete")
    assert scan_run.parse(["scan", "-q"]) is None


# --- a project to scan: findings, a clean file, a baseline, a config, history and a staged file ----------
@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    repo = make_repo(tmp_path_factory.mktemp("fast") / "proj")
    key, pw, old, staged, dash = SECRETS
    repo.write("app/old.py", f'aws_access_key_id = "{old}"\n')
    repo.commit("first")
    repo.write("app/old.py", "x = 1\n")
    repo.write("app/keys.py", f'aws_access_key_id = "{key}"\n')
    repo.write("web/db.js", f'const dbPassword = "{pw}";\n')
    repo.write("app/clean.py", "import os\nTIMEOUT = 30\n")
    repo.write("-odd.py", f'aws_access_key_id = "{dash}"\n')
    repo.write("ci.yaml", "exclude: ['web/*']\n")
    repo.write("bad.yaml", "exclude: [unclosed\n")
    repo.commit("second")
    repo.write("staged/new.py", f'aws_access_key_id = "{staged}"\n')
    repo.git("add", "staged/new.py")
    env = {**os.environ, "SECRETSHIFT_CLICK": "1"}
    r = subprocess.run([sys.executable, "-m", "secretshift", "baseline", "create", "-f", "base.json", "web"],
                       cwd=repo.path, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return repo.path


def _normal(text: str) -> str:
    """The run's own duration out of a report: the one thing two runs may not share."""
    text = re.sub(r"MB in \d+\.\d+s", "MB in Ts", text)
    return re.sub(r'"seconds": [0-9.e-]+', '"seconds": 0', text)


OUT = "report.out"
ROWS = [
    [], ["."], ["app"], ["app/keys.py", "web"], ["missing.py"], ["app", "missing/dir"], ["-"],
    ["-q", "app/clean.py"], ["--quiet", "app/clean.py"], ["-q", "app"], ["app", "--format", "json"],
    ["--format", "json", "app"], ["--format=sarif", "app"], ["--format", "text", "--format", "json", "web"],
    ["-o", OUT, "--format", "json", "."], [f"-o{OUT}", "."], [f"--output={OUT}", "--format=sarif", "."],
    ["--fail-on", "never", "."], ["--fail-on=critical", "web"], ["--fail-on", "any", "."], ["--fail-on", "high", "web"],
    ["--all-files", "."], ["--max-file-size", "10", "."], ["--max-file-size=100000", "app"],
    ["--exclude", "web/*", "--exclude=app/keys.py", "."], ["--config", "ci.yaml", "."], ["--config=bad.yaml", "."],
    ["--config", "nothere.yaml", "."], ["--root", "app", "app"], ["--root=.", "web"], ["--baseline", "base.json", "."],
    ["--baseline", "nobase.json", "web"], ["--staged"], ["--staged", "staged"], ["--staged", "--format", "json"],
    ["--history"], ["--history", "--since", "HEAD~1"], ["--history", "--since=nope"], ["--history", "--format=sarif"],
    ["-j", "1", "."], ["-j2", "."], ["-qj1", "app/clean.py"], ["--jobs=0", "app"], ["--", "-odd.py"],
    [".", "--", "--format"], ["--since", "", "app"],
]


def _in_process(cwd: Path, args: list[str], capsys, monkeypatch, click_path: bool):
    if click_path:
        monkeypatch.setenv("SECRETSHIFT_CLICK", "1")
    else:
        monkeypatch.delenv("SECRETSHIFT_CLICK", raising=False)
    monkeypatch.chdir(cwd)
    out_file = cwd / OUT
    out_file.unlink(missing_ok=True)
    capsys.readouterr()
    rc = main(["scan", *args])
    out, err = capsys.readouterr()
    written = _normal(out_file.read_text()) if out_file.exists() else None
    out_file.unlink(missing_ok=True)
    return rc, _normal(out), _normal(err), written


@pytest.mark.parametrize("args", ROWS, ids=[" ".join(r) or "(none)" for r in ROWS])
def test_both_paths_give_the_same_result(project, args, capsys, monkeypatch):
    monkeypatch.chdir(project)
    assert scan_run.parse(["scan", *args]) is not None, "this row must take the fast path"
    fast = _in_process(project, args, capsys, monkeypatch, click_path=False)
    slow = _in_process(project, args, capsys, monkeypatch, click_path=True)
    assert fast == slow
    assert_clean(SECRETS, *[x for x in fast[1:] if x])


def test_the_table_covers_every_exit_code_and_report(project, capsys, monkeypatch):
    """The rows above are not all alike: clean, findings, errors, each format, a report file."""
    results = {tuple(a): _in_process(project, a, capsys, monkeypatch, click_path=False)
               for a in (["-q", "app/clean.py"], ["app"], ["missing.py"], ["--history", "--since=nope"],
                         ["-o", OUT, "--format", "json", "."], ["--staged", "--format", "json"])}
    assert [r[0] for r in results.values()] == [0, 1, 2, 2, 1, 1]
    assert results[("-q", "app/clean.py")][1:3] == ("", "")
    assert "SS401" in results[("app",)][1]
    assert "missing.py: skipped: no such file" in results[("missing.py",)][2]
    assert results[("--history", "--since=nope")][2].startswith("secretshift: error: ")
    report = json.loads(results[("-o", OUT, "--format", "json", ".")][3])
    assert {f["file"] for f in report["findings"]} >= {"app/keys.py", "web/db.js", "-odd.py"}
    staged = json.loads(results[("--staged", "--format", "json")][1])
    assert [f["file"] for f in staged["findings"]] == ["staged/new.py"]


# --- failures inside the scan end alike on both paths -------------------------------------------------
def _boom(exc):
    def scan_paths(opts, ruleset):
        raise exc
    return scan_paths


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), EOFError(), OSError(28, "No space left on device", "x.json"),
                                 RuntimeError("do not print this"), BrokenPipeError(32, "Broken pipe")],
                         ids=["interrupt", "eof", "oserror", "bug", "brokenpipe"])
def test_failures_inside_the_scan_end_the_same_way(project, exc, capsys, monkeypatch):
    from secretshift.base.errors import GitError
    from secretshift.scanner import scan as scanner

    monkeypatch.setattr(scanner, "scan_paths", _boom(exc))
    streams = sys.stdout, sys.stderr  # capsys's: a broken pipe wraps them, put them back after each run
    ends = []
    for click_path in (False, True):
        try:
            ends.append(_in_process(project, ["app"], capsys, monkeypatch, click_path))
        except SystemExit as e:
            ends.append(("exit", e.code, capsys.readouterr()))
        sys.stdout, sys.stderr = streams
    assert ends[0] == ends[1]
    fast = ends[0]
    if isinstance(exc, (KeyboardInterrupt, EOFError)):
        assert fast[0] == 2 and fast[2] == "\nsecretshift: aborted\n"
    elif isinstance(exc, BrokenPipeError):
        assert fast[:2] == ("exit", 1)
    elif isinstance(exc, OSError):
        assert fast[0] == 2 and fast[2] == "secretshift: error: No space left on device: x.json\n"
    else:
        assert fast[0] == 2 and "internal error: RuntimeError at test_fast_path.py:" in fast[2]
        assert "do not print this" not in fast[2]
    monkeypatch.setattr(scanner, "scan_paths", _boom(GitError("git is not installed")))
    assert _in_process(project, ["app"], capsys, monkeypatch, False) == \
        _in_process(project, ["app"], capsys, monkeypatch, True) == (2, "", "secretshift: error: git is not installed\n", None)


# --- what the fast path leaves to click ---------------------------------------------------------------
@pytest.mark.parametrize("args,message", [
    (["--format", "nope"], "Invalid value for '--format': 'nope' is not one of 'text', 'json', 'sarif'."),
    (["--since", "HEAD"], "--since goes with --history"),
    (["--staged", "--history"], "--staged and --history cannot be combined"),
    (["-j", "-1"], "Invalid value for '--jobs' / '-j': -1 is not in the range x>=0."),
    (["--max-file-size", "0"], "Invalid value for '--max-file-size': 0 is not in the range x>=1."),
    (["--max-file-size", "ten"], "Invalid value for '--max-file-size': 'ten' is not a valid integer range."),
    (["--quiet=yes"], "Option '--quiet' does not take a value."),
    (["--bogus"], "No such option '--bogus'. Did you mean '--jobs'?"),
    (["-x"], "No such option '-x'."),
    (["app", "--output"], "Option '--output' requires an argument."),
    (["--output", "app"], "Invalid value for '--output' / '-o': File 'app' is a directory."),
    (["--root", "ci.yaml"], "Invalid value for '--root': Directory 'ci.yaml' is a file."),
    (["--config", "app"], "Invalid value for '--config': File 'app' is a directory."),
])
def test_command_lines_the_reader_does_not_take_get_clicks_usage_error(project, args, message, capsys, monkeypatch):
    monkeypatch.chdir(project)
    assert scan_run.parse(["scan", *args]) is None
    rc, out, err, _ = _in_process(project, args, capsys, monkeypatch, click_path=False)
    assert (rc, out) == (2, "") and err.startswith("secretshift: error: ") and message in err


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["app", "-qh"]])
def test_help_is_clicks(project, args, capsys, monkeypatch):
    rc, out, err, _ = _in_process(project, args, capsys, monkeypatch, click_path=False)
    assert rc == 0 and out.startswith("Usage: secretshift scan [OPTIONS] [PATHS]...") and "--max-file-size" in out


# --- real processes: the console script, what it imports, a closed pipe ----------------------------------
PROBE = """
import sys
# an editable install's finder loads pathlib (and urllib.parse) before any code runs: forget those,
# so that an import of them by the run shows (as tests/hook/test_hook_start_up.py does)
for m in [m for m in sys.modules if m.split(".")[0] in ("pathlib", "urllib", "ipaddress")]:
    del sys.modules[m]
before = set(sys.modules)
from secretshift.cli import main
rc = main(sys.argv[1:])
sys.stdout.flush()
print("CLICK", "click" in sys.modules, rc, file=sys.stderr)
print("MODULES", *sorted(set(sys.modules) - before), file=sys.stderr)
"""
# what a quiet scan of a clean file has no use for: click (the fast path), pathlib and what it brings
# (the body works on strings), the reporters and typing (nothing to report)
NOT_ON_A_QUIET_CLEAN_SCAN = ("click", "pathlib", "urllib", "ipaddress", "typing", "secretshift.reporters")


def _probe(cwd: Path, args: list[str], **env: str) -> tuple[int, bool]:
    return _probe_modules(cwd, args, **env)[:2]


def _probe_modules(cwd: Path, args: list[str], **env: str) -> tuple[int, bool, set[str]]:
    r = subprocess.run([sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True, timeout=120,
                       env={**os.environ, **env})
    line = [x for x in r.stderr.splitlines() if x.startswith("CLICK ")]
    modules = [x for x in r.stderr.splitlines() if x.startswith("MODULES")]
    assert line and modules, r.stderr
    _, loaded, rc = line[-1].split()
    return int(rc), loaded == "True", set(modules[-1].split()[1:])


def test_the_fast_path_imports_no_click_and_the_rest_reaches_it(project, tmp_path):
    out = str(tmp_path / "r.sarif")
    for args, rc in ((["scan", "-q", "app/clean.py"], 0), (["scan", "app"], 1), (["scan", "--format=json", "-o", out, "."], 1),
                     (["scan", "--staged"], 1), (["scan", "--history", "--since", "HEAD~1"], 1), (["scan", "nothere"], 2)):
        assert _probe(project, args) == (rc, False), args
    assert _probe(project, ["scan", "-q", "app/clean.py"], SECRETSHIFT_CLICK="1") == (0, True)
    rc, _, modules = _probe_modules(project, ["scan", "-q", "app/clean.py"], SECRETSHIFT_CLICK="1")
    assert rc == 0 and {"click", "pathlib", "typing"} <= modules  # the probe sees them when they are imported
    rc, _, modules = _probe_modules(project, ["scan", "-q", "app/clean.py"])
    assert rc == 0 and "secretshift.scanner.scan" in modules
    assert sorted(m for m in modules if m in NOT_ON_A_QUIET_CLEAN_SCAN or m.split(".")[0] in NOT_ON_A_QUIET_CLEAN_SCAN) == []
    assert _probe(project, ["scan", "--format", "nope"]) == (2, True)
    assert _probe(project, ["rules"]) == (0, True)
    # the console script itself (`python -m secretshift`, the same entry): no click in its import log
    r = subprocess.run([sys.executable, "-X", "importtime", "-m", "secretshift", "scan", "-q", "app/clean.py"],
                       cwd=project, capture_output=True, text=True, timeout=120)
    imported = {line.rsplit("|", 1)[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")}
    assert r.returncode == 0 and "secretshift.commands.scan_run" in imported and "click" not in imported


def _script(cwd: Path, args: list[str], click_path: bool, stdout=subprocess.PIPE):
    env = {**os.environ}
    env.pop("SECRETSHIFT_CLICK", None)
    if click_path:
        env["SECRETSHIFT_CLICK"] = "1"
    out_file = cwd / OUT
    out_file.unlink(missing_ok=True)
    r = subprocess.run([sys.executable, "-m", "secretshift", "scan", *args], cwd=cwd, env=env, stdout=stdout,
                       stderr=subprocess.PIPE, text=True, timeout=120)
    written = _normal(out_file.read_text()) if out_file.exists() else None
    out_file.unlink(missing_ok=True)
    return r.returncode, _normal(r.stdout or ""), _normal(r.stderr), written


@pytest.mark.parametrize("args", [["app"], ["--format", "json", "."], ["-o", OUT, "--format=sarif", "."], ["missing.py"],
                                  ["--staged"], ["--history"], ["--", "-odd.py"], ["--config=bad.yaml"], ["-qj1", "web"]])
def test_the_console_script_gives_the_same_result_on_both_paths(project, args):
    fast, slow = _script(project, args, False), _script(project, args, True)
    assert fast == slow
    assert_clean(SECRETS, *[x for x in fast[1:] if x])


def test_a_closed_pipe_ends_the_same_way_on_both_paths(tmp_path):
    tree = tmp_path / "many"
    tree.mkdir()
    for i in range(400):  # a report larger than a pipe's buffer: the write itself fails
        (tree / f"m{i}.py").write_text(f'DB_PASSWORD = "{expand("{{rand:alnum:20}}", f"pipe{i}")}"\n')
    ends = []
    for click_path in (False, True):
        env = {k: v for k, v in os.environ.items() if k != "SECRETSHIFT_CLICK"}
        if click_path:
            env["SECRETSHIFT_CLICK"] = "1"
        p = subprocess.Popen([sys.executable, "-m", "secretshift", "scan", "--format", "json", "-j1", str(tree)],
                             cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdout.read(10)
        p.stdout.close()
        err = p.stderr.read()
        ends.append((p.wait(timeout=120), err))
    assert ends[0] == ends[1] == (1, b"")
