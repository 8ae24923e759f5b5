"""Config-file edits: ECS task definitions, CloudFormation references, display-only suggestions."""
from __future__ import annotations

import json

import pytest

from secretshift.codemods.config_edits import EnvMove, cfn_resolve_literal, ecs_move_to_secrets, secret_arn, suggest
from secretshift.codemods.runner import sha256_text


def taskdef(pw: str, indent: int = 4, extra_secrets=None) -> dict:
    c = {"name": "web", "image": "shop:1", "environment": [
        {"name": "DJANGO_DEBUG", "value": "0"}, {"name": "DB_PASSWORD", "value": pw}]}
    if extra_secrets:
        c["secrets"] = extra_secrets
    return {"family": "shop", "containerDefinitions": [c]}


def test_ecs_environment_moves_to_secrets(kit):
    pw = kit.fake()
    before = json.dumps(taskdef(pw), indent=4) + "\n"
    edit = ecs_move_to_secrets(before, [EnvMove("DB_PASSWORD", "shop/db/postgresql", "password")], "eu-west-1", "123456789012")
    after = json.dumps({"family": "shop", "containerDefinitions": [{
        "name": "web", "image": "shop:1", "environment": [{"name": "DJANGO_DEBUG", "value": "0"}],
        "secrets": [{"name": "DB_PASSWORD",
                     "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db/postgresql:password::"}]}]},
        indent=4) + "\n"
    assert edit.changed and edit.text == after and edit.applicability == "unsafe"
    assert pw not in edit.diff and pw not in " ".join(edit.messages)
    again = ecs_move_to_secrets(edit.text, [EnvMove("DB_PASSWORD", "shop/db/postgresql", "password")], "eu-west-1", "123456789012")
    assert not again.changed and again.text == edit.text


def test_ecs_compact_layout_is_written_in_its_own_layout(kit):
    pw = kit.fake()
    before = json.dumps(taskdef(pw), separators=(",", ":"))
    edit = ecs_move_to_secrets(before, [EnvMove("DB_PASSWORD", "shop/db/postgresql")], "eu-west-1", "123456789012")
    assert edit.changed and "\n" not in edit.text and pw not in edit.text
    assert json.loads(edit.text)["containerDefinitions"][0]["secrets"] == [
        {"name": "DB_PASSWORD", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db/postgresql"}]
    assert '"valueFrom"' in edit.diff and pw not in edit.diff


def test_secret_arn_trailing_colons():
    assert secret_arn("us-east-1", "1", "a/b", "k").endswith(":secret:a/b:k::")
    assert secret_arn("us-east-1", "1", "a/b") == "arn:aws:secretsmanager:us-east-1:1:secret:a/b"


def test_cloudformation_yaml_literal(kit):
    pw = kit.fake()
    before = f"""Resources:
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      MasterUsername: admin
      MasterUserPassword: "{pw}"  # TODO rotate
"""
    line, col = 6, before.splitlines()[5].index(pw) + 1
    edit = cfn_resolve_literal(before, line, col, sha256_text(pw), "shop/db/rds", "password")
    assert edit.text == before.replace(f'"{pw}"', '"{{resolve:secretsmanager:shop/db/rds:SecretString:password}}"')
    assert "only picked up when the reference" in edit.messages[0] and pw not in edit.diff


def test_cloudformation_plain_scalar_and_json(kit):
    pw = kit.fake()
    yaml_before = f"      MasterUserPassword: {pw}\n"
    edit = cfn_resolve_literal(yaml_before, 1, 27, sha256_text(pw), "n", "password")
    assert edit.text == "      MasterUserPassword: '{{resolve:secretsmanager:n:SecretString:password}}'\n"
    json_before = f'{{\r\n  "MasterUserPassword": "{pw}",\r\n  "Port": 5432\r\n}}\r\n'
    col = json_before.splitlines()[1].index(pw) + 1
    edit = cfn_resolve_literal(json_before, 2, col, sha256_text(pw), "n", None, path="t.json")
    assert edit.text == '{\r\n  "MasterUserPassword": "{{resolve:secretsmanager:n}}",\r\n  "Port": 5432\r\n}\r\n'


def test_cloudformation_hash_mismatch(kit):
    before = f'      MasterUserPassword: "{kit.fake(seed="x")}"\n'
    edit = cfn_resolve_literal(before, 1, 28, sha256_text(kit.fake(seed="y")), "n", "password")
    assert not edit.changed and edit.text == before and "does not match" in edit.messages[0]


@pytest.mark.parametrize("kind, expected", [
    ("dotenv", "Remove DB_PASSWORD"),
    ("compose", ":secret:shop/db/postgresql:password::"),
    ("kubernetes", "remoteRef:\n        key: shop/db/postgresql\n        property: password"),
    ("terraform", 'jsondecode(data.aws_secretsmanager_secret_version.shop_db_postgresql.secret_string)["password"]'),
    ("github-actions", "aws-actions/aws-secretsmanager-get-secrets@v2"),
])
def test_display_only_suggestions(kind, expected):
    assert expected in suggest(kind, "DB_PASSWORD", "shop/db/postgresql", "password", "eu-west-1", "123456789012")
