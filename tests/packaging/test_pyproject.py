"""Packaging: one import namespace (`secretshift`), every package folder shipped, rules as data.

The repository keeps `scanner/`, `codemods/` and `rules/` at its top; the build maps them into
`secretshift.*`. The wheel test builds a real wheel from a copy of the checkout and reads its
file list, so a new top-level package or a forgotten sub-package fails here, not on a user's machine.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _mapped_folders() -> dict[str, Path]:
    """Import name -> folder, for secretshift and every package-dir mapping."""
    cfg = _load()["tool"]["setuptools"]
    out = {"secretshift": ROOT / "secretshift"}
    out.update({name: ROOT / folder for name, folder in cfg["package-dir"].items()})
    return out


def test_every_package_directory_is_listed():
    listed = set(_load()["tool"]["setuptools"]["packages"])
    found = set()
    for name, folder in _mapped_folders().items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder)
            found.add(".".join((name, *rel.parts)))
    assert found - listed == set(), "add these to [tool.setuptools] packages"
    assert all(p == "secretshift" or p.startswith("secretshift.") for p in listed), listed


def test_rules_ship_as_package_data():
    cfg = _load()["tool"]["setuptools"]
    assert cfg["package-dir"]["secretshift.rules"] == "rules"
    assert "*.yaml" in cfg["package-data"]["secretshift.rules"]
    assert any((ROOT / "rules").glob("*.yaml"))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    import setuptools  # the test extra pins the version pyproject's build-system asks for

    assert int(setuptools.__version__.split(".")[0]) >= 77, setuptools.__version__
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md", "secretshift", "scanner", "codemods", "rules"):
        p = ROOT / name
        if p.is_dir():
            shutil.copytree(p, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(p, src / name)
    out = tmp_path_factory.mktemp("dist")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(out), str(src)], capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stderr[-2000:]
    (whl,) = out.glob("secretshift-*.whl")
    return zipfile.ZipFile(whl)


def test_wheel_has_one_top_level_package(wheel):
    names = wheel.namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"secretshift"}
    (top_level,) = [n for n in names if n.endswith(".dist-info/top_level.txt")] or [None]
    if top_level:
        assert wheel.read(top_level).decode().split() == ["secretshift"]


def test_wheel_carries_the_mapped_packages_and_their_data(wheel):
    names = set(wheel.namelist())
    for must in ("secretshift/scanner/scan.py", "secretshift/scanner/engines/regex.py",
                 "secretshift/codemods/runner.py", "secretshift/codemods/commands/_base.py",
                 "secretshift/codemods/templates/secrets_accessor.py", "secretshift/rules/generic.yaml",
                 "secretshift/base/errors.py", "secretshift/base/fileio.py"):
        assert must in names, must
    assert not any(n.startswith(("scanner/", "codemods/", "rules/", "tests/")) for n in names)
