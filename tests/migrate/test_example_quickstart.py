"""The README quickstart: `migrate --local --yes` on the bundled example shop (Python, JavaScript, .env,
compose, ECS, CloudFormation, Terraform, Dockerfile, shell) ends with verify passing (exit 0), every
file holding a credential handled, no migrated value left anywhere in the tree or the output, the
JavaScript service importing its accessor (the browser code reading build-time variables instead),
and a second run that changes nothing."""
from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from .conftest import git

REPO = Path(__file__).resolve().parents[2]


def _snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.relative_to(root).parts}


def test_quickstart_migrates_every_file_of_the_example(tmp_path, capsys):
    from secretshift.cli import main
    from secretshift.migration.planning import scan, scan_setup
    from secretshift.planner.scope import is_public

    shop = tmp_path / "shop"
    subprocess.run([sys.executable, str(REPO / "examples" / "make_example.py"), str(shop)], check=True,
                   capture_output=True, timeout=120)
    _, opts, ruleset = scan_setup(shop)
    found = [f for f in scan(opts, ruleset, lambda m: None) if f.kind == "hardcoded"]
    public = {f.fingerprint for f in found if is_public(f)}  # a publishable key, a Sentry DSN: left in place
    values = {f.value.reveal() for f in found if f.fingerprint not in public}
    files = {f.file for f in found if f.fingerprint not in public}
    assert len(values) >= 14 and len(files) >= 11

    rc = main(["migrate", str(shop), "--local", "--yes"])
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    assert "verify passed" in out and "12 of 12 planned file(s) handled" in out
    changed = set(git(shop, "diff", "--name-only").split())
    assert files <= changed, files - changed  # every file holding a credential was rewritten, none only shown
    for rel in git(shop, "ls-files", "-co", "--exclude-standard").split():
        data = (shop / rel).read_bytes()
        assert not [v for v in values if v.encode() in data], rel
    assert not [v for v in values if v in out + err]

    worker, api = (shop / "worker" / "worker.js").read_text(), (shop / "frontend" / "src" / "api.js").read_text()
    assert 'require("./secretshift-secrets.cjs")' in worker and (shop / "worker" / "secretshift-secrets.cjs").is_file()
    deps = json.loads((shop / "worker" / "package.json").read_text())["dependencies"]
    assert "@aws-sdk/client-secrets-manager" in deps and "aws-sdk" not in deps
    # browser code cannot read Secrets Manager: its literals become build-time variables, like its other reads
    assert "secretshift-secrets" not in api and "const mapsApiKey = process.env.MAPS_API_KEY;" in api
    assert "MAPS_API_KEY=" in (shop / "frontend" / ".env.example").read_text()
    assert not (shop / "frontend" / "package.json").exists()
    assert "left in place: 1 build-time variable read(s) in browser code" in out
    task = json.loads((shop / "deploy" / "ecs-task-definition.json").read_text())["containerDefinitions"][0]
    assert task["secrets"] and all(s["valueFrom"].startswith("arn:aws:secretsmanager:") for s in task["secrets"])
    policy = json.loads((shop / ".secretshift" / "iam-policy.json").read_text())
    ecs = next(s for s in policy["Statement"] if s["Sid"] == "EcsTaskExecutionRoleReadsSecrets")
    assert {s["valueFrom"].rsplit(":", 3)[0] for s in task["secrets"]} <= set(ecs["Resource"])
    ledger = json.loads((shop / ".secretshift" / "ledger.json").read_text())
    assert {"worker/secretshift-secrets.cjs", "service/secretshift_secrets.py"} <= set(ledger["accessors"])
    assert ledger["dependencies"]["worker/package.json"] == "@aws-sdk/client-secrets-manager"
    assert {".env.example", "frontend/.env.example"} <= set(ledger["files"])

    assert main(["scan", str(shop), "--format", "json"]) == 1  # only the public values are left
    scanned = json.loads(capsys.readouterr().out)["findings"]
    assert {f["fingerprint"] for f in scanned if f["kind"] == "hardcoded"} == public

    before = _snapshot(shop)
    rc = main(["migrate", str(shop), "--local", "--yes"])
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    assert "nothing to migrate" in out and _snapshot(shop) == before  # a second run changes nothing
