"""Customer managed KMS keys: check a key exists and is usable, and resolve an alias to the key's ARN
(IAM policies must name the key ARN: an alias ARN in ``Resource`` does not grant ``kms:Decrypt``)."""
from __future__ import annotations

from ..base.errors import AwsActionError
from .session import AwsSession


def resolve_key(session: AwsSession, key: str, region: str | None = None) -> str:
    """The key's ARN. :raises AwsActionError: no such key, disabled, or not a symmetric encryption key."""
    r, code = session.gateway("kms", region).error_code("describe_key", KeyId=key)
    where = region or session.region or "this region"
    if code == "NotFoundException":
        raise AwsActionError(f"KMS key {key} not found in {where}")
    if code:
        raise AwsActionError(f"KMS key {key}: cannot describe it ({code})")
    meta = (r or {}).get("KeyMetadata", {})
    if not meta.get("Enabled", True) or meta.get("KeyState", "Enabled") != "Enabled":
        raise AwsActionError(f"KMS key {key} in {where} is {meta.get('KeyState', 'disabled')}")
    if meta.get("KeyUsage", "ENCRYPT_DECRYPT") != "ENCRYPT_DECRYPT" or \
            meta.get("KeySpec", "SYMMETRIC_DEFAULT") != "SYMMETRIC_DEFAULT":
        raise AwsActionError(f"KMS key {key}: Secrets Manager needs a symmetric encryption key")
    return meta["Arn"]
