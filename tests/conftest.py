"""Fixtures for the whole suite. Tests read nothing outside the checkout except what they build."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

SCHEMAS = Path(__file__).resolve().parent / "schemas"


def pytest_configure(config: pytest.Config) -> None:
    """secretshift's cache (validated rules, Hyperscan databases) goes inside the checkout, not the
    user's cache directory; subprocesses inherit it. Kept between runs like pytest's own cache."""
    os.environ.setdefault("SECRETSHIFT_CACHE_DIR", str(Path(config.rootpath) / ".pytest_cache" / "secretshift"))


@pytest.fixture(scope="session")
def sarif_schema() -> dict:
    """The official SARIF 2.1.0 schema, kept in tests/schemas (source and licence in its README)."""
    return json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
