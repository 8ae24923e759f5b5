"""Classes of false positive and false negative found on the second hand-judged set of real
repositories (Go, Rust, C#, Kotlin, Swift, PHP, Ruby, Elixir, Scala, C, Terraform, Helm, Ansible,
Postman; bench/realworld_extra.py): each case is the class, written fresh, never a copied line."""
from __future__ import annotations

import base64

import pytest

from secretshift.scanner import shapes
from secretshift.scanner.filekinds import vendored_or_generated
from secretshift.scanner.samples import expand
from secretshift.scanner.scan import scan_text

from scan_helpers import RULES, rule_ids as _rules  # noqa: E402,F401

PW = expand("{{rand:alnum:14}}", "realworld-classes2")
FPR = expand("{{rand:HEX:40}}", "realworld-classes2-gpg")


@pytest.mark.parametrize("text,path", [
    # Ruby/Elixir interpolation: "#{...}" inside the quotes makes the string an expression
    ('key = "docs/#{package.name}-#{release.version}.tar.gz"', "lib/worker.ex"),
    ('scope_key: "sso:user:#{user.id}"', "test/users_test.exs"),
    # Go templates and Helm: what follows a name inside {{ ... }} is template code
    ('{{- $password := index .Values.auth.users $user }}', "templates/_helpers.tpl"),
    ('{{- range $secret := $.Values.image.pullSecrets }}', "templates/deployment.yaml"),
    # a public key's fingerprint is public
    (f"ENV GPG_KEYS={FPR} \\", "Dockerfile"),
    (f"You can use the following GPG key: {FPR}<br>", "SECURITY.md"),
    # versions, file names, member accesses and configuration key names are not values
    ('rpassword = "7.5.4"', "Cargo.toml"),
    ('          prefix-key: "v2025.09-rust"', ".github/workflows/build.yml"),
    ("get_password.o : get_password.c", "Makefile"),
    ("private_key = $dir/../ca.key\nprivate_key = signing-ca.key", "openssl.cnf"),
    ('"exec": ["var login_password=reqData.password;"]', "api.postman_collection.json"),
    ("    password = random_password.master.result", "docs/UPGRADE.md"),
    ('private val SmtpPassword = "smtp.password"', "Settings.scala"),
    # validation messages, descriptions of the credential, controller references
    ('assert errors[:password] == "is required for confidential clients"', "client_test.exs"),
    ('<param name="databasePassword">The password for the database</param>', "Library.XML"),
    ("Route::get('api/user/secret','App\\Http\\Controllers\\UserController@showsecret');", "api.php"),
    # options and key=value arguments after a secret-looking word
    ("You can optionally pass: `-e app_version=xxx` to the playbook", "README.md"),
    ("  copy: src=roles/db/files/secret dest=/data/secret owner=mongod mode=0400", "tasks/main.yml"),
    # names that say the value is a state, a selector, a target or another Secret's name
    ('secret_slot: "active",', "test/sso_test.exs"),
    ('<div data-password-strength-target="meter"></div>', "edit.html.erb"),
    ('existingSecret: "my-data-source"', "README.md"),
    # a test's stand-ins that spell out their own name, or say they are wrong
    ('"APP_IMG_PROXY_SECRET" => "img-proxy-secret",', "runtime_config_test.exs"),
    ('client_secret = "router-log-client-secret"', "sso_test.exs"),
    ('conn = post(conn, "/login", %{username: name, password: "WRONG"})', "login_test.exs"),
    ("CREATE USER 'importer'@'localhost' IDENTIFIED BY 'YourPwdShouldBeLong!';", "README.md"),
    # a UUID under a bare "key" (a licence or record id), a test token that says so
    ('{"license_key": {\n  "key": "' + expand("{{rand:hex:8}}-{{rand:hex:4}}-{{rand:hex:4}}-{{rand:hex:4}}-{{rand:hex:12}}", "u")
     + '",\n  "status": "active"}}', "tests/fixtures/license.json"),
    ('fn t() { let token = "ghs_test_token_' + expand("{{rand:digits:9}}", "d") + '"; }', "src/lib.rs"),
    # a documentation table whose heading links to a topic ("Credential Access") lists techniques
    ("| **[Credential Access](#credential-access)** | **[Discovery](#discovery)** |\n|---|---|\n"
     "| List cluster secrets | Access the API server |\n", "docs/attack.md"),
    # a git commit pinned under a ref name is a hash
    ("refs = {'ref.kube-mixin': '" + expand("{{rand:hex:40}}", "sha") + "'}", "hack/sync.py"),
])
def test_not_credentials(text, path):
    assert _rules(text, path) == []


@pytest.mark.parametrize("text,path", [
    # the same forms with a real value are still found
    (f'rpassword = "{PW}"', "Cargo.toml"),
    (f"mysql_password = {PW}", "openssl.cnf"),
    (f'client_secret = "{PW}"', "sso_test.exs"),
    (f'password: "{PW}"', "templates/secret.yaml"),
    (f'key = "docs-{PW}"', "lib/worker.ex"),
])
def test_credentials_next_to_them_are_found(text, path):
    assert _rules(text, path)


def test_random_capitals_after_a_short_lower_case_run_are_a_password():
    # cnwTICONIURW-like: no capitalised word, a long run of capitals; AWSSecretKey stays an identifier
    value = expand("{{rand:lower:3}}", "p") + expand("{{rand:upper:9}}", "q")
    assert _rules(f'c = connect("id", username="u", password="{value}")\n', "test_auth.py")
    assert _rules('c = connect("id", username="u", password="AWSSecretKey")\n', "test_auth.py") == []


def test_base64_pem_private_key_is_found():
    body = expand("{{rand:b64:300}}", "pem")
    key = base64.b64encode(b"-----BEGIN RSA PRIVATE KEY-----\n" + body.encode()).decode()
    assert "SS786" in _rules(f"tls:\n  tls.key: {key}\n", "charts/app/ci/values.yaml")
    cert = base64.b64encode(b"-----BEGIN CERTIFICATE-----\n" + body.encode()).decode()
    assert "SS786" not in _rules(f"tls:\n  tls.crt: {cert}\n", "charts/app/ci/values.yaml")


@pytest.mark.parametrize("value,kind", [
    ("7.5.4", "version number"), ("test-root-ca.key", "file name"), ("reqData.password", "member access"),
    ("is unsafe", "a message"), ("Internal error", "a message"), ("id=BUILD_CACHE_DEV", "command-line option"),
    ("@provider.prefix.charAt(0)", "template expression"),
])
def test_shapes_that_are_not_literals(value, kind):
    assert kind in (shapes.not_a_literal(value) or "")


@pytest.mark.parametrize("value", ["Tr0ub4dor.3", "Summer.Time", "x8Kq.pLm2z", PW])
def test_shapes_keep_values(value):
    assert shapes.not_a_literal(value) is None


def test_vendors_folder_and_assembly_docs_are_skipped():
    assert vendored_or_generated("web/assets/vendors/ace/mode-x.js", "var x = 1;\n")
    doc = '<?xml version="1.0"?>\n<doc>\n    <assembly>\n        <name>log4net</name>\n'
    assert "generated" in vendored_or_generated("lib/log4net.xml", doc)
    assert vendored_or_generated("config/app.xml", "<config/>") is None


def test_url_credentials_in_android_strings_are_found():
    # strings.xml is UI text, so generic keyword rules stay quiet there, but a URL's user:password@ is no label
    xml = f'<resources>\n<string name="login">Password</string>\n<string name="dev">https://ops:{PW}@dev.example.net</string>\n</resources>\n'
    assert _rules(xml, "app/src/main/res/values/strings.xml") == ["SS607"]


def test_an_inlined_minified_bundle_in_a_page_is_code_but_the_page_text_is_read():
    bundle = "<script>!function(e,t){" + ";".join(f"e.password=o.password,e.h{i}=o.h" for i in range(300)) + "}</script>\n"
    found = [(f.rule_id, f.line) for f in scan_text(bundle + f"<p>password: {PW}</p>\n", "page.html", RULES,
                                                    warn=lambda m: None) if f.kind == "hardcoded"]
    assert found == [("SS101", 2)]


def test_two_words_bound_to_a_password_name_in_code_are_a_password():
    assert _rules("expect(post).toHaveBeenCalledWith('me', { email: 'a@b.c', password: 'curry-wurst' })\n", "auth.spec.ts")
    assert _rules("const x = { password: 'old-secret' }\n", "auth.spec.ts") == []  # a stand-in that says so
    assert _rules("const x = { className: 'form-control' }\n", "form.ts") == []


@pytest.mark.parametrize("text,path", [
    # a vendor's prefix on a stand-in that says what it is: sk_test_key_123, pi_123abc_secret_123abc
    ("const TEST_SECRET_KEY = '" + "sk" + "_test_key_123';", "tests/test-api.php"),
    ('{"client_secret": "' + "pi" + '_123abc_secret_123abc"}', "tests/dummy-data/response.json"),
    ("$request->set_param( 'webhook_secret', 'webhook-secret-12345' );", "tests/test-keys.php"),
    # "your..." in a connection string, Swift interpolation, a file: DSN, a fixture that says so
    ('{"Db": "Host=localhost;Database=App;Username=postgres;Password=yourWeak(!)Password"}', "appsettings.json"),
    ('let url = "http://localhost:8080/token?username=\\(name)&password=\\(password)"', "LoginVC.swift"),
    ('package x\nvar cases = []T{{wantDSN: "file:/tmp/app.db?cache=shared&mode=rwc"}}\n', "dsn_test.go"),
    ("SECRET_KEY = test-fixture-key", "testdata/custom.ini"),
])
def test_stand_ins_of_the_third_round(text, path):
    assert _rules(text, path) == []


@pytest.mark.parametrize("value", ["Admin_123", "Tiger_123"])
def test_a_word_and_digits_is_still_a_password(value):
    assert _rules(f'password = "{value}"\n', "seed.ini")


def test_a_real_shaped_stripe_test_key_is_still_found():
    key = "sk" + "_test_" + expand("{{rand:alnum:24}}", "stripe-doc")
    assert _rules(f'"value": "{key}",\n', "docs/api/README.md")


def test_a_library_banner_with_the_version_on_the_next_line_is_vendored():
    head = "/**\n * jquery.mask.js\n * @version: v1.14.16\n * @author: someone\n */\n"
    assert vendored_or_generated("assets/js/jquery.mask.js", head + "var a = 1;\n")
    assert vendored_or_generated("assets/js/app.js", "/**\n * app.js\n * @version: v1.2\n */\n") is None


TOK = expand("{{rand:alnum:24}}", "openapi-example")


@pytest.mark.parametrize("text,path", [
    # an OpenAPI document's example responses: made-up tokens
    (f"---\nopenapi: 3.0.3\ninfo:\n  title: Shop\npaths: {{}}\ncomponents:\n  examples:\n    login:\n      value:\n        token: {TOK}\n",
     "docs/api-reference/store.yaml"),
    # environment reads and member chains in documentation code
    ("  secretKey: process.env.SHOP_SECRET_KEY, // server-side only", "docs/auth.mdx"),
    ("  secret: process.env.SHOP_WEBHOOK_SECRET!,", "docs/emails.mdx"),
    ("config.jwt_secret = Rails.application.secret_key_base", "docs/plans/auth.md"),
    ("export async function login(email: string, password: string) {", "docs/architecture.mdx"),
    # a docs table listing the NAMES of the secrets a workflow needs
    ("| Secret | Description |\n|---|---|\n| `AWS_ACCOUNT_ID` | AWS account ID |\n", "docs/deploy.mdx"),
    # a secret's own words padded with 123, a well-known placeholder run
    ("external_data: { 'client_secret' => 'secret_123' }", "spec/session_spec.rb"),
    ("let(:tokens) { { access_token: 'access_token_123' } }", "spec/identity_spec.rb"),
    ("{ ...key, plaintext_token: 'sk_abc123def456ghi789' }", "tests/api-keys.test.ts"),
    # prose that happens to say "identified by"
    ("# A country, identified by its ISO 3166-1 alpha-2 code.", "app/models/country.rb"),
])
def test_not_credentials_of_the_fourth_round(text, path):
    assert _rules(text, path) == []


def test_a_password_in_an_openapi_example_request_is_still_found():
    spec = f"openapi: 3.0.3\ninfo:\n  title: Shop\npaths: {{}}\nexample:\n  password: {PW}\n"
    assert _rules(spec, "docs/api-reference/oauth.yml")
    # a password that holds the word and padding digits is no stand-in
    assert _rules('package x\nvar c = map[string]string{"sqlPassword": "2@Password@2"}\n', "azure.go")
