"""secretshift migrate end to end: moto over HTTP, a real git repository, real codemods and history."""
from __future__ import annotations

import json

from .conftest import git, secrets_in, versions


def test_migrate_moves_rewrites_verifies_and_lists_leaks(project, aws_env, cli, moto_url):
    before = project.probe(project.dotenv())
    assert before == project.expected()
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 0, out + err
    v = project.values
    stored = secrets_in(moto_url)
    # two credentials for databases (the URL's and DB_PASSWORD): two secrets, each in the shape of an RDS secret
    assert sorted(stored) == ["production/api/stripe", "production/db/postgresql", "production/db/postgresql-2",
                              "production/generic/jwt", "production/oauth/github"]
    db = json.loads(stored["production/db/postgresql"])
    assert db == {"url": project.dotenv()["DATABASE_URL"], "engine": "postgres", "host": "db.internal", "port": 5432,
                  "dbname": "orders", "username": "app", "password": v["db_url_password"]}
    assert json.loads(stored["production/db/postgresql-2"]) == {  # split settings: DB_HOST beside DB_PASSWORD
        "password": v["db_password"], "host": "db.internal", "engine": "postgres"}
    assert json.loads(stored["production/api/stripe"]) == {"secret_key": v["stripe_secret"],
                                                          "webhook_secret": v["stripe_webhook"]}
    assert json.loads(stored["production/oauth/github"]) == {"client_secret": v["github_secret"]}
    assert json.loads(stored["production/generic/jwt"]) == {"secret": v["jwt_secret"]}
    # the code now reads Secrets Manager and returns the same values, with no .env loaded
    settings = (project.root / "app" / "settings.py").read_text()
    assert 'get_secret("production/db/postgresql-2")["password"]' in settings
    # the accessor goes inside the package that imports it (an image copying app/ gets it too)
    assert (project.root / "app" / "secretshift_secrets.py").is_file() and not (project.root / "secretshift_secrets.py").exists()
    assert "from app.secretshift_secrets import get_secret" in settings
    assert project.probe(aws_env) == before
    dotenv = (project.root / ".env").read_text()
    assert "LOG_LEVEL=info" in dotenv and "# DATABASE_URL is read from AWS Secrets Manager (production/db/postgresql, key url)" in dotenv
    # verify passed; a scan after migration is clean
    progress = json.loads((project.root / ".secretshift" / "progress.json").read_text())
    assert progress["stages"]["verify"]["status"] == "passed"
    rc2, out2, _ = cli("scan", str(project.root))
    assert rc2 == 0, out2
    # checklist: every leaked credential with its first commit, pushed ones first
    rotation = json.loads((project.root / ".secretshift" / "rotation.json").read_text())
    items = rotation["items"]
    assert len(items) == 7
    assert (items[0]["secret"], items[0]["path"], items[0]["live"]) == ("production/api/stripe", "app/billing.py", True)
    assert {i["secret"] for i in items} == set(stored) | {None}
    assert all(i["first_commit"] == project.first_commit and i["pushed"] for i in items)
    slack = next(i for i in items if i["path"] == "old_config.py")
    assert slack["present_at_head"] is False and slack["author"].startswith("Dana Dev")
    md = (project.root / ".secretshift" / "ROTATION.md").read_text()
    assert "secretshift rotate production/db/postgresql --rotation-lambda-arn" in md
    assert "secretshift alarm --sns-topic" in md and project.first_commit[:12] in md
    policy = json.loads((project.root / ".secretshift" / "iam-policy.json").read_text())
    assert len(policy["Statement"][0]["Resource"]) == 5
    assert all(r.startswith("arn:aws:secretsmanager:us-east-1:") and r.endswith("-??????")
               for r in policy["Statement"][0]["Resource"])
    # no value in anything the tool wrote or printed
    assert project.leaked() == []
    # a second migrate changes nothing
    project.commit_all("migrated")
    snapshot = project.tree_bytes()
    rc3, out3, err3 = cli("migrate", str(project.root), "--yes")
    assert rc3 == 0, out3 + err3
    assert "nothing to migrate" in out3
    after = project.tree_bytes()
    checklists = (".secretshift/rotation.json", ".secretshift/ROTATION.md")
    assert {k: v for k, v in after.items() if k not in checklists} == \
        {k: v for k, v in snapshot.items() if k not in checklists}
    # the checklist only learns that HEAD no longer holds the values; same credentials, same commits
    items2 = json.loads(after[".secretshift/rotation.json"])["items"]
    assert [(i["fingerprint"], i["first_commit"], i["secret"]) for i in items2] == \
        [(i["fingerprint"], i["first_commit"], i["secret"]) for i in items]
    assert [i["path"] for i in items2 if i["present_at_head"]] == []
    assert set(git(project.root, "status", "--porcelain").split()) <= {"M", *checklists}
    assert all(versions(moto_url, n) == 1 for n in stored)
    assert project.leaked() == []


def test_plan_is_pure_and_json(project, cli, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # would fail if anything called AWS
    rc, out, err = cli("plan", str(project.root), "--format", "json", "--prefix", "staging",
                       "--kms-key-id", "alias/shop")
    assert rc == 0, err
    d = json.loads(out)
    assert {s["name"] for s in d["secrets"]} == {"staging/api/stripe", "staging/db/postgresql", "staging/db/postgresql-2",
                                                 "staging/generic/jwt", "staging/oauth/github"}
    assert d["iam_policy"]["Statement"][1]["Condition"]["StringEquals"]["kms:ViaService"].startswith("secretsmanager.")
    assert d["cost"]["storage_usd"] == 2.0
    assert (project.root / ".secretshift" / "plan.yaml").is_file()
    assert project.leaked() == []
