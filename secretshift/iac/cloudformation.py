"""The plan as a CloudFormation template (YAML): secrets without values, resource policies (with
``BlockPublicPolicy``), rotation schedules (AWS's hosted rotation functions for databases, through the
``AWS::SecretsManager-2020-07-23`` transform, or the function the plan names), replicas, the read
policy as a managed policy, and the rotation failure rule and alarm."""
from __future__ import annotations

import json
from typing import Any, Mapping

from ..aws.alarms import EVENT_PATTERN, RULE_NAME, alarm_definition
from ..planner.lifecycle import Lifecycle, SecretLifecycle
from .model import IacSecret, read_policy, secrets_of

HOSTED_TRANSFORM = "AWS::SecretsManager-2020-07-23"
MAX_RESOURCES = 500  # per stack


def _ref(logical_id: str) -> dict[str, str]:
    return {"Ref": logical_id}


def _rotation(s: IacSecret) -> dict[str, Any] | None:
    r = s.rotate
    if r is None:
        return None
    props: dict[str, Any] = {"SecretId": _ref(s.logical_id),
                             "RotationRules": {"ScheduleExpression": r.schedule} if r.schedule
                             else {"AutomaticallyAfterDays": r.days},
                             # the secret has no value until apply puts it: the first rotation waits for that
                             "RotateImmediatelyOnUpdate": False}
    if r.lambda_arn:
        props["RotationLambdaARN"] = r.lambda_arn
    elif s.engine:
        hosted: dict[str, Any] = {"RotationType": f"{s.engine}{'MultiUser' if r.strategy == 'alternating' else 'SingleUser'}",
                                  "RotationLambdaName": f"{s.logical_id}Rotation"[:64],
                                  "VpcSecurityGroupIds": {"Fn::Join": [",", _ref("RotationSecurityGroupIds")]},
                                  "VpcSubnetIds": {"Fn::Join": [",", _ref("RotationSubnetIds")]}}
        if r.strategy == "alternating" and r.master_secret_arn:
            hosted["MasterSecretArn"] = r.master_secret_arn
        if s.kms_key_id and s.kms_key_id.startswith("arn:"):  # the function decrypts with the secret's key
            hosted["KmsKeyArn"] = s.kms_key_id
        props["HostedRotationLambda"] = hosted
    else:
        return None  # a third-party key: its function is reviewed and deployed separately (rotation-lambda)
    return {"Type": "AWS::SecretsManager::RotationSchedule", "Properties": props}


def template(plan: Any, lifecycle: Lifecycle, per_secret: Mapping[str, SecretLifecycle] | None = None) -> dict[str, Any]:
    secrets = secrets_of(plan, lifecycle, per_secret)
    res: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    hosted = False
    for s in secrets:
        props: dict[str, Any] = {"Name": s.name, "Description": s.description or f"{s.name} (secretshift)",
                                 "Tags": [{"Key": k, "Value": v} for k, v in sorted(s.tags.items())]}
        if s.kms_key_id:
            props["KmsKeyId"] = s.kms_key_id
        if s.replicas:
            props["ReplicaRegions"] = [{"Region": r, **({"KmsKeyId": k} if k else {})} for r, k in s.replicas]
        res[s.logical_id] = {"Type": "AWS::SecretsManager::Secret", "Properties": props,
                             "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}
        outputs[f"{s.logical_id}Arn"] = {"Description": s.name, "Value": _ref(s.logical_id)}
        if s.readers:
            res[f"{s.logical_id}Policy"] = {"Type": "AWS::SecretsManager::ResourcePolicy", "Properties": {
                "SecretId": _ref(s.logical_id), "ResourcePolicy": s.policy, "BlockPublicPolicy": True}}
        rot = _rotation(s)
        if rot:
            res[f"{s.logical_id}Rotation"] = rot
            hosted = hosted or "HostedRotationLambda" in rot["Properties"]
    pol = read_policy(secrets, lambda s: _ref(s.logical_id), getattr(plan, "region", None), None)
    if pol:
        for st in pol["Statement"][1:]:  # kms:ViaService with the stack's own region
            st["Condition"] = {"StringEquals": {"kms:ViaService": {"Fn::Sub": "secretsmanager.${AWS::Region}.amazonaws.com"}}}
        res["ReadMigratedSecretsPolicy"] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Description": "Read the secrets secretshift migrated (attach it to the application's role)",
            "PolicyDocument": pol}}
        outputs["ReadMigratedSecretsPolicyArn"] = {"Value": _ref("ReadMigratedSecretsPolicy")}
    if lifecycle.alarm_topic:
        res["RotationFailureRule"] = {"Type": "AWS::Events::Rule", "Properties": {
            "Name": RULE_NAME, "Description": "Secrets Manager rotation failures (secretshift)",
            "EventPattern": EVENT_PATTERN, "State": "ENABLED",
            "Targets": [{"Arn": lifecycle.alarm_topic, "Id": "sns-topic"}]}}
        res["RotationFailureAlarm"] = {"Type": "AWS::CloudWatch::Alarm", "DependsOn": "RotationFailureRule",
                                       "Properties": alarm_definition(lifecycle.alarm_topic)}
    out: dict[str, Any] = {"AWSTemplateFormatVersion": "2010-09-09"}
    if hosted:
        out["Transform"] = HOSTED_TRANSFORM
    out["Description"] = ("Secrets planned by secretshift. No secret values: after deploying, put them with "
                          "'secretshift apply .secretshift/plan.yaml'")
    if hosted:
        out["Parameters"] = {
            "RotationSubnetIds": {"Type": "CommaDelimitedList",
                                  "Description": "Subnets from which the rotation function reaches the database"},
            "RotationSecurityGroupIds": {"Type": "CommaDelimitedList",
                                         "Description": "Security groups that let the rotation function reach the database"}}
    out["Resources"] = res
    out["Outputs"] = outputs
    return out


def render(plan: Any, lifecycle: Lifecycle, per_secret: Mapping[str, SecretLifecycle] | None = None,
           fmt: str = "yaml") -> str:
    t = template(plan, lifecycle, per_secret)
    if fmt == "json":
        return json.dumps(t, indent=2) + "\n"
    import yaml

    head = "# Generated by secretshift from .secretshift/plan.yaml. No secret values are in this file.\n"
    return head + yaml.safe_dump(t, sort_keys=False, width=110)
