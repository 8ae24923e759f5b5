"""Value filters and inline suppressions (scanner.filters): each predicate says why a value is not a
finding, and real-looking values must get through."""
from __future__ import annotations

import pytest

from secretshift.scanner import filters
from secretshift.scanner.engines import Candidate
from secretshift.scanner.ruleset import parse_rule
from secretshift.scanner.samples import expand


def _rule(**extra):
    raw = {"id": "SS999", "slug": "test-rule", "description": "t", "engine": "regex", "regex": "(?P<secret>x)",
           "category": "generic", "severity": "high", "confidence": "high",
           "samples": {"positive": ["x"], "negative": ["y"]}, **extra}
    return parse_rule(raw, "test.yaml")


def _cand(rule, value):
    return Candidate(rule=rule, start=0, end=len(value), value=value)


@pytest.mark.parametrize("value", [
    "${DB_PASSWORD}", "${DB_PASSWORD:-dev}", "{{ .Values.password }}", "{{ password }}", "<your-api-key>",
    "%DB_PASSWORD%", "$DB_PASSWORD", "#{secret}", "postgres://app:${PGPASSWORD}@db/app",
    "changeme", "CHANGE_ME", "your_password_here", "xxxxxxxxxxxx", "****", "password", "null", "",
    "ENC[AES256_GCM,data:O+5l4g==,iv:abc]", "{cipher}a1b2c3d4e5f6", "$ANSIBLE_VAULT;1.1;AES256",
    "aaaaaaaaaaaaaaab", "abcdefgh", ",.:-@*?!", "sk_abcdefghijklmnopqrstuvwxyz123", "AKIAIOSFODNN7EXAMPLE",
    "2016-09-08T21:47:36Z", "The password for the admin user in the cluster.", "{JSON STRING WITH CREDENTIALS}",
    "{\\n  \\", "eyJ2IjoiMSIsInMiOjEsImMiOi...", "%TestSourcePassword%",
    "{password}", "{db_password!s}", "{settings.DB_PASSWORD}",  # str.format / f-string fields
])
def test_placeholders_are_not_findings(value):
    assert filters.is_placeholder(value) is not None


@pytest.mark.parametrize("template", [
    "{{rand:alnum:20}}",
    "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}",  # braces but no real template reference
    "A,.:-{{rand:alnum:6}}@*?!",
    "{{rand:hex:8}}-{{rand:hex:4}}-{{rand:hex:4}}-{{rand:hex:4}}-{{rand:hex:12}}",
    "TestSource%Password%{{rand:digits:3}}",  # a partial Windows variable is still a literal value
])
def test_real_looking_values_pass(template):
    value = expand(template, "filters")
    assert filters.is_placeholder(value) is None, value


def test_shannon_entropy_orders_values():
    assert filters.shannon_entropy("") == 0.0
    assert filters.shannon_entropy("aaaa") == 0.0
    assert filters.shannon_entropy("abcd") == pytest.approx(2.0)
    assert filters.shannon_entropy(expand("{{rand:b64:40}}", "e")) > 4.0


def test_check_value_applies_rule_limits_in_order():
    rule = _rule(min_length=8, max_length=20, entropy=3.0,
                 allowlist={"stopwords": ["sandbox"], "regexes": ["^pk_"]})
    assert filters.check_value(_cand(rule, "Ab1"), rule) == "too short"
    assert filters.check_value(_cand(rule, expand("{{rand:alnum:30}}", "l")), rule) == "too long"
    assert filters.check_value(_cand(rule, "abababababab"), rule) == "low entropy"
    assert filters.check_value(_cand(rule, "Xq9-sandbox-7Lm"), rule) == "stopword sandbox"
    assert filters.check_value(_cand(rule, "pk_" + expand("{{rand:alnum:12}}", "p")), rule) == "allowlisted by rule"
    assert filters.check_value(_cand(rule, expand("{{rand:alnum:16}}", "ok")), rule) is None


def test_keep_placeholders_option_skips_placeholder_words():
    keep = _rule(options={"keep_placeholders": True})
    plain = _rule()
    assert filters.check_value(_cand(plain, "password"), plain) == "placeholder word"
    assert filters.check_value(_cand(keep, "password"), keep) is None


def test_extra_placeholders_from_settings():
    rule = _rule()
    value = "acme-" + expand("{{rand:alnum:16}}", "x")
    assert filters.check_value(_cand(rule, value), rule) is None
    assert filters.check_value(_cand(rule, value), rule, ("acme-",)) == "placeholder (acme-)"


@pytest.mark.parametrize("line,prev,expected", [
    ('token = "abc"  # secretshift: allow[SS101]', None, True),
    ('token = "abc"  # secretshift: allow[SS101, SS102]', None, True),
    ('token = "abc"  # secretshift: allow[generic-password-assignment]', None, True),
    ('token = "abc"  # secretshift: allow', None, True),
    ('token = "abc"  # secretshift: allow[SS401]', None, False),
    ('token = "abc"  // pragma: allowlist secret', None, True),
    ('token = "abc"', "# secretshift: allow-next-line[SS101]", True),
    ('token = "abc"', "  // secretshift: allow-next-line", True),
    ('token = "abc"', "# pragma: allowlist nextline secret", True),
    ('token = "abc"', 'x = 1  # secretshift: allow-next-line', False),  # must start its own line
    ('token = "abc"', None, False),
])
def test_inline_suppressions(line, prev, expected):
    assert filters.suppressed("SS101", "generic-password-assignment", line, prev) is expected
