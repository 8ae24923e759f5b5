"""Generic keyword rules where no parser applies (prose, Markdown, properties, INI, XML, logs,
unknown extensions): what they must find, what they must leave alone, and exact value spans."""
from __future__ import annotations

import pytest

from secretshift.scanner.samples import expand
from secretshift.scanner.scan import scan_text

from scan_helpers import RULES, values as _values  # noqa: E402,F401


PW = expand("{{rand:alnum:14}}", "generic-pw")


@pytest.mark.parametrize("text,path", [
    ('<input type="password" variant="outlined" name="pw">', "login.html"),
    ('<div class="password-field" style="display:none">', "login.html"),
    ('<input type="password" class="form-control input-lg" id="inputPassword">', "form.html"),
    ("PASS_RE = /^.{1,20}$/", "notes.md"),
    ("Access denied for user 'x'@'localhost' (using password: YES)", "error.log"),
    ("    password: InitVar[str]\n    repeat_password: InitVar[str]", "dataclasses.rst"),
    ("def __post_init__(self, password: str, repeat_password: str):\n    if password != repeat_password:", "orm.rst"),
    ("let redisPassword = config.require(\"redisPassword\");", "README.md"),
    ("redis_password = os.environ['REDIS_PWD']", "README.md"),
    ('"secretAccessKey": "[secret]",', "README.md"),
    ('curl -H "Authorization: HEADER.PAYLOAD.SIGNATURE" https://api.example.net', "README.md"),
    ("exclude-secrets: EXPORT_SECRETS_PRIVATE_KEY", "workflow.txt"),
    ('echo "Pass: generated directory was created"', "test.sh"),
    ("key: db-volumes-v3-${{ steps.cache_key.outputs.ARCH }}-x", "action.txt"),
    ('- "sentry-secrets:/etc/kafka/secrets"', "compose.txt"),
    ('key: "nvidia.com/gpu"', "values.txt"),
    ('if args.TypeToken == "kubernetes:core/v1:Service":', "notes.txt"),
    ("password: some-password", "notes.md"),
    ("PWD=pass+word", "changelog.rst"),
    ("    self.passphrase = passphrase", "types.rst"),
    ("        Password = io registry.AdminPassword))))", "Program.fs"),
    ('    let password = config.RequireSecret "sqlPassword"', "Program.fs"),
    ("  password := credentials.ApplyT(func(c interface{}) string {", "main.go"),
    ("# github-app.client-secret: 'GITHUB_CLIENT_SECRET'", "config.yml"),
    ('if key.startswith("-----BEGIN RSA PRIVATE KEY-----"):', "check.txt"),
    ("#   -----BEGIN RSA PRIVATE KEY-----\n#   privatekeyprivatekeyprivatekeyprivatekeyprivatekey\n"
     "#   -----END RSA PRIVATE KEY-----", "config.example.yml"),
    ("admin_password_hash: $2b$12$" + expand("{{rand:alnum:53}}", "bcrypt"), "users.txt"),
    ("ssh_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + expand("{{rand:b64:43}}", "ssh"), "hosts.txt"),
])
def test_not_a_credential(text, path):
    assert _values(text, path) == []


@pytest.mark.parametrize("text,path,value", [
    (f"<li>Password: {PW}</li>", "guide.md", PW),
    (f"<li>Password: {PW}</li>", "index.html", PW),
    (f'"airflow:dbPassword": "{PW}",', "stack.txt", PW),
    (f'"voting-app:sql-admin-password": "{PW}"', "config.txt", PW),
    (f"$CONF[ 'db_password' ] = '{PW}';", "notes.txt", PW),
    (f"  // password: {PW}", "Program.fs", PW),
    (f"x = 1 // password: {PW}", "main.go", PW),
    ("adminPassword: 2Password!9", "values.txt", "2Password!9"),
    ('sqlPassword: "Password1234!"', "values.txt", "Password1234!"),
    ("- Password: `gpu-monitoring-demo`", "README.md", "gpu-monitoring-demo"),
    ("ssh.passphrase=correct horse battery staple orbit lantern", "app.properties",
     "correct horse battery staple orbit lantern"),
    (f"(using password: {PW})", "notes.txt", PW),
])
def test_found_with_an_exact_value(text, path, value):
    assert value in [v for _, v in _values(text, path)]


def test_a_placeholder_word_alone_is_not_a_password_but_a_longer_value_is():
    assert _values("password: password", "notes.txt") == []
    assert _values("password: Passw0rd2024", "notes.txt") == [("SS101", "Passw0rd2024")]


def test_markdown_table_password_column_cells_with_exact_spans():
    a, b = expand("{{rand:alnum:12}}", "t1"), expand("{{rand:alnum:12}}", "t2")
    text = ("## Accounts\n\n| User | Password | Notes |\n|:-----|:--------:|-------|\n"
            f"| admin | `{a}` | rotate monthly |\n| ops | **{b}** | |\n| guest | changeme | |\n\nafter\n")
    found = [f for f in scan_text(text, "docs/accounts.md", RULES, warn=lambda m: None) if f.kind == "hardcoded"]
    assert [(f.rule_id, f.value.reveal(), f.symbol) for f in found] == [("SS107", a, "Password"), ("SS107", b, "Password")]
    line = text.splitlines()[found[0].line - 1]
    assert line[found[0].column - 1:found[0].end_column - 1] == a


def test_table_row_named_like_a_secret_reports_its_default():
    v = expand("{{rand:alnum:14}}", "t3")
    text = ("| Variable | Description | Default |\n|---|---|---|\n| `DB_HOST` | host | db |\n"
            f"| `DB_PASSWORD` | password of the app user | `{v}` |\n")
    assert _values(text, "README.md") == [("SS107", v)]


def test_tables_are_found_where_pipes_are_in_long_prose_without_a_trailing_newline():
    """The table engine reads only lines with a `|` (str.find from line to line): tables after
    pages of prose, two tables back to back, a wiki table, one at the very end of the file."""
    a, b, c = (expand("{{rand:alnum:12}}", f"tp{i}") for i in range(3))
    prose = "Some words about the setup, and more of them.\n" * 300
    text = (prose + f"| User | Password |\n|---|---|\n| admin | {a} |\n"
            f"| Name | Token |\n|---|---|\n| ci | {b} |\n\n" + prose
            + f"|| Account || Password ||\n| ops | {c} |\nend | of table\n" + prose + "| x | y |\n|---|---|")
    assert _values(text, "docs/guide.md") == [("SS107", a), ("SS107", b), ("SS107", c)]
    found = scan_text(text, "docs/guide.md", RULES, warn=lambda m: None)
    for f, v in zip(found, (a, b, c)):
        assert text.splitlines()[f.line - 1][f.column - 1:f.end_column - 1] == v


def test_password_in_prose():
    v = expand("{{rand:alnum:12}}", "p1")
    assert _values(f"login: admin / pw: {v}", "ticket.txt") == [("SS106", v)]
    assert _values(f"The default admin password is `{v}`.", "README.md") == [("SS106", v)]
    assert _values("The password is stored in Secrets Manager.", "README.md") == []
    assert _values('var pw = cfg.Get("password");', "Config.cs") == []


@pytest.mark.parametrize("text,path", [
    ("        'password' => ['required', Password::defaults()],", "Request.php"),
    ('  $transcodeKey = "transcodes/128/$ulid.m4a";', "Strategy.php"),
    (";[email.value, token.value] = base64Decode(getRouteParam('payload'))", "Form.vue"),
    ("    password: # Redis password (empty by default)", "application.yml"),
    ("appPrivateKey: your appPrivateKey", "application.yml"),
    ('addCriterion("password =", value, "password");', "notes.txt"),
    ("AWS_SECRET_ACCESS_KEY=TheSecretKeyObtainedFromDO", "guide.md"),
    ("AWS_SECRET_ACCESS_KEY=TheSecretKeyObtainedFromR2", "guide.md"),
    ("'current_password' => 'Invalid current password',", "messages.txt"),
])
def test_code_and_doc_leftovers_are_not_credentials(text, path):
    assert _values(text, path) == []


def test_dollar_in_a_random_value_is_not_interpolation():
    v = "sk_" + expand("{{rand:alnum:12}}", "php") + "#P7r5&@*xC$utE"
    assert _values(f'"secret_key" => "{v}",', "config.php") == [("SS101", v)]
    assert _values("  secret: mall-portal-secret # JWT signing key", "application.yml") == [("SS101", "mall-portal-secret")]
