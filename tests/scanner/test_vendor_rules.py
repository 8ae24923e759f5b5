"""The vendor catalogue as a whole: size, a rotation route for every rule, one secret per vendor,
checksums and claims, vendor rules winning over the generic net, compact rotation routes."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from secretshift.base.errors import RuleConfigError
from secretshift.scanner.ruleset import Ruleset, load_ruleset, parse_rule
from secretshift.scanner.samples import expand
from secretshift.scanner.scan import scan_text

ROOT = Path(__file__).resolve().parents[2]
RULESET = load_ruleset()
BY_SLUG = {r.slug: r for r in RULESET.rules}


def _scan(text: str, path: str, rules: Ruleset = RULESET):
    return scan_text(text, path, rules, warn=lambda m: None)


def test_catalogue_size_and_a_route_for_every_rule_and_a_rule_for_every_route():
    from secretshift.commands.rules import format_specific
    from secretshift.reporters.rotation_routes import load_routes

    specific = [r for r in RULESET.rules if format_specific(r)]
    assert len(specific) >= 250
    assert len({r.service for r in specific if r.service}) >= 150
    routes = {r["id"] for r in load_routes()["routes"]}
    hardcoded = [r for r in RULESET.rules if r.kind == "hardcoded"]
    assert [r.id for r in hardcoded if r.rotation not in routes] == []
    assert routes - {r.rotation for r in hardcoded} == set()
    # vendor rules point at their vendor's own procedure, not at the generic one
    assert [r.id for r in specific if r.service and r.rotation.startswith("generic-")] == []


def test_each_vendor_lands_in_one_secret_path():
    """A vendor's rules agree on the planner's category, so its values share production/<cat>/<service>."""
    from secretshift.planner.naming import service_for

    homes: dict[str, set[str]] = {}
    for r in RULESET.rules:
        if r.engine == "regex" and r.service and r.category not in ("generic", "ssh", "ssl"):
            homes.setdefault(r.service, set()).add(service_for(None, r.service, r.category)[0])
    assert {s: c for s, c in homes.items() if len(c) > 1} == {}


def test_docs_catalogue_is_the_commands_output():
    from secretshift.commands.rules import markdown

    doc = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- catalogue:begin[^>]*-->\n(.*?)<!-- catalogue:end -->", doc, re.S)
    assert m, "docs/rules.md lost its catalogue markers"
    assert m.group(1) == markdown(RULESET.rules), "run: secretshift rules --format markdown, paste into docs/rules.md"


@pytest.mark.parametrize("slug, good, bad", [
    ("github-pat-classic", "ghp_{{rand:alnum:30}}{{crc32:base62:6}}", "ghp_{{rand:alnum:36}}"),
    ("npm-token", "npm_{{rand:alnum:30}}{{crc32:base62:6}}", "npm_{{rand:alnum:36}}"),
    ("grafana-service-account-token", "{{begin}}glsa_{{rand:alnum:32}}{{crc32:hex-le:8:_}}",
     "glsa_{{rand:alnum:32}}_{{rand:hex:8}}"),
    ("age-secret-key", "{{bech32:AGE-SECRET-KEY-:32}}", "AGE-SECRET-KEY-1{{rand:bech32:58}}"),
])
def test_a_failed_checksum_lowers_the_confidence(slug, good, bad):
    alone = Ruleset([BY_SLUG[slug]])
    ok = _scan(f'token = "{expand(good, slug)}"\n', "a.txt", alone)
    off = _scan(f'token = "{expand(bad, slug + "x")}"\n', "a.txt", alone)
    assert [f.confidence for f in ok] == ["high"] and [f.confidence for f in off] == ["low"]


def test_checksum_validators_against_published_vectors():
    from secretshift.scanner.validators import check

    assert check({"kind": "bech32"}, "A12UEL5L") and not check({"kind": "bech32"}, "A12UEL5M")  # BIP-173
    assert check({"kind": "bech32"}, "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw")
    spec = {"kind": "crc32", "encoding": "hex", "length": 8, "separator": "_", "byteorder": "little"}
    import zlib

    body = "glsa_" + "a" * 32
    assert check(spec, body + "_" + zlib.crc32(body.encode()).to_bytes(4, "little").hex())
    assert not check(spec, body + "_" + zlib.crc32(body.encode()).to_bytes(4, "big").hex())


def test_jwt_claims_pick_the_kubernetes_rule_and_leave_other_jwts_to_the_generic_one():
    rule = BY_SLUG["kubernetes-service-account-token"]
    sa = rule.positives[0].text.split("token: ", 1)[1]
    other = rule.negatives[0].text.split("token: ", 1)[1]
    got = {f.slug for f in _scan(f"token: {expand(sa, 'k8s')}\n", "kubeconfig.txt")}
    assert got == {"kubernetes-service-account-token"}
    assert {f.slug for f in _scan(f"token: {expand(other, 'k8s')}\n", "a.txt")} == {"jwt"}


@pytest.mark.parametrize("path, template, slug", [
    ("settings.py", 'api_key = "sk_{{join:li:ve}}_{{rand:alnum:24}}"\n', "stripe-secret-key"),
    ("settings.py", 'password = "ghp_{{rand:alnum:30}}{{crc32:base62:6}}"\n', "github-pat-classic"),
    ("client.py", 'Client(api_key="SG.{{rand:b64url:22}}.{{rand:b64url:43}}")\n', "sendgrid-api-key"),
    ("app.js", 'const apiKey = "xoxb-{{rand:digits:11}}-{{rand:digits:12}}-{{rand:alnum:24}}";\n', "slack-bot-token"),
    ("config.yaml", "notify:\n  api_key: os_v2_app_{{rand:alnumlower:113}}\n", "onesignal-api-key"),
    (".env", "MISTRAL_API_KEY={{rand:alnum:32}}\n", "mistral-api-key"),
])
def test_a_vendor_value_in_a_generic_assignment_is_reported_under_the_vendor(path, template, slug):
    text = expand(template, path)
    got = [(f.slug, f.service) for f in _scan(text, path) if f.kind == "hardcoded"]
    assert got == [(slug, BY_SLUG[slug].service)], got


def test_context_words_start_a_word():
    value = expand("{{rand:hex:40}}", "meraki")
    meraki = Ruleset([BY_SLUG["cisco-meraki-api-key"]])
    assert len(_scan(f"MERAKI_DASHBOARD_API_KEY={value}\n", ".env", meraki)) == 1
    assert _scan(f"ReactNativeCameraKit: {value}\n", "a.lock", meraki) == []


def test_twilio_sid_and_token_are_one_secret_and_an_aws_pair_one_credential():
    from secretshift.planner.build import PlanOptions, build_plan
    from secretshift.planner.routes import matcher
    from secretshift.reporters.rotation_routes import load_routes

    text = expand('TWILIO_ACCOUNT_SID = "AC{{rand:hex:32}}"\nTWILIO_AUTH_TOKEN = "{{rand:hex:32}}"\n'
                  'AWS_ACCESS_KEY_ID = "{{join:AK:IA}}{{rand:b32:16}}"\nAWS_SECRET_ACCESS_KEY = "{{rand:b64:40}}"\n', "tw")
    findings = _scan(text, "settings.py")
    rotation = matcher(load_routes()["routes"], {r.id: r.rotation for r in RULESET.rules if r.rotation})
    plan = build_plan(findings, PlanOptions(), rotation)
    secrets = {s.name: ([v.key for v in s.values], s.rotation) for s in plan.secrets}
    assert secrets == {"production/api/twilio": (["account_sid", "auth_token"], "twilio"),
                       "production/cloud/aws": (["access_key_id", "secret_access_key"], "aws-access-key")}


def test_compact_routes_follow_the_overlap_and_the_checklist_shows_the_vendor_procedure():
    from secretshift.reporters import checklist_md
    from secretshift.reporters.rotation_routes import load_routes

    data = load_routes()
    routes = {r["id"]: r for r in data["routes"]}
    both = [s["text"] for s in routes["mailgun"]["steps"]]  # overlap: new first, old revoked last
    assert both[0].startswith("Add a new API key") and both[-1].startswith("Delete the leaked key")
    one = [s["text"] for s in routes["telegram-bot"]["steps"]]  # no overlap: plan a window first
    assert one[0].startswith("Plan a short window") and "/revoke" in one[1]
    item = {"rank": 1, "title": "Mailgun API key", "live": False, "masked": "key-…", "fingerprint": "SS443:x",
            "rule_id": "SS443", "slug": "mailgun-api-key", "severity": "high", "in_history": False, "paths": ["a.py"],
            "path": "a.py", "secret": "production/api/mailgun", "route": "mailgun", "pushed": False,
            "first_commit": None, "first_commit_date": None, "has_rotation_lambda": False}
    md = checklist_md.render([item], data)
    assert "app.mailgun.com/settings/api_security" in md and "zero-downtime rotation: yes" in md
    assert "put-secret-value --secret-id production/api/mailgun" in md


@pytest.mark.parametrize("change, message", [
    ({"validator": {"kind": "crc64"}}, "validator must be a mapping with kind one of"),
    ({"validator": {"kind": "crc32", "encoding": "base36"}}, "encoding must be base62 or hex"),
    ({"validator": {"kind": "crc32", "on_failure": "ignore"}}, "on_failure must be one of"),
    ({"validator": {"kind": "jwt", "claims": {"iss": "("}}}, "claim iss: regex does not compile"),
    ({"context": ["acme"], "regex": None}, "context needs a regex"),
])
def test_malformed_vendor_keys_fail_naming_file_and_rule(change, message):
    raw = {"id": "SS901", "slug": "acme-token", "description": "d", "engine": "regex", "regex": "(?P<secret>x)",
           "category": "api", "severity": "high", "confidence": "high",
           "samples": {"positive": ["x"], "negative": ["y"]}}
    raw.update(change)
    raw = {k: v for k, v in raw.items() if v is not None}
    with pytest.raises(RuleConfigError, match=rf"team\.yaml: rule SS901: .*{re.escape(message)}"):
        parse_rule(raw, "team.yaml")


def test_file_defaults_fill_in_and_rules_override(tmp_path):
    from secretshift.scanner.ruleset import load_rule_file

    p = tmp_path / "team.yaml"
    p.write_text("defaults:\n  engine: regex\n  category: api\n  confidence: high\n  severity: high\n"
                 "  docs: {why: They grant access., use_instead: Secrets Manager.}\nrules:\n"
                 "- id: SS901\n  slug: acme-token\n  description: ACME token\n  context: [acme]\n"
                 "  regex: (?P<secret>[a-f0-9]{32})\n  severity: medium\n  docs: {what: ACME tokens.}\n"
                 "  samples: {positive: ['ACME_KEY={{rand:hex:32}}'], negative: ['KEY={{rand:hex:32}}']}\n")
    rule = load_rule_file(p)[0]
    assert (rule.engine, rule.severity, rule.keywords) == ("regex", "medium", ("acme",))
    assert rule.docs["why"] == "They grant access." and rule.docs["what"] == "ACME tokens."
    assert rule.docs["example"] == "ACME_KEY={{rand:hex:32}}"
    p.write_text("defaults:\n  slug: x\nrules: []\n")
    with pytest.raises(RuleConfigError, match="team.yaml: 'defaults' must be a mapping"):
        load_rule_file(p)
