"""The README quickstart: `migrate --yes` on the bundled example shop (Python, JavaScript, .env, compose,
ECS, CloudFormation, Terraform, Dockerfile, shell) ends with verify passing, every planned file handled,
no migrated value left anywhere in the tree or the output, and the JavaScript services importing their
accessor."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import git, secrets_in

REPO = Path(__file__).resolve().parents[2]
NOT_SECRET = {"host", "port", "username", "engine", "dbname"}


def test_quickstart_migrates_every_file_of_the_example(tmp_path, aws_env, moto_url, capsys):
    from secretshift.cli import main

    shop = tmp_path / "shop"
    subprocess.run([sys.executable, str(REPO / "examples" / "make_example.py"), str(shop)], check=True,
                   capture_output=True, timeout=120)
    rc = main(["migrate", str(shop), "--yes"])
    out, err = capsys.readouterr()
    assert rc == 0, out + err
    assert "verify passed" in out and "12 of 12 planned file(s) handled" in out
    plan_files = {line.split(":")[0].strip() for line in out.splitlines() if line.startswith("  ") and "change(s)" in line}
    changed = set(git(shop, "diff", "--name-only").split())
    assert plan_files and plan_files <= changed  # every planned file was written, none only shown
    assert {"worker/worker.js", "frontend/src/api.js", "deploy/ecs-task-definition.json", "deploy/main.tf",
            "docker-compose.yml", "Dockerfile", "deploy/deploy.sh", "deploy/cloudformation.yaml"} <= changed

    stored = secrets_in(moto_url)
    values = []
    for s in stored.values():
        try:
            obj = json.loads(s)
        except ValueError:
            obj = s
        values += [v for k, v in obj.items() if k not in NOT_SECRET] if isinstance(obj, dict) else [obj]
    values = [v for v in values if isinstance(v, str) and len(v) >= 6]
    assert len(values) >= 15
    tree = git(shop, "ls-files", "-co", "--exclude-standard").split()
    for rel in tree:
        data = (shop / rel).read_bytes()
        assert not [v for v in values if v.encode() in data], rel
    assert not [v for v in values if v in out + err]

    worker, api = (shop / "worker" / "worker.js").read_text(), (shop / "frontend" / "src" / "api.js").read_text()
    assert 'require("./secretshift-secrets.cjs")' in worker and 'from "../secretshift-secrets.mjs"' in api
    for pkg in ("worker", "frontend"):
        assert (shop / pkg / "package.json").is_file()
        deps = json.loads((shop / pkg / "package.json").read_text())["dependencies"]
        assert "@aws-sdk/client-secrets-manager" in deps and "aws-sdk" not in deps
    assert json.loads((shop / "deploy" / "ecs-task-definition.json").read_text())["containerDefinitions"][0]["secrets"]
    policy = json.loads((shop / ".secretshift" / "iam-policy.json").read_text())
    assert "EcsTaskExecutionRoleReadsSecrets" in {s["Sid"] for s in policy["Statement"]}
    assert main(["scan", str(shop)]) == 0  # a scan after the migration finds nothing
