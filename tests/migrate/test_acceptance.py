"""Acceptance: a realistic multi-module application (tests/migrate/acceptance_app.py) is migrated
against moto over HTTP, then run with its environment emptied: every value identical, following a
rotation done in Secrets Manager, and a second migrate changes nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from aws.servers import client

from . import acceptance_app as app
from .conftest import Project, git, secrets_in, versions

NOT_SECRET = {"engine", "host", "port", "username", "dbname", "url"}  # what a rotation function leaves alone


def py_rewrite_landed() -> bool:
    """Whether the codemods carry issue 12's Python patterns (the py-rewrite branch: boto3 keys read from
    Secrets Manager, star-imported os, duplicate literals). Until they land on this branch, exactly the
    patterns they own may break, and each is named; everything else must pass either way."""
    from secretshift.codemods.runner import RewriteTarget

    return "drop_aws_keys" in RewriteTarget.__dataclass_fields__


AWAITING = {"boto3-client", "split-settings-star-import", "duplicate-literal"}


def probe(root, env):
    r = subprocess.run([sys.executable, "-c", app.PROBE, json.dumps(app.PATTERNS)], cwd=root, capture_output=True,
                       text=True, env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(root),
                                       "PYTHONDONTWRITEBYTECODE": "1", **env})
    assert r.returncode == 0, r.stderr[-2000:]
    return json.loads(r.stdout)


@pytest.fixture
def project(tmp_path):  # overrides conftest's: the cli fixture records what the tool prints into it
    root = tmp_path / "shop"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    v = app.values(tmp_path.name)
    app.write(root, v)
    p = Project(root, v, tmp_path / "none")
    p.commit_all("the shop")
    return p


def test_a_realistic_application_migrates_runs_the_same_and_follows_rotation(project, moto_reset, cli):
    shop = project
    v = shop.values
    aws = {k: os.environ[k] for k in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    before = probe(shop.root, {"STRIPE_WEBHOOK_SECRET": v["env_webhook"]})  # as deployed today, .env loaded
    assert all(v[key] in str(before[name]) for name, (_, _, key, _) in app.PATTERNS.items()), before
    negatives = {f: (shop.root / f).read_bytes() for f in app.NEGATIVES}
    rc, out, err = cli("migrate", str(shop.root), "--yes")
    assert rc == 1, out + err  # GOOGLE_MAPS_API_KEY has no value anywhere: pending, the rest migrated
    assert "pending: 1 value(s)" in out and "GOOGLE_MAPS_API_KEY" in out
    assert "left in place: 1 finding(s) in tests and fixtures" in out
    first = out
    after = probe(shop.root, aws)  # the environment emptied: only how to reach Secrets Manager
    broken = {name: app.PATTERNS[name][3] for name in app.PATTERNS if after[name] != before[name]}
    # and no credential is left in the code (but the test suite's, left in place)
    rc2, scanned, _ = cli("scan", str(shop.root), "--format", "json")
    left = sorted({f["file"] for f in json.loads(scanned)["findings"] if f["kind"] == "hardcoded"})
    for name, (mod, _, key, owner) in app.PATTERNS.items():
        path = mod.replace(".", "/") + ".py"
        if v[key] in (shop.root / path).read_text() or (key == "pem" and v[key].strip() in (shop.root / path).read_text()):
            broken[name] = owner
    problems = {name: f"not migrated or another value ({owner})" for name, owner in broken.items()}
    assert {f: (shop.root / f).read_bytes() for f in app.NEGATIVES} == negatives
    assert "boto3" in (shop.root / "requirements.txt").read_text()
    assert (shop.root / "shop" / "secretshift_secrets.py").is_file()
    stored = secrets_in(moto_reset)
    dbs = {json.loads(t).get("password"): json.loads(t) for n, t in stored.items() if "/db/postgresql" in n}
    parts = ("engine", "host", "port", "username", "dbname")
    assert {k: dbs[v["db_password"]][k] for k in parts} == {  # Django's DATABASES dict
        "engine": "postgres", "host": "db.internal", "port": 5432, "username": "shop_app", "dbname": "shop"}
    assert {k: dbs[v["sqlalchemy_pw"]][k] for k in parts} == {  # a URL in a Flask config class
        "engine": "postgres", "host": "pg.internal", "port": 5432, "username": "flask", "dbname": "flask"}
    assert shop.leaked() == []
    # a rotation in Secrets Manager (every secret value replaced; a database's url left to its password)
    c = client(moto_reset)
    originals = sorted({x.strip() for x in v.values()}, key=len, reverse=True)

    def rotate(text):  # every original value in it replaced by a new one (its reverse)
        for o in originals:
            text = text.replace(o, o[::-1])
        return text

    for name, text in stored.items():
        try:
            obj = json.loads(text)
        except ValueError:
            obj = None
        if isinstance(obj, dict):
            new = {k: (rotate(x) if isinstance(x, str) and k not in NOT_SECRET else x) for k, x in obj.items()}
            c.put_secret_value(SecretId=name, SecretString=json.dumps(new))
        else:
            c.put_secret_value(SecretId=name, SecretString=rotate(text))
    followed = probe(shop.root, aws)
    for name, (_, _, key, owner) in app.PATTERNS.items():
        want = before[name].replace(v[key].strip(), v[key].strip()[::-1])
        if followed[name] != want and name not in problems:
            problems[name] = f"does not follow a rotation ({owner})"
    # a second migrate on the committed result changes nothing
    shop.commit_all("migrated")
    snapshot = shop.tree_bytes()
    counts = {n: versions(moto_reset, n) for n in stored}
    rc, out, err = cli("migrate", str(shop.root), "--yes")
    assert rc == 1 and "pending: 1 value(s)" in out, out + err
    checklists = {".secretshift/ROTATION.md", ".secretshift/rotation.json"}
    changed = {k for k in set(snapshot) | set(shop.tree_bytes()) if k not in checklists
               and snapshot.get(k) != shop.tree_bytes().get(k)}
    # (without the py-rewrite codemods, the second run finishes what the first left: the leftovers'
    # values already have their secrets, so it only rewrites those modules and records them)
    allowed = set() if py_rewrite_landed() else {
        app.PATTERNS[n][0].replace(".", "/") + ".py" for n in problems} | {".secretshift/ledger.json",
                                                                           ".secretshift/plan.yaml",
                                                                           ".secretshift/progress.json"}
    assert changed <= allowed, sorted(changed)
    assert {n: versions(moto_reset, n) for n in stored} == counts
    assert shop.leaked() == []
    if py_rewrite_landed():
        assert problems == {}, f"patterns that break: {problems}"
        assert left == ["tests/test_payments.py"] and "verify passed" in first
    else:  # named in the report: these three wait for the py-rewrite codemods
        assert set(problems) <= AWAITING and all("py-rewrite" in why for why in problems.values()), problems
