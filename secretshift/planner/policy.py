"""Least-privilege IAM policy for the code that reads the migrated secrets, and the monthly cost.

Pure: region and account are ``*`` until known (``apply`` rewrites the policy with real ARNs).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

PRICE_PER_SECRET_MONTH = 0.40  # USD, AWS Secrets Manager list price
PRICE_PER_10K_CALLS = 0.05  # USD
SECONDS_PER_MONTH = 30 * 24 * 3600


def secret_arn_pattern(name: str, region: str | None, account: str | None) -> str:
    """Secrets Manager appends ``-`` and six random characters to a secret's name in its ARN: ``-??????``
    matches exactly those (``-*`` would also grant ``name-2``, another planned secret)."""
    return f"arn:aws:secretsmanager:{region or '*'}:{account or '*'}:secret:{name}-??????"


def kms_key_arn(key: str, region: str | None, account: str | None) -> str:
    if key.startswith("arn:"):
        return key
    if key.startswith("alias/"):
        return f"arn:aws:kms:{region or '*'}:{account or '*'}:{key}"
    return f"arn:aws:kms:{region or '*'}:{account or '*'}:key/{key}"


def iam_policy(names: Sequence[str], kms_keys: Sequence[str], region: str | None, account: str | None,
               arns: dict[str, str] | None = None,
               replicas: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """``GetSecretValue``/``DescribeSecret`` on exactly these secrets (and their replicas: ``name ->
    regions``, read by code running there); ``kms:Decrypt`` only via Secrets Manager."""
    replicas = replicas or {}
    resources: set[str] = set()
    for n in names:
        arn = (arns[n].rsplit("-", 1)[0] + "-??????") if arns and n in arns else secret_arn_pattern(n, region, account)
        resources.add(arn)
        parts = arn.split(":")
        for r in replicas.get(n, ()):
            resources.add(":".join([*parts[:3], r, *parts[4:]]))
    statements: list[dict[str, Any]] = [{
        "Sid": "ReadMigratedSecrets",
        "Effect": "Allow",
        "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        "Resource": sorted(resources),
    }]
    if kms_keys:
        regions = sorted({region or "*", *(r for rs in replicas.values() for r in rs)})
        via = [f"secretsmanager.{r}.amazonaws.com" for r in regions]
        statements.append({
            "Sid": "DecryptMigratedSecrets",
            "Effect": "Allow",
            "Action": ["kms:Decrypt", "kms:DescribeKey"],
            "Resource": sorted({kms_key_arn(k, region, account) for k in kms_keys}),
            "Condition": {"StringEquals": {"kms:ViaService": via[0] if len(via) == 1 else via}},
        })
    if not names:
        return {}
    return {"Version": "2012-10-17", "Statement": statements}


def cost_estimate(secrets: int, ttl_seconds: int, processes: int = 1, replicas: int = 0) -> dict[str, Any]:
    """USD per month: storage plus API calls, assuming each process refetches each secret once per TTL.
    Each replica (one secret in one more region) is billed as a secret of its own."""
    calls = secrets * processes * (SECONDS_PER_MONTH // max(ttl_seconds, 1))
    storage = round((secrets + replicas) * PRICE_PER_SECRET_MONTH, 2)
    api = round(calls / 10_000 * PRICE_PER_10K_CALLS, 2)
    extra = {"replicas": replicas} if replicas else {}
    return {
        "secrets": secrets,
        **extra,
        "storage_usd": storage,
        "api_calls_per_month": calls,
        "api_usd": api,
        "total_usd_per_month": round(storage + api, 2),
        "assumptions": f"USD {PRICE_PER_SECRET_MONTH:.2f} per secret{' and per replica' if replicas else ''} per "
                       f"month, USD {PRICE_PER_10K_CALLS:.2f} per "
                       f"10,000 calls; {processes} process(es) each reading every secret once per "
                       f"{ttl_seconds} s cache TTL",
    }


# --- additions for the AWS lifecycle (issue 16): resource policies and the admin policy ------------------

def resource_policy(readers: Sequence[str]) -> dict[str, Any]:
    """A secret's resource policy: the roles the plan names may read it (``Resource: "*"`` means the
    secret the policy is attached to). Put with ``BlockPublicPolicy``, so a wildcard principal is refused."""
    if not readers:
        return {}
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "ReadersNamedInThePlan",
        "Effect": "Allow",
        "Principal": {"AWS": sorted(set(readers))},
        "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        "Resource": "*",
    }]}


# What each part of a migration calls (keys of secretshift.aws.gateway.GATEWAY_ACTIONS). The admin
# policy grants exactly the actions of the parts a migration uses; a test runs each part against moto
# and checks that every call it made is covered.
FEATURE_OPS: dict[str, tuple[str, ...]] = {
    "create": ("secretsmanager:describe_secret", "secretsmanager:get_secret_value", "secretsmanager:create_secret",
               "secretsmanager:put_secret_value", "secretsmanager:tag_resource"),
    "kms": ("kms:describe_key",),
    "rotation": ("secretsmanager:rotate_secret", "secretsmanager:list_secret_version_ids",
                 "secretsmanager:describe_secret", "secretsmanager:get_secret_value",
                 "secretsmanager:put_secret_value"),
    "replication": ("secretsmanager:replicate_secret_to_regions", "secretsmanager:describe_secret",
                    "secretsmanager:get_secret_value"),
    "resource-policy": ("secretsmanager:put_resource_policy", "secretsmanager:get_resource_policy"),
    "alarm": ("events:put_rule", "events:put_targets", "events:describe_rule", "cloudwatch:put_metric_alarm",
              "cloudwatch:describe_alarms"),
    "parameters": ("ssm:put_parameter", "ssm:get_parameter"),
    # not part of migrate: `secretshift rollback` and `secretshift audit`
    "rollback": ("secretsmanager:describe_secret", "secretsmanager:list_secret_version_ids",
                 "secretsmanager:update_secret_version_stage"),
    "tags": ("secretsmanager:tag_resource",),
    "audit": ("secretsmanager:describe_secret",),
    "rds-managed": ("rds:describe_db_instances", "rds:modify_db_instance"),
}


def admin_policy(names: Sequence[str], features: Sequence[str], region: str | None, account: str | None,
                 kms_keys: Sequence[str] = (), lambda_arns: Sequence[str] = (), parameter_prefix: str | None = None,
                 replica_regions: Sequence[str] = ()) -> dict[str, Any]:
    """The policy for the person (or CI role) running the migration: the actions of ``features`` only,
    on the planned secrets (every region when there are replicas), keys, functions and parameters."""
    from ..aws.gateway import GATEWAY_ACTIONS

    ops = sorted({op for f in ("create", *features) for op in FEATURE_OPS[f]})
    by_service: dict[str, list[str]] = {}
    for op in ops:
        by_service.setdefault(op.split(":", 1)[0], []).append(GATEWAY_ACTIONS[op])
    sm_region = "*" if replica_regions else region
    statements: list[dict[str, Any]] = []
    if names:
        statements.append({"Sid": "ManageMigratedSecrets", "Effect": "Allow",
                           "Action": sorted(set(by_service.get("secretsmanager", []))),
                           "Resource": sorted(secret_arn_pattern(n, sm_region, account) for n in names)})
    if kms_keys:
        statements.append({"Sid": "UseMigrationKeys", "Effect": "Allow",
                           "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"],
                           "Resource": sorted({kms_key_arn(k, region, account) for k in kms_keys}),
                           "Condition": {"StringLike": {"kms:ViaService": "secretsmanager.*.amazonaws.com"}}})
        statements.append({"Sid": "CheckMigrationKeys", "Effect": "Allow", "Action": ["kms:DescribeKey"],
                           "Resource": sorted({kms_key_arn(k, region, account) for k in kms_keys})})
    if "rotation" in features and lambda_arns:
        # RotateSecret also needs permission to invoke the rotation function
        statements.append({"Sid": "InvokeRotationFunctions", "Effect": "Allow", "Action": ["lambda:InvokeFunction"],
                           "Resource": sorted(set(lambda_arns))})
    if "alarm" in features:
        statements.append({"Sid": "RotationFailureAlarm", "Effect": "Allow",
                           "Action": sorted(set(by_service["events"] + by_service["cloudwatch"])), "Resource": "*"})
    if "rds-managed" in features:
        statements.append({"Sid": "ManagedMasterPasswords", "Effect": "Allow", "Action": sorted(set(by_service["rds"])),
                           "Resource": f"arn:aws:rds:{region or '*'}:{account or '*'}:db:*"})
    if "parameters" in features:
        prefix = (parameter_prefix or "").strip("/")
        statements.append({"Sid": "ConfigurationParameters", "Effect": "Allow",
                           "Action": sorted(set(by_service["ssm"])),
                           "Resource": f"arn:aws:ssm:{region or '*'}:{account or '*'}:parameter/{prefix + '/' if prefix else ''}*"})
    return {"Version": "2012-10-17", "Statement": statements} if statements else {}
