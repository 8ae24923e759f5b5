"""Behaviour: realistic modules give identical values before and after the rewrite, with the
secrets served by moto's Secrets Manager over HTTP and read by the generated accessor module."""
from __future__ import annotations

import importlib.util
import json
import sys
import threading
import uuid
from pathlib import Path

import boto3
import pytest

from secretshift.codemods.accessor import Accessor, write_accessor_module
from secretshift.codemods.literals import url_password
from secretshift.codemods.runner import rewrite_file



@pytest.fixture
def moto_endpoint(monkeypatch):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
                 "AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1", "AWS_ENDPOINT_URL": url}.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    yield url
    server.stop()


def load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


SETTINGS = '''# -*- coding: utf-8 -*-
"""Settings of a small shop (fake credentials)."""
import os

DB_PASSWORD = "<PW>"
DATABASE_URL = "postgresql://shop:<URLPW>@db.internal:5432/shop"
SIGNING_KEY = b"<SIGN>"
PIN = <PIN>
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "<PW2>", "PORT": 5432}}
API_KEY = os.environ["SHOP_API_KEY"]
WEBHOOK = os.getenv("SHOP_WEBHOOK_SECRET")


class Stripe:
    api_key = "<STRIPE>"


def auth_header():
    return {"Authorization": f"Bearer <TOKEN>"}


def connect(host, password="<DEFPW>"):
    return f"{host}:{password}"
'''


def test_values_identical_after_rewrite(tmp_path, moto_endpoint, monkeypatch, kit):
    fake, hardcoded, env_target = kit.fake, kit.hardcoded, kit.env
    vals = {
        "<PW>": fake(seed="b1"), "<URLPW>": fake("{{rand:alnum:12}}%40{{rand:alnum:4}}", "b2"),
        "<SIGN>": fake("{{rand:b64url:32}}", "b3"), "<PIN>": fake("{{rand:digits:6}}", "b4").lstrip("0") or "7",
        "<PW2>": fake(seed="b5"), "<STRIPE>": fake("sk_{{join:li:ve}}_{{rand:alnum:24}}", "b6"),
        "<TOKEN>": fake("{{rand:b64url:36}}", "b7"), "<DEFPW>": fake(seed="b8"),
    }
    env_vals = {"SHOP_API_KEY": fake(seed="e1"), "SHOP_WEBHOOK_SECRET": fake("whsec_{{rand:alnum:32}}", "e2")}
    text = SETTINGS
    for k, v in vals.items():
        text = text.replace(k, v)
    src = tmp_path / "shop_settings.py"
    src.write_text(text, encoding="utf-8")
    for k, v in env_vals.items():
        monkeypatch.setenv(k, v)

    def record(mod):
        return {"DB_PASSWORD": mod.DB_PASSWORD, "DATABASE_URL": mod.DATABASE_URL, "SIGNING_KEY": mod.SIGNING_KEY,
                "PIN": mod.PIN, "DATABASES": mod.DATABASES, "API_KEY": mod.API_KEY, "WEBHOOK": mod.WEBHOOK,
                "stripe": mod.Stripe.api_key, "header": mod.auth_header(), "connect": mod.connect("db"),
                "connect_explicit": mod.connect("db", "given")}

    before = record(load(src, f"shop_before_{uuid.uuid4().hex}"))
    url = f"postgresql://shop:{vals['<URLPW>']}@db.internal:5432/shop"
    plan = [  # (target, secret value stored under secret_id/json_key)
        (hardcoded(text, vals["<PW>"], "shop/db/postgresql", "password"), vals["<PW>"]),
        (hardcoded(text, url, "shop/db/url", "password"), url_password(url)),
        (hardcoded(text, vals["<SIGN>"], "shop/app/signing", "key"), vals["<SIGN>"]),
        (hardcoded(text, vals["<PIN>"], "shop/app/signing", "pin"), vals["<PIN>"]),
        (hardcoded(text, vals["<PW2>"], "shop/db/django", "password"), vals["<PW2>"]),
        (hardcoded(text, vals["<STRIPE>"], "shop/payment/stripe", "api_key"), vals["<STRIPE>"]),
        (hardcoded(text, vals["<TOKEN>"], "shop/api/github", None), vals["<TOKEN>"]),
        (hardcoded(text, vals["<DEFPW>"], "shop/db/default", "password"), vals["<DEFPW>"]),
        (env_target(text, 'os.environ["SHOP_API_KEY"]', "SHOP_API_KEY", "shop/api/shop", "api_key"), env_vals["SHOP_API_KEY"]),
        (env_target(text, 'os.getenv("SHOP_WEBHOOK_SECRET")', "SHOP_WEBHOOK_SECRET", "shop/api/webhook", "secret"),
         env_vals["SHOP_WEBHOOK_SECRET"]),
    ]
    secrets: dict = {}
    for t, v in plan:
        if t.json_key is None:
            secrets[t.secret_id] = v
        else:
            secrets.setdefault(t.secret_id, {})[t.json_key] = v
    sm = boto3.client("secretsmanager", endpoint_url=moto_endpoint, region_name="eu-west-1")
    for sid, v in secrets.items():
        sm.create_secret(Name=sid, SecretString=v if isinstance(v, str) else json.dumps(v))

    module = f"acc_{uuid.uuid4().hex[:8]}"
    write_accessor_module(tmp_path, module)
    res = rewrite_file(src, [t for t, _ in plan], Accessor.parse(None, module), unsafe=True)
    assert not res.skipped, res.skipped
    assert len(res.applied) == len(plan)
    new_text = src.read_text(encoding="utf-8")
    for v in list(vals.values()) + list(env_vals.values()):
        assert v not in new_text
    for k in env_vals:  # values now come from Secrets Manager only
        monkeypatch.delenv(k)
    monkeypatch.syspath_prepend(str(tmp_path))
    after = record(load(src, f"shop_after_{uuid.uuid4().hex}"))
    assert after == before
    assert type(after["PIN"]) is int and type(after["SIGNING_KEY"]) is bytes
    sys.modules.pop(module, None)


def test_accessor_cache_errors_and_threads(tmp_path, moto_endpoint, monkeypatch, kit):
    fake = kit.fake
    """TTL cache (a changed value shows after clear_cache), a missing secret names itself, threads agree."""
    module = f"acc_{uuid.uuid4().hex[:8]}"
    write_accessor_module(tmp_path, module)
    acc = load(tmp_path / f"{module}.py", module)
    sm = boto3.client("secretsmanager", endpoint_url=moto_endpoint, region_name="eu-west-1")
    first, second = fake(seed="t1"), fake(seed="t2")
    sm.create_secret(Name="t/db", SecretString=json.dumps({"password": first}))
    sm.create_secret(Name="t/bin", SecretBinary=b"\x00\x01binary")
    sm.create_secret(Name="t/plain", SecretString=second)
    assert acc.get_secret("t/db")["password"] == first
    sm.put_secret_value(SecretId="t/db", SecretString=json.dumps({"password": second}))
    assert acc.get_secret("t/db")["password"] == first  # cached for TTL_SECONDS
    acc.clear_cache()
    assert acc.get_secret("t/db")["password"] == second
    assert acc.get_secret("t/bin") == b"\x00\x01binary"
    assert acc.get_secret("t/plain") == second
    with pytest.raises(acc.SecretNotFoundError, match="'t/missing' not found"):
        acc.get_secret("t/missing")
    with pytest.raises(KeyError, match="secret 't/db' has no key 'user'"):
        acc.get_secret("t/db")["user"]
    assert acc.has_secret("t/db", "password") and acc.has_secret("t/plain")
    assert not acc.has_secret("t/db", "user") and not acc.has_secret("t/missing")
    acc.clear_cache()
    out, errors = [], []

    def worker():
        try:
            out.append(acc.get_secret("t/db")["password"])
        except Exception as e:  # pragma: no cover - would fail the assertion below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and out == [second] * 8


def test_accessor_access_denied_names_the_secret(tmp_path, monkeypatch):
    """AccessDeniedException becomes SecretAccessDeniedError naming the secret (botocore Stubber)."""
    from botocore.stub import Stubber

    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    module = f"acc_{uuid.uuid4().hex[:8]}"
    write_accessor_module(tmp_path, module)
    acc = load(tmp_path / f"{module}.py", module)
    client = boto3.client("secretsmanager", region_name="eu-west-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    acc._client = client
    with Stubber(client) as stub:
        stub.add_client_error("get_secret_value", service_error_code="AccessDeniedException", http_status_code=400)
        with pytest.raises(PermissionError, match="access denied reading secret 'prod/db'"):
            acc.get_secret("prod/db")


def test_write_accessor_module_is_idempotent_and_respects_edits(tmp_path):
    p = write_accessor_module(tmp_path, "myapp.secrets_access")
    assert p == tmp_path / "myapp" / "secrets_access.py"
    text = p.read_text()
    assert "def get_secret(secret_id)" in text and "boto3" in text
    p.write_text(text + "\n# edited\n")
    assert write_accessor_module(tmp_path, "myapp.secrets_access") == p
    assert p.read_text().endswith("# edited\n")


def test_untouched_copy_of_an_earlier_accessor_is_brought_up_to_date(tmp_path, monkeypatch):
    """A copy equal to an earlier template (never edited) gets has_secret and the rest; an edited
    one is the user's and stays."""
    import hashlib

    from secretshift.codemods import accessor as acc_mod

    old = tmp_path / "secretshift_secrets.py"
    old.write_text("# Generated by secretshift (an earlier version)\ndef get_secret(secret_id):\n    ...\n")
    edited = tmp_path / "mine" / "secretshift_secrets.py"
    edited.parent.mkdir()
    edited.write_text(old.read_text() + "# edited\n")
    monkeypatch.setattr(acc_mod, "_SUPERSEDED", {hashlib.sha256(old.read_bytes()).hexdigest()})
    write_accessor_module(tmp_path, "secretshift_secrets")
    write_accessor_module(tmp_path, "mine.secretshift_secrets")
    assert "def has_secret(secret_id, key=None)" in old.read_text()
    assert edited.read_text().endswith("# edited\n") and "has_secret" not in edited.read_text()


def test_a_process_given_no_region_reads_where_the_secrets_were_created_and_a_configured_one_wins(
        tmp_path, moto_endpoint, monkeypatch, kit):
    """compose/k8s/Procfile deployments set no AWS_REGION: the accessor falls back to the region it was
    written with (where the secrets are); AWS_REGION, AWS_DEFAULT_REGION and the AWS config file win."""
    there, other = kit.fake(seed="r1"), kit.fake(seed="r2")
    for region, value in (("eu-west-2", there), ("us-east-1", other)):
        boto3.client("secretsmanager", endpoint_url=moto_endpoint, region_name=region).create_secret(
            Name="r/db", SecretString=json.dumps({"password": value}))
    module = f"acc_{uuid.uuid4().hex[:8]}"
    write_accessor_module(tmp_path, module, "eu-west-2")
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))

    def read(**env):
        for k in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            monkeypatch.delenv(k, raising=False)
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        acc = load(tmp_path / f"{module}.py", f"{module}_{uuid.uuid4().hex[:6]}")
        return acc.get_secret("r/db")["password"]

    assert read() == there
    assert read(AWS_REGION="us-east-1") == other
    assert read(AWS_DEFAULT_REGION="us-east-1") == other
    assert read(AWS_CONFIG_FILE=str(config)) == other


def test_an_unedited_accessor_gets_the_region_an_edited_or_placed_one_keeps_its_own(tmp_path, monkeypatch):
    import hashlib

    from secretshift.codemods import accessor as acc_mod

    plain = write_accessor_module(tmp_path, "a.secretshift_secrets")  # `secretshift rewrite`: no region known
    assert "\nFALLBACK_REGION = None\n" in plain.read_text()
    write_accessor_module(tmp_path, "a.secretshift_secrets", "eu-west-2")
    assert '\nFALLBACK_REGION = "eu-west-2"\n' in plain.read_text()
    write_accessor_module(tmp_path, "a.secretshift_secrets", "us-east-1")  # its secrets are in eu-west-2
    assert '\nFALLBACK_REGION = "eu-west-2"\n' in plain.read_text()
    edited = write_accessor_module(tmp_path, "b.secretshift_secrets")
    edited.write_text(edited.read_text() + "# edited\n")
    write_accessor_module(tmp_path, "b.secretshift_secrets", "eu-west-2")
    assert "\nFALLBACK_REGION = None\n" in edited.read_text() and edited.read_text().endswith("# edited\n")
    old = tmp_path / "c" / "secretshift_secrets.py"  # a copy of the template before FALLBACK_REGION
    old.parent.mkdir()
    old.write_text("# Generated by secretshift (an earlier version)\ndef get_secret(secret_id):\n    ...\n")
    monkeypatch.setattr(acc_mod, "_SUPERSEDED", {hashlib.sha256(old.read_bytes()).hexdigest()})
    write_accessor_module(tmp_path, "c.secretshift_secrets", "eu-west-2")
    assert '\nFALLBACK_REGION = "eu-west-2"\n' in old.read_text()
    bad = write_accessor_module(tmp_path, "d.secretshift_secrets", 'eu-west-2"\nimport os  #')
    assert "\nFALLBACK_REGION = None\n" in bad.read_text()


USES = '''import os
from os import getenv

import environ
from decouple import config

env = environ.Env()
PREFIX = os.environ["SHOP_API_KEY"][:4]
SUFFIX = os.environ["SHOP_API_KEY"][-4:]
FIRST = os.environ["SHOP_DB_PASSWORD"][0]
SHOUT = os.environ["SHOP_API_KEY"][:4].upper()[1:]
CLEANED = os.getenv("SHOP_API_KEY").replace("SHOP_API_KEY", "")
GOT = os.environ.get("SHOP_API_KEY", "x")[2:6]
VIA_GETENV = getenv("SHOP_API_KEY")[:3]
POPPED = os.environ.pop("SHOP_POP_KEY")[1:]
SET = os.environ.setdefault("SHOP_SET_KEY", "x")[:2]
DJ = env("SHOP_API_KEY")[:5]
DJ_STR = env.str("SHOP_API_KEY").lower()
DECOUPLE = config("SHOP_API_KEY").split("SHOP_API_KEY")[0][-2:]
'''


def test_what_follows_a_read_stays_on_the_fetch(tmp_path, moto_endpoint, monkeypatch, kit):
    """QA: PREFIX = os.environ["API_KEY"][:4] became the whole secret (the [:4] went with the read), and
    os.environ["DB_PASSWORD"][0] became get_secret(...)["password"]. Every read form keeps the slice,
    index, attribute or call that follows it; the module computes the same values with its
    environment emptied."""
    env_vals = {"SHOP_API_KEY": kit.fake(seed="use-key"), "SHOP_DB_PASSWORD": kit.fake(seed="use-pw"),
                "SHOP_POP_KEY": kit.fake(seed="use-pop"), "SHOP_SET_KEY": kit.fake(seed="use-set")}
    src = tmp_path / "shop_uses.py"
    src.write_text(USES, encoding="utf-8")
    (tmp_path / ".env").write_text("")  # python-decouple stops its search for a settings file here
    names = ["PREFIX", "SUFFIX", "FIRST", "SHOUT", "CLEANED", "GOT", "VIA_GETENV", "POPPED", "SET", "DJ", "DJ_STR",
             "DECOUPLE"]
    for k, v in env_vals.items():
        monkeypatch.setenv(k, v)
    before_mod = load(src, f"uses_before_{uuid.uuid4().hex}")
    before = {n: getattr(before_mod, n) for n in names}
    assert before["PREFIX"] == env_vals["SHOP_API_KEY"][:4] and before["FIRST"] == env_vals["SHOP_DB_PASSWORD"][0]
    tag = uuid.uuid4().hex[:8]  # moto's backend is one per process: names of this test only
    sids = {"SHOP_API_KEY": (f"uses-{tag}/api/key", None), "SHOP_DB_PASSWORD": (f"uses-{tag}/db/postgresql", "password"),
            "SHOP_POP_KEY": (f"uses-{tag}/api/pop", None), "SHOP_SET_KEY": (f"uses-{tag}/api/set", None)}
    reads = ['os.environ["SHOP_API_KEY"]', 'os.environ["SHOP_API_KEY"]', 'os.environ["SHOP_DB_PASSWORD"]',
             'os.environ["SHOP_API_KEY"]', 'os.getenv("SHOP_API_KEY")', 'os.environ.get("SHOP_API_KEY", "x")',
             'getenv("SHOP_API_KEY")', 'os.environ.pop("SHOP_POP_KEY")', 'os.environ.setdefault("SHOP_SET_KEY", "x")',
             'env("SHOP_API_KEY")', 'env.str("SHOP_API_KEY")', 'config("SHOP_API_KEY")']
    seen: dict = {}
    targets = []
    for expr in reads:
        var = expr.split('"')[1]
        targets.append(kit.env(USES, expr, var, *sids[var], nth=seen.get(expr, 0)))
        seen[expr] = seen.get(expr, 0) + 1
    sm = boto3.client("secretsmanager", endpoint_url=moto_endpoint, region_name="eu-west-1")
    for var, (sid, key) in sids.items():
        sm.create_secret(Name=sid, SecretString=env_vals[var] if key is None else json.dumps({key: env_vals[var]}))
    module = f"acc_{uuid.uuid4().hex[:8]}"
    write_accessor_module(tmp_path, module)
    res = rewrite_file(src, targets, Accessor.parse(None, module), unsafe=True)
    assert not res.skipped and len(res.applied) == len(targets), res.skipped
    new_text = src.read_text(encoding="utf-8")
    assert f'get_secret("uses-{tag}/api/key")[:4]\n' in new_text
    assert f'get_secret("uses-{tag}/db/postgresql")["password"][0]\n' in new_text
    assert "os.environ" not in new_text and 'getenv("' not in new_text
    for k in env_vals:  # values now come from Secrets Manager only
        monkeypatch.delenv(k, raising=False)
    monkeypatch.syspath_prepend(str(tmp_path))
    after_mod = load(src, f"uses_after_{uuid.uuid4().hex}")
    assert {n: getattr(after_mod, n) for n in names} == before
    sys.modules.pop(module, None)
