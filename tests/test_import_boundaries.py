"""Import boundaries.

- The hook path (``secretshift scan FILES``) must stay light: no libcst, boto3, botocore,
  detect_secrets or moto. Checked in a fresh interpreter, after a real scan of several file types.
- Layers import downwards only (docs/architecture.md): ``secretshift.base`` imports nothing of ours,
  the scanner imports the base, the codemods import the base and the scanner. Checked statically on
  every import statement, relative ones and those inside functions included."""
from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from secretshift.scanner.samples import expand

HEAVY = ("libcst", "boto3", "botocore", "detect_secrets", "moto")

PROBE = """
import json, sys
from secretshift.cli import main
rc = main(sys.argv[1:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(%r))
print(json.dumps({"rc": rc, "heavy": heavy}))
""" % (HEAVY,)


def _probe(args: list[str], cwd: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                       timeout=120, cwd=cwd)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def _files(tmp_path: Path) -> list[str]:
    key = expand("AKIA{{rand:b32:16}}", "imports")
    files = {
        "settings.py": f'import os\nAWS_ACCESS_KEY_ID = "{key}"\nDB = os.environ["DB_PASSWORD"]\n',
        "app.js": f'const key = "{key}";\nconst pw = process.env.DB_PASSWORD;\n',
        "compose.yaml": f"services:\n  web:\n    environment:\n      AWS_ACCESS_KEY_ID: {key}\n",
        "task.json": json.dumps({"environment": [{"name": "AWS_ACCESS_KEY_ID", "value": key}]}),
        ".env": f"AWS_ACCESS_KEY_ID={key}\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return sorted(files)


def test_scan_files_imports_nothing_heavy(tmp_path):
    names = _files(tmp_path)
    res = _probe(["scan", "-q", *names], tmp_path)
    assert res["rc"] == 1  # the scan really ran and found the key
    assert res["heavy"] == []


def test_scan_json_and_sarif_import_nothing_heavy(tmp_path):
    names = _files(tmp_path)
    for fmt in ("json", "sarif"):
        res = _probe(["scan", "--format", fmt, "-o", str(tmp_path / f"out.{fmt}"), *names], tmp_path)
        assert res["rc"] == 1 and res["heavy"] == [], fmt


# --- static layering: lower layers never import upper ones ------------------------------------------
# folder in the checkout -> import name in the installed namespace (pyproject's package-dir)
LAYERS = {
    "secretshift/base": "secretshift.base",
    "scanner": "secretshift.scanner",
    "codemods": "secretshift.codemods",
}
# project modules each layer may import (its own package always); third-party imports it may use
MAY_IMPORT = {
    "secretshift.base": ((), ()),
    "secretshift.scanner": (("secretshift.base",), ("yaml", "re2", "hyperscan", "tree_sitter")),
    "secretshift.codemods": (("secretshift.base", "secretshift.scanner"), ("libcst", "yaml", "tree_sitter")),
}
ROOT = Path(__file__).resolve().parents[1]


def _imports(path: Path, module: str) -> list[tuple[int, str]]:
    """(line, absolute module name) for every import in ``path`` (module-level or inside functions)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    package = module if is_pkg else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append((node.lineno, name))
    return out


def _violations() -> list[str]:
    bad = []
    for folder, pkg in LAYERS.items():
        own, third = MAY_IMPORT[pkg]
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "templates" in path.relative_to(ROOT / folder).parts:
                continue  # the accessor template is code written into users' projects, not ours
            rel = path.relative_to(ROOT / folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            module = ".".join([pkg, *parts])
            for line, name in _imports(path, module):
                top = name.split(".")[0]
                if top == "secretshift":
                    if not any(name == p or name.startswith(p + ".") for p in (pkg, *own)):
                        bad.append(f"{path.relative_to(ROOT)}:{line}: {pkg} imports {name}")
                elif top not in sys.stdlib_module_names and top not in third and top != "__future__":
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {pkg} imports third-party {name}")
    return bad


def test_lower_layers_never_import_upper_ones():
    """base imports nothing of ours; scanner imports base; codemods imports base and scanner."""
    assert _violations() == []


def test_the_boundary_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The checker itself: a planted upward import (relative, inside a function) is reported."""
    fake = tmp_path / "scanner"
    fake.mkdir()
    (fake / "bad.py").write_text("def f():\n    from ..commands import scan\n    import boto3\n")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    for folder in ("secretshift/base", "codemods"):
        (tmp_path / folder).mkdir(parents=True)
    assert _violations() == ["scanner/bad.py:2: secretshift.scanner imports secretshift.commands",
                             "scanner/bad.py:3: secretshift.scanner imports third-party boto3"]
