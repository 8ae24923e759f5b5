"""Value shapes (scanner.shapes): hashes, public keys, documentation placeholders and code left over
by a keyword match are not credentials, and realistic credentials get through every predicate."""
from __future__ import annotations

import pytest

from secretshift.scanner import filters, shapes
from secretshift.scanner.engines import Candidate
from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.samples import expand



def _x(t: str) -> str:
    return expand(t, "shapes:" + t)


@pytest.mark.parametrize("template", [
    "$2b$12${{rand:alnum:53}}", "$2a$10${{rand:alnum:53}}", "$2y$04${{rand:alnum:53}}",  # bcrypt
    "$6$rounds=5000${{rand:alnum:16}}${{rand:alnum:86}}", "$5${{rand:alnum:8}}${{rand:alnum:43}}",  # sha-crypt
    "$1${{rand:alnum:8}}${{rand:alnum:22}}", "$apr1${{rand:alnum:8}}${{rand:alnum:22}}",
    "$argon2id$v=19$m=65536,t=3,p=4${{rand:b64:22}}${{rand:b64:43}}",
    "pbkdf2_sha256$260000${{rand:alnum:22}}${{rand:b64:43}}=",  # Django
    "argon2$argon2id$v=19$m=102400,t=2,p=8${{rand:alnum:22}}${{rand:alnum:43}}",
    "bcrypt_sha256$$2b$12${{rand:alnum:53}}", "sha1${{rand:alnum:12}}${{rand:hex:40}}",
    "$pbkdf2-sha256$29000${{rand:alnum:22}}${{rand:alnum:43}}",  # passlib
    "{SSHA}{{rand:b64:32}}", "{bcrypt}$2a$10${{rand:alnum:53}}", "*{{rand:HEX:40}}",
    "md5{{rand:hex:32}}", "SCRAM-SHA-256$4096:{{rand:b64:24}}${{rand:b64:44}}:{{rand:b64:44}}",
])
def test_password_hashes_are_recognised(template):
    assert shapes.password_hash(_x(template)) == "password hash"


def test_hex_digest_needs_a_hash_name():
    digest = _x("{{rand:hex:40}}")
    assert shapes.password_hash(digest, "password_sha1") is not None
    assert shapes.password_hash(digest, "api_token") is None
    assert shapes.password_hash("{noop}" + _x("{{rand:alnum:12}}")) is None  # Spring's plain text


@pytest.mark.parametrize("template", [
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ{{rand:b64:60}} deploy@host",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{{rand:b64:43}}",
    "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAA{{rand:b64:40}}",
    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA{{rand:b64:40}}",
    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIE{{rand:b64:40}}",
    "MIIDdzCCAl+gAwIBAgIE{{rand:b64:60}}",
])
def test_public_keys_and_certificates_are_not_secrets(template):
    assert shapes.public_material(_x(template)) is not None
    assert shapes.public_material("-----BEGIN RSA PRIVATE KEY-----\n" + _x("{{rand:b64:64}}")) is None


@pytest.mark.parametrize("value", [
    "[secret]", "[plain text value]", "HEADER.PAYLOAD.SIGNATURE", "GITHUB_WEBHOOK_SECRET",
    "EXPORT_SECRETS_PRIVATE_KEY", ":password", "?", "@pw", "$1", "{0}", "some-password", "pass+word",
    "pass%2Bword", "pass word", "user:pass", "some_user_pass", "my_name_1", "your-api-token",
])
def test_documentation_placeholders(value):
    assert filters.is_placeholder(value) is not None, value


@pytest.mark.parametrize("value", [
    "/^.{1,20}$/", "InitVar[str]", "pulumi.Output<string>", 'env("KAFKA_SASL_PASSWORD",', "os.environ[",
    "config.require(", '" + pw + "', "' . $pass . '", "/etc/kafka/secrets", "relay/credentials.json",
    "https://github.com/org/repo/archive/main.tar.gz", "//github.com/org/repo", "nvidia.com/gpu",
    "failure-domain.beta.kubernetes.io/zone", "aws:ec2/getAmi:getAmi", "kubernetes:helm.sh/v4:Chart",
    "azure-native:authorization:RoleAssignment", "$dcr --no-deps -T relay credentials",
])
def test_right_hand_sides_that_are_not_literals(value):
    assert shapes.not_a_literal(value) is not None, value


@pytest.mark.parametrize("value", ["Red-1", "my_name_1", "_sa_default", "Orange-2"])
def test_labels_are_not_tokens(value):
    assert shapes.label_shape(value) is not None


# realistic values that must pass every predicate: random values with _ - . / inside, real
# passwords that merely contain a dictionary word, passphrases
@pytest.mark.parametrize("template", [
    "{{rand:alnum:12}}_{{rand:alnum:9}}", "{{rand:alnum:8}}-{{rand:alnum:8}}-{{rand:alnum:8}}",
    "{{rand:b64url:40}}", "{{rand:b64:40}}", "{{rand:alnum:10}}.{{rand:alnum:12}}",
    "{{rand:hex:8}}-{{rand:hex:4}}-{{rand:hex:4}}-{{rand:hex:4}}-{{rand:hex:12}}",
    "2Password!9", "Password1234!", "2@Password@2", "secretP4ssword", "test123TEST", "SEcurePwd$3",
    "kx@jj5/g", "gpu-monitoring-demo", "{{rand:alnum:6}}/{{rand:alnum:6}}",
])
def test_realistic_values_pass_every_shape(template):
    v = _x(template)
    assert shapes.password_hash(v) is None and shapes.public_material(v) is None
    assert shapes.doc_placeholder(v) is None and shapes.not_a_literal(v) is None, v
    assert filters.is_placeholder(v) is None, v


def test_a_token_of_random_parts_is_not_a_label():
    for t in ("{{rand:alnum:12}}_{{rand:alnum:9}}", "{{rand:alnum:8}}-{{rand:alnum:8}}"):
        assert shapes.label_shape(_x(t)) is None


def test_passphrase_of_several_words_is_kept_only_for_passphrase_names():
    phrase = "correct horse battery staple orbit lantern"
    assert filters.is_placeholder(phrase) == "prose"
    assert filters.is_placeholder(phrase, symbol="ssh_passphrase") is None
    assert filters.is_placeholder("This is the passphrase of the key.", symbol="passphrase") == "prose"


def test_generic_rules_apply_shape_filters_vendor_rules_do_not():
    rs = {r.id: r for r in load_ruleset().rules}
    generic, url = rs["SS101"], rs["SS436"]  # a Slack webhook URL is a URL and a credential
    value = "https://hooks.slack.com/services/T" + _x("{{rand:alnumupper:8}}/B{{rand:alnumupper:8}}/{{rand:alnum:24}}")
    assert filters.check_value(Candidate(generic, 0, 1, value, symbol="password"), generic) is not None
    assert filters.check_value(Candidate(url, 0, 1, value), url) is None
