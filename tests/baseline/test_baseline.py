"""Baselines: stable files without values, scan --baseline fails only on new findings, marks survive
updates, detect-secrets baselines are honoured, and bad baselines give one clear line."""
from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BASE = ".secretshift-baseline.json"


@pytest.fixture
def project(repo, fake_key):
    keys = [fake_key("b1"), fake_key("b2")]
    repo.write("app/settings.py", f'DEBUG = True\naws_access_key_id = "{keys[0]}"\n')
    pw = fake_key("b3", "{{rand:alnum:16}}")
    repo.write("web/app.js", f'const dbPassword = "{pw}";\n')
    repo.write("deploy/.env", f"AWS_ACCESS_KEY_ID={keys[1]}\n")
    repo.commit("init")
    keys.append(pw)
    return repo, keys


def _entries(path: Path):
    return json.loads(path.read_text())["findings"]


def test_create_writes_sorted_value_free_stable_file(project, cli, no_leak):
    repo, keys = project
    rc, out, err = cli(repo.path, "baseline", "create")
    assert rc == 0 and "3 finding(s)" in err
    base = repo.path / BASE
    first = base.read_bytes()
    doc = json.loads(first)
    assert doc["version"] == 1 and doc["tool"] == "secretshift"
    files = [e["file"] for e in doc["findings"]]
    assert files == sorted(files) == ["app/settings.py", "deploy/.env", "web/app.js"]
    assert all("line" not in e and e["fingerprint"].startswith(e["rule_id"] + ":") for e in doc["findings"])
    no_leak(keys, base, out, err)
    # moving the secret down a few lines changes nothing: keyed by fingerprint, no timestamps
    repo.write("app/settings.py", f'\n\n# moved\nDEBUG = True\naws_access_key_id = "{keys[0]}"\n')
    rc, out, err = cli(repo.path, "baseline", "update")
    assert rc == 0 and "(unchanged)" in err
    assert base.read_bytes() == first
    rc, out, err = cli(repo.path, "baseline", "create", "--force")
    assert base.read_bytes() == first


def test_create_refuses_to_overwrite(project, cli):
    repo, _ = project
    (repo.path / BASE).write_text("{}")
    rc, out, err = cli(repo.path, "baseline", "create")
    assert rc == 2 and "already exists" in err and "update" in err
    assert (repo.path / BASE).read_text() == "{}"


def test_scan_with_baseline_fails_only_on_new(project, cli, fake_key, no_leak):
    repo, keys = project
    cli(repo.path, "baseline", "create")
    rc, out, err = cli(repo.path, "scan", "--baseline", BASE, "--format", "json")
    assert rc == 0 and json.loads(out)["findings"] == []
    new = fake_key("b-new")
    repo.write("app/new.py", f'aws_access_key_id = "{new}"\n')
    rc, out2, err2 = cli(repo.path, "scan", "--baseline", BASE, "--format", "json")
    assert rc == 1
    assert [f["file"] for f in json.loads(out2)["findings"]] == ["app/new.py"]
    no_leak(keys + [new], out, err, out2, err2)


def test_update_adds_drops_and_keeps_marks(project, cli, fake_key, no_leak):
    repo, keys = project
    cli(repo.path, "baseline", "create")
    base = repo.path / BASE
    doc = json.loads(base.read_text())
    for e in doc["findings"]:
        if e["file"] == "web/app.js":
            e.update(reviewed=True, false_positive=True, note="test fixture")
        if e["file"] == "deploy/.env":
            e["reviewed"] = True
    base.write_text(json.dumps(doc, indent=2))
    repo.write("deploy/.env", "AWS_ACCESS_KEY_ID=\n")  # fixed
    new = fake_key("b-upd")
    repo.write("app/later.py", f'aws_access_key_id = "{new}"\n')
    rc, out, err = cli(repo.path, "baseline", "update")
    assert rc == 0 and "1 added, 1 removed, 2 kept" in err
    entries = {e["file"]: e for e in _entries(base)}
    assert set(entries) == {"app/later.py", "app/settings.py", "web/app.js"}
    assert entries["web/app.js"]["false_positive"] is True and entries["web/app.js"]["note"] == "test fixture"
    assert "reviewed" not in entries["app/later.py"]
    no_leak(keys + [new], base, out, err)


def test_detect_secrets_baseline_is_honoured(project, cli, fake_key, tmp_path, no_leak):
    """A real `detect-secrets scan` baseline: its audited AWS keys are known, a new one is not."""
    repo, keys = project
    ds = shutil.which("detect-secrets", path=str(Path(sys.executable).parent))
    assert ds, "detect-secrets is a dependency and must be installed"
    r = subprocess.run([ds, "scan", "app", "deploy"], cwd=repo.path, capture_output=True, text=True, check=True)
    doc = json.loads(r.stdout)
    sha1 = hashlib.sha1(keys[0].encode()).hexdigest()
    assert sha1 in {i["hashed_secret"] for items in doc["results"].values() for i in items}
    for item in doc["results"]["app/settings.py"]:  # as `detect-secrets audit` labels a result
        item["is_secret"] = True
    (repo.path / ".secrets.baseline").write_text(json.dumps(doc))
    rc, out, err = cli(repo.path, "scan", "app", "deploy", "--baseline", ".secrets.baseline", "--format", "json")
    assert rc == 0, out
    new = fake_key("b-ds")
    repo.write("app/other.py", f'aws_access_key_id = "{new}"\n')
    rc, out2, err2 = cli(repo.path, "scan", "app", "deploy", "--baseline", ".secrets.baseline", "--format", "json")
    assert rc == 1 and [f["file"] for f in json.loads(out2)["findings"]] == ["app/other.py"]
    # the audit label carries over into a secretshift baseline; unaudited results carry no mark
    rc, out3, err3 = cli(repo.path, "baseline", "create", "--from-detect-secrets", ".secrets.baseline")
    assert rc == 0
    entries = {e["file"]: e for e in _entries(repo.path / BASE)}
    assert entries["app/settings.py"].get("reviewed") is True
    assert "false_positive" not in entries["app/settings.py"]
    assert "reviewed" not in entries["deploy/.env"]  # in the detect-secrets baseline, never audited
    assert "reviewed" not in entries["app/other.py"] and "reviewed" not in entries["web/app.js"]
    no_leak(keys + [new], out, err, out2, err2, out3, err3, repo.path / BASE)


def test_same_secret_in_another_file_is_not_known_to_a_detect_secrets_baseline(project, cli):
    repo, keys = project
    sha1 = hashlib.sha1(keys[0].encode()).hexdigest()
    ds = {"version": "1.5.0", "plugins_used": [], "filters_used": [], "generated_at": "2024-01-01T00:00:00Z",
          "results": {"app/settings.py": [{"type": "AWS Access Key", "filename": "app/settings.py",
                                           "hashed_secret": sha1, "is_verified": False, "line_number": 2}]}}
    (repo.path / ".secrets.baseline").write_text(json.dumps(ds))
    repo.write("app/copy.py", f'aws_access_key_id = "{keys[0]}"\n')
    rc, out, err = cli(repo.path, "scan", "app", "--baseline", ".secrets.baseline", "--format", "json")
    assert rc == 1 and [f["file"] for f in json.loads(out)["findings"]] == ["app/copy.py"]


BAD = [
    ("{not json", "not valid JSON (Expecting property name"),
    ("[]", "must be a JSON object"),
    ('{"findings": []}', "has no 'version'"),
    ('{"version": "1", "findings": []}', "'version' must be a positive integer"),
    ('{"version": 1, "findings": {}}', "'findings' must be a list"),
    ('{"version": 1, "findings": [{"rule_id": "SS401"}]}', "findings[0]: missing 'fingerprint'"),
    ('{"version": 1, "findings": [{"fingerprint": "SS401:xyz"}]}', "is not of the form RULE:<20 hex digits>"),
    ('{"version": 1, "findings": [{"fingerprint": "SS401:0123456789abcdef0123", "reviewed": "yes"}]}',
     "findings[0]: 'reviewed' must be true or false"),
    ('{"version": 1, "findings": [{"fingerprint": "SS401:0123456789abcdef0123", "false_postive": true}]}',
     "findings[0]: unknown key(s) false_postive"),
    ('{"version": 1, "findings": [], "generated_at": "2024"}', "unknown top-level key(s): generated_at"),
    ('{"version": "1.5.0", "results": {"a.py": [{"hashed_secret": "nothex"}]}}', "detect-secrets could not load this baseline (missing 'type')"),
    ('{"version": "1.5.0", "results": {"a.py": [{"type": "X", "hashed_secret": "nothex"}]}}', "has no valid 'hashed_secret'"),
    ('{"version": "1.5.0", "results": []}', "'results' must be an object keyed by file name"),
    ('{"version": 7, "tool": "secretshift", "findings": []}', "format version 7 was written by a newer secretshift"),
]


@pytest.mark.parametrize("text,message", BAD, ids=[m.split("(")[0][:30] for _, m in BAD])
def test_bad_baseline_is_one_clear_line(project, cli, text, message):
    repo, keys = project
    (repo.path / "bad.json").write_text(text)
    for args in (["scan", "--baseline", "bad.json"], ["baseline", "update", "-f", "bad.json"]):
        rc, out, err = cli(repo.path, *args)
        assert rc == 2, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("secretshift: error: bad.json: ")
        assert message in lines[0]
    assert (repo.path / "bad.json").read_text() == text  # never rewritten


def test_missing_baseline_says_how_to_create_one(project, cli):
    repo, _ = project
    rc, out, err = cli(repo.path, "scan", "--baseline", "nope.json")
    assert rc == 2 and "no such baseline file" in err and "baseline create" in err
