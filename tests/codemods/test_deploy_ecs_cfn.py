"""ECS task definitions in any JSON layout, and CloudFormation/SAM templates: before/after, structure of
the result, and what the edit leaves alone."""
from __future__ import annotations

import json

import pytest
import yaml

from secretshift.codemods.deploy import Options, SecretInfo, rewrite_text

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db/postgresql-AbCdEf"


def lit(kit, text: str, value: str, sid: str = "shop/db/postgresql", key: str | None = "password", fp: str = ""):
    return kit.hardcoded(text, value, sid, key, fp=fp)


def opts(**kw) -> Options:
    return Options({"shop/db/postgresql": SecretInfo("shop/db/postgresql", ARN, kw.pop("kms", None))},
                   "eu-west-1", "123456789012", **kw)


def cfn_load(text: str):
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: {"tag": suffix, "value": loader.construct_scalar(node)
                                                                    if isinstance(node, yaml.ScalarNode) else None})
    return yaml.load(text, Loader=Loader)


def taskdef(pw: str, key: str) -> dict:
    return {"family": "shop", "executionRoleArn": "arn:aws:iam::123456789012:role/exec", "containerDefinitions": [
        {"name": "web", "image": "shop:1", "environment": [
            {"name": "DEBUG", "value": "0"}, {"name": "DB_PASSWORD", "value": pw}, {"name": "API_KEY", "value": key}]}]}


@pytest.mark.parametrize("layout", [
    lambda d: json.dumps(d, indent=2) + "\n",
    lambda d: json.dumps(d, indent=4),
    lambda d: json.dumps(d, separators=(",", ":")),
    lambda d: json.dumps(d, indent="\t").replace('": ', '":  '),  # tabs and odd spacing: any layout
])
def test_ecs_moves_environment_to_secrets_in_any_layout(kit, layout):
    pw, key = kit.fake(seed="ecs-pw"), kit.fake(seed="ecs-key")
    before = layout(taskdef(pw, key))
    targets = [lit(kit, before, pw), lit(kit, before, key, "shop/api/vendor", None, fp="k")]
    rw = rewrite_text(before, "deploy/task.json", targets, opts(kms="alias/shop"))
    doc = json.loads(rw.text)
    c = doc["containerDefinitions"][0]
    assert c["environment"] == [{"name": "DEBUG", "value": "0"}]
    assert c["secrets"] == [{"name": "DB_PASSWORD", "valueFrom": f"{ARN}:password::"},
                            {"name": "API_KEY", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/api/vendor"}]
    assert {k: v for k, v in doc.items() if k != "containerDefinitions"} == \
        {k: v for k, v in json.loads(before).items() if k != "containerDefinitions"}
    assert pw not in rw.text and key not in rw.text and pw not in rw.diff and key not in rw.diff
    assert ("\n" in rw.text) == ("\n" in before.rstrip("\n"))  # one-line stays one line
    read, decrypt = rw.policy
    assert read["Action"] == ["secretsmanager:GetSecretValue"] and ARN in read["Resource"]
    assert decrypt["Action"] == "kms:Decrypt" and decrypt["Resource"] == ["arn:aws:kms:eu-west-1:123456789012:alias/shop"]
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com"}}
    assert [o.status for o in rw.outcomes] == ["applied", "applied"]
    again = rewrite_text(rw.text, "deploy/task.json", targets, opts())
    assert not again.changed and {o.status for o in again.outcomes} == {"skipped"}


def test_ecs_keeps_the_entry_layout_and_adds_to_existing_secrets(kit):
    pw = kit.fake(seed="ecs2")
    before = ('{\n  "containerDefinitions": [{\n    "name": "web",\n    "environment": [\n'
              f'      {{ "name": "DB_PASSWORD",  "value": "{pw}" }},\n      {{ "name": "X", "value": "1" }}\n    ],\n'
              '    "secrets": [\n      { "name": "OLD", "valueFrom": "arn:aws:ssm:eu-west-1:1:parameter/old" }\n    ]\n  }]\n}\n')
    rw = rewrite_text(before, "task.json", [lit(kit, before, pw)], opts())
    assert rw.text == before.replace(f'      {{ "name": "DB_PASSWORD",  "value": "{pw}" }},\n', "").replace(
        'parameter/old" }\n', f'parameter/old" }},\n      {{ "name": "DB_PASSWORD",  "valueFrom": "{ARN}:password::" }}\n')
    assert "no executionRoleArn" in " ".join(rw.messages)


def test_ecs_refuses_what_is_not_a_container_environment_value(kit):
    pw = kit.fake(seed="ecs3")
    before = json.dumps({"containerDefinitions": [{"name": "web", "command": [pw]}]}, indent=2)
    rw = rewrite_text(before, "task.json", [lit(kit, before, pw)], opts())
    assert rw.text == before and "not the value of a container's environment entry" in rw.outcomes[0].note


TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
# shop stack (comments survive)
Parameters:
  DbPassword:
    Type: String
    NoEcho: true
    Default: {pw}
Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      MasterUsername: admin
      MasterUserPassword: !Ref DbPassword   # rotated yearly
      DBInstanceClass: db.t3.micro
  Cache:
    Type: AWS::ElastiCache::ReplicationGroup
    Properties:
      AuthToken: "{tok}"
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Environment:
        Variables:
          API_KEY: '{key}'
          LOG_LEVEL: info
  Hook:
    Type: Custom::Notify
    Properties:
      ServiceToken: arn:aws:lambda:eu-west-1:1:function:x
      Password: {hook}
Outputs:
  Leaked:
    Value: {key2}
"""


def test_cloudformation_each_place_gets_what_it_allows(kit):
    v = {k: kit.fake(seed=f"cfn-{k}") for k in ("pw", "tok", "key", "hook", "key2")}
    before = TEMPLATE.format(**v)
    targets = [lit(kit, before, v["pw"]), lit(kit, before, v["tok"], "shop/cache/redis", "token", fp="t"),
               lit(kit, before, v["key"], "shop/api/vendor", "api_key", fp="k"),
               lit(kit, before, v["hook"], "shop/api/hook", None, fp="h"),
               lit(kit, before, v["key2"], "shop/db/postgresql", "password", fp="o")]
    rw = rewrite_text(before, "template.yaml", targets, opts())
    doc = cfn_load(rw.text)
    ref = "{{resolve:secretsmanager:shop/db/postgresql:SecretString:password}}"
    assert "Parameters" not in doc  # its only parameter went: dynamic references are not allowed there
    assert doc["Resources"]["Db"]["Properties"]["MasterUserPassword"] == ref
    assert doc["Resources"]["Cache"]["Properties"]["AuthToken"] == \
        "{{resolve:secretsmanager:shop/cache/redis:SecretString:token}}"
    assert doc["Resources"]["Fn"]["Properties"]["Environment"]["Variables"] == {
        "API_KEY_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/api/vendor", "LOG_LEVEL": "info"}
    assert doc["Resources"]["Hook"]["Properties"]["Password"] == v["hook"]  # custom resources cannot resolve
    assert doc["Outputs"]["Leaked"]["Value"] == ARN
    status = {o.target.fingerprint[:1]: o.status for o in rw.outcomes}
    assert status == {"S": "applied", "t": "applied", "k": "applied", "h": "skipped", "o": "applied"}
    assert "custom resources" in next(o.note for o in rw.outcomes if o.status == "skipped")
    assert "# shop stack (comments survive)" in rw.text and "   # rotated yearly" in rw.text
    assert rw.text.count("\n") < before.count("\n")
    for k in ("pw", "tok", "key", "key2"):
        assert v[k] not in rw.text and v[k] not in rw.diff


def test_cloudformation_parameter_used_in_sub_gives_a_patch_and_rds_option(kit):
    pw, master = kit.fake(seed="cfn-p"), kit.fake(seed="cfn-m")
    before = ('{"Parameters": {"Pw": {"Type": "String", "Default": "%s"}},\n "Resources": {\n'
              '  "Db": {"Type": "AWS::RDS::DBCluster", "Properties": {"MasterUserPassword": "%s", "Engine": "aurora-mysql"}},\n'
              '  "App": {"Type": "AWS::ECS::TaskDefinition", "Properties": {"Family": {"Fn::Sub": "x-${Pw}"}}}}}\n') % (pw, master)
    rw = rewrite_text(before, "stack.template", [lit(kit, before, pw), lit(kit, before, master, fp="m")],
                      opts(rds_managed_password=True))
    doc = json.loads(rw.text)
    assert doc["Resources"]["Db"]["Properties"] == {"ManageMasterUserPassword": True, "Engine": "aurora-mysql"}
    assert doc["Parameters"]["Pw"]["Default"] == pw  # left: the parameter feeds a !Sub
    patch = next(o for o in rw.outcomes if o.status == "patch")
    assert patch.applicability == "display-only" and "!Sub" in patch.note and pw not in patch.patch
    assert "ManageMasterUserPassword" in next(o.note for o in rw.outcomes if o.status == "applied")


def test_untargeted_templates_and_task_definitions_stay_byte_identical(kit):
    for path, text in (("t.yaml", TEMPLATE.format(pw="a", tok="b", key="c", hook="d", key2="e")),
                       ("task.json", json.dumps(taskdef("x", "y"), indent=3))):
        rw = rewrite_text(text, path, [], opts())
        assert rw.text == text and not rw.changed and rw.diff == ""
