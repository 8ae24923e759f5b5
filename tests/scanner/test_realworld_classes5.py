"""Classes of false positive and false negative found by QA round 4 on Laravel, Rails, Go, Rust,
Django and Helm applications (snipe-it, invoiceninja, pixelfed, openstreetmap-website, lldap,
remark42, netbox, saleor, redash, prometheus-community charts): each case is the class, written
fresh, never a copied line."""
from __future__ import annotations

import base64

import pytest

from secretshift.planner.scope import is_development_path, is_test_path
from secretshift.scanner.samples import expand

from scan_helpers import rule_ids as _rules  # noqa: E402

PW = expand("{{rand:alnum:14}}", "realworld-classes5")


@pytest.mark.parametrize("text,path", [
    # a Python dotted path under a secret-looking name (in a settings module or a docs snippet)
    ("REMOTE_AUTH_BACKEND = 'social_core.backends.github.GithubOAuth2'", "docs/authentication.md"),
    # markup a view passes beside a field's name, cut at its first quoted attribute or whole
    ("{!! $errors->first('password', '<span class=\"alert-msg\"><i></i> :message</span>') !!}", "login.blade.php"),
    ("{!! $errors->first('current_password', '<div>:message</div>') !!}", "edit.blade.php"),
    # Laravel: validation rules, a route's controller action, a list of field names
    ("'password' => 'required|string|min:8|confirmed',", "app/Http/Requests/StoreUser.php"),
    ("<?php\nRoute::post('password', 'AccountController@passwordUpdate');\n", "routes/web.php"),
    ("<?php\n$input = $request->except('password', 'password_confirmation', '_token');\n", "app/Exceptions/Handler.php"),
    # a CSS selector
    ("var passwordElement = $('#modal-new-password');", "resources/views/users/edit.blade.php"),
    # a YAML key holding `=` and a wiki page named after the key (OpenStreetMap's tag pages)
    ("pages:\n  de:\n    mountain_pass=yes: DE:Tag:mountain pass=yes\n    waterway=fish_pass: DE:Tag:waterway=fish pass\n",
     "config/wiki_pages.yml"),
    # an OAuth user id is an identifier
    ('post "/user", params: { auth_provider: "google", auth_uid: "' + expand("{{rand:digits:9}}", "uid") + '" }',
     "test/integration/user_creation_test.rb"),
])
def test_not_credentials(text, path):
    assert _rules(text, path) == []


def test_a_base64_certificate_in_a_secret_is_public():
    """prometheus-community charts: a TLS Secret's `client-ca.crt` (base64 of a PEM certificate) is
    public; the `tls.key` beside it stays a finding."""
    cert = base64.b64encode(("-----BEGIN CERTIFICATE-----\n" + expand("{{rand:alnum:64}}", "crt")
                             + "\n-----END CERTIFICATE-----\n").encode()).decode()
    text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: tls\ndata:\n  client-ca.crt: {cert}\n"
    assert _rules(text, "charts/x/ci/tls-values.yaml") == []


@pytest.mark.parametrize("text,path", [
    (f"'password' => env('DB_PASSWORD', '{PW}'),", "config/database.php"),
    (f"'password' => '{PW}',", "config/mail.php"),
    (f"$errors->first('password', '{PW}')", "login.blade.php"),
])
def test_the_same_forms_with_a_value_are_still_found(text, path):
    assert _rules("<?php\n" + text if path.endswith(".php") else text, path)


@pytest.mark.parametrize("path,test,dev", [
    (".env.tests", True, False), (".env.testing-ci", True, False), (".env.unit-tests", True, False),
    (".env.travis", True, False), (".ci/compose.ci.yaml", True, False),
    ("charts/node-exporter/ci/tls-values.yaml", True, False),
    (".env.dev.docker", False, True), (".devcontainer/compose.yaml", False, True),
    ("lib/tasks/fake_data.rake", False, True), (".env-test", True, False), ("Vagrantfile", False, True),
    ("ansible/freebsd/vagrant_playbook.yml", False, True),
    (".env", False, False), (".env.docker", False, False), ("app/ci.rb", False, False),
    ("deploy/charts/app/values.yaml", False, False),
])
def test_test_and_development_files_by_name(path, test, dev):
    """QA: snipe-it's .env.tests became the value of production/db/mysql, redash's .ci/ compose files
    and a chart's ci/ values were planned under production/, a dev container was rewritten to need AWS."""
    assert (is_test_path(path), is_development_path(path)) == (test, dev)


@pytest.mark.parametrize("text,path", [
    # numbered names are their names (a second user's password, a rotation's next secret)
    (f'const password1 = "{PW}";', "src/seed.js"),
    (f'secret2 = "{PW}"', "app/settings.py"),
    (f'class A {{ String jwtSecret2 = "{PW}"; }}', "src/main/java/A.java"),
    # an env read's literal fallback wherever it is: the program signs with it when the variable is unset
    (f"jwt.sign(payload, process.env.JWT_SECRET || '{PW}');", "src/auth.ts"),
    (f"const s = process.env.SESSION_SECRET ?? '{PW}';", "app.js"),
])
def test_credentials_of_round_four_are_found(text, path):
    assert _rules(text, path)


@pytest.mark.parametrize("text,path", [
    ("const port = process.env.PORT || '3000';", "app.js"),
    # a value the text calls an example, and a placeholder in Chinese
    ('<input placeholder="Your Bearer Token (e.g. sk_live_' + expand("{{rand:alnum:24}}", "eg") + ')" />',
     "src/components/Authorization.vue"),
    ("  secret-key: 填写你的SecretKey", "src/main/resources/config/application-prod.yml"),
    # a translation bundle's labels shaped like a connection block
    ('{"mailer": {"host": "MAILER HOST", "port": "MAILER PORT", "password": "MAILER PASSWORD"}}',
     "packages/app/locales/en.json"),
])
def test_not_credentials_of_round_four(text, path):
    assert _rules(text, path) == []


@pytest.mark.parametrize("text,path", [
    # a document's name in bold, a link or a table cell, followed by a placeholder or the name's words
    ("- **LDAP Bind User Password:** `password`", "docs/duo.md"),
    ("* [**Client Secret:**](https://example.org/docs#secret) nextcloud_client_secret", "docs/nextcloud.md"),
    ("|Client Secret:\t| nextcloud_client_secret |", "docs/nextcloud.md"),
    # Podman quadlets name stored secrets; Zulip's backends are class names
    ("[Container]\nSecret=app-jwt-secret,type=env,target=APP_JWT_SECRET\n", "deploy/app.container"),
    ('ZULIP_AUTH_BACKENDS: "ZulipLDAPAuthBackend,EmailAuthBackend"', "docs/zulip.md"),
])
def test_not_credentials_in_documents(text, path):
    assert _rules(text, path) == []


def test_a_documented_password_in_bold_is_found_without_the_markup():
    from scan_helpers import hardcoded

    got = hardcoded(f"- **Bind password:** `{PW}`\n", "docs/setup.md")
    assert [f.value.reveal() for f in got] == [PW]


@pytest.mark.parametrize("text,path", [
    ("AUTH_HMAC_SHA256 = 'hmac-sha256'", "netbox/vpn/choices.py"),  # a choice's value: an algorithm's name
    ('<KeyRoundIcon className="w-4 h-4" />\n{t("setting.account.change-password")}', "src/MyAccount.tsx"),
    ('p := &Profile{Driver: "sqlite", DSN: ":memory:"}', "server/sse_test.go"),
    ('RESET_PASSWORD_LOCK_TIME = os.environ.get("RESET_PASSWORD_LOCK_TIME", "15 minutes")', "saleor/settings.py"),
    # a PostHog project key ships in every page
    ("const posthogKey = 'phc_" + expand("{{rand:alnum:43}}", "posthog") + "';", "src/analytics.ts"),
])
def test_not_credentials_of_round_four_b(text, path):
    assert _rules(text, path) == []


def test_dj_database_url_with_its_default_env_reads_database_url():
    """QA (saleor): dj_database_url.config(env=dj_database_url.DEFAULT_ENV) reads DATABASE_URL."""
    from secretshift.scanner.scan import scan_text
    from scan_helpers import RULES

    text = "import dj_database_url\nDATABASES = {'default': dj_database_url.config(env=dj_database_url.DEFAULT_ENV)}\n"
    assert [f.symbol for f in scan_text(text, "saleor/settings.py", RULES) if f.kind == "env"] == ["DATABASE_URL"]


def test_numbered_words_of_a_stand_in_are_a_dummy_but_a_numbered_password_is_not():
    """Since numbered names are names (password1), saleor's raw_token2 = "test2_token1234" came in:
    a stand-in's words with numbers on them; an admin's password1 in a URL stays a finding."""
    assert _rules('raw_token2 = "test2_token1234"', "saleor/app/loaders.py") == []
    assert _rules("DATABASE_URL = 'https://admin:password1@db.example.org'", "app/settings.py")


@pytest.mark.parametrize("text,path", [
    ('token = "\\x91/sf\\x91"\n', "kitsune/wiki/parser.py"),  # a parser's marker characters
    ("node -e \"console.log('\\nAUTH_JWT_SECRET=' + require('crypto').randomBytes(256).toString('base64'))\"",
     "docs/auth.md"),  # the rest of a concatenation
])
def test_not_values_of_round_five(text, path):
    assert _rules(text, path) == []
