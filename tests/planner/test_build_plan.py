"""build_plan: grouping, naming, conflicts, policy, cost; the plan never holds a value."""
from __future__ import annotations

import json
import random

import pytest
import yaml

from secretshift.base.errors import PlanError
from secretshift.planner.build import PlanOptions, build_plan
from secretshift.planner.model import Plan
from secretshift.planner.routes import matcher
from secretshift.reporters.rotation_routes import load_routes


def route_of():
    return matcher(load_routes()["routes"], {"SS401": "aws-access-key"})


def plan_for(findings, **kw):
    return build_plan(findings, PlanOptions(**kw), route_of())


@pytest.fixture
def project(make_finding, fake):
    pw = fake("{{rand:alnum:20}}", "pw")
    url = f"postgresql://app:{pw}@db.internal:5432/orders"  # the same database's password, twice
    sk = fake("sk_{{join:li:ve}}_{{rand:alnum:24}}", "sk")
    whsec = fake("whsec_{{rand:alnum:32}}", "wh")
    gh_secret = fake("{{rand:hex:40}}", "gh")
    pem = "-----BEGIN OPENSSH PRIVATE KEY-----\n" + fake("{{rand:b64:70}}", "pem") + "\n-----END OPENSSH PRIVATE KEY-----"
    fs = [
        make_finding("SS105", "app/settings.py", 4, value=pw, symbol="DB_PASSWORD", field="password"),
        make_finding("SS303", ".env", 2, value=url, symbol="DATABASE_URL", category="db", service="postgresql", field="url"),
        make_finding("SS201", "app/db.py", 7, kind="env", symbol="DATABASE_URL"),
        make_finding("SS430", "app/billing.py", 3, value=sk, symbol="STRIPE_KEY", category="api", service="stripe",
                     field="secret_key", severity="critical"),
        make_finding("SS201", "app/billing.py", 9, kind="env", symbol="STRIPE_WEBHOOK_SECRET"),
        make_finding("SS303", ".env", 3, value=whsec, symbol="STRIPE_WEBHOOK_SECRET"),
        make_finding("SS201", "app/auth.py", 5, kind="env", symbol="GITHUB_CLIENT_ID"),
        make_finding("SS105", "app/auth.py", 6, value=gh_secret, symbol="GITHUB_CLIENT_SECRET"),
        make_finding("SS501", "app/deploy.py", 2, value=pem, symbol="DEPLOY_KEY", category="ssh", severity="critical"),
    ]
    return fs, {"pw": pw, "url": url, "sk": sk, "whsec": whsec, "gh": gh_secret, "pem": pem}


def test_groups_related_values_into_one_json_secret_per_service(project):
    """Database, Stripe, GitHub OAuth and a PEM key each become one secret named prefix/category/service."""
    fs, _ = project
    plan = plan_for(fs)
    by_name = {s.name: s for s in plan.secrets}
    assert sorted(by_name) == ["production/api/stripe", "production/db/postgresql", "production/oauth/github",
                               "production/ssh/deploy-key"]
    assert [v.key for v in by_name["production/db/postgresql"].values] == ["password", "url"]
    assert [v.key for v in by_name["production/api/stripe"].values] == ["secret_key", "webhook_secret"]
    assert [v.key for v in by_name["production/oauth/github"].values] == ["client_id", "client_secret"]
    assert by_name["production/ssh/deploy-key"].plain
    assert by_name["production/db/postgresql"].rotation == "database-password"
    assert by_name["production/api/stripe"].rotation == "stripe-key"
    assert by_name["production/oauth/github"].rotation == "github-oauth-secret"
    assert by_name["production/ssh/deploy-key"].rotation == "ssh-key"


def test_env_read_takes_its_value_from_the_dotenv_definition(project):
    """os.environ["DATABASE_URL"] joins the .env literal: one value, read from .env at apply time."""
    fs, _ = project
    db = next(s for s in plan_for(fs).secrets if s.name.endswith("postgresql"))
    url = next(v for v in db.values if v.key == "url")
    assert url.kind == "literal" and url.variable == "DATABASE_URL" and url.connection_url
    assert [loc.file for loc in url.locations] == [".env"]
    acts = {(r.location.file, r.action) for r in db.rewrites}
    assert acts == {(".env", "dotenv"), ("app/db.py", "codemod"), ("app/settings.py", "codemod")}


def test_env_read_without_definition_is_an_env_value(project):
    fs, _ = project
    gh = next(s for s in plan_for(fs).secrets if s.name.endswith("github"))
    cid = next(v for v in gh.values if v.key == "client_id")
    assert (cid.kind, cid.variable, cid.locations) == ("env", "GITHUB_CLIENT_ID", ())


def test_same_value_in_several_places_is_one_secret(make_finding, fake):
    v = fake("{{rand:alnum:22}}", "same")
    fs = [make_finding("SS105", "a.py", 1, value=v, symbol="API_KEY"),
          make_finding("SS105", "b.py", 8, value=v, symbol="API_KEY")]
    plan = plan_for(fs)
    assert len(plan.secrets) == 1 and len(plan.secrets[0].values) == 1
    assert [loc.file for loc in plan.secrets[0].values[0].locations] == ["a.py", "b.py"]
    assert len(plan.secrets[0].rewrites) == 2 and not plan.warnings


def test_one_placeholder_under_settings_of_different_roles_is_that_many_credentials(make_finding, fake):
    """full-stack-fastapi-template shape: SECRET_KEY, FIRST_SUPERUSER_PASSWORD and POSTGRES_PASSWORD all
    'changethis' in .env. A short plain value shared by unrelated settings is no shared credential;
    under names of one role (DB_PASSWORD, POSTGRES_PASSWORD) it still is one value, and so is a
    distinctive value under any names."""
    word, key = fake("{{rand:lower:10}}", "placeholder"), fake("{{rand:alnum:32}}", "distinct")
    fs = [make_finding("SS301", ".env", n, value=word, symbol=sym)
          for n, sym in ((1, "SECRET_KEY"), (2, "FIRST_SUPERUSER_PASSWORD"), (3, "POSTGRES_PASSWORD"))]
    fs += [make_finding("SS105", "app/db.py", 4, value=word, symbol="DB_PASSWORD"),
           make_finding("SS105", "app/keys.py", 1, value=key, symbol="SECRET_KEY"),
           make_finding("SS301", ".env", 9, value=key, symbol="DJANGO_SIGNING_TOKEN")]
    plan = plan_for(fs)
    where = {s.name: sorted((v.key, loc.file, loc.line) for v in s.values for loc in v.locations) for s in plan.secrets}
    assert where == {
        "production/db/postgresql": [("password", ".env", 3), ("password", "app/db.py", 4)],
        "production/generic/first-superuser-password": [(None, ".env", 2)],
        "production/generic/secret-key": [(None, ".env", 1)],
        "production/generic/django-signing-token": [(None, ".env", 9), (None, "app/keys.py", 1)]}


def test_same_name_different_values_gives_distinct_secrets_and_a_warning(make_finding, fake):
    fs = [make_finding("SS105", "a.py", 1, value=fake("{{rand:alnum:22}}", "x"), symbol="STRIPE_SECRET_KEY"),
          make_finding("SS105", "b.py", 8, value=fake("{{rand:alnum:22}}", "y"), symbol="STRIPE_SECRET_KEY")]
    plan = plan_for(fs)
    assert [s.name for s in plan.secrets] == ["production/api/stripe", "production/api/stripe-2"]
    assert len(plan.warnings) == 1 and "a.py:1" in plan.warnings[0] and "b.py:8" in plan.warnings[0]


def test_prefix_and_kms_key(project):
    fs, _ = project
    plan = plan_for(fs, prefix="staging", kms_key_id="alias/app", region="eu-west-1", account_id="123456789012")
    assert all(s.name.startswith("staging/") and s.kms_key_id == "alias/app" for s in plan.secrets)
    stmts = plan.iam_policy["Statement"]
    assert stmts[0]["Action"] == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    assert stmts[0]["Resource"] == sorted(
        f"arn:aws:secretsmanager:eu-west-1:123456789012:secret:{s.name}-??????" for s in plan.secrets)
    assert stmts[1]["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert stmts[1]["Resource"] == ["arn:aws:kms:eu-west-1:123456789012:alias/app"]
    assert stmts[1]["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}


def test_no_kms_statement_without_customer_key(project):
    fs, _ = project
    assert [s["Sid"] for s in plan_for(fs).iam_policy["Statement"]] == ["ReadMigratedSecrets"]


def test_cost_estimate_counts_storage_and_cached_calls(project):
    fs, _ = project
    c = plan_for(fs, cache_ttl_seconds=300, processes=2).cost
    assert c["storage_usd"] == 1.60  # 4 secrets x 0.40
    assert c["api_calls_per_month"] == 4 * 2 * 8640
    assert c["total_usd_per_month"] == round(1.60 + 4 * 2 * 8640 / 10000 * 0.05, 2)


def test_plan_holds_no_value_and_round_trips(project):
    fs, values = project
    plan = plan_for(fs)
    text = yaml.safe_dump(plan.to_dict()) + json.dumps(plan.to_dict())
    for v in values.values():
        assert v not in text
        assert v[4:-4] not in text
    assert Plan.from_dict(yaml.safe_load(yaml.safe_dump(plan.to_dict()))) == plan


def test_deterministic_whatever_the_input_order(project):
    fs, _ = project
    shuffled = list(fs)
    random.Random(3).shuffle(shuffled)
    assert plan_for(shuffled).to_dict() == plan_for(fs).to_dict()


def test_unsafe_rewrites_say_why(project):
    fs, _ = project
    for s in plan_for(fs).secrets:
        for r in s.rewrites:
            assert r.applicability in ("unsafe", "display-only") and r.reason


def _edit(d, path, value):
    cur = d
    for p in path[:-1]:
        cur = cur[p]
    if value is KeyError:
        del cur[path[-1]]
    else:
        cur[path[-1]] = value
    return d


@pytest.mark.parametrize("path, value, message", [
    (("version",), 9, "version 9 is not supported"),
    (("secrets", 0, "name"), "bad name!", "invalid secret name"),
    (("secrets", 0, "values"), [], "has no values"),
    (("secrets", 0, "values", 0, "kind"), "magic", "kind must be literal or env"),
    (("secrets", 0, "rewrites", 0, "action"), "delete", "action must be one of"),
    (("secrets", 0, "values", 0, "locations", 0, "line"), "four", "'line' must be a int"),
    (("secrets", 1, "name"), "production/api/stripe", "duplicate secret name"),
    (("secrets", 0, "id"), KeyError, "missing 'id'"),
])
def test_bad_plan_is_a_one_line_plan_error(project, path, value, message):
    fs, _ = project
    d = _edit(plan_for(fs).to_dict(), path, value)
    with pytest.raises(PlanError) as e:
        Plan.from_dict(d, "plan.yaml")
    assert message in str(e.value) and "\n" not in str(e.value) and str(e.value).startswith("plan.yaml: ")


def test_not_a_mapping():
    with pytest.raises(PlanError, match="not a secretshift plan"):
        Plan.from_dict(["x"], "p.yaml")


def test_ecs_definition_is_not_an_aws_credential(make_finding, fake):
    """An ECS task definition's literal (rule service "aws") joins the Python env read as a database value."""
    pw = fake("{{rand:alnum:20}}", "ecs")
    fs = [make_finding("SS305", "deploy/task.json", 12, value=pw, symbol="DB_PASSWORD", category="cloud",
                       service="aws", field="secret"),
          make_finding("SS201", "app/db.py", 3, kind="env", symbol="DB_PASSWORD", service="database", field="password")]
    plan = plan_for(fs)
    assert [s.name for s in plan.secrets] == ["production/db/postgresql"]
    v = plan.secrets[0].values[0]
    assert (v.key, v.kind, v.variable, [loc.file for loc in v.locations]) == (
        "password", "literal", "DB_PASSWORD", ["deploy/task.json"])
    acts = {r.location.file: r.action for r in plan.secrets[0].rewrites}
    assert acts == {"deploy/task.json": "display", "app/db.py": "codemod"}


def test_vendor_finding_on_a_dotenv_line_ties_to_the_variable(make_finding, fake):
    """A connection-string rule reports only the URL's password on DATABASE_URL=...; the variable's whole
    value becomes the secret's url (read from the line at apply time) and the code's read joins it."""
    from secretshift.scanner.models import SecretValue

    pw = fake("{{rand:alnum:18}}", "dsn")
    url = f"postgresql://app:{pw}@db.internal:5432/orders"
    fs = [make_finding("SS601", ".env", 1, value=pw, symbol="app", category="db", service="postgresql",
                       field="password"),
          make_finding("SS201", "app/db.py", 4, kind="env", symbol="DATABASE_URL", service="database", field="url")]
    plan = plan_for_defs(fs, {(".env", 1): ("DATABASE_URL", SecretValue(url))})
    (s,) = plan.secrets
    assert s.name == "production/db/postgresql"
    (v,) = s.values
    assert (v.key, v.kind, v.variable, v.connection_url, [x.file for x in v.locations]) == (
        "url", "env", "DATABASE_URL", True, [".env"])
    assert {r.location.file: r.action for r in s.rewrites} == {".env": "dotenv", "app/db.py": "codemod"}
    assert url not in json.dumps(plan.to_dict()) and pw not in json.dumps(plan.to_dict())


def plan_for_defs(findings, defs):
    return build_plan(findings, PlanOptions(), route_of(), defs)


def test_a_placeholder_found_again_goes_to_its_own_variables_secret(make_finding, fake):
    from secretshift.planner.build import PlanContext
    from secretshift.planner.model import value_id

    word = fake("{{rand:lower:10}}", "again")
    ctx = PlanContext(known_values={value_id(word): ("production/generic/secret-key", None)},
                      known_variables={"SECRET_KEY": ("production/generic/secret-key", None),
                                       "POSTGRES_PASSWORD": ("production/db/postgresql", "password")},
                      taken=frozenset({"production/generic/secret-key", "production/db/postgresql"}))
    plan = build_plan([make_finding("SS301", ".env", 3, value=word, symbol="POSTGRES_PASSWORD")], PlanOptions(),
                      route_of(), context=ctx)
    assert [(s.name, s.existing, [v.key for v in s.values]) for s in plan.secrets] == \
        [("production/db/postgresql", True, ["password"])]


def test_a_templates_value_is_left_and_defines_no_variable(make_finding, fake):
    """node-express-mongoose-demo: IMAGER_S3_SECRET=<example> in .env.example, process.env.IMAGER_S3_SECRET
    in config/imager.js. The template is never loaded: its value is not the variable's, the read waits
    for a real value (pending), the example is reported."""
    from secretshift.planner.build import PlanContext
    from secretshift.planner.scope import is_example_path

    ex = fake("{{rand:alnum:20}}", "example")
    fs = [make_finding("SS301", ".env.example", 10, value=ex, symbol="IMAGER_S3_SECRET"),
          make_finding("SS210", "config/imager.js", 27, kind="env", symbol="IMAGER_S3_SECRET")]
    plan = build_plan(fs, PlanOptions(), route_of(), context=PlanContext(available=frozenset()))
    assert not plan.secrets and [(x.location.file, x.reason) for x in plan.left] == [(".env.example", "example")]
    assert [(p.variable, [r.file for r in p.reads]) for p in plan.pending] == [("IMAGER_S3_SECRET", ["config/imager.js"])]
    assert all(map(is_example_path, [".env.sample", "example.env", "config.example.json", "settings.py.dist", ".env.dev-sample",
                                     "app/.env.template", "docker-compose.sample.yml", "config/app.yml.template"]))
    assert not any(map(is_example_path, [".env", ".env.production", ".env.defaults", "stack.template",
                                         "examples.py", "template.yaml"]))


def test_a_connection_urls_scheme_names_its_database(make_finding, fake):
    """flasky: DATABASE_URL=mysql+pymysql://... became production/db/postgresql (a bare DATABASE says
    postgresql). The URL's scheme names the database, for a literal and for a value given to the run;
    a URL with a password under a name no service claims (CELERY_RESULT_BACKEND) is a database too."""
    from secretshift.planner.build import PlanContext

    my = f"mysql+pymysql://app:{fake('{{rand:alnum:18}}', 'my')}@db:3306/app"
    rd = f"redis://:{fake('{{rand:alnum:18}}', 'rd')}@cache:6379/0"
    fs = [make_finding("SS301", ".env", 1, value=my, symbol="DATABASE_URL"),
          make_finding("SS301", ".env", 2, value=rd, symbol="CELERY_RESULT_BACKEND"),
          make_finding("SS201", "app/config.py", 3, kind="env", symbol="ANALYTICS_DATABASE_URL")]
    plan = build_plan(fs, PlanOptions(), route_of(), context=PlanContext(
        available=frozenset({"ANALYTICS_DATABASE_URL"}), url_services={"ANALYTICS_DATABASE_URL": "mongodb"}))
    assert {s.name: [v.key for v in s.values] for s in plan.secrets} == {
        "production/db/mysql": ["url"], "production/db/redis": ["url"], "production/db/mongodb": ["url"]}


def test_dotted_configuration_keys_are_named_by_their_owner_not_their_kind(make_finding, fake):
    """spring-boot-realworld: jwt.secret in application.properties became production/generic/secret
    (the last part alone); every Spring/YAML password then shared production/generic/password."""
    fs = [make_finding("SS101", "src/main/resources/application.properties", 9, value=fake("{{rand:alnum:40}}", "jwt"),
                       symbol="jwt.secret"),
          make_finding("SS101", "src/main/resources/application.yml", 4, value=fake("{{rand:alnum:16}}", "mail"),
                       symbol="spring.mail.password"),
          make_finding("SS101", "src/main/resources/application.yml", 9, value=fake("{{rand:alnum:16}}", "ds"),
                       symbol="spring.datasource.password"),
          make_finding("SS105", "app/settings.py", 3, value=fake("{{rand:alnum:16}}", "self"), symbol="self.password")]
    assert sorted(s.name for s in plan_for(fs).secrets) == [
        "production/db/postgresql", "production/generic/jwt-secret", "production/generic/mail-password",
        "production/generic/password"]


def test_an_env_reads_default_elsewhere_in_the_file_and_an_or_fallback_are_rewritten(make_finding, fake):
    """A Slack token as the default of os.getenv("SLACK_BOT_TOKEN", "<token>") and again in a header on
    another line: the second place was taken for the default too (same fingerprint) and never rewritten.
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or "<literal>": the read was pending although its
    fallback was migrated, so every later run exited 1."""
    from secretshift.base.record import replace
    from secretshift.planner.build import PlanContext

    tok, pw = fake("{{rand:alnum:30}}", "slack"), fake("{{rand:alnum:20}}", "mail")

    def at(f, col, end):
        return replace(f, column=col, end_column=end)
    fs = [at(make_finding("SS201", "app/config.py", 7, kind="env", symbol="SLACK_BOT_TOKEN"), 23, 90),
          at(make_finding("SS433", "app/config.py", 7, value=tok, symbol="SLACK_BOT_TOKEN"), 53, 83),
          at(make_finding("SS433", "app/config.py", 10, value=tok, symbol="HEADERS"), 44, 74),
          at(make_finding("SS201", "app/config.py", 6, kind="env", symbol="MAIL_PASSWORD"), 21, 52),
          at(make_finding("SS110", "app/config.py", 6, value=pw, symbol="MAIL_PASSWORD"), 57, 77)]
    plan = build_plan(fs, PlanOptions(), route_of(), context=PlanContext(available=frozenset()))
    assert not plan.pending
    where = sorted((r.location.line, r.kind) for s in plan.secrets for r in s.rewrites)
    assert where == [(6, "env"), (6, "hardcoded"), (7, "env"), (10, "hardcoded")]


def test_two_definitions_of_one_variable_with_different_urls_are_two_values(make_finding, fake):
    """fastapi-realworld: DATABASE_URL @db in compose and @localhost in a CI workflow, the same password
    inside both: the first definition's URL was stored for both, so compose's ${DATABASE_URL} read the
    workflow's host."""
    from secretshift.scanner.models import SecretValue

    pw = fake("{{rand:alnum:18}}", "two-urls")
    a, b = f"postgresql://app:{pw}@localhost/app", f"postgresql://app:{pw}@db/app"
    fs = [make_finding("SS601", ".github/workflows/ci.yml", 63, value=pw, symbol="app", service="postgresql"),
          make_finding("SS601", "docker-compose.yml", 10, value=pw, symbol="app", service="postgresql")]
    defs = {(".github/workflows/ci.yml", 63): ("DATABASE_URL", SecretValue(a)),
            ("docker-compose.yml", 10): ("DATABASE_URL", SecretValue(b))}
    plan = build_plan(fs, PlanOptions(), route_of(), defs)
    assert sorted((s.name, v.locations[0].file) for s in plan.secrets for v in s.values) == [
        ("production/db/postgresql", ".github/workflows/ci.yml"), ("production/db/postgresql-2", "docker-compose.yml")]


def test_a_name_that_says_only_database_takes_the_database_its_file_names(make_finding, fake, tmp_path):
    """awesome-compose's wordpress-mysql: WORDPRESS_DB_PASSWORD (the client's copy of MYSQL_PASSWORD,
    beside a mariadb image) became production/db/postgresql-4, a secret apart from MYSQL_PASSWORD's:
    rotating one would have left the other side on the old password. In a file that names one
    database, a bare DB name is that database's; a file naming two keeps the default."""
    from secretshift.migration.definitions import file_databases
    from secretshift.planner.build import PlanContext

    pw = fake("{{rand:alnum:9}}", "wp").lower()
    (tmp_path / "compose.yaml").write_text(
        f"services:\n  db:\n    image: mariadb:10.6\n    environment:\n      - MYSQL_PASSWORD={pw}\n"
        f"  wordpress:\n    environment:\n      - WORDPRESS_DB_PASSWORD={pw}\n")
    (tmp_path / ".env").write_text(f"DB_CONNECTION=pgsql\nDB_PASSWORD={pw}x\n")
    (tmp_path / "both.env").write_text(f"# mysql for the app, mongo for the logs\nDB_PASSWORD={pw}y\n")
    fs = [make_finding("SS302", "compose.yaml", 5, value=pw, symbol="MYSQL_PASSWORD"),
          make_finding("SS302", "compose.yaml", 8, value=pw, symbol="WORDPRESS_DB_PASSWORD"),
          make_finding("SS301", ".env", 2, value=pw + "x", symbol="DB_PASSWORD"),
          make_finding("SS301", "both.env", 2, value=pw + "y", symbol="DB_PASSWORD")]
    # react-express-mysql: process.env.DATABASE_PASSWORD in backend/src/config.js, an app on mysql2
    (tmp_path / "backend" / "src").mkdir(parents=True)
    (tmp_path / "backend" / "package.json").write_text('{"scripts": {"pg": "x"}, "dependencies": {"mysql2": "^3.0.0"}}')
    (tmp_path / "backend" / "src" / "config.js").write_text("module.exports = { password: process.env.DATABASE_PASSWORD };\n")
    read = make_finding("SS210", "backend/src/config.js", 1, kind="env", symbol="DATABASE_PASSWORD")
    dbs = file_databases(tmp_path, fs + [read])
    assert dbs == {"compose.yaml": "mysql", ".env": "postgresql", "backend/src/config.js": "mysql"}
    dbs.pop("backend/src/config.js")
    plan = build_plan(fs, PlanOptions(), route_of(), context=PlanContext(file_databases=dbs))
    got = {s.name: sorted(r.location.file + ":" + str(r.location.line) for r in s.rewrites)
           for s in plan.secrets}
    assert got["production/db/mysql"] == ["compose.yaml:5", "compose.yaml:8"]
    assert len(plan.secrets) == 3 and {s.name for s in plan.secrets} >= {"production/db/postgresql"}


def test_values_of_other_environments_are_reported_not_migrated(make_finding, fake):
    """NodeGoat's config/env/development.js and test.js were rewritten to read production secrets;
    flasky's DEV_DATABASE_URL and TEST_DATABASE_URL (DevelopmentConfig, TestingConfig) became
    production/db/postgresql and -2, so importing config.py for the tests needed AWS."""
    from secretshift.planner.build import PlanContext

    fs = [make_finding("SS122", "config/env/development.js", 6, value=fake("{{rand:alnum:24}}", "d"), symbol="zapApiKey"),
          make_finding("SS122", "config/env/test.js", 6, value=fake("{{rand:alnum:24}}", "t"), symbol="zapApiKey"),
          make_finding("SS201", "config.py", 30, kind="env", symbol="DEV_DATABASE_URL"),
          make_finding("SS201", "config.py", 40, kind="env", symbol="TEST_DATABASE_URL"),
          make_finding("SS201", "config.py", 50, kind="env", symbol="DATABASE_URL"),
          make_finding("SS122", "config/env/production.js", 6, value=fake("{{rand:alnum:24}}", "p"), symbol="zapApiKey"),
          # node-express-mongoose-demo: the development module's read of the developer's environment
          make_finding("SS210", "config/env/development.js", 9, kind="env", symbol="GITHUB_CLIENT_SECRET")]
    plan = build_plan(fs, PlanOptions(), route_of(), context=PlanContext())
    assert sorted((x.location.file, x.location.line, x.reason) for x in plan.left) == [
        ("config.py", 30, "development"), ("config.py", 40, "test"),
        ("config/env/development.js", 6, "development"), ("config/env/development.js", 9, "development"),
        ("config/env/test.js", 6, "test")]
    planned = sorted((r.location.file, r.location.line) for s in plan.secrets for r in s.rewrites)
    assert planned == [("config.py", 50), ("config/env/production.js", 6)]


def test_a_javascript_literal_after_a_read_of_its_own_name_is_that_variables_value(make_finding, fake):
    """NodeGoat-like config: const jwtSecret = process.env.JWT_SECRET || "<literal>". The literal was
    migrated and the read left pending, so every later run exited 1 asking for JWT_SECRET, and a
    value given for it became a second secret. As in Python, the literal is the variable's value:
    one secret, both places read it, nothing pending."""
    from secretshift.planner.build import PlanContext

    v = fake("{{rand:alnum:32}}", "jwt")
    fs = [make_finding("SS210", "config.js", 3, col=19, kind="env", symbol="JWT_SECRET"),
          make_finding("SS120", "config.js", 3, col=46, value=v, symbol="jwtSecret"),
          make_finding("SS210", "other.js", 3, col=19, kind="env", symbol="API_TOKEN"),
          make_finding("SS120", "other.js", 3, col=46, value=fake("{{rand:alnum:32}}", "o"), symbol="fallbackToken")]
    plan = build_plan(fs, PlanOptions(), route_of(), context=PlanContext(available=frozenset()))
    here = [(s.name, r.kind) for s in plan.secrets for r in s.rewrites if r.location.file == "config.js"]
    assert len({n for n, _ in here}) == 1 and sorted(k for _, k in here) == ["env", "hardcoded"]
    assert [p.variable for p in plan.pending] == ["API_TOKEN"]  # another name: not its fallback


def test_a_ci_pipelines_service_database_is_a_test_value(make_finding, fake):
    """fastapi-realworld: the workflow's service container (POSTGRES_PASSWORD: postgres) and its
    DATABASE_URL @localhost became production/db/postgresql; verify then failed on every run. A CI
    pipeline's database exists for the test run; a vendor's token there is still migrated."""
    from secretshift.planner.build import PlanContext

    pw = fake("{{rand:alnum:12}}", "ci")
    fs = [make_finding("SS101", ".github/workflows/tests.yml", 27, value=pw, symbol="POSTGRES_PASSWORD"),
          make_finding("SS601", ".github/workflows/tests.yml", 64, value=f"postgresql://app:{pw}@localhost/app",
                       symbol="DATABASE_URL", category="db"),
          make_finding("SS101", ".gitlab-ci.yml", 9, value=pw, symbol="MYSQL_ROOT_PASSWORD"),
          make_finding("SS302", "docker-compose.yml", 9, value=fake("{{rand:alnum:14}}", "prod"), symbol="POSTGRES_PASSWORD"),
          make_finding("SS425", ".github/workflows/deploy.yml", 12, value=fake("ghp_{{rand:alnum:36}}", "gh"),
                       symbol="GH_TOKEN", category="oauth", service="github")]
    plan = build_plan(fs, PlanOptions(), route_of(), context=PlanContext())
    assert sorted((x.location.file, x.location.line) for x in plan.left if x.reason == "test") == [
        (".github/workflows/tests.yml", 27), (".github/workflows/tests.yml", 64), (".gitlab-ci.yml", 9)]
    assert sorted(r.location.file for s in plan.secrets for r in s.rewrites) == [".github/workflows/deploy.yml",
                                                                               "docker-compose.yml"]


def test_a_session_token_read_is_left_to_the_credential_chain(make_finding):
    """bakerydemo: AWS_SESSION_TOKEN was moved to production/cloud/aws beside the key pair; an STS
    session token expires within hours, so the stored copy goes stale."""
    from secretshift.planner.build import PlanContext

    fs = [make_finding("SS201", "settings.py", 3, kind="env", symbol="AWS_SESSION_TOKEN"),
          make_finding("SS201", "settings.py", 4, kind="env", symbol="AWS_SECRET_ACCESS_KEY")]
    plan = build_plan(fs, PlanOptions(), route_of(), context=PlanContext())
    assert [(x.location.line, x.reason) for x in plan.left] == [(3, "temporary")]
    assert [r.location.line for s in plan.secrets for r in s.rewrites] == [4]


def test_a_random_lower_case_value_is_distinctive_and_words_are_not():
    """QA: a 15-character random value (digits among lower-case letters) was counted among the
    'short plain words' and grouped like a placeholder."""
    from secretshift.planner.build import distinctive
    from secretshift.scanner.samples import expand

    rnd = expand("{{rand:lower:5}}", "d1") + "7" + expand("{{rand:lower:4}}", "d2") + "2" + expand("{{rand:lower:4}}", "d3")
    assert distinctive(rnd)
    assert not any(map(distinctive, ["hello_django", "changethis", "postgres", "app2", "db-password-2"]))


def test_a_dotenv_definition_is_removed_only_when_this_run_rewrites_a_reader_of_it(make_finding, fake):
    """Laravel: config/database.php reads env('DB_PASSWORD'), which secretshift does not rewrite; removing the
    .env line would lose the value. Only a variable a rewritten Python/JavaScript read takes goes."""
    from secretshift.planner.build import DOTENV_KEPT
    from secretshift.scanner.models import SecretValue

    key, pw = fake("base64:{{rand:b64:43}}=", "app-key"), fake("{{rand:alnum:24}}", "db-pw")
    fs = [make_finding("SS301", ".env.production", 2, value=key, symbol="APP_KEY"),
          make_finding("SS301", ".env.production", 4, value=pw, symbol="DB_PASSWORD", category="db",
                       service="mysql", field="password")]
    defs = {(".env.production", 2): ("APP_KEY", SecretValue(key)),
            (".env.production", 4): ("DB_PASSWORD", SecretValue(pw))}
    plan = plan_for_defs(fs, defs)
    acts = {r.location.symbol: (r.action, r.applicability, r.reason) for s in plan.secrets for r in s.rewrites}
    assert acts == {v: ("display", "display-only", DOTENV_KEPT.format(var=v)) for v in ("APP_KEY", "DB_PASSWORD")}
    assert len(plan.secrets) == 2  # still created, for the deployment to inject
    # a Python read of DB_PASSWORD, rewritten this run: that definition goes, APP_KEY's stays
    plan = plan_for_defs(fs + [make_finding("SS201", "app/db.py", 3, kind="env", symbol="DB_PASSWORD",
                                            category="db", field="password")], defs)
    acts = {(r.location.file, r.location.symbol): r.action for s in plan.secrets for r in s.rewrites}
    assert acts == {(".env.production", "APP_KEY"): "display", (".env.production", "DB_PASSWORD"): "dotenv",
                    ("app/db.py", "DB_PASSWORD"): "codemod"}
    assert key not in json.dumps(plan.to_dict()) and pw not in json.dumps(plan.to_dict())


def test_a_dotenv_definition_compose_interpolates_or_a_removed_url_expands_goes_too(make_finding, fake):
    from secretshift.planner.build import PlanContext
    from secretshift.scanner.models import SecretValue

    sk, pw = fake("{{rand:alnum:40}}", "compose-sk"), fake("{{rand:alnum:20}}", "url-pw")
    url = f"postgresql://app:{pw}@db:5432/shop"
    fs = [make_finding("SS301", ".env", 1, value=sk, symbol="SECRET_KEY"),
          make_finding("SS301", ".env", 2, value=pw, symbol="POSTGRES_PASSWORD", category="db",
                       service="postgresql", field="password"),
          make_finding("SS301", ".env", 3, value=url, symbol="DATABASE_URL", category="db", service="postgresql",
                       field="url"),
          make_finding("SS201", "app/config.py", 5, kind="env", symbol="DATABASE_URL", category="db", field="url")]
    defs = {(".env", 1): ("SECRET_KEY", SecretValue(sk)), (".env", 2): ("POSTGRES_PASSWORD", SecretValue(pw)),
            (".env", 3): ("DATABASE_URL", SecretValue(url))}

    def actions(**ctx):
        plan = build_plan(fs, PlanOptions(), route_of(), defs, PlanContext(**ctx))
        return {r.location.symbol: r.action for s in plan.secrets for r in s.rewrites if r.location.file == ".env"}

    assert actions() == {"SECRET_KEY": "display", "POSTGRES_PASSWORD": "display", "DATABASE_URL": "dotenv"}
    assert actions(injected=frozenset({(".env", "SECRET_KEY")}),
                   expanded_by={(".env", "POSTGRES_PASSWORD"): frozenset({"DATABASE_URL"})}) == \
        {"SECRET_KEY": "dotenv", "POSTGRES_PASSWORD": "dotenv", "DATABASE_URL": "dotenv"}


def test_documentation_and_examples_are_reported_not_made_production_secrets(make_finding, fake):
    """QA on go-gin-example, terraform-aws-rds, pygoat: a README's curl -d "password=...", a docs page's
    UPGRADE notes and an examples/ folder's values were created as production secrets (go-gin's as
    production/db/readme). No program reads them there: they are reported (and a real one is on the
    rotation checklist); the application's own file is migrated."""
    from secretshift.planner.build import PlanContext

    fs = [make_finding("SS101", "README.md", 40, value=fake("{{rand:alnum:12}}", "r"), symbol="password"),
          make_finding("SS101", "docs/UPGRADE-4.0.md", 9, value=fake("{{rand:alnum:14}}", "u"), symbol="password"),
          make_finding("SS310", "examples/complete/main.tf", 12, value=fake("{{rand:alnum:16}}", "e"), symbol="password"),
          make_finding("SS110", "app/settings.py", 3, value=fake("{{rand:alnum:24}}", "a"), symbol="SECRET_KEY")]
    plan = build_plan(fs, PlanOptions(), route_of(), context=PlanContext())
    assert sorted((x.location.file, x.reason) for x in plan.left) == [
        ("README.md", "docs"), ("docs/UPGRADE-4.0.md", "docs"), ("examples/complete/main.tf", "docs")]
    assert [r.location.file for s in plan.secrets for r in s.rewrites] == ["app/settings.py"]
