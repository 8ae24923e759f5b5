"""Partial plans (pending values), plans across runs (the ledger's view), what is left in place, and
database secrets that stay one per credential. Pure: findings built in memory."""
from __future__ import annotations

import json

from secretshift.planner.build import PlanContext, PlanOptions, build_plan
from secretshift.planner.model import Plan, value_id
from secretshift.planner.routes import matcher
from secretshift.reporters.rotation_routes import load_routes


def plan_for(findings, ctx=None, defs=None):
    return build_plan(findings, PlanOptions(), matcher(load_routes()["routes"], {}), defs or {}, ctx)


def names(plan):
    return [s.name for s in plan.secrets]


def test_env_read_without_any_value_is_pending_and_the_rest_migrates(make_finding, fake):
    sk = fake("sk_{{join:li:ve}}_{{rand:alnum:24}}", "sk")
    fs = [make_finding("SS445", "app/pay.py", 3, value=sk, symbol="STRIPE_SECRET_KEY", category="api",
                       service="stripe", field="secret_key"),
          make_finding("SS201", "app/maps.py", 5, kind="env", symbol="MAPS_API_KEY"),
          make_finding("SS201", "web/app.js", 2, kind="env", symbol="ANALYTICS_TOKEN")]
    plan = plan_for(fs, PlanContext(available=frozenset()))
    assert names(plan) == ["production/api/stripe"]
    pend = {p.variable: p for p in plan.pending}
    assert set(pend) == {"MAPS_API_KEY", "ANALYTICS_TOKEN"}
    assert pend["MAPS_API_KEY"].secret == "production/generic/maps-api-key" and not pend["MAPS_API_KEY"].display_only
    assert [r.file for r in pend["MAPS_API_KEY"].reads] == ["app/maps.py"]
    assert pend["ANALYTICS_TOKEN"].display_only  # a JS-only read: noted, blocks nothing
    # with a value in the environment (or --values) it is planned like any other
    plan = plan_for(fs, PlanContext(available=frozenset({"MAPS_API_KEY"})))
    assert "production/generic/maps-api-key" in names(plan) and [p.variable for p in plan.pending] == ["ANALYTICS_TOKEN"]
    assert Plan.from_dict(plan.to_dict()).pending == plan.pending


def test_the_default_of_an_env_read_is_its_value_and_only_the_read_is_rewritten(make_finding, fake):
    key = fake("AIza{{rand:alnum:35}}", "maps")
    read = make_finding("SS201", "app/maps.py", 2, kind="env", symbol="MAPS_API_KEY", col=16)
    read = type(read)(**{**read.__dict__, "end_column": 90})
    lit = make_finding("SS406", "app/maps.py", 2, value=key, category="cloud", service="google", field="api_key", col=48)
    plan = plan_for([read, lit], PlanContext(available=frozenset()))
    assert not plan.pending
    (s,) = plan.secrets
    assert s.values[0].kind == "literal" and s.values[0].variable == "MAPS_API_KEY"
    assert [(r.kind, r.location.fingerprint) for r in s.rewrites] == [("env", read.fingerprint)]


def test_a_default_is_marked_as_the_reads_fallback_unless_the_value_is_also_used_on_its_own(make_finding, fake):
    """os.environ.get("MAPS_API_KEY", "<literal>"): the plan says the literal is what the read falls back to
    (apply stores this run's value of the variable when it has one); the same literal also assigned
    elsewhere is a value of its own: the secret must hold it."""
    key = fake("AIza{{rand:alnum:35}}", "maps-default")
    read = make_finding("SS201", "app/maps.py", 2, kind="env", symbol="MAPS_API_KEY", col=16)
    read = type(read)(**{**read.__dict__, "end_column": 90})
    lit = make_finding("SS406", "app/maps.py", 2, value=key, category="cloud", service="google", field="api_key", col=48)
    (s,) = plan_for([read, lit], PlanContext(available=frozenset())).secrets
    assert s.values[0].read_default
    plan = plan_for([read, lit], PlanContext(available=frozenset()))
    assert Plan.from_dict(plan.to_dict()).secrets[0].values[0].read_default
    alone = make_finding("SS406", "app/other.py", 5, value=key, category="cloud", service="google", field="api_key")
    (s,) = plan_for([read, lit, alone], PlanContext(available=frozenset())).secrets
    assert not s.values[0].read_default and "read_default" not in json.dumps(plan_for([alone]).to_dict())


def test_a_value_an_earlier_run_migrated_keeps_its_secret_and_new_values_get_new_names(make_finding, fake):
    old = fake("sk_{{join:li:ve}}_{{rand:alnum:24}}", "old")
    new = fake("sk_{{join:li:ve}}_{{rand:alnum:24}}", "new")
    fs = [make_finding("SS445", "app/a.py", 3, value=old, symbol="STRIPE_SECRET_KEY", category="api",
                       service="stripe", field="secret_key"),
          make_finding("SS445", "app/b.py", 9, value=new, symbol="STRIPE_SECRET_KEY", category="api",
                       service="stripe", field="secret_key"),
          make_finding("SS201", "app/c.py", 4, kind="env", symbol="STRIPE_WEBHOOK_SECRET")]
    ctx = PlanContext(known_values={value_id(old): ("production/api/stripe", "secret_key")},
                      known_variables={"STRIPE_WEBHOOK_SECRET": ("production/api/stripe", "webhook_secret")},
                      taken=frozenset({"production/api/stripe"}), available=frozenset())
    plan = plan_for(fs, ctx)
    by = {s.name: s for s in plan.secrets}
    assert sorted(by) == ["production/api/stripe", "production/api/stripe-2"]
    assert by["production/api/stripe"].existing and not by["production/api/stripe-2"].existing
    assert sorted(v.key for v in by["production/api/stripe"].values) == ["secret_key", "webhook_secret"]
    assert {r.location.file for r in by["production/api/stripe"].rewrites} == {"app/a.py", "app/c.py"}
    assert [r.location.file for r in by["production/api/stripe-2"].rewrites] == ["app/b.py"]
    assert not plan.pending  # a read of a migrated variable needs no value: the secret exists


def test_tests_fixtures_and_publishable_keys_are_left_in_place(make_finding, fake):
    tok = fake("ghp_{{rand:alnum:36}}", "t")
    pk = fake("pk_{{join:li:ve}}_{{rand:alnum:24}}", "pk")
    fs = [make_finding("SS420", "tests/test_api.py", 1, value=tok, category="api", service="github"),
          make_finding("SS420", "app/conftest.py", 1, value=tok + "x", category="api", service="github"),
          make_finding("SS420", "pkg/api_test.py", 1, value=tok + "y", category="api", service="github"),
          make_finding("SS420", "fixtures/data.json", 1, value=tok + "z", category="api", service="github"),
          make_finding("SS446", "app/settings.py", 4, value=pk, category="api", service="stripe", field="publishable_key"),
          make_finding("SS420", "app/gh.py", 2, value=tok + "w", category="api", service="github")]
    plan = plan_for(fs)
    assert names(plan) == ["production/oauth/github"]
    assert sorted((x.location.file, x.reason) for x in plan.left) == [
        ("app/conftest.py", "test"), ("app/settings.py", "public"), ("fixtures/data.json", "test"),
        ("pkg/api_test.py", "test"), ("tests/test_api.py", "test")]
    included = plan_for(fs, PlanContext(include_tests=True))
    assert sum(len(s.rewrites) for s in included.secrets) == 5 and [x.reason for x in included.left] == ["public"]


def test_test_folders_and_scripts_by_kind_and_public_sentry_dsns_are_left_too(make_finding, fake):
    """`_unit-test/`, `integration-tests/`, `*-test.sh` are tests; a Sentry DSN without a secret part only
    lets a client send events (it ships in every client): public. A browser's build-time read is left."""
    tok = fake("{{rand:alnum:32}}", "kinds")
    dsn = "https://" + fake("{{rand:hex:32}}", "dsn") + "@o1.ingest.example.io/3"
    fs = [make_finding("SS101", "_unit-test/run.sh", 1, value=tok), make_finding("SS101", "integration-tests/a.py", 1,
                                                                               value=tok + "a"),
          make_finding("SS101", "scripts/smoke-test.sh", 1, value=tok + "b"),
          make_finding("SS301", "install/error-handling.sh", 4, value=dsn, symbol="SENTRY_DSN"),
          make_finding("SS301", "install/error-handling.sh", 9, value=dsn.replace("@", ":" + tok + "@"),
                       symbol="SENTRY_DSN"),
          make_finding("SS101", "unitary/tests_helper.py", 1, value=tok + "c")]
    fs.append(make_finding("SS210", "web/app.js", 3, kind="env", symbol="API_TOKEN"))
    plan = plan_for(fs, PlanContext(decisions={fs[-1].fingerprint: ("left", "display-only", "browser code")}))
    assert sorted((x.location.file, x.location.line, x.reason) for x in plan.left) == [
        ("_unit-test/run.sh", 1, "test"), ("install/error-handling.sh", 4, "public"),
        ("integration-tests/a.py", 1, "test"), ("scripts/smoke-test.sh", 1, "test"), ("web/app.js", 3, "browser")]
    assert sorted(r.location.file for s in plan.secrets for r in s.rewrites) == [
        "install/error-handling.sh", "unitary/tests_helper.py"]
    # a variable only a public value defines: its reads are not pending, they stay too
    read = make_finding("SS201", "app/settings.py", 7, kind="env", symbol="SENTRY_DSN")
    vendor = make_finding("SS851", ".env", 2, value=dsn)  # a vendor rule names no variable: the line does
    plan = plan_for([vendor, read], PlanContext(available=frozenset()), {(".env", 2): ("SENTRY_DSN", dsn)})
    assert not plan.secrets and not plan.pending and [x.reason for x in plan.left] == ["public", "public"]


def test_database_values_group_by_credential(make_finding, fake):
    pw = fake("{{rand:alnum:20}}", "pw")
    other = fake("{{rand:alnum:20}}", "other")
    url = f"postgresql://app_user:{pw}@db.internal:5432/orders"
    fs = [make_finding("SS601", "app/db.py", 2, value=pw, symbol="app_user", category="db", service="postgresql",
                       field="password"),  # the password inside a URL; the rule names the URL's user
          make_finding("SS110", "app/settings.py", 5, value=pw, symbol="DB_PASSWORD", field="password"),
          make_finding("SS303", ".env", 1, value=url, symbol="DATABASE_URL", category="db", service="postgresql",
                       field="url"),
          make_finding("SS303", ".env", 2, value=f"postgresql://report:{other}@db2:5432/reports",
                       symbol="REPORTING_DATABASE_URL", category="db", service="postgresql", field="url")]
    plan = plan_for(fs)
    by = {s.name: sorted(v.key for v in s.values) for s in plan.secrets}
    # the password (found twice) and the URL carrying it: one database; the other URL: another secret
    assert by == {"production/db/postgresql": ["password", "url"], "production/db/postgresql-2": ["url"]}
    keys = {r.location.file: r.json_key for s in plan.secrets for r in s.rewrites}
    assert keys["app/db.py"] == "password"  # never "username" because the URL's user says "user"


def test_pem_keys_are_named_by_what_they_are(make_finding, fake):
    body = fake("{{rand:b64:64}}", "k")
    tls = f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"
    ssh = f"-----BEGIN OPENSSH PRIVATE KEY-----\n{body}x\n-----END OPENSSH PRIVATE KEY-----\n"
    fs = [make_finding("SS501", "app/tls.py", 1, value=tls, symbol="TLS_KEY", category="ssh", severity="critical"),
          make_finding("SS501", "app/deploy.py", 1, value=ssh, symbol="DEPLOY_KEY", category="ssh", severity="critical")]
    assert names(plan_for(fs)) == ["production/ssh/deploy-key", "production/ssl/tls-key"]


def test_checklist_counts_an_aws_key_pair_once_and_names_keys_by_what_they_are(make_finding, fake):
    from secretshift.planner.checklist import build_items

    h = {"first_commit": "c1", "first_commit_date": "2024-01-01T00:00:00Z", "author": "A", "path": "app/aws.py",
         "present_at_head": True, "pushed": True}
    body = fake("{{rand:b64:64}}", "tls")
    fs = [make_finding("SS401", "app/aws.py", 3, value=fake("AKIA{{rand:b32:16}}", "id"), category="cloud",
                       service="aws", field="access_key_id", severity="critical", history=h),
          make_finding("SS402", "app/aws.py", 4, value=fake("{{rand:b64:40}}", "s"), category="cloud", service="aws",
                       field="secret_access_key", severity="critical", history=h),
          make_finding("SS501", "certs/server.key", 1, value=f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----",
                       category="ssh", severity="critical", history={**h, "path": "certs/server.key"})]
    data = load_routes()
    items = build_items(fs, matcher(data["routes"], {}), {r["id"]: r for r in data["routes"]}, {},
                        lambda f: "production/cloud/aws" if f.rule_id == "SS402" else None)
    assert len(items) == 2
    aws = next(i for i in items if i["route"] == "aws-access-key")
    assert aws["title"].startswith("AWS access key pair") and aws["rule_id"] == "SS401"
    assert aws["secret"] == "production/cloud/aws"  # found by value, whatever the path
    tls = next(i for i in items if i is not aws)
    assert (tls["route"], tls["title"]) == ("tls-key", "TLS private key")
