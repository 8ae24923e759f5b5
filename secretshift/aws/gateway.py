"""The only code that talks to Secrets Manager: a thin gateway over an injected boto3 client.

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

    @classmethod
    def from_env(cls, region: str | None = None, profile: str | None = None,
                 endpoint_url: str | None = None, env: dict[str, str] | None = None) -> ClientSettings:
        env = dict(os.environ) if env is None else env
        return cls(
            region=region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION"),
            profile=profile or env.get("AWS_PROFILE"),
            endpoint_url=endpoint_url or env.get("AWS_ENDPOINT_URL_SECRETS_MANAGER") or env.get("AWS_ENDPOINT_URL"),
        )


def make_client(cfg: ClientSettings, credentials: dict[str, str] | None = None) -> Any:
    """A boto3 Secrets Manager client (imported lazily). botocore retries off: the gateway retries.

    :raises AwsActionError: unknown profile or no region.
    """
    import boto3
    import botocore.config
    import botocore.exceptions

    try:
        session = boto3.session.Session(profile_name=cfg.profile, region_name=cfg.region, **(credentials or {}))
    except botocore.exceptions.ProfileNotFound:
        raise AwsActionError(f"AWS profile '{cfg.profile}' not found") from None
    if not session.region_name:
        raise AwsActionError("no AWS region: set AWS_REGION or pass --region")
    conf = botocore.config.Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=20)
    return session.client("secretsmanager", endpoint_url=cfg.endpoint_url, config=conf)


def request_token(name: str, secret_string: str) -> str:
    """ClientRequestToken derived from the content (salted with the name): a retried or repeated
    write of the same content is the same request and creates no new version."""
    h = hashlib.sha256(f"secretshift\0{name}\0{secret_string}".encode("utf-8", "surrogatepass")).digest()
    return str(uuid.UUID(bytes=h[:16]))


class SecretsGateway:
    """Describe, read, create and update secrets with retries. ``client`` is a boto3 client."""

    def __init__(self, client: Any, attempts: int = DEFAULT_ATTEMPTS, base_delay: float = 0.5,
                 sleep: Callable[[float], None] = time.sleep, on_retry: Callable[[str], None] | None = None) -> None:
        self.client = client
        self.attempts = max(1, attempts)
        self.base_delay = base_delay
        self.sleep = sleep
        self.on_retry = on_retry
        self.endpoint = getattr(getattr(client, "meta", None), "endpoint_url", "Secrets Manager")
        self.calls = 0

    # -- retry loop ------------------------------------------------------------------------------
    def _call(self, op: str, **kw: Any) -> dict[str, Any]:
        import botocore.exceptions as bx

        last, unreachable = "", False
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
            raise EndpointUnreachable(f"cannot reach Secrets Manager at {self.endpoint} ({last} after "
                                      f"{self.attempts} attempts); the run can be resumed") from None
        raise AwsActionError(f"Secrets Manager kept failing ({last} after {self.attempts} attempts) on {op}; "
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
        r = self._guard("get_secret_value", f"{name}: cannot read the secret back", SecretId=name)
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

    def tag(self, name: str, tags: dict[str, str]) -> None:
        self._guard("tag_resource", f"{name}: cannot tag the secret", SecretId=name,
                    Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())])


def _one_line(msg: str) -> str:
    return " ".join(str(msg).split())[:200]
