"""text / json / sarif reports: shape, stability, and that no fake secret value ever reaches a byte of
any output (stdout, stderr or --output file)."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from secretshift.scanner.samples import expand
from secretshift.cli import main


AWS = expand("AKIA{{rand:b32:16}}", "reports-aws")
PW = expand("{{rand:alnum:18}}", "reports-pw")
VALUES = (AWS, PW)
FINDING_KEYS = {"rule_id", "slug", "kind", "file", "line", "column", "end_line", "end_column", "category",
                "severity", "confidence", "masked", "fingerprint"}
SUMMARY_KEYS = {"files_scanned", "files_skipped", "bytes_scanned", "findings", "seconds"}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "config.js").write_text(
        f'const region = "us-east-1";\nconst dbPassword = "{PW}";\n')
    (tmp_path / "deploy.env").write_text(f"AWS_ACCESS_KEY_ID={AWS}\n")
    (tmp_path / "README.md").write_text("nothing to see\n")
    return tmp_path


def _run(capsys, *args: str) -> tuple[int, str, str]:
    rc = main(["scan", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def _assert_no_values(*blobs: str | bytes) -> None:
    for b in blobs:
        data = b.encode() if isinstance(b, str) else b
        for v in VALUES:
            assert v.encode() not in data
            assert v[4:-4].encode() not in data  # not even the middle of a value


def test_json_schema_v1(project, capsys):
    rc, out, err = _run(capsys, "--format", "json", str(project))
    assert rc == 1
    doc = json.loads(out)
    assert doc["version"] == 1 and set(doc) == {"version", "findings", "summary"}
    assert set(doc["summary"]) == SUMMARY_KEYS
    assert doc["summary"]["files_scanned"] == 3 and doc["summary"]["findings"] == len(doc["findings"])
    files = {f["file"] for f in doc["findings"]}
    assert files == {"app/config.js", "deploy.env"}  # relative, POSIX
    for f in doc["findings"]:
        assert FINDING_KEYS <= set(f)
        assert f["kind"] in ("hardcoded", "env")
        assert f["fingerprint"].startswith(f["rule_id"] + ":")
        assert "…" in f["masked"] or "*" in f["masked"]
    aws = next(f for f in doc["findings"] if f["file"] == "deploy.env" and f["masked"].startswith("AK…"))
    assert (aws["line"], aws["column"], aws["end_line"], aws["end_column"]) == (1, 19, 1, 39)
    _assert_no_values(out, err)


def test_fingerprint_stable_when_the_line_moves(project, capsys):
    _, out, _ = _run(capsys, "--format", "json", str(project))
    before = {(f["file"], f["rule_id"]): (f["fingerprint"], f["line"]) for f in json.loads(out)["findings"]}
    js = project / "app" / "config.js"
    js.write_text("// a comment\n\n" + js.read_text())
    _, out, _ = _run(capsys, "--format", "json", str(project))
    after = {(f["file"], f["rule_id"]): (f["fingerprint"], f["line"]) for f in json.loads(out)["findings"]}
    assert before.keys() == after.keys()
    for k in before:
        assert before[k][0] == after[k][0]
        if k[0] == "app/config.js":
            assert after[k][1] == before[k][1] + 2


def test_sarif_validates_and_carries_rules_and_fingerprints(project, capsys, sarif_schema):
    rc, out, err = _run(capsys, "--format", "sarif", str(project))
    assert rc == 1
    doc = json.loads(out)
    jsonschema.validate(doc, sarif_schema)
    run = doc["runs"][0]
    rule_ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert len(rule_ids) == len(set(rule_ids))
    assert run["results"], "findings expected"
    for res in run["results"]:
        assert res["ruleId"] in rule_ids
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]
        assert res["partialFingerprints"]["secretshift/v1"].startswith(res["ruleId"] + ":")
        loc = res["locations"][0]["physicalLocation"]
        assert not loc["artifactLocation"]["uri"].startswith("/")
    _assert_no_values(out, err)


def test_sarif_empty_run_validates(tmp_path, capsys, sarif_schema):
    (tmp_path / "clean.txt").write_text("hello\n")
    rc, out, _ = _run(capsys, "--format", "sarif", str(tmp_path))
    assert rc == 0
    doc = json.loads(out)
    jsonschema.validate(doc, sarif_schema)
    assert doc["runs"][0]["results"] == []


def test_text_groups_by_file_with_summary_and_no_colour_off_a_tty(project, capsys):
    rc, out, err = _run(capsys, str(project))
    assert rc == 1
    assert "\x1b[" not in out  # captured stdout is not a terminal
    lines = out.splitlines()
    assert "app/config.js" in lines and "deploy.env" in lines
    i = lines.index("deploy.env")
    detail = lines[i + 1]
    assert "1:19" in detail and "SS401" in detail and "…" in detail
    assert lines[-1].startswith("2 hardcoded credential(s)") and "3 files scanned" in lines[-1]
    _assert_no_values(out, err)


def test_text_colour_when_asked_for_a_terminal(project):
    import io

    from secretshift.scanner.ruleset import load_ruleset
    from secretshift.scanner.scan import ScanOptions, scan_paths
    from secretshift.reporters import get_reporter

    rs = load_ruleset()
    result = scan_paths(ScanOptions(root=project, jobs=1), rs, warn=lambda m: None)
    buf = io.StringIO()
    get_reporter("text").write(result, rs, buf, color=True)
    assert "\x1b[" in buf.getvalue()
    _assert_no_values(buf.getvalue())


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_output_file_holds_the_report_and_stdout_stays_empty(project, capsys, fmt):
    dest = project.parent / f"report.{fmt}"
    rc, out, err = _run(capsys, "--format", fmt, "--output", str(dest), str(project))
    assert rc == 1 and out == ""
    data = dest.read_bytes()
    assert b"deploy.env" in data
    if fmt != "text":
        json.loads(data)
    assert b"\x1b[" not in data
    _assert_no_values(data, out, err)


def test_output_to_a_directory_is_a_one_line_error(project, capsys):
    rc, out, err = _run(capsys, "--format", "json", "--output", str(project), str(project))
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_quiet_prints_nothing_when_clean(tmp_path, capsys):
    (tmp_path / "clean.txt").write_text("hello\n")
    rc, out, err = _run(capsys, "-q", str(tmp_path))
    assert (rc, out, err) == (0, "", "")


def test_a_mask_keeps_most_of_a_short_value_hidden():
    """QA: an 18-character password showed 6 of its characters (Ver…ord); a mask shows at most 4 then."""
    from secretshift.scanner.models import mask

    assert mask("Zq7vR2mKx9pLw4sTuV") == "Zq…uV"
    assert mask("Zq7vR2mKx9p") == "********(11)"
    assert mask("x" * 24).count("x") == 6 and mask("y" * 40).count("y") == 8
