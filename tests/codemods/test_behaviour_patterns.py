"""Behaviour of issue 12's Python patterns against Secrets Manager (moto over HTTP, a real boto3
client, the real dj-database-url, django-environ, python-decouple and pydantic-settings).

A small multi-module application is scanned, its secrets are stored the way ``migrate`` stores
them, and the codemods rewrite it (targets looked up by fingerprint, as migrate's re-scan does).
With the environment emptied, the rewritten application computes the same values as the original
did with its environment; after a rotation in Secrets Manager, code that fetches at run time
(functions, objects built later, a module imported again) sees the new value once the accessor's
TTL has passed; a re-scan finds nothing left and a second rewrite changes nothing.
"""
from __future__ import annotations

import importlib
import json
import shutil
import sys
import time
import uuid
from pathlib import Path

import boto3
import pytest

from secretshift.codemods.accessor import Accessor, write_accessor_module
from secretshift.codemods.runner import RewriteTarget, rewrite_file
from secretshift.scanner.models import value_hash
from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.samples import expand
from secretshift.scanner.scan import scan_text

TTL = 0.3


@pytest.fixture(scope="module")
def sm():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    mp = pytest.MonkeyPatch()
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                 "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": url,
                 "SECRETSHIFT_SECRET_TTL": str(TTL)}.items():
        mp.setenv(k, v)
    for k in ("AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_PROFILE"):
        mp.delenv(k, raising=False)
    yield boto3.client("secretsmanager", endpoint_url=url, region_name="eu-west-1")
    mp.undo()
    server.stop()


def v(template: str, seed: str) -> str:
    return expand(template, f"behaviour-{seed}")


VALUES = {
    "<PW1>": v("{{rand:alnum:18}}", "pw1"), "<PW2>": v("{{rand:alnum:16}}", "pw2"),
    "<PW3>": v("{{rand:alnum:16}}", "pw3"), "<PW4>": v("{{rand:alnum:16}}", "pw4"),
    "<PW5>": v("{{rand:alnum:16}}", "pw5"), "<PW6>": v("{{rand:alnum:20}}", "pw6"),
    "<PW7>": v("{{rand:alnum:18}}", "pw7"), "<TOK>": v("{{rand:b64url:40}}", "tok"),
    "<GH>": v("{{rand:alnum:36}}", "gh"), "<MAPS>": v("AIza{{rand:b64url:35}}", "maps"),
    "<AKID>": v("{{join:AK:IA}}{{rand:b32:16}}", "akid"), "<SAK>": v("{{rand:b64:40}}", "sak"),
}
PEM = "\n".join(v("{{rand:b64:64}}", f"pem{i}") for i in range(3))
ENV = {
    "DJANGO_SECRET_KEY": v("{{rand:b64url:50}}", "dj"), "DB_PASSWORD": v("{{rand:alnum:20}}", "dbpw"),
    "DATABASE_URL": f"postgres://shop:{v('{{rand:alnum:16}}', 'dburl')}@db.internal:5432/shop",
    "REPLICA_DATABASE_URL": f"postgres://ro:{v('{{rand:alnum:16}}', 'ro')}@replica.internal:5432/shop",
    "REDIS_URL": f"redis://:{v('{{rand:alnum:24}}', 'redis')}@cache.internal:6379/1",
    "STRIPE_SECRET_KEY": v("sk_{{join:li:ve}}_{{rand:alnum:24}}", "stripe"),
    "SENDGRID_API_KEY": v("SG.{{rand:b64url:22}}.{{rand:b64url:43}}", "sg"),
    "API_TOKENS": f"{v('{{rand:alnum:24}}', 't1')},{v('{{rand:alnum:24}}', 't2')}",
    "PAYMENTS_SECRET": v("{{rand:alnum:32}}", "pay"), "SERVICE_API_TOKEN": v("{{rand:alnum:32}}", "svc"),
}

FILES = {
    "__init__.py": "",
    ".env": "",  # python-decouple stops its search for a settings file here
    "settings/__init__.py": "",
    "settings/base.py": 'import os\n\nDEBUG = False\nBASE_DB_PASSWORD = "<PW1>"\n',
    "settings/prod.py": '''"""Production settings: Django split settings (os comes from the star import)."""
from .base import *  # noqa: F403

if "DJANGO_SECRET_KEY" in os.environ:  # a presence guard: it must still pass after the move
    SECRET_KEY = os.getenv("DJANGO_SECRET_KEY")
else:
    SECRET_KEY = "insecure-development-key"
DATABASES_PASSWORD = os.environ["DB_PASSWORD"]
MAPS_API_KEY = os.environ.get("MAPS_API_KEY", "<MAPS>")
''',
    "db.py": '''import dj_database_url
import environ
from decouple import Csv, config

env = environ.Env()
DATABASES = {"default": dj_database_url.config(conn_max_age=600)}
REPLICA = env.db("REPLICA_DATABASE_URL")
CACHE = env.cache_url("REDIS_URL")
STRIPE = env("STRIPE_SECRET_KEY")
SENDGRID = config("SENDGRID_API_KEY")
TOKENS = config("API_TOKENS", cast=Csv())
''',
    "templates.py": '''user, host = "shop", "db.internal"
DATABASE_URL = f"postgresql://{user}:<PW2>@{host}:5432/shop"
DSN_PERCENT = "postgres://shop:<PW3>@%s/shop" % host
DSN_ARG = "postgres://shop:%s@%s/shop" % ("<PW4>", host)
DSN_FORMAT = "mysql://shop:<PW5>@{}:3306/shop".format(host)
REDIS = "redis://" + user + ":<PW6>@" + host + ":6379/0"
GITHUB_TOKEN = "gh" + "p_<GH>"
ADMIN_PASSWORD = "<PW7>"
ADMIN_PASSWORD_AGAIN = "<PW7>"


def auth_header():
    # the token is fetched on every call (through the accessor's cache)
    return {"Authorization": "Bearer " + "<TOK>"}
''',
    "keys.py": f'''SIGNING_KEY = """-----BEGIN RSA PRIVATE KEY-----
{PEM}
-----END RSA PRIVATE KEY-----
"""
SIGNING_KEY_BYTES = b"""-----BEGIN EC PRIVATE KEY-----
{PEM}
-----END EC PRIVATE KEY-----
"""
RAW_KEY = r"-----BEGIN PRIVATE KEY-----\\n{PEM.splitlines()[0]}\\n-----END PRIVATE KEY-----\\n"
JOINED_KEY = ("-----BEGIN PRIVATE KEY-----\\n"
              "{PEM.splitlines()[1]}\\n"
              "-----END PRIVATE KEY-----\\n")
''',
    "config.py": '''from pydantic import Field, PostgresDsn, SecretStr, field_validator
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    payments_secret: SecretStr
    api_token: str = Field(alias="SERVICE_API_TOKEN")
    database_url: PostgresDsn
    debug: bool = False
    access_token_expire_minutes: int = 60

    @field_validator("database_url", mode="before")
    @classmethod
    def _driver(cls, value):
        return str(value).replace("postgres://", "postgresql+psycopg://", 1)
''',
    "aws.py": '''import boto3

session = boto3.session.Session(aws_access_key_id="<AKID>", aws_secret_access_key="<SAK>", region_name="eu-west-1")


def identity():
    c = session.get_credentials()
    return c.access_key, c.secret_key
''',
}


def build(root: Path) -> None:
    for rel, text in FILES.items():
        for k, val in VALUES.items():
            text = text.replace(k, val)
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def record(pkg: str) -> dict:
    prod = importlib.import_module(f"{pkg}.settings.prod")
    db = importlib.import_module(f"{pkg}.db")
    tpl = importlib.import_module(f"{pkg}.templates")
    keys = importlib.import_module(f"{pkg}.keys")
    conf = importlib.import_module(f"{pkg}.config")
    aws = importlib.import_module(f"{pkg}.aws")
    s = conf.Settings()
    out = {f"prod.{k}": getattr(prod, k) for k in ("SECRET_KEY", "DATABASES_PASSWORD", "MAPS_API_KEY", "BASE_DB_PASSWORD")}
    out.update({f"db.{k}": getattr(db, k) for k in ("DATABASES", "REPLICA", "CACHE", "STRIPE", "SENDGRID", "TOKENS")})
    out.update({f"tpl.{k}": getattr(tpl, k) for k in ("DATABASE_URL", "DSN_PERCENT", "DSN_ARG", "DSN_FORMAT", "REDIS",
                                                        "GITHUB_TOKEN", "ADMIN_PASSWORD", "ADMIN_PASSWORD_AGAIN")})
    out["tpl.auth_header()"] = tpl.auth_header()
    out.update({f"keys.{k}": getattr(keys, k) for k in ("SIGNING_KEY", "SIGNING_KEY_BYTES", "RAW_KEY", "JOINED_KEY")})
    out["config.payments_secret"] = (type(s.payments_secret).__name__, s.payments_secret.get_secret_value())
    out["config.api_token"] = s.api_token
    out["config.database_url"] = (type(s.database_url).__name__, str(s.database_url))
    out["aws.identity()"] = aws.identity()
    return out


def plan(root: Path):
    """(targets by file, SecretString by secret id): one secret per finding, as migrate stores values
    (a literal's value; an env read's variable, or its literal default when it is unset)."""
    ruleset = load_ruleset()
    by_file, secrets = {}, {}
    for p in sorted(root.rglob("*.py")):
        rel = p.relative_to(root).as_posix()
        findings = scan_text(p.read_text(encoding="utf-8"), rel, ruleset, warn=lambda m: None)
        fresh = {f.fingerprint: f for f in findings}  # migrate's lookup: equal values collide
        defaults = {f.line: f.value.reveal() for f in findings if f.kind == "hardcoded"}  # an env read's default
        for i, f in enumerate(findings):
            g = fresh[f.fingerprint]
            sid = f"shop/{rel.replace('/', '-')}/{i}"
            if f.kind == "env":
                value = ENV.get(f.symbol) or defaults[f.line]
                t = RewriteTarget(g.line, g.column, g.end_line, g.end_column, "env", sid, "value", env_var=g.symbol,
                                  rule_id=g.rule_id, fingerprint=g.fingerprint)
            else:
                value = f.value.reveal()
                t = RewriteTarget(g.line, g.column, g.end_line, g.end_column, "hardcoded", sid, "value",
                                  value_sha256=value_hash(value), rule_id=g.rule_id, fingerprint=g.fingerprint)
            by_file.setdefault(rel, []).append(t)
            secrets[sid] = json.dumps({"value": value})
    return by_file, secrets


def test_patterns_keep_values_follow_rotation_and_leave_nothing(tmp_path, sm, monkeypatch):
    tag = uuid.uuid4().hex[:8]
    before_pkg, after_pkg, acc = f"shop_b{tag}", f"shop_a{tag}", f"acc{tag}.secretshift_secrets"
    build(tmp_path / before_pkg)
    for k, val in ENV.items():
        monkeypatch.setenv(k, val)
    monkeypatch.delenv("MAPS_API_KEY", raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        before = record(before_pkg)
        shutil.copytree(tmp_path / before_pkg, tmp_path / after_pkg)
        root = tmp_path / after_pkg
        by_file, secrets = plan(root)
        assert sum(map(len, by_file.values())) == 30
        for sid, text in secrets.items():
            sm.create_secret(Name=sid, SecretString=text)
        write_accessor_module(tmp_path, acc)
        accessor = Accessor.parse(None, acc)
        for rel, targets in by_file.items():
            res = rewrite_file(root / rel, targets, accessor, unsafe=True)
            assert res.skipped == [], (rel, res.skipped)
        tree = "".join(p.read_text() for p in root.rglob("*.py"))
        for val in list(VALUES.values()) + list(ENV.values()) + PEM.splitlines():
            assert val not in tree
        for k in ENV:  # the values come from Secrets Manager only now
            monkeypatch.delenv(k)
        after = record(after_pkg)
        assert after == before
        assert type(after["keys.SIGNING_KEY_BYTES"]) is bytes and after["keys.SIGNING_KEY"].endswith("-----\n")

        # a re-scan (migrate's verify) finds nothing left; a second rewrite changes nothing
        ruleset = load_ruleset()
        for rel, targets in by_file.items():
            text = (root / rel).read_text()
            assert scan_text(text, rel, ruleset, warn=lambda m: None) == [], rel
            assert not rewrite_file(root / rel, targets, accessor, unsafe=True, write=False).changed

        # rotation: new values in Secrets Manager reach code that fetches at run time
        sid_of = {(rel, t.line): t.secret_id for rel, ts in by_file.items() for t in ts}
        new_tok, new_pay = v("{{rand:b64url:40}}", "tok2"), v("{{rand:alnum:32}}", "pay2")
        new_pw = v("{{rand:alnum:16}}", "pw2b")
        tpl_line = next(i for i, ln in enumerate(FILES["templates.py"].splitlines(), 1) if "Bearer" in ln)
        sm.put_secret_value(SecretId=sid_of[("templates.py", tpl_line)], SecretString=json.dumps({"value": new_tok}))
        pay_sid = next(t.secret_id for t in by_file["config.py"] if t.env_var == "PAYMENTS_SECRET")
        sm.put_secret_value(SecretId=pay_sid, SecretString=json.dumps({"value": new_pay}))
        sm.put_secret_value(SecretId=sid_of[("templates.py", 2)], SecretString=json.dumps({"value": new_pw}))
        time.sleep(TTL + 0.05)
        tpl = sys.modules[f"{after_pkg}.templates"]
        conf = sys.modules[f"{after_pkg}.config"]
        assert tpl.auth_header() == {"Authorization": "Bearer " + new_tok}
        assert conf.Settings().payments_secret.get_secret_value() == new_pay
        assert importlib.reload(tpl).DATABASE_URL == f"postgresql://shop:{new_pw}@db.internal:5432/shop"
    finally:
        for name in [m for m in sys.modules if m.startswith((before_pkg, after_pkg, acc.split(".")[0]))]:
            sys.modules.pop(name, None)
