"""Rotation checklist ordering and rendering, naming rules, value shapes; the planner stays pure."""
from __future__ import annotations

import json
from pathlib import Path
import subprocess
import sys

import pytest

from secretshift.migration.databases import components, split_connection_url
from secretshift.migration.values import secret_string
from secretshift.planner.checklist import build_items
from secretshift.planner.model import Location, PlannedSecret, ValueSource
from secretshift.planner.naming import place
from secretshift.planner.routes import matcher
from secretshift.reporters import checklist_json, checklist_md
from secretshift.reporters.rotation_routes import load_routes


def hist(commit, date, pushed, head=True, path="app.py"):
    return {"first_commit": commit, "first_commit_date": date, "author": "Dana Dev <dana@example.com>",
            "path": path, "present_at_head": head, "pushed": pushed}


@pytest.fixture
def leaked(make_finding, fake):
    live = fake("sk_{{join:li:ve}}_{{rand:alnum:24}}", "live")
    test = fake("sk_{{join:te:st}}_{{rand:alnum:24}}", "test")
    pw = fake("{{rand:alnum:18}}", "pw")
    return [
        make_finding("SS105", "local.py", 3, value=pw, symbol="DB_PASSWORD", history=hist("c" * 40, "2024-01-02T10:00:00+00:00", False, path="local.py")),
        make_finding("SS430", "pay.py", 1, value=test, symbol="STRIPE_KEY", service="stripe", category="api",
                     history=hist("b" * 40, "2023-05-01T10:00:00+00:00", True, path="pay.py")),
        make_finding("SS430", "pay.py", 2, value=live, symbol="STRIPE_KEY", service="stripe", category="api",
                     history=hist("a" * 40, "2024-03-01T10:00:00+00:00", True, False, "pay.py")),
        make_finding("SS430", "old.py", 9, value=live, symbol="STRIPE_KEY", service="stripe", category="api",
                     history=hist("d" * 40, "2022-03-01T10:00:00+00:00", True, False, "old.py")),
    ], (live, test, pw)


def test_items_are_one_per_credential_riskiest_first(leaked):
    findings, values = leaked
    data = load_routes()
    items = build_items(findings, matcher(data["routes"], {}), {r["id"]: r for r in data["routes"]}, {})
    assert [(i["path"], i["live"], i["pushed"]) for i in items] == [
        ("old.py", True, True), ("pay.py", False, True), ("local.py", False, False)]
    assert items[0]["first_commit"] == "d" * 40 and items[0]["paths"] == ["old.py", "pay.py"]
    assert items[0]["route"] == "stripe-key" and items[2]["route"] == "database-password"
    md = checklist_md.render(items, data)
    js = checklist_json.render(items, data)
    for v in values:
        assert v not in md and v not in js
    assert md.index("old.py") < md.index("local.py")
    assert "dashboard.stripe.com/apikeys" in md and "SecretsManagerRDSPostgreSQLRotationSingleUser" not in md
    assert "secretshift alarm --sns-topic <SNS_TOPIC_ARN>" in md
    doc = json.loads(js)
    assert doc["items"][2]["steps"][0]["command"] == \
        "secretshift rotate <SECRET_ID> --rotation-lambda-arn <ROTATION_LAMBDA_ARN> --days 30"
    assert doc["alarm_command"] == "secretshift alarm --sns-topic <SNS_TOPIC_ARN>"


def test_every_required_route_exists_with_commands():
    routes = {r["id"]: r for r in load_routes()["routes"]}
    for rid in ("aws-access-key", "database-password", "stripe-key", "github-token", "github-oauth-secret",
                "slack-token", "ssh-key", "tls-key", "generic-api-key", "generic-password"):
        assert routes[rid]["steps"] and all(s["text"] for s in routes[rid]["steps"])
    aws = " ".join(s.get("command", "") for s in routes["aws-access-key"]["steps"])
    for cmd in ("create-access-key", "get-access-key-last-used", "--status Inactive", "delete-access-key"):
        assert cmd in aws
    assert "IAM role" in routes["aws-access-key"]["better"]
    db = " ".join(s["text"] for s in routes["database-password"]["steps"])
    assert "Single-user" in db and "Alternating-users" in db
    assert "auth.revoke" in routes["slack-token"]["steps"][0]["command"]
    assert "authorized_keys" in " ".join(s["text"] for s in routes["ssh-key"]["steps"])


@pytest.mark.parametrize("category, service, field, symbol, file, expected", [
    ("generic", "database", "password", "DB_PASSWORD", "a.py", ("db", "postgresql", "password")),
    ("generic", None, None, "MYSQL_PASSWORD", "a.py", ("db", "mysql", "password")),
    ("generic", "stripe", "secret", "STRIPE_WEBHOOK_SECRET", "a.py", ("api", "stripe", "webhook_secret")),
    ("generic", None, None, "stripePublishableKey", "a.js", ("api", "stripe", "publishable_key")),
    ("generic", "github", "client_secret", "GITHUB_CLIENT_SECRET", "a.py", ("oauth", "github", "client_secret")),
    ("cloud", "aws", "secret_access_key", "aws_secret_access_key", "a.py", ("cloud", "aws", "secret_access_key")),
    ("ssh", None, None, "DEPLOY_KEY", "a.py", ("ssh", "deploy-key", None)),
    ("ssh", None, None, None, "keys/deploy_key.pem", ("ssh", "deploy-key", None)),
    ("generic", None, "password", "ADMIN_PASSWORD", "a.py", ("generic", "admin-password", None)),
])
def test_placement(category, service, field, symbol, file, expected):
    p = place(category, service, field, symbol, file)
    assert (p.category, p.service, p.json_key) == expected


def test_connection_url_is_split_like_an_rds_secret(fake):
    pw = fake("{{rand:alnum:16}}", "u")
    assert split_connection_url(f"postgresql://app:{pw}@db.internal:5432/orders") == {
        "engine": "postgres", "host": "db.internal", "port": 5432, "dbname": "orders", "username": "app",
        "password": pw}
    assert split_connection_url("not a url") == {}
    loc = Location(".env", 1, 1, 1, 2, "SS301", "SS301:x")
    s = PlannedSecret("db", "production/db/postgresql", "", "database-password",
                      (ValueSource("password", "literal", (loc,)), ValueSource("url", "literal", (loc,), None, True)), ())
    url = f"postgresql://app:{pw[::-1]}@db.internal:5432/orders"
    vals = {"password": pw, "url": url}
    d = json.loads(secret_string(s, vals, components(Path("."), vals, [])))
    assert d["password"] == pw and d["url"] == url and d["host"] == "db.internal"  # explicit key wins


def test_planner_imports_no_boto3_libcst_or_io_layers():
    code = ("import sys, secretshift.planner.build, secretshift.planner.model, secretshift.planner.checklist, "
            "secretshift.planner.routes; bad = [m for m in ('boto3', 'botocore', 'libcst', 'moto', 'click') "
            "if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_rotation_named_by_a_rule_exists():
    from secretshift.scanner.ruleset import load_ruleset

    known = {r["id"] for r in load_routes()["routes"]}
    named = {r.rotation for r in load_ruleset().rules if r.rotation}
    assert named - known == set()


def test_oauth_client_secret_gets_the_oauth_route(make_finding, fake):
    f = make_finding("SS425", "a.py", 1, value=fake("{{rand:hex:40}}", "o"), symbol="GITHUB_CLIENT_SECRET",
                     service="github", field="client_secret", category="oauth")
    assert matcher(load_routes()["routes"], {"SS425": "github-token"})(f) == "github-oauth-secret"


def test_a_mongodb_or_redis_password_gets_its_own_rotation_steps():
    """QA round 3: node-express-mongoose-demo's MongoDB URL password was given the RDS/psql steps
    (SecretsManagerRDS<Engine>RotationSingleUser, psql "host=... password=<OLD_PASSWORD>"), and a
    Redis URL the same. Their rule says database-password; the service refines it."""
    from types import SimpleNamespace

    from secretshift.planner.routes import matcher
    from secretshift.reporters.rotation_routes import load_routes

    routes = load_routes()["routes"]
    route = matcher(routes, {"SS603": "database-password", "SS604": "database-password", "SS601": "database-password"})
    f = lambda rule, svc: SimpleNamespace(rule_id=rule, symbol="DATABASE_URL", service=svc, category="db",  # noqa: E731
                                          field="url")
    assert route(f("SS603", "mongodb")) == "mongodb-password"
    assert route(f("SS604", "redis")) == "redis-password"
    assert route(f("SS601", "postgresql")) == "database-password"
    mongo = next(r for r in routes if r["id"] == "mongodb-password")
    assert any("mongosh" in (s.get("command") or "") for s in mongo["steps"])
    assert not any("psql" in (s.get("command") or "") for s in mongo["steps"])
