"""Classes of false positive and false negative found by judging real repositories by hand
(bench/realworld_extra.py): each case is the class, written fresh, never a copied line."""
from __future__ import annotations

import pytest

from secretshift.scanner import shapes
from secretshift.scanner.samples import expand
from secretshift.scanner.scan import scan_text
from secretshift.scanner.sources import language_of_text

from scan_helpers import RULES, values as _values  # noqa: E402,F401

PW = expand("{{rand:alnum:14}}", "realworld-classes")


@pytest.mark.parametrize("text,path", [
    # a bare camelCase identifier that names a secret, inside a code example in HTML
    ("<pre>db.users.insert({ userName: name, password: passwordHash });</pre>", "tutorial.html"),
    # a shell parameter expansion: the word is used when the variable IS set
    ('case "${BUILD_PASSWORD:+has-password}" in', "README.md"),
    ("FLAG=${BUILD_PASSWORD:+has-password}", "notes.txt"),
    # docker's -p is a port mapping; a script named docker-mongo runs no mongo client
    ('"docker-mongo": "docker run -p 27017:27017 --name mongo mongo:latest",', "package.json"),
    # a volume mapping after `pwd` / "$PWD" is a path
    ("docker run --rm -v `pwd`:/gitbook -p 4000:4000 --name book gitbook serve", "README.md"),
    ('docker run --rm -it -w /build -v "$PWD":/build -u "$(id -u):$(id -g)" img build', "README.md"),
    # -u of date(1) is not curl's
    ("docker build --label created=$(shell date -u +%Y-%m-%dT%H:%M:%SZ) .", "Makefile"),
    # prose that happens to say "identified by" / "no password:"
    ("/* the entry identified by field. */", "hash.c"),
    ("#   is flagged as requiring no password: it means that every one works", "server.conf"),
    # an option with no value before the next option
    ("# tool install --username admin --password --email ops@example.org", "install.php"),
    # configuration references, routes, selectors and HTML entities are not values
    ("secret: '%kernel.secret%'", "security.yaml"),
    ("secret: '%env(APP_SECRET)%'", "framework.yaml"),
    ("password: &#039;&quot;", "listing.html"),
    ('const passwordInput = ".login-password input";', "login.test.ts"),
    ('get "forgot_password" => "password_resets#forgot_password"', "routes.rb"),
    # a translation bundle in a language-and-region folder
    ("<?php\n$_['error_password'] = 'Password required!';\n$_['entry_secret'] = 'Secret key';\n",
     "admin/language/en-gb/setting.php"),
    # a lexer's token type and numbered self-describing test tokens
    ("state.token = 'keyword';\ntoken = 'comment';", "mode.js"),
    ('app := Application{Token: "apptoken2"}\nc := Client{Token: "client1"}', "db_test.go"),
    # a JSON-LD term that repeats its own name
    ('{"@context": {"Ed25519Key": "toot:Ed25519Key"}}', "person.json"),
    # the template's own "change this" (full-stack-fastapi-template's .env; its code refuses to start with it)
    ("SECRET_KEY=changethis\nPOSTGRES_PASSWORD=changethis\n", ".env"),
    # a number in a structure: a lifetime or a size under a key name (pygoat's notes on its own code)
    ("return render(request, 'lab.html', {\"SecretKey\": 3600})", "notes.txt"),
    # hackathon-starter's tests: stand-ins that say what they are (a hash, a reset token, not hex)
    ("const user = new User({ password: 'hashedpassword' });\nconst token = 'resettoken123';\n"
     "req.params.token = 'not!valid!hex';\nnew User({ password: 'invalid-hash' });", "user.test.js"),
    # a documentation's own example: the key-URI page's TOTP secret, jwt.io's sample token
    ("session: { totpSecret: '" + "JBSWY3DP" + "EHPK3PXP' },", "user.test.js"),
    ("localStorage.setItem('token', '" + ".".join([
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9", "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
        "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"]) + "')", "app.guard.spec.ts"),
    # a page script hiding the password fields: a DOM property, not a value
    ("script.\n  passwordGroup.style.display = 'flex';\n  passwordInput.disabled = 'disabled';", "login.pug"),
    # BookStack's PHPDoc array shapes and docblock prose; gogs' nsswitch.conf and its README's example
    (" * @param array{name: string, email: string, password: ?string, roles: ?array} $data", "UserRepo.php"),
    (" * For use with external auth systems since password is auto-generated.", "RegistrationService.php"),
    ("passwd:         compat\ngroup:          compat\n", "docker/nsswitch.conf"),
    ("Plain literal values work too, e.g., `PASSWORD = hunter2`.", "docker/README.md"),
    # rubygems.org's tests: API keys that are a factory's small numbers
    ('@request.env["HTTP_AUTHORIZATION"] = "12342"\nget :show, params: { api_key: "12443" }', "owners_controller_test.rb"),
    # nowinandroid's Firebase Storage image links and a diagram's expiring Qiniu download links
    ('"imageUrl": "https://firebasestorage.googleapis.com/v0/b/app.appspot.com/o/img%2Fa.svg?alt=media&token='
     + "506faab0-617a-4668-" + "9a1e-47e6f54ab9b2" + '"', "topics.json"),
    ('{"url": "https://cdn.example.com/5dcbab0e?e=1573632286&amp;token=' + "trhI0BY8QfVrIGn9nENo" + "p6JAc6l5nZuxhjQ62UfM"
     + ':xCZUfiNj_5c_wBHBIFENS5dvBkY="}', "diagram.pos"),
    # jhipster-sample-app: an Angular binding's string, escaped quotes in markup, Cypress selectors
    # and the stand-ins of its specs (its shipped default JWT key stays a finding: defaults that ship count)
    ("<li *jhiHasAnyAuthority=\"'ROLE_ADMIN'\">", "navbar.html"),
    ("(login=&quot;admin&quot; and password=&quot;admin&quot;)", "home.html"),
    ("export const passwordItemSelector = '[data-cy=\"passwordItem\"]';", "commands.ts"),
    ("confirmPassword: 'non-matching',\nconfirmPassword: 'password2',", "password.spec.ts"),
    # redash: a Makefile that writes generated keys, a libpq DSN of options, a list of algorithms
    ('printf "REDASH_COOKIE_SECRET=`pwgen -1s 32`\\nREDASH_SECRET_KEY=`pwgen -1s 32`\\n" >> .env', "Makefile"),
    ('configuration = {"dsn": "application_name=redash connect_timeout=5"}', "test_pg.py"),
    ('JWT_AUTH_ALGORITHMS = os.environ.get("REDASH_JWT_AUTH_ALGORITHMS", "HS256,RS256,ES256").split(",")',
     "organization.py"),
    # documenso: an audit log's event names and labels, and a docs page's abc123-style stand-in
    ("export const EVENTS = {\n  AUTH_2FA_DISABLE: '2FA Disabled',\n  PASSWORD_UPDATE: 'Password updated',\n};",
     "constants/auth.ts"),
    ('```json\n{ "token": "def456ghi789" }\n```', "recipients.mdx"),
    # juice-shop: a contract's address, and the branches of an Angular conditional
    ("const BeeTokenAddress = '0x36435796Ca9be2bf150CE0dECc2D8Fab5C4d6E13'", "faucet.component.ts"),
    ("<input matInput [type]=\"hide ? 'password' : 'text'\">", "login.component.html"),
    # hashicorp/vault-guides: an audit log's HMAC'd tokens, letter-block stand-ins, a role's default,
    # vault-action's references
    ('{"type":"response","auth":{"client_token":"hmac-sha256:' + "bd6dd75911924ab82f9dcfa7adae6b82" * 2 + '"}}',
     "vault-audit.log"),
    ('{"secret_key": "AAAAABBBBBCCCCCDDDDDAAAAABBBBBCCCCCDDDDD", "client_secret": "aaaabbbb-cccc-dddd-eeee-ffffgggghhhh"}',
     "pass-kv-v1.json"),
    ('variable "aws_auth_iam_role" {\n  default = "NoRole"\n}\n', "_interface.tf"),
    ("    steps:\n      - uses: hashicorp/vault-action@v2\n        with:\n          secrets: |\n"
     "            secret/data/ci app_secret\n", ".github/workflows/build.yml"),
    # outline: its .env.sample's instructions, and the names of its OAuth nonce cookies
    ("SECRET_KEY=generate_a_new_key\nSLACK_CLIENT_SECRET=get_the_secret_of_above_key\n", "config.env"),
    ('export const FigmaOAuthNonceCookie = "figmaOAuthNonce";', "FigmaUtils.ts"),
    # QA round 3: a host and its port in a Spring URL, a GraphQL schema's types, a Helm value naming a
    # key of a Secret
    ("security:\n  oauth2:\n    client:\n      accessTokenUri: http://auth-service:5000/uaa/oauth/token\n",
     "application.yml"),
    ("type Mutation {\n  login(email: String!, password: String!): LoginResult!\n}\n", "schema.graphql"),
    ('clusterSecretKey: "cluster-token-key"\nexistingPasswordKey: admin-password\n', "values.yaml"),
    # an example file's values that name a variable or say what to put there (QA round 3)
    ('IMAGER_S3_SECRET=AWS_S3_SECRET\nTOKEN_SECRET=this-should-be-a-long-random-string-of-characters\n', "config.env"),
    # a browser's Basic header of a public client id and no password (QA round 3)
    ("headers: { Authorization: 'Basic ' + '" + __import__("base64").b64encode(b"browser:").decode() + "' }", "auth.js"),
    ('fetch(url, { headers: { "Authorization": "Basic ' + __import__("base64").b64encode(b"web-client:").decode()
     + '" } })', "token.js"),
    # a placeholder word at the end of a sentence (an SQL injection lab's prose)
    ("<p>then the query reads password=TRUE.</p>", "lab.html"),
    # a data: URI of an image is no Facebook token
    ('<img src="data:image/png;base64,iVBORw0KGgo/' + "EAAM" + "Ab1" * 40 + '+AAAA">', "notebook.html"),
])
def test_not_credentials(text, path):
    assert _values(text, path) == []


def test_a_number_bound_to_a_password_name_stays_a_value():
    pin = expand("{{rand:digits:8}}", "realworld-digits")
    assert _values(f'login({{"password": {pin}}})', "notes.txt") == [("SS101", pin)]
    assert _values(f'user.password = "{pin}"', "user_test.rb") == [("SS120", pin)]
    # and a token in a link that is not a one-file download is still one
    tok = expand("{{rand:alnum:32}}", "realworld-link")
    assert [r for r, _ in _values(f'fetch("https://api.example.com/v1/items?alt=json&token={tok}")', "app.js")]


def test_a_quoted_value_in_quotes_stays_a_finding():
    assert _values(f"<li [attr.data-pw]=\"'{PW}'\" data-password=\"'{PW}'\">", "page.html") != []


def test_bare_value_stops_before_the_next_option():
    other = expand("{{rand:alnum:12}}", "realworld-next-option")
    got = _values(f"docker run -e DB_USER=app -e DB_PASSWORD={PW} -e DB_ROOT_PASSWORD={other} -p 5432:5432 db",
                  "README.md")
    assert ("SS101", PW) in got and ("SS101", other) in got
    assert all(" " not in v for _, v in got)


def test_parameter_expansion_default_is_the_value():
    assert _values(f"RUN start ${{API_PASSWORD:-{PW}}}", "README.md") == [("SS101", PW)]


def test_prose_value_ends_before_the_closing_bracket_and_full_stop():
    got = _values(f"<p>Log in as the demo user (user name: user1 password: {PW}).</p>", "guide.html")
    assert got == [("SS101", PW)]


def test_shebang_script_without_extension_is_shell_and_reaches_the_code_engine():
    script = f'#!/usr/bin/env bash\nset -e\nupdate_config "$F" "DB_PASSWORD" "${{DB_PASSWORD:-{PW}}}"\n'
    assert language_of_text("bin/entrypoint", script) == "shell"
    assert language_of_text("docs/notes.txt", script) == "text"  # the extension says what it is
    assert _values(script, "bin/entrypoint") == [("SS120", PW)]
    # the word of ${NAME:+word} is no value, in a parsed script as well
    assert _values('#!/bin/sh\ncase "${MVNW_PASSWORD:+has-password}" in\nesac\n', "mvnw") == []


def test_shell_expansion_alternate_and_error_are_not_bound():
    text = f'#!/bin/sh\necho "${{DB_PASSWORD:?set DB_PASSWORD}}" "${{API_TOKEN:+x}}"\nrun --pw "${{DB_PASSWORD-{PW}}}"\n'
    assert [(f.rule_id, f.line) for f in scan_text(text, "run.sh", RULES, warn=lambda m: None)
            if f.kind == "hardcoded"] == [("SS120", 3)]


@pytest.mark.parametrize("value,kind", [
    ("passwordHash", "names a variable"), ("sqlAdminPassword", "names a variable"),
    ("apptoken2", "self-describing"), ("clienttoken", "self-describing"),
])
def test_shapes_of_self_describing_values(value, kind):
    assert kind in (shapes.doc_placeholder(value) or "")


@pytest.mark.parametrize("value", ["Tr0ub4dor&3", "gpu-monitoring-demo", "kunigunde", "lemmylemmy", "password1x9"])
def test_words_stay_values_for_password_names(value):
    assert shapes.doc_placeholder(value) is None
    assert shapes.word_shape(value, "db_password") is None


@pytest.mark.parametrize("name,lang,rule", [
    ("config/config.inc.php.dist", "php", "SS122"),
    ("settings.py.example", "python", "SS110"),
    ("src/config.js.sample", "javascript", "SS120"),
])
def test_a_template_copy_reads_as_the_file_it_copies(name, lang, rule):
    """DVWA's config.inc.php.dist: `$_DVWA['db_password'] = getenv('DB_PASSWORD') ?: '...'` read as
    plain text found nothing; as the PHP file it copies, the code engine finds the default."""
    from secretshift.scanner.sources import language_of

    body = {"php": f"<?php\n$_CONF[ 'db_password' ] = getenv('DB_PASSWORD') ?: '{PW}';\n",
            "python": f"DB_PASSWORD = '{PW}'\n",
            "javascript": f'const dbPassword = "{PW}";\n'}[lang]
    assert language_of(name) == lang
    assert _values(body, name) == [(rule, PW)]
    assert language_of("stack.template") == "text"  # no extension of its own left: not a copy
    assert language_of("wordpress/group_vars/all") == language_of("host_vars/web1") == "yaml"  # Ansible
