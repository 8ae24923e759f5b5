"""JSON report, schema version 1 (documented in docs/json-schema.md)."""
from __future__ import annotations

import json
from typing import TextIO

from secretshift.scanner.models import ScanResult
from secretshift.scanner.ruleset import Ruleset

SCHEMA_VERSION = 1


def document(result: ScanResult) -> dict:
    return {
        "version": SCHEMA_VERSION,
        "findings": [f.to_dict() for f in result.findings],
        "summary": result.summary(),
    }


def write(result: ScanResult, ruleset: Ruleset, out: TextIO, color: bool = False) -> None:
    json.dump(document(result), out, indent=2, ensure_ascii=False)
    out.write("\n")
