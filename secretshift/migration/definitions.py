"""Which variable a configuration line defines (``NAME=value``, ``NAME: value``, ``- NAME=value``).

Used at plan time to tie a vendor-rule finding on a ``.env``/compose/CloudFormation line to the variable
the code reads, and at apply time to read the variable's whole value (a connection URL whose finding
covers only the password). Values stay in memory.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable

from secretshift.scanner.models import SecretValue

from ..planner.build import is_definition_file

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


def definitions_for(root: Path, findings: Iterable[Any]) -> dict[tuple[str, int], tuple[str, SecretValue]]:
    """``(file, line) -> (VARIABLE, whole value)`` for hardcoded findings on definition lines."""
    out: dict[tuple[str, int], tuple[str, SecretValue]] = {}
    cache: dict[str, list[str]] = {}
    for f in findings:
        if f.kind != "hardcoded" or not is_definition_file(f.file) or f.line != f.end_line:
            continue
        lines = cache.setdefault(f.file, _lines(root / f.file))
        if not 0 < f.line <= len(lines):
            continue
        m = LINE_RE.match(lines[f.line - 1])
        if m and m.group(2):
            whole = parse_value(m.group(2))
            if f.value is not None and f.value.reveal() not in whole:
                continue  # the line holds it encoded (a Kubernetes Secret's base64 data): not its definition
            out[(f.file, f.line)] = (m.group(1), SecretValue(whole))
    return out


def read_definition(root: Path, file: str, variable: str) -> str | None:
    """The value ``file`` gives ``variable`` now (first definition), or None."""
    for line in _lines(root / file):
        m = LINE_RE.match(line)
        if m and m.group(1) == variable and m.group(2):
            return parse_value(m.group(2))
    return None
