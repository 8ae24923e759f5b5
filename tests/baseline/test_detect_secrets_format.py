"""A team keeps its detect-secrets audit workflow: secretshift writes a .secrets.baseline that the real
`detect-secrets audit` accepts and labels, reads the labels back through detect-secrets' own loader,
and reads old baseline versions that detect-secrets upgrades."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

DS = ".secrets.baseline"


def _detect_secrets() -> str:
    exe = shutil.which("detect-secrets", path=str(Path(sys.executable).parent))
    assert exe, "detect-secrets is a dependency and must be installed"
    return exe


@pytest.fixture
def project(repo, fake_key):
    aws = fake_key("ds1")
    pw = fake_key("ds2", "{{rand:alnum:18}}")
    repo.write("app/settings.py", f'DEBUG = True\naws_access_key_id = "{aws}"\n')
    repo.write("web/db.js", f'const dbPassword = "{pw}";\n')
    repo.commit("init")
    return repo, [aws, pw]


def _audit(root: Path, answers: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([_detect_secrets(), "audit", DS], cwd=root, input=answers, capture_output=True,
                          text=True, timeout=120, env=env)


def test_detect_secrets_audit_labels_a_secretshift_baseline_and_the_labels_come_back(project, cli, no_leak):
    repo, values = project
    rc, out, err = cli(repo.path, "baseline", "create", "--format", "detect-secrets")
    assert rc == 0 and "2 finding(s)" in err and "re-finds" not in err
    doc = json.loads((repo.path / DS).read_text())
    results = {(f, i["hashed_secret"]): i for f, items in doc["results"].items() for i in items}
    want = {("app/settings.py", hashlib.sha1(values[0].encode()).hexdigest()),
            ("web/db.js", hashlib.sha1(values[1].encode()).hexdigest())}
    assert set(results) == want
    # each under the detect-secrets plugin that re-finds it, so audit can show it
    assert {f: i["type"] for (f, _), i in results.items()} == {"app/settings.py": "AWS Access Key",
                                                               "web/db.js": "Secret Keyword"}
    assert not any(f["path"].endswith("verification_policies") for f in doc["filters_used"])  # no network
    no_leak(values, out, err, repo.path / DS)

    # the real, interactive audit ("Should this string be committed to the repository?"), results in
    # file order: app/settings.py is a real secret (no), web/db.js a false positive (yes)
    r = _audit(repo.path, "n\ny\n")
    assert r.returncode == 0, r.stderr[-2000:]
    assert "Unable to" not in r.stdout + r.stderr and "not found" not in (r.stdout + r.stderr).lower()
    labelled = json.loads((repo.path / DS).read_text())
    labels = {f: [i.get("is_secret") for i in items] for f, items in labelled["results"].items()}
    assert labels == {"app/settings.py": [True], "web/db.js": [False]}

    # secretshift reads the audited baseline: nothing new; a new key still fails the gate
    rc, out, err = cli(repo.path, "scan", "app", "web", "--baseline", DS)
    assert rc == 0
    # the verdicts become secretshift marks
    rc, out2, err2 = cli(repo.path, "baseline", "create", "--from-detect-secrets", DS)
    assert rc == 0
    marks = {e["file"]: e for e in json.loads((repo.path / ".secretshift-baseline.json").read_text())["findings"]}
    assert marks["app/settings.py"].get("reviewed") is True and "false_positive" not in marks["app/settings.py"]
    assert marks["web/db.js"].get("false_positive") is True
    # update keeps the file a detect-secrets baseline and keeps the audit labels
    rc, out3, err3 = cli(repo.path, "baseline", "update", "-f", DS)
    assert rc == 0
    updated = json.loads((repo.path / DS).read_text())
    assert {f: [i.get("is_secret") for i in items] for f, items in updated["results"].items()} == labels
    before = (repo.path / DS).read_bytes()
    rc, _, err4 = cli(repo.path, "baseline", "update", "-f", DS)
    assert rc == 0 and "(unchanged)" in err4 and (repo.path / DS).read_bytes() == before
    no_leak(values, out, err, out2, err2, out3, err3, repo.path / DS, repo.path / ".secretshift-baseline.json")


def test_an_old_detect_secrets_baseline_is_upgraded_by_detect_secrets_and_honoured(project, cli):
    """A 0.12-era baseline (exclude_regex, base64_limit, no filters_used) goes through detect-secrets'
    own upgrade path."""
    repo, values = project
    sha1 = hashlib.sha1(values[0].encode()).hexdigest()
    old = {"exclude_regex": "^tests/", "generated_at": "2019-05-01T00:00:00Z", "version": "0.12.2",
           "plugins_used": [{"name": "AWSKeyDetector"}, {"base64_limit": 4.5, "name": "Base64HighEntropyString"}],
           "results": {"app/settings.py": [{"hashed_secret": sha1, "is_secret": False, "is_verified": False,
                                            "line_number": 2, "type": "AWS Access Key"}]}}
    (repo.path / DS).write_text(json.dumps(old))
    rc, out, err = cli(repo.path, "scan", "app", "web", "--baseline", DS, "--format", "json")
    assert rc == 1
    assert [f["file"] for f in json.loads(out)["findings"]] == ["web/db.js"]  # the AWS key is known
    rc, out, err = cli(repo.path, "baseline", "create", "--from-detect-secrets", DS)
    assert rc == 0
    marks = {e["file"]: e for e in json.loads((repo.path / ".secretshift-baseline.json").read_text())["findings"]}
    assert marks["app/settings.py"].get("false_positive") is True


def test_reading_a_baseline_never_imports_the_plugin_files_it_names(project, cli, tmp_path):
    """A baseline may name custom plugin files; reading it to filter findings must not run them."""
    repo, values = project
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.py"
    evil.write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    doc = {"version": "1.5.0", "plugins_used": [{"name": "Evil", "path": f"file://{evil}"}], "filters_used": [],
           "results": {}}
    (repo.path / DS).write_text(json.dumps(doc))
    rc, out, err = cli(repo.path, "scan", "app", "--baseline", DS)
    assert rc == 1 and not marker.exists()


def test_a_finding_no_detect_secrets_plugin_refinds_is_kept_counted_and_audit_still_runs(repo, fake_key, cli, no_leak):
    """secretshift evaluates implicit concatenation; detect-secrets' keyword plugin sees only a part."""
    a, b = fake_key("ds-a", "{{rand:alnum:9}}"), fake_key("ds-b", "{{rand:alnum:9}}")
    repo.write("app/db.py", f'DB_PASSWORD = ("{a}"\n               "{b}")\n')
    repo.commit("init")
    rc, out, err = cli(repo.path, "baseline", "create", "--format", "detect-secrets")
    assert rc == 0 and "1 finding(s)" in err and "1 of them no detect-secrets plugin re-finds" in err
    doc = json.loads((repo.path / DS).read_text())
    assert [i["hashed_secret"] for i in doc["results"]["app/db.py"]] == [hashlib.sha1((a + b).encode()).hexdigest()]
    rc, _, _ = cli(repo.path, "scan", "app", "--baseline", DS)
    assert rc == 0  # the gate knows it
    r = _audit(repo.path, "s\n")
    assert r.returncode == 0 and "Traceback" not in r.stderr
    no_leak([a + b], out, err, repo.path / DS)
