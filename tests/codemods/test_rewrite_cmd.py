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


def test_javascript_and_deployment_files_are_rewritten_too(tmp_path, kit, capsys, monkeypatch):
    """JS/TS and deployment files go through the same command: diffs first (values masked, the JSON
    keys kept), unsafe rewrites only with --unsafe-fixes, and a file that names ARNs is written only
    once region and account are known."""
    sg = kit.fake("SG.{{rand:b64url:22}}.{{rand:b64url:43}}", "cmd-sg")
    tok, sk = kit.fake("{{rand:alnum:24}}", "cmd-tok"), kit.fake("sk_{{join:li:ve}}_{{rand:alnum:24}}", "cmd-sk")
    (tmp_path / "worker").mkdir()
    (tmp_path / "worker" / "index.js").write_text(
        f'const key = "{sg}";\nasync function main() {{ const token = "{tok}"; return token; }}\nmodule.exports = {{ key, main }};\n')
    task = tmp_path / "task.json"
    task.write_text('{"family": "web", "containerDefinitions": [{"name": "web", "environment": '
                    f'[{{"name": "STRIPE_SECRET_KEY", "value": "{sk}"}}]}}]}}\n')
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AWS_REGION", raising=False)
    assert main(["rewrite", "."]) == 1
    out, err = capsys.readouterr()
    assert '+async function main() { const token = await getSecret("' in out  # safe: inside an async function
    assert "getSecretSync(" not in out and "task.json" not in out  # unsafe ones wait for --unsafe-fixes
    assert "2 unsafe fix(es) not applied" in err
    assert main(["rewrite", "--unsafe-fixes", "--write", "--assume-created", "."]) == 1
    out, err = capsys.readouterr()
    assert "task.json: not written: its rewrite names the secrets' ARNs" in err
    assert "environment" in task.read_text()
    js = (tmp_path / "worker" / "index.js").read_text()
    assert js.startswith('const { getSecretSync, getSecret } = require("./secretshift-secrets.cjs");\n')
    assert (tmp_path / "worker" / "secretshift-secrets.cjs").is_file()
    assert main(["rewrite", "--unsafe-fixes", "--write", "--assume-created", "--region", "eu-west-1",
                 "--account-id", "123456789012", "."]) == 0
    out, err = capsys.readouterr()
    assert '"valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:production/api/stripe:secret_key::"' \
        in task.read_text()
    assert (tmp_path / "worker" / "index.js").read_text() == js  # written once
    for v in (sg, tok, sk):
        assert v not in out + err and v not in js and v not in task.read_text()
