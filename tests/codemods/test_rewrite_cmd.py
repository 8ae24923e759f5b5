"""``secretshift rewrite``: diffs by default, writes only with --write --assume-created."""
from __future__ import annotations

import subprocess
import sys

from secretshift.cli import main


def project(tmp_path, kit):
    pw = kit.fake("{{rand:alnum:16}}", "cmd-pw")
    urlpw = kit.fake("{{rand:alnum:14}}", "cmd-url")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'shop'\n")
    app = tmp_path / "settings.py"
    app.write_text(f'import os\nDB_PASSWORD = "{pw}"\nDATABASE_URL = "postgresql://app:{urlpw}@db:5432/app"\n'
                   f'API_KEY = os.getenv("SHOP_API_KEY")\n')
    return app, (pw, urlpw)


def run(args, cwd):
    r = subprocess.run([sys.executable, "-m", "secretshift", *args], capture_output=True, text=True, cwd=cwd, timeout=120)
    return r.returncode, r.stdout, r.stderr


def test_diff_by_default_never_shows_values(tmp_path, kit):
    app, values = project(tmp_path, kit)
    before = app.read_bytes()
    rc, out, err = run(["rewrite", "."], tmp_path)
    assert rc == 1, err
    assert "+DB_PASSWORD = get_secret(" in out and "--- a/settings.py" in out
    assert "unsafe fix(es) not applied" in err  # os.getenv needs --unsafe-fixes
    for v in values:
        assert v not in out and v not in err
    assert app.read_bytes() == before


def test_write_refused_without_assume_created(tmp_path, kit):
    app, _ = project(tmp_path, kit)
    before = app.read_bytes()
    rc, out, err = run(["rewrite", "--write", "."], tmp_path)
    assert rc == 1 and "not writing" in err and "secretshift migrate" in err
    assert app.read_bytes() == before and not (tmp_path / "secretshift_secrets.py").exists()


def test_write_with_assume_created_then_idempotent(tmp_path, kit):
    app, values = project(tmp_path, kit)
    rc, out, err = run(["rewrite", "--write", "--assume-created", "--unsafe-fixes", "--prefix", "shop", "."], tmp_path)
    assert rc == 0, err
    text = app.read_text()
    assert all(v not in text for v in values)
    assert 'get_secret("shop/' in text and "os.getenv" not in text
    assert (tmp_path / "secretshift_secrets.py").exists()
    compile(text, "settings.py", "exec")
    rc, out, err = run(["rewrite", "--write", "--assume-created", "--unsafe-fixes", "--prefix", "shop", "."], tmp_path)
    assert rc == 0 and app.read_text() == text and "0 fix(es)" in err


def test_bad_accessor_is_a_one_line_usage_error(tmp_path, kit, capsys, monkeypatch):
    project(tmp_path, kit)
    monkeypatch.chdir(tmp_path)
    assert main(["rewrite", "--accessor", "not a spec", "."]) == 2
    err = capsys.readouterr().err
    assert err.startswith("secretshift: error: --accessor must be") and err.count("\n") == 1
