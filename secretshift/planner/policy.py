"""Least-privilege IAM policy for the code that reads the migrated secrets, and the monthly cost.

Pure: region and account are ``*`` until known (``apply`` rewrites the policy with real ARNs).
"""
from __future__ import annotations

from typing import Any, Sequence

PRICE_PER_SECRET_MONTH = 0.40  # USD, AWS Secrets Manager list price
PRICE_PER_10K_CALLS = 0.05  # USD
SECONDS_PER_MONTH = 30 * 24 * 3600


def secret_arn_pattern(name: str, region: str | None, account: str | None) -> str:
    """Secrets Manager appends ``-`` and six random characters to a secret's name in its ARN."""
    return f"arn:aws:secretsmanager:{region or '*'}:{account or '*'}:secret:{name}-*"


def kms_key_arn(key: str, region: str | None, account: str | None) -> str:
    if key.startswith("arn:"):
        return key
    if key.startswith("alias/"):
        return f"arn:aws:kms:{region or '*'}:{account or '*'}:{key}"
    return f"arn:aws:kms:{region or '*'}:{account or '*'}:key/{key}"


def iam_policy(names: Sequence[str], kms_keys: Sequence[str], region: str | None, account: str | None,
               arns: dict[str, str] | None = None) -> dict[str, Any]:
    """``GetSecretValue``/``DescribeSecret`` on exactly these secrets; ``kms:Decrypt`` only via Secrets Manager."""
    resources = sorted(
        (arns[n].rsplit("-", 1)[0] + "-*") if arns and n in arns else secret_arn_pattern(n, region, account)
        for n in names)
    statements: list[dict[str, Any]] = [{
        "Sid": "ReadMigratedSecrets",
        "Effect": "Allow",
        "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        "Resource": resources,
    }]
    if kms_keys:
        statements.append({
            "Sid": "DecryptMigratedSecrets",
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": sorted(kms_key_arn(k, region, account) for k in kms_keys),
            "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region or '*'}.amazonaws.com"}},
        })
    if not names:
        return {}
    return {"Version": "2012-10-17", "Statement": statements}


def cost_estimate(secrets: int, ttl_seconds: int, processes: int = 1) -> dict[str, Any]:
    """USD per month: storage plus API calls, assuming each process refetches each secret once per TTL."""
    calls = secrets * processes * (SECONDS_PER_MONTH // max(ttl_seconds, 1))
    storage = round(secrets * PRICE_PER_SECRET_MONTH, 2)
    api = round(calls / 10_000 * PRICE_PER_10K_CALLS, 2)
    return {
        "secrets": secrets,
        "storage_usd": storage,
        "api_calls_per_month": calls,
        "api_usd": api,
        "total_usd_per_month": round(storage + api, 2),
        "assumptions": f"USD {PRICE_PER_SECRET_MONTH:.2f} per secret per month, USD {PRICE_PER_10K_CALLS:.2f} per "
                       f"10,000 calls; {processes} process(es) each reading every secret once per "
                       f"{ttl_seconds} s cache TTL",
    }
