"""Commands that manage migrated secrets after they exist: ``rotate``, ``rollback``, ``audit``,
``rotation-lambda`` and ``alarm``. Exit codes: 0 done / clean, 1 work left (a rotation not verified,
unused secrets), 2 usage or AWS error (one line). Nothing printed holds a secret value."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from ..base.errors import SecretshiftError
from ._options import connection_options, max_attempts_option, stack


def _say(msg: str = "") -> None:
    click.echo(msg)


def _warn(msg: str) -> None:
    click.echo(f"secretshift: {msg}", err=True)


aws_options = stack(*connection_options(), max_attempts_option())


# Options of ``plan`` and ``migrate`` for what happens to the secrets after they exist.
lifecycle_options = stack(
    click.option("--rotate", is_flag=True, help="Turn on automatic rotation (databases: AWS's rotation "
                                                "functions; API keys: a function skeleton to review)."),
    click.option("--rotation-strategy", type=click.Choice(["single", "alternating"]), default="single",
                 show_default=True, help="Database rotation: single user, or alternating users."),
    click.option("--rotation-lambda-arn", default=None, help="Deployed rotation function for --rotate."),
    click.option("--master-secret-arn", default=None, help="Alternating users: the superuser secret's ARN."),
    click.option("--rotation-days", type=click.IntRange(1, 1000), default=30, show_default=True),
    click.option("--replicate-to", multiple=True, metavar="REGION[=KMS_KEY]",
                 help="Replicate every secret to REGION (repeatable; a KMS key per region)."),
    click.option("--reader-role", "readers", multiple=True, metavar="ROLE_ARN",
                 help="Resource policy: this role may read the secrets (repeatable)."),
    click.option("--alarm-topic", default=None, metavar="SNS_TOPIC_ARN",
                 help="Rotation failures go to this SNS topic (EventBridge rule + CloudWatch alarm)."),
    click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE",
                 help="Cost-allocation tag for every secret (repeatable): put on create, added to existing ones."),
    click.option("--parameters", is_flag=True,
                 help="Also move non-secret configuration reads (hosts, ports, flags) to SSM Parameter Store."),
)


LIFECYCLE_KEYS = ("rotate", "rotation_strategy", "rotation_lambda_arn", "master_secret_arn", "rotation_days",
                  "replicate_to", "readers", "alarm_topic", "tags", "parameters")


def lifecycle_from(kw: dict[str, Any]):
    """Pop the lifecycle options out of a command's keyword arguments; the plan-wide ``Lifecycle``."""
    from ..base.errors import PlanError
    from ..planner.lifecycle import from_options

    v = {k: kw.pop(k) for k in LIFECYCLE_KEYS if k in kw}
    try:
        return from_options(v.get("rotate", False), v.get("rotation_strategy", "single"), v.get("rotation_lambda_arn"),
                            v.get("rotation_days", 30), v.get("master_secret_arn"), tuple(v.get("replicate_to", ())),
                            tuple(v.get("readers", ())), v.get("alarm_topic"), v.get("parameters", False),
                            tuple(v.get("tags", ())))
    except PlanError as e:
        raise click.UsageError(str(e).replace("options: ", "", 1)) from None


def _session(region, profile, endpoint_url, max_attempts):
    from ..aws.session import session_from_options

    return session_from_options(region, profile, endpoint_url, max_attempts, on_retry=_warn)


def _confirm(question: str, yes: bool) -> bool:
    if yes:
        return True
    if not sys.stdin.isatty():
        raise SecretshiftError("confirmation needed: run in a terminal or pass --yes")
    return click.confirm(question, default=False)


def _root(path: str | None) -> Path:
    from ..settings import find_root

    p = Path(path or ".")
    if not p.exists():
        raise click.UsageError(f"no such path: {path}")
    return find_root(p if p.is_dir() else p.parent)


def migrated_secrets(root: Path) -> dict[str, dict[str, Any]]:
    """``name -> ledger entry`` of every secret this repository migrated into AWS, across runs (the
    cumulative ``.secretshift/ledger.json``; secrets only ever made in ``--local``'s emulator are left out)."""
    from ..migration.ledger import Ledger

    return {n: e for n, e in Ledger.load(root).secrets.items() if e.get("endpoint", "aws") == "aws"}


# --- rotate -------------------------------------------------------------------------------------------

@click.command("rotate")
@click.argument("secret")
@click.option("--rotation-lambda-arn", default=None, help="The deployed rotation function.")
@click.option("--strategy", type=click.Choice(["single", "alternating"]), default="single", show_default=True,
              help="Database secrets: single user, or alternating users (needs --master-secret-arn).")
@click.option("--master-secret-arn", default=None, help="Alternating users: the superuser secret's ARN.")
@click.option("--days", type=click.IntRange(1, 1000), default=30, show_default=True, help="Rotate every N days.")
@click.option("--schedule", default=None, help="A schedule expression instead of --days: rate(...) or cron(...).")
@click.option("--wait", "wait_seconds", type=click.FloatRange(min=0), default=300, show_default=True,
              help="Seconds to wait for the first rotation to finish.")
@click.option("--poll", "poll_seconds", type=click.FloatRange(min=0), default=5, hidden=True)
@click.option("--rds-managed", is_flag=True,
              help="RDS databases: let RDS manage the master user's password instead of a rotation function.")
@click.option("--now", is_flag=True,
              help="Rotate now even when rotation is already on with these settings (then nothing is done).")
@aws_options
def rotate_cmd(secret, rotation_lambda_arn, strategy, master_secret_arn, days, schedule, wait_seconds, poll_seconds,
               rds_managed, now, region, profile, endpoint_url, max_attempts) -> int:
    """Turn on automatic rotation for SECRET and check that the first rotation succeeded. Already on with
    the same function and schedule: nothing changes (--now rotates anyway); another schedule only: the
    schedule changes without a rotation."""
    from ..aws import rotation as rot
    from ..planner.lifecycle import SCHEDULE_RE

    if schedule and not SCHEDULE_RE.match(schedule):
        raise click.UsageError("--schedule must be rate(N days|hours) or cron(...)")
    session = _session(region, profile, endpoint_url, max_attempts)
    gw = session.gateway()
    if gw.describe(secret) is None:
        raise SecretshiftError(f"{secret}: no such secret in {gw.region or 'this region'}")
    obj = rot.parse_json(gw.read_version(secret))
    engine = rot.database_engine(obj)
    rds = rot.rds_instance((obj or {}).get("host"))
    if rds_managed:
        return _rds_managed(session, secret, obj, rds)
    if rds:
        _say(f"note: {secret} is an RDS database ({rds['kind']} {rds['id']}); RDS can manage its master password "
             f"instead: secretshift rotate {secret} --rds-managed")
    if not rotation_lambda_arn:
        if engine:
            raise click.UsageError(f"no --rotation-lambda-arn: deploy AWS's {rot.function_name(engine, strategy)} "
                                   f"function first: {rot.deploy_command(engine, strategy, session.region)}")
        raise click.UsageError(f"no --rotation-lambda-arn: write a rotation function to review with "
                               f"'secretshift rotation-lambda {secret}', deploy it, then pass its ARN")
    out = rot.ensure_rotation(gw, secret, rot.RotationSpec(rotation_lambda_arn, strategy, days, schedule,
                                                           master_secret_arn),
                              now, wait_seconds, poll_seconds, report=_say)
    _say(f"{out.status}: {out.message}")
    return 0 if out.ok else 1


def _rds_managed(session, secret: str, obj: dict | None, rds: dict | None) -> int:
    if not rds:
        raise SecretshiftError(f"{secret}: its host is not an RDS endpoint (name.xxxx.REGION.rds.amazonaws.com)")
    if rds["kind"] == "cluster":
        from ..aws.rotation import managed_password_command

        raise SecretshiftError(f"{secret}: an Aurora cluster: run {managed_password_command(rds)}")
    gw = session.gateway("rds", rds["region"])
    found = gw.call("describe_db_instances", f"RDS instance {rds['id']}", DBInstanceIdentifier=rds["id"])
    inst = (found.get("DBInstances") or [{}])[0]
    if inst.get("MasterUsername") != (obj or {}).get("username"):
        raise SecretshiftError(f"{secret}: its user is not the master user of {rds['id']}; RDS manages only the "
                               f"master user's password")
    r = gw.call("modify_db_instance", f"RDS instance {rds['id']}", DBInstanceIdentifier=rds["id"],
                ManageMasterUserPassword=True, ApplyImmediately=True)
    arn = (r.get("DBInstance", {}).get("MasterUserSecret") or {}).get("SecretArn")
    _say(f"RDS now manages and rotates the master password of {rds['id']} in {arn or 'a secret it created'}; "
         f"point the code at that secret (it holds username and password), then delete {secret}")
    return 0


# --- rollback -----------------------------------------------------------------------------------------

@click.command("rollback")
@click.argument("secret")
@click.option("--to", "to_version", default=None, help="Version id to make AWSCURRENT [default: AWSPREVIOUS].")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@aws_options
def rollback_cmd(secret, to_version, yes, region, profile, endpoint_url, max_attempts) -> int:
    """Move AWSCURRENT of SECRET back to AWSPREVIOUS after a bad rotation."""
    from ..aws.rollback import plan_rollback, rollback

    gw = _session(region, profile, endpoint_url, max_attempts).gateway()
    rb = plan_rollback(gw, secret, to_version)
    _say(f"{secret}: AWSCURRENT {rb.from_version} -> {rb.to_version}"
         + (f"; AWSPENDING removed from {rb.cleared_pending}" if rb.cleared_pending else ""))
    if not _confirm("roll back?", yes):
        _say("nothing changed")
        return 0
    rollback(gw, rb)
    _say(f"rolled back: AWSCURRENT is {rb.to_version}, AWSPREVIOUS is {rb.from_version}. If rotation is on, the "
         f"next scheduled rotation starts from this version; fix the rotation function first")
    return 0


# --- audit --------------------------------------------------------------------------------------------

@click.command("audit")
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--unused-days", type=click.IntRange(min=1), default=90, show_default=True,
              help="A secret not accessed for this many days counts as unused.")
@aws_options
def audit_cmd(path, fmt, unused_days, region, profile, endpoint_url, max_attempts) -> int:
    """List the secrets this repository migrated: last access, rotation, replicas, and whether the code
    still reads them. Exit 1 when one is unused or missing."""
    from ..aws.audit import audit, repository_files

    root = _root(path)
    names = sorted(migrated_secrets(root))
    if not names:
        _say("nothing to audit: .secretshift/ledger.json names no secret this repository migrated into AWS")
        return 0
    gw = _session(region, profile, endpoint_url, max_attempts).gateway()
    rows = audit(gw, names, repository_files(root))
    stale = {r.name for r in rows if r.days_since_access is not None and r.days_since_access >= unused_days}
    flagged = [r for r in rows if r.unused or not r.exists or r.name in stale]
    if fmt == "json":
        _say(json.dumps({"version": 1, "secrets": [{**r.to_dict(), "stale": r.name in stale} for r in rows],
                         "summary": {"secrets": len(rows), "flagged": len(flagged),
                                     "unused_usd_per_month": round(sum(r.usd_per_month for r in rows if r.unused), 2)}},
                        indent=2))
    else:
        for r in rows:
            state = "MISSING" if not r.exists else "UNUSED" if r.unused else "STALE" if r.name in stale else "ok"
            where = f"read by {len(r.read_by)} file(s)" if r.read_by else "read by no file"
            reps = f", replicas {', '.join(r.replicas)}" if r.replicas else ""
            _say(f"{state:7} {r.name}  last accessed {r.last_accessed or 'never'}  rotation {r.rotation}"
                 f"{f' (last {r.last_rotated})' if r.last_rotated else ''}{reps}  {where}")
        waste = sum(r.usd_per_month for r in rows if r.unused)
        _say(f"{len(rows)} secret(s), {len(flagged)} flagged" + (f"; unused ones cost USD {waste:.2f}/month" if waste else ""))
    return 1 if flagged else 0


# --- rotation-lambda ----------------------------------------------------------------------------------

@click.command("rotation-lambda")
@click.argument("secret")
@click.option("--route", default=None, help="Rotation route in rules/rotation.yaml [default: the plan's].")
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory [default: .secretshift/rotation/<secret>].")
@click.option("--days", type=click.IntRange(1, 1000), default=30, show_default=True)
@click.option("--force", is_flag=True, help="Overwrite files that exist (they may hold reviewed code).")
@click.option("--root", "root_path", default=None, type=click.Path(file_okay=False, path_type=str))
def rotation_lambda_cmd(secret, route, output, days, force, root_path) -> int:
    """Write a rotation function skeleton for SECRET (third-party API keys) and its SAM template. Never deploys."""
    from ..aws import lambda_skeleton
    from ..aws.lifecycle import slug
    from ..reporters.rotation_routes import load_routes

    root = _root(root_path)
    routes = {r["id"]: r for r in load_routes()["routes"]}
    if route is None:
        route = (migrated_secrets(root).get(secret) or {}).get("rotation")
        if route is None:
            raise click.UsageError(f"{secret} is not in .secretshift/ledger.json (this repository did not migrate "
                                   f"it): pass --route (one of {', '.join(sorted(routes))})")
    if route not in routes:
        raise click.UsageError(f"no rotation route '{route}' (one of {', '.join(sorted(routes))})")
    if route == "database-password":
        _say(f"note: database secrets rotate with AWS's own functions: secretshift rotate {secret} "
             f"--rotation-lambda-arn ARN (this skeleton is for a database AWS has no function for)")
    d = output or root / ".secretshift" / "rotation" / slug(secret)
    written = lambda_skeleton.write(d, lambda_skeleton.render(routes[route], secret, days), overwrite=force)
    for p in written:
        _say(f"wrote {p}")
    kept = len(lambda_skeleton.FILES) - len(written)
    if kept:
        _say(f"kept {kept} existing file(s) (--force to overwrite)")
    _say("review rotation_function.py (every TODO(secretshift)), then deploy with template.yaml; nothing was deployed")
    return 0


# --- alarm --------------------------------------------------------------------------------------------

@click.command("alarm")
@click.option("--sns-topic", "topic", required=True, help="SNS topic ARN that receives rotation failures.")
@aws_options
def alarm_cmd(topic, region, profile, endpoint_url, max_attempts) -> int:
    """Create the EventBridge rule and CloudWatch alarm for rotation failures, to an SNS topic."""
    from ..aws.alarms import check_topic, ensure_alarm

    check_topic(topic)
    out = ensure_alarm(_session(region, profile, endpoint_url, max_attempts), topic)
    _say(f"rotation failures now reach {out['topic']}: rule {out['rule']}, alarm {out['alarm']}")
    _say("the topic's policy must allow events.amazonaws.com and cloudwatch.amazonaws.com to publish")
    return 0
