"""The regex engine: keyword prefilter, several value groups, name checks, code-aware bare values,
values running to the end of the line in INI/YAML, boundary sharing between matches, validators,
and binary keystores. Rules must stay RE2-compatible."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from secretshift.scanner.engines import FileContext
from secretshift.scanner.engines import regex as engine
from secretshift.scanner.ruleset import load_ruleset, parse_rule
from secretshift.scanner.samples import expand
from secretshift.scanner.scan import ScanOptions, scan_paths, scan_text

RULESET = load_ruleset()


def _rule(regex, **extra):
    raw = {"id": "SS998", "slug": "engine-test", "description": "t", "engine": "regex", "regex": regex,
           "category": "generic", "severity": "high", "confidence": "high",
           "samples": {"positive": ["x"], "negative": ["y"]}, **extra}
    return parse_rule(raw, "test.yaml")


def _values(rule, text, path="a.txt", language="text"):
    return [c.value for c in engine.run(FileContext(path, text, language), [rule])]


def _ids(text, path):
    return {f.rule_id for f in scan_text(text, path, RULESET, warn=lambda m: None)}


def test_keyword_prefilter_skips_rules_whose_keywords_are_absent():
    rule = _rule(r"(?P<secret>[a-z]{8})", keywords=["needle"])
    assert _values(rule, "abcdefgh") == []
    assert _values(rule, "NEEDLE abcdefgh") == ["abcdefgh"]  # the prefilter is case-insensitive


def test_first_matching_value_group_is_the_value():
    rule = _rule(r"""k=(?:"(?P<secret>[^"]+)"|(?P<secret_bare>\S+))""")
    assert _values(rule, 'k="quoted value"\nk=bare') == ["quoted value", "bare"]


def test_bare_values_that_read_like_code_are_dropped_only_in_program_source():
    rule = _rule(r"""password\s*=\s*(?:"(?P<secret>[^"]+)"|(?P<secret_bare>[^\s;]+))""")
    js = "password = getPassword();\npassword = this.config.pass;\npassword = \"Xk2-lit\";"
    assert _values(rule, js, "app.js", "javascript") == ["Xk2-lit"]
    assert _values(rule, "password = hunter2value", "app.ini", "ini") == ["hunter2value"]


def test_name_pattern_and_name_exclude_judge_the_name_group():
    rule = _rule(r"(?P<name>\w+)=(?P<secret>\w+)", name_pattern="(?i)token",
                 options={"name_exclude": ["(?i)url$", "(?i)^public"]})
    text = "api_token=a1\ntoken_url=a2\npublic_token=a3\ncolour=a4"
    assert _values(rule, text) == ["a1"]


def test_a_boundary_character_after_one_value_can_start_the_next_match():
    # each value is bounded by a non-word character on both sides; consecutive lines share the newline
    rule = _rule(r"(?:^|\W)(?P<secret>tok_[a-z0-9]{6})(?:\W|$)")
    assert _values(rule, "tok_aaaaa1\ntok_bbbbb2\ntok_ccccc3") == ["tok_aaaaa1", "tok_bbbbb2", "tok_ccccc3"]


def test_bare_value_runs_to_end_of_line_in_config_languages_only():
    rule = _rule(r"password\s*[:=]\s*(?P<secret_bare>\S+)", options={"bare_to_eol": True})
    assert _values(rule, "password: correct horse battery  # old\n", "a.yaml", "yaml") == ["correct horse battery"]
    assert _values(rule, "password=correct horse\n", ".env", "dotenv") == ["correct"]


def test_jwt_validator_rejects_look_alikes():
    header = expand("eyJ{{join:hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9}}", "j")
    good = f"{header}.eyJ{expand('{{rand:b64url:40}}', 'p')}.{expand('{{rand:b64url:43}}', 's')}"
    assert engine.valid_jwt(good)
    assert not engine.valid_jwt("eyJhbasdGciOiJIUaddasdasfsasdasdzI1NiIasdsInR5cCI6IkpXVCasdJasd9.eyJzdWIi.x")
    assert "SS458" in _ids(f'token = "{good}"\n', "a.txt")


@pytest.mark.parametrize("template,path,rule_id", [
    ('const dbPassword = "{{rand:alnum:14}}";', "app.ts", "SS120"),  # parsed: the code engine's rule
    ('DB_PASS := "{{rand:alnum:12}}"', "main.go", "SS120"),
    ("spring.datasource.password={{rand:alnum:12}}", "application.properties", "SS101"),
    ('GITHUB_TOKEN=ghp_{{rand:alnum:36}}', ".env", "SS420"),
    ('url: "postgresql://app:{{rand:alnum:16}}@db.internal:5432/app"', "config.yaml", "SS601"),
    ('MONGO="mongodb+srv://app:{{rand:alnum:16}}@c0.x.mongodb.net/app"', "deploy.sh", "SS603"),
])
def test_specific_kinds_in_many_languages(template, path, rule_id):
    assert rule_id in _ids(expand(template, path) + "\n", path)


def test_vendor_rule_wins_over_generic_on_overlap():
    text = expand('SLACK_TOKEN = "xoxb-{{rand:digits:12}}-{{rand:digits:13}}-{{rand:alnum:24}}"', "s") + "\n"
    assert _ids(text, "app.js") == {"SS433"}


def test_connection_url_password_is_the_secret():
    pw = expand("{{rand:alnum:16}}", "pw")
    (f,) = scan_text(f"DATABASE_URL=postgres://app:{pw}@db.internal:5432/app\n", "settings.ini", RULESET)
    assert (f.rule_id, f.service, f.field) == ("SS601", "postgresql", "password")
    assert f.value is not None and f.value.reveal() == pw


def test_generic_rules_do_not_look_at_python_files():
    text = expand('db_password = "{{rand:alnum:14}}"', "py") + "\n"
    assert not {"SS101", "SS102"} & _ids(text, "settings.py")
    assert "SS101" in _ids(text, "settings.toml")


def test_pkcs12_file_is_reported_at_line_1_by_name(tmp_path: Path):
    data = bytes(range(256)) * 8  # binary, NUL bytes included
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "client.p12").write_bytes(data)
    (tmp_path / "certs" / "notes.bin").write_bytes(data)
    res = scan_paths(ScanOptions(root=tmp_path, all_files=True), RULESET, warn=lambda m: None)
    hits = [(f.file, f.rule_id, f.line) for f in res.findings]
    assert hits == [("certs/client.p12", "SS503", 1)]
    import base64

    assert res.findings[0].value is not None
    assert base64.b64decode(res.findings[0].value.reveal()) == data


_NOT_RE2 = re.compile(r"\(\?[=!]|\(\?<[=!]|\(\?P=|\\[1-9]")


def test_rule_regexes_are_re2_compatible_and_bounded():
    for r in RULESET.rules:
        if r.regex is None:
            continue
        assert not _NOT_RE2.search(r.regex.pattern), f"{r.id}: look-around or back-reference"
        assert "(?P<secret" in r.regex.pattern or r.secret_group != "secret", r.id


def test_catalogue_size_and_metadata():
    rules = [r for r in RULESET.rules if r.engine == "regex" and r.kind == "hardcoded"]
    assert len(rules) >= 60
    for r in rules:
        assert r.rotation, f"{r.id} has no rotation route"
        assert r.docs.get("use_instead") and r.docs.get("fix_safety"), r.id
        prefix = r.id[:3]
        if prefix == "SS6" and r.category == "db":
            assert r.field == "password", r.id
        if r.category == "generic" and prefix == "SS1":
            assert r.priority < 0, f"{r.id}: generic rules must lose to specific ones"


def test_not_after_option_is_a_leading_boundary():
    """SS440's value must not continue a word: `xSK...` is not a Twilio key, ` SK...` is."""
    from secretshift.scanner.ruleset import Ruleset, load_ruleset
    from secretshift.scanner.samples import expand
    from secretshift.scanner.scan import scan_text

    rule = load_ruleset().get("SS440")
    assert rule.options.get("not_after")
    key = expand("SK{{rand:hex:32}}", "not-after")
    alone = Ruleset([rule])
    hits = lambda text: [f.line for f in scan_text(text, "a.txt", alone, warn=lambda m: None)]  # noqa: E731
    assert hits(f"twilio_key = {key}\n") == [1]
    assert hits(f"id = x{key}\n") == []
