"""Non-secret configuration the code reads from the environment (hosts, ports, flags), for
``--parameters``: moved to SSM Parameter Store as plain ``String`` parameters.

A read qualifies when it is a required Python read, ``os.environ["X"]`` (optional ones, ``.get`` and
``os.getenv``, stay: see ``required_read``), of a name the scanner does not consider secret
(``scanner.envnames.is_secret_name`` with the project's globs) and that has no part that may name a
credential (``KEY``, ``TOKEN``, ``AUTH``, ``WEBHOOK`` ...), not in a test file, and not a variable the
AWS SDK or the process itself needs before any parameter can be read (``AWS_*``, ``PATH``, ...). Its
value comes from the repository's ``.env`` files, else from the environment of this process; a read
with no value anywhere is reported and left alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .scope import is_test_path

# set by the platform or read by a framework before the application runs: never moved
RUNTIME_NAMES = {"PATH", "HOME", "USER", "PWD", "SHELL", "LANG", "LC_ALL", "TZ", "TERM", "HOSTNAME", "TMPDIR",
                 "PYTHONPATH", "VIRTUAL_ENV", "PORT", "DJANGO_SETTINGS_MODULE", "FLASK_APP", "FLASK_ENV", "FLASK_DEBUG",
                 "GUNICORN_CMD_ARGS", "WEB_CONCURRENCY"}
RUNTIME_PREFIXES = ("AWS_", "SECRETSHIFT_", "PYTHON", "LC_", "KUBERNETES_", "ECS_CONTAINER_", "LAMBDA_", "K_")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# parts of a name that may mean a credential, though the scanner does not report a read of it
# (METRICS_KEY, STRIPE_KEY, SLACK_WEBHOOK): never moved to a plain String parameter
MAYBE_SECRET_PARTS = frozenset({"KEY", "KEYS", "APIKEY", "TOKEN", "TOKENS", "SECRET", "SECRETS", "PASS", "PASSWORD",
                                "PASSWD", "PWD", "PASSPHRASE", "AUTH", "CREDENTIAL", "CREDENTIALS", "CREDS",
                                "PRIVATE", "SIGNING", "SALT", "COOKIE", "SESSION", "DSN", "CERT", "WEBHOOK", "HOOK"})
# a value that carries a password (scheme://user:password@host) is a credential whatever its name
URL_WITH_PASSWORD = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/?#@:]*:[^/?#@]+@")


def maybe_secret(name: str) -> bool:
    return any(p in MAYBE_SECRET_PARTS for p in re.split(r"[_\W]+|(?<=[a-z])(?=[A-Z])", name.upper()) if p) \
        or any(p in name.upper() for p in ("PASSWORD", "SECRET", "TOKEN", "APIKEY", "PRIVATE"))


@dataclass(frozen=True)
class ConfigRead:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    variable: str


def parameter_name(prefix: str, variable: str) -> str:
    return f"/{prefix.strip('/')}/config/{variable}"


def needed_at_startup(name: str) -> bool:
    up = name.upper()
    return up in RUNTIME_NAMES or up.startswith(RUNTIME_PREFIXES)


def required_read(node) -> bool:
    """``os.environ["X"]``: a read the program cannot run without, so every environment it runs in sets X
    and reading X from Parameter Store instead keeps its behaviour. Left out: ``os.environ.get`` and
    ``os.getenv`` (the program handles the variable's absence, with or without a default: a parameter
    that exists would change that), ``setdefault``/``pop`` (they change the environment) and
    ``"X" in os.environ`` (a test)."""
    import ast

    return isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1


def config_reads(root: Path, files: Iterable[str], secret_globs: tuple[str, ...] = (),
                 non_secret_globs: tuple[str, ...] = ()) -> list[ConfigRead]:
    """Reads of non-secret environment variables in the given Python files (relative paths)."""
    from secretshift.scanner.engines._py_source import PySource
    from secretshift.scanner.engines.env_reads import python_reads
    from secretshift.scanner.envnames import is_secret_name

    out = []
    for rel in sorted(set(files)):
        if not rel.endswith(".py") or is_test_path(rel):
            continue
        try:
            text = (root / rel).read_bytes().decode("utf-8")
            src = PySource(text)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            continue
        for read in python_reads(src.nodes):
            if read.form != "environ" or not required_read(read.node) or not NAME_RE.match(read.name) \
                    or needed_at_startup(read.name):
                continue
            if read.forced_secret or is_secret_name(read.name, secret_globs, non_secret_globs) \
                    or maybe_secret(read.name):
                continue
            s, e = src.span(read.node)
            (line, col), (eline, ecol) = _position(text, s), _position(text, e)
            out.append(ConfigRead(rel, line, col, eline, ecol, read.name))
    return out


def dotenv_values(root: Path, files: Iterable[str]) -> dict[str, str]:
    """``NAME -> value`` from the repository's ``.env`` files (first definition wins)."""
    from ..migration.definitions import LINE_RE, parse_value
    from .build import is_dotenv

    out: dict[str, str] = {}
    for rel in sorted(f for f in set(files) if is_dotenv(f) and not is_test_path(f)):
        try:
            lines = (root / rel).read_text(encoding="utf-8", errors="surrogateescape").splitlines()
        except OSError:
            continue
        for line in lines:
            m = LINE_RE.match(line)
            if m and m.group(2):
                out.setdefault(m.group(1), parse_value(m.group(2)))
    return out
