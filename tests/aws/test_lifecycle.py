"""Rotation, rollback, replicas, keys, resource policies and the rotation alarm against one moto server
over HTTP; the admin policy covers every call those made."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from secretshift.aws import lambda_skeleton, rotation as rot
from secretshift.aws.gateway import GATEWAY_ACTIONS
from secretshift.aws.lifecycle import SecretTarget, apply_lifecycle
from secretshift.aws.replication import Replica, ensure_replicas
from secretshift.aws.rollback import plan_rollback, rollback
from secretshift.base.errors import AwsActionError
from secretshift.planner.lifecycle import RotatePlan
from secretshift.planner.policy import FEATURE_OPS, admin_policy
from secretshift.reporters.rotation_routes import load_routes
from secretshift.scanner.samples import expand

from .lifecycle_helpers import (boto, db_secret, lifecycle_server, load_function, make_function, rotation_stand_in,
                                session)

WRITTEN: list[str] = []  # every message the code under test produced


@pytest.fixture(scope="module")
def url():
    with lifecycle_server() as u:
        yield u


@pytest.fixture
def aws(url):
    return session(url)


def route(rid):
    return next(r for r in load_routes()["routes"] if r["id"] == rid)


def test_database_rotation_is_turned_on_verified_and_rolled_back(aws, url, tmp_path, monkeypatch):
    name = "production/db/postgresql"
    value = db_secret("rot")
    sm = boto(url, "secretsmanager")
    sm.create_secret(Name=name, SecretString=json.dumps(value))
    fn = make_function(url, "postgres-rotation")
    fake, new_password = rotation_stand_in(tmp_path, url, name, monkeypatch)
    out = rot.enable_rotation(aws.gateway(), name, rot.RotationSpec(fn), wait_seconds=30, poll_seconds=0.01,
                              sleep=fake.sleep, report=WRITTEN.append)
    WRITTEN.append(out.message)
    assert out.ok, out.message
    assert fake.ran == ["createSecret", "setSecret", "testSecret", "finishSecret"]
    meta = sm.describe_secret(SecretId=name)
    assert meta["RotationEnabled"] is True
    assert meta["RotationLambdaARN"] == fn
    assert meta["RotationRules"]["AutomaticallyAfterDays"] == 30
    assert meta["VersionIdsToStages"][out.version_id] == ["AWSCURRENT"]
    assert "AWSPREVIOUS" in meta["VersionIdsToStages"][out.previous_version_id]
    now = json.loads(sm.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["SecretString"])
    assert now == {**value, "password": new_password}
    # the rotation was bad: go back, with the version ids shown
    rb = rollback(aws.gateway(), plan_rollback(aws.gateway(), name))
    assert (rb.from_version, rb.to_version) == (out.version_id, out.previous_version_id)
    back = json.loads(sm.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["SecretString"])
    assert back == value
    assert "AWSPREVIOUS" in sm.describe_secret(SecretId=name)["VersionIdsToStages"][out.version_id]
    assert value["password"] not in " ".join(WRITTEN) and new_password not in " ".join(WRITTEN)


def test_a_rotation_that_never_finishes_is_not_reported_as_success(aws, url):
    name = "production/db/mysql"
    sm = boto(url, "secretsmanager")
    sm.create_secret(Name=name, SecretString=json.dumps({**db_secret("stuck"), "engine": "mysql"}))
    fn = make_function(url, "mysql-rotation")
    waits = []
    out = rot.enable_rotation(aws.gateway(), name, rot.RotationSpec(fn, days=7), wait_seconds=0.05,
                              poll_seconds=0.01, sleep=waits.append)
    assert out.status == "not-verified" and waits
    assert "still AWSPENDING" in out.message and f"secretshift rollback {name}" in out.message
    assert sm.describe_secret(SecretId=name)["RotationRules"]["AutomaticallyAfterDays"] == 7
    # nothing to roll back to: one message, nothing moved
    with pytest.raises(AwsActionError, match="no AWSPREVIOUS version"):
        plan_rollback(aws.gateway(), name)


def test_alternating_users_needs_a_master_secret_and_stores_masterarn(aws, url):
    name = "production/db/orders"
    sm = boto(url, "secretsmanager")
    sm.create_secret(Name=name, SecretString=json.dumps(db_secret("alt")))
    fn = make_function(url, "multi-rotation")
    with pytest.raises(rot.RotationError, match="master-secret-arn"):
        rot.enable_rotation(aws.gateway(), name, rot.RotationSpec(fn, strategy="alternating"))
    assert "RotationEnabled" not in sm.describe_secret(SecretId=name) or \
        not sm.describe_secret(SecretId=name)["RotationEnabled"]
    master = sm.create_secret(Name="production/db/orders-admin", SecretString=json.dumps(db_secret("adm")))["ARN"]
    rot.enable_rotation(aws.gateway(), name, rot.RotationSpec(fn, "alternating", master_secret_arn=master),
                        wait_seconds=0, poll_seconds=0, sleep=lambda s: None)
    versions = sm.list_secret_version_ids(SecretId=name)["Versions"]
    holding = [json.loads(sm.get_secret_value(SecretId=name, VersionId=v["VersionId"])["SecretString"])
               for v in versions if "AWSCURRENT" in v["VersionStages"]]
    assert holding[0]["masterarn"] == master
    # a plain API key cannot use alternating users
    sm.create_secret(Name="production/api/maps", SecretString=expand("{{rand:alnum:30}}", "maps"))
    with pytest.raises(rot.RotationError, match="needs a database secret"):
        rot.enable_rotation(aws.gateway(), "production/api/maps",
                            rot.RotationSpec(fn, "alternating", master_secret_arn=master))


def test_replicas_created_read_back_and_counted_once(aws, url):
    kms_eu = boto(url, "kms", "eu-west-1").create_key()["KeyMetadata"]["KeyId"]
    name = "production/api/stripe"
    boto(url, "secretsmanager").create_secret(Name=name, SecretString=json.dumps({"secret_key": "x" * 24}))
    reps = (Replica("eu-central-1"), Replica("eu-west-1", kms_eu))
    sent = []  # moto does not keep a replica's key: check what the request carried
    aws.gateway().client.meta.events.register("provide-client-params.secretsmanager.ReplicateSecretToRegions",
                                              lambda params, **kw: sent.append(params))
    assert ensure_replicas(aws, name, reps, sleep=lambda s: None) == {"eu-central-1": "created", "eu-west-1": "created"}
    replica = boto(url, "secretsmanager", "eu-west-1").describe_secret(SecretId=name)
    assert replica["PrimaryRegion"] == "us-east-1"
    status = {r["Region"]: r for r in boto(url, "secretsmanager").describe_secret(SecretId=name)["ReplicationStatus"]}
    assert set(status) == {"eu-west-1", "eu-central-1"} and status["eu-central-1"]["Status"] == "InSync"
    assert sent[0]["AddReplicaRegions"] == [{"Region": "eu-central-1"}, {"Region": "eu-west-1", "KmsKeyId": kms_eu}]
    assert ensure_replicas(aws, name, reps, sleep=lambda s: None) == {"eu-central-1": "present", "eu-west-1": "present"}
    with pytest.raises(AwsActionError, match="primary"):
        ensure_replicas(aws, name, (Replica("us-east-1"),), sleep=lambda s: None)


def test_lifecycle_stage_key_policy_skeleton_and_alarm(aws, url, tmp_path):
    key = boto(url, "kms").create_key()["KeyMetadata"]
    boto(url, "kms").create_alias(AliasName="alias/shop", TargetKeyId=key["KeyId"])
    sm = boto(url, "secretsmanager")
    sm.create_secret(Name="production/generic/jwt", SecretString=expand("{{rand:b64url:43}}", "jwt"),
                     KmsKeyId="alias/shop")
    sm.create_secret(Name="production/chat/slack", SecretString=json.dumps({"token": expand("{{rand:alnum:40}}", "s")}))
    topic = boto(url, "sns").create_topic(Name="ops")["TopicArn"]
    readers = ("arn:aws:iam::123456789012:role/shop-web",)
    targets = [SecretTarget("production/generic/jwt", readers=readers, kms_key_id="alias/shop",
                            tags={"CostCenter": "4711"}),
               SecretTarget("production/chat/slack", rotate=RotatePlan(), route=route("slack-token")),
               SecretTarget("production/none", readers=readers),
               SecretTarget("production/generic/jwt", rotate=RotatePlan(), route=route("database-password")),
               SecretTarget("production/generic/admin-password", rotate=RotatePlan(), route=route("generic-password"))]
    recorded = []
    res = apply_lifecycle(aws, targets, topic, skeleton_root=tmp_path / "rotation", report=WRITTEN.append,
                          record=lambda *a: recorded.append(a))
    # each part is recorded as it finishes (the ledger), the key as the ARN the IAM policy needs
    assert ("production/generic/jwt", "kms", {"key": "alias/shop", "arn": key["Arn"]}) in recorded
    assert ("production/generic/jwt", "tags", {"CostCenter": "4711"}) in recorded and (None, "alarm", topic) in recorded
    assert {"Key": "CostCenter", "Value": "4711"} in sm.describe_secret(SecretId="production/generic/jwt")["Tags"]
    assert not any(r[0] == "production/none" for r in recorded)
    policy = json.loads(sm.get_resource_policy(SecretId="production/generic/jwt")["ResourcePolicy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": list(readers)}
    assert policy["Statement"][0]["Action"] == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    # one secret's failure does not stop the others
    assert len(res.failed) == 1 and res.failed[0].startswith("production/none resource policy:")
    assert res.rotation["production/chat/slack"] == "skeleton"
    # a shared password is rotated by hand: noted, not left to do (the checklist tracks it)
    assert res.rotation["production/generic/admin-password"] == "manual"
    assert not any(x.startswith("production/generic/admin-password") for x in res.left)
    # a "database" secret without the structure AWS's functions read gets no API-key skeleton
    assert res.rotation["production/generic/jwt"] == "pending"
    assert any("missing: engine, host, username, password" in x for x in res.left)
    fn = (tmp_path / "rotation" / "production-chat-slack" / "rotation_function.py").read_text()
    assert fn.count("TODO(secretshift)") >= 3 and "auth.revoke" in fn
    compile(fn, "rotation_function.py", "exec")
    assert "RotationEnabled" not in sm.describe_secret(SecretId="production/chat/slack")  # never deployed or turned on
    rule = boto(url, "events").describe_rule(Name="secretshift-rotation-failures")
    assert json.loads(rule["EventPattern"])["detail"]["eventName"] == ["RotationFailed", "RotationAbandoned"]
    targets_ = boto(url, "events").list_targets_by_rule(Rule="secretshift-rotation-failures")["Targets"]
    assert [t["Arn"] for t in targets_] == [topic]
    alarm = boto(url, "cloudwatch").describe_alarms(AlarmNames=["secretshift-rotation-failures"])["MetricAlarms"][0]
    assert alarm["AlarmActions"] == [topic] and alarm["MetricName"] == "TriggeredRules"
    assert not res.ok


def test_unreviewed_skeleton_raises_before_changing_anything(aws, url, tmp_path, monkeypatch):
    name = "production/api/sendgrid"
    sm = boto(url, "secretsmanager")
    before = expand("SG.{{rand:alnum:22}}.{{rand:alnum:43}}", "sg")
    sm.create_secret(Name=name, SecretString=before)
    lambda_skeleton.write(tmp_path, lambda_skeleton.render(route("generic-api-key"), name))
    mod = load_function(tmp_path / "rotation_function.py", "rot_unreviewed")
    monkeypatch.setattr(mod.boto3, "client", lambda service, **kw: boto(url, service))
    sm.rotate_secret(SecretId=name, RotationLambdaARN=make_function(url, "sg-rotation"),
                     RotationRules={"AutomaticallyAfterDays": 30})
    token = next(v for v, st in sm.describe_secret(SecretId=name)["VersionIdsToStages"].items() if st == ["AWSPENDING"])
    with pytest.raises(NotImplementedError, match="TODO"):
        mod.lambda_handler({"SecretId": name, "ClientRequestToken": token, "Step": "createSecret"}, None)
    assert sm.get_secret_value(SecretId=name, VersionStage="AWSCURRENT")["SecretString"] == before


def _ops_in_source() -> set[str]:
    """Operation names this package passes to a gateway (``_call``/``_guard``/``call``/``error_code``)."""
    import secretshift.aws as pkg

    out = set()
    for path in Path(pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in ("_call", "_guard", "call",
                                                                                  "error_code"):
                if node.args and isinstance(node.args[0], ast.Constant):
                    out.add(node.args[0].value)
    return out


def test_admin_policy_covers_every_call_made(url, tmp_path, monkeypatch):
    """Every part a migration (and rollback/audit) runs, through one session: the admin policy for a
    plan using every part grants each call made, and a plain plan gets only the create calls."""
    from secretshift.aws.audit import audit

    aws = session(url)
    sm = boto(url, "secretsmanager")
    name = "production/db/admin-check"
    sm.create_secret(Name=name, SecretString=json.dumps(db_secret("admin")))
    key = boto(url, "kms").create_key()["KeyMetadata"]["KeyId"]
    fn = make_function(url, "admin-check-rotation")
    fake, _ = rotation_stand_in(tmp_path, url, name, monkeypatch)
    apply_lifecycle(aws, [SecretTarget(name, key, {"team": "shop"}, ("arn:aws:iam::123456789012:role/app",),
                                       (("eu-west-1", None),), RotatePlan(lambda_arn=fn))],
                    boto(url, "sns").create_topic(Name="admin")["TopicArn"],
                    wait_seconds=5, poll_seconds=0.01, sleep=fake.sleep)
    rollback(aws.gateway(), plan_rollback(aws.gateway(), name))
    audit(aws.gateway(), [name], {})
    made = aws.ops()
    assert {"secretsmanager:rotate_secret", "secretsmanager:replicate_secret_to_regions", "kms:describe_key",
            "events:put_rule", "secretsmanager:put_resource_policy", "cloudwatch:put_metric_alarm",
            "secretsmanager:update_secret_version_stage"} <= made
    policy = admin_policy(["production/db/postgresql"], list(FEATURE_OPS), "us-east-1", "123456789012",
                          kms_keys=["alias/shop"], lambda_arns=["arn:aws:lambda:us-east-1:123456789012:function:r"],
                          replica_regions=["eu-west-1"])
    granted = {a for st in policy["Statement"] for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])}
    assert {GATEWAY_ACTIONS[op] for op in made} <= granted
    assert {op.split(":", 1)[1] for op in GATEWAY_ACTIONS} >= _ops_in_source()
    # exactly the parts used: a plain migration gets no rotation, replication or alarm rights
    plain = admin_policy(["production/db/postgresql"], [], "us-east-1", "123456789012")
    acts = plain["Statement"][0]["Action"]
    assert "secretsmanager:CreateSecret" in acts and "secretsmanager:RotateSecret" not in acts
    assert len(plain["Statement"]) == 1


def test_a_secret_declared_without_value_is_filled_by_the_create_stage(url, tmp_path):
    """plan --emit declares secrets without values; apply then puts each value (no --update-existing)."""
    from secretshift.aws.executor import create_stage
    from secretshift.migration.state import Progress
    from secretshift.planner.model import Location, Plan, PlannedSecret, ValueSource

    name = "production/api/declared"
    boto(url, "secretsmanager").create_secret(Name=name, Description="declared by a stack")
    loc = Location("a.py", 1, 1, 1, 5, "SS105", "SS105:x")
    plan = Plan(prefix="production", secrets=(PlannedSecret(
        id="declared", name=name, description="", rotation="generic-api-key",
        values=(ValueSource("token", "literal", (loc,)),), rewrites=()),))
    value = json.dumps({"token": expand("{{rand:alnum:32}}", "declared")})
    done = create_stage(plan, session(url).gateway(), Progress(tmp_path / "p.json", "d"), {"declared": value})
    assert done == {"declared": "filled"}
    assert boto(url, "secretsmanager").get_secret_value(SecretId=name)["SecretString"] == value
