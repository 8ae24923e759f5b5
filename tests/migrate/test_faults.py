"""Faults during apply: each leaves the repository and Secrets Manager consistent and the run resumable."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from aws.servers import FaultProxy, client, free_port

from .conftest import secrets_in, versions

PLANNED = ["production/api/stripe", "production/db/postgresql", "production/db/postgresql-2", "production/generic/jwt",
           "production/oauth/github"]


def plan(project, cli):
    rc, out, err = cli("plan", str(project.root))
    assert rc == 0, err
    return str(project.root / ".secretshift" / "plan.yaml")


def code_files(project):
    return {k: v for k, v in project.tree_bytes().items() if not k.startswith(".secretshift/")}


def test_stale_plan_applies_nothing(project, aws_env, cli, moto_url):
    p = plan(project, cli)
    s = project.root / "app" / "settings.py"
    s.write_text(s.read_text().replace(project.values["db_password"], project.values["db_password"][::-1]))
    project.values["db_password_reversed"] = project.values["db_password"][::-1]
    project.commit_all("rotate by hand")
    before = code_files(project)
    rc, out, err = cli("apply", p, "--yes")
    assert rc == 2
    assert err.startswith("secretshift: error: the plan is stale: app/settings.py line 4") and err.count("\n") == 1
    assert secrets_in(moto_url) == {} and code_files(project) == before
    assert project.leaked() == []


def test_file_edited_elsewhere_between_plan_and_apply(project, aws_env, cli, moto_url):
    """Lines moved but the values are the same: apply finds them again by fingerprint."""
    expected = project.expected()
    p = plan(project, cli)
    s = project.root / "app" / "settings.py"
    s.write_text('"""Settings."""\n\nTIMEOUT = 30\n' + s.read_text())
    project.commit_all("docstring")
    rc, out, err = cli("apply", p, "--yes", "--progress")
    assert rc == 0, out + err
    assert "[create] 5/5 production/oauth/github" in err and "[rewrite] " in err  # the progress line
    assert sorted(secrets_in(moto_url)) == PLANNED
    assert project.probe(aws_env) == expected
    assert (project.root / "app" / "settings.py").read_text().startswith('"""Settings."""\n')


def test_existing_secret_with_other_value(project, aws_env, cli, moto_url):
    p = plan(project, cli)
    other = json.dumps({"secret_key": "x" * 30})
    client(moto_url).create_secret(Name="production/api/stripe", SecretString=other)
    before = code_files(project)
    rc, out, err = cli("apply", p, "--yes")
    assert rc == 2 and "production/api/stripe already exists in Secrets Manager with a different value" in err
    assert code_files(project) == before
    assert secrets_in(moto_url) == {"production/api/stripe": other}
    rc, out, err = cli("apply", p, "--yes", "--update-existing")
    assert rc == 0, out + err
    assert json.loads(secrets_in(moto_url)["production/api/stripe"])["secret_key"] == project.values["stripe_secret"]
    assert project.leaked() == []


def test_unreachable_endpoint_is_exit_2(project, aws_env, cli):
    p = plan(project, cli)
    before = code_files(project)
    rc, out, err = cli("apply", p, "--yes", "--endpoint-url", f"http://127.0.0.1:{free_port()}", "--max-attempts", "2")
    assert rc == 2
    assert err.strip().splitlines()[-1].startswith("secretshift: error: cannot reach Secrets Manager at http://127.0.0.1")
    assert code_files(project) == before


def test_throttling_is_retried(project, aws_env, cli, moto_url):
    """(5xx answers are retried the same way: tests/aws/test_gateway.py)"""
    p = plan(project, cli)
    with FaultProxy(moto_url, fail=4, status=400) as proxy:
        rc, out, err = cli("apply", p, "--yes", "--endpoint-url", proxy.url, "--retry-delay", "0.01")
    assert rc == 0, out + err
    assert proxy.requests > proxy.forwarded >= 4
    assert sorted(secrets_in(moto_url)) == PLANNED
    assert "retrying" in err and project.leaked() == []


def test_endpoint_goes_away_mid_run_then_resumes(project, aws_env, cli, moto_url):
    expected = project.expected()
    p = plan(project, cli)
    before = code_files(project)
    with FaultProxy(moto_url, drop_after=6) as proxy:
        rc, out, err = cli("apply", p, "--yes", "--endpoint-url", proxy.url, "--retry-delay", "0.01",
                           "--max-attempts", "2")
    assert rc == 2 and "cannot reach Secrets Manager" in err
    created = secrets_in(moto_url)
    assert 0 < len(created) < 4
    assert code_files(project) == before  # nothing rewritten before every secret is verified
    rc, out, err = cli("apply", p, "--yes")
    assert rc == 0, out + err
    assert "resuming" in out
    assert sorted(secrets_in(moto_url)) == PLANNED
    assert all(versions(moto_url, n) == 1 for n in PLANNED)
    assert project.probe(aws_env) == expected
    assert project.leaked() == []


@pytest.mark.parametrize("stop_at", ["stage:create", "rewrite:app/billing.py"])
def test_ctrl_c_between_steps_resumes_without_redoing(project, aws_env, cli, moto_url, stop_at):
    from secretshift.commands.migrate import ApplyArgs, run_apply
    from secretshift.migration.run import Interrupted

    expected = project.expected()
    p = plan(project, cli)

    def interrupt(step):
        if step == stop_at:
            raise KeyboardInterrupt

    with pytest.raises(Interrupted) as ei:
        run_apply(project.root / ".secretshift" / "plan.yaml", project.root, ("create", "rewrite", "verify"),
                  ApplyArgs(yes=True, after_step=interrupt, argv=["apply", p, "--yes"]), None)
    stage = stop_at.split(":")[1] if stop_at.startswith("stage:") else "rewrite"
    assert str(ei.value) == (f"interrupted during the {stage} stage; finished steps are saved in .secretshift/; "
                             f"resume with: secretshift apply {p} --yes")
    first = cli.drain()
    assert "created" in first
    state = json.loads((project.root / ".secretshift" / "progress.json").read_text())
    done = {k for k, v in state["secrets"].items() if v["status"] == "verified"}
    assert done and all(versions(moto_url, n) == 1 for n in secrets_in(moto_url))
    rewritten = {k for k, v in state["files"].items() if v["status"] == "done"}
    assert rewritten == ({".env", "app/auth.py", "app/billing.py"} if stop_at.startswith("rewrite") else set())
    rc, out, err = cli("apply", p, "--yes")
    assert rc == 0, out + err
    assert "resuming" in out
    created_again = [line for line in out.splitlines() if line.startswith("created")]
    assert created_again == []
    assert ("rewrote  app/billing.py" in out) == (not stop_at.startswith("rewrite"))  # never twice
    assert sorted(secrets_in(moto_url)) == PLANNED and all(versions(moto_url, n) == 1 for n in PLANNED)
    billing = (project.root / "app" / "billing.py").read_text()
    assert billing.count("from app.secretshift_secrets import get_secret") == 1
    assert project.probe(aws_env) == expected
    assert project.leaked() == []


@pytest.mark.parametrize("content, message", [
    ("version: [1, 2\n", "not a valid YAML plan"),
    ("- just\n- a list\n", "not a secretshift plan"),
    ("version: 1\nprefix: production\nsecrets: 3\n", "'secrets' must be a list"),
])
def test_bad_plan_file_is_one_line(project, cli, tmp_path, content, message):
    bad = tmp_path / "plan.yaml"
    bad.write_text(content)
    rc, out, err = cli("apply", str(bad), "--root", str(project.root), "--yes")
    assert rc == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_missing_environment_value_is_pending_and_everything_else_migrates(project, aws_env, cli, moto_url,
                                                                         monkeypatch, tmp_path):
    """A read with no value anywhere is pending: not created, its read not rewritten, the rest moves;
    exit 1 with the command that finishes it (--values FILE, or the hidden prompt in a terminal)."""
    (project.root / "app" / "errors.py").write_text('import os\n\nSENTRY_DSN = os.environ["SENTRY_DSN"]\n')
    project.commit_all("sentry")
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    errors_before = (project.root / "app" / "errors.py").read_bytes()
    rc, out, err = cli("migrate", str(project.root), "--yes")
    assert rc == 1, out + err
    assert "pending: 1 value(s)" in out and "SENTRY_DSN  (read at app/errors.py:3" in out
    assert f"secretshift migrate {project.root} --yes --values values.env" in out
    assert sorted(secrets_in(moto_url)) == PLANNED  # everything else migrated
    assert (project.root / "app" / "errors.py").read_bytes() == errors_before
    assert "nothing was written" not in out + err
    # finishing it later: the values file is read, never written back or copied
    dsn = f"https://{project.values['github_secret'][:32]}@o1.ingest.sentry.io/42"
    project.values["dsn"] = dsn
    values = tmp_path / "values.env"
    values.write_text(f"SENTRY_DSN={dsn}\n")
    project.commit_all("migrated")
    rc, out, err = cli("migrate", str(project.root), "--yes", "--values", str(values))
    assert rc == 0, out + err
    assert secrets_in(moto_url)["production/api/sentry"] == json.dumps({"url": dsn})
    assert 'get_secret("production/api/sentry")["url"]' in (project.root / "app" / "errors.py").read_text()
    assert values.read_text() == f"SENTRY_DSN={dsn}\n"
    assert project.leaked() == []


def test_prompt_asks_for_a_missing_value(project, aws_env, cli, moto_url, monkeypatch):
    """Without --yes the value is asked for (hidden input in a terminal; here an injected prompt)."""
    from secretshift.commands.migrate import ApplyArgs, run_apply

    (project.root / "app" / "errors.py").write_text('import os\n\nSENTRY_DSN = os.environ["SENTRY_DSN"]\n')
    project.commit_all("sentry")
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    p = plan(project, cli)
    dsn = f"https://{project.values['github_secret'][:32]}@o1.ingest.sentry.io/42"
    asked = []
    rc = run_apply(Path(p), project.root, ("create",), ApplyArgs(),
                   lambda var, name: asked.append((var, name)) or dsn)
    assert rc == 0 and asked == [("SENTRY_DSN", "production/api/sentry")]
    assert any(dsn in v for v in secrets_in(moto_url).values())
    cli.drain()
    project.values["dsn"] = dsn
    assert project.leaked() == []


def test_dirty_tree_is_refused_unless_allowed(project, aws_env, cli, moto_url):
    p = plan(project, cli)
    (project.root / "README.md").write_text("# shop\nwork in progress\n")
    rc, out, err = cli("apply", p, "--yes")
    assert rc == 2 and "uncommitted changes (README.md)" in err and secrets_in(moto_url) == {}
    rc, out, err = cli("apply", p, "--yes", "--allow-dirty")
    assert rc == 0, out + err


def test_dry_run_changes_nothing(project, aws_env, cli, moto_url):
    p = plan(project, cli)
    before = project.tree_bytes()
    rc, out, err = cli("apply", p, "--yes", "--dry-run")
    assert rc == 0 and "dry run: nothing was changed" in out
    assert secrets_in(moto_url) == {} and project.tree_bytes() == before


def test_local_emulator_runs_the_whole_flow(project, cli, monkeypatch):
    for k in ("AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    rc, out, err = cli("migrate", str(project.root), "--local", "--yes")
    assert rc == 0, out + err
    assert "embedded Secrets Manager emulator" in out and "verify passed" in out
    assert "get_secret(" in (project.root / "app" / "billing.py").read_text()
    assert err == "" and project.leaked() == []


def test_checklist_command_writes_markdown_where_asked(project, cli, tmp_path):
    md = tmp_path / "ROT.md"
    rc, out, err = cli("checklist", str(project.root), "--checklist", str(md))
    assert rc == 0, err
    text = md.read_text()
    assert "Slack token" in text and "auth.revoke" in text and project.first_commit[:12] in text
    assert (project.root / ".secretshift" / "rotation.json").is_file()
    assert project.leaked([text.encode()]) == []


def test_migrate_without_terminal_needs_yes(project, cli):
    before = project.tree_bytes()
    rc, out, err = cli("migrate", str(project.root))
    assert rc == 2 and "confirmation needed" in err
    assert project.tree_bytes() == before


def test_sigint_to_a_real_process_then_resume(project, aws_env, cli, moto_url):
    """A subprocess killed with SIGINT while creating: exit 130, progress consistent, the rerun finishes."""
    import os
    import signal
    import subprocess
    import sys

    p = plan(project, cli)
    progress = project.root / ".secretshift" / "progress.json"
    # the proxy answers 6 requests (about two secrets), then holds the next one: SIGINT lands mid-call
    with FaultProxy(moto_url, hold_after=6) as proxy:
        proc = subprocess.Popen([sys.executable, "-m", "secretshift", "apply", p, "--yes", "--endpoint-url", proxy.url],
                                cwd=project.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={**os.environ, **aws_env},
                                # xdist workers ignore SIGINT and children inherit that: give it back
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        assert proxy.holding.wait(60)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    project.outputs += [out.decode(), err.decode()]
    assert proc.returncode == 130 and f"resume with: secretshift apply {p} --yes --endpoint-url {proxy.url}" \
        in err.decode(), err.decode()[-500:]
    state = json.loads(progress.read_text())
    assert 0 < sum(v["status"] == "verified" for v in state["secrets"].values()) < 4
    assert state["files"] == {}
    rc, out, err = cli("apply", p, "--yes")
    assert rc == 0, out + err
    assert sorted(secrets_in(moto_url)) == PLANNED and all(versions(moto_url, n) == 1 for n in PLANNED)
    assert project.probe(aws_env) == project.expected()
    assert project.leaked() == []
