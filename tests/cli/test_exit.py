"""The console script ends without the interpreter's teardown (``secretshift.cli.entry``): the
exit code, every byte of the report and what the exit handlers write must be as before."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from secretshift.scanner.samples import expand


def _run(args, cache, cwd):
    env = {**os.environ, "SECRETSHIFT_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "secretshift", *args], capture_output=True, text=True, env=env,
                          cwd=cwd)


def test_the_fast_exit_keeps_the_exit_code_the_whole_report_and_the_exit_handlers(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    n = 300  # a report larger than a pipe's buffer: it must be flushed whole
    for i in range(n):
        (tree / f"m{i}.py").write_text(f'DB_PASSWORD = "{expand("{{rand:alnum:20}}", f"exit{i}")}"\n', encoding="utf-8")
    cache = tmp_path / "cache"
    r = _run(["scan", str(tree), "--all-files", "--format", "json", "-j", "1"], cache, tmp_path)
    assert r.returncode == 1, r.stderr
    assert len(r.stdout) > 65536 and len(json.loads(r.stdout)["findings"]) == n
    assert list((cache / "re-pack").glob("*.bin")), "the exit handler wrote the compiled-program cache"
    out = tmp_path / "report.sarif"
    r = _run(["scan", str(tree), "--all-files", "--format", "sarif", "-o", str(out)], cache, tmp_path)
    assert r.returncode == 1 and r.stdout == "" and len(json.loads(out.read_text())["runs"][0]["results"]) == n
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "a.py").write_text("x = 1\n", encoding="utf-8")
    r = _run(["scan", str(clean), "--all-files"], cache, tmp_path)
    assert r.returncode == 0 and "0 hardcoded credential(s)" in r.stdout
    r = _run(["scan", str(clean / "missing.py")], cache, tmp_path)
    assert r.returncode == 2
    r = _run(["scan", "--format", "nope"], cache, tmp_path)
    assert r.returncode == 2 and "error" in r.stderr


def test_atomic_writes_keep_the_mode_leave_no_temporary_file_and_import_no_tempfile(tmp_path):
    import stat

    from secretshift.base.fileio import atomic_write_text

    f = tmp_path / "report.json"
    atomic_write_text(f, "one\r\n")
    assert f.read_bytes() == b"one\r\n"
    assert stat.S_IMODE(f.stat().st_mode) == 0o644 & ~_umask()
    f.chmod(0o640)
    atomic_write_text(f, "two\n")
    assert f.read_text() == "two\n" and stat.S_IMODE(f.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]
    r = subprocess.run([sys.executable, "-c", "import sys, secretshift.base.fileio as f; print('tempfile' in sys.modules)"],
                       capture_output=True, text=True)
    assert r.stdout.strip() == "False"


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old
