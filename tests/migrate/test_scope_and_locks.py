"""`migrate PATH` migrates PATH only (state stays at the project root), and the lock file an install
rewrites after the run said to install its dependency is not "unrelated work" (moto over HTTP, real git)."""
from __future__ import annotations

import json

from secretshift.scanner.samples import expand

from .conftest import git, secrets_in


def _two_apps(project):
    root = project.root
    git(root, "rm", "-q", "-r", ".")
    project.values = {sub: expand("sk_{{join:li:ve}}_{{rand:alnum:24}}", f"{root.parent.name}-{sub}") for sub in "ab"}
    for sub, key in project.values.items():
        (root / sub).mkdir()
        (root / sub / "settings.py").write_text(f'STRIPE_API_KEY = "{key}"\n')
    project.commit_all("two apps")
    return root


def test_migrate_dot_inside_a_folder_migrates_that_folder_only(project, moto_reset, cli, monkeypatch):
    root = _two_apps(project)
    b_before = (root / "b" / "settings.py").read_bytes()
    monkeypatch.chdir(root / "a")
    rc, out, err = cli("migrate", "--yes", ".")
    assert rc == 0, out + err
    assert "b/settings.py" not in out
    assert (root / "b" / "settings.py").read_bytes() == b_before
    assert 'get_secret("production/api/stripe")' in (root / "a" / "settings.py").read_text()
    assert [json.loads(v)["secret_key"] for v in secrets_in(moto_reset).values()] == [project.values["a"]]
    # the state is the project's, not the folder's
    assert (root / ".secretshift" / "ledger.json").is_file() and not (root / "a" / ".secretshift").exists()
    # then the other folder, by its path from the root: the same ledger, the next free name
    monkeypatch.chdir(root)
    rc, out, err = cli("migrate", "--yes", "b")
    assert rc == 0, out + err
    assert 'get_secret("production/api/stripe-2")' in (root / "b" / "settings.py").read_text()
    assert sorted(json.loads(v)["secret_key"] for v in secrets_in(moto_reset).values()) == sorted(project.values.values())
    assert sorted(json.loads((root / ".secretshift" / "ledger.json").read_text())["secrets"]) == [
        "production/api/stripe", "production/api/stripe-2"]
    assert project.leaked() == []


def test_plan_path_plans_that_folder_only(project, cli):
    root = _two_apps(project)
    rc, out, err = cli("plan", str(root / "b"))
    assert rc == 0, out + err
    plan = (root / ".secretshift" / "plan.yaml").read_text()
    assert "b/settings.py" in plan and "a/settings.py" not in plan
    assert project.leaked() == []


def test_lock_files_an_install_rewrote_after_the_run_are_not_unrelated_work(project, moto_reset, cli):
    """The run added boto3 to pyproject.toml and @aws-sdk/client-secrets-manager to worker/package.json and
    said to install them; uv lock and npm install rewrote uv.lock and wrote worker/package-lock.json. The next
    run goes on without --allow-dirty; a lock file beside a declaration the tool did not change still stops it."""
    root = project.root
    mail = expand("SG.{{rand:b64url:22}}.{{rand:b64url:43}}", f"{root.parent.name}-mail")
    project.values["mail"] = mail
    (root / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "1.0"\ndependencies = [\n'
                                         '    "python-dotenv",\n]\n')
    (root / "uv.lock").write_text('version = 1\n\n[[package]]\nname = "python-dotenv"\nversion = "1.0.1"\n')
    (root / "worker").mkdir()
    (root / "worker" / "package.json").write_text('{\n  "name": "worker",\n  "dependencies": {}\n}\n')
    (root / "worker" / "index.js").write_text(f'const mailKey = "{mail}";\n\nmodule.exports = {{ mailKey }};\n')
    (root / "tools").mkdir()
    (root / "tools" / "package.json").write_text('{\n  "name": "tools"\n}\n')
    (root / "tools" / "package-lock.json").write_text('{\n  "name": "tools",\n  "lockfileVersion": 3\n}\n')
    project.commit_all("shop with a worker")
    rc, out, err = cli("migrate", str(root), "--yes")
    assert rc == 0, out + err
    deps = json.loads((root / ".secretshift" / "ledger.json").read_text())["dependencies"]
    assert {"pyproject.toml", "worker/package.json"} <= set(deps)
    # what `uv lock` and `npm install` do
    (root / "uv.lock").write_text((root / "uv.lock").read_text()
                                  + '\n[[package]]\nname = "boto3"\nversion = "1.35.0"\n')
    (root / "worker" / "package-lock.json").write_text(
        '{\n  "name": "worker",\n  "lockfileVersion": 3,\n  "packages": {\n'
        '    "node_modules/@aws-sdk/client-secrets-manager": {"version": "3.600.0"}\n  }\n}\n')
    # a new credential, committed alone: the next run has work to do
    token = expand("{{rand:alnum:32}}", f"{root.parent.name}-tok")
    project.values["token"] = token
    (root / "app" / "search.py").write_text(f'SEARCH_API_TOKEN = "{token}"\n')
    git(root, "add", "app/search.py")
    git(root, "commit", "-q", "-m", "search")
    (root / "tools" / "package-lock.json").write_text('{\n  "name": "tools",\n  "lockfileVersion": 2\n}\n')
    rc, out, err = cli("migrate", str(root), "--yes")
    assert rc == 2 and "uncommitted changes (tools/package-lock.json)" in err, out + err
    git(root, "checkout", "--", "tools/package-lock.json")
    rc, out, err = cli("migrate", str(root), "--yes")
    assert rc == 0, out + err
    assert any(token in v for v in secrets_in(moto_reset).values())
    assert "get_secret(" in (root / "app" / "search.py").read_text()
    assert project.leaked() == []
