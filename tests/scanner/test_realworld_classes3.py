"""Classes of false positive found while migrating real applications and on the third hand-judged
set (bench/realworld_extra.py): each case is the class, written fresh, never a copied line."""
from __future__ import annotations

import base64
import json

import pytest

from secretshift.scanner import shapes
from secretshift.scanner.envnames import hints
from secretshift.scanner.filekinds import api_doc_blocks
from secretshift.scanner.samples import expand

from scan_helpers import RULES, hardcoded, values  # noqa: E402,F401

PW = expand("{{rand:alnum:14}}", "realworld-classes3")


def _b64(d: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(d).encode()).decode().rstrip("=")


JWT = (_b64({"alg": "HS256", "typ": "JWT"}) + "." + _b64({"sub": expand("{{rand:digits:10}}", "sub"), "iat": 1700000000})
       + "." + expand("{{rand:b64url:43}}", "jwt-sig"))


def _found(text: str, path: str) -> list[tuple[str, str | None]]:
    return [(f.rule_id, f.service) for f in hardcoded(text, path)]


def _rules(text: str, path: str) -> list[str]:
    return [r for r, _ in _found(text, path)]


SWAGGER = ("/**\n * @swagger\n * /login:\n *   post:\n *     responses:\n *       200:\n *         content:\n"
           " *           application/json:\n *             example:\n *               token: {tok}\n */\n"
           "router.post('/login', login);\n")


@pytest.mark.parametrize("text,path", [
    # a GraphQL schema: a field's type, not its value
    ("type User {\n  id: ID!\n  password: String!\n  tokens: [String]\n  secretCount: Int\n}\n", "schema.graphql"),
    ("input Login {\n  apiKey: String\n  password: [String!]!\n}\n", "src/schema.gql"),
    # help and error text as a value: a message about a variable, a format description
    ('  api_key: "ALLDEBRID_API_KEY is invalid",\n', "src/messages.ts"),
    ('  token: "Your token has expired",\n', "src/errors.ts"),
    ('const help = { token: "key:value|key1:value1" };\n', "src/help.js"),
    ('  auth_token = "key:value|key1:value1"\n', "config.py"),
    # a swagger-jsdoc block's example response: a made-up JWT
    (SWAGGER.format(tok=JWT), "src/routes/auth.js"),
    # a value that says what it is, in a README's shell line
    ("export CONDUIT_SECRET='something-really-secret'\n", "README.md"),
    # held-out round 5: validation rules, a permission's action flags, a search word under a token name
    ("<?php\n$rules = ['password' => 'required|string|confirmed', 'token' => 'required|uuid|max:255'];\n",
     "app/Http/Requests/Register.php"),
    ("<?php\n$rules['api_key'] = 'string|check';\n", "app/Http/Requests/Company.php"),
    ("<?php\n$map = ['auth-roles' => 'c,r,u,d'];\n", "database/seeds/Permissions.php"),
    ('search_token = "Category"\n', "tests/test_admin.py"),
    # a field whose name says it is content (a greeting, a note) under a secret-sounding word
    ('data = post_data(response, content__secret_greeting="Guten Tag")\n', "tests/test_grouper.py"),
    ('{"content__secret_greeting": "New greeting"}\n', "tests/fixtures.js"),
])
def test_not_credentials(text, path):
    assert _rules(text, path) == []


@pytest.mark.parametrize("text,path", [
    # the same places with real values are still found
    (f"type User {{\n  password: {PW}\n}}\n", "notes.yaml"),
    (f'  api_key: "{PW}",\n', "src/messages.ts"),
    (f"export CONDUIT_SECRET='{PW}'\n", "README.md"),
    # a JWT outside the swagger block, and a password inside it (often the product's real default)
    (SWAGGER.format(tok="abc") + f'const t = "{JWT}";\n', "src/routes/auth.js"),
    (SWAGGER.format(tok="abc").replace("token: abc", f"password: {PW}"), "src/routes/auth.js"),
    (f"<?php\n$defaults = ['password' => '{PW[:5]}|{PW[5:]}'];\n", "config/seed.php"),
    ('search_password = "Category"\n', "tests/test_admin.py"),
    (f'secret_note_password = "{PW}"\n', "app/settings.py"),
])
def test_real_values_beside_them_are_found(text, path):
    assert _rules(text, path)


@pytest.mark.parametrize("value,kind", [
    ("String!", "GraphQL type"), ("[ID!]!", "GraphQL type"), ("Int", "GraphQL type"),
    ("ALLDEBRID_API_KEY is invalid", "a message"), ("key:value|key1:value1", "format description"),
])
def test_shapes(value, kind):
    assert kind in (shapes.not_a_literal(value) or "")


@pytest.mark.parametrize("value", ["Strong!", "Welcome1!", "my dog is cute", "tr0ub4dor:x9|q", PW])
def test_shapes_keep_values(value):
    assert shapes.not_a_literal(value) is None


def test_api_doc_blocks_are_block_comments_with_the_tag():
    text = SWAGGER.format(tok="x") + "// @swagger in a line comment\nconst a = 1; /* plain */\n"
    spans = api_doc_blocks(text)
    assert len(spans) == 1 and text[spans[0][0]:spans[0][1]].startswith("/**") and text[spans[0][1] - 2:spans[0][1]] == "*/"
    assert api_doc_blocks("const a = '@swagger';\n") == []


@pytest.mark.parametrize("name", ["FIRST_SUPERUSER_PASSWORD", "INITIAL_ADMIN_PASSWORD", "SUPERUSER_PASSWORD",
                                  "DEFAULT_PASSWORD", "ROOT_PASSWORD"])
def test_generic_leading_words_are_no_service(name):
    assert hints(name) == (None, "password")


def test_an_npgsql_connection_string_is_postgresql():
    npgsql = f'{{"Default": "Host=db;Port=5432;Database=app;Username=app;Password={PW}"}}\n'
    assert _found(npgsql, "appsettings.json") == [("SS608", "postgresql")]
    reordered = f'var cs = "Password={PW};Username=app;Database=app;Host=db";\n'
    assert _found(reordered, "Program.cs") == [("SS608", "postgresql")]
    sqlserver = f'{{"Default": "Server=db;Database=app;User Id=sa;Password={PW};"}}\n'
    assert _found(sqlserver, "appsettings.json") == [("SS608", "sqlserver")]


# spree's documentation (round of 2026-12-03): prose and commands after a key in a document, a
# comparison table, a BuildKit secret spec, a vendor format with dummy parts, prose naming SQL words
@pytest.mark.parametrize("path,text", [
    ("docs/orders.mdx", "// session.external_data.client_secret => use with Stripe.js\n"),
    ("docs/plan.md", "SECRET_KEY_BASE_DUMMY=1 ./bin/rails assets:precompile\n"),
    ("docs/auth.mdx", "| | Secret API key | JWT + cookie |\n|---|---|---|\n"
                      "| **For** | Backend integrations, automations, cron jobs | Browser apps |\n"),
    ("docs/env.mdx", "| Variable | Description | Default |\n|---|---|---|\n"
                     "| `RESEND_API_KEY` | Resend API key for e-mail | _(dev: writes to disk)_ |\n"),
    ("docs/deployment.mdx", "docker build --secret id=sentry_auth_token,env=SENTRY_AUTH_TOKEN .\n"),
    ("docs/payments.mdx", '"client_secret": "pi_3ABC123_secret_xyz"\n'),
    ("app/models/country.rb", "# array of ISO codes: countries are inherently identified by ISO\n"),
])
def test_documentation_prose_commands_and_formats_are_not_values(path, text):
    assert _found(text, path) == []


def test_a_key_before_a_command_in_a_document_is_the_word_not_the_line():
    """HEX_API_KEY=<key> mix hex.publish: the value was read to the end of the line."""
    key = expand("{{rand:hex:32}}", "hex-key")
    fs = hardcoded(f"```\n$ HEX_API_KEY={key} mix hex.publish --yes\n```\n", "docs/publish.md")
    assert [f.value.reveal() for f in fs] == [key]


@pytest.mark.parametrize("path,text", [
    ("docs/table.md", f"| User | Password |\n|---|---|\n| admin | {PW} |\n"),
    ("init.sql", f"CREATE USER app IDENTIFIED BY {PW};\n"),
    ("docs/run.md", f"docker build --secret id=npm,src=.npmrc --build-arg NPM_TOKEN={PW} .\n"),
])
def test_the_real_values_beside_those_classes_are_still_found(path, text):
    assert [f.value.reveal() for f in hardcoded(text, path)] == [PW]


# QA round on C#, Kotlin, Swift, C++/Objective-C, Elixir and PHP applications (2026-12-03)
@pytest.mark.parametrize("path,text", [
    ("dist/msi/App.wxs", '<RegistrySearch Id="r" Root="HKLM" Key="SOFTWARE\\Microsoft\\VisualStudio\\$(var.V).0\\VC" '
                         'Type="raw" />\n'),
    ("dist/msi/Client.wxs", '<RegistryValue Key="shell\\open\\command" Value="x" Type="string" />\n'),
    ("macosx/Controller.mm", 'if ([defaults objectForKey:@"BindAddressIPv4"])\n'),
    ("Sources/Localization/Strings.swift", '/// Plural format key: "%#@character_count@"\n'),
    ("src/Core/Svc.cs", '    /// <param name="token">token received from the client</param>\n'
                        '    public bool Validate(string token) { return true; }\n'),
    ("src/Core/Constants.cs", 'public const string PrivateKeyRegeneration = "pm-12241-private-key-regeneration";\n'),
    ("demo/Demo.kt", 'val c = Config(password = "irrelevant")\n'),
    ("docs/format.md", "- Password: _not present_\n"),
    ("mail/MimeType.kt", "private const val TOKEN = \"([a-zA-Z0-9-!#$%&'*+.^_`{|}~]+)\"\n"),
    ("imap/ConnTest.kt", 'dialog(postAuthCapabilities = "COMPRESS=DEFLATE")\n'),
    ("pop3/StoreTest.kt", 'private const val AUTH_PLAIN_AUTHENTICATED_RESPONSE = "+OK\\r\\n" + "+OK\\r\\n"\n'),
    (".env.example", 'NEXT_PRIVATE_ENCRYPTION_SECONDARY_KEY="DEADBEEF"\n'),
])
def test_registry_paths_selectors_generated_strings_doc_comments_and_dummies_are_not_values(path, text):
    assert _found(text, path) == []


def test_a_real_value_in_an_xml_config_and_under_a_key_selector_name_still_counts():
    assert [f.value.reveal() for f in hardcoded(f'<add key="ApiToken">{PW}</add>\n', "Web.config")] == [PW]
    assert [f.value.reveal() for f in hardcoded(f'#define API_KEY "{PW}"\n', "macosx/Keys.h")] == [PW]


def test_swiftgen_output_is_generated():
    head = "// swiftlint:disable all\n// Generated using SwiftGen \u2014 https://github.com/SwiftGen/SwiftGen\n\n"
    from secretshift.scanner import filekinds
    assert filekinds.vendored_or_generated("Sources/Generated/Strings.swift", head + "enum L10n {}\n") is not None


def test_a_redis_option_list_ends_the_password_at_the_next_option():
    """gogs conf/app.ini: HOST = network=tcp,addr=:6379,password=<pw>,db=0,pool_size=100 took the tail too,
    and two lines with one password and different tails became two secrets."""
    assert [v for _, v in values(f"HOST = network=tcp,addr=:6379,password={PW},db=0,pool_size=100\n", "conf/app.ini")] \
        == [PW]
    assert _found("        password = #{record.password,jdbcType=VARCHAR},\n", "mapper/UserMapper.xml") == []


def test_a_country_code_and_its_flag_is_no_password():
    """maybe-finance's languages_helper.rb: PW: "<flag> Palau" (PW is Palau's ISO code)."""
    assert _found('COUNTRIES = {\n  PW: "\U0001F1F5\U0001F1FC Palau",\n}\n', "app/helpers/languages_helper.rb") == []


@pytest.mark.parametrize("path,text", [
    ("dev/setup.sh", 'SQL_CONNECTION_STRING="Server=localhost;User Id=SA;Password=$DB_PASSWORD;Encrypt=True"\n'),
    (".github/workflows/db.yml", 'env:\n  CONN_STR: "server=localhost;uid=root;pwd=SET_A_PASSWORD_HERE_123;database=v"\n'),
])
def test_a_connection_string_whose_password_is_a_variable_or_a_placeholder_holds_no_secret(path, text):
    """bitwarden: once *_CONNECTION_STRING / CONN_STR name secrets, a connection string counts only with a
    literal password, as a *_URL does."""
    assert _found(text, path) == []


def test_a_connection_string_with_a_literal_password_counts():
    assert [v for _, v in values(f'SQL_CONNECTION_STRING="Server=db;User Id=sa;Password={PW};"\n', "dev/setup.sh")]


def test_uuids_of_an_enum_are_identifiers():
    """outline's shared/utils/passkeys.ts: enum PasskeyBrand { OnePassword = "<AAGUID>", ... } (12 findings)."""
    text = ('export enum PasskeyBrand {\n  GooglePasswordManager = "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4",\n'
            '  OnePassword = "bada5566-a7aa-401f-bd96-45619a55120d",\n}\n')
    assert _found(text, "shared/utils/passkeys.ts") == []
    assert [v for _, v in values(f'export enum Keys {{\n  ApiPassword = "{PW}",\n}}\n', "src/keys.ts")] == [PW]


def test_a_factory_bot_attribute_block_binds_its_literal():
    """postal's spec/factories/user_factory.rb: password { "<literal>" } (factory_bot's attribute block)."""
    text = f'FactoryBot.define do\n  factory :user do\n    password {{ "{PW}" }}\n    email {{ generate(:email) }}\n' \
           f'    name {{ "Jane" }}\n  end\nend\n'
    assert [v for _, v in values(text, "spec/factories/user_factory.rb")] == [PW]
    assert _found('password { generate(:password) }\n', "spec/factories/user_factory.rb") == []
