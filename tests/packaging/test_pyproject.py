"""Every Python package in the tree ships: the explicit package list in pyproject.toml is complete."""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _load():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_directory_is_listed():
    listed = set(_load()["tool"]["setuptools"]["packages"])
    found = set()
    for top in ("secretshift", "scanner", "codemods"):
        for init in (ROOT / top).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT)
            if "tests" in rel.parts or "templates" in rel.parts:
                continue
            found.add(".".join(rel.parts))
    assert found - listed == set(), "add these to [tool.setuptools] packages"


def test_rules_ship_as_package_data():
    cfg = _load()["tool"]["setuptools"]
    assert cfg["package-dir"]["secretshift.rules"] == "rules"
    assert "*.yaml" in cfg["package-data"]["secretshift.rules"]
    assert any((ROOT / "rules").glob("*.yaml"))
