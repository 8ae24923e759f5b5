"""Naming policy: which secret a value belongs to (``{prefix}/{category}/{service}``) and its JSON key.

Pure functions over a finding's hints (rule category/service/field, the symbol it is bound to, the
file). The rules' own ``service``/``field`` hints win; the symbol fills the gaps, so
``os.environ["STRIPE_WEBHOOK_SECRET"]`` lands in ``production/api/stripe`` under ``webhook_secret``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

# symbol token -> (category, service). Checked in order against the symbol's tokens.
SERVICE_HINTS: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (("STRIPE",), "api", "stripe"),
    (("GITHUB", "GH"), "oauth", "github"),
    (("GITLAB",), "oauth", "gitlab"),
    (("GOOGLE",), "oauth", "google"),
    (("SLACK",), "api", "slack"),
    (("TWILIO",), "api", "twilio"),
    (("SENDGRID",), "api", "sendgrid"),
    (("MAILGUN",), "api", "mailgun"),
    (("OPENAI",), "api", "openai"),
    (("SENTRY",), "api", "sentry"),
    (("DATADOG", "DD"), "api", "datadog"),
    (("AWS",), "cloud", "aws"),
    (("POSTGRES", "POSTGRESQL", "PG", "PSQL"), "db", "postgresql"),
    (("MYSQL", "MARIADB"), "db", "mysql"),
    (("MONGO", "MONGODB"), "db", "mongodb"),
    (("REDIS",), "db", "redis"),
    (("RABBITMQ", "AMQP", "BROKER"), "db", "rabbitmq"),
    (("DB", "DATABASE", "DATABASES", "DATASOURCE"), "db", "postgresql"),
)
# service -> category when a rule names the service but not a useful category
SERVICE_CATEGORY = {s: c for _, c, s in SERVICE_HINTS}
# A vendor's values share one secret whatever kind of credential each rule found: an OAuth client
# secret and an API key of the same SaaS both land in production/api/<service>.
VENDOR_CATEGORY = {"oauth": "api"}

# Symbol endings -> JSON key, most specific first (matched against the upper-cased symbol).
FIELD_HINTS: tuple[tuple[str, str], ...] = (
    (r"SECRET_ACCESS_KEY$", "secret_access_key"),
    (r"ACCESS_KEY_ID$", "access_key_id"),
    (r"SESSION_TOKEN$", "session_token"),
    (r"WEBHOOK_(SIGNING_)?SECRET$", "webhook_secret"),
    (r"CLIENT_SECRET$", "client_secret"),
    (r"CLIENT_ID$", "client_id"),
    (r"PUBLISHABLE_KEY$", "publishable_key"),
    (r"(^|_)SECRET_KEY$", "secret_key"),
    (r"RESTRICTED_KEY$", "restricted_key"),
    (r"(^|_)API_?KEY$", "api_key"),
    (r"ACCESS_TOKEN$", "access_token"),
    (r"REFRESH_TOKEN$", "refresh_token"),
    (r"BOT_TOKEN$", "bot_token"),
    (r"(^|_)TOKEN$", "token"),
    (r"PRIVATE_KEY$", "private_key"),
    (r"(^|_)(PASSWORD|PASSWD|PWD|PASS|PASSPHRASE)$", "password"),
    (r"(^|_)(USER|USERNAME|LOGIN)$", "username"),
    (r"(^|_)(HOST|HOSTNAME)$", "host"),
    (r"(^|_)PORT$", "port"),
    (r"(^|_)(DBNAME|DB_NAME|DATABASE_NAME|NAME)$", "dbname"),
    (r"(^|_)(URL|URI|DSN)$", "url"),
    (r"(^|_)SECRET$", "secret"),
)
_FIELD_RES = tuple((re.compile(p), k) for p, k in FIELD_HINTS)
_KEBAB_RE = re.compile(r"[^a-z0-9]+")
# Secret names: letters, digits and /_+=.@- (the Secrets Manager alphabet); we keep it lower-case.
NAME_RE = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,512}$")
# categories whose values stand alone as a plain string secret (no JSON object)
PLAIN_CATEGORIES = {"ssh", "ssl", "generic"}


@dataclass(frozen=True)
class Placement:
    """Where one value goes: the secret's ``category``/``service`` part and the JSON key (None: plain)."""

    category: str
    service: str
    json_key: str | None


# a connection URL's scheme (before any "+driver") -> the database service its secret is named after
URL_SERVICES = {"postgres": "postgresql", "postgresql": "postgresql", "postgis": "postgresql", "pgsql": "postgresql",
                "cockroachdb": "postgresql", "redshift": "redshift", "mysql": "mysql", "mariadb": "mysql",
                "mongodb": "mongodb", "mongodb+srv": "mongodb", "redis": "redis", "rediss": "redis",
                "amqp": "rabbitmq", "amqps": "rabbitmq", "mssql": "sqlserver", "sqlserver": "sqlserver",
                "oracle": "oracle", "db2": "db2"}


def url_service(value: str | None) -> str | None:
    """The database service a connection URL names by its scheme (``mysql+pymysql://`` -> mysql), or None."""
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://", value or "")
    if not m:
        return None
    scheme = m.group(1).lower()
    return URL_SERVICES.get(scheme) or URL_SERVICES.get(scheme.split("+", 1)[0])


def holds_no_credential(value: str | None) -> bool:
    """A connection URL with nothing secret in it: a SQLite file (``sqlite:///app.db``) or a URL
    without user info (``redis://cache:6379/0``, ``postgresql://db/app``)."""
    m = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://([^/?#]*)", value or "")
    if not m:
        return False
    if m.group(1).lower().split("+", 1)[0] in ("sqlite", "file"):
        return True
    return "@" not in m.group(2)  # a user name alone may be the token (a Sentry DSN's key, https://<token>@host)


def tokens(symbol: str | None) -> list[str]:
    if not symbol:
        return []
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", symbol.rsplit(".", 1)[-1])
    return [t for t in re.split(r"[^A-Za-z0-9]+", s.upper()) if t]


def normal_symbol(symbol: str | None) -> str:
    """``dbPassword`` / ``db-password`` / ``settings.DB_PASSWORD`` -> ``DB_PASSWORD``."""
    return "_".join(tokens(symbol))


def kebab(text: str) -> str:
    return _KEBAB_RE.sub("-", text.lower()).strip("-") or "secret"


def field_for(symbol: str | None, rule_field: str | None) -> str | None:
    sym = normal_symbol(symbol)
    if sym:
        for rx, key in _FIELD_RES:
            if rx.search(sym):
                return key
    return rule_field


def service_for(symbol: str | None, rule_service: str | None, rule_category: str,
                default_db: str = "postgresql") -> tuple[str, str | None]:
    """(category, service or None) for a value. ``default_db``: the database a name that says only
    "database" (DB_PASSWORD) stands for (the one its file names, see ``migration.definitions.file_databases``)."""
    toks = tokens(symbol)
    if rule_service in ("database", "db", "sql"):
        rule_service = next((svc for names, cat, svc in SERVICE_HINTS if cat == "db" and "DB" not in names
                             and any(t in names for t in toks)), default_db)
    if rule_service:
        cat = SERVICE_CATEGORY.get(rule_service) or VENDOR_CATEGORY.get(rule_category, rule_category)
        return cat, rule_service
    for names, cat, service in SERVICE_HINTS:
        if any(t in names for t in toks):
            return cat, (default_db if "DB" in names else service)
    return rule_category, None


# a dotted name's last part that says only what kind of credential it is (jwt.secret, spring.mail.password):
# the part before it says whose
_KIND_ONLY = {"SECRET", "PASSWORD", "PASSWD", "PASS", "PWD", "KEY", "TOKEN", "API_KEY", "APIKEY", "SECRET_KEY",
              "PASSPHRASE", "CREDENTIALS", "AUTH_TOKEN", "ACCESS_TOKEN"}
# leading parts that name the object holding the setting, not the setting (self.password, settings.X)
_HOLDERS = {"self", "this", "cls", "settings", "config", "conf", "app", "os", "environ", "process", "env", "options",
            "opts", "args", "ctx", "params", "props", "properties", "default", "defaults"}


def qualified(symbol: str | None) -> str | None:
    """The part of a dotted configuration key that names a value: ``jwt.secret`` -> ``jwt.secret`` kept as
    two parts (``secret`` alone says nothing), ``settings.DB_PASSWORD`` -> ``DB_PASSWORD``."""
    if not symbol or "." not in symbol:
        return symbol
    parts = [p for p in re.split(r"[.\[\]'\"]+", symbol) if p]
    kept = [p for p in parts[:-1] if p.lower() not in _HOLDERS] + parts[-1:]
    if len(kept) >= 2 and normal_symbol(kept[-1]) in _KIND_ONLY:
        return f"{kept[-2]}_{kept[-1]}"
    return kept[-1] if kept else symbol


def place(category: str, service: str | None, field: str | None, symbol: str | None, file: str,
          default_db: str = "postgresql") -> Placement:
    """Decide a value's secret (category/service part) and JSON key (``default_db``: see ``service_for``)."""
    symbol = qualified(symbol)
    cat, svc = service_for(symbol, service, category, default_db)
    key = field_for(symbol, field)
    if cat in ("ssh", "ssl") or svc is None:
        base = symbol or PurePosixPath(file).stem
        name = kebab(normal_symbol(base) or base)
        return Placement(cat, name, None)
    return Placement(cat, kebab(svc), key or "value")


def secret_name(prefix: str, placement: Placement) -> str:
    parts = [p.strip("/") for p in (prefix, placement.category, placement.service) if p and p.strip("/")]
    return "/".join(parts)


def valid_name(name: str) -> bool:
    return bool(NAME_RE.match(name)) and not name.endswith(("-", "/")) and "//" not in name
