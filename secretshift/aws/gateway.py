"""The only code that talks to AWS (Secrets Manager first): a thin gateway over an injected boto3 client.

Retries throttling, 5xx and dropped connections with exponential backoff and jitter (our own loop,
so tests can shrink the delays; botocore's own retries are turned off in ``make_client``). Every
failure the user must act on becomes an ``AwsActionError`` with one line and no secret value.
"""
from __future__ import annotations

import hashlib
import os
import random
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from ..base.errors import AwsActionError

RETRY_CODES = {"ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded",
               "InternalServiceError", "InternalFailure", "ServiceUnavailable", "RequestTimeout"}
DEFAULT_ATTEMPTS = 6


class EndpointUnreachable(AwsActionError):
    """No answer from the endpoint after the retries (exit 2; the run can be resumed)."""


@dataclass(frozen=True)
class ClientSettings:
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    other_endpoint: str | None = None  # other services: None = same as endpoint_url, "" = botocore decides

    @classmethod
    def from_env(cls, region: str | None = None, profile: str | None = None,
                 endpoint_url: str | None = None, env: dict[str, str] | None = None) -> ClientSettings:
        env = dict(os.environ) if env is None else env
        return cls(
            region=region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
            profile=profile or env.get("AWS_PROFILE"),
            endpoint_url=endpoint_url or env.get("AWS_ENDPOINT_URL_SECRETS_MANAGER") or env.get("AWS_ENDPOINT_URL"),
            other_endpoint=endpoint_url or env.get("AWS_ENDPOINT_URL") or "",
        )

    def service_endpoint(self, service: str) -> str | None:
        """Endpoint of another service (KMS, SSM, EventBridge ...): ``--endpoint-url`` / ``AWS_ENDPOINT_URL``
        (an emulator serves them all), else botocore's own (``AWS_ENDPOINT_URL_<SERVICE>`` is honoured
        by botocore itself)."""
        if self.other_endpoint is None:  # built directly (``--local``): one emulator serves every service
            return self.endpoint_url
        return self.other_endpoint or None


def make_client(cfg: ClientSettings, boto_session: Any, service: str = "secretsmanager",
                region: str | None = None) -> Any:
    """A boto3 client for ``service`` (default Secrets Manager), in ``region`` when given (a replica's
    region), from ``boto_session`` (``boto_session_for``: one per run, so service models load once).
    botocore retries off: the gateway retries.

    :raises AwsActionError: no region, or an endpoint that is not a URL.
    """
    import botocore.config

    region = region or boto_session.region_name
    if not region:
        raise AwsActionError("no AWS region: set AWS_REGION or pass --region")
    conf = botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20)
    endpoint = cfg.endpoint_url if service == "secretsmanager" else cfg.service_endpoint(service)
    try:
        return boto_session.client(service, region_name=region, endpoint_url=endpoint, config=conf)
    except ValueError:  # botocore: "Invalid endpoint" (an AWS_ENDPOINT_URL that is not a URL)
        shown = " ".join(str(endpoint).split())
        raise AwsActionError(f"invalid endpoint URL '{shown[:80]}{'...' if len(shown) > 80 else ''}' "
                             f"(--endpoint-url, AWS_ENDPOINT_URL)") from None


def boto_session_for(cfg: ClientSettings, credentials: dict[str, str] | None = None) -> Any:
    """:raises AwsActionError: unknown profile."""
    import boto3
    import botocore.exceptions

    try:
        return boto3.session.Session(profile_name=cfg.profile, region_name=cfg.region, **(credentials or {}))
    except botocore.exceptions.ProfileNotFound:
        raise AwsActionError(f"AWS profile '{cfg.profile}' not found") from None


def request_token(name: str, secret_string: str) -> str:
    """ClientRequestToken derived from the content (salted with the name): a retried or repeated
    write of the same content is the same request and creates no new version."""
    h = hashlib.sha256(f"secretshift\0{name}\0{secret_string}".encode("utf-8", "surrogatepass")).digest()
    return str(uuid.UUID(bytes=h[:16]))


# Every AWS operation a gateway may call, as "service:operation" -> the IAM action it needs. The admin
# policy (``secretshift.planner.policy.admin_policy``) is built from this table, and a test checks that
# every operation this package calls is in it.
GATEWAY_ACTIONS: dict[str, str] = {
    "secretsmanager:describe_secret": "secretsmanager:DescribeSecret",
    "secretsmanager:get_secret_value": "secretsmanager:GetSecretValue",
    "secretsmanager:create_secret": "secretsmanager:CreateSecret",
    "secretsmanager:put_secret_value": "secretsmanager:PutSecretValue",
    "secretsmanager:tag_resource": "secretsmanager:TagResource",
    "secretsmanager:rotate_secret": "secretsmanager:RotateSecret",
    "secretsmanager:list_secret_version_ids": "secretsmanager:ListSecretVersionIds",
    "secretsmanager:update_secret_version_stage": "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:replicate_secret_to_regions": "secretsmanager:ReplicateSecretToRegions",
    "secretsmanager:put_resource_policy": "secretsmanager:PutResourcePolicy",
    "secretsmanager:get_resource_policy": "secretsmanager:GetResourcePolicy",
    "kms:describe_key": "kms:DescribeKey",
    "ssm:put_parameter": "ssm:PutParameter",
    "ssm:get_parameter": "ssm:GetParameter",
    "events:put_rule": "events:PutRule",
    "events:put_targets": "events:PutTargets",
    "events:describe_rule": "events:DescribeRule",
    "cloudwatch:put_metric_alarm": "cloudwatch:PutMetricAlarm",
    "cloudwatch:describe_alarms": "cloudwatch:DescribeAlarms",
    "rds:describe_db_instances": "rds:DescribeDBInstances",
    "rds:modify_db_instance": "rds:ModifyDBInstance",
}
LABELS = {"secretsmanager": "Secrets Manager", "kms": "KMS", "ssm": "Parameter Store", "events": "EventBridge",
          "cloudwatch": "CloudWatch", "rds": "RDS"}


class SecretsGateway:
    """Describe, read, create and update secrets with retries. ``client`` is a boto3 client (of Secrets
    Manager, or of another service for ``call``: KMS, SSM, EventBridge ...)."""

    def __init__(self, client: Any, attempts: int = DEFAULT_ATTEMPTS, base_delay: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep, on_retry: Callable[[str], None] | None = None) -> None:
        self.client = client
        self.attempts = max(1, attempts)
        self.base_delay = base_delay
        self.sleep = sleep
        self.on_retry = on_retry
        meta = getattr(client, "meta", None)
        self.service = getattr(getattr(meta, "service_model", None), "service_name", "secretsmanager")
        self.label = LABELS.get(self.service, self.service)
        self.region = getattr(meta, "region_name", None)
        self.endpoint = getattr(meta, "endpoint_url", self.label)
        self.calls = 0
        self.ops: set[str] = set()  # "service:operation" of every call made (the admin policy test reads it)

    # -- retry loop ------------------------------------------------------------------------------
    def _call(self, op: str, **kw: Any) -> dict[str, Any]:
        import botocore.exceptions as bx

        last, unreachable = "", False
        self.ops.add(f"{self.service}:{op}")
        for attempt in range(self.attempts):
            self.calls += 1
            try:
                return getattr(self.client, op)(**kw)
            except bx.ClientError as e:
                code = e.response.get("Error", {}).get("Code", "")
                status = e.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
                if code not in RETRY_CODES and status < 500:
                    raise
                last, unreachable = f"{code or 'HTTP'} {status}".strip(), False
            except (bx.EndpointConnectionError, bx.ConnectionClosedError, bx.ReadTimeoutError,
                    bx.ConnectTimeoutError) as e:
                last, unreachable = type(e).__name__, True
            except bx.NoCredentialsError:
                raise AwsActionError("no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID, or use --local)") from None
            except bx.NoRegionError:
                raise AwsActionError("no AWS region: set AWS_REGION or pass --region") from None
            if attempt + 1 < self.attempts:
                delay = min(20.0, self.base_delay * (2 ** attempt)) * (0.5 + random.random() / 2)
                if self.on_retry:
                    self.on_retry(f"{op}: {last}; retrying in {delay:.1f}s")
                self.sleep(delay)
        if unreachable:
            raise EndpointUnreachable(f"cannot reach {self.label} at {self.endpoint} ({last} after "
                                      f"{self.attempts} attempts); the run can be resumed") from None
        raise AwsActionError(f"{self.label} kept failing ({last} after {self.attempts} attempts) on {op}; "
                             f"the run can be resumed") from None

    def _guard(self, op: str, what: str, **kw: Any) -> dict[str, Any]:
        import botocore.exceptions as bx

        try:
            return self._call(op, **kw)
        except bx.ClientError as e:
            code = e.response.get("Error", {}).get("Code", "Error")
            msg = e.response.get("Error", {}).get("Message", "")
            if code in ("AccessDeniedException", "UnrecognizedClientException", "InvalidSignatureException"):
                raise AwsActionError(f"{what}: access denied ({code})") from None
            raise AwsActionError(f"{what}: {code}: {_one_line(msg)}") from None

    def call(self, op: str, what: str, **kw: Any) -> dict[str, Any]:
        """Any operation with retries; a client error becomes one ``AwsActionError`` line about ``what``."""
        return self._guard(op, what, **kw)

    def error_code(self, op: str, **kw: Any) -> tuple[dict[str, Any] | None, str | None]:
        """``(response, None)``, or ``(None, error code)`` for a client error the caller handles itself."""
        import botocore.exceptions as bx

        try:
            return self._call(op, **kw), None
        except bx.ClientError as e:
            return None, e.response.get("Error", {}).get("Code", "Error")

    # -- operations ------------------------------------------------------------------------------
    def describe(self, name: str) -> dict[str, Any] | None:
        import botocore.exceptions as bx

        try:
            return self._call("describe_secret", SecretId=name)
        except bx.ClientError as e:
            if e.response.get("Error", {}).get("Code") == "ResourceNotFoundException":
                return None
            code = e.response.get("Error", {}).get("Code", "Error")
            raise AwsActionError(f"{name}: cannot describe the secret ({code})") from None

    def read(self, name: str) -> str | None:
        """The current SecretString (None when the secret holds binary)."""
        r = self._guard("get_secret_value", f"{name}: cannot read the secret back", SecretId=name,
                        VersionStage="AWSCURRENT")
        return r.get("SecretString")

    def create(self, name: str, secret_string: str, description: str, tags: dict[str, str],
               kms_key_id: str | None) -> dict[str, Any]:
        kw: dict[str, Any] = {
            "Name": name, "SecretString": secret_string, "Description": description,
            "ClientRequestToken": request_token(name, secret_string),
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        }
        if kms_key_id:
            kw["KmsKeyId"] = kms_key_id
        import botocore.exceptions as bx

        try:
            return self._call("create_secret", **kw)
        except bx.ClientError as e:
            code = e.response.get("Error", {}).get("Code", "Error")
            if code == "ResourceExistsException":  # e.g. our own earlier attempt whose answer was lost
                return {"Exists": True}
            if code in ("AccessDeniedException", "UnrecognizedClientException"):
                raise AwsActionError(f"{name}: cannot create the secret: access denied ({code})") from None
            raise AwsActionError(f"{name}: cannot create the secret: {code}: "
                                 f"{_one_line(e.response.get('Error', {}).get('Message', ''))}") from None

    def put(self, name: str, secret_string: str) -> dict[str, Any]:
        return self._guard("put_secret_value", f"{name}: cannot update the secret", SecretId=name,
                           SecretString=secret_string, ClientRequestToken=request_token(name, secret_string))

    def read_version(self, name: str, stage: str = "AWSCURRENT", version_id: str | None = None) -> str | None:
        """SecretString of a staging label (or of a version id); None when that version holds no value."""
        kw: dict[str, Any] = {"SecretId": name}
        if version_id:
            kw["VersionId"] = version_id
        else:
            kw["VersionStage"] = stage
        r, code = self.error_code("get_secret_value", **kw)
        if code == "ResourceNotFoundException":
            return None
        if code:
            raise AwsActionError(f"{name}: cannot read version {version_id or stage} ({code})")
        return (r or {}).get("SecretString")

    def stages(self, name: str) -> dict[str, list[str]]:
        """``{version id: [staging labels]}`` of every version that has a label."""
        out: dict[str, list[str]] = {}
        kw: dict[str, Any] = {"SecretId": name}
        while True:
            r = self._guard("list_secret_version_ids", f"{name}: cannot list the versions", **kw)
            for v in r.get("Versions", []):
                if v.get("VersionStages"):
                    out[v["VersionId"]] = list(v["VersionStages"])
            if not r.get("NextToken"):
                return out
            kw["NextToken"] = r["NextToken"]

    def move_stage(self, name: str, stage: str, to_version: str | None, from_version: str | None) -> None:
        kw: dict[str, Any] = {"SecretId": name, "VersionStage": stage}
        if to_version:
            kw["MoveToVersionId"] = to_version
        if from_version:
            kw["RemoveFromVersionId"] = from_version
        self._guard("update_secret_version_stage", f"{name}: cannot move {stage}", **kw)

    def rotate(self, name: str, lambda_arn: str | None, days: int | None = None, schedule: str | None = None,
               immediately: bool = True) -> dict[str, Any]:
        kw: dict[str, Any] = {"SecretId": name, "RotateImmediately": immediately}
        if lambda_arn:
            kw["RotationLambdaARN"] = lambda_arn
        rules: dict[str, Any] = {}
        if schedule:
            rules["ScheduleExpression"] = schedule
        elif days:
            rules["AutomaticallyAfterDays"] = days
        if rules:
            kw["RotationRules"] = rules
        return self._guard("rotate_secret", f"{name}: cannot turn on rotation", **kw)

    def replicate(self, name: str, regions: list[tuple[str, str | None]]) -> dict[str, Any]:
        add = [{"Region": r, **({"KmsKeyId": k} if k else {})} for r, k in regions]
        return self._guard("replicate_secret_to_regions", f"{name}: cannot replicate the secret", SecretId=name,
                           AddReplicaRegions=add, ForceOverwriteReplicaSecret=False)

    def put_policy(self, name: str, policy: str) -> None:
        self._guard("put_resource_policy", f"{name}: cannot put the resource policy", SecretId=name,
                    ResourcePolicy=policy, BlockPublicPolicy=True)

    def get_policy(self, name: str) -> str | None:
        return self._guard("get_resource_policy", f"{name}: cannot read the resource policy",
                           SecretId=name).get("ResourcePolicy")

    def tag(self, name: str, tags: dict[str, str]) -> None:
        self._guard("tag_resource", f"{name}: cannot tag the secret", SecretId=name,
                    Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())])


def _one_line(msg: str) -> str:
    return " ".join(str(msg).split())[:200]
