"""The lifecycle through the CLI against one moto server over HTTP: a plan with customer key, replicas,
readers, alarm, tags and (per secret) rotation, applied; the rotation function finishing; re-runs that
ask AWS nothing unless asked for something new; an interrupted lifecycle step resumed; plan --emit;
audit, rollback and rotate on the ledger. Every byte the tool wrote or printed is searched for values."""
from __future__ import annotations

import json

import pytest
import yaml

from aws.lifecycle_helpers import boto, lifecycle_server, make_function, rotation_stand_in
from aws.servers import free_port
from secretshift.scanner.samples import expand

ROLE = "arn:aws:iam::123456789012:role/shop-web"
NAMES = ["production/api/stripe", "production/db/postgresql", "production/db/postgresql-2", "production/generic/jwt",
         "production/oauth/github"]
DB = "production/db/postgresql"  # the URL's credential: every key AWS's rotation functions read


@pytest.fixture(scope="module")
def server():
    with lifecycle_server() as url:
        yield url


@pytest.fixture
def moto_url(server):  # one server for the module (overrides the per-test one), emptied for each test
    import urllib.request

    for path, body in (("/moto-api/reset", b""), ("/moto-api/config", b'{"lambda": {"use_docker": false}}')):
        urllib.request.urlopen(urllib.request.Request(server + path, data=body, method="POST"), timeout=10).read()
    return server


def one_line_error(err: str) -> bool:
    lines = [x for x in err.splitlines() if x.strip()]
    return len(lines) == 1 and lines[0].startswith("secretshift: error:") and "Traceback" not in err


def ledger(project) -> dict:
    return json.loads((project.root / ".secretshift" / "ledger.json").read_text())


def test_lifecycle_plan_apply_rerun_audit_rollback_rotate(project, aws_env, cli, moto_url, tmp_path, monkeypatch):
    kms = boto(moto_url, "kms")
    key = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/shop", TargetKeyId=key["KeyId"])
    fn = make_function(moto_url, "rds-postgres-rotation")
    topic = boto(moto_url, "sns").create_topic(Name="shop-ops")["TopicArn"]
    common = ("--kms-key-id", "alias/shop", "--replicate-to", "eu-west-1", "--reader-role", ROLE,
              "--alarm-topic", topic, "--tag", "CostCenter=4711")
    rc, out, err = cli("plan", str(project.root), *common, "--emit", "cloudformation")
    assert rc == 0, out + err
    assert "(5 x 0.40 + 5 replica(s) x 0.40 + " in out
    sd = project.root / ".secretshift"
    cfn = yaml.safe_load((sd / "secrets.cfn.yaml").read_text())
    declared = [r for r in cfn["Resources"].values() if r["Type"] == "AWS::SecretsManager::Secret"]
    assert {"Key": "CostCenter", "Value": "4711"} in declared[0]["Properties"]["Tags"]
    # rotation for the database secret only: a plan field of that secret
    plan = yaml.safe_load((sd / "plan.yaml").read_text())
    db = next(s for s in plan["secrets"] if s["name"] == DB)
    db["lifecycle"] = {"rotate": {"lambda_arn": fn, "days": 30}}
    (sd / "plan.yaml").write_text(yaml.safe_dump(plan, sort_keys=False))
    admin = json.loads((sd / "admin-policy.json").read_text())
    assert {"secretsmanager:ReplicateSecretToRegions", "secretsmanager:PutResourcePolicy", "secretsmanager:TagResource",
            "events:PutRule", "cloudwatch:PutMetricAlarm"} <= {a for st in admin["Statement"] for a in st["Action"]}

    rc, out, err = cli("apply", str(sd / "plan.yaml"), "--yes", "--rotation-wait", "0")
    assert rc == 1, out + err  # the first rotation has not finished: work left
    assert f"to do:   {DB}: the first rotation did not finish" in out
    sm = boto(moto_url, "secretsmanager")
    assert sorted(s["Name"] for s in sm.list_secrets()["SecretList"]) == NAMES
    for n in NAMES:
        meta = sm.describe_secret(SecretId=n)
        assert meta["KmsKeyId"] == "alias/shop"
        assert [r["Region"] for r in meta["ReplicationStatus"]] == ["eu-west-1"]
        assert {"Key": "CostCenter", "Value": "4711"} in meta["Tags"]
        pol = json.loads(sm.get_resource_policy(SecretId=n)["ResourcePolicy"])
        assert pol["Statement"][0]["Principal"] == {"AWS": [ROLE]}
    replicas = boto(moto_url, "secretsmanager", "eu-west-1").list_secrets()["SecretList"]
    assert sorted(r["Name"] for r in replicas) == NAMES and {r["PrimaryRegion"] for r in replicas} == {"us-east-1"}
    meta = sm.describe_secret(SecretId=DB)
    assert meta["RotationEnabled"] is True and meta["RotationLambdaARN"] == fn
    assert meta["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert not any(sm.describe_secret(SecretId=n).get("RotationEnabled") for n in NAMES if n != DB)
    assert boto(moto_url, "events").describe_rule(Name="secretshift-rotation-failures")["State"] == "ENABLED"
    policy = json.loads((sd / "iam-policy.json").read_text())
    assert any(r.startswith("arn:aws:secretsmanager:eu-west-1:") for r in policy["Statement"][0]["Resource"])
    kms_st = policy["Statement"][1]
    assert kms_st["Resource"] == [key["Arn"]] and kms_st["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert kms_st["Condition"]["StringEquals"]["kms:ViaService"] == [
        "secretsmanager.eu-west-1.amazonaws.com", "secretsmanager.us-east-1.amazonaws.com"]
    led = ledger(project)
    assert led["secrets"][DB]["lifecycle"]["rotation"]["status"] == "not-verified"
    assert led["secrets"][DB]["lifecycle"]["kms"] == {"key": "alias/shop", "arn": key["Arn"]}
    assert led["alarm"] == {"topic": topic}

    # the function finishes the rotation (moto cannot run it): the next run sees it and records it
    fake, _ = rotation_stand_in(tmp_path, moto_url, DB, monkeypatch)
    fake.sleep(0)
    rc, out, err = cli("apply", str(sd / "plan.yaml"), "--yes", "--stage", "lifecycle")
    assert rc == 0, out + err
    assert "replica" not in out and "policy" not in out  # done parts are not done again
    assert f"unchanged {DB}: rotation is already on with this function, every 30 days; nothing changed " \
           f"(AWSCURRENT is version" in out
    assert ledger(project)["secrets"][DB]["lifecycle"]["rotation"]["status"] == "unchanged"

    # a re-run of the migrated tree asking nothing new: nothing changes, and no AWS call (the endpoint is dead)
    project.commit_all("migrated")
    before = (sd / "ledger.json").read_bytes()
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")
    rc, out, err = cli("migrate", str(project.root), "--yes", "--max-attempts", "1", *common)
    assert rc == 0, out + err
    assert (sd / "ledger.json").read_bytes() == before
    # something new (a second tag): every secret, this run's plan or an earlier run's, gets it
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    rc, out, err = cli("migrate", str(project.root), "--yes", *common, "--tag", "Team=shop")
    assert rc == 0, out + err
    assert all({"Key": "Team", "Value": "shop"} in sm.describe_secret(SecretId=n)["Tags"] for n in NAMES)

    # audit on the ledger: rotation state, replicas, readers; a secret the code stopped reading is flagged
    rc, out, err = cli("audit", str(project.root), "--format", "json")
    assert rc == 0, out + err
    rows = {r["name"]: r for r in json.loads(out)["secrets"]}
    assert sorted(rows) == NAMES
    assert rows[DB]["rotation"] == "on (every 30 days)" and rows[DB]["replicas"] == ["eu-west-1"]
    assert "app/auth.py" in rows["production/oauth/github"]["read_by"]
    (project.root / "app" / "auth.py").write_text("def signing_key():\n    return None\n")
    rc, out, err = cli("audit", str(project.root))
    assert rc == 1 and "UNUSED  production/oauth/github" in out and "unused ones cost USD 0.80/month" in out

    # rotate: already on with the same settings -> nothing changes; another schedule -> no rotation
    count = len(sm.list_secret_version_ids(SecretId=DB)["Versions"])
    rc, out, err = cli("rotate", DB, "--rotation-lambda-arn", fn, "--wait", "0")
    assert rc == 0 and "nothing changed" in out, out + err
    assert len(sm.list_secret_version_ids(SecretId=DB)["Versions"]) == count
    rc, out, err = cli("rotate", DB, "--rotation-lambda-arn", fn, "--days", "45", "--wait", "0")
    assert rc == 0 and "schedule changed to every 45 days without rotating now" in out, out + err
    assert sm.describe_secret(SecretId=DB)["RotationRules"]["AutomaticallyAfterDays"] == 45

    # rollback after a bad rotation: back to AWSPREVIOUS, with the version ids shown
    stages = sm.describe_secret(SecretId=DB)["VersionIdsToStages"]
    cur = next(v for v, st in stages.items() if "AWSCURRENT" in st)
    prev = next(v for v, st in stages.items() if "AWSPREVIOUS" in st)
    rc, out, err = cli("rollback", DB, "--yes")
    assert rc == 0 and f"AWSCURRENT {cur} -> {prev}" in out, out + err
    assert sm.get_secret_value(SecretId=DB, VersionStage="AWSCURRENT")["VersionId"] == prev

    # the other commands, and one-line errors with exit 2
    rc, out, err = cli("rotation-lambda", "production/oauth/github", "--root", str(project.root))
    assert rc == 0 and "nothing was deployed" in out
    assert "GitHub OAuth" in (sd / "rotation" / "production-oauth-github" / "rotation_function.py").read_text()
    rc, out, err = cli("alarm", "--sns-topic", topic)
    assert rc == 0 and "rotation failures now reach" in out
    for args in (("rollback", "production/nope", "--yes"), ("rotate", "production/api/stripe"),
                 ("alarm", "--sns-topic", "not-a-topic"), ("rotation-lambda", "production/x", "--route", "nope",
                                                           "--root", str(project.root)),
                 ("audit", str(project.root), "--endpoint-url", f"http://127.0.0.1:{free_port()}",
                  "--max-attempts", "1")):
        rc, out, err = cli(*args)
        assert rc == 2 and one_line_error(err), (args, err)
    assert project.leaked() == []


def test_an_interrupted_lifecycle_step_resumes_and_rotate_on_a_migrated_tree(project, aws_env, cli, moto_url):
    """Ctrl-C after the first secret's replica: the same command again does only the rest; then --rotate
    on the migrated tree covers every secret the ledger holds (API keys get a function to review)."""
    from secretshift.migration.run import ApplyArgs, Interrupted, run_apply

    rc, out, err = cli("plan", str(project.root), "--replicate-to", "eu-central-1")
    assert rc == 0, out + err
    def interrupt(step):
        if step == f"lifecycle:{NAMES[1]} replicas":
            raise KeyboardInterrupt

    p = project.root / ".secretshift" / "plan.yaml"
    with pytest.raises(Interrupted, match="interrupted during the lifecycle stage"):
        run_apply(p, project.root, ("create", "lifecycle", "rewrite", "verify"),
                  ApplyArgs(yes=True, after_step=interrupt, argv=["apply", str(p), "--yes"]), None)
    first = cli.drain()
    assert first.count("replica of") == 2 and "rewrote" not in first
    rc, out, err = cli("apply", str(p), "--yes")
    assert rc == 0, out + err
    assert [line.split()[-1] for line in out.splitlines() if "replica of" in line] == ["eu-central-1"] * 3
    assert not any(f"replica of {n} in" in out for n in NAMES[:2])
    regional = boto(moto_url, "secretsmanager", "eu-central-1").list_secrets()["SecretList"]
    assert sorted(r["Name"] for r in regional) == NAMES

    project.commit_all("migrated")
    rc, out, err = cli("migrate", str(project.root), "--yes", "--rotate", "--rotation-wait", "0")
    assert rc == 1, out + err  # nothing to create or rewrite, but rotation needs functions
    assert "nothing to migrate" in out
    assert f"to do:   {DB}: deploy AWS's rotation function" in out  # no --rotation-lambda-arn given
    assert "production/api/stripe: review production-api-stripe/rotation_function.py" in out
    assert (project.root / ".secretshift" / "rotation" / "production-api-stripe" / "template.yaml").exists()
    assert not boto(moto_url, "secretsmanager").describe_secret(SecretId=DB).get("RotationEnabled")
    assert project.leaked() == []


def test_plan_emits_cloudformation_and_terraform_without_values(project, cli):
    rc, out, err = cli("plan", str(project.root), "--emit", "cloudformation", "--rotate", "--replicate-to",
                       "eu-west-1=alias/shop-eu", "--reader-role", ROLE, "--tag", "CostCenter=4711")
    assert rc == 0, out + err
    cfn = yaml.safe_load((project.root / ".secretshift" / "secrets.cfn.yaml").read_text())
    secrets = [r for r in cfn["Resources"].values() if r["Type"] == "AWS::SecretsManager::Secret"]
    assert len(secrets) == 5 and all(r["Properties"]["ReplicaRegions"] == [{"Region": "eu-west-1",
                                                                           "KmsKeyId": "alias/shop-eu"}] for r in secrets)
    assert cfn["Resources"]["ProductionDbPostgresqlRotation"]["Properties"]["HostedRotationLambda"]["RotationType"] == \
        "PostgreSQLSingleUser"
    rc, out, err = cli("plan", str(project.root), "--emit", "terraform", "--tag", "CostCenter=4711")
    tf = (project.root / ".secretshift" / "secrets.tf").read_text()
    assert rc == 0 and 'resource "aws_secretsmanager_secret" "production_db_postgresql"' in tf
    assert '"CostCenter" = "4711"' in tf or 'CostCenter = "4711"' in tf
    for bad in (("--replicate-to", "mars-1"), ("--reader-role", "*"), ("--tag", "aws:owner=me"), ("--tag", "novalue")):
        rc, out, err = cli("plan", str(project.root), *bad)
        assert rc == 2 and one_line_error(err), (bad, err)
    assert project.leaked() == []


def test_parameters_moves_configuration_reads_to_parameter_store(project, aws_env, cli, moto_url, monkeypatch):
    import subprocess
    import sys

    (project.root / "app" / "config.py").write_text(
        "import os\n\n"
        'DB_HOST = os.environ["DB_HOST"]\n'
        'DB_PORT = int(os.getenv("DB_PORT", "5432"))  # a default: stays\n'
        'FLAGS = os.environ["FEATURE_FLAGS"]\n'
        'MODE = os.environ.get("APP_MODE")  # optional: its absence means something, stays\n'
        'REGION = os.environ["AWS_REGION"]\n'
        'os.environ.setdefault("APP_MODE", "web")  # sets the environment: stays\n'
        'HAS_PORT = "PORT" in os.environ\n'
        'METRICS = os.environ["METRICS_KEY"]  # may be a credential: stays\n'
        'BROKER = os.environ["QUEUE_ADDRESS"]  # holds a password: stays\n')
    with (project.root / ".env").open("a") as f:
        f.write("DB_HOST=orders-db.internal\nDB_PORT=5433\nFEATURE_FLAGS=beta,new-cart\nMETRICS_KEY=m-1\n")
    address = f"amqp://app:{expand('{{rand:alnum:16}}', 'amqp')}@mq:5672"
    monkeypatch.setenv("QUEUE_ADDRESS", address)  # only in the environment: the scan cannot see it
    project.commit_all("config")
    rc, out, err = cli("plan", str(project.root), "--parameters", "--prefix", "staging")
    assert rc == 0 and "3 configuration variable(s) to Parameter Store:" in out
    assert "/staging/config/FEATURE_FLAGS  read at app/config.py:5" in out
    assert not any(v in out for v in ("AWS_REGION", "APP_MODE", "/PORT", "DB_PORT", "METRICS_KEY"))
    assert "/staging/config/QUEUE_ADDRESS" in out  # the name says nothing; its value will
    rc, out, err = cli("migrate", str(project.root), "--yes", "--parameters", "--prefix", "staging")
    assert rc == 1, out + err  # the address with a password is left, and said so
    assert "QUEUE_ADDRESS: its value holds a password" in out
    ssm = boto(moto_url, "ssm")
    got = {p["Name"]: p["Value"] for p in ssm.get_parameters_by_path(Path="/staging/config")["Parameters"]}
    assert got == {"/staging/config/DB_HOST": "orders-db.internal", "/staging/config/FEATURE_FLAGS": "beta,new-cart"}
    code = (project.root / "app" / "config.py").read_text()
    assert 'get_parameter("/staging/config/DB_HOST")' in code and 'os.environ["AWS_REGION"]' in code
    assert 'os.getenv("DB_PORT", "5432")' in code and 'os.environ["QUEUE_ADDRESS"]' in code
    assert "from app.secretshift_secrets import get_parameter" in code  # the package's accessor
    led = ledger(project)
    assert led["parameters"]["/staging/config/DB_HOST"] == "DB_HOST" and "app/config.py" in led["files"]
    probe = subprocess.run([sys.executable, "-c", "import app.config as c; print(c.DB_HOST, c.DB_PORT, c.FLAGS)"],
                           cwd=project.root, capture_output=True, text=True,
                           env={**aws_env, "PYTHONPATH": str(project.root), "PYTHONDONTWRITEBYTECODE": "1",
                                "METRICS_KEY": "m-1", "QUEUE_ADDRESS": "amqp://mq", "AWS_REGION": "us-east-1"})
    assert probe.stdout.split() == ["orders-db.internal", "5432", "beta,new-cart"], probe.stderr[-2000:]
    # a second run finds nothing left to move (but the address) and changes nothing
    project.commit_all("migrated")
    rc, out, err = cli("migrate", str(project.root), "--yes", "--parameters", "--prefix", "staging")
    assert rc == 1 and not any(line.startswith("created ") for line in out.splitlines()), out + err
    assert (project.root / "app" / "config.py").read_text() == code
    assert len(ssm.get_parameters_by_path(Path="/staging/config")["Parameters"]) == 2
    assert project.leaked() == [] and not any(address in o for o in project.outputs)
    assert not any(address.encode() in f.read_bytes() for f in project.root.rglob("*") if f.is_file())


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
