"""A realistic multi-file project in a real git repository (fake values built at test time), a moto
server per test, and helpers that run the CLI in-process and keep every byte it printed."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from secretshift.scanner.samples import expand

from aws.servers import client, moto_server

GIT_ENV = {"GIT_AUTHOR_NAME": "Dana Dev", "GIT_AUTHOR_EMAIL": "dana@example.com",
           "GIT_COMMITTER_NAME": "Dana Dev", "GIT_COMMITTER_EMAIL": "dana@example.com"}


def git(repo: Path, *args: str) -> str:
    r = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True,
                       env={**os.environ, **GIT_ENV}, check=True)
    return r.stdout


def fake_values(seed: str) -> dict[str, str]:
    e = lambda t, s: expand(t, f"{seed}-{s}")  # noqa: E731
    return {
        "db_password": e("{{rand:alnum:20}}", "pw"),
        "db_url_password": e("{{rand:alnum:18}}", "urlpw"),
        "stripe_secret": e("sk_{{join:li:ve}}_{{rand:alnum:24}}", "sk"),
        "stripe_webhook": e("whsec_{{rand:alnum:32}}", "wh"),
        "github_secret": e("{{rand:hex:40}}", "gh"),
        "jwt_secret": e("{{rand:b64url:43}}", "jwt"),
        "slack_token": e("xox{{join:b:-}}{{rand:digits:11}}-{{rand:digits:12}}-{{rand:alnum:24}}", "slack"),
    }


@dataclass
class Project:
    root: Path
    values: dict[str, str]
    remote: Path
    first_commit: str = ""
    outputs: list[str] = field(default_factory=list)  # everything the tool printed

    def write_files(self) -> None:
        v = self.values
        (self.root / "app").mkdir(exist_ok=True)
        (self.root / "app" / "__init__.py").write_text("")
        (self.root / "app" / "settings.py").write_text(
            "import os\n\n"
            'DB_HOST = "db.internal"\n'
            f'DB_PASSWORD = "{v["db_password"]}"\n'
            'DATABASE_URL = os.environ["DATABASE_URL"]\n'
            f'JWT_SECRET = "{v["jwt_secret"]}"\n')
        (self.root / "app" / "billing.py").write_text(
            "import os\n\n"
            f'STRIPE_SECRET_KEY = "{v["stripe_secret"]}"\n'
            'STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")\n\n\n'
            "def keys():\n    return {'secret': STRIPE_SECRET_KEY, 'webhook': STRIPE_WEBHOOK_SECRET}\n")
        (self.root / "app" / "auth.py").write_text(
            "from app.settings import JWT_SECRET\n\n"
            f'GITHUB_CLIENT_SECRET = "{v["github_secret"]}"\n\n\n'
            "def signing_key():\n    return JWT_SECRET\n")
        (self.root / ".env").write_text(
            f"DATABASE_URL=postgresql://app:{v['db_url_password']}@db.internal:5432/orders\n"
            f"STRIPE_WEBHOOK_SECRET={v['stripe_webhook']}\n"
            "LOG_LEVEL=info\n")
        (self.root / "README.md").write_text("# shop\n")

    def dotenv(self) -> dict[str, str]:
        return {"DATABASE_URL": f"postgresql://app:{self.values['db_url_password']}@db.internal:5432/orders",
                "STRIPE_WEBHOOK_SECRET": self.values["stripe_webhook"]}

    def expected(self) -> dict[str, str]:
        """What the modules return before migration (the probe's answer with .env loaded)."""
        v = self.values
        return {"db": v["db_password"], "url": self.dotenv()["DATABASE_URL"], "jwt": v["jwt_secret"],
                "gh": v["github_secret"], "secret": v["stripe_secret"], "webhook": v["stripe_webhook"]}

    def probe(self, env: dict[str, str]) -> dict[str, str]:
        """What the project's modules return, read by a separate Python process."""
        code = ("import json, app.settings as s, app.billing as b, app.auth as a; print(json.dumps("
                "{'db': s.DB_PASSWORD, 'url': s.DATABASE_URL, 'jwt': a.signing_key(), 'gh': a.GITHUB_CLIENT_SECRET,"
                " **b.keys()}))")
        r = subprocess.run([sys.executable, "-c", code], cwd=self.root, capture_output=True, text=True,
                           env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(self.root), **env})
        assert r.returncode == 0, r.stderr[-2000:]
        return json.loads(r.stdout)

    def commit_all(self, msg: str) -> str:
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", msg)
        return git(self.root, "rev-parse", "HEAD").strip()

    def tree_bytes(self) -> dict[str, bytes]:
        out = {}
        for p in self.root.rglob("*"):
            if p.is_file() and ".git" not in p.relative_to(self.root).parts:
                out[p.relative_to(self.root).as_posix()] = p.read_bytes()
        return out

    def leaked(self, extra: list[bytes] = ()) -> list[str]:
        """Names of values found in anything the tool wrote (state, tree outside the original code, output)."""
        blobs = {f"out[{i}]": o.encode() for i, o in enumerate(self.outputs)}
        sd = self.root / ".secretshift"
        if sd.is_dir():
            blobs.update({p.name: p.read_bytes() for p in sd.rglob("*") if p.is_file()})
        for i, b in enumerate(extra):
            blobs[f"extra[{i}]"] = b
        return sorted(f"{k} in {where}" for k, v in self.values.items() for where, b in blobs.items()
                      if v.encode() in b)


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "shop"
    root.mkdir()
    remote = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(remote)], check=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Dana Dev")
    git(root, "config", "user.email", "dana@example.com")
    p = Project(root, fake_values(tmp_path.name), remote)
    p.write_files()
    # an old config with a Slack token, pushed, later deleted (only history holds it)
    (root / "old_config.py").write_text(f'SLACK_BOT_TOKEN = "{p.values["slack_token"]}"\n')
    p.first_commit = p.commit_all("first version")
    git(root, "remote", "add", "origin", str(remote))
    git(root, "push", "-q", "origin", "main")
    (root / "old_config.py").unlink()
    p.commit_all("drop old config")  # local only
    return p


@pytest.fixture
def moto_url():
    with moto_server() as url:
        yield url


@pytest.fixture
def aws_env(monkeypatch, moto_url):
    env = {"AWS_ENDPOINT_URL": moto_url, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": "testing"}
    for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_DEFAULT_REGION", "DATABASE_URL",
              "STRIPE_WEBHOOK_SECRET"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture
def cli(capsys, project):
    """Run ``secretshift ARGS`` in-process; returns (exit code, stdout, stderr) and records the output."""
    from secretshift.cli import main

    def run(*args: str) -> tuple[int, str, str]:
        rc = main(list(args))
        out, err = capsys.readouterr()
        project.outputs += [out, err]
        return rc, out, err

    def drain() -> str:
        out, err = capsys.readouterr()
        project.outputs += [out, err]
        return out + err

    run.drain = drain
    return run


def secrets_in(url: str) -> dict[str, str]:
    c = client(url)
    names = [s["Name"] for s in c.list_secrets()["SecretList"]]
    return {n: c.get_secret_value(SecretId=n)["SecretString"] for n in names}


def versions(url: str, name: str) -> int:
    return len(client(url).list_secret_version_ids(SecretId=name)["Versions"])



@pytest.fixture(scope="module")
def module_moto():
    """One moto server for a whole test module (tests reset it: ``moto_reset``)."""
    with moto_server() as url:
        yield url


@pytest.fixture
def moto_reset(module_moto, monkeypatch):
    """The module's moto server, emptied, with the AWS environment pointing at it."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(module_moto + "/moto-api/reset", method="POST"), timeout=10).read()
    for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL_SECRETS_MANAGER", "AWS_DEFAULT_REGION", "DATABASE_URL",
              "STRIPE_WEBHOOK_SECRET"):
        monkeypatch.delenv(k, raising=False)
    for k, v in {"AWS_ENDPOINT_URL": module_moto, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
                 "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(k, v)
    return module_moto
