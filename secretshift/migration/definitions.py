"""Which variable a configuration line defines (``NAME=value``, ``NAME: value``, ``- NAME=value``).

Used at plan time to tie a vendor-rule finding on a ``.env``/compose/CloudFormation line to the variable
the code reads, and at apply time to read the variable's whole value (a connection URL whose finding
covers only the password). Values stay in memory.

A ``.env`` file's values are what python-dotenv (and so pydantic-settings, Flask, Django-environ ...)
gives the program: ``${NAME}`` and ``${NAME:-default}`` are expanded from the file's earlier
definitions. ``DATABASE_URL=postgresql://app:${POSTGRES_PASSWORD}@db/app`` therefore holds the password
of ``POSTGRES_PASSWORD=...``: ``interpolated`` makes that line a finding of its own (its expanded
value), so the URL is migrated with the password instead of being left to expand to an empty one.
"""
from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any, Callable, Iterable

from secretshift.base.record import replace
from secretshift.scanner.models import SecretValue, fingerprint, mask

from ..planner.build import is_definition_file, is_dotenv

LINE_RE = re.compile(r"""^\s*(?:export\s+|-\s+)?["']?([A-Z_][A-Z0-9_]*)["']?\s*[:=]\s*(.*?)\s*$""")


def parse_value(raw: str) -> str:
    if raw[:1] in ("'", '"'):
        end = raw.find(raw[0], 1)
        return raw[1:end] if end > 0 else raw[1:]
    return re.split(r"\s+#", raw, maxsplit=1)[0].strip()


def _lines(path: Path) -> list[str]:
    try:
        return path.read_bytes().decode("utf-8", "surrogateescape").splitlines()
    except OSError:
        return []


def dotenv_lines(text: str) -> dict[int, tuple[str, str | None, frozenset[str]]]:
    """``line -> (NAME, value as the program sees it, names it expands)`` of a ``.env`` text, parsed and
    expanded the way python-dotenv does from the file's own earlier definitions (never the environment
    of this process); the value is None when it names a variable the file does not define."""
    from dotenv.parser import parse_stream
    from dotenv.variables import Variable, parse_variables

    out: dict[int, tuple[str, str | None, frozenset[str]]] = {}
    seen: dict[str, str | None] = {}
    try:
        bindings = list(parse_stream(io.StringIO(text)))
    except Exception:  # noqa: BLE001 - a file python-dotenv cannot read: no definitions from it
        return out
    for b in bindings:
        if b.key is None or b.error:
            continue
        raw = b.original.string
        line = b.original.line + raw[:len(raw) - len(raw.lstrip("\r\n \t"))].count("\n")
        value: str | None = None
        names: frozenset[str] = frozenset()
        if b.value is not None:
            atoms = list(parse_variables(b.value))
            names = frozenset(a.name for a in atoms if isinstance(a, Variable))
            known = {k: v for k, v in seen.items() if v is not None}
            if all(a.name in known or a.default is not None for a in atoms if isinstance(a, Variable)):
                value = "".join(a.resolve(known) for a in atoms)
        seen[b.key] = value
        out[line] = (b.key, value, names)
    return out


def interpolated(rel: str, text: str, findings: Iterable[Any]) -> list[Any]:
    """Findings for the lines of the ``.env`` file ``rel`` that expand (``${NAME}``) a variable whose own
    line holds a hardcoded finding: the line's expanded value, bound to its own name (a connection
    URL around the password of another line). Values stay in memory."""
    if not is_dotenv(rel):
        return []
    own = [f for f in findings if f.file == rel and f.kind == "hardcoded" and f.value is not None]
    if not own:
        return []
    lines = dotenv_lines(text)
    flagged = {lines[f.line][0]: f for f in own if f.line in lines}
    taken = {f.line for f in own}
    src = text.splitlines()
    out = []
    for line, (name, value, names) in sorted(lines.items()):
        hits = [flagged[n] for n in sorted(names) if n in flagged]
        if not hits or line in taken or value is None or not 0 < line <= len(src):
            continue
        f = hits[0]
        if f.value.reveal() not in value:
            continue
        m = LINE_RE.match(src[line - 1])
        col = (m.start(2) + 1) if m else 1
        url = "://" in value and "@" in value
        out.append(replace(
            f, line=line, column=col, end_line=line, end_column=len(src[line - 1].rstrip()) + 1, symbol=name,
            service=None, field="url" if url else None, masked=mask(value),
            fingerprint=fingerprint(f.rule_id, rel, value), value=SecretValue(value)))
    return out


def derived_findings(root: Path, findings: list[Any]) -> list[Any]:
    """``interpolated`` for every ``.env`` file holding a hardcoded finding."""
    out: list[Any] = []
    for rel in sorted({f.file for f in findings if f.kind == "hardcoded" and is_dotenv(f.file)}):
        out += interpolated(rel, "\n".join(_lines(root / rel)) + "\n", findings)
    return out


def definitions_for(root: Path, findings: Iterable[Any]) -> dict[tuple[str, int], tuple[str, SecretValue]]:
    """``(file, line) -> (VARIABLE, whole value)`` for hardcoded findings on definition lines (a ``.env``
    line's value as the program sees it, ``${NAME}`` expanded)."""
    out: dict[tuple[str, int], tuple[str, SecretValue]] = {}
    cache: dict[str, list[str]] = {}
    envs: dict[str, dict[int, tuple[str, str | None, frozenset[str]]]] = {}
    for f in findings:
        if f.kind != "hardcoded" or not is_definition_file(f.file) or f.line != f.end_line:
            continue
        lines = cache.setdefault(f.file, _lines(root / f.file))
        if not 0 < f.line <= len(lines):
            continue
        m = LINE_RE.match(lines[f.line - 1])
        if m and m.group(2):
            whole = parse_value(m.group(2))
            if is_dotenv(f.file):
                d = envs.setdefault(f.file, dotenv_lines("\n".join(lines) + "\n")).get(f.line)
                whole = d[1] if d is not None and d[0] == m.group(1) and d[1] is not None else whole
            if f.value is not None and f.value.reveal() not in whole:
                continue  # the line holds it encoded (a Kubernetes Secret's base64 data): not its definition
            out[(f.file, f.line)] = (m.group(1), SecretValue(whole))
    return out


def read_definition(root: Path, file: str, variable: str) -> str | None:
    """The value ``file`` gives ``variable`` now (first definition; in a ``.env`` file, expanded), or None."""
    if is_dotenv(file):
        for name, value, _names in dotenv_lines("\n".join(_lines(root / file)) + "\n").values():
            if name == variable and value:
                return value
    for line in _lines(root / file):
        m = LINE_RE.match(line)
        if m and m.group(1) == variable and m.group(2):
            return parse_value(m.group(2))
    return None


def _in_yaml_spans(root: Path, findings: Iterable[Any], spans_of: Callable[[str], list[tuple[int, int, str]]]
                   ) -> list[tuple[Any, str]]:
    """(finding, label) for hardcoded findings of YAML files lying in one of the ``(first line, last
    line, label)`` spans ``spans_of(text)`` gives for their file (parsed once per file; a file that does
    not parse gives none)."""
    import yaml

    out: list[tuple[Any, str]] = []
    spans: dict[str, list[tuple[int, int, str]]] = {}
    for f in findings:
        if f.kind != "hardcoded" or not f.file.lower().endswith((".yaml", ".yml")):
            continue
        if f.file not in spans:
            try:
                spans[f.file] = spans_of((root / f.file).read_text("utf-8", "surrogateescape"))
            except (OSError, yaml.YAMLError):
                spans[f.file] = []
        label = next((n for a, b, n in spans[f.file] if a <= f.line <= b), None)
        if label is not None:
            out.append((f, label))
    return out


def _top(node: Any) -> dict[str, Any]:
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return {}
    return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode) and isinstance(k.value, str)}


def _lines_of(node: Any) -> tuple[int, int]:
    return node.start_mark.line + 1, node.end_mark.line + 1


def k8s_bundles(root: Path, findings: Iterable[Any]) -> dict[str, str]:
    """``fingerprint -> metadata.name`` for hardcoded findings inside a Kubernetes ``Secret`` manifest
    (``data``/``stringData``): one Secret's values become one secret named after it (an ExternalSecret
    then produces the same Secret from it). Manifests that do not parse give nothing."""
    import yaml

    def spans(text: str) -> list[tuple[int, int, str]]:
        out = []
        for d in yaml.compose_all(text, Loader=yaml.SafeLoader):
            top = _top(d)
            kind, name = top.get("kind"), _top(top.get("metadata")).get("name")
            if not (isinstance(kind, yaml.ScalarNode) and kind.value == "Secret" and isinstance(name, yaml.ScalarNode)
                    and name.value):
                continue
            out += [(*_lines_of(top[k]), str(name.value)) for k in ("data", "stringData")
                    if isinstance(top.get(k), yaml.MappingNode)]
        return out
    return {f.fingerprint: name for f, name in _in_yaml_spans(root, findings, spans)}


ENV_SECTIONS = frozenset({"development", "dev", "production", "prod", "staging", "default", "defaults"})


def test_sections(root: Path, findings: Iterable[Any]) -> dict[tuple[str, int], str]:
    """``(file, line) -> "test" | "development"`` for hardcoded findings under the ``test:`` (``testing:``)
    or ``development:`` (``dev:``) section of a YAML file keyed by environment (Rails' database.yml and
    secrets.yml, Symfony's, a config.yml with development/test/production): test values are reported with
    the tests, development values with the development configuration, rather than migrated."""
    import yaml

    labels = {"test": "test", "testing": "test", "development": "development", "dev": "development"}

    def spans(text: str) -> list[tuple[int, int, str]]:
        top = _top(yaml.compose(text, Loader=yaml.SafeLoader))  # several documents: no sections (raises)
        if not set(top) & ENV_SECTIONS:
            return []
        return [(*_lines_of(v), labels[k.lower()]) for k, v in top.items()
                if k.lower() in labels and isinstance(v, yaml.MappingNode)]
    return {(f.file, f.line): label for f, label in _in_yaml_spans(root, findings, spans)}


# a database named in a file's text, as a word of its own (MYSQL_PASSWORD, image: mariadb:10.9,
# django.db.backends.mysql, jdbc:postgresql://, DB_CONNECTION=pgsql)
_DB_WORD_RE = re.compile(r"(?<![a-z0-9])(mysql|mariadb|postgres|postgresql|pgsql|postgis|mongo|mongodb|mssql|sqlsrv|"
                         r"sqlserver)(?![a-z0-9])")
_DB_OF_WORD = {"mysql": "mysql", "mariadb": "mysql", "postgres": "postgresql", "postgresql": "postgresql",
               "pgsql": "postgresql", "postgis": "postgresql", "mongo": "mongodb", "mongodb": "mongodb",
               "mssql": "sqlserver", "sqlsrv": "sqlserver", "sqlserver": "sqlserver"}


# the database drivers a project's manifest declares (package.json, requirements, pyproject, Gemfile,
# go.mod, composer.json, pom.xml ...), as words of their own
_DRIVER_RE = re.compile(r"(?<![a-z0-9])(mysql2?|mysqlclient|pymysql|aiomysql|mysql-connector[\w-]*|mariadb|pg|"
                        r"psycopg2?(?:-binary)?|psycopg|asyncpg|pgx|postgres|postgresql|mongoose|mongodb|pymongo|"
                        r"motor|mssql|tedious|pyodbc)(?![a-z0-9])")
_DB_OF_DRIVER = {"mysql": "mysql", "mysql2": "mysql", "mysqlclient": "mysql", "pymysql": "mysql", "aiomysql": "mysql",
                 "mariadb": "mysql", "pg": "postgresql", "psycopg2": "postgresql", "psycopg": "postgresql",
                 "psycopg2-binary": "postgresql", "asyncpg": "postgresql", "pgx": "postgresql",
                 "postgres": "postgresql", "postgresql": "postgresql", "mongoose": "mongodb", "mongodb": "mongodb",
                 "pymongo": "mongodb", "motor": "mongodb", "mssql": "sqlserver", "tedious": "sqlserver",
                 "pyodbc": "sqlserver"}
_MANIFESTS = ("package.json", "requirements.txt", "pyproject.toml", "Pipfile", "setup.cfg", "Gemfile", "go.mod",
              "composer.json", "pom.xml", "build.gradle", "build.gradle.kts", "Cargo.toml")


def _one(kinds: set[str]) -> str | None:
    return next(iter(kinds)) if len(kinds) == 1 else None


def _drivers(manifests: list[Path]) -> set[str]:
    kinds: set[str] = set()
    for p in manifests:
        text = "\n".join(_lines(p)).lower()
        if p.name == "package.json":  # the dependency names only, not the scripts
            import json

            try:
                doc = json.loads(text)
            except ValueError:
                continue
            deps = [doc.get(k) for k in ("dependencies", "devdependencies", "peerdependencies", "optionaldependencies")]
            text = " ".join(n for d in deps if isinstance(d, dict) for n in d)
        for m in _DRIVER_RE.finditer(text):
            w = m.group(1)
            kinds.add("mysql" if w.startswith("mysql-connector") else _DB_OF_DRIVER[w])
    return kinds


def _manifest_database(root: Path, rel: str, memo: dict[str, str | None]) -> str | None:
    """The one database the nearest folder with a manifest declares a driver for (mysql2, psycopg2 ...)."""
    folder = (root / rel).parent
    seen: list[str] = []
    while True:
        key = folder.as_posix()
        if key in memo:
            got = memo[key]
            break
        seen.append(key)
        found = [folder / m for m in _MANIFESTS if (folder / m).is_file()]
        if found:
            got = _one(_drivers(found))
            break
        if folder == root or folder.parent == folder or root not in folder.parents:
            got = None
            break
        folder = folder.parent
    for k in seen:
        memo[k] = got
    return got


def file_databases(root: Path, findings: Iterable[Any]) -> dict[str, str]:
    """``file -> database service`` for the files holding a finding (a literal or a read) whose text
    names exactly one relational or document database (words of their own, case aside), or else whose
    project (the nearest manifest above it) declares a driver for exactly one: there a name that says
    only "database" (``WORDPRESS_DB_PASSWORD`` beside a ``mariadb`` image, Laravel's ``DB_PASSWORD``
    after ``DB_CONNECTION=mysql``, ``process.env.DATABASE_PASSWORD`` in an app that depends on mysql2)
    is that database's, not the postgresql such a name is taken for elsewhere."""
    out: dict[str, str] = {}
    memo: dict[str, str | None] = {}
    for rel in sorted({f.file for f in findings}):
        text = "\n".join(_lines(root / rel)).lower()
        kind = _one({_DB_OF_WORD[m.group(1)] for m in _DB_WORD_RE.finditer(text)}) \
            or _manifest_database(root, rel, memo)
        if kind:
            out[rel] = kind
    return out
