"""JavaScript and deployment files through `migrate` (moto over HTTP): an interrupt inside the rewrite of
a JavaScript file (its accessor and package.json written, the file itself not) or after a Kubernetes
task definition resumes with the printed command; the ledger knows every file the run wrote, so a second run
changes nothing; a later run's ECS file joins the cumulative IAM policy."""
from __future__ import annotations

import base64
import hashlib
import json
import shlex

import pytest
import yaml

from secretshift.scanner.samples import expand

from aws.servers import client

from .conftest import Project, git, secrets_in, versions


def _files(v: dict[str, str]) -> dict[str, str]:
    b64 = base64.b64encode(v["db"].encode()).decode()
    return {
        "worker/package.json": '{\n  "name": "worker",\n  "dependencies": {\n    "pg": "^8.11.0"\n  }\n}\n',
        "worker/index.js": ('const { Client } = require("pg");\n\n'
                            f'const mailKey = "{v["mail"]}";\n\n'
                            "module.exports = { mailKey, db: () => new Client() };\n"),
        "deploy/task.json": json.dumps({"family": "web", "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
                                        "containerDefinitions": [{"name": "web", "image": "shop:1", "environment": [
                                            {"name": "STRIPE_SECRET_KEY", "value": v["stripe"]},
                                            {"name": "LOG_LEVEL", "value": "info"}]}]}, indent=2) + "\n",
        "k8s/app.yaml": ("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-creds\n  namespace: shop\n"
                         f"type: Opaque\ndata:\n  DB_PASSWORD: {b64}\n"),
        "docker-compose.yml": ("services:\n  web:\n    image: shop:1\n    environment:\n"
                               f'      DB_PASSWORD: "{v["db"]}"\n      LOG_LEVEL: info\n'),
    }


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "shop"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    v = {"mail": expand("SG.{{rand:b64url:22}}.{{rand:b64url:43}}", f"{tmp_path.name}-mail"),
         "stripe": expand("sk_{{join:li:ve}}_{{rand:alnum:24}}", f"{tmp_path.name}-sk"),
         "db": expand("{{rand:alnum:20}}", f"{tmp_path.name}-db")}
    for rel, text in _files(v).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    p = Project(root, v, tmp_path / "none")
    p.commit_all("shop")
    return p


def _snapshot(root) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.relative_to(root).parts}


@pytest.mark.parametrize("stop_at, left", [("inside worker/index.js", 1), ("rewrite:deploy/task.json", 3)])
def test_interrupted_javascript_or_deploy_rewrite_resumes_and_a_rerun_changes_nothing(project, moto_reset, cli,
                                                                                       monkeypatch, stop_at, left):
    from secretshift.codemods import deploy
    from secretshift.migration import run

    root = project.root
    if stop_at.startswith("inside"):
        real_write = deploy.write_files

        def crash(where, rw):  # the extra files are written, then the process dies before the file itself
            if rw.path == "worker/index.js":
                rw.text = rw.before
                real_write(where, rw)
                raise KeyboardInterrupt
            real_write(where, rw)
        monkeypatch.setattr(deploy, "write_files", crash)
    else:
        real_init = run.ApplyArgs.__init__

        def init(self, *a, **kw):
            real_init(self, *a, **kw)
            self.after_step = lambda step: (_ for _ in ()).throw(KeyboardInterrupt) if step == stop_at else None
        monkeypatch.setattr(run.ApplyArgs, "__init__", init)
    rc, out, err = cli("migrate", str(root), "--yes")
    assert rc == 130, out + err
    command = shlex.split(err.strip().splitlines()[-1].split("resume with: ", 1)[1])
    monkeypatch.undo()
    for k, val in {"AWS_ENDPOINT_URL": moto_reset, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
                   "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(k, val)
    rc, out, err = cli(*command[1:])  # the interrupted run's own files are not "unrelated work"
    assert rc == 0, out + err
    assert "verify passed" in out and f"{left} of {left} planned file(s) handled" in out  # what was left to do
    assert all(versions(moto_reset, n) == 1 for n in secrets_in(moto_reset))
    assert project.leaked() == []
    for rel in _files(project.values):
        assert not [k for k, v in project.values.items() if v in (root / rel).read_text()], rel

    worker = (root / "worker" / "index.js").read_text()
    assert 'const { getSecretSync } = require("./secretshift-secrets.cjs");' in worker
    pkg = json.loads((root / "worker" / "package.json").read_text())
    assert pkg["dependencies"]["pg"] == "^8.11.0" and "@aws-sdk/client-secrets-manager" in pkg["dependencies"]
    es, = yaml.safe_load_all((root / "k8s" / "app.yaml").read_text())
    assert es["kind"] == "ExternalSecret" and es["spec"]["target"]["name"] == "db-creds"
    store = yaml.safe_load((root / "k8s" / "secretshift-secretstore.yaml").read_text())
    assert store["kind"] == "SecretStore" and store["metadata"]["namespace"] == "shop"
    stored = secrets_in(moto_reset)
    # the Secret's base64 data and compose's literal are one value: one secret holding it decoded
    assert sorted(stored) == ["production/api/sendgrid", "production/api/stripe", "production/db/postgresql"]
    assert json.loads(stored["production/db/postgresql"])["password"] == project.values["db"]
    arns = {n: client(moto_reset).describe_secret(SecretId=n)["ARN"] for n in stored}
    task = json.loads((root / "deploy" / "task.json").read_text())["containerDefinitions"][0]
    assert task["environment"] == [{"name": "LOG_LEVEL", "value": "info"}]
    assert task["secrets"] == [{"name": "STRIPE_SECRET_KEY", "valueFrom": arns["production/api/stripe"] + ":secret_key::"}]
    ledger = json.loads((root / ".secretshift" / "ledger.json").read_text())
    assert "worker/secretshift-secrets.cjs" in ledger["accessors"]
    assert {"worker/package.json", ".env.example", "k8s/secretshift-secretstore.yaml"} <= set(ledger["files"])

    before = _snapshot(root)
    rc, out, err = cli("migrate", str(root), "--yes")
    assert rc == 0 and "nothing to migrate" in out, out + err
    assert _snapshot(root) == before

    # a later run: a second task definition with a new secret joins the execution role's statement
    tok = expand("{{rand:alnum:32}}", f"{root.parent.name}-tok")
    project.values["tok"] = tok
    (root / "deploy" / "jobs.json").write_text(json.dumps({"family": "jobs", "containerDefinitions": [{
        "name": "jobs", "image": "shop:1", "environment": [{"name": "ANALYTICS_TOKEN", "value": tok}]}]}) + "\n")
    project.commit_all("jobs")
    rc, out, err = cli("migrate", str(root), "--yes")
    assert rc == 0, out + err
    policy = json.loads((root / ".secretshift" / "iam-policy.json").read_text())
    ecs = next(s for s in policy["Statement"] if s["Sid"] == "EcsTaskExecutionRoleReadsSecrets")
    arns = {n: client(moto_reset).describe_secret(SecretId=n)["ARN"] for n in secrets_in(moto_reset)}
    assert ecs["Resource"] == sorted([arns["production/api/stripe"], arns["production/generic/analytics-token"]])
    assert project.leaked() == []


def test_local_run_interrupted_before_verify_says_what_it_could_not_check(project, cli, monkeypatch):
    """--local secrets vanish with the run: resuming an interrupted verify cannot read them back, and says
    so (exit 1) instead of failing on the missing secret or passing without looking for their values."""
    from secretshift.migration import run

    for k in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
        monkeypatch.delenv(k, raising=False)
    real_init = run.ApplyArgs.__init__

    def init(self, *a, **kw):
        real_init(self, *a, **kw)
        self.after_step = lambda step: (_ for _ in ()).throw(KeyboardInterrupt) if step == "stage:rewrite" else None
    monkeypatch.setattr(run.ApplyArgs, "__init__", init)
    rc, out, err = cli("migrate", str(project.root), "--local", "--yes")
    assert rc == 130, out + err
    monkeypatch.setattr(run.ApplyArgs, "__init__", real_init)
    rc, out, err = cli("migrate", str(project.root), "--local", "--yes")
    assert rc == 1, out + err
    assert "resuming the saved plan" in out and "verify failed" in out
    assert "3 secret(s) were created by the interrupted run's --local emulator, gone with it" in out
    assert project.leaked() == []
