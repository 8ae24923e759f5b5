"""The hook path (``secretshift scan FILES``) must stay light: no libcst, boto3, botocore,
detect_secrets or moto. Checked in a fresh interpreter, after a real scan of several file types."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scanner.samples import expand

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
