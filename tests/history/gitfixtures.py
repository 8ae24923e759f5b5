"""Fixtures shared by tests/hook, tests/history and tests/baseline (each conftest loads this file).

Real git repositories are built per test. Fake credentials are built at test time from templates
(never stored in the source) and registered, and every stdout/stderr the tool produces through the
``cli`` fixture is checked at teardown not to contain any of them.
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from secretshift.scanner.samples import expand

AWS_KEY = "{{join:AK:IA}}{{rand:b32:16}}"


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path

    def git(self, *args: str, env: dict | None = None) -> str:
        e = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", **(env or {})}
        r = subprocess.run(["git", "-C", str(self.path), *args], capture_output=True, text=True, env=e)
        assert r.returncode == 0, f"git {args}: {r.stderr}"
        return r.stdout.strip()

    def write(self, rel: str, text: str | bytes) -> Path:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            p.write_bytes(text)
        else:
            p.write_text(text, encoding="utf-8")
        return p

    def commit(self, msg: str, author: str = "Ann Author <ann@example.com>", date: str | None = None) -> str:
        self.git("add", "-A")
        env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {}
        self.git("commit", "-q", "--allow-empty", "-m", msg, f"--author={author}", env=env)
        return self.git("rev-parse", "HEAD")


def make_repo(path: Path) -> Repo:
    path.mkdir(parents=True, exist_ok=True)
    r = Repo(path)
    r.git("init", "-q", "-b", "main")
    r.git("config", "user.name", "Test User")
    r.git("config", "user.email", "test@example.com")
    r.git("config", "commit.gpgsign", "false")
    return r


def assert_clean(secrets, *outputs) -> None:
    """None of ``outputs`` (str, bytes, or a path to a file the tool wrote) holds a secret value."""
    for out in outputs:
        data = out if isinstance(out, (str, bytes)) else Path(out).read_bytes()
        for s in secrets:
            assert (s.encode() if isinstance(data, bytes) else s) not in data, \
                "a secret value leaked into the tool's output"


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path / "repo")


@pytest.fixture
def new_repo(tmp_path: Path):
    """Factory: a fresh repository in a sub-directory of tmp_path."""
    return lambda name: make_repo(tmp_path / name)


@pytest.fixture
def _leak_watch():
    """Secrets made by this test and outputs produced by the tool; checked against each other at teardown."""
    watch: dict[str, list] = {"secrets": [], "outputs": []}
    yield watch
    assert_clean(watch["secrets"], *watch["outputs"])


@pytest.fixture
def fake_key(_leak_watch):
    """fake_key(seed, template=AWS key id): a realistic fake credential, registered for the leak check."""
    def make(seed: str, template: str = AWS_KEY) -> str:
        value = expand(template, seed)
        _leak_watch["secrets"].append(value)
        return value

    return make


@pytest.fixture
def no_leak(_leak_watch):
    """no_leak(secrets, *outputs): check now; outputs are also kept for the teardown check."""
    def check(secrets, *outputs) -> None:
        assert_clean(secrets, *outputs)
        _leak_watch["outputs"].extend(outputs)

    return check


def in_process(entry, monkeypatch, capsys, leak_watch):
    """A runner for ``entry(argv) -> int`` from directory ``cwd``: (exit code, stdout, stderr), with
    both streams kept for the leak check."""

    def run(cwd: Path, *args: str):
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        rc = entry(list(args))
        out, err = capsys.readouterr()
        leak_watch["outputs"].extend([out, err])
        return rc, out, err

    return run


@pytest.fixture
def cli(monkeypatch, capsys, _leak_watch):
    """Run ``secretshift ARGS`` in-process from directory ``cwd``; return (exit code, stdout, stderr)."""
    from secretshift.cli import main

    return in_process(main, monkeypatch, capsys, _leak_watch)
