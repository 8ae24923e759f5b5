"""Configuration ([tool.secretshift] / .secretshift.yaml) and inline suppressions, through the CLI."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from secretshift.scanner.samples import expand
from secretshift.cli import main

KEY = expand("AKIA{{rand:b32:16}}", "config-key")
KEY2 = expand("AKIA{{rand:b32:16}}", "config-key-2")


def _scan(capsys, *args: str) -> tuple[int, list[dict], str]:
    rc = main(["scan", "--format", "json", *args])
    out, err = capsys.readouterr()
    return rc, (json.loads(out)["findings"] if out.strip() else []), err


@pytest.fixture
def proj(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.env").write_text(f"AWS_ACCESS_KEY_ID={KEY}\n")
    (tmp_path / "fixtures").mkdir()
    (tmp_path / "fixtures" / "b.env").write_text(f"AWS_ACCESS_KEY_ID={KEY2}\n")
    return tmp_path


def _files(findings: list[dict]) -> set[str]:
    return {f["file"] for f in findings}


def test_pyproject_exclude_and_disable(proj, capsys):
    rc, f, _ = _scan(capsys, str(proj))
    assert _files(f) == {"src/a.env", "fixtures/b.env"}
    (proj / "pyproject.toml").write_text('[tool.secretshift]\nexclude = ["fixtures/*"]\n')
    rc, f, _ = _scan(capsys, str(proj))
    assert _files(f) == {"src/a.env"}
    (proj / "pyproject.toml").write_text('[tool.secretshift]\ndisable = ["SS401"]\n')
    rc, f, _ = _scan(capsys, str(proj))
    assert not any(x["rule_id"] == "SS401" for x in f)


def test_yaml_config_extra_placeholders(proj, capsys):
    marker = KEY[6:12].lower()  # a team's own placeholder marker inside the value
    (proj / ".secretshift.yaml").write_text(f"placeholders: [{marker}]\n")
    rc, f, _ = _scan(capsys, str(proj))
    assert "src/a.env" not in _files(f) and "fixtures/b.env" in _files(f)


def test_extra_rule_file(proj, capsys):
    token = expand("acme_{{rand:alnum:32}}", "acme")
    (proj / "src" / "c.txt").write_text(f"token: {token}\n")
    (proj / "team-rules.yaml").write_text(
        "- id: SS990\n  slug: acme-token\n  description: ACME API token\n  engine: regex\n"
        "  priority: 20\n  keywords: [acme_]\n  regex: '(?P<secret>acme_[A-Za-z0-9]{32})'\n  category: api\n"
        "  severity: high\n  confidence: high\n  docs: {what: ACME tokens., why: They grant API access.}\n"
        "  samples:\n    positive: ['acme_{{rand:alnum:32}}']\n    negative: ['acme_short']\n")
    (proj / ".secretshift.yaml").write_text("rules: [team-rules.yaml]\n")
    rc, f, _ = _scan(capsys, str(proj))
    hit = [x for x in f if x["rule_id"] == "SS990"]
    assert [x["file"] for x in hit] == ["src/c.txt"] and hit[0]["slug"] == "acme-token"


@pytest.mark.parametrize("name,text,needle", [
    (".secretshift.yaml", "exclude: [x]\ncolour: red\n", "unknown key(s) colour"),
    ("pyproject.toml", '[tool.secretshift]\nexlude = ["x"]\n', "unknown key(s) exlude"),
    ("pyproject.toml", '[tool.secretshift]\nexclude = "x"\n', "'exclude' must be a list of strings"),
    (".secretshift.yaml", "exclude: [unclosed\n", "not valid YAML"),
    ("pyproject.toml", "[tool.secretshift\nexclude = 1\n", "not valid TOML"),
])
def test_bad_config_is_exit_2_in_one_line(proj, capsys, name, text, needle):
    (proj / name).write_text(text)
    rc, f, err = _scan(capsys, str(proj))
    assert rc == 2 and f == []
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and lines[0].startswith("secretshift: error:")


def test_bad_extra_rule_file_is_exit_2_in_one_line(proj, capsys):
    (proj / "bad-rules.yaml").write_text("- id: SS991\n  slug: x\n  regex: '(unclosed'\n")
    (proj / ".secretshift.yaml").write_text("rules: [bad-rules.yaml]\n")
    rc, f, err = _scan(capsys, str(proj))
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "SS991" in err


# --- inline suppressions ------------------------------------------------------------------------

@pytest.mark.parametrize("text,suppressed", [
    ('k = "{key}"  # secretshift: allow[SS401]', True),
    ('k = "{key}"  # secretshift: allow[aws-access-key-id]', True),
    ('k = "{key}"  # secretshift: allow[SS105]', False),  # another rule's code does not silence it
    ('k = "{key}"  # secretshift: allow', True),
    ('k = "{key}"  # pragma: allowlist secret', True),
    ('# secretshift: allow-next-line[SS401]\nk = "{key}"', True),
    ('# secretshift: allow-next-line\nk = "{key}"', True),
    ('x = 1  # secretshift: allow-next-line[SS401]\nk = "{key}"', False),  # must be on its own line
    ('# secretshift: allow-next-line[SS401]\n\nk = "{key}"', False),  # only the very next line
    ('# pragma: allowlist nextline secret\nk = "{key}"', True),
])
def test_inline_suppressions(tmp_path, capsys, text, suppressed):
    (tmp_path / "settings.sh").write_text(text.format(key=KEY) + "\n")
    rc, f, _ = _scan(capsys, str(tmp_path))
    hits = [x for x in f if x["rule_id"] == "SS401"]
    assert (hits == []) is suppressed
