"""One place that hands out gateways per service and region, sharing the retry settings.

Commands that manage secrets beyond ``apply`` (rotation, replicas, policies, alarms, Parameter Store,
audit, rollback) need clients of several services and, for replicas, of several regions.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .gateway import DEFAULT_ATTEMPTS, ClientSettings, SecretsGateway, make_client


@dataclass
class AwsSession:
    cfg: ClientSettings
    credentials: dict[str, str] | None = None
    attempts: int = DEFAULT_ATTEMPTS
    base_delay: float = 0.5
    on_retry: Callable[[str], None] | None = None
    _cache: dict[tuple[str, str | None], SecretsGateway] = field(default_factory=dict)

    @property
    def region(self) -> str | None:
        return self.cfg.region

    def gateway(self, service: str = "secretsmanager", region: str | None = None) -> SecretsGateway:
        """:raises AwsActionError: unknown profile, no region."""
        key = (service, region)
        if key not in self._cache:
            client = make_client(self.cfg, self.credentials, service, region)
            self._cache[key] = SecretsGateway(client, attempts=self.attempts, base_delay=self.base_delay,
                                              on_retry=self.on_retry)
        return self._cache[key]

    def ops(self) -> set[str]:
        """Every "service:operation" called through this session's gateways."""
        return set().union(*(g.ops for g in self._cache.values())) if self._cache else set()

    def account_id(self) -> str | None:
        r, code = self.gateway("sts").error_code("get_caller_identity")
        return None if code else (r or {}).get("Account")


def session_from_options(region: str | None, profile: str | None, endpoint_url: str | None, max_attempts: int = 6,
                         on_retry: Callable[[str], None] | None = None, local_url: str | None = None) -> AwsSession:
    if local_url:
        from .local import LOCAL_CREDENTIALS, LOCAL_REGION

        return AwsSession(ClientSettings(region=LOCAL_REGION, endpoint_url=local_url), dict(LOCAL_CREDENTIALS),
                          max_attempts, on_retry=on_retry)
    return AwsSession(ClientSettings.from_env(region, profile, endpoint_url), None, max_attempts, on_retry=on_retry)


def describe_any(gw: SecretsGateway, name: str) -> dict[str, Any]:
    """describe_secret that must find the secret. :raises AwsActionError: not found."""
    from ..base.errors import AwsActionError

    d = gw.describe(name)
    if d is None:
        raise AwsActionError(f"{name}: no such secret in {gw.region or 'this region'}")
    return d
