"""Runs after runs: one cumulative state, stable names, a policy covering everything the code reads,
a checklist that keeps every leaked credential, resuming from any stage with the printed command,
and a dirty-tree check that tells the tool's and the user's uncommitted secrets from other work."""
from __future__ import annotations

import json

import pytest

from .conftest import git, secrets_in, versions


def state(project, name):
    return json.loads((project.root / ".secretshift" / name).read_text())


def test_second_run_is_cumulative_and_a_third_changes_nothing(project, moto_reset, cli):
    url, v = moto_reset, project.values
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 0, out + err
    first = secrets_in(url)
    project.commit_all("migrated")
    # a new credential, and an old one pasted again in a new module
    from secretshift.scanner.samples import expand

    token = expand("xox{{join:b:-}}{{rand:digits:11}}-{{rand:digits:12}}-{{rand:alnum:24}}", "new-slack")
    project.values["new_slack"] = token
    (project.root / "app" / "chat.py").write_text(f'SLACK_BOT_TOKEN = "{token}"\n')
    (project.root / "app" / "jobs.py").write_text(f'STRIPE_KEY = "{v["stripe_secret"]}"\n')
    project.commit_all("chat and jobs")
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 0, out + err
    second = secrets_in(url)
    assert sorted(set(second) - set(first)) == ["production/api/slack"]
    assert {k: second[k] for k in first} == first and all(versions(url, n) == 1 for n in second)
    assert "production/api/stripe  (exists)" in out and "already exists" not in out + err
    assert 'get_secret("production/api/stripe")["secret_key"]' in (project.root / "app" / "jobs.py").read_text()
    ledger = state(project, "ledger.json")
    assert sorted(ledger["secrets"]) == sorted(second)
    policy = state(project, "iam-policy.json")
    assert len(policy["Statement"][0]["Resource"]) == len(second)  # every secret the code reads, not only the new one
    items = state(project, "rotation.json")["items"]
    assert {i["secret"] for i in items} >= set(first) - {"production/db/postgresql"} | {"production/api/slack"}
    assert project.leaked() == []
    # a third run on the migrated, committed tree changes nothing but what the commit changed in history
    # (the checklist learns HEAD no longer holds the values); a fourth changes nothing at all
    project.commit_all("migrated again")
    before = project.tree_bytes()
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 0, out + err
    checklists = {".secretshift/ROTATION.md", ".secretshift/rotation.json"}
    after = project.tree_bytes()
    assert {k: x for k, x in after.items() if k not in checklists} == {k: x for k, x in before.items() if k not in checklists}
    assert secrets_in(url) == second
    project.commit_all("checklist")
    before = project.tree_bytes()
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 0, out + err
    assert project.tree_bytes() == before and git(project.root, "status", "--porcelain") == ""


def test_uncommitted_secret_is_migrated_unrelated_work_is_refused(project, moto_reset, cli):
    from secretshift.scanner.samples import expand

    key = expand("sk_{{join:li:ve}}_{{rand:alnum:24}}", "typed")
    project.values["typed"] = key
    billing = project.root / "app" / "billing.py"
    billing.write_text(billing.read_text() + f'\nREFUND_KEY = "{key}"\n')  # typed, never committed
    (project.root / "README.md").write_text("# shop\nwork in progress\n")
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 2 and "uncommitted changes (README.md)" in err and secrets_in(moto_reset) == {}
    git(project.root, "checkout", "README.md")
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 0, out + err
    assert any(key in s for s in secrets_in(moto_reset).values())
    items = state(project, "rotation.json")["items"]
    assert all(i["masked"] != __import__("secretshift.scanner.models", fromlist=["mask"]).mask(key) for i in items)
    assert project.leaked() == []


@pytest.mark.parametrize("stop_at", ["rewrite:app/billing.py", "stage:rewrite"])
def test_interrupted_rewrite_or_verify_resumes_with_the_printed_command(project, moto_reset, cli, stop_at):
    import shlex

    from secretshift.migration import run

    def interrupt(step):
        if step == stop_at:
            raise KeyboardInterrupt

    real = run.ApplyArgs.__init__

    def patched(self, *a, **kw):
        real(self, *a, **kw)
        self.after_step = interrupt

    run.ApplyArgs.__init__ = patched
    try:
        rc, out, err = cli("migrate", str(project.root), "--yes")
    finally:
        run.ApplyArgs.__init__ = real
    assert rc == 130
    line = err.strip().splitlines()[-1]
    assert line.startswith("secretshift: error: interrupted during the ") and "resume with: secretshift migrate" in line
    command = shlex.split(line.split("resume with: ", 1)[1])
    assert command[1:] == ["migrate", str(project.root), "--yes"]
    # the interrupted run's own changes are not "uncommitted work": the printed command finishes it
    rc, out, err = cli(*command[1:])
    assert rc == 0, out + err
    assert "verify passed" in out
    assert all(versions(moto_reset, n) == 1 for n in secrets_in(moto_reset))
    assert project.probe(dict(__import__("os").environ)) == project.expected()
    assert project.leaked() == []


def test_checklist_ticks_are_kept_and_items_stay_until_ticked(project, cli):
    rc, out, err = cli("checklist", str(project.root))
    assert rc == 0, err
    md = project.root / ".secretshift" / "ROTATION.md"
    items = state(project, "rotation.json")["items"]
    fp0, fp1 = items[0]["fingerprint"], items[1]["fingerprint"]
    text = md.read_text()
    head = text.index(f"- fingerprint `{fp0}`")
    tick_at = text.rindex("- [ ] rotated", 0, head)
    md.write_text(text[:tick_at] + "- [x] rotated" + text[tick_at + len("- [ ] rotated"):])
    rc, out, err = cli("checklist", str(project.root), "--rotated", fp1)
    assert rc == 0, err
    assert f"{len(items) - 2} leaked credential(s) to rotate, 2 rotated" in out
    after = state(project, "rotation.json")["items"]
    assert [i["fingerprint"] for i in after if i["rotated"]] == sorted([fp0, fp1], key=[i["fingerprint"] for i in after].index)
    assert "## Rotated" in md.read_text() and set(state(project, "ledger.json")["rotated"]) == {fp0, fp1}
    rc, out, err = cli("checklist", str(project.root), "--rotated", "SS999:nothing")
    assert rc == 2 and "not in the checklist" in err
    assert project.leaked([md.read_bytes()]) == []


def test_history_follows_moves_and_degrades_on_a_missing_object(project, moto_reset, cli):
    """A credential first committed under another path keeps its link to its secret; a blob missing
    from the store is skipped with a warning instead of failing the checklist stage."""
    import subprocess

    git(project.root, "mv", "app/auth.py", "app/login.py")
    (project.root / "app" / "login.py").write_text((project.root / "app" / "login.py").read_text() + "\n# moved\n")
    project.commit_all("move auth to login")
    (project.root / "notes.txt").write_text("scratch\n")
    project.commit_all("notes")
    blob = git(project.root, "rev-parse", "HEAD:notes.txt").strip()
    git(project.root, "rm", "-q", "notes.txt")
    project.commit_all("drop notes")
    obj = project.root / ".git" / "objects" / blob[:2] / blob[2:]
    assert obj.exists()  # a new commit's objects are loose
    # every packed object becomes loose too (packs moved out first, so unpack-objects writes them all)
    for pk in list((project.root / ".git" / "objects" / "pack").glob("*.pack")):
        data = pk.read_bytes()
        pk.unlink()
        pk.with_suffix(".idx").unlink()
        subprocess.run(["git", "unpack-objects", "-q"], cwd=project.root, input=data, check=True)
    obj.unlink()
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 0, out + err
    assert "1 object(s) missing from the repository" in err and "verify passed" in out
    items = state(project, "rotation.json")["items"]
    gh = next(i for i in items if i["secret"] == "production/oauth/github")
    assert gh["path"] == "app/auth.py"  # first leaked there; the secret was planned from app/login.py
