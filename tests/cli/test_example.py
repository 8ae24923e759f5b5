"""The bundled example (examples/make_example.py): a git repository whose every file type holds
findings, with a credential that only history still has, and modules importable without their
third-party libraries."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from secretshift.scanner.ruleset import load_ruleset
from secretshift.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    dest = tmp_path_factory.mktemp("ex") / "shop"
    r = subprocess.run([sys.executable, str(REPO / "examples" / "make_example.py"), str(dest)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return dest


def _findings(capsys, *args: str) -> list[dict]:
    rc = main(["scan", "--format", "json", *args])
    out = capsys.readouterr().out
    assert rc == 1
    return json.loads(out)["findings"]


def test_every_file_type_has_findings(shop, capsys):
    findings = _findings(capsys, str(shop))
    by_file = {f["file"] for f in findings}
    for name in ("service/settings.py", "frontend/src/api.js", "worker/worker.js", "docker-compose.yml",
                 ".env", "deploy/ecs-task-definition.json", "deploy/cloudformation.yaml", "deploy/main.tf",
                 "Dockerfile", "deploy/deploy.sh"):
        assert name in by_file, f"no finding in {name}"


def test_rule_families(shop, capsys):
    findings = _findings(capsys, str(shop))
    families = {f["rule_id"][:3] for f in findings}
    rules = load_ruleset().rules
    expected = {"SS1", "SS4"}  # generic assignments, vendor formats
    if any(r.kind == "env" for r in rules):
        expected.add("SS2")  # os.environ / process.env reads
    if any(r.engine == "config" for r in rules):
        expected.add("SS3")  # .env, compose, ECS, CloudFormation, Terraform, Dockerfile
    if any(r.id.startswith("SS6") for r in rules):
        expected.add("SS6")  # postgresql://user:password@host URLs
    assert expected <= families, f"missing {sorted(expected - families)}"


def test_history_holds_a_removed_credential(shop, capsys):
    log = subprocess.run(["git", "-C", str(shop), "log", "--format=%s", "--name-status"],
                         capture_output=True, text=True, check=True).stdout
    assert "Remove legacy keys" in log and "D\tservice/legacy_keys.py" in log
    assert not (shop / "service" / "legacy_keys.py").exists()
    old = subprocess.run(["git", "-C", str(shop), "show", "HEAD~1:service/legacy_keys.py"],
                         capture_output=True, text=True, check=True).stdout
    assert "AKIA" in old and "{{" not in old  # expanded, realistic value in the first commit
    head = {f["file"] for f in _findings(capsys, str(shop))}
    assert "service/legacy_keys.py" not in head


def test_expansion_is_deterministic_and_templates_hold_no_values(shop, tmp_path):
    again = tmp_path / "again"
    subprocess.run([sys.executable, str(REPO / "examples" / "make_example.py"), str(again)],
                   check=True, capture_output=True, timeout=120)
    for p in (shop / ".env", shop / "deploy" / "main.tf", shop / "service" / "db.py"):
        assert p.read_text() == (again / p.relative_to(shop)).read_text()
    template = (REPO / "examples" / "shop" / ".env").read_text()
    assert "{{rand:" in template and "sk_live_" not in template


def test_python_modules_import_without_third_party_libraries(shop):
    probe = ("import sys; sys.modules['psycopg2'] = None; sys.modules['stripe'] = None\n"
             "import service.settings as s, service.db as d, service.payments as p\n"
             "print(len(s.SECRET_KEY), d.DATABASE_URL.startswith('postgresql://'), len(p.STRIPE_WEBHOOK_SECRET))")
    r = subprocess.run([sys.executable, "-c", probe], cwd=shop, capture_output=True, text=True, timeout=60,
                       env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["50", "True", "38"]
