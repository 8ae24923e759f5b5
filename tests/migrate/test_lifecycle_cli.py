"""migrate with rotation, a customer key, replicas, readers and the alarm against one moto server over
HTTP; then plan --emit, audit and rollback through the CLI. Every byte written is searched for values."""
from __future__ import annotations

import json

import pytest
import yaml

from aws.lifecycle_helpers import boto, lifecycle_server, make_function

ROLE = "arn:aws:iam::123456789012:role/shop-web"


@pytest.fixture(scope="module")
def moto_url():  # one server for the module (overrides the per-test one)
    with lifecycle_server() as url:
        yield url


def one_line_error(err: str) -> bool:
    lines = [x for x in err.splitlines() if x.strip()]
    return len(lines) == 1 and lines[0].startswith("secretshift: error:") and "Traceback" not in err


def test_migrate_with_the_lifecycle_then_audit_and_rollback(project, aws_env, cli, moto_url):
    kms = boto(moto_url, "kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/shop", TargetKeyId=key["KeyId"])
    fn = make_function(moto_url, "rds-postgres-rotation")
    topic = boto(moto_url, "sns").create_topic(Name="shop-ops")["TopicArn"]
    rc, out, err = cli("migrate", str(project.root), "--yes", "--kms-key-id", "alias/shop", "--rotate",
                       "--rotation-lambda-arn", fn, "--rotation-wait", "0", "--replicate-to", "eu-west-1",
                       "--reader-role", ROLE, "--alarm-topic", topic)
    assert rc == 1, out + err  # work left: the first rotation is not verified, API keys need their functions
    sm = boto(moto_url, "secretsmanager")
    names = sorted(s["Name"] for s in sm.list_secrets()["SecretList"])
    assert names == ["production/api/stripe", "production/db/postgresql", "production/generic/jwt",
                     "production/oauth/github"]
    for n in names:
        meta = sm.describe_secret(SecretId=n)
        assert meta["KmsKeyId"] == "alias/shop"
        assert [r["Region"] for r in meta["ReplicationStatus"]] == ["eu-west-1"]
        pol = json.loads(sm.get_resource_policy(SecretId=n)["ResourcePolicy"])
        assert pol["Statement"][0]["Principal"] == {"AWS": [ROLE]}
    replicas = boto(moto_url, "secretsmanager", "eu-west-1").list_secrets()["SecretList"]
    assert sorted(r["Name"] for r in replicas) == names and {r["PrimaryRegion"] for r in replicas} == {"us-east-1"}
    db = sm.describe_secret(SecretId="production/db/postgresql")
    assert db["RotationEnabled"] is True and db["RotationLambdaARN"] == fn
    assert db["RotationRules"]["AutomaticallyAfterDays"] == 30
    # the database function is never pointed at an API key: those get a skeleton to review
    assert not sm.describe_secret(SecretId="production/api/stripe").get("RotationEnabled")
    skeleton = project.root / ".secretshift" / "rotation" / "production-api-stripe" / "rotation_function.py"
    assert "TODO(secretshift)" in skeleton.read_text()
    # a shared signing secret has no vendor to call: rotated by hand, no skeleton
    assert "manual   production/generic/jwt" in out and not (skeleton.parent.parent / "production-generic-jwt").exists()
    assert "not-verified" in out and "to do:" in out
    assert boto(moto_url, "events").describe_rule(Name="secretshift-rotation-failures")["State"] == "ENABLED"
    sd = project.root / ".secretshift"
    policy = json.loads((sd / "iam-policy.json").read_text())
    kms_st = policy["Statement"][1]
    assert kms_st["Resource"] == [key["Arn"]] and kms_st["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert kms_st["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
    admin = json.loads((sd / "admin-policy.json").read_text())
    acts = {a for st in admin["Statement"] for a in st["Action"]}
    assert {"secretsmanager:RotateSecret", "secretsmanager:ReplicateSecretToRegions", "secretsmanager:PutResourcePolicy",
            "lambda:InvokeFunction", "events:PutRule", "cloudwatch:PutMetricAlarm"} <= acts
    plan = yaml.safe_load((sd / "plan.yaml").read_text())
    assert plan["lifecycle"]["replicas"] == [{"region": "eu-west-1"}]
    assert plan["cost"]["replicas"] == 4 and plan["cost"]["storage_usd"] == 3.2
    progress = json.loads((sd / "progress.json").read_text())
    assert progress["stages"]["lifecycle"]["status"] == "left"
    assert progress["stages"]["verify"]["status"] == "passed"
    # the same command again: nothing is created twice, and a rotation still pending is not called done
    rc, out, err = cli("apply", str(sd / "plan.yaml"), "--yes", "--rotation-wait", "0", "--stage", "create")
    assert rc == 1 and "not-verified production/db/postgresql: rotation on, first rotation not finished" in out
    assert len(sm.list_secrets()["SecretList"]) == 4

    # audit: rotation state, readers, no values; a secret the code stopped reading is flagged
    rc, out, err = cli("audit", str(project.root), "--format", "json")
    rows = {r["name"]: r for r in json.loads(out)["secrets"]}
    assert rc == 0, out + err
    assert rows["production/db/postgresql"]["rotation"] == "on (every 30 days)"
    assert rows["production/db/postgresql"]["replicas"] == ["eu-west-1"]
    assert "app/settings.py" in rows["production/db/postgresql"]["read_by"]
    auth = project.root / "app" / "auth.py"
    auth.write_text("def signing_key():\n    return None\n")
    rc, out, err = cli("audit", str(project.root))
    assert rc == 1 and "UNUSED  production/oauth/github" in out and "unused ones cost USD 0.80/month" in out

    # rollback after a "bad rotation": a new version, then back, with the version ids shown
    stripe_before = sm.get_secret_value(SecretId="production/api/stripe")
    sm.put_secret_value(SecretId="production/api/stripe", SecretString=json.dumps({"secret_key": "broken-value-1"}))
    new_id = next(v for v, st in sm.describe_secret(SecretId="production/api/stripe")["VersionIdsToStages"].items()
                  if "AWSCURRENT" in st)
    rc, out, err = cli("rollback", "production/api/stripe", "--yes")
    assert rc == 0, out + err
    assert f"AWSCURRENT {new_id} -> {stripe_before['VersionId']}" in out
    back = sm.get_secret_value(SecretId="production/api/stripe", VersionStage="AWSCURRENT")
    assert back["VersionId"] == stripe_before["VersionId"]

    # the standalone commands: a skeleton for one secret (the plan names its route), the alarm again
    rc, out, err = cli("rotation-lambda", "production/oauth/github", "--root", str(project.root), "-o",
                       str(project.root / ".secretshift" / "gh-fn"))
    assert rc == 0 and "nothing was deployed" in out
    assert "GitHub OAuth client secret" in (project.root / ".secretshift" / "gh-fn" / "rotation_function.py").read_text()
    rc, out, err = cli("alarm", "--sns-topic", topic)
    assert rc == 0 and "rotation failures now reach" in out
    assert len(boto(moto_url, "events").list_rules(NamePrefix="secretshift-")["Rules"]) == 1

    # one-line errors, exit 2
    for args in (("rollback", "production/nope", "--yes"), ("rotate", "production/api/stripe"),
                 ("alarm", "--sns-topic", "not-a-topic"), ("rotation-lambda", "production/x", "--route", "nope",
                                                           "--root", str(project.root))):
        rc, out, err = cli(*args)
        assert rc == 2 and one_line_error(err), (args, err)
    assert project.leaked() == []


def test_plan_emits_cloudformation_and_terraform_without_values(project, cli):
    rc, out, err = cli("plan", str(project.root), "--emit", "cloudformation", "--rotate", "--replicate-to",
                       "eu-west-1=alias/shop-eu", "--reader-role", ROLE)
    assert rc == 0, out + err
    cfn = yaml.safe_load((project.root / ".secretshift" / "secrets.cfn.yaml").read_text())
    secrets = [r for r in cfn["Resources"].values() if r["Type"] == "AWS::SecretsManager::Secret"]
    assert len(secrets) == 4 and all(r["Properties"]["ReplicaRegions"] == [{"Region": "eu-west-1",
                                                                           "KmsKeyId": "alias/shop-eu"}] for r in secrets)
    assert cfn["Resources"]["ProductionDbPostgresqlRotation"]["Properties"]["HostedRotationLambda"]["RotationType"] == \
        "PostgreSQLSingleUser"
    assert "(4 x 0.40 + 4 replica(s) x 0.40 + " in out
    rc, out, err = cli("plan", str(project.root), "--emit", "terraform")
    assert rc == 0 and 'resource "aws_secretsmanager_secret" "production_db_postgresql"' in \
        (project.root / ".secretshift" / "secrets.tf").read_text()
    rc, out, err = cli("plan", str(project.root), "--replicate-to", "mars-1")
    assert rc == 2 and one_line_error(err)
    rc, out, err = cli("plan", str(project.root), "--reader-role", "*")
    assert rc == 2 and one_line_error(err)
    assert project.leaked() == []


def test_parameters_moves_configuration_reads_to_parameter_store(project, aws_env, cli, moto_url):
    import subprocess
    import sys

    (project.root / "app" / "config.py").write_text(
        "import os\n\n"
        'DB_HOST = os.environ["DB_HOST"]\n'
        'DB_PORT = int(os.getenv("DB_PORT", "5432"))\n'
        'FLAGS = os.environ.get("FEATURE_FLAGS", "")\n'
        'REGION = os.environ.get("AWS_REGION")\n'
        'os.environ.setdefault("APP_MODE", "web")  # sets the environment: stays\n'
        'HAS_PORT = "PORT" in os.environ\n')
    with (project.root / ".env").open("a") as f:
        f.write("DB_HOST=orders-db.internal\nDB_PORT=5433\nFEATURE_FLAGS=beta,new-cart\n")
    project.commit_all("config")
    rc, out, err = cli("plan", str(project.root), "--parameters", "--prefix", "staging")
    assert rc == 0 and "3 configuration variable(s) to Parameter Store:" in out
    assert "/staging/config/DB_PORT  read at app/config.py:4" in out
    assert "AWS_REGION" not in out and "APP_MODE" not in out and "/PORT" not in out
    rc, out, err = cli("migrate", str(project.root), "--yes", "--parameters", "--prefix", "staging")
    assert rc == 0, out + err
    ssm = boto(moto_url, "ssm")
    got = {p["Name"]: p["Value"] for p in ssm.get_parameters_by_path(Path="/staging/config")["Parameters"]}
    assert got == {"/staging/config/DB_HOST": "orders-db.internal", "/staging/config/DB_PORT": "5433",
                   "/staging/config/FEATURE_FLAGS": "beta,new-cart"}
    code = (project.root / "app" / "config.py").read_text()
    assert 'get_parameter("/staging/config/DB_HOST")' in code and 'os.environ.get("AWS_REGION")' in code
    probe = subprocess.run([sys.executable, "-c", "import app.config as c; print(c.DB_HOST, c.DB_PORT, c.FLAGS)"],
                           cwd=project.root, capture_output=True, text=True,
                           env={**aws_env, "PYTHONPATH": str(project.root), "PYTHONDONTWRITEBYTECODE": "1"})
    assert probe.stdout.split() == ["orders-db.internal", "5433", "beta,new-cart"], probe.stderr[-2000:]
    # (its own prefix: the module shares one server with the test above)
    # a second run adopts the parameters and rewrites nothing
    project.commit_all("migrated")
    rc, out, err = cli("migrate", str(project.root), "--yes", "--parameters", "--prefix", "staging")
    assert rc == 0, out + err
    assert len(ssm.get_parameters_by_path(Path="/staging/config")["Parameters"]) == 3


def test_rotate_offers_and_switches_to_rds_managed_passwords(project, aws_env, cli, moto_url):
    rds = boto(moto_url, "rds")
    rds.create_db_instance(DBInstanceIdentifier="orders", Engine="postgres", DBInstanceClass="db.t3.micro",
                           MasterUsername="app", MasterUserPassword="initial-pass-1", AllocatedStorage=20)
    host = "orders.c9akciq32.us-east-1.rds.amazonaws.com"
    sm = boto(moto_url, "secretsmanager")
    sm.create_secret(Name="production/db/orders-rds", SecretString=json.dumps(
        {"engine": "postgres", "host": host, "port": 5432, "username": "app", "password": "initial-pass-1"}))
    rc, out, err = cli("rotate", "production/db/orders-rds")
    assert rc == 2 and one_line_error(err) and "SecretsManagerRDSPostgreSQLRotationSingleUser" in err
    assert "RDS can manage its master password" in out
    rc, out, err = cli("rotate", "production/db/orders-rds", "--rds-managed")
    assert rc == 0, out + err
    inst = rds.describe_db_instances(DBInstanceIdentifier="orders")["DBInstances"][0]
    assert inst["MasterUserSecret"]["SecretArn"] in out
    assert "initial-pass-1" not in out + err
