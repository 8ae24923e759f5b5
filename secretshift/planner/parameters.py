"""Non-secret configuration the code reads from the environment (hosts, ports, flags), for
``--parameters``: moved to SSM Parameter Store as plain ``String`` parameters.

A read qualifies when it is a Python ``os.environ[...]`` / ``.get`` / ``os.getenv`` read of a name the
scanner does not consider secret (``scanner.envnames.is_secret_name`` with the project's globs), not
in a test file, and not a variable the AWS SDK or the process itself needs before any parameter can be
read (``AWS_*``, ``PATH``, ...). Its value comes from the repository's ``.env`` files, else from the
environment of this process; a read with no value anywhere is reported and left alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Iterable

# set by the platform or read by a framework before the application runs: never moved
RUNTIME_NAMES = {"PATH", "HOME", "USER", "PWD", "SHELL", "LANG", "LC_ALL", "TZ", "TERM", "HOSTNAME", "TMPDIR",
                 "PYTHONPATH", "VIRTUAL_ENV", "PORT", "DJANGO_SETTINGS_MODULE", "FLASK_APP", "FLASK_ENV", "FLASK_DEBUG",
                 "GUNICORN_CMD_ARGS", "WEB_CONCURRENCY"}
RUNTIME_PREFIXES = ("AWS_", "SECRETSHIFT_", "PYTHON", "LC_", "KUBERNETES_", "ECS_CONTAINER_", "LAMBDA_", "K_")
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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


def is_test_file(rel: str) -> bool:
    p = PurePosixPath(rel)
    return any(part in ("tests", "test", "testing") for part in p.parts[:-1]) or p.name.startswith("test_") \
        or p.name.endswith("_test.py") or p.name == "conftest.py"


def needed_at_startup(name: str) -> bool:
    up = name.upper()
    return up in RUNTIME_NAMES or up.startswith(RUNTIME_PREFIXES)


def plain_read(node) -> bool:
    """``os.environ["X"]``, ``os.environ.get(...)``, ``os.getenv(...)``: a value read, not ``setdefault``
    / ``pop`` (which change the environment) or ``"X" in os.environ`` (a test)."""
    import ast

    if isinstance(node, ast.Subscript):
        return isinstance(node.ctx, ast.Load)
    if isinstance(node, ast.Call):
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
        return name in ("get", "getenv")
    return False


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
        if not rel.endswith(".py") or is_test_file(rel):
            continue
        try:
            text = (root / rel).read_bytes().decode("utf-8")
            src = PySource(text)
        except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
            continue
        for read in python_reads(src.nodes):
            if read.form != "environ" or not plain_read(read.node) or not NAME_RE.match(read.name) \
                    or needed_at_startup(read.name):
                continue
            if read.forced_secret or is_secret_name(read.name, secret_globs, non_secret_globs):
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
    for rel in sorted(f for f in set(files) if is_dotenv(f) and not is_test_file(f)):
        try:
            lines = (root / rel).read_text(encoding="utf-8", errors="surrogateescape").splitlines()
        except OSError:
            continue
        for line in lines:
            m = LINE_RE.match(line)
            if m and m.group(2):
                out.setdefault(m.group(1), parse_value(m.group(2)))
    return out
