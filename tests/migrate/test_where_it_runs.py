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


DOCKERFILE = """FROM python:3.11
WORKDIR /app
RUN python -m pip install --no-cache-dir pip==22.0.4
COPY requirements.txt requirements.txt
RUN pip install --no-cache-dir -r requirements.txt && \\
    pip install flake8==6.0.0
COPY . .
RUN python3 manage.py migrate
RUN DJANGO_SETTINGS_MODULE=app.settings python manage.py collectstatic --noinput
RUN python -c "import app.billing; print('ok')"
RUN python -m app.auth
RUN python -m compileall -q . && python manage.py help
CMD ["gunicorn", "app.wsgi"]
"""


def test_stale_locks_build_time_imports_and_the_installs_that_bring_boto3_are_said_once_each(project, aws_env, cli):
    """pygoat: pip pinned by name, then requirements.txt; `RUN python3 manage.py migrate` imports the
    settings that now read Secrets Manager. A uv-locked pyproject.toml and an npm-locked package gain
    their dependency: each lock is named once, with the command that refreshes it."""
    from secretshift.scanner.samples import expand

    root = project.root
    key = expand("{{rand:alnum:32}}", "where-js")
    project.values["js_key"] = key
    (root / "manage.py").write_text("import os\nimport sys\n\nif __name__ == '__main__':\n"
                                    "    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'app.settings')\n")
    (root / "requirements.txt").write_text("Django==4.2\n")
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "1.0"\ndependencies = [\n    "django",\n]\n')
    (root / "uv.lock").write_text('version = 1\n\n[[package]]\nname = "django"\nversion = "4.2"\n')
    (root / "Dockerfile").write_text(DOCKERFILE)
    (root / "web").mkdir()
    (root / "web" / "package.json").write_text('{\n  "name": "web",\n  "private": true\n}\n')
    (root / "web" / "package-lock.json").write_text('{\n  "name": "web",\n  "lockfileVersion": 3\n}\n')
    (root / "web" / "notify.js").write_text(f'async function send(msg) {{\n  const apiKey = "{key}";\n'
                                            "  return post(apiKey, msg);\n}\nmodule.exports = { send };\n")
    project.commit_all("a Django image, a locked project, a web package")
    rc, out, err = cli("migrate", str(root), "--yes")
    assert rc == 0, out + err
    assert "boto3" in (root / "requirements.txt").read_text() and "boto3" in (root / "pyproject.toml").read_text()
    assert "@aws-sdk/client-secrets-manager" in (root / "web" / "package.json").read_text()
    lines = (out + err).splitlines()
    assert [ln for ln in lines if "uv.lock" in ln] == [
        "dependencies: refresh uv.lock (uv lock): pyproject.toml now declares boto3 and the lock predates it; "
        "a locked install (uv sync --frozen) would leave it out"]
    assert [ln for ln in lines if "package-lock.json" in ln] == [
        "dependencies: refresh web/package-lock.json (cd web && npm install): web/package.json now declares "
        "@aws-sdk/client-secrets-manager and the lock predates it; a locked install (npm ci) would leave it out"]
    # requirements.txt brings boto3 into the image: no warning about pip==22.0.4 or flake8
    assert "by name" not in out + err and "does not declare boto3" not in out + err
    built = [ln for ln in lines if "while the image is built" in ln]
    assert [ln.split(" imports the application")[0] for ln in built] == [
        "secretshift: warning: Dockerfile:8: RUN python3 manage.py migrate",
        "secretshift: warning: Dockerfile:9: RUN python manage.py collectstatic",
        "secretshift: warning: Dockerfile:10: RUN python -c ...",
        "secretshift: warning: Dockerfile:11: RUN python -m app.auth"]
    assert all("Secrets Manager when imported" in ln and "app/" in ln for ln in built)
    assert project.leaked() == []
