"""Issue 12's Python patterns, scan to rewrite: what the scanner reports, the code the codemods
write for it, and a true reason where they refuse. Values are built at test time."""
from __future__ import annotations

import ast

import pytest

from secretshift.codemods.accessor import Accessor
from secretshift.codemods.runner import RewriteTarget, rewrite_source
from secretshift.scanner.models import value_hash
from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.samples import expand

RULES = load_ruleset()
PW = expand("{{rand:alnum:18}}", "pat-pw")
TOK = expand("{{rand:alnum:32}}", "pat-tok")


def scan(text: str, path: str = "app/settings.py"):
    from secretshift.scanner.scan import scan_text

    return scan_text(text, path, RULES, warn=lambda m: None)


def targets(findings, by_fingerprint: bool = False, **extra):
    """Targets as the planner makes them; ``by_fingerprint`` looks each finding up by fingerprint
    first, as migrate's fresh re-scan does (equal values in one file then give equal targets)."""
    fresh = {f.fingerprint: f for f in findings} if by_fingerprint else None
    out = []
    for i, f in enumerate(findings):
        g = fresh[f.fingerprint] if fresh else f
        sid = f"p/{f.rule_id.lower()}"
        if f.kind == "env":
            out.append(RewriteTarget(g.line, g.column, g.end_line, g.end_column, "env", sid, "value",
                                     env_var=g.symbol, fingerprint=g.fingerprint, **extra))
        else:
            out.append(RewriteTarget(g.line, g.column, g.end_line, g.end_column, "hardcoded", sid, "value",
                                     value_sha256=value_hash(g.value.reveal()), fingerprint=g.fingerprint, **extra))
    return out


def migrate(text: str, by_fingerprint: bool = False, **extra):
    findings = scan(text)
    res = rewrite_source(text, "app/settings.py", targets(findings, by_fingerprint, **extra), Accessor.parse(None),
                         unsafe=True)
    ast.parse(res.code)
    return findings, res


def body(code: str) -> str:
    """The code after the accessor import the rewrite added."""
    return code.split("from secretshift_secrets import get_secret\n", 1)[-1].lstrip("\n")


def test_same_literal_twice_both_rewritten_even_when_targets_are_equal():
    text = f'DB_PASSWORD = "{PW}"\nBACKUP_PASSWORD = "{PW}"\nREPLICA = {{"password": "{PW}"}}\n'
    for by_fp in (False, True):
        findings, res = migrate(text, by_fingerprint=by_fp)
        assert res.skipped == [], res.skipped
        assert PW not in res.code and len(res.applied) == 3
        assert body(res.code).count('get_secret("p/ss11') == 3


def test_same_url_password_in_four_templates_all_rewritten_from_equal_targets():
    text = (f'user, host = "app", "db"\nA = f"postgresql://{{user}}:{PW}@{{host}}/app"\n'
            f'B = "postgres://app:%s@h/app" % "{PW}"\nC = "postgres://app:{PW}@%s/app" % host\n'
            f'D = "postgres://app:{PW}@{{}}/app".format(host)\n')
    findings, res = migrate(text, by_fingerprint=True)
    assert len({f.fingerprint for f in findings}) == 1 and len(findings) == 4
    assert res.skipped == [] and PW not in res.code


def test_same_env_read_twice_both_rewritten():
    text = 'import os\nA = os.environ["STRIPE_SECRET_KEY"]\nB = os.environ["STRIPE_SECRET_KEY"]\n'
    findings, res = migrate(text, by_fingerprint=True)
    assert res.skipped == [] and "os.environ" not in res.code


@pytest.mark.parametrize("line, expected", [
    (f'DATABASE_URL = f"postgresql://{{user}}:{PW}@{{host}}/app"',
     """DATABASE_URL = f"postgresql://{user}:{get_secret('p/ss117')['value']}@{host}/app\""""),
    (f'DSN = "postgres://app:%s@db/app" % "{PW}"',
     'DSN = "postgres://app:%s@db/app" % get_secret("p/ss117")["value"]'),
    (f'DSN = "postgres://app:{PW}@%s:%d/app" % (host, port)',
     'DSN = "postgres://app:%s@%s:%d/app" % (get_secret("p/ss117")["value"], host, port)'),
    (f'DSN = "postgres://app:{PW}@%s/app" % host',
     'DSN = "postgres://app:%s@%s/app" % (get_secret("p/ss117")["value"], host)'),
    (f'DSN = "postgres://app:{PW}@{{}}:{{}}/app".format(host, port)',
     'DSN = "postgres://app:{}@{}:{}/app".format(get_secret("p/ss117")["value"], host, port)'),
    (f'DSN = "postgres://app:{PW}@{{host}}/app".format(host=h)',
     'DSN = "postgres://app:{0}@{host}/app".format(get_secret("p/ss117")["value"], host=h)'),
    (f'URL = "redis://" + user + ":{PW}@" + host',
     """URL = "redis://" + user + f":{get_secret('p/ss117')['value']}@" + host"""),
    (f'HEADERS = {{"Authorization": "Bearer " + "{TOK}"}}',
     'HEADERS = {"Authorization": "Bearer " + get_secret("p/ss118")["value"]}'),
    (f'API_TOKEN = "tk_" + "{TOK}"', 'API_TOKEN = get_secret("p/ss110")["value"]'),
])
def test_templates_and_concatenations(line, expected):
    text = f"host, port, user, h = 'db', 5432, 'app', 'db'\n{line}\n"
    findings, res = migrate(text)
    assert findings and res.skipped == [], (findings, res.skipped)
    assert body(res.code).splitlines()[-1] == expected


def test_percent_template_secret_with_a_percent_sign_is_refused_with_the_reason():
    """A %-template cannot hold a literal '%' unescaped: the scanner reports nothing there, and a
    target for a part holding one is refused with a reason naming the character."""
    text = 'DSN = "postgres://app:ab%%cd@%s/app" % host\n'
    assert [f for f in scan(text) if f.rule_id == "SS117"] == []
    t = RewriteTarget(1, 22, 1, 28, "hardcoded", "p/x", "value", value_sha256=value_hash("ab%%cd"))
    res = rewrite_source(text, "a.py", [t], Accessor.parse(None), unsafe=True)
    assert res.code == text and "placeholder character" in res.skipped[0][1]


PEM_BODY = "\n".join(expand("{{rand:b64:64}}", f"pem{i}") for i in range(3))


@pytest.mark.parametrize("literal, evaluates_to", [
    (f'"""-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n"""',
     f"-----BEGIN RSA PRIVATE KEY-----\n{PEM_BODY}\n-----END RSA PRIVATE KEY-----\n"),
    ('"-----BEGIN EC PRIVATE KEY-----\\n' + PEM_BODY.replace("\n", "\\n") + '\\n-----END EC PRIVATE KEY-----\\n"',
     f"-----BEGIN EC PRIVATE KEY-----\n{PEM_BODY}\n-----END EC PRIVATE KEY-----\n"),
    ('r"-----BEGIN PRIVATE KEY-----\\n' + PEM_BODY.replace("\n", "\\n") + '\\n-----END PRIVATE KEY-----"',
     "-----BEGIN PRIVATE KEY-----\\n" + PEM_BODY.replace("\n", "\\n") + "\\n-----END PRIVATE KEY-----"),
    ('("-----BEGIN PRIVATE KEY-----\\n"\n    "' + PEM_BODY.splitlines()[0] + '\\n"\n    "-----END PRIVATE KEY-----\\n")',
     f"-----BEGIN PRIVATE KEY-----\n{PEM_BODY.splitlines()[0]}\n-----END PRIVATE KEY-----\n"),
])
def test_pem_literal_stored_as_it_evaluates_and_replaced_whole(literal, evaluates_to):
    text = f"KEY = {literal}\nOTHER = 1\n"
    findings = scan(text)
    assert [f.rule_id for f in findings] == ["SS119"]
    assert findings[0].value.reveal() == evaluates_to == ast.literal_eval(literal)
    _, res = migrate(text)
    assert body(res.code) == 'KEY = get_secret("p/ss119")["value"]\nOTHER = 1\n'
    assert "-----" not in res.diff.replace("----…----", "")  # every line of the key is masked


def test_pem_bytes_literal_stays_bytes():
    text = f'KEY = b"""-----BEGIN EC PRIVATE KEY-----\n{PEM_BODY}\n-----END EC PRIVATE KEY-----\n"""\n'
    _, res = migrate(text)
    assert body(res.code) == 'KEY = get_secret("p/ss119")["value"].encode()\n'


def test_star_imported_os_is_rewritten_and_import_added_after_it():
    text = ('from .base import *\n\nSECRET_KEY = os.getenv("DJANGO_SECRET_KEY")\n'
            'DB = {"PASSWORD": os.environ["DB_PASSWORD"]}\n')
    findings, res = migrate(text)
    assert len(findings) == 2 and res.skipped == []
    assert res.code.startswith("from .base import *\nfrom secretshift_secrets import get_secret\n")
    assert "os." not in res.code


def test_os_bound_to_something_else_is_not_taken_for_os():
    text = 'from .base import *\nos = FakeOs()\nKEY = os.environ["DB_PASSWORD"]\n'
    assert scan(text) == []


def test_presence_check_asks_secrets_manager():
    """``if "X" in os.environ:`` guards the reads of X; after the move it asks whether the secret is
    there (the default accessor's has_secret), else the guarded branch would never run again."""
    text = ('import os\nif "DB_PASSWORD" in os.environ:\n    P = os.environ["DB_PASSWORD"]\n'
            'if "DB_PASSWORD" not in os.environ:\n    P = None\n')
    findings, res = migrate(text, by_fingerprint=True)
    assert len(findings) == 3 and res.skipped == []
    assert res.code == ('import os\nfrom secretshift_secrets import get_secret, has_secret\n\n'
                        'if has_secret("p/ss201", "value"):\n    P = get_secret("p/ss201")["value"]\n'
                        'if not has_secret("p/ss201", "value"):\n    P = None\n')
    own = rewrite_source(text, "a.py", targets(findings), Accessor.parse("app.secrets:fetch"), unsafe=True)
    why = "tests whether DB_PASSWORD is set; only the accessor secretshift writes has has_secret(): change the check by hand"
    assert sorted(w for _, w in own.skipped) == [f"line 2: {why}", f"line 4: {why}"]
    assert 'P = fetch("p/ss201")["value"]' in own.code


HELPERS = '''import dj_database_url
import environ
from decouple import Csv, config
from dj_database_url import config as db_config

env = environ.Env()
'''


@pytest.mark.parametrize("line, expected", [
    ('D = dj_database_url.config(conn_max_age=600, ssl_require=True)',
     'D = dj_database_url.parse(get_secret("p/ss202")["value"], conn_max_age=600, ssl_require=True)'),
    ('D = dj_database_url.config("PRIMARY_DATABASE_URL", "sqlite://", None, 60)',
     'D = dj_database_url.parse(get_secret("p/ss202")["value"], None, 60)'),
    ('D = db_config()', 'D = dj_database_url.parse(get_secret("p/ss202")["value"])'),
    ('D = env.db()', 'D = env.db_url_config(get_secret("p/ss202")["value"])'),
    ('D = env.db("DATABASE_URL", engine="django.db.backends.postgresql")',
     'D = env.db_url_config(get_secret("p/ss202")["value"], engine="django.db.backends.postgresql")'),
    ('C = env.cache_url("REDIS_URL")', 'C = env.cache_url_config(get_secret("p/ss202")["value"])'),
    ('K = env("SECRET_KEY")', 'K = get_secret("p/ss202")["value"]'),
    ('K = env.str("SECRET_KEY", default="")', 'K = get_secret("p/ss202")["value"]'),
    ('K = env.json("GOOGLE_CREDENTIALS")', 'K = json.loads(get_secret("p/ss202")["value"])'),
    ('K = config("SENDGRID_API_KEY")', 'K = get_secret("p/ss202")["value"]'),
    ('K = config("API_TOKENS", cast=Csv())', 'K = Csv()(get_secret("p/ss202")["value"])'),
])
def test_env_reading_helpers(line, expected):
    text = HELPERS + line + "\n"
    findings, res = migrate(text)
    assert [f.kind for f in findings] == ["env"] and res.skipped == [], (findings, res.skipped)
    assert res.code.splitlines()[-1] == expected


def test_a_decouple_or_environ_read_cast_to_a_bool_or_number_is_a_switch_not_a_secret():
    """QA (kitsune): FXA_STORE_ACCESS_TOKEN = config(..., cast=bool) was a secret read, and migrate
    created production/generic/fxa holding a boolean."""
    text = HELPERS + 'K = config("SIGNING_SECRET", cast=bool)\nN = config("TOKEN_COUNT", cast=int)\n'
    assert scan(text) == []
    findings, res = migrate(text)
    assert findings == [] and res.code == text


PYDANTIC = '''from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    db_password: SecretStr
    api_token: str = Field(alias="SERVICE_API_TOKEN")
    debug: bool = False
'''


def test_pydantic_fields_get_a_secrets_manager_default_and_are_not_reported_again():
    findings, res = migrate(PYDANTIC)
    assert [f.symbol for f in findings] == ["DB_PASSWORD", "SERVICE_API_TOKEN"] and res.skipped == []
    assert ('    db_password: SecretStr = Field(default_factory=lambda: get_secret("p/ss203")["value"], '
            'validate_default=True)\n'
            '    api_token: str = Field(alias="SERVICE_API_TOKEN", default_factory=lambda: get_secret("p/ss203")["value"], '
            'validate_default=True)\n') in res.code
    assert res.code.count("import Field") == 1
    assert scan(res.code) == []  # migrated: a re-scan (verify) finds nothing left


def test_boto3_keys_keep_identity_unless_dropped():
    kid = expand("{{join:AK:IA}}{{rand:alnumupper:16}}", "pat-kid")
    sak = expand("{{rand:b64:40}}", "pat-sak")
    text = f'import boto3\ns3 = boto3.client("s3", aws_access_key_id="{kid}", aws_secret_access_key="{sak}")\n'
    _, res = migrate(text)
    assert "aws_access_key_id=get_secret(" in res.code and "aws_secret_access_key=get_secret(" in res.code
    assert set(res.applicability.values()) == {"safe"}
    _, dropped = migrate(text, drop_aws_keys=True)
    assert dropped.code == 'import boto3\ns3 = boto3.client("s3")\n'
    assert any("default credential chain" in w and "app/settings.py" in w for w in dropped.warnings)


def test_pydantic_v1_wraps_secret_types_and_refuses_others():
    text = ('from pydantic import BaseSettings, SecretStr, PostgresDsn\n\n\nclass S(BaseSettings):\n'
            '    db_password: SecretStr\n    database_url: PostgresDsn\n    access_token_expire_minutes: int = 60\n')
    findings, res = migrate(text)
    assert [f.symbol for f in findings] == ["DB_PASSWORD", "DATABASE_URL"]  # an int field holds no credential
    assert 'db_password: SecretStr = Field(default_factory=lambda: SecretStr(get_secret("p/ss203")["value"]))' in res.code
    assert [why for _, why in res.skipped] == [
        "line 6: pydantic v1 does not validate defaults: for this field type, set a default by hand"]


def test_value_in_a_comment_gets_a_true_reason_and_is_masked_in_the_diff():
    gh = expand("gh{{join:p:_}}{{rand:alnum:36}}", "pat-comment")
    text = f'# the old token was {gh}\nAPI_TOKEN = "{TOK}"\n'
    findings, res = migrate(text)
    assert {f.rule_id for f in findings} >= {"SS420"}
    assert [why for _, why in res.skipped] == [
        "line 1: the value is in a comment: delete it by hand (it stays in git history, so rotate it)"]
    assert res.changed and gh not in res.diff and TOK not in res.diff and "# the old token was " in res.diff


def test_a_found_value_is_found_again_wherever_the_file_repeats_it():
    """A name that no rule reads as a secret (AUTH_HEADER ends in _header) still holds the token the
    file binds elsewhere: it is the same credential, reported and rewritten, or the value would stay."""
    text = f'API_TOKEN = "{TOK}"\nAUTH_HEADER = f"Bearer {TOK}"\n# {TOK} in a comment is no literal\n'
    findings = scan(text)
    assert [(f.rule_id, f.line) for f in findings] == [("SS110", 1), ("SS110", 2)]
    _, res = migrate(text, by_fingerprint=True)
    assert res.code.splitlines()[-2] == """AUTH_HEADER = f"Bearer {get_secret('p/ss110')['value']}\""""

