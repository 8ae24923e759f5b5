"""The hook through the real pre-commit framework: `git commit` in a temporary repository whose
.pre-commit-config.yaml points at this repository. pre-commit pip-installs the hook into its own venv
(needs the package index, ~30 s), so everything is checked in one test to pay that once."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _snapshot(dest: Path) -> str:
    """Commit the current work tree (tracked + untracked, not ignored) of this repository into a fresh
    repo, so pre-commit installs exactly the code under test even when it is not committed yet."""
    r = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                       capture_output=True, check=True)
    for rel in {p for p in r.stdout.decode().split("\0") if p}:
        src = ROOT / rel
        if src.is_file() and not src.is_symlink():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    git = ["git", "-C", str(dest), "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(dest)], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "snapshot"], check=True)
    return subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.slow
def test_commit_blocked_then_allowed(tmp_path, repo, fake_key, no_leak):
    hook_repo = tmp_path / "hookrepo"
    rev = _snapshot(hook_repo)
    repo.write(".pre-commit-config.yaml",
               f"repos:\n- repo: {hook_repo.as_posix()}\n  rev: {rev}\n  hooks:\n  - id: secretshift\n")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pc-home"), "PRE_COMMIT_COLOR": "never",
           "GIT_CONFIG_NOSYSTEM": "1"}
    bindir = Path(sys.executable).parent
    env["PATH"] = f"{bindir}{os.pathsep}{env.get('PATH', '')}"
    subprocess.run([str(bindir / "pre-commit"), "install"], cwd=repo.path, env=env, check=True, capture_output=True)

    def commit(msg: str) -> tuple[int, str]:
        r = subprocess.run(["git", "commit", "-m", msg], cwd=repo.path, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        return r.returncode, r.stdout  # git runs the hook with its output on stderr

    key = fake_key("precommit")
    repo.write("README.md", "# demo\n")
    repo.write("app/settings.py", f'DEBUG = True\naws_access_key_id = "{key}"\n')
    repo.git("add", "-A")
    rc1, out1 = commit("add settings")
    assert rc1 != 0, out1
    assert "secretshift" in out1 and "Failed" in out1
    assert "app/settings.py:2:" in out1 and "SS401" in out1
    assert subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=repo.path).returncode != 0

    # fixed in the work tree but not re-staged: pre-commit stashes the fix, the staged secret is caught
    repo.write("app/settings.py", "DEBUG = True\n")
    rc2, out2 = commit("still bad")
    assert rc2 != 0 and "app/settings.py:2:" in out2, out2
    assert (repo.path / "app/settings.py").read_text() == "DEBUG = True\n"  # the unstaged fix survived

    repo.git("add", "app/settings.py")
    rc3, out3 = commit("clean")
    assert rc3 == 0, out3
    assert "Passed" in out3
    assert repo.git("log", "--format=%s") == "clean"
    no_leak([key], out1, out2, out3)
