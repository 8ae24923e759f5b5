"""The env engine: reads of secret environment variables in Python (ast, aliases resolved) and JS."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from secretshift.scanner.envnames import hints, is_secret_name
from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.samples import expand
from secretshift.scanner.scan import ScanOptions, scan_text

FIXTURES = Path(__file__).parent / "fixtures" / "python"
RULESET = load_ruleset()


def env_findings(text: str, path: str = "app.py", opts: ScanOptions | None = None):
    return [f for f in scan_text(text, path, RULESET, opts, warn=lambda m: None) if f.kind == "env"]


def rows(findings):
    return [(f.line, f.column, f.end_column, f.rule_id, f.symbol, f.expression) for f in findings]


# (line, column, end_column, rule, variable, expression)
PYTHON_READS = [
    (13, 15, 40, "SS201", "DB_PASSWORD", 'os.environ["DB_PASSWORD"]'),
    (14, 14, 49, "SS201", "STRIPE_SECRET_KEY", 'os.environ.get("STRIPE_SECRET_KEY")'),
    (15, 6, 37, "SS201", "GITHUB_TOKEN", 'os.getenv("GITHUB_TOKEN", None)'),
    (16, 1, 40, "SS201", "JWT_SECRET", 'os.environ.setdefault("JWT_SECRET", "")'),
    (17, 11, 37, "SS201", "SENTRY_DSN", '"SENTRY_DSN" in os.environ'),
    (18, 5, 41, "SS201", "AWS_SECRET_ACCESS_KEY", '_os.environ["AWS_SECRET_ACCESS_KEY"]'),
    (19, 5, 29, "SS201", "REDIS_URL", 'environ.get("REDIS_URL")'),
    (20, 5, 30, "SS201", "SLACK_BOT_TOKEN", 'getenv("SLACK_BOT_TOKEN")'),
    (21, 5, 30, "SS201", "MYSQL_PASSWORD", 'env_map["MYSQL_PASSWORD"]'),
    (22, 5, 30, "SS201", "SENDGRID_API_KEY", 'vars_["SENDGRID_API_KEY"]'),
    (23, 14, 38, "SS202", "DJANGO_SECRET_KEY", 'env("DJANGO_SECRET_KEY")'),
    (24, 16, 38, "SS202", "DATABASE_URL", 'env.db("DATABASE_URL")'),
    (25, 8, 37, "SS202", "EMAIL_HOST_PASSWORD", 'config("EMAIL_HOST_PASSWORD")'),
    (35, 5, 21, "SS203", "APP_DB_PASSWORD", "db_password: str"),
    (36, 5, 23, "SS203", "APP_SIGNING", "signing: SecretStr"),
    (37, 5, 47, "SS203", "OPENAI_API_KEY", 'other: str = Field(alias="OPENAI_API_KEY")'),
]


def test_every_python_form_with_aliases_resolved():
    text = (FIXTURES / "env_reads.py.tmpl").read_text(encoding="utf-8")
    found = env_findings(text)
    assert rows(found) == PYTHON_READS
    lines = text.split("\n")
    for f in found:  # the span is the read expression
        assert lines[f.line - 1][f.column - 1:f.end_column - 1] == f.expression
    d = found[0].to_dict()
    assert (d["kind"], d["variable"], d["field"], d["service"]) == ("env", "DB_PASSWORD", "password", "database")
    assert "value" not in d


def test_non_secret_names_are_not_reported():
    text = (FIXTURES / "env_reads.py.tmpl").read_text(encoding="utf-8")
    names = {f.symbol for f in env_findings(text)}
    assert not names & {"LOG_LEVEL", "PORT", "DEBUG", "DB_USER", "APP_REGION"}


@pytest.mark.parametrize("code", [
    # a local dict called environ is not os.environ
    'environ = {}\nx = environ["DB_PASSWORD"]\n',
    # a project's own config() is not python-decouple's
    'def config(name):\n    return name\nx = config("DB_PASSWORD")\n',
    # os.environ with a computed name cannot be judged
    'import os\nname = "DB_PASSWORD"\nx = os.environ[name]\n',
    # writing the environment is not reading it
    'import os\nos.environ["API_TOKEN"] = token\n',
    # a pydantic model that is not a settings class
    'from pydantic import BaseModel\nclass User(BaseModel):\n    password: str\n',
])
def test_lookalikes_are_not_env_reads(code):
    assert env_findings(code) == []


def test_os_without_an_import_is_the_os_module_unless_rebound():
    assert [f.symbol for f in env_findings('x = os.environ["DB_PASSWORD"]\n')] == ["DB_PASSWORD"]
    assert env_findings('os = FakeOs()\nx = os.environ["DB_PASSWORD"]\n') == []


def test_user_configured_names_extend_the_classification():
    text = 'import os\na = os.environ["STRIPE_SECRET_KEY"]\nb = os.environ["INTERNAL_SIGNATURE_SEED"]\n'
    assert [f.symbol for f in env_findings(text)] == ["STRIPE_SECRET_KEY"]
    opts = ScanOptions(root=Path("."), non_secret_env_names=("STRIPE_*",), secret_env_names=("*_SEED",))
    assert [f.symbol for f in env_findings(text, opts=opts)] == ["INTERNAL_SIGNATURE_SEED"]


def test_secretstr_field_is_secret_unless_the_user_says_otherwise():
    text = ("from pydantic import BaseSettings, SecretStr\n"
            "class S(BaseSettings):\n    signing: SecretStr\n    class Config:\n        env_prefix = 'SVC_'\n")
    assert [(f.line, f.symbol) for f in env_findings(text)] == [(3, "SVC_SIGNING")]
    opts = ScanOptions(root=Path("."), non_secret_env_names=("SVC_SIGNING",))
    assert env_findings(text, opts=opts) == []


def test_literal_defaults_are_redacted_from_the_expression():
    value = expand("{{rand:alnum:24}}", "redact")
    text = f'from decouple import config\nKEY = config("API_KEY", default="{value}")\n'
    found = scan_text(text, "app.py", RULESET, warn=lambda m: None)
    assert sorted(f.rule_id for f in found) == ["SS115", "SS202"]
    env = next(f for f in found if f.kind == "env")
    assert env.expression == 'config("API_KEY", default="***")'
    assert value not in json.dumps([f.to_dict() for f in found])


def test_invalid_python_still_finds_plain_environ_reads():
    text = 'import os\nprint "py2"\nx = os.environ["DB_PASSWORD"]\ny = os.getenv("LOG_LEVEL")\n'
    assert rows(env_findings(text)) == [(3, 5, 30, "SS201", "DB_PASSWORD", 'os.environ["DB_PASSWORD"]')]


JS = """\
const stripe = require("stripe")(process.env.STRIPE_SECRET_KEY);
const token = process.env["GITHUB_TOKEN"];
const { DB_PASSWORD, PORT, API_KEY: apiKey = "dev-default" } = process.env;
// const old = process.env.OLD_API_KEY;
const level = process.env.LOG_LEVEL || "info";
const url = import.meta.env.VITE_SENTRY_DSN;
"""


@pytest.mark.parametrize("path", ["server.js", "server.ts", "component.tsx"])
def test_javascript_process_env_forms(path):
    got = rows(env_findings(JS, path))
    assert got == [
        (1, 34, 63, "SS210", "STRIPE_SECRET_KEY", "process.env.STRIPE_SECRET_KEY"),
        (2, 15, 42, "SS210", "GITHUB_TOKEN", 'process.env["GITHUB_TOKEN"]'),
        (3, 9, 20, "SS210", "DB_PASSWORD", 'const { DB_PASSWORD, PORT, API_KEY: apiKey = "***" } = process.env'),
        (3, 28, 35, "SS210", "API_KEY", 'const { DB_PASSWORD, PORT, API_KEY: apiKey = "***" } = process.env'),
        (6, 13, 44, "SS210", "VITE_SENTRY_DSN", "import.meta.env.VITE_SENTRY_DSN"),
    ]
    lines = JS.split("\n")
    for line, col, end, _, name, expr in got:  # the span is the read (or, when destructuring, the name)
        assert lines[line - 1][col - 1:end - 1] in (expr, name)


def test_name_hints():
    assert hints("DB_PASSWORD") == ("database", "password")
    assert hints("STRIPE_SECRET_KEY") == ("stripe", "secret_key")
    assert hints("AWS_SECRET_ACCESS_KEY") == ("aws", "secret_access_key")
    assert hints("API_KEY") == (None, "api_key")
    assert is_secret_name("DB_PASSWORD") and not is_secret_name("LOG_LEVEL") and not is_secret_name("PORT")


def test_scan_cli_honours_non_secret_env_names_from_pyproject(tmp_path):
    (tmp_path / "app.py").write_text('import os\na = os.environ["DB_PASSWORD"]\nb = os.getenv("INTERNAL_TOKEN")\n')
    (tmp_path / "pyproject.toml").write_text('[tool.secretshift]\nnon_secret_env_names = ["INTERNAL_*"]\n')
    r = subprocess.run([sys.executable, "-m", "secretshift", "scan", "--format", "json", "--fail-on", "any", str(tmp_path)],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert [(f["variable"], f["line"], f["rule_id"]) for f in data["findings"]] == [("DB_PASSWORD", 2, "SS201")]


def test_modules_without_a_secret_env_name_are_not_parsed(parsed):
    """`config(` and `environ` are everywhere; a module is parsed only when a secret-looking name is
    quoted where a read's name goes (or a pydantic settings class declares fields)."""
    from secretshift.scanner.engines import _py_source

    plain = ("import os\nHOME = os.environ.get('HOME', '/root')\ncfg = app.config('debug', True)\n"
             "if 'PATH' in os.environ:\n    pass\n")
    assert env_findings(plain) == [] and parsed == []
    secret = plain + "GH = os.environ['GITHUB_TOKEN']\n"
    assert [(f.rule_id, f.line, f.symbol) for f in env_findings(secret)] == [("SS201", 6, "GITHUB_TOKEN")]
    assert len(parsed) == 1
    # a name the user declared secret counts as well, and one declared not secret does not
    custom = plain + "X = os.getenv('ACME_ROUTING_CODE')\n"
    opts = ScanOptions(root=Path("."), secret_env_names=("ACME_*",))
    assert [f.symbol for f in env_findings(custom, opts=opts)] == ["ACME_ROUTING_CODE"]
    opts = ScanOptions(root=Path("."), non_secret_env_names=("GITHUB_TOKEN",))
    _py_source._CACHE.clear()
    parsed.clear()
    assert env_findings(secret, opts=opts) == [] and parsed == []


# --- the pre-parse gate (env_reads.may_read_secret) ------------------------------------------------

@pytest.mark.parametrize("code", [
    'opts["password"] = url.password\n',  # a store, not a read
    'rows = [("name", "jbe"), ("password", "")]\n',  # a tuple in a list
    'pwd = keys.pop("password", "")\n',  # a call of a name nothing binds to the environment
    'sp = SecurePassword("secured_password")\n',
    'opts = dict(a=1)\nx = opts.get("DB_PASSWORD")\n',  # assigned, from nothing that reads it
])
def test_env_gate_leaves_out_quoted_secret_names_that_no_read_holds(code, monkeypatch):
    from secretshift.scanner.engines import FileContext, env_reads

    assert not env_reads.may_read_secret(FileContext(path="m.py", text=code, language="python"))


@pytest.mark.parametrize("code", [
    'import os\nx = os.environ["DB_PASSWORD"]\n',
    'x = os . environ.get("DB_PASSWORD")\n',
    'from os import environ as E\nx = E["DB_PASSWORD"]\n',
    'import os\ne = os.environ\nf = e\nx = f.get("DB_PASSWORD")\n',  # aliases of aliases
    'import os\nif True: e = os.environ\nx = e["DB_PASSWORD"]\n',
    'import os\ne = (\n    os.environ\n)\nx = e["DB_PASSWORD"]\n',  # a value over more lines
    'import environ\nenv = environ.Env()\nx = env("DB_PASSWORD")\nx = env.str("API_TOKEN")\n',
    'from decouple import config\nx = config("DB_PASSWORD", default="")\n',
    'import os\nx = "DB_PASSWORD" in os.environ\n',
])
def test_env_gate_keeps_every_read_and_finds_it(code, monkeypatch):
    from secretshift.scanner.engines import FileContext, env_reads

    assert env_reads.may_read_secret(FileContext(path="m.py", text=code, language="python"))
    found = rows(env_findings(code))
    assert found
    monkeypatch.setattr(env_reads, "may_read_secret", lambda ctx: True)
    assert rows(env_findings(code)) == found


def test_env_gate_finds_the_quoted_names_the_one_pattern_finds():
    """``_read_names`` (four patterns merged) gives exactly the matches of ``_READ_NAME_RE.finditer``
    on random text made of the pieces that start, end or overlap them."""
    import random
    from collections import Counter

    from secretshift.scanner.engines import env_reads

    pieces = ["(", "[", "'", '"', " ", "\n", "in", "not ", " in ", "DB_PASSWORD", "x", "r", "_a.b:c-1",
              "os.environ", "inx", ")", ",", '"API_KEY"', "'tok'", '("', "['", "( r'", '"x" in ', "'y' not in "]
    rng = random.Random(201)
    seen: Counter[bool] = Counter()
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        want = [(m.group(2) or m.group(4), m.group(2) is not None, m.span())
                for m in env_reads._READ_NAME_RE.finditer(text)]
        got = [(name, bracket, m.span()) for name, bracket, m in env_reads._read_names(text)]
        assert got == want, text
        seen.update(bracket for _, bracket, _ in want)
    assert seen[True] > 1000 and seen[False] > 1000  # the pieces do make matches, of both kinds


def test_env_gate_word_matches_are_those_of_the_pattern_with_a_word_boundary():
    """``_word_matches`` (the pattern searched without its leading ``\\b``, the character before it
    judged) gives the matches of ``re.finditer`` with the ``\\b``, on random text."""
    import random
    import re

    from secretshift.scanner.engines import env_reads

    pieces = ["as", " ", "\t", "env", "xenv", "env_", "é", "_", "=", "==", ": T ", "(", "\n", "os.environ", "1",
              "as env", "env = ", "1env=", "_as env", "éas\tenv", "enval = "]
    rng = random.Random(202)
    hits = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        for pattern in (r"as[ \t]+env\b", r"env[ \t]*(?::[^=\n]*)?=(?!=)([^\n]*)"):
            want = [m.span() for m in re.finditer(r"\b" + pattern, text)]
            assert [m.span() for m in env_reads._word_matches(pattern, text)] == want, (pattern, text)
            hits += len(want)
    assert hits > 1000


def test_a_variable_that_names_the_file_holding_the_secret_is_no_secret_read():
    """awesome-compose's react-express-mysql: compose sets DATABASE_PASSWORD=/run/secrets/db-password
    and the code reads readFileSync(process.env.DATABASE_PASSWORD). Taken for the password, the read
    was rewritten to readFileSync(getSecretSync(...)): the app then opened a file named after the
    password, and its error printed it. A read passed as a path to open is a mounted secret's path."""
    py = ('import os\nfrom pathlib import Path\nDB_PASSWORD = open(os.environ["DB_PASSWORD"]).read()\n'
          'KEY = Path(os.environ.get("SIGNING_KEY")).read_text()\nAPI_TOKEN = os.environ["API_TOKEN"]\n')
    assert [f.symbol for f in env_findings(py)] == ["API_TOKEN"]
    js = ('const fs = require("fs");\nconst pw = fs.readFileSync(process.env.DATABASE_PASSWORD, "utf8");\n'
          'const tok = process.env.API_TOKEN;\n')
    assert [f.symbol for f in env_findings(js, "config.js")] == ["API_TOKEN"]


def test_a_settings_field_with_alias_choices_reads_its_first_choice():
    """QA: validation_alias=AliasChoices("DB_PASSWORD", "APP_DB_PASSWORD") was taken for APP_DB_PASSWORD
    (prefix + field name), so migrate asked for a variable the value was not given under."""
    text = ('from pydantic import AliasChoices, Field\nfrom pydantic_settings import BaseSettings, SettingsConfigDict\n\n\n'
            'class Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix="APP_")\n'
            '    db_password: str = Field(validation_alias=AliasChoices("DB_PASSWORD", "APP_DB_PASSWORD"))\n'
            '    api_token: str = Field(alias="SERVICE_TOKEN")\n')
    assert [f.symbol for f in env_findings(text)] == ["DB_PASSWORD", "SERVICE_TOKEN"]


def test_an_assignment_to_process_env_is_no_read():
    """juice-shop's tests restore the environment: process.env.ALCHEMY_API_KEY = originalApiKey."""
    js = ("const saved = process.env.ALCHEMY_API_KEY;\nprocess.env.ALCHEMY_API_KEY = 'x';\n"
          "process.env.API_TOKEN ??= saved;\nif (process.env.SECRET_KEY === saved) {}\n")
    assert [(f.line, f.symbol) for f in env_findings(js, "web3.test.ts")] == [(1, "ALCHEMY_API_KEY"), (4, "SECRET_KEY")]


def test_a_vendors_key_under_its_own_name_is_a_secret_read():
    """hackathon-starter reads process.env.LOB_KEY and STRIPE_SKEY (its .env.example holds a Lob test
    key and a Stripe secret key); juice-shop's CTF_KEY is the HMAC key of its flags. A key naming a
    place (CACHE_KEY, S3_KEY) or a KMS key's name (CRYPTO_KEY) is none; a publishable key stays out."""
    js = ("const a = process.env.LOB_KEY, b = process.env.STRIPE_SKEY, c = process.env.CTF_KEY;\n"
          "const d = process.env.CACHE_KEY, e = process.env.S3_KEY, f = process.env.STRIPE_PKEY;\n")
    assert [f.symbol for f in env_findings(js, "config.js")] == ["LOB_KEY", "STRIPE_SKEY", "CTF_KEY"]


def test_an_env_imported_from_the_settings_package_is_its_environ_env():
    """QA round 3: cookiecutter-django's settings modules do `from .base import env` (or
    `from config.settings.base import env`) and read env("DJANGO_SECRET_KEY"): 0 findings, while the
    same call beside `env = environ.Env()` was found."""
    for head in ("from .base import env\n", "from config.settings.base import env\n"):
        text = head + 'SECRET_KEY = env("DJANGO_SECRET_KEY")\nAWS_KEY = env("DJANGO_AWS_SECRET_ACCESS_KEY")\nDEBUG = env.bool("DEBUG")\n'
        assert [f.symbol for f in env_findings(text, "config/settings/production.py")] == [
            "DJANGO_SECRET_KEY", "DJANGO_AWS_SECRET_ACCESS_KEY"]
    assert env_findings('from jinja2 import env\nX = env("SECRET_KEY")\n', "render.py") == []


def test_deleting_a_variable_is_no_read():
    """QA (realworld): a test's `delete process.env.JWT_SECRET` was reported as a read."""
    js = "delete process.env.JWT_SECRET;\ndelete (process.env.API_TOKEN);\nconst k = process.env.API_TOKEN;\n"
    assert [(f.line, f.symbol) for f in env_findings(js, "user.service.spec.ts")] == [(3, "API_TOKEN")]


def test_a_variable_passed_to_a_file_reader_names_a_file_in_every_read():
    """QA (nestjs-boilerplate): `process.env.DATABASE_PASSWORD ? fs.readFileSync(process.env.DATABASE_PASSWORD)`
    names a file in both reads; the guard was reported as a secret read. Python likewise."""
    js = ("const pw = process.env.DATABASE_PASSWORD\n  ? fs.readFileSync(process.env.DATABASE_PASSWORD, 'utf8')\n"
          "  : undefined;\nconst k = process.env.API_TOKEN;\n")
    assert [f.symbol for f in env_findings(js, "src/config.ts")] == ["API_TOKEN"]
    py = ('import os\nif os.environ.get("DB_PASSWORD"):\n    pw = open(os.environ["DB_PASSWORD"]).read()\n'
          'key = os.environ["API_TOKEN"]\n')
    assert [f.symbol for f in env_findings(py, "app/settings.py")] == ["API_TOKEN"]
