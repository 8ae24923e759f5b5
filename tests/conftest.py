"""Fixtures for the whole suite. Tests read nothing outside the checkout except what they build."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

SCHEMAS = Path(__file__).resolve().parent / "schemas"


@pytest.fixture(scope="session")
def sarif_schema() -> dict:
    """The official SARIF 2.1.0 schema, kept in tests/schemas (source and licence in its README)."""
    return json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
