"""Database secrets in the shape AWS's rotation functions expect: ``engine``, ``host``, ``port``,
``username``, ``password``, ``dbname`` (plus ``url`` when the code reads a whole URL).

The components are read at apply time, in memory, from where the password was found:

- a connection URL (a ``.env`` definition, or the literal around a password found inside a URL);
- Django-style dicts (``DATABASES = {"default": {"ENGINE": ..., "HOST": ..., "PASSWORD": ...}}``);
- keyword calls (``psycopg2.connect(host=..., user=..., password=...)``);
- split settings: ``DB_PASSWORD`` next to ``DB_HOST``/``DB_USER``/``DB_NAME``/``DB_PORT`` in the same
  module (constants, or the defaults of ``os.environ.get``) or the same ``.env`` file.

Host, port, user, database name and engine are not secrets; the password is. Nothing here prints.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import unquote, urlsplit

ENGINES = {"postgresql": "postgres", "postgres": "postgres", "psql": "postgres", "pgsql": "postgres",
           "postgis": "postgres", "mysql": "mysql", "mariadb": "mariadb", "oracle": "oracle",
           "mssql": "sqlserver", "sqlserver": "sqlserver", "mongodb": "mongo", "mongo": "mongo",
           "mongodb+srv": "mongo", "redis": "redis", "rediss": "redis", "amqp": "rabbitmq",
           "amqps": "rabbitmq", "rabbitmq": "rabbitmq", "db2": "db2", "cockroachdb": "postgres",
           "redshift": "redshift"}
COMPONENT_NAMES = {
    "host": ("HOST", "HOSTNAME", "SERVER", "ADDRESS", "ENDPOINT"),
    "port": ("PORT",),
    "username": ("USER", "USERNAME", "LOGIN", "UID"),
    "dbname": ("NAME", "DB", "DBNAME", "DATABASE", "DB_NAME", "DATABASE_NAME", "SCHEMA"),
    "engine": ("ENGINE", "DRIVER", "BACKEND", "DIALECT"),
}
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'\"`]+")
_PASSWORD_NAME = re.compile(r"(?i)^(.*?)(PASSWORD|PASSWD|PWD|PASS)$")


def engine_of(text: str | None) -> str | None:
    """``postgresql+psycopg2`` / ``django.db.backends.postgresql`` / ``mysql`` -> AWS's engine name."""
    if not text:
        return None
    t = text.lower().rsplit(".", 1)[-1]
    t = t.split("+", 1)[0] if t != "mongodb+srv" else t
    for k in (t, t.replace("_psycopg2", "").replace("psycopg2", "postgresql")):
        if k in ENGINES:
            return ENGINES[k]
    return next((v for k, v in ENGINES.items() if k in t), None)


def split_connection_url(url: str) -> dict[str, Any]:
    """engine/host/port/username/password/dbname of a URL with credentials (AWS's RDS secret shape)."""
    try:
        u = urlsplit(url)
        port = u.port
    except ValueError:
        return {}
    if not u.scheme or not u.hostname:
        return {}
    out: dict[str, Any] = {"engine": engine_of(u.scheme) or u.scheme.split("+")[0], "host": u.hostname}
    if u.username:
        out["username"] = unquote(u.username)
    if u.password:
        out["password"] = unquote(u.password)
    if port:
        out["port"] = port
    db = u.path.strip("/")
    if db and "/" not in db:
        out["dbname"] = unquote(db)
    return out


def _norm(d: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in d.items():
        if v is None or v == "":
            continue
        if k == "port":
            try:
                v = int(str(v).strip())
            except ValueError:
                continue
        if k == "engine":
            v = engine_of(str(v)) or str(v)
        out[k] = v
    return out


def _const(node: ast.AST | None) -> Any:
    """A constant's value, or the constant default of ``os.environ.get("X", "d")``/``os.getenv``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Call) and len(node.args) == 2 and isinstance(node.func, ast.Attribute) \
            and node.func.attr in ("get", "getenv"):
        return _const(node.args[1])
    return None


def _role(name: str, prefix: str = "") -> str | None:
    n = name.upper()
    if prefix and not n.startswith(prefix):
        return None
    rest = n[len(prefix):].lstrip("_")
    return next((role for role, names in COMPONENT_NAMES.items() if rest in names), None)


def _python_components(text: str, line: int) -> dict[str, Any]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return {}
    best: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            pairs = [(k.value, v) for k, v in zip(node.keys, node.values)
                     if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            if any(_PASSWORD_NAME.match(k) and getattr(v, "lineno", 0) <= line <= getattr(v, "end_lineno", 0)
                   for k, v in pairs):
                best = {r: _const(v) for k, v in pairs if (r := _role(k))}
                break
        if isinstance(node, ast.Call) and any(
                kw.arg and _PASSWORD_NAME.match(kw.arg) and kw.value.lineno <= line <= (kw.value.end_lineno or 0)
                for kw in node.keywords):
            best = {r: _const(kw.value) for kw in node.keywords if kw.arg and (r := _role(kw.arg))}
            break
    if best:
        return best
    # split settings: DB_PASSWORD = ... with DB_HOST, DB_USER ... beside it in the module
    assigns: dict[str, ast.AST] = {}
    prefix = None
    for stmt in tree.body:
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        for t in targets:
            if isinstance(t, ast.Name) and stmt.value is not None:
                assigns[t.id] = stmt.value
                m = _PASSWORD_NAME.match(t.id)
                if m and stmt.lineno <= line <= (stmt.end_lineno or stmt.lineno):
                    prefix = m.group(1).upper()
    if not prefix:
        return {}
    return {r: _const(v) for name, v in assigns.items() if (r := _role(name, prefix))}


def _dotenv_components(text: str, line: int) -> dict[str, Any]:
    from .definitions import LINE_RE, parse_value

    lines = text.splitlines()
    if not 0 < line <= len(lines):
        return {}
    m = LINE_RE.match(lines[line - 1])
    pm = _PASSWORD_NAME.match(m.group(1)) if m else None
    if not pm:
        return {}
    prefix = pm.group(1).upper()
    out = {}
    for raw in lines:
        d = LINE_RE.match(raw)
        if d and (r := _role(d.group(1), prefix)):
            out[r] = parse_value(d.group(2))
    return out


def _url_around(text: str, line: int, password: str) -> dict[str, Any]:
    lines = text.splitlines()
    for ln in lines[max(line - 1, 0):line + 2]:
        for m in _URL_IN_TEXT.finditer(ln):
            parts = split_connection_url(m.group(0))
            if parts.get("password") in (password, unquote(password)):
                return parts
    return {}


def components(root: Path, values: dict[str | None, str], locations: Iterable[tuple[str | None, Any]]) -> dict[str, Any]:
    """The non-secret components (and the password) of one database secret.

    ``values``: JSON key -> value (memory); ``locations``: (JSON key, Location) where each value was
    found. A URL value gives everything; otherwise the file around the password is read."""
    from ..planner.build import is_python

    out: dict[str, Any] = {}
    for key, v in values.items():
        if isinstance(v, str) and "://" in v and "@" in v:
            for k, x in split_connection_url(v).items():
                out.setdefault(k, x)
    cache: dict[str, str] = {}
    for key, loc in locations:
        if key not in ("password", "url_password") or loc is None:
            continue
        path = root / loc.file
        if loc.file not in cache:
            try:
                cache[loc.file] = path.read_bytes().decode("utf-8", "surrogateescape")
            except OSError:
                cache[loc.file] = ""
        text = cache[loc.file]
        pw = values.get(key) or ""
        found = _url_around(text, loc.line, pw) if loc.rule_id.startswith("SS6") else {}
        if not found:
            found = _python_components(text, loc.line) if is_python(loc.file) else _dotenv_components(text, loc.line)
        for k, x in _norm(found).items():
            if k != "password":
                out.setdefault(k, x)
    return _norm(out)
