"""One place that hands out gateways per service and region, sharing the retry settings.

Commands that manage secrets beyond ``apply`` (rotation, replicas, policies, alarms, Parameter Store,
audit, rollback) need clients of several services and, for replicas, of several regions.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable

from .gateway import DEFAULT_ATTEMPTS, ClientSettings, SecretsGateway, boto_session_for, make_client


@dataclass
class AwsSession:
    cfg: ClientSettings
    credentials: dict[str, str] | None = None
    attempts: int = DEFAULT_ATTEMPTS
    base_delay: float = 0.5
    on_retry: Callable[[str], None] | None = None
    _cache: dict[tuple[str, str | None], SecretsGateway] = field(default_factory=dict)
    _boto: Any = None  # one boto3 session for every client (models are loaded once)

    @property
    def region(self) -> str | None:
        return self.cfg.region

    def gateway(self, service: str = "secretsmanager", region: str | None = None) -> SecretsGateway:
        """:raises AwsActionError: unknown profile, no region."""
        key = (service, region)
        if key not in self._cache:
            if self._boto is None:
                self._boto = boto_session_for(self.cfg, self.credentials)
            client = make_client(self.cfg, self._boto, service, region)
            self._cache[key] = SecretsGateway(client, attempts=self.attempts, base_delay=self.base_delay,
                                              on_retry=self.on_retry)
        return self._cache[key]

    def ops(self) -> set[str]:
        """Every "service:operation" called through this session's gateways."""
        return set().union(*(g.ops for g in self._cache.values())) if self._cache else set()


def session_from_options(region: str | None, profile: str | None, endpoint_url: str | None, max_attempts: int = 6,
                         on_retry: Callable[[str], None] | None = None, local_url: str | None = None,
                         default_region: str | None = None, base_delay: float = 0.5) -> AwsSession:
    """``local_url``: the embedded emulator (its region and credentials). Otherwise the options over the
    environment, in ``default_region`` (the plan's) when neither names one."""
    if local_url:
        from .local import LOCAL_CREDENTIALS, LOCAL_REGION

        return AwsSession(ClientSettings(region=LOCAL_REGION, endpoint_url=local_url), dict(LOCAL_CREDENTIALS),
                          max_attempts, base_delay, on_retry)
    cfg = ClientSettings.from_env(region, profile, endpoint_url)
    if not cfg.region and default_region:
        cfg = replace(cfg, region=default_region)
    return AwsSession(cfg, None, max_attempts, base_delay, on_retry)
