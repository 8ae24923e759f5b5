"""The emitted CloudFormation passes cfn-lint; the emitted Terraform parses (tree-sitter HCL) and uses
only resource types, attributes and blocks of the hashicorp/aws provider (allow-list below, written
from the provider's documentation), with every reference declared. Neither holds a value."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from secretshift.iac import cloudformation, terraform
from secretshift.planner.lifecycle import Lifecycle, of_plan, parse_lifecycle
from secretshift.planner.model import Location, Plan, PlannedSecret, ValueSource
from secretshift.scanner.samples import expand

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:ops-alerts"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/shop-web"
LAMBDA = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:stripe-rotation"
MASTER = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:production/db/admin-AbCdEf"
# a value that must never appear: the plan never holds one, and the emitters never read one
NEVER = expand("{{rand:alnum:24}}", "iac-never")


def _secret(name, rotation, kms=None, lifecycle=None):
    loc = Location("app/settings.py", 3, 14, 3, 38, "SS105", f"SS105:{abs(hash(name)) % 10**12:012d}", "PASSWORD")
    return PlannedSecret(id=name.replace("/", "-"), name=name, description=f"{name} from app/settings.py",
                         rotation=rotation, values=(ValueSource("password", "literal", (loc,)),), rewrites=(),
                         tags={"secretshift:managed": "true", "secretshift:source": "app/settings.py"}, kms_key_id=kms,
                         lifecycle=lifecycle or {})


PLAN_WIDE = {"rotate": {"days": 30, "lambda_arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:db-rotation"},
             "replicas": ["eu-west-1=alias/shop-eu"], "readers": [ROLE], "alarm_topic": TOPIC}


@pytest.fixture(scope="module")
def plan():
    return Plan(prefix="production", region="us-east-1", lifecycle=parse_lifecycle(PLAN_WIDE).to_dict(), secrets=(
        _secret("production/db/postgresql", "database-password", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
                {"rotate": {"days": 30}}),
        _secret("production/db/mysql", "database-password", None,
                {"rotate": {"strategy": "alternating", "days": 14, "master_secret_arn": MASTER}}),
        _secret("production/api/stripe", "stripe-key", None,
                {"rotate": {"lambda_arn": LAMBDA, "schedule": "rate(60 days)"}}),
        _secret("production/api/github", "github-token")))


@pytest.fixture(scope="module")
def lifecycle(plan):
    return of_plan(plan)[0]


@pytest.fixture(scope="module")
def per_secret(plan):
    return of_plan(plan)[1]


def test_cloudformation_passes_cfn_lint_and_holds_the_lifecycle(plan, lifecycle, per_secret):
    from cfnlint.api import ManualArgs, lint

    text = cloudformation.render(plan, lifecycle, per_secret)
    assert NEVER not in text and "SecretString" not in text and "GenerateSecretString" not in text
    matches = lint(text, config=ManualArgs(regions=["us-east-1"]))
    assert [m for m in matches if m.rule.id[0] in "EW"] == []
    t = yaml.safe_load(text)
    assert t["Transform"] == "AWS::SecretsManager-2020-07-23"
    res = t["Resources"]
    pg = res["ProductionDbPostgresql"]["Properties"]
    assert pg["ReplicaRegions"] == [{"Region": "eu-west-1", "KmsKeyId": "alias/shop-eu"}]
    assert pg["KmsKeyId"].startswith("arn:aws:kms:")
    hosted = res["ProductionDbPostgresqlRotation"]["Properties"]["HostedRotationLambda"]
    assert hosted["RotationType"] == "PostgreSQLSingleUser" and hosted["KmsKeyArn"] == pg["KmsKeyId"]
    mysql = res["ProductionDbMysqlRotation"]["Properties"]
    assert mysql["HostedRotationLambda"]["RotationType"] == "MySQLMultiUser"
    assert mysql["HostedRotationLambda"]["MasterSecretArn"] == MASTER
    assert mysql["RotationRules"] == {"AutomaticallyAfterDays": 14}
    stripe = res["ProductionApiStripeRotation"]["Properties"]
    assert stripe["RotationLambdaARN"] == LAMBDA and stripe["RotationRules"] == {"ScheduleExpression": "rate(60 days)"}
    pol = res["ProductionApiStripePolicy"]["Properties"]
    assert pol["BlockPublicPolicy"] is True and pol["ResourcePolicy"]["Statement"][0]["Principal"] == {"AWS": [ROLE]}
    read = res["ReadMigratedSecretsPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert read[0]["Resource"] == [{"Ref": "ProductionDbPostgresql"}, {"Ref": "ProductionDbMysql"},
                                   {"Ref": "ProductionApiStripe"}, {"Ref": "ProductionApiGithub"}]
    # the plan-wide function is AWS's database function: the GitHub token gets none (its own comes later)
    assert "ProductionApiGithubRotation" not in res
    assert read[1]["Action"] == ["kms:Decrypt", "kms:DescribeKey"]
    assert res["RotationFailureRule"]["Properties"]["Targets"] == [{"Arn": TOPIC, "Id": "sns-topic"}]
    assert res["RotationFailureAlarm"]["Properties"]["AlarmActions"] == [TOPIC]


def test_cloudformation_without_hosted_rotation_has_no_transform(plan):
    from dataclasses import replace

    bare = replace(plan, lifecycle={}, secrets=tuple(replace(s, lifecycle={}) for s in plan.secrets))
    text = cloudformation.render(bare, Lifecycle())
    t = yaml.safe_load(text)
    assert "Transform" not in t and "Parameters" not in t
    assert sorted(r["Type"] for r in t["Resources"].values()) == ["AWS::IAM::ManagedPolicy"] + \
        ["AWS::SecretsManager::Secret"] * 4
    from cfnlint.api import ManualArgs, lint

    assert [m for m in lint(text, config=ManualArgs(regions=["us-east-1"])) if m.rule.id[0] in "EW"] == []


# --- Terraform: allow-list from the hashicorp/aws provider documentation ------------------------------
TF = {
    "aws_secretsmanager_secret": {
        "attrs": {"name", "name_prefix", "description", "kms_key_id", "policy", "recovery_window_in_days",
                  "force_overwrite_replica_secret", "tags"},
        "blocks": {"replica": {"region", "kms_key_id"}}, "required": set()},
    "aws_secretsmanager_secret_policy": {"attrs": {"secret_arn", "policy", "block_public_policy"}, "blocks": {},
                                         "required": {"secret_arn", "policy"}},
    "aws_secretsmanager_secret_rotation": {
        "attrs": {"secret_id", "rotation_lambda_arn", "rotate_immediately"},
        "blocks": {"rotation_rules": {"automatically_after_days", "duration", "schedule_expression"}},
        "required": {"secret_id", "rotation_rules"}},
    "aws_iam_policy": {"attrs": {"name", "name_prefix", "description", "path", "policy", "tags"}, "blocks": {},
                       "required": {"policy"}},
    "aws_cloudwatch_event_rule": {"attrs": {"name", "name_prefix", "description", "event_pattern", "event_bus_name",
                                            "schedule_expression", "state", "role_arn", "tags"}, "blocks": {},
                                  "required": set()},
    "aws_cloudwatch_event_target": {"attrs": {"rule", "target_id", "arn", "event_bus_name", "input", "role_arn"},
                                    "blocks": {}, "required": {"rule", "arn"}},
    "aws_cloudwatch_metric_alarm": {
        "attrs": {"alarm_name", "alarm_description", "namespace", "metric_name", "dimensions", "statistic", "period",
                  "evaluation_periods", "threshold", "comparison_operator", "treat_missing_data", "alarm_actions",
                  "ok_actions", "insufficient_data_actions", "datapoints_to_alarm", "unit", "tags"},
        "blocks": {}, "required": {"alarm_name", "comparison_operator", "evaluation_periods"}},
}
TOP = {"terraform", "resource", "variable", "output", "data"}


def _parse(text):
    from secretshift.scanner.treesitter import parser_for

    tree = parser_for("hcl").parse(text.encode())
    assert not tree.root_node.has_error, "the module does not parse as HCL"
    return tree.root_node


def _blocks(body):
    for n in body.children:
        if n.type == "block":
            ident = n.children[0].text.decode()
            labels = [c.text.decode().strip('"') for c in n.children if c.type == "string_lit"]
            inner = next(c for c in n.children if c.type == "body") if any(c.type == "body" for c in n.children) else None
            yield ident, labels, inner


def _attrs(body):
    return {n.children[0].text.decode(): n for n in (body.children if body else []) if n.type == "attribute"}


def test_terraform_parses_and_uses_only_known_resources_and_attributes(plan, lifecycle, per_secret):
    text = terraform.render(plan, lifecycle, per_secret)
    assert NEVER not in text and "secret_string" not in text and "aws_secretsmanager_secret_version" not in text
    root = _parse(text)
    declared, variables, data = set(), set(), set()
    found_types: dict[str, list] = {}
    for kind, labels, body in _blocks(next(c for c in root.children if c.type == "body")):
        assert kind in TOP
        if kind == "resource":
            rtype, name = labels
            assert rtype in TF, f"{rtype} is not in the allow-list"
            spec = TF[rtype]
            attrs = _attrs(body)
            assert set(attrs) <= spec["attrs"], f"{rtype}.{name}: {set(attrs) - spec['attrs']}"
            nested = {k: _attrs(b) for k, _, b in _blocks(body)}
            assert set(nested) <= set(spec["blocks"]), f"{rtype}.{name}: {set(nested)}"
            for k, a in nested.items():
                assert set(a) <= spec["blocks"][k]
            assert spec["required"] <= set(attrs) | set(nested), f"{rtype}.{name} misses {spec['required']}"
            declared.add(f"{rtype}.{name}")
            found_types.setdefault(rtype, []).append((name, attrs, nested))
        elif kind == "variable":
            variables.add(labels[0])
        elif kind == "data":
            data.add(".".join(labels))
    for ref in set(re.findall(r"(?<!data\.)\b(aws_[a-z0-9_]+\.[a-z0-9_]+)\.(?:arn|id|name)\b", text)):
        assert ref in declared, f"{ref} is referenced but not declared"
    # a database without a function gets a variable for AWS's; an API key without its own gets no rotation
    assert set(re.findall(r"\bvar\.([a-z0-9_]+)", text)) == variables == {
        "production_db_postgresql_rotation_lambda_arn", "production_db_mysql_rotation_lambda_arn"}
    assert "production_api_github" not in {n for n, _, _ in found_types["aws_secretsmanager_secret_rotation"]}
    assert set(re.findall(r"\bdata\.([a-z0-9_]+\.[a-z0-9_]+)", text)) <= data
    assert len(found_types["aws_secretsmanager_secret"]) == 4
    pg = dict((n, (a, b)) for n, a, b in found_types["aws_secretsmanager_secret"])["production_db_postgresql"]
    assert pg[0]["name"].text.decode().endswith('"production/db/postgresql"')
    assert pg[1]["replica"]["region"].text.decode().endswith('"eu-west-1"')
    rotations = {n: b["rotation_rules"] for n, _, b in found_types["aws_secretsmanager_secret_rotation"]}
    assert rotations["production_api_stripe"]["schedule_expression"].text.decode().endswith('"rate(60 days)"')
    assert rotations["production_db_mysql"]["automatically_after_days"].text.decode().endswith("14")
    policies = found_types["aws_secretsmanager_secret_policy"]
    assert len(policies) == 4 and all(a["block_public_policy"].text.decode().endswith("true") for _, a, _ in policies)
    assert len(found_types["aws_cloudwatch_metric_alarm"]) == 1


def test_terraform_strings_are_escaped():
    assert terraform.value('a"b${c}%{d}\\') == '"a\\"b$${c}%%{d}\\\\"'
    root = _parse(terraform.block("resource", ("aws_iam_policy", "p"), [("description", 'x"${y}'),
                                                                       ("policy", terraform.jsonencode({"a": [1]}))]))
    assert json.loads(json.dumps(1)) == 1 and root.child_count == 1


@pytest.mark.parametrize("route_id", ["stripe-key", "slack-token"])
def test_rotation_function_skeleton_and_its_sam_template(route_id):
    from cfnlint.api import ManualArgs, lint

    from secretshift.aws import lambda_skeleton
    from secretshift.reporters.rotation_routes import load_routes

    route = next(r for r in load_routes()["routes"] if r["id"] == route_id)
    files = lambda_skeleton.render(route, "production/api/vendor", days=45)
    assert [m for m in lint(files["template.yaml"], config=ManualArgs(regions=["us-east-1"]))
            if m.rule.id[0] in "EW"] == []
    tmpl = yaml.safe_load(files["template.yaml"].replace("!Ref ", "").replace("!GetAtt ", ""))
    assert tmpl["Resources"]["RotationPermission"]["Properties"]["Principal"] == "secretsmanager.amazonaws.com"
    code = files["rotation_function.py"]
    compile(code, "rotation_function.py", "exec")
    for fn in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        assert f'"{fn}"' in code
    issue = code[code.index("def issue_new_credential"):code.index("def activate_credential")]
    revoke = code[code.index("def revoke_credential"):code.index("# --- the rotation protocol")]
    if route_id == "stripe-key":  # a dashboard only: said plainly
        assert "NO API KNOWN" in issue and "dashboard.stripe.com/apikeys" in issue
    else:  # Slack has an API to revoke: quoted where the TODO is
        assert "auth.revoke" in revoke and "NO API KNOWN" not in revoke
    assert "put-secret-value" not in issue + revoke  # storing is the function's own createSecret step
    assert "--days 45" in files["README.md"] and max(len(x) for x in issue.splitlines()) <= 110
