"""A `migrate --local` trial, then a run against a real endpoint (moto over HTTP, a real git repository):
the trial's secrets exist only in its emulator, so the real run never takes them as existing; it stops
before any AWS call saying how to undo the trial, or, with --undo-local, undoes it and migrates for real."""
from __future__ import annotations

import json
import os
import urllib.request

import pytest

from .conftest import git, secrets_in

PLANNED = ["production/api/stripe", "production/db/postgresql", "production/db/postgresql-2",
           "production/generic/jwt", "production/oauth/github"]
EMULATOR_VARS = ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


@pytest.fixture
def trial(project, moto_reset, cli, monkeypatch):
    """The shop after `migrate --local --yes`: its files rewritten, the ledger's secrets all endpoint local."""
    saved = {k: os.environ[k] for k in EMULATOR_VARS}
    for k in EMULATOR_VARS:
        monkeypatch.delenv(k)
    rc, out, err = cli("migrate", str(project.root), "--local", "--yes")
    assert rc == 0 and "verify passed" in out, out + err
    for k, v in saved.items():
        monkeypatch.setenv(k, v)
    # the emulator is moto in this process, whose backends are process-wide: empty the real endpoint again
    urllib.request.urlopen(urllib.request.Request(moto_reset + "/moto-api/reset", method="POST"), timeout=10).read()
    assert secrets_in(moto_reset) == {}
    ledger = json.loads((project.root / ".secretshift" / "ledger.json").read_text())
    assert sorted(ledger["secrets"]) == PLANNED and {e["endpoint"] for e in ledger["secrets"].values()} == {"local"}
    assert "get_secret(" in (project.root / "app" / "billing.py").read_text()
    return project


def _aws(url):
    return {"AWS_ENDPOINT_URL": url, "AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing"}


def test_a_real_run_after_a_local_trial_stops_before_any_aws_call(trial, moto_reset, cli):
    before = trial.tree_bytes()
    rc, out, err = cli("migrate", str(trial.root), "--yes")
    assert rc == 2, out + err
    line = err.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "5 secret(s) in .secretshift/ledger.json" in line and "created by a --local trial" in line
    assert f"secretshift migrate {trial.root} --yes --undo-local" in line
    # by hand: exactly the files the trial rewrote and made, and its state
    assert "git checkout HEAD -- .env app/auth.py app/billing.py app/settings.py" in line
    assert "rm app/secretshift_secrets.py" in line and "rm -r .secretshift" in line
    assert "nothing left to create" not in out
    assert secrets_in(moto_reset) == {} and trial.tree_bytes() == before
    # apply of the trial's own plan (its progress says every secret is verified) stops the same way
    rc, out, err = cli("apply", str(trial.root / ".secretshift" / "plan.yaml"), "--yes")
    assert rc == 2 and "created by a --local trial" in err and f"secretshift migrate {trial.root} --undo-local" in err
    assert secrets_in(moto_reset) == {} and trial.tree_bytes() == before
    # a dry run says so too, instead of "exists, would check"
    rc, out, err = cli("migrate", str(trial.root), "--yes", "--dry-run")
    assert rc == 2 and "created by a --local trial" in err
    # plan (no AWS call) warns that the secrets it plans as existing are the trial's
    rc, out, err = cli("plan", str(trial.root))
    assert rc == 0 and "5 secret(s) of the ledger were created by a --local trial" in err
    assert trial.leaked() == []


def test_undo_local_puts_the_files_back_forgets_the_trial_and_migrates_for_real(trial, moto_reset, cli):
    rc, out, err = cli("migrate", str(trial.root), "--yes", "--undo-local", "--dry-run")
    assert rc == 0 and "would put back .env, app/auth.py, app/billing.py and 1 more from git HEAD" in out, out + err
    assert secrets_in(moto_reset) == {} and "get_secret(" in (trial.root / "app" / "billing.py").read_text()
    rc, out, err = cli("migrate", str(trial.root), "--yes", "--undo-local")
    assert rc == 0, out + err
    assert "undid the --local trial: put back .env, app/auth.py, app/billing.py and 1 more from git HEAD, " \
           "removed app/secretshift_secrets.py, forgot 5 secret(s) of its emulator" in out
    assert "verify passed" in out
    stored = secrets_in(moto_reset)
    assert sorted(stored) == PLANNED
    assert json.loads(stored["production/api/stripe"])["secret_key"] == trial.values["stripe_secret"]
    ledger = json.loads((trial.root / ".secretshift" / "ledger.json").read_text())
    assert {e["endpoint"] for e in ledger["secrets"].values()} == {"aws"}
    # the application reads the real secrets and gets its values
    assert trial.probe(_aws(moto_reset)) == trial.expected()
    # and the next real run has nothing to undo nor to do
    rc, out, err = cli("migrate", str(trial.root), "--yes", "--undo-local")
    assert rc == 0 and "nothing to undo" in out and "nothing to migrate" in out, out + err
    assert trial.leaked() == []


def test_undo_local_with_local_only_undoes_the_trial_offline(trial, moto_reset, cli, monkeypatch):
    """QA (four helpers): `migrate --local --yes --undo-local` was refused (exit 2), and without --local
    the undo went on to a real migration: there was no way to just put a trial back. With --local the
    undo is all that runs, and it needs no AWS (no region, no endpoint)."""
    for var in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SECRETS_MANAGER"):
        monkeypatch.delenv(var, raising=False)
    rc, out, err = cli("migrate", str(trial.root), "--local", "--yes", "--undo-local")
    assert rc == 0, out + err
    assert "undid the --local trial: put back .env, app/auth.py, app/billing.py and 1 more from git HEAD" in out
    assert "the trial is undone; nothing else was run" in out
    assert "get_secret(" not in (trial.root / "app" / "billing.py").read_text()
    assert secrets_in(moto_reset) == {}
    rc, out, err = cli("migrate", str(trial.root), "--local", "--yes", "--undo-local")
    assert rc == 0 and "nothing to undo" in out, out + err
    assert trial.leaked() == []


def test_undo_local_refuses_when_the_trials_rewrite_was_committed(trial, moto_reset, cli):
    trial.commit_all("try secretshift")
    before = trial.tree_bytes()
    rc, out, err = cli("migrate", str(trial.root), "--yes", "--undo-local")
    assert rc == 2, out + err
    assert "cannot be undone from git HEAD" in err and "its rewrite is committed" in err
    assert "git log -- " in err
    assert secrets_in(moto_reset) == {} and trial.tree_bytes() == before
    assert trial.leaked() == []


def test_undo_local_refuses_over_an_edit_made_after_the_trial(trial, moto_reset, cli):
    auth = trial.root / "app" / "auth.py"
    auth.write_text(auth.read_text() + "\n\ndef whoami():\n    return 'dana'\n")
    before = trial.tree_bytes()
    rc, out, err = cli("migrate", str(trial.root), "--yes", "--undo-local")
    assert rc == 2, out + err
    assert "app/auth.py: changed since the --local run" in err
    assert secrets_in(moto_reset) == {} and trial.tree_bytes() == before
    # put back by hand as told, then the flag forgets the trial and the run migrates for real
    git(trial.root, "checkout", "HEAD", "--", "app/auth.py")
    rc, out, err = cli("migrate", str(trial.root), "--yes", "--undo-local")
    assert rc == 0, out + err
    assert sorted(secrets_in(moto_reset)) == PLANNED
    assert trial.probe(_aws(moto_reset)) == trial.expected()
    assert trial.leaked() == []


def test_a_secret_the_ledger_holds_is_checked_at_this_endpoint_before_code_reads_it(project, moto_reset, cli):
    """The ledger says production/api/stripe exists (a real run), but this endpoint has no such secret (another
    account, or it was deleted): a new copy of its value is not rewritten to read it."""
    from aws.servers import client

    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 0, out + err
    project.commit_all("migrated")
    client(moto_reset).delete_secret(SecretId="production/api/stripe", ForceDeleteWithoutRecovery=True)
    (project.root / "app" / "refunds.py").write_text(f'REFUND_KEY = "{project.values["stripe_secret"]}"\n')
    project.commit_all("refunds")
    before = (project.root / "app" / "refunds.py").read_bytes()
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 2 and "production/api/stripe was created by an earlier run" in err and "no longer exists" in err
    assert (project.root / "app" / "refunds.py").read_bytes() == before
    assert project.leaked() == []


def test_a_trial_after_a_real_run_is_undone_without_touching_the_real_secrets(project, moto_reset, cli, monkeypatch):
    """A real run, committed; then a new credential tried with --local; then the real run: only the trial's
    secret and file are undone, the real secrets stay in the ledger (checked, not created again)."""
    from secretshift.scanner.samples import expand

    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 0, out + err
    project.commit_all("migrated")
    real = secrets_in(moto_reset)
    token = expand("{{rand:alnum:32}}", f"{project.root.parent.name}-search")
    project.values["search"] = token
    (project.root / "app" / "search.py").write_text(f'SEARCH_API_TOKEN = "{token}"\n')
    project.commit_all("search")
    for k in EMULATOR_VARS:
        monkeypatch.delenv(k)
    rc, out, err = cli("migrate", str(project.root), "--local", "--yes")
    assert rc == 0, out + err
    for k, v in _aws(moto_reset).items():
        monkeypatch.setenv(k, v)
    urllib.request.urlopen(urllib.request.Request(moto_reset + "/moto-api/reset", method="POST"), timeout=10).read()
    from aws.servers import client

    for name, value in real.items():  # the real endpoint as the first run left it
        client(moto_reset).create_secret(Name=name, SecretString=value)
    ledger = json.loads((project.root / ".secretshift" / "ledger.json").read_text())
    local = sorted(n for n, e in ledger["secrets"].items() if e["endpoint"] == "local")
    assert local == ["production/generic/search"]
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 2 and "1 secret(s) in .secretshift/ledger.json (production/generic/search)" in err
    assert "rm -r .secretshift" not in err  # the ledger also holds the real secrets
    rc, out, err = cli("migrate", str(project.root), "--yes", "--undo-local")
    assert rc == 0, out + err
    assert "put back app/search.py from git HEAD, removed no file, forgot 1 secret(s)" in out
    stored = secrets_in(moto_reset)
    assert sorted(stored) == sorted([*real, "production/generic/search"])
    assert all(stored[n] == v for n, v in real.items())
    assert token in stored["production/generic/search"]
    ledger = json.loads((project.root / ".secretshift" / "ledger.json").read_text())
    assert {e["endpoint"] for e in ledger["secrets"].values()} == {"aws"} and set(real) < set(ledger["secrets"])
    assert "get_secret(" in (project.root / "app" / "search.py").read_text()
    assert project.leaked() == []


def test_a_local_trial_keeps_a_file_git_does_not_track(tmp_path, moto_reset, monkeypatch, capsys):
    """A --local trial commented out the lines of an untracked .env: its secrets vanished with the
    emulator and nothing (not git, not the ledger) could bring the values back. The trial now keeps
    such a file as it is, says why, and rewrites the tracked code that reads it."""
    from secretshift.cli import main
    from secretshift.scanner.samples import expand

    for k in EMULATOR_VARS:
        monkeypatch.delenv(k)
    root = tmp_path / "app"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "app.py").write_text('import os\nTOKEN = os.environ["API_TOKEN"]\n')
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "init")
    tok = expand("{{rand:alnum:32}}", "untracked-env")
    (root / ".env").write_text(f"API_TOKEN={tok}\n")  # untracked, not ignored: the scan reads it
    rc = main(["migrate", str(root), "--local", "--yes"])
    out, err = capsys.readouterr()
    assert rc == 1, out + err  # work left: the .env's line
    assert (root / ".env").read_text() == f"API_TOKEN={tok}\n"
    assert "kept     .env: git does not track it" in out and "not handled: .env" in out
    assert "get_secret(" in (root / "app.py").read_text()
    assert tok not in out + err


def test_undo_local_takes_back_the_files_a_trial_made_or_added_to(tmp_path, moto_reset, cli, monkeypatch):
    """QA (shiori, lemmy, bookstack): the trial created .env.example beside a compose file and added the
    AWS SDK to package.json; --undo-local then refused ('not in git HEAD, so its original is in no commit',
    'holds lines git HEAD does not have'). The ledger keeps each file's state before the first write, so
    the trial's own files come back as HEAD holds them or go, and nothing else is touched."""
    from secretshift.scanner.samples import expand

    root = tmp_path / "app"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    pw, tok = expand("{{rand:alnum:20}}", "undo-pw"), expand("{{rand:alnum:32}}", "undo-tok")
    (root / "docker-compose.yml").write_text(
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD}\n")
    (root / ".env").write_text(f"POSTGRES_PASSWORD={pw}\n")
    (root / "package.json").write_text('{\n  "name": "web",\n  "version": "1.0.0",\n  "dependencies": {\n'
                                       '    "express": "^4.19.2"\n  }\n}\n')
    (root / "server.js").write_text(f'const token = process.env.API_TOKEN || "{tok}";\nmodule.exports = {{ token }};\n')
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "init")
    head = {p: (root / p).read_bytes() for p in (".env", "docker-compose.yml", "package.json", "server.js")}
    saved = {k: os.environ[k] for k in EMULATOR_VARS}
    for k in EMULATOR_VARS:
        monkeypatch.delenv(k)
    rc, out, err = cli("migrate", str(root), "--local", "--yes")
    assert rc in (0, 1), out + err
    assert (root / ".env.example").exists() and "@aws-sdk/client-secrets-manager" in (root / "package.json").read_text()
    # every file the run wrote is said (QA: .env.example appeared in no line of the output)
    assert "(.env.example lists the command that reads each one)" in out, out
    for k, v in saved.items():
        monkeypatch.setenv(k, v)
    urllib.request.urlopen(urllib.request.Request(moto_reset + "/moto-api/reset", method="POST"), timeout=10).read()
    rc, out, err = cli("migrate", str(root), "--yes", "--undo-local", "--dry-run")
    assert rc == 0, out + err
    assert "would remove" in out and ".env.example" in out and "package.json" in out and "cannot be undone" not in err
    rc, out, err = cli("migrate", str(root), "--yes", "--undo-local")
    assert "undid the --local trial" in out, out + err
    assert "cannot be undone" not in err
    assert pw not in out + err and tok not in out + err
