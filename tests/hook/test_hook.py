"""secretshift-hook: blocks files with credentials, passes clean ones, honours baselines, stays light."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from secretshift.hook import main


@pytest.fixture
def run_hook(monkeypatch, capsys, _leak_watch):
    from secretshift_test_gitfixtures import in_process  # loaded by tests/hook/conftest.py

    return in_process(main, monkeypatch, capsys, _leak_watch)


@pytest.fixture
def files(repo, fake_key):
    key = fake_key("hook")
    repo.write("app/settings.py", f'import os\n\nDEBUG = True\naws_access_key_id = "{key}"\n')
    repo.write("app/clean.py", "def f():\n    return 1\n")
    repo.git("add", "-A")
    return repo, key


def test_blocks_file_with_credential_naming_file_line_rule(files, run_hook, no_leak):
    repo, key = files
    rc, out, err = run_hook(repo.path, "app/clean.py", "app/settings.py")
    assert rc == 1
    assert "app/settings.py:4:22: SS401 aws-access-key-id (critical)" in out
    assert "app/clean.py" not in out
    no_leak([key], out, err)


def test_clean_files_and_no_files_pass(files, run_hook):
    repo, _ = files
    assert run_hook(repo.path, "app/clean.py") == (0, "", "")
    assert run_hook(repo.path)[0] == 0


def test_inline_allow_comment_lets_it_through(files, run_hook):
    repo, key = files
    repo.write("app/settings.py", f'aws_access_key_id = "{key}"  # secretshift: allow[SS401]\n')
    assert run_hook(repo.path, "app/settings.py")[0] == 0


def test_baseline_accepts_known_and_blocks_new(files, run_hook, cli, fake_key, no_leak):
    repo, key = files
    rc, _, _ = cli(repo.path, "baseline", "create")
    assert rc == 0
    assert run_hook(repo.path, "--baseline", ".secretshift-baseline.json", "app/settings.py")[0] == 0
    new = fake_key("hook-new")
    repo.write("app/more.py", f'aws_access_key_id = "{new}"\n')
    rc, out, err = run_hook(repo.path, "--baseline", ".secretshift-baseline.json", "app/settings.py", "app/more.py")
    assert rc == 1 and "app/more.py:1:" in out and "app/settings.py" not in out.split("\n", 1)[1].split("Remove")[0]
    no_leak([key, new], out, err, repo.path / ".secretshift-baseline.json")


def test_fail_on_never_reports_nothing(files, run_hook):
    repo, _ = files
    assert run_hook(repo.path, "--fail-on", "never", "app/settings.py")[0] == 0


def test_broken_baseline_is_exit_2_one_line(files, run_hook):
    repo, _ = files
    (repo.path / "b.json").write_text('{"version": 99, "findings": []}')
    rc, out, err = run_hook(repo.path, "--baseline", "b.json", "app/settings.py")
    assert rc == 2 and out == ""
    assert err.count("\n") == 1 and "newer secretshift" in err


def test_staged_flag_reads_the_index_not_the_file(files, run_hook, no_leak):
    repo, key = files
    repo.write("app/settings.py", "DEBUG = True\n")  # fixed on disk, not re-staged
    assert run_hook(repo.path, "app/settings.py")[0] == 0  # the file on disk is clean...
    rc, out, err = run_hook(repo.path, "--staged", "app/settings.py")
    assert rc == 1 and "app/settings.py:4:22" in out  # ...but the commit would carry the secret
    no_leak([key], out, err)


def test_hook_path_imports_no_heavy_modules(files, no_leak):
    """Start-up time: libcst, boto3, detect_secrets and moto stay out of the hook's process."""
    repo, _ = files
    code = ("import sys; from secretshift.hook import main; rc = main(['app/settings.py', 'app/clean.py']); "
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('libcst', 'boto3', 'botocore', 'detect_secrets', 'moto')); "
            "print('RESULT', rc, heavy)")
    r = subprocess.run([sys.executable, "-c", code], cwd=repo.path, capture_output=True, text=True)
    assert r.stdout.strip().splitlines()[-1] == "RESULT 1 []", r.stdout + r.stderr
    no_leak([files[1]], r.stdout, r.stderr)


def test_pre_commit_hooks_manifest():
    import yaml

    root = Path(__file__).resolve().parents[2]
    hooks = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "secretshift"]
    assert hook["language"] == "python" and hook["types"] == ["text"]
    assert hook["entry"] == "secretshift-hook" and hook.get("pass_filenames", True) is True
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    scripts = tomllib.loads((root / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["secretshift-hook"] == "secretshift.hook:main"


def test_missing_file_is_exit_2(files, run_hook):
    repo, _ = files
    rc, out, err = run_hook(repo.path, "app/clean.py", "app/nope.py")
    assert rc == 2 and "app/nope.py" in err


def test_env_reads_block_only_under_fail_on_any(repo, run_hook):
    repo.write("app/db.py", 'import os\n\nPASSWORD = os.environ["DB_PASSWORD"]\n')
    assert run_hook(repo.path, "app/db.py") == (0, "", "")
    rc, out, err = run_hook(repo.path, "--fail-on", "any", "app/db.py")
    assert rc == 1 and "app/db.py:3:" in out and "DB_PASSWORD" in out


def test_bad_fail_on_in_config_is_exit_2(files, run_hook):
    repo, _ = files
    (repo.path / ".secretshift.yaml").write_text("fail_on: sometimes\n")
    rc, out, err = run_hook(repo.path, "app/settings.py")
    assert rc == 2 and "fail_on must be one of" in err
