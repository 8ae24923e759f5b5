"""The migrated application where it is deployed: a compose/k8s/Procfile process given no AWS region,
an image built from a lock file, a Dockerfile that imports the settings while building, and installs
that do (or do not) bring boto3. Real git repositories, moto over HTTP, fake values built at test time."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import git


def _bare_probe(project, tmp_path, **env):
    """The project's values read by a process given only credentials and the endpoint: no AWS_REGION,
    no AWS_DEFAULT_REGION, no AWS config file (a compose service's environment)."""
    code = ("import json, app.settings as s, app.billing as b, app.auth as a; print(json.dumps("
            "{'db': s.DB_PASSWORD, 'url': s.DATABASE_URL, 'jwt': a.signing_key(), 'gh': a.GITHUB_CLIENT_SECRET,"
            " **b.keys()}))")
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": str(project.root), "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
            "AWS_ENDPOINT_URL": os.environ["AWS_ENDPOINT_URL"], "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing"}
    r = subprocess.run([sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True,
                       env={**base, **env})
    return r.returncode, (json.loads(r.stdout) if r.returncode == 0 else r.stderr)


def test_a_process_given_no_region_reads_the_secrets_where_migrate_created_them(project, aws_env, cli, tmp_path):
    before = project.probe(project.dotenv())
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 0, out + err
    assert '\nFALLBACK_REGION = "us-east-1"\n' in (project.root / "app" / "secretshift_secrets.py").read_text()
    assert _bare_probe(project, tmp_path) == (0, before)
    # the environment still wins: there are no secrets in eu-west-3
    rc, err_text = _bare_probe(project, tmp_path, AWS_REGION="eu-west-3")
    assert rc != 0 and "not found in Secrets Manager" in err_text
    project.commit_all("migrated")
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 0, out + err
    assert "app/secretshift_secrets.py" not in git(project.root, "status", "--porcelain")
    assert project.leaked() == []
