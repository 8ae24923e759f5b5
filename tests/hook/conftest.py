"""Real git repositories built per test; fake credentials built at test time (never in the source)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from scanner.samples import expand


def aws_key(seed: str) -> str:
    """A realistic, high-entropy fake AWS access key id, assembled at run time."""
    return expand("{{join:AK:IA}}{{rand:b32:16}}", seed)


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
        env = {}
        if date:
            env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
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


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    return make_repo(tmp_path / "repo")


def assert_clean(secrets, *outputs) -> None:
    """No output written by the tool contains any of the fake secret values."""
    for out in outputs:
        data = out if isinstance(out, (str, bytes)) else Path(out).read_bytes()
        for s in secrets:
            needle = s.encode() if isinstance(data, bytes) else s
            assert needle not in data, "a secret value leaked into the tool's output"


@pytest.fixture
def new_repo(tmp_path: Path):
    """Factory: a fresh repository in a sub-directory of tmp_path."""
    return lambda name: make_repo(tmp_path / name)


@pytest.fixture
def fake_key():
    return aws_key


@pytest.fixture
def no_leak():
    return assert_clean


@pytest.fixture
def cli(monkeypatch, capsys):
    """Run ``secretshift ARGS`` in-process from directory ``cwd``; return (exit code, stdout, stderr)."""
    from secretshift.cli import main

    def run(cwd: Path, *args: str):
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        rc = main(list(args))
        out, err = capsys.readouterr()
        return rc, out, err

    return run
