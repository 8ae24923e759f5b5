"""Shapes met migrating public applications (each test says which), built here from fake parts:
the run must migrate them, keep the values the program computes with its environment emptied, follow
a rotation, and change nothing on a second run."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from secretshift.scanner.samples import expand

from aws.servers import client

from .conftest import git, secrets_in


def _probe(root, code, env):
    r = subprocess.run([sys.executable, "-c", code], cwd=root / "backend", capture_output=True, text=True,
                       env={"PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1",
                            "PYTHONPATH": str(root / "backend"), **env})
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def test_placeholder_shared_by_settings_and_a_dotenv_url_expanding_a_password(project, moto_reset, cli):
    """full-stack-fastapi-template: one placeholder for SECRET_KEY, FIRST_SUPERUSER_PASSWORD (here ADMIN_PASSWORD) and
    POSTGRES_PASSWORD in .env, DATABASE_URL=postgresql://...:${POSTGRES_PASSWORD}@..., the application in
    backend/ with its own pyproject.toml under a root workspace file."""
    root, url = project.root, moto_reset
    git(root, "rm", "-q", "-r", ".")
    word = expand("{{rand:lower:10}}", "placeholder")
    project.values = {"word": word}
    (root / ".env").write_text(
        f"PROJECT_NAME=shop\nSECRET_KEY={word}\nADMIN_PASSWORD={word}\n\n# Postgres\n"
        f"POSTGRES_PASSWORD={word}\nDATABASE_URL=postgresql://app:${{POSTGRES_PASSWORD}}@db:5432/shop\n")
    (root / "pyproject.toml").write_text('[tool.uv.workspace]\nmembers = ["backend"]\n')
    (root / "compose.yml").write_text("services:\n  backend:\n    environment:\n"
                                      "      SECRET_KEY: ${SECRET_KEY:?Variable not set}\n      PROJECT_NAME: $PROJECT_NAME\n")
    (root / "backend" / "app").mkdir(parents=True)
    (root / "backend" / "pyproject.toml").write_text(
        '[project]\nname = "app"\nrequires-python = ">=3.10"\ndependencies = [\n    "python-dotenv",\n]\n')
    (root / "backend" / "app" / "__init__.py").write_text("")
    (root / "backend" / "app" / "config.py").write_text(
        "import os\n\nfrom dotenv import load_dotenv\n\nload_dotenv('../.env')\n\n"
        'SECRET_KEY = os.environ["SECRET_KEY"]\nADMIN_PASSWORD = os.environ["ADMIN_PASSWORD"]\n'
        'DATABASE_URL = os.environ["DATABASE_URL"]\n')
    project.commit_all("fastapi shape")
    code = ("import json, app.config as c; print(json.dumps({'sk': c.SECRET_KEY, 'admin': c.ADMIN_PASSWORD,"
            " 'url': c.DATABASE_URL}))")
    before = _probe(root, code, {})
    assert before["url"] == f"postgresql://app:{word}@db:5432/shop"
    rc, out, err = cli("migrate", str(root), "--yes")
    assert rc == 0, out + err
    stored = secrets_in(url)
    db = json.loads(stored["production/db/postgresql"])
    assert (db["password"], db["url"], db["username"], db["dbname"]) == (word, before["url"], "app", "shop")
    assert sorted(stored) == ["production/db/postgresql", "production/generic/admin-password",
                              "production/generic/secret-key"]
    env_text = (root / ".env").read_text()
    assert word not in env_text and "${POSTGRES_PASSWORD}" not in env_text
    assert "# ADMIN_PASSWORD is read from AWS Secrets Manager (production/generic/admin-password)" \
        in env_text
    assert '"boto3"' in (root / "backend" / "pyproject.toml").read_text()
    # compose reads .env: the variable it interpolates is listed with the command that reads it
    assert "compose.yml interpolate SECRET_KEY from .env" in out
    example = (root / ".env.example").read_text()
    assert "--secret-id production/generic/secret-key" in example and "\nSECRET_KEY=\n" in example
    assert "ADMIN_PASSWORD" not in example and "PROJECT_NAME" not in example
    assert "boto3" not in (root / "pyproject.toml").read_text()
    aws = {k: os.environ[k] for k in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    assert _probe(root, code, aws) == before
    # a rotation of the database password (what AWS's rotation function changes) is followed by the URL
    new = expand("{{rand:alnum:20}}", "rotated")
    client(url).put_secret_value(SecretId="production/db/postgresql", SecretString=json.dumps({**db, "password": new}))
    assert _probe(root, code, aws) == {**before, "url": f"postgresql://app:{new}@db:5432/shop"}
    project.commit_all("migrated")
    rc, out, err = cli("migrate", str(root), "--yes")
    assert rc == 0, out + err
    assert git(root, "status", "--porcelain") in ("", " M .secretshift/ROTATION.md\n M .secretshift/rotation.json\n")
    assert project.leaked() == []


def test_a_name_another_application_holds_is_taken_the_value_gets_the_next_free_one(project, moto_reset, cli):
    """Two applications in one account (example-voting-app after another app): the first already holds
    production/api/stripe with its own value. The run does not stop; the value goes to the next free
    name, the other application's secret is left as it was, the code reads the new name."""
    url = moto_reset
    other = expand("{{rand:alnum:24}}", "other-app")
    project.values["other"] = other
    client(url).create_secret(Name="production/api/stripe", SecretString=json.dumps({"secret_key": other}))
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 0, out + err
    stored = secrets_in(url)
    assert json.loads(stored["production/api/stripe"]) == {"secret_key": other}
    mine = json.loads(stored["production/api/stripe-2"])
    assert mine["secret_key"] == project.values["stripe_secret"]
    assert "production/api/stripe already exists in Secrets Manager with another value" in err
    assert 'get_secret("production/api/stripe-2")' in (project.root / "app" / "billing.py").read_text()
    assert project.probe({k: os.environ[k] for k in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID",
                                                     "AWS_SECRET_ACCESS_KEY")}) == project.expected()
    assert project.leaked() == []


def test_the_runs_own_aws_credentials_are_never_an_applications_value(monkeypatch, tmp_path):
    """bakerydemo: ``AWS_SECRET_ACCESS_KEY = os.getenv("AWS_SECRET_ACCESS_KEY", "")`` for S3 storage. The
    environment of ``migrate`` holds the operator's key (it needs one to reach AWS): storing that as the
    application's would hand it the operator's identity. Only --values (or the prompt) gives it."""
    from secretshift.migration.run import ApplyArgs, value_sources

    mine, app = expand("{{rand:b64:40}}", "operator"), expand("{{rand:b64:40}}", "application")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", mine)
    monkeypatch.setenv("MAPS_API_KEY", app)
    src = value_sources(ApplyArgs(yes=True), None)
    assert src.get("AWS_SECRET_ACCESS_KEY", "production/cloud/aws") is None
    assert "AWS_SECRET_ACCESS_KEY" not in src.available() and src.get("MAPS_API_KEY", "x") == app
    (tmp_path / "values.env").write_text(f"AWS_SECRET_ACCESS_KEY={app}\n")
    src = value_sources(ApplyArgs(yes=True, values_file=tmp_path / "values.env"), None)
    assert src.get("AWS_SECRET_ACCESS_KEY", "production/cloud/aws") == app


def test_a_heading_typed_in_a_readme_or_a_new_file_of_comments_is_unrelated_work(tmp_path):
    """'# wip' appended to README.md passed as a neutral comment line and the run went on over it; the
    __pycache__ a run of the program leaves (no .gitignore) is no reason to refuse."""
    from secretshift.migration.worktree import classify

    git(tmp_path, "init", "-q")
    (tmp_path / "README.md").write_text("shop\n")
    (tmp_path / "app.py").write_text("X = 1\n")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "init")
    (tmp_path / "README.md").write_text("shop\n# wip\n")
    (tmp_path / "notes.py").write_text("# todo: rotate keys\n")
    (tmp_path / "app.py").write_text("# a comment\nX = 1\n")  # a comment on a tracked file goes with the others
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\x00\x01")  # running the app: no work
    d = classify(tmp_path, None, [])
    assert sorted(d.unrelated) == ["README.md", "notes.py"] and d.ours == ["app.py"]


def test_a_urls_user_that_is_its_password_is_not_written_as_the_findings_name():
    """example-voting-app: postgres://postgres:postgres@db/postgres -- the URL rule names the user, which
    is the password: plan.yaml carried it as ``symbol: postgres``."""
    from secretshift.scanner.ruleset import load_ruleset
    from secretshift.scanner.scan import scan_text

    w = expand("{{rand:lower:9}}", "user-is-password")
    fs = scan_text(f"var pool = new Pool({{ connectionString: 'postgres://{w}:{w}@db/{w}' }});\n", "server.js",
                   load_ruleset())
    assert fs and all(f.value.reveal() == w for f in fs)
    assert all(w not in json.dumps(f.to_dict()) for f in fs)


def test_one_kubernetes_secret_is_one_secret_named_after_it(tmp_path):
    """kubernetes/examples: Secrets 'ceph-admin' (key) and 'chap-secret' (dotted keys) were named by their
    data keys across unrelated manifests (production/generic/key, key-2 ...). Each Secret is now one
    secret named after metadata.name, its values under their own keys (path characters made '_')."""
    import base64

    from secretshift.migration.definitions import k8s_bundles
    from secretshift.planner.build import PlanContext, PlanOptions, build_plan
    from secretshift.scanner.ruleset import load_ruleset
    from secretshift.scanner.scan import scan_text

    a, b, c = (expand("{{rand:alnum:24}}", f"k8s-{i}") for i in range(3))
    enc = lambda v: base64.b64encode(v.encode()).decode()  # noqa: E731
    files = {"rbd/ceph-secret.yaml": f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: ceph-admin\ndata:\n  key: {enc(a)}\n",
             "iscsi/chap.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: chap-secret\ntype: kubernetes.io/iscsi-chap\n"
                                f"stringData:\n  node.session.auth.password: \"{b}\"\n  node.session.auth.password_in: \"{c}\"\n"}
    rs, findings = load_ruleset(), []
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
        findings += scan_text(text, rel, rs)
    bundles = k8s_bundles(tmp_path, findings)
    assert sorted(set(bundles.values())) == ["ceph-admin", "chap-secret"]
    plan = build_plan(findings, PlanOptions(), lambda f: "generic-password", context=PlanContext(bundles=bundles))
    assert {s.name: sorted(v.key for v in s.values) for s in plan.secrets} == {
        "production/generic/ceph-admin": ["key"],
        "production/generic/chap-secret": ["node_session_auth_password", "node_session_auth_password_in"]}


def test_a_secret_of_only_a_user_name_is_known_to_the_next_run(tmp_path):
    """kubernetes/examples: a README's Secret example gave a secret holding only 'username'; the ledger
    recorded no key for it, so every later run created it again (-2, -3 ...)."""
    from secretshift.migration.ledger import Ledger
    from secretshift.planner.model import value_id

    user, pw = expand("{{rand:alnum:12}}", "user-only"), expand("{{rand:alnum:20}}", "pw")
    ledger = Ledger.load(tmp_path)
    common = dict(arn=None, plain=False, variables={}, rotation="generic-password", kms_key_id=None, endpoint="aws")
    ledger.record_secret("production/generic/sio", sid="a", secret_string=json.dumps({"username": user}), **common)
    ledger.record_secret("production/db/pg", sid="b", secret_string=json.dumps({"username": user, "password": pw}),
                         **common)
    values, _, _ = Ledger.load(tmp_path).context_maps()
    assert values[value_id(user)] == ("production/generic/sio", "username")  # alone: known by it
    assert values[value_id(pw)] == ("production/db/pg", "password") and len(values) == 2  # beside a password: not


def test_test_environment_configuration_is_left_with_the_tests(tmp_path):
    """rails-realworld: config/secrets.yml's test: section (and .env.test, application-test.yml) hold
    test values; they were migrated as production secrets."""
    from secretshift.migration.definitions import test_sections
    from secretshift.planner.build import PlanContext, PlanOptions, build_plan
    from secretshift.planner.scope import is_test_path
    from secretshift.scanner.ruleset import load_ruleset
    from secretshift.scanner.scan import scan_text

    dev, test = expand("{{rand:hex:64}}", "rails-dev"), expand("{{rand:hex:64}}", "rails-test")
    text = (f"development:\n  secret_key_base: {dev}\n\ntest:\n  secret_key_base: {test}\n\n"
            "production:\n  secret_key_base: <%= ENV[\"SECRET_KEY_BASE\"] %>\n")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "secrets.yml").write_text(text)
    fs = scan_text(text, "config/secrets.yml", load_ruleset())
    places = test_sections(tmp_path, fs)
    assert sorted((line, label) for (_, line), label in places.items()) == [(2, "development"), (5, "test")]
    plan = build_plan(fs, PlanOptions(), lambda f: "generic-password", context=PlanContext(test_places=places))
    assert sorted((x.location.line, x.reason) for x in plan.left) == [(2, "development"), (5, "test")]
    # neither is a production secret: what is planned is production's own read, <%= ENV["SECRET_KEY_BASE"] %>
    assert [(v.kind, v.variable) for s in plan.secrets for v in s.values] == [("env", "SECRET_KEY_BASE")]
    assert all(map(is_test_path, [".env.test", "src/main/resources/application-test.yml", "config/environments/test.rb",
                                  "appsettings.Testing.json", "docker-compose.test.yml"]))
    assert not any(map(is_test_path, [".env", "application.yml", "config/environments/production.rb", "latest.yml",
                                      "contest.json", ".env.production"]))


def test_development_configuration_is_reported_not_migrated_under_production():
    """rails-realworld, Spring: a development: section, application-dev.yml,
    application-development.properties and .env.development were migrated as production/... secrets.
    They are a developer's local values: reported (reason development), not migrated."""
    from secretshift.migration.report import left_lines
    from secretshift.planner.build import PlanOptions, build_plan
    from secretshift.planner.scope import is_development_path
    from secretshift.scanner.ruleset import load_ruleset
    from secretshift.scanner.scan import scan_text

    rs = load_ruleset()
    pw = expand("{{rand:alnum:20}}", "spring-dev")
    prod = expand("{{rand:alnum:20}}", "spring-prod")
    fs = (scan_text(f"spring.datasource.password={pw}\n", "src/main/resources/application-development.properties", rs)
          + scan_text(f"spring:\n  datasource:\n    password: {pw}\n", "src/main/resources/application-dev.yml", rs)
          + scan_text(f"DB_PASSWORD={pw}\n", ".env.development", rs)
          + scan_text(f"spring.datasource.password={prod}\n", "src/main/resources/application.properties", rs))
    assert {f.file for f in fs} >= {"src/main/resources/application-development.properties", ".env.development",
                                    "src/main/resources/application-dev.yml", "src/main/resources/application.properties"}
    plan = build_plan(fs, PlanOptions(), lambda f: "generic-password")
    assert {x.location.file for x in plan.left if x.reason == "development"} == {
        "src/main/resources/application-development.properties", "src/main/resources/application-dev.yml",
        ".env.development"}
    assert [loc.file for s in plan.secrets for v in s.values for loc in v.locations] == [
        "src/main/resources/application.properties"]
    assert any("development environment" in line for line in left_lines(plan))
    assert not any(map(is_development_path, ["application.yml", ".env", "devices.yml", "config/dev/app.py",
                                             ".env.production", "developer.json"]))


def test_a_url_with_no_credential_in_it_is_left_as_it_is(tmp_path, moto_reset, capsys):
    """flasky: DATABASE_URL given as sqlite:///data.sqlite became production/db/postgresql (engine
    postgres): a secret holding a file name, and a read of Secrets Manager for it. A URL with no
    password (sqlite, redis://cache:6379) holds nothing secret: its read stays; the others migrate."""
    root = _new_repo(tmp_path)
    (root / "config.py").write_text('import os\nDATABASE_URL = os.environ.get("DATABASE_URL")\n'
                                    'CACHE_URL = os.environ["REDIS_URL"]\nAPI_TOKEN = os.environ["API_TOKEN"]\n')
    _commit_all(root)
    tok = expand("{{rand:alnum:32}}", "no-credential")
    rc, out, err = _migrate_with(tmp_path, root, capsys, f"DATABASE_URL=sqlite:///data.sqlite\nREDIS_URL=redis://cache:6379/0\n"
                                                         f"API_TOKEN={tok}\n")
    assert rc == 0, out + err
    stored = secrets_in(moto_reset)
    assert len(stored) == 1 and tok in next(iter(stored.values()))  # API_TOKEN's alone
    text = (root / "config.py").read_text()
    assert 'os.environ.get("DATABASE_URL")' in text and 'os.environ["REDIS_URL"]' in text
    assert 'os.environ["API_TOKEN"]' not in text
    assert "2 read(s) of a URL with no credential in it" in out + err
    assert tok not in out + err


def test_a_placeholder_definition_that_still_shadows_a_settings_field_is_named(tmp_path, moto_reset, capsys):
    """full-stack-fastapi-template: SECRET_KEY became Field(default_factory=get_secret...), but ../.env
    still said SECRET_KEY=changethis (a placeholder: no finding, so left alone) and pydantic-settings
    reads env_file first: the app kept the placeholder, and verify passed. The run now names the
    line; a plain read, which the rewrite turns into a fetch, needs no warning."""
    root = _new_repo(tmp_path)
    (root / "settings.py").write_text('import os\nfrom pydantic_settings import BaseSettings\n\n\n'
                                      'class Settings(BaseSettings):\n    API_KEY: str\n\n\nTOKEN = os.environ["API_TOKEN"]\n')
    (root / ".env").write_text("API_KEY=changethis\nAPI_TOKEN=changethis\n")
    _commit_all(root)
    key, tok = expand("{{rand:alnum:24}}", "shadow-key"), expand("{{rand:alnum:24}}", "shadow-tok")
    rc, out, err = _migrate_with(tmp_path, root, capsys, f"API_KEY={key}\nAPI_TOKEN={tok}\n")
    assert rc == 0, out + err
    said = [line for line in (out + err).splitlines() if "still defines" in line]
    assert len(said) == 1 and said[0].startswith("warning: .env:1 still defines API_KEY")
    assert key not in out + err and tok not in out + err


def test_a_later_read_of_a_value_an_earlier_run_migrated_reads_the_same_secret(tmp_path, moto_reset, capsys):
    """Run 1 migrated a literal API_TOKEN = "..." to production/generic/api-token; run 2 met a new
    os.environ["API_TOKEN"] with the same value in --values and created api-token-2: two secrets to
    rotate for one credential. The value's id (never the value) ties the read to the earlier secret."""
    from secretshift.cli import main

    root = _new_repo(tmp_path)
    tok = expand("{{rand:alnum:32}}", "later-read")
    (root / "settings.py").write_text(f'API_TOKEN = "{tok}"\n')
    _commit_all(root)
    assert main(["migrate", str(root), "--yes"]) == 0
    first = sorted(secrets_in(moto_reset))
    _commit_all(root, "migrated")
    (root / "worker.py").write_text('import os\nTOKEN = os.environ["API_TOKEN"]\n')
    _commit_all(root, "worker")
    rc, out, err = _migrate_with(tmp_path, root, capsys, f"API_TOKEN={tok}\n")
    assert rc == 0, out + err
    assert sorted(secrets_in(moto_reset)) == first and len(first) == 1
    assert f'get_secret("{first[0]}")' in (root / "worker.py").read_text()
    assert tok not in out + err


def test_tests_that_set_a_moved_variable_for_the_code_under_test_are_named(tmp_path, moto_reset, capsys):
    """hackathon-starter's tests set process.env.MONGODB_URI to an in-memory database and then require
    the app; once app.js reads Secrets Manager, the tests would reach the production database (or fail
    without credentials). The run names each test file that sets a moved variable, once."""
    root = _new_repo(tmp_path)
    (root / "test").mkdir()
    (root / "settings.py").write_text('import os\nMONGODB_URI = os.environ["MONGODB_URI"]\nPORT = os.environ["PORT"]\n')
    (root / "test" / "test_app.py").write_text(
        'def test_app(monkeypatch):\n    monkeypatch.setenv("MONGODB_URI", "mongodb://localhost/test")\n'
        '    monkeypatch.setenv("PORT", "9")\n')
    _commit_all(root)
    pw = expand("{{rand:alnum:20}}", "tests-set")
    rc, out, err = _migrate_with(tmp_path, root, capsys, f"MONGODB_URI=mongodb://app:{pw}@db/app\n")
    assert rc == 0, out + err
    said = [line for line in (out + err).splitlines() if " sets " in line]
    assert len(said) == 1 and said[0].startswith("warning: test/test_app.py:2 sets MONGODB_URI")
    assert pw not in out + err


def test_verify_with_a_planned_file_left_by_hand_is_incomplete_not_passed(tmp_path, moto_reset, capsys):
    """QA: destructured process.env reads are a change by hand; verify then printed 'verify passed ...
    0 of 1 planned file(s) handled'. A run that leaves a planned file to the user is incomplete: it says
    so and exits 1 (work left)."""
    root = _new_repo(tmp_path)
    (root / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (root / "config.js").write_text("const { DB_PASSWORD } = process.env;\nconst tok = process.env['AUTH_TOKEN'];\n"
                                    "module.exports = { DB_PASSWORD, tok };\n")
    _commit_all(root)
    pw, tok = expand("{{rand:alnum:20}}", "inc-pw"), expand("{{rand:alnum:24}}", "inc-tok")
    rc, out, err = _migrate_with(tmp_path, root, capsys, f"DB_PASSWORD={pw}\nAUTH_TOKEN={tok}\n")
    assert rc == 1, out + err
    assert "verify incomplete: 0 planned finding(s) left" in out and "0 of 1 planned file(s) handled" in out
    assert "verify passed" not in out and pw not in out + err and tok not in out + err


def test_a_read_whose_default_is_a_literal_stores_the_value_this_run_gives(tmp_path, moto_reset, capsys, monkeypatch):
    """wagtail/bakerydemo: BASIC_AUTH_PASSWORD = os.environ.get("BASIC_AUTH_PASSWORD", "wagtail") with the real
    password in --values became a secret holding "wagtail", the published default: the program takes the
    variable whenever it is set, so its value is what the read computes and what the secret must hold.
    A read this run has no value for keeps its default as the value (JS `|| 'default'` alike)."""
    from secretshift.cli import main

    root = _new_repo(tmp_path)
    default, other = expand("{{rand:alnum:20}}", "default-word"), expand("{{rand:alnum:20}}", "default-kept")
    js_default, env_default = expand("{{rand:alnum:20}}", "default-js"), expand("{{rand:alnum:20}}", "default-env")
    session = expand("{{rand:alnum:24}}", "default-session")  # in the environment of the migrate process
    real, tok = expand("{{rand:alnum:24}}", "default-real"), expand("{{rand:alnum:24}}", "default-tok")
    (root / "settings.py").write_text(
        f'import os\n\nBASIC_AUTH_PASSWORD = os.environ.get("BASIC_AUTH_PASSWORD", "{default}")\n'
        f'API_TOKEN = os.getenv("API_TOKEN", "{other}")\nSESSION_SECRET = os.environ.get("SESSION_SECRET", "{env_default}")\n')
    (root / "app.js").write_text(f"const webhookSecret = process.env.WEBHOOK_SECRET || '{js_default}';\n"
                                 "console.log(JSON.stringify({ webhookSecret }));\n")
    _commit_all(root)
    (tmp_path / "values.env").write_text(f"BASIC_AUTH_PASSWORD={real}\nWEBHOOK_SECRET={tok}\n")
    code = "import json, settings as s; print(json.dumps([s.BASIC_AUTH_PASSWORD, s.API_TOKEN, s.SESSION_SECRET]))"
    assert _run(root, code, {"BASIC_AUTH_PASSWORD": real, "SESSION_SECRET": session}) == [real, other, session]
    monkeypatch.setenv("SESSION_SECRET", session)
    rc = main(["migrate", str(root), "--yes", "--values", str(tmp_path / "values.env")])
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    stored = secrets_in(moto_reset)
    got = {k.rsplit("/", 1)[1]: v for k, v in stored.items()}
    assert got == {"basic-auth-password": real, "api-token": other, "webhook-secret": tok, "session-secret": session}, \
        [(k, v in (default, js_default, env_default)) for k, v in got.items()]
    assert not {default, js_default, env_default} & set(stored.values())
    text = (root / "settings.py").read_text()
    assert default not in text and other not in text and 'os.environ.get("BASIC_AUTH_PASSWORD"' not in text
    aws = {k: os.environ[k] for k in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    assert _run(root, code, aws) == [real, other, session]  # the environment emptied: the values come from the secrets
    assert not [x for x in (real, tok, session, default, other) if x in out + err]
    state = b"".join(p.read_bytes() for p in (root / ".secretshift").rglob("*") if p.is_file())
    assert b"read_default: true" in state and not [x for x in (real, tok, session) if x.encode() in state]


def _run(root, code, env):
    r = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                       env={"PATH": os.environ["PATH"], "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(root), **env})
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


def test_a_dotenv_whose_variables_php_reads_keeps_its_values_and_says_so_once(project, moto_reset, cli):
    """Laravel: config/database.php reads env('DB_PASSWORD'), .env.production holds APP_KEY and DB_PASSWORD.
    secretshift does not rewrite PHP: the lines stay (removing them lost the app its key and database password),
    the secrets are still created for the deployment to inject, and the run says so once for the file; the
    Python worker's read of MAIL_PASSWORD is rewritten, so that definition goes."""
    root, url = project.root, moto_reset
    git(root, "rm", "-q", "-r", ".")
    key, pw = expand("base64:{{rand:b64:43}}=", "laravel-key"), expand("{{rand:alnum:24}}", "laravel-db")
    mail = expand("{{rand:alnum:22}}", "laravel-mail")
    project.values = {"key": key, "pw": pw, "mail": mail}
    env = f"APP_NAME=Shop\nAPP_KEY={key}\nDB_CONNECTION=mysql\nDB_PASSWORD={pw}\nMAIL_PASSWORD={mail}\n"
    (root / ".env.production").write_text(env)
    (root / "config").mkdir()
    (root / "config" / "database.php").write_text(
        "<?php\nreturn ['connections' => ['mysql' => ['password' => env('DB_PASSWORD', '')]]];\n")
    (root / "worker").mkdir()
    (root / "worker" / "mail.py").write_text('import os\n\nMAIL_PASSWORD = os.environ["MAIL_PASSWORD"]\n')
    project.commit_all("laravel shape")
    rc, out, err = cli("migrate", str(root), "--yes")
    assert rc == 1, out + err  # by-hand work is left: the deployment must inject the kept variables
    text = (root / ".env.production").read_text()
    assert text.splitlines()[:4] == env.splitlines()[:4]  # APP_KEY and DB_PASSWORD kept, byte for byte
    assert text.splitlines()[4].startswith("# MAIL_PASSWORD is read from AWS Secrets Manager (")
    stored = secrets_in(url)
    assert {key, pw, mail} <= {v for s in stored.values() for v in ([s] + list(
        json.loads(s).values() if s.startswith("{") else []))}
    kept = [line for line in out.splitlines() if "nothing this run rewrites reads them" in line]
    assert len(kept) == 1, out  # once for the file
    assert kept[0].startswith("display-only: .env.production: kept APP_KEY (line 2: ") and \
        "DB_PASSWORD (line 4: production/db/mysql key password)" in kept[0] and "MAIL_PASSWORD" not in kept[0]
    assert "inject them at deploy time" in kept[0]
    assert "verify failed" in out and "not handled: .env.production" in out
    assert project.leaked() == []


def test_a_builds_output_is_reported_and_its_source_is_what_changes(tmp_path, moto_reset, capsys):
    """nestjs-realworld: migrate rewrote dist/config.js, tsc's output (it ends with a sourceMappingURL
    comment); the next build writes it again from src/config.ts. A build's output is reported, not
    rewritten; the source file is migrated."""
    from secretshift.cli import main

    root = _new_repo(tmp_path)
    (root / "dist").mkdir()
    (root / "src").mkdir()
    key = expand("{{rand:alnum:32}}", "compiled")
    (root / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (root / "src" / "config.js").write_text(f'module.exports = {{ jwtSecret: "{key}" }};\n')
    (root / "dist" / "config.js").write_text(f'"use strict";\nmodule.exports = {{ jwtSecret: "{key}" }};\n'
                                             "//# sourceMappingURL=config.js.map\n")
    _commit_all(root)
    before = (root / "dist" / "config.js").read_bytes()
    main(["migrate", str(root), "--yes"])
    out, err = capsys.readouterr()
    assert (root / "dist" / "config.js").read_bytes() == before
    assert key not in (root / "src" / "config.js").read_text()
    assert "value(s) in a build's output (a file with a source map) (dist/config.js)" in out
    assert key not in out + err



def _new_repo(tmp_path):
    """An empty git repository at tmp_path/app."""
    root = tmp_path / "app"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    return root


def _commit_all(root, message: str = "init") -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", message)


def _migrate_with(tmp_path, root, capsys, values: str):
    """``migrate ROOT --yes --values FILE`` in this process with ``values`` (dotenv text) in FILE:
    (exit code, stdout, stderr)."""
    from secretshift.cli import main

    (tmp_path / "values.env").write_text(values)
    rc = main(["migrate", str(root), "--yes", "--values", str(tmp_path / "values.env")])
    out, err = capsys.readouterr()
    return rc, out, err


def test_a_prisma_schema_reading_a_moved_variable_is_named(tmp_path, moto_reset, capsys):
    """QA round 3 (taxonomy): schema.prisma's url = env("DATABASE_URL") is read by Prisma itself; migrate
    rewrote env.mjs's read and said verify passed, but Prisma still wanted the variable."""
    root = _new_repo(tmp_path)
    (root / "package.json").write_text('{"name": "app", "version": "1.0.0"}\n')
    (root / "env.js").write_text("module.exports = { db: process.env.DATABASE_URL };\n")
    (root / "prisma").mkdir()
    (root / "prisma" / "schema.prisma").write_text(
        'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n')
    _commit_all(root)
    pw = expand("{{rand:alnum:20}}", "prisma")
    rc, out, err = _migrate_with(tmp_path, root, capsys, f"DATABASE_URL=postgresql://app:{pw}@db/app\n")
    said = [line for line in (out + err).splitlines() if "Prisma reads" in line]
    assert said == [said[0]] and said[0].startswith("warning: prisma/schema.prisma:3: Prisma reads DATABASE_URL itself")
    assert pw not in out + err


def test_a_value_in_a_branch_taken_only_under_ci_is_a_test_value(tmp_path, moto_reset, capsys):
    """QA round 3 (Django-Styleguide-Example): `if os.environ.get("GITHUB_WORKFLOW"): DATABASES = {...
    "PASSWORD": "postgres"}` became production/db/postgresql, so CI needed AWS and its throwaway
    password was stored as production's. Values in a branch taken only under CI are the pipeline's."""
    root = _new_repo(tmp_path)
    ci_pw, key = expand("{{rand:alnum:14}}", "ci-branch"), expand("{{rand:alnum:40}}", "ci-key")
    (root / "settings.py").write_text(
        'import os\n\nSECRET_KEY = "' + key + '"\n\nif os.environ.get("GITHUB_WORKFLOW"):\n'
        '    DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "PASSWORD": "' + ci_pw + '"}}\n')
    _commit_all(root)
    rc, out, err = _migrate_with(tmp_path, root, capsys, "")
    assert rc == 0, out + err
    text = (root / "settings.py").read_text()
    assert ci_pw in text and key not in text  # the pipeline's password stays, the key is migrated
    assert ci_pw not in "".join(secrets_in(moto_reset).values())
    assert ci_pw not in out + err and key not in out + err


def test_a_go_services_env_reads_become_secrets_and_an_sdk_change_by_hand(tmp_path, moto_reset, capsys):
    """A Go service reads os.Getenv("DB_PASSWORD") and a helper getEnv("STRIPE_SECRET_KEY", "...") (SS211,
    SS212): secretshift does not rewrite Go, so the values given are stored, the Go file is left byte
    for byte, and the run says which SDK call replaces each read. No value reaches the output."""
    root = _new_repo(tmp_path)
    (root / "go.mod").write_text("module example.com/shop\n\ngo 1.22\n")
    dflt = expand("sk_" + "live_{{rand:alnum:24}}", "go-default")
    main_go = ('package main\n\nimport "os"\n\nfunc main() {\n\tpw := os.Getenv("DB_PASSWORD")\n'
               f'\tkey := getEnv("STRIPE_SECRET_KEY", "{dflt}")\n\t_, _ = pw, key\n}}\n')
    (root / "main.go").write_text(main_go)
    _commit_all(root)
    pw = expand("{{rand:alnum:20}}", "go-pw")
    rc, out, err = _migrate_with(tmp_path, root, capsys, f"DB_PASSWORD={pw}\n")
    assert rc == 1, out + err  # the Go file is work left to the user
    assert (root / "main.go").read_text() == main_go
    assert "main.go:6: change by hand: read production/db/" in out and \
        "with the AWS SDK for Go (secretsmanager.Client.GetSecretValue, cached) instead of the environment " \
        "variable DB_PASSWORD" in out, out
    # the read and its fallback are one value, one secret (named by the vendor's rule), one change
    assert "main.go:7: change by hand: read production/api/stripe (JSON key secret_key) with the AWS SDK for Go " \
        "(secretsmanager.Client.GetSecretValue, cached) instead of the environment variable STRIPE_SECRET_KEY and " \
        "drop its literal fallback" in out, out
    assert "no value to move" not in out
    stored = secrets_in(moto_reset)
    values = {v for s in stored.values() for v in ([s] + list(json.loads(s).values() if s.startswith("{") else []))}
    assert pw in values and dflt in values
    assert pw not in out + err and dflt not in out + err


def test_a_spring_placeholder_with_a_literal_default_is_one_secret_and_a_spring_change(tmp_path, moto_reset, capsys):
    """spring-petclinic: application-mysql.properties has password=${MYSQL_PASS:petclinic}. The read (SS213)
    and its default (SS101) are one value; the by-hand change is Spring's, not "read it where it is needed"."""
    root = _new_repo(tmp_path)
    res = root / "src" / "main" / "resources"
    res.mkdir(parents=True)
    pw = expand("{{rand:alnum:18}}", "spring-pw")
    props = f"spring.datasource.url=jdbc:mysql://db/shop\nspring.datasource.password=${{MYSQL_PASS:{pw}}}\n"
    (res / "application-mysql.properties").write_text(props)
    _commit_all(root)
    rc, out, err = _migrate_with(tmp_path, root, capsys, "")
    assert rc == 1, out + err
    assert (res / "application-mysql.properties").read_text() == props  # not rewritten
    line = next(x for x in out.splitlines() if "application-mysql.properties:2: change by hand" in x)
    assert "keep ${MYSQL_PASS} with no literal default and have the deployment inject MYSQL_PASS from " \
           "production/db/mysql (JSON key password)" in line
    assert "spring.config.import=aws-secretsmanager:production/db/mysql" in line
    assert "no value to move" not in out
    stored = secrets_in(moto_reset)
    assert any(pw in v for v in stored.values()) and pw not in out + err


def test_a_binary_keystore_does_not_make_the_plan_stale(tmp_path, moto_reset, capsys):
    """jhipster-sample-app ships src/main/resources/config/tls/keystore.p12: migrate planned it (SS503) and then
    refused every run with 'the plan is stale: ... is binary (NUL byte)', because the apply-time re-read took
    the keystore for text. It is read as the scan reads it; the by-hand change says what to do with a keystore."""
    import base64

    root = _new_repo(tmp_path)
    tls = root / "src" / "main" / "resources" / "config" / "tls"
    tls.mkdir(parents=True)
    data = bytes(range(256)) * 6 + expand("{{rand:alnum:64}}", "p12-body").encode()
    (tls / "keystore.p12").write_bytes(data)
    _commit_all(root)
    rc, out, err = _migrate_with(tmp_path, root, capsys, "")
    assert rc == 1, out + err  # created; the file is the user's to delete
    assert "stale" not in out + err
    assert "keystore.p12:1: change by hand: delete this keystore from the repository; its bytes are in " \
           "production/ssl/keystore (base64)" in out
    stored = secrets_in(moto_reset)
    assert base64.b64encode(data).decode() in stored.values()
    assert (tls / "keystore.p12").read_bytes() == data


def test_values_on_commented_out_lines_are_left_not_migrated(tmp_path, moto_reset, capsys):
    """QA (gogs conf/app.ini '; - redis: ...,password=...', hexpm '# user_secret: ...'): a commented-out line was
    made a production secret. Nothing reads it: it is left (the checklist has it if it reached git)."""
    root = _new_repo(tmp_path)
    live, old = expand("{{rand:alnum:22}}", "live-pw"), expand("{{rand:alnum:22}}", "old-pw")
    (root / "app.ini").write_text(f"[cache]\n; ADAPTER = redis: network=tcp,password={old},db=0\n"
                                  f"[database]\nPASSWORD = {live}\n")
    (root / "config.yml").write_text(f"mail:\n  host: smtp.example.com\n  # password: {old}x\n")
    _commit_all(root)
    rc, out, err = _migrate_with(tmp_path, root, capsys, "")
    assert "left in place: 2 value(s) on commented-out lines (app.ini, config.yml)" in out, out
    stored = secrets_in(moto_reset)
    values = {v for s in stored.values() for v in ([s] + list(json.loads(s).values() if s.startswith("{") else []))}
    assert live in values and old not in values and old + "x" not in values
    assert old not in out + err and live not in out + err


def test_test_suites_runners_factories_and_test_workflows_are_tests():
    """QA: lemmy's api_tests/src/shared.ts was rewritten to read Secrets Manager (its API test suite then
    needed AWS); monica's phpunit.xml, hexpm's lib/hexpm/factory.ex and koel's test-*.yml workflow were
    migrated as production secrets."""
    from secretshift.planner.scope import is_test_path

    assert all(map(is_test_path, ["api_tests/src/shared.ts", "browser-tests/login.js", "phpunit.xml",
                                  "lib/hexpm/factory.ex", "spec/factories.rb", "cypress.config.ts",
                                  ".github/workflows/test-proxy-auth-e2e.yml", ".github/workflows/tests.yml"]))
    assert not any(map(is_test_path, ["app/factory.py", "src/latest/index.ts", ".github/workflows/deploy.yml",
                                      "attest/main.go", "contest/rules.js"]))


def test_every_file_a_rewrite_writes_is_said(tmp_path, moto_reset, capsys):
    """QA (shiori, petclinic, mall): the compose rewrite wrote .env.example, which appeared in no line."""
    root = _new_repo(tmp_path)
    pw = expand("{{rand:alnum:20}}", "compose-pw")
    (root / "docker-compose.yml").write_text(
        f"services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: {pw}\n")
    _commit_all(root)
    rc, out, err = _migrate_with(tmp_path, root, capsys, "")
    assert (root / ".env.example").is_file()
    assert "wrote    .env.example for docker-compose.yml: the variables it now needs, each with the command " \
           "that reads it from Secrets Manager" in out, out
    assert pw not in out + err and pw not in (root / ".env.example").read_text()


def test_deno_and_bun_reads_are_stored_and_left_to_change_by_hand(tmp_path, moto_reset, capsys):
    """Deno.env.get("X") and Bun.env.X are reads of the environment (SS210); the JavaScript rewrite knows
    process.env only, so the file stays as it is and the run says what to change."""
    root = _new_repo(tmp_path)
    main_ts = 'const tok = Deno.env.get("API_TOKEN");\nconst key = Bun.env.STRIPE_SECRET_KEY;\nexport { tok, key };\n'
    (root / "main.ts").write_text(main_ts)
    _commit_all(root)
    tok, key = expand("{{rand:alnum:24}}", "deno-tok"), expand("{{rand:alnum:32}}", "bun-key")
    rc, out, err = _migrate_with(tmp_path, root, capsys, f"API_TOKEN={tok}\nSTRIPE_SECRET_KEY={key}\n")
    assert rc == 1, out + err
    assert (root / "main.ts").read_text() == main_ts
    assert "main.ts:1: change by hand: read secret production/generic/api-token at run time" in out
    assert "main.ts:2: change by hand: read secret production/api/stripe (JSON key secret_key)" in out
    stored = secrets_in(moto_reset)
    assert tok in stored.values() and any(key in v for v in stored.values())
    assert tok not in out + err and key not in out + err


def test_a_warning_is_said_once_per_run(tmp_path, moto_reset, capsys):
    """QA: the plan's scan and verify's re-scan read the same files, so 'skipped as minified' (and the
    like) came two or three times in one run's stderr."""
    root = _new_repo(tmp_path)
    (root / "static").mkdir()
    (root / "static" / "app.js").write_text(";".join(f"var a{i}=b{i}(c,d)" for i in range(600)) + "\n")
    pw = expand("{{rand:alnum:20}}", "once-pw")
    (root / "docker-compose.yml").write_text(
        f"services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: {pw}\n")
    _commit_all(root)
    rc, out, err = _migrate_with(tmp_path, root, capsys, "")
    lines = [x for x in err.splitlines() if "minified" in x]
    assert len(lines) == 1, err


def test_values_inside_block_comments_are_commented_out(tmp_path):
    """QA (invoiceninja): a sample webhook payload in a PHP docblock, whose lines do not start with
    `*`, became five production secrets; Ruby's =begin/=end likewise. A "/*" inside a string opens
    no comment, and the line after the comment is code."""
    from types import SimpleNamespace as F

    from secretshift.migration.planning import commented_places

    (tmp_path / "Hook.php").write_text('<?php\n/**\n * Sample:\n{\n  "token": "abc",\n}\n */\n'
                                       '$glob = "/*.txt"; $token = "live";\n')
    (tmp_path / "seed.rb").write_text('=begin\npassword = "old"\n=end\npassword = "live"\n')
    found = [F(kind="hardcoded", file="Hook.php", line=5, column=13), F(kind="hardcoded", file="Hook.php", line=8, column=29),
             F(kind="hardcoded", file="seed.rb", line=2, column=12), F(kind="hardcoded", file="seed.rb", line=4, column=12)]
    assert commented_places(tmp_path, found) == {("Hook.php", 5), ("seed.rb", 2)}


def test_a_rust_files_unit_test_module_is_tests(tmp_path):
    """QA (lldap): the passwords of a `#[cfg(test)] mod tests { ... }` in a production source file
    were planned as production secrets; the code above it is not a test (a "}" in a string inside
    the module does not end it)."""
    from types import SimpleNamespace as F

    from secretshift.migration.planning import rust_test_modules

    (tmp_path / "handler.rs").write_text('const PW: &str = "live";\n\n#[cfg(test)]\nmod tests {\n    use super::*;\n'
                                         '    fn t() {\n        let s = "}";\n        let pw = "fake";\n    }\n}\n'
                                         'const AFTER: &str = "live2";\n')
    found = [F(kind="hardcoded", file="handler.rs", line=n, column=1) for n in (1, 8, 11)]
    assert rust_test_modules(tmp_path, found) == {("handler.rs", 8): "test"}


def test_verify_passes_when_the_value_stays_only_on_a_line_the_plan_left(tmp_path, moto_reset, capsys):
    """QA (saleor): the plan left a commented-out copy of the migrated URL (`# default="postgres://...`),
    then verify failed on that very line (a planned finding left, the value found). The rewrite moves
    the line down (an import above it): it is known by its text, not its number."""
    root = _new_repo(tmp_path)
    pw = expand("{{rand:alnum:22}}", "left-line")
    (root / "settings.py").write_text(f'import os\nDATABASE_URL = "postgres://shop:{pw}@db.internal:5432/shop"\n'
                                      f'# DATABASE_URL = "postgres://shop_ro:{pw}@db.internal:5432/shop"\n')
    _commit_all(root)
    rc, out, err = _migrate_with(tmp_path, root, capsys, "")
    assert "left in place: 1 value(s) on commented-out lines (settings.py)" in out, out
    assert "verify passed" in out and rc == 0, out + err
    assert f"# DATABASE_URL = \"postgres://shop_ro:{pw}@db.internal" in (root / "settings.py").read_text()
    assert pw not in out + err


def test_environs_positional_default_is_the_value_and_goes_away(tmp_path, moto_reset, capsys):
    """QA (awesome-compose's django example): environs' env("SECRET_KEY", "<default>") takes its
    default in second place. It was not found, and the rewrite took it for django-environ's cast:
    env.parse_value(get_secret(...), "<default>"), the literal left in the file."""
    root = _new_repo(tmp_path)
    key = expand("{{rand:alnum:40}}", "environs-default")
    (root / "settings.py").write_text(f'from environs import Env\nenv = Env()\nSECRET_KEY = env("SECRET_KEY",\n'
                                      f'                "{key}")\nDEBUG = env.bool("DEBUG", True)\n')
    _commit_all(root)
    rc, out, err = _migrate_with(tmp_path, root, capsys, "")
    text = (root / "settings.py").read_text()
    assert "verify passed" in out and rc == 0, out + err
    assert key not in text and "parse_value" not in text and 'SECRET_KEY = get_secret("' in text
    assert key in secrets_in(moto_reset).values() and key not in out + err



def test_the_historys_note_on_a_file_the_scan_spoke_of_is_not_said_again(capsys):
    """QA (PHP/Ruby round): a file's parse warning came twice in one migrate, the second time from the
    rotation checklist's history scan with a `history:` prefix."""
    from secretshift.migration import run

    run._WARNED.clear()
    run.warn("conf.ini: not valid UTF-8 (first bad byte at offset 11); scanned with replacement characters")
    run.warn("history: conf.ini: not valid UTF-8 (first bad byte at offset 11); scanned with replacement characters")
    run.warn("history: 2 object(s) skipped (missing object); a credential only they held is not listed")
    err = capsys.readouterr().err.splitlines()
    assert err == ["secretshift: conf.ini: not valid UTF-8 (first bad byte at offset 11); scanned with replacement "
                   "characters", "secretshift: history: 2 object(s) skipped (missing object); a credential only "
                   "they held is not listed"]
    run._WARNED.clear()
