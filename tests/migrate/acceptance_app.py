"""A realistic multi-module application for the migration acceptance test, built at test time from fake
values (``expand``): Django settings and split settings, Flask config classes, dataclass defaults,
annotated and tuple assignments, f-strings, bytes, a PEM key, boto3 clients, DSNs, default arguments,
env reads with and without values, and negatives that must stay byte-identical.

``PROBE`` imports every module and prints what the program computes (as JSON, read by the test only).
Each pattern is one entry of ``PATTERNS`` (name -> how to read its value in the probe), so a test can
say which pattern fails.
"""
from __future__ import annotations

from pathlib import Path

from secretshift.scanner.samples import expand


def values(seed: str) -> dict[str, str]:
    e = lambda t, s: expand(t, f"{seed}-{s}")  # noqa: E731
    pem_body = "\n".join(e("{{rand:b64:64}}", f"pem{i}") for i in range(4))
    return {
        "django_secret": e("{{rand:alnum:50}}", "dj"),
        "db_password": e("{{rand:alnum:20}}", "dbpw"),
        "replica_password": e("{{rand:alnum:22}}", "replica"),
        "smtp_default": e("{{rand:alnum:18}}", "smtp"),
        "flask_secret": e("{{rand:hex:32}}", "flask"),
        "sqlalchemy_pw": e("{{rand:alnum:18}}", "sqla"),
        "stripe_live": e("sk_{{join:li:ve}}_{{rand:alnum:24}}", "stripe"),
        "sendgrid": e("SG.{{rand:b64url:22}}.{{rand:b64url:43}}", "sg"),
        "client_api_key": e("{{rand:alnum:32}}", "client"),
        "annotated_token": e("{{rand:alnum:40}}", "annot"),
        "tuple_password": e("{{rand:alnum:16}}", "tuple"),
        "github_token": e("ghp_{{rand:alnum:36}}", "ghf"),
        "hmac_key": e("{{rand:alnum:32}}", "hmac"),
        "pem": f"-----BEGIN RSA PRIVATE KEY-----\n{pem_body}\n-----END RSA PRIVATE KEY-----\n",
        "aws_id": e("AKIA{{rand:b32:16}}", "awsid"),
        "aws_secret": e("{{rand:b64:40}}", "awssecret"),
        "redis_pw": e("{{rand:alnum:24}}", "redis"),
        "default_arg_pw": e("{{rand:alnum:20}}", "defarg"),
        "env_webhook": e("whsec_{{rand:alnum:32}}", "whsec"),
        "twilio_token": e("{{rand:hex:32}}", "twilio"),
    }


# pattern name -> (module, expression evaluated in the probe, owner of the rewrite)
PATTERNS: dict[str, tuple[str, str, str, str]] = {
    # name: (module, expression in the probe, the fake value it shows, who rewrites it)
    "django-settings": ("shop.settings.base", "m.SECRET_KEY", "django_secret", "codemods"),
    "django-databases-dict": ("shop.settings.base", "m.DATABASES['default']['PASSWORD']", "db_password", "codemods"),
    "split-settings-star-import": ("shop.settings.production", "m.DATABASES['replica']['PASSWORD']",
                                   "replica_password", "py-rewrite"),
    "env-read-with-default": ("shop.settings.base", "m.EMAIL_HOST_PASSWORD", "smtp_default", "codemods"),
    "flask-config-class": ("shop.config", "m.ProductionConfig.SECRET_KEY", "flask_secret", "codemods"),
    "flask-dsn": ("shop.config", "m.ProductionConfig.SQLALCHEMY_DATABASE_URI", "sqlalchemy_pw", "codemods"),
    "class-attribute-inherited": ("shop.config", "m.ProductionConfig.STRIPE_API_KEY", "stripe_live", "codemods"),
    "dataclass-default": ("shop.clients", "m.MailClient().api_key", "sendgrid", "codemods"),
    "annotated-assignment": ("shop.clients", "m.PARTNER_TOKEN", "annotated_token", "codemods"),
    "tuple-assignment": ("shop.clients", "m.ADMIN_PASSWORD", "tuple_password", "codemods"),
    "f-string": ("shop.clients", "m.GITHUB_HEADERS['Authorization']", "github_token", "py-rewrite"),
    "bytes": ("shop.security", "m.HMAC_KEY.decode()", "hmac_key", "codemods"),
    "pem-key": ("shop.security", "m.SIGNING_KEY", "pem", "py-rewrite"),
    "boto3-client": ("shop.storage", "m.s3._request_signer._credentials.secret_key", "aws_secret", "py-rewrite"),
    "redis-dsn": ("shop.cache", "m.REDIS_URL", "redis_pw", "codemods"),
    "default-argument": ("shop.cache", "m.connect()", "default_arg_pw", "codemods"),
    "env-read-from-dotenv": ("shop.payments", "m.WEBHOOK_SECRET", "env_webhook", "codemods"),
    "duplicate-literal": ("shop.payments", "m.twilio_pair()", "twilio_token", "py-rewrite"),
}


def write(root: Path, v: dict[str, str]) -> None:
    files = {
        "shop/__init__.py": "",
        "shop/settings/__init__.py": "",
        "shop/settings/base.py": (
            '"""Django settings."""\nimport os\n\n'
            f'SECRET_KEY = "{v["django_secret"]}"\nDEBUG = False\n\n'
            "DATABASES = {\n"
            '    "default": {\n'
            '        "ENGINE": "django.db.backends.postgresql",\n'
            '        "NAME": "shop",\n'
            '        "USER": "shop_app",\n'
            f'        "PASSWORD": "{v["db_password"]}",\n'
            '        "HOST": "db.internal",\n'
            '        "PORT": "5432",\n'
            "    }\n}\n\n"
            f'EMAIL_HOST_PASSWORD = os.environ.get("SMTP_PASSWORD", "{v["smtp_default"]}")\n'),
        "shop/settings/production.py": (
            "from .base import *  # noqa: F401,F403\n\n"
            "DATABASES = dict(DATABASES)\n"
            'DATABASES["replica"] = {"ENGINE": "django.db.backends.postgresql", "NAME": "shop",\n'
            '                        "USER": "replica_ro", "HOST": "replica.internal", "PORT": "5432",\n'
            f'                        "PASSWORD": os.getenv("REPLICA_DB_PASSWORD", "{v["replica_password"]}")}}\n'),
        "shop/config.py": (
            '"""Flask configuration classes."""\n\n\n'
            "class Config:\n"
            f'    SECRET_KEY = "{v["flask_secret"]}"\n'
            f'    SQLALCHEMY_DATABASE_URI = "postgresql://flask:{v["sqlalchemy_pw"]}@pg.internal:5432/flask"\n\n\n'
            "class ProductionConfig(Config):\n"
            f'    STRIPE_API_KEY = "{v["stripe_live"]}"\n'),
        "shop/clients.py": (
            "from dataclasses import dataclass\n\n\n"
            "@dataclass\nclass MailClient:\n"
            f'    api_key: str = "{v["sendgrid"]}"\n'
            '    host: str = "smtp.sendgrid.net"\n\n\n'
            f'PARTNER_TOKEN: str = "{v["annotated_token"]}"\n'
            f'ADMIN_USER, ADMIN_PASSWORD = "admin", "{v["tuple_password"]}"\n'
            'OWNER = "shop-bot"\n'
            f'GITHUB_HEADERS = {{"Authorization": f"token {v["github_token"]}", "User-Agent": f"{{OWNER}}/1.0"}}\n'),
        "shop/security.py": (
            f'HMAC_KEY = b"{v["hmac_key"]}"\n\n'
            f'SIGNING_KEY = """{v["pem"]}"""\n'),
        "shop/storage.py": (
            "import boto3\n\n"
            's3 = boto3.client("s3", region_name="eu-west-1",\n'
            f'                  aws_access_key_id="{v["aws_id"]}",\n'
            f'                  aws_secret_access_key="{v["aws_secret"]}")\n'),
        "shop/cache.py": (
            f'REDIS_URL = "redis://cache:{v["redis_pw"]}@cache.internal:6379/0"\n\n\n'
            f'def connect(host="mq.internal", password="{v["default_arg_pw"]}"):\n'
            "    return password\n"),
        "shop/payments.py": (
            "import os\n\n"
            'WEBHOOK_SECRET = os.environ["STRIPE_WEBHOOK_SECRET"]\n'
            'MAPS_KEY = os.environ.get("GOOGLE_MAPS_API_KEY")  # no value anywhere: pending\n\n\n'
            "def twilio_pair():\n"
            f'    primary = "{v["twilio_token"]}"\n'
            f'    fallback = "{v["twilio_token"]}"\n'
            "    return primary + fallback\n"),
        # negatives: nothing here may change
        "shop/constants.py": (
            'TIMEOUT = 30\nPUBLIC_URL = "https://shop.example.com"\nAPI_KEY = "changeme"\n'
            'PASSWORD_MIN_LENGTH = 12\nSECRET_HEADER = "X-Shop-Signature"\n'),
        "tests/test_payments.py": (
            f'FAKE_KEY = "{v["stripe_live"][:-4]}TEST"\n\n\ndef test_key():\n    assert FAKE_KEY\n'),
        ".env": f"STRIPE_WEBHOOK_SECRET={v['env_webhook']}\nLOG_LEVEL=info\n",
        "requirements.txt": "django>=4.2\nflask>=3.0\n",
        "Dockerfile": "FROM python:3.11-slim\nWORKDIR /srv\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
                      "COPY shop/ ./shop/\nCMD [\"python\", \"-m\", \"shop\"]\n",
        "pyproject.toml": '[project]\nname = "shop"\nversion = "1.0"\nrequires-python = ">=3.9"\n',
    }
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)


NEGATIVES = ("shop/constants.py", "tests/test_payments.py", "shop/__init__.py", "shop/settings/__init__.py")

PROBE = r'''
import importlib, json, sys
out = {}
for name, (mod, expr, _, _) in json.loads(sys.argv[1]).items():
    try:
        m = importlib.import_module(mod)
        out[name] = eval(expr, {"m": m})
    except Exception as e:  # the test names the pattern that broke
        out[name] = "<error %s>" % type(e).__name__
print(json.dumps(out))
'''
