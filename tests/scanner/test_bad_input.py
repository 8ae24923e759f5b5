"""Bad input never crashes a scan: each problem is one line on stderr and the rest is still scanned.

Every tree here also holds a file with a real-looking fake AWS key, so each test proves the scan went
on past the bad file (the key is found) rather than merely "did not raise".
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from secretshift.scanner.samples import expand
from secretshift.cli import main

KEY = expand("AKIA{{rand:b32:16}}", "bad-input")  # fake, built at test time


def _key_line(seed: str = "") -> str:
    return f'aws_access_key_id = "{KEY}"\n'


def _scan(capsys, *args: str) -> tuple[int, dict, list[str]]:
    rc = main(["scan", "--format", "json", *args])
    out, err = capsys.readouterr()
    return rc, json.loads(out), [ln for ln in err.splitlines() if ln.strip()]


def _lines_about(err: list[str], name: str) -> list[str]:
    return [ln for ln in err if name in ln]


def _no_traceback(err: list[str]) -> None:
    assert not any("Traceback" in ln for ln in err), err


def _files(doc: dict) -> set[str]:
    return {f["file"] for f in doc["findings"]}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "good.txt").write_text(_key_line())
    return tmp_path


def test_undecodable_bytes_are_replaced_and_the_file_still_scanned(tree, capsys):
    (tree / "latin1.cfg").write_bytes(b"caf\xe9 \x80\x81\n" + _key_line().encode())
    rc, doc, err = _scan(capsys, str(tree))
    assert rc == 1
    assert _files(doc) == {"good.txt", "latin1.cfg"}
    [line] = _lines_about(err, "latin1.cfg")
    assert "not valid UTF-8" in line and KEY not in line
    _no_traceback(err)


def test_nul_byte_mid_file_is_noted_and_what_follows_is_found(tree, capsys):
    (tree / "notes.txt").write_bytes(b"header\n\x00\nmore text\n" + _key_line().encode())
    rc, doc, err = _scan(capsys, str(tree))
    assert rc == 1
    assert "notes.txt" in _files(doc)
    found = [f for f in doc["findings"] if f["file"] == "notes.txt"]
    assert found[0]["line"] == 4
    [line] = _lines_about(err, "notes.txt")
    assert "NUL byte at offset 7" in line


def test_binary_file_is_skipped_quietly_and_counted(tree, capsys):
    blob = bytes(range(256)) * 64  # NULs and control bytes throughout
    (tree / "blob.dat").write_bytes(blob + _key_line().encode())
    rc, doc, err = _scan(capsys, str(tree))
    assert _files(doc) == {"good.txt"}
    assert doc["summary"]["files_skipped"] == 1 and doc["summary"]["files_scanned"] == 1
    assert _lines_about(err, "blob.dat") == []


def test_empty_file_is_scanned(tree, capsys):
    (tree / "empty.env").write_bytes(b"")
    rc, doc, err = _scan(capsys, str(tree))
    assert rc == 1
    assert doc["summary"]["files_scanned"] == 2
    assert err == []


def test_20mb_single_line_file_is_skipped_with_one_line(tree, capsys):
    (tree / "bundle.js").write_bytes(b"var a=1;" * (20 * 1024 * 1024 // 8))
    rc, doc, err = _scan(capsys, str(tree))
    assert rc == 1 and _files(doc) == {"good.txt"}
    [line] = _lines_about(err, "bundle.js")
    assert "larger than" in line
    # raising the size limit: the file is recognised as minified, again one line
    rc, doc, err = _scan(capsys, "--max-file-size", str(30 * 1024 * 1024), str(tree))
    assert rc == 1 and _files(doc) == {"good.txt"}
    [line] = _lines_about(err, "bundle.js")
    assert "minified" in line
    assert doc["summary"]["files_skipped"] == 1


def test_symlink_loops_are_not_followed(tree, capsys):
    os.symlink(tree / "loop_b", tree / "loop_a")
    os.symlink(tree / "loop_a", tree / "loop_b")
    (tree / "sub").mkdir()
    os.symlink(tree, tree / "sub" / "up")  # a directory loop
    os.symlink(tree / "good.txt", tree / "sub" / "alias.txt")  # would scan good.txt twice
    rc, doc, err = _scan(capsys, str(tree))
    assert rc == 1
    assert [f["file"] for f in doc["findings"]] == ["good.txt"]
    _no_traceback(err)
    # named explicitly, a looping link is reported in one line; the other path is still scanned
    rc, doc, err = _scan(capsys, str(tree / "loop_a"), str(tree / "good.txt"))
    assert _files(doc) == {"good.txt"}
    [line] = _lines_about(err, "loop_a")
    assert "symbolic link" in line


def test_fifo_does_not_hang_the_scan(tree):
    os.mkfifo(tree / "pipe.env")
    # a subprocess with a timeout: if the scan ever blocked on the FIFO the test fails, not hangs
    r = subprocess.run([sys.executable, "-m", "secretshift", "scan", "--format", "json", str(tree)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1
    assert _files(json.loads(r.stdout)) == {"good.txt"}
    [line] = [ln for ln in r.stderr.splitlines() if "pipe.env" in ln]
    assert "not a regular file (a FIFO)" in line


def test_tracked_file_replaced_by_a_directory(tree, capsys):
    git = shutil.which("git")
    assert git, "git is required"
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}
    (tree / "settings").write_text("debug = true\n")
    subprocess.run([git, "init", "-q", str(tree)], check=True, env=env)
    subprocess.run([git, "-C", str(tree), "add", "-A"], check=True, env=env)
    subprocess.run([git, "-C", str(tree), "commit", "-qm", "init"], check=True, env=env)
    (tree / "settings").unlink()
    (tree / "settings").mkdir()  # the index still says "settings" is a file
    (tree / "settings" / "prod.txt").write_text(_key_line())
    rc, doc, err = _scan(capsys, str(tree))
    assert _files(doc) == {"good.txt", "settings/prod.txt"}
    [line] = [ln for ln in err if "settings:" in ln]
    assert "not a regular file (a directory)" in line
    _no_traceback(err)


def _drop_dac_capabilities() -> None:
    """In the child, before exec: remove CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from the
    capability bounding set (prctl PR_CAPBSET_DROP), so even root gets EACCES on a mode-000 file."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_unreadable_file_is_reported_and_exit_code_is_2(tree):
    """A real EACCES: chmod 000 does not stop root, so as root the scan runs in a child process
    whose capability bounding set lacks the two DAC-override capabilities."""
    (tree / "secret.env").write_text(_key_line())
    os.chmod(tree / "secret.env", 0)
    try:
        r = subprocess.run(
            [sys.executable, "-m", "secretshift", "scan", "--format", "json", str(tree)],
            capture_output=True, text=True, timeout=120,
            preexec_fn=_drop_dac_capabilities if os.geteuid() == 0 else None,
        )
    finally:
        os.chmod(tree / "secret.env", 0o644)
    assert r.returncode == 2, r.stderr
    doc = json.loads(r.stdout)
    assert _files(doc) == {"good.txt"}  # the rest of the tree was scanned and reported
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "secret.env" in lines[0] and "Permission denied" in lines[0], lines


def test_python_syntax_error_does_not_stop_the_scan(tree, capsys):
    (tree / "broken.py").write_text("def f(:\n    pass\n" + _key_line())
    rc, doc, err = _scan(capsys, str(tree))
    assert rc == 1
    assert "broken.py" in _files(doc)  # the regex rules still see the key
    _no_traceback(err)
    assert len(_lines_about(err, "broken.py")) <= 1


@pytest.mark.parametrize("name,content", [
    ("config.yaml", "db:\n  host: [unclosed\n  key: {{\n" + "aws_access_key_id: {key}\n"),
    ("task.json", '{"containerDefinitions": [{"environment": [\n  "AWS_ACCESS_KEY_ID={key}"\n'),
])
def test_malformed_yaml_and_json_are_still_scanned(tree, capsys, name, content):
    (tree / name).write_text(content.replace("{key}", KEY))
    rc, doc, err = _scan(capsys, str(tree))
    assert rc == 1
    assert name in _files(doc)
    _no_traceback(err)
    assert len(_lines_about(err, name)) <= 1


def test_missing_path_is_exit_2_and_the_rest_is_scanned(tree, capsys):
    rc, doc, err = _scan(capsys, str(tree / "nope.txt"), str(tree / "good.txt"))
    assert rc == 2
    assert _files(doc) == {"good.txt"}
    [line] = _lines_about(err, "nope.txt")
    assert "no such file or directory" in line
