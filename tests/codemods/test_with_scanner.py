"""The contract end to end: findings from the real scanner become targets the codemods apply.

Also checks that several commands on one line (processed last-position-first) compose."""
from __future__ import annotations

import ast

from secretshift.codemods.accessor import Accessor
from secretshift.codemods.runner import RewriteTarget, rewrite_source
from secretshift.scanner.models import value_hash
from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.scan import scan_text

APP = '''"""Billing service settings (fake credentials built by the test)."""
import os

import boto3
import psycopg2
import stripe
from os import environ as env

DB_PASSWORD = "<PW>"
DATABASE_URL = "postgresql://billing:<URLPW>@db.internal:5432/billing"
stripe.api_key = "<STRIPE>"
SENDGRID_API_KEY = env["SENDGRID_API_KEY"]
s3 = boto3.client("s3", aws_access_key_id="<AKID>", aws_secret_access_key="<SAK>")


def connect(host="db", password="<DEFPW>"):
    return psycopg2.connect(host=host, password=password)
'''


def test_scanner_findings_rewrite_cleanly(kit):
    vals = {"<PW>": kit.fake("{{rand:alnum:18}}", "s1"), "<URLPW>": kit.fake("{{rand:alnum:16}}", "s2"),
            "<STRIPE>": kit.fake("sk_{{join:li:ve}}_{{rand:alnum:24}}", "s3"),
            "<AKID>": kit.fake("{{join:AK:IA}}{{rand:b32:16}}", "s4"), "<SAK>": kit.fake("{{rand:b64:40}}", "s5"),
            "<DEFPW>": kit.fake("{{rand:alnum:18}}", "s6")}
    text = APP
    for k, v in vals.items():
        text = text.replace(k, v)
    findings = scan_text(text, "billing/settings.py", load_ruleset(), warn=lambda m: None)
    assert len(findings) >= 6
    targets = []
    for i, f in enumerate(findings):
        if f.kind == "env":
            targets.append(RewriteTarget(f.line, f.column, f.end_line, f.end_column, "env", f"billing/{i}", "v",
                                         env_var=f.symbol, fingerprint=f.fingerprint))
        else:
            targets.append(RewriteTarget(f.line, f.column, f.end_line, f.end_column, "hardcoded", f"billing/{i}", "v",
                                         value_sha256=value_hash(f.value.reveal()), fingerprint=f.fingerprint))
    res = rewrite_source(text, "billing/settings.py", targets, Accessor.parse(None), unsafe=True)
    assert res.skipped == [], [why for _, why in res.skipped]
    for v in vals.values():
        assert v not in res.code and v not in res.diff
    ast.parse(res.code)
    assert 's3 = boto3.client("s3", aws_access_key_id=get_secret(' in res.code  # same identity by default
    assert "def connect(host=\"db\", password=None):" in res.code
    assert rewrite_source(res.code, "billing/settings.py", targets, Accessor.parse(None), unsafe=True).code == res.code


def test_several_commands_on_one_line(kit):
    """Literal, embedded URL and env read on the same line all apply (positions stay valid)."""
    a, b = kit.fake(seed="l1"), kit.fake(seed="l2")
    before = f'import os\nconn = make(password="{a}", dsn="postgresql://u:{b}@h/d", key=os.environ["API_KEY"])\n'
    targets = [kit.hardcoded(before, a, "p/a", "password"), kit.hardcoded(before, b, "p/b", "password"),
               kit.env(before, 'os.environ["API_KEY"]', "API_KEY", "p/c", "api_key")]
    res = kit.rewrite(before, targets)
    assert res.code.endswith(
        """conn = make(password=get_secret("p/a")["password"], dsn=f"postgresql://u:{get_secret('p/b')['password']}@h/d", """
        """key=get_secret("p/c")["api_key"])\n""")
    assert len(res.applied) == 3
