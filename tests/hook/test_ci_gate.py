"""The CI gate: --fail-on levels decide the exit code; SARIF (plain and history) fits code scanning."""
from __future__ import annotations

import json

import jsonschema
import pytest



@pytest.fixture
def mixed(repo, fake_key):
    """One critical finding (AWS key id, SS401) and one high one (a password in JS, SS120)."""
    key = fake_key("gate")
    pw = fake_key("gate-pw", "{{rand:alnum:18}}")
    repo.write("app/keys.py", f'aws_access_key_id = "{key}"\n')
    repo.write("web/db.js", f'const dbPassword = "{pw}";\n')
    repo.commit("init")
    return repo, [key, pw]


@pytest.mark.parametrize("level,rc", [("hardcoded", 1), ("any", 1), ("critical", 1), ("high", 1), ("never", 0)])
def test_fail_on_levels(mixed, cli, level, rc):
    repo, _ = mixed
    assert cli(repo.path, "scan", "--fail-on", level)[0] == rc


def test_severity_threshold_excludes_lower_findings(mixed, cli):
    repo, _ = mixed
    repo.write("app/keys.py", "x = 1\n")  # only the high SS120 finding is left
    assert cli(repo.path, "scan", "--fail-on", "critical")[0] == 0
    assert cli(repo.path, "scan", "--fail-on", "high")[0] == 1


def test_usage_error_is_exit_2(mixed, cli):
    repo, _ = mixed
    assert cli(repo.path, "scan", "--fail-on", "sometimes")[0] == 2


@pytest.mark.parametrize("history", [False, True], ids=["scan", "history"])
def test_sarif_validates_and_holds_no_values(mixed, cli, tmp_path, history, no_leak, sarif_schema):
    repo, secrets = mixed
    out_file = tmp_path / "report.sarif"
    args = ["scan", "--format", "sarif", "--output", str(out_file)] + (["--history"] if history else [])
    rc, out, err = cli(repo.path, *args)
    assert rc == 1
    doc = json.loads(out_file.read_text())
    jsonschema.validate(doc, sarif_schema)
    results = doc["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"SS401", "SS120"}
    assert all(r["partialFingerprints"] and r["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
               for r in results)
    no_leak(secrets, out_file, out, err)
