"""Value judgement and planner hints for the config engine: base64 in Kubernetes Secrets,
.dockerconfigjson, and the ``field``/``service`` a variable name suggests."""
from __future__ import annotations

import re

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use

_CAMEL = lazy_re(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = lazy_re(r"[^A-Za-z0-9]+")
# In a Secret every key counts unless it names something public (checked only when the name is not
# a secret name): azurestorageaccountname, apiAddress, username, ssh-publickey.
_PUBLIC_SUFFIX = ("USER", "USERNAME", "LOGIN", "NAME", "HOST", "HOSTNAME", "ADDRESS", "ADDR", "SERVER", "PORT",
                  "ENDPOINT", "REGION", "EMAIL", "ID", "PUBLICKEY", "PUBLIC_KEY", "DATABASE", "NAMESPACE")
_QUERY_CREDENTIALS = lazy_re(r"(?:passw(?:or)?d|pwd|token|secret|key|sig)=(?P<v>[^&;\s]+)", re.I)


def names_no_secret(symbol: str) -> bool:
    """Does this (UPPER_SNAKE) key name something public, such as a user name or a host?"""
    return symbol.endswith(_PUBLIC_SUFFIX)


def url_has_credentials(symbol: str, value: str) -> bool:
    """A ``*_URL``/``*_URI`` holds a secret only with a real password (``user:pass@``) or a credential
    query parameter; a ``*_DSN`` (Sentry-style ``https://key@host/1``) with any user part."""
    from urllib.parse import urlsplit

    from ..filters import is_placeholder

    creds = [m.group("v") for m in _QUERY_CREDENTIALS.finditer(value)]
    if creds:
        # a query's or a connection string's credential (Password=...;): a literal one, not a variable
        # the shell or the program expands (Password=$DB_PASSWORD, pwd={0}) nor a placeholder
        return any(c[0] not in "$%{<[" and is_placeholder(c) is None for c in creds)
    if symbol.endswith("DSN"):
        return "@" in value
    try:
        password = urlsplit(value.strip()).password
    except ValueError:
        return "@" in value
    return password is not None and password != "" and is_placeholder(password) is None


def env_style(name: str) -> str:
    """``MasterUserPassword``/``api-key``/``db.password`` -> ``MASTER_USER_PASSWORD``/``API_KEY``/``DB_PASSWORD``."""
    return _NON_WORD.sub("_", _CAMEL.sub("_", name)).strip("_").upper()


def judge_base64(raw: str) -> tuple[str, bool] | None:
    """A Secret's ``data`` value -> (decoded value to judge, skip the value filters), or None when
    it is not base64 (judge the raw text). An empty decoded value means "not a secret": nothing,
    a certificate, a docker config without credentials."""
    import base64
    import binascii

    compact = re.sub(r"\s+", "", raw)
    try:
        data = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None
    if not data.strip():
        return "", False
    try:
        dec = data.decode("utf-8")
    except UnicodeDecodeError:  # binary (keystore, DER key): the base64 text is the secret
        return compact, len(compact) >= 16
    dec = dec.rstrip("\r\n")
    if dec.lstrip().startswith("-----BEGIN CERTIFICATE"):
        return "", False
    if dec.lstrip().startswith("{") and '"auths"' in dec:
        return _docker_config(dec)
    return dec, False


def _docker_config(dec: str) -> tuple[str, bool]:
    """A .dockerconfigjson: a secret when any registry entry holds a credential."""
    import json

    from ..filters import is_placeholder

    try:
        auths = json.loads(dec).get("auths") or {}
    except (ValueError, AttributeError):
        return dec, False
    for entry in auths.values() if isinstance(auths, dict) else ():
        if isinstance(entry, dict):
            for f in ("auth", "password", "identitytoken"):
                v = entry.get(f)
                if isinstance(v, str) and v and not is_placeholder(v):
                    return dec, True
    return "", False


_FIELDS = (
    (lazy_re(r"(^|_)(PASSWORD|PASSWD|PASSPHRASE|PWD|PASS)($|_)"), "password"),
    (lazy_re(r"SECRET_ACCESS_KEY$"), "secret_access_key"),
    (lazy_re(r"ACCESS_KEY_ID$"), "access_key_id"),
    (lazy_re(r"CLIENT_SECRET"), "client_secret"),
    (lazy_re(r"PRIVATE_?KEY"), "private_key"),
    (lazy_re(r"(^|_)API_?KEY($|_)"), "api_key"),
    (lazy_re(r"(^|_)(TOKEN|TOKENS)($|_)"), "token"),
    (lazy_re(r"(^|_)(URL|URI|DSN|CONNECTION_STRING|CONN_STR|DATASOURCE|DATA_SOURCE)$"), "url"),
    (lazy_re(r"(^|_)(SECRET_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|MASTER_?KEY|APP_?KEY)($|_)"), "key"),
)
_SERVICES = {
    "POSTGRES": "postgresql", "POSTGRESQL": "postgresql", "PG": "postgresql", "PSQL": "postgresql",
    "MYSQL": "mysql", "MARIADB": "mysql", "REDIS": "redis", "MONGO": "mongodb", "MONGODB": "mongodb",
    "RABBITMQ": "rabbitmq", "AMQP": "rabbitmq", "AWS": "aws", "STRIPE": "stripe", "GITHUB": "github",
    "GH": "github", "GITLAB": "gitlab", "SLACK": "slack", "TWILIO": "twilio", "SENDGRID": "sendgrid",
    "SENTRY": "sentry", "OPENAI": "openai", "DATADOG": "datadog", "DD": "datadog", "NPM": "npm",
    "DOCKER": "docker", "DOCKERHUB": "docker", "MAILGUN": "mailgun", "SMTP": "smtp", "JWT": "jwt",
}


def field_of(symbol: str) -> str | None:
    return next((f for rx, f in _FIELDS if rx.search(symbol)), None)


def service_of(symbol: str) -> str | None:
    return next((_SERVICES[t] for t in symbol.split("_") if t in _SERVICES), None)
