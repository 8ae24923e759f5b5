"""A real Node program (CommonJS and ESM modules) computes the same values before and after the rewrite,
with its environment emptied, reading Secrets Manager (moto over HTTP) through the generated accessor
and the AWS SDK for JavaScript v3; and it follows a rotation done in Secrets Manager.

The SDK is installed from the npm registry once per test session (one install shared by the xdist
workers, under a lock) into a temporary folder; without node/npm or the registry the tests skip and
say why."""
from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from secretshift.codemods.deploy import Options, rewrite_file
from secretshift.scanner.samples import expand

from aws.servers import client, moto_server

SDK = "@aws-sdk/client-secrets-manager@3"


@pytest.fixture(scope="session")
def node_modules(tmp_path_factory) -> Path:
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.skip("node and npm are not installed here (the JavaScript accessor needs Node 18+)")
    shared = tmp_path_factory.getbasetemp().parent / "secretshift-npm-sdk"  # one per session, all workers
    shared.mkdir(exist_ok=True)
    with open(shared / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        modules = shared / "node_modules"
        failed = shared / "failed"
        if failed.exists():
            pytest.skip(failed.read_text())
        if not (modules / "@aws-sdk" / "client-secrets-manager").is_dir():
            r = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error",
                                "--prefix", str(shared), SDK], capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                failed.write_text(f"npm could not install {SDK} (registry unreachable?): "
                                  f"{(r.stderr.strip().splitlines() or ['no output'])[-1][:200]}")
                pytest.skip(failed.read_text())
    return modules


def _values(seed: str) -> dict[str, str]:
    return {"api_key": expand("{{rand:alnum:32}}", f"{seed}-k"), "token": expand("{{rand:alnum:24}}", f"{seed}-t"),
            "db": expand("{{rand:alnum:20}}", f"{seed}-d")}


def _project(root: Path, v: dict[str, str]) -> None:
    (root / "package.json").write_text('{\n  "name": "svc",\n  "private": true\n}\n')
    (root / "config.js").write_text(f'// settings\nconst apiKey = "{v["api_key"]}";\nmodule.exports = {{ apiKey }};\n')
    (root / "notify.js").write_text("async function token() {\n  return process.env.SLACK_TOKEN;\n}\n"
                                    "module.exports = { token };\n")
    (root / "main.mjs").write_text(
        'import cfg from "./config.js";\nimport n from "./notify.js";\nimport readline from "node:readline";\n\n'
        f'const db = "{v["db"]}";\n'
        "console.log(JSON.stringify({ apiKey: cfg.apiKey, token: await n.token(), db }));\n"
        "if (process.argv[2] === '--wait') {\n"
        "  const rl = readline.createInterface({ input: process.stdin });\n"
        "  for await (const _ of rl) { console.log(JSON.stringify({ token: await n.token() })); break; }\n"
        "  rl.close();\n}\n")


def _api_key_read_from(tmp_path: Path, node_modules: Path, seed: str, secret: str, options):
    """A project (``_project``) whose config.js api_key now reads ``secret``: (its root, its values)."""
    root = tmp_path / "svc"
    root.mkdir()
    v = _values(seed)
    _project(root, v)
    (root / "node_modules").symlink_to(node_modules, target_is_directory=True)
    rw = rewrite_file(root, "config.js", [_target((root / "config.js").read_text(), v["api_key"], "hardcoded",
                                                   secret, "api_key")], options)
    assert rw.applied
    return root, v


def _target(text: str, needle: str, kind: str, secret: str, key: str | None, var: str | None = None):
    from secretshift.codemods.targets import RewriteTarget, sha256_text

    i = text.index(needle)
    line, col = text.count("\n", 0, i) + 1, i - (text.rfind("\n", 0, i) + 1) + 1
    return RewriteTarget(line, col, line, col + len(needle), kind, secret, key,
                         sha256_text(needle) if kind == "hardcoded" else None, var, fingerprint=f"{secret}:{line}")


def test_node_program_reads_the_same_values_and_follows_a_rotation(tmp_path, node_modules):
    v = _values("node")
    root = tmp_path / "svc"
    root.mkdir()
    _project(root, v)
    (root / "node_modules").symlink_to(node_modules, target_is_directory=True)
    plain = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    before = subprocess.run(["node", "main.mjs"], cwd=root, capture_output=True, text=True, timeout=60,
                            env={**plain, "SLACK_TOKEN": v["token"]})
    assert before.returncode == 0, before.stderr
    expected = json.loads(before.stdout)
    assert expected == {"apiKey": v["api_key"], "token": v["token"], "db": v["db"]}

    with moto_server() as url:
        sm = client(url)
        sm.create_secret(Name="svc/api/vendor", SecretString=json.dumps({"api_key": v["api_key"]}))
        sm.create_secret(Name="svc/api/slack", SecretString=json.dumps({"token": v["token"]}))
        sm.create_secret(Name="svc/db/main", SecretString=v["db"])
        jobs = {"config.js": [_target((root / "config.js").read_text(), v["api_key"], "hardcoded", "svc/api/vendor", "api_key")],
                "notify.js": [_target((root / "notify.js").read_text(), "process.env.SLACK_TOKEN", "env", "svc/api/slack",
                                      "token", "SLACK_TOKEN")],
                "main.mjs": [_target((root / "main.mjs").read_text(), v["db"], "hardcoded", "svc/db/main", None)]}
        notes = {}
        for rel, targets in jobs.items():
            rw = rewrite_file(root, rel, targets, Options())
            assert [o.status for o in rw.outcomes] == ["applied"], rw.outcomes
            notes[rel] = rw.outcomes[0].applicability
        assert notes == {"config.js": "unsafe", "notify.js": "safe", "main.mjs": "safe"}  # sync, await, top-level await
        for rel in jobs:
            text = (root / rel).read_text()
            assert all(x not in text for x in v.values())
            assert "secretshift-secrets" in text and "aws-sdk" not in text.replace("@aws-sdk/client-secrets-manager", "")
        assert json.loads((root / "package.json").read_text())["dependencies"] == {"@aws-sdk/client-secrets-manager": "^3.600.0"}
        accessors = sorted(p.name for p in root.glob("secretshift-secrets.*"))
        assert accessors == ["secretshift-secrets.cjs", "secretshift-secrets.mjs"]
        assert "require(\"aws-sdk\")" not in (root / "secretshift-secrets.cjs").read_text()  # never the v2 SDK

        aws = {**plain, "AWS_ENDPOINT_URL": url, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
               "AWS_SECRET_ACCESS_KEY": "testing", "SECRETSHIFT_SECRET_TTL": "0"}
        after = subprocess.run(["node", "main.mjs"], cwd=root, capture_output=True, text=True, timeout=60, env=aws)
        assert after.returncode == 0, after.stderr[-2000:]
        assert json.loads(after.stdout) == expected  # the same values, no SLACK_TOKEN in the environment

        rotated = expand("{{rand:alnum:24}}", "node-rotated")
        p = subprocess.Popen(["node", "main.mjs", "--wait"], cwd=root, env=aws, text=True, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert json.loads(p.stdout.readline())["token"] == v["token"]
            sm.put_secret_value(SecretId="svc/api/slack", SecretString=json.dumps({"token": rotated}))
            p.stdin.write("go\n")
            p.stdin.flush()
            assert json.loads(p.stdout.readline()) == {"token": rotated}  # read again after the TTL
        finally:
            p.kill()
            p.communicate(timeout=30)


def test_missing_secret_names_the_secret_never_a_value(tmp_path, node_modules):
    root, _ = _api_key_read_from(tmp_path, node_modules, "missing", "svc/api/absent", Options())
    with moto_server() as url:
        probe = ('const { getSecret, getSecretSync } = require("./secretshift-secrets.cjs");\n'
                 'try { getSecretSync("svc/api/absent", "k"); } catch (e) { console.log(e.name + ": " + e.message); }\n'
                 'getSecret("svc/api/absent").catch((e) => console.log(e.name + ": " + e.message));\n')
        (root / "probe.js").write_text(probe)
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_ENDPOINT_URL": url, "AWS_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        r = subprocess.run(["node", "probe.js"], cwd=root, capture_output=True, text=True, timeout=60, env=env)
    assert r.stdout.splitlines() == ['SecretNotFoundError: secret "svc/api/absent" was not found'] * 2, r.stderr


def test_a_process_given_no_region_reads_where_the_secrets_were_created_and_a_configured_one_wins(tmp_path,
                                                                                                  node_modules):
    """A compose/k8s/Procfile deployment sets no AWS_REGION: the accessor (async and sync reads) falls back
    to the region the rewrite was told the secrets are in; the environment, then the AWS config file, win."""
    root, v = _api_key_read_from(tmp_path, node_modules, "region", "svc/api/vendor", Options(region="eu-west-2"))
    (root / "probe.js").write_text(
        'const { getSecret, getSecretSync } = require("./secretshift-secrets.cjs");\n'
        'const show = (e) => e.name;\n'
        'let sync;\ntry { sync = getSecretSync("svc/api/vendor", "api_key"); } catch (e) { sync = show(e); }\n'
        'getSecret("svc/api/vendor", "api_key").then((a) => a, show)\n'
        '  .then((a) => console.log(JSON.stringify({ sync, async: a })));\n')
    with moto_server() as url:
        import boto3

        boto3.client("secretsmanager", endpoint_url=url, region_name="eu-west-2", aws_access_key_id="testing",
                     aws_secret_access_key="testing").create_secret(
            Name="svc/api/vendor", SecretString=json.dumps({"api_key": v["api_key"]}))
        base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_ENDPOINT_URL": url,
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "SECRETSHIFT_SECRET_TTL": "0"}
        config = tmp_path / "aws-config"
        config.write_text("[default]\nregion = us-east-1\n")

        def run(**env: str) -> dict:
            r = subprocess.run(["node", "probe.js"], cwd=root, capture_output=True, text=True, timeout=60,
                               env={**base, **env})
            assert r.returncode == 0, r.stderr[-2000:]
            return json.loads(r.stdout)

        assert run() == {"sync": v["api_key"], "async": v["api_key"]}
        assert run(AWS_REGION="us-east-1") == {"sync": "SecretNotFoundError", "async": "SecretNotFoundError"}
        assert run(AWS_CONFIG_FILE=str(config)) == {"sync": "SecretNotFoundError", "async": "SecretNotFoundError"}


def test_a_commonjs_module_reading_secrets_between_its_requires_loads(tmp_path, node_modules):
    """The accessor's require goes before the first statement that uses it (hackathon-starter's
    controllers/api.js threw "Cannot access 'getSecretSync' before initialization" at load)."""
    v = _values("tdz")
    root = tmp_path / "svc"
    root.mkdir()
    (root / "package.json").write_text('{"name": "svc", "private": true}\n')
    (root / "node_modules").symlink_to(node_modules, target_is_directory=True)
    (root / "lib.js").write_text("module.exports = (sid, token) => ({ sid, token });\n")
    (root / "index.js").write_text("const path = require('path');\n"
                                   "const c = require('./lib')(process.env.TWILIO_SID, process.env.TWILIO_TOKEN);\n"
                                   "const util = require('util');\nconsole.log(JSON.stringify(c));\n")
    text = (root / "index.js").read_text()
    targets = [_target(text, f"process.env.{var}", "env", "svc/api/twilio", key, var)
               for var, key in (("TWILIO_SID", "api_key"), ("TWILIO_TOKEN", "token"))]
    targets[1] = targets[1].__class__(**{**targets[1].__dict__, "fingerprint": "second"})
    rw = rewrite_file(root, "index.js", targets, Options())
    assert [o.status for o in rw.outcomes] == ["applied", "applied"], rw.outcomes
    with moto_server() as url:
        client(url).create_secret(Name="svc/api/twilio", SecretString=json.dumps({"api_key": v["api_key"],
                                                                                   "token": v["token"]}))
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "AWS_ENDPOINT_URL": url, "AWS_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
        r = subprocess.run(["node", "index.js"], cwd=root, capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 0, r.stderr[-2000:]
    assert json.loads(r.stdout) == {"sid": v["api_key"], "token": v["token"]}
