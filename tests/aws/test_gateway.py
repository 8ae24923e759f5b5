"""The gateway and the create stage against moto's server over HTTP, with a fault proxy in front."""
from __future__ import annotations

import json

import pytest

from secretshift.scanner.samples import expand
from secretshift.aws.executor import SecretConflictError, create_stage
from secretshift.aws.gateway import EndpointUnreachable, SecretsGateway, request_token
from secretshift.base.errors import AwsActionError
from secretshift.migration.state import Progress
from secretshift.planner.model import Location, Plan, PlannedSecret, ValueSource

from .servers import FaultProxy, client, free_port


def _plan(*names):
    loc = Location("a.py", 1, 1, 1, 5, "SS105", "SS105:x")
    return Plan(prefix="production", secrets=tuple(
        PlannedSecret(id=n.replace("/", "-"), name=n, description="test", rotation="generic-password",
                      values=(ValueSource("password", "literal", (loc,)),), rewrites=(),
                      tags={"secretshift:managed": "true"}) for n in names))


def _value(seed):
    return json.dumps({"password": expand("{{rand:alnum:24}}", seed)})


def gw(url, **kw):
    return SecretsGateway(client(url), base_delay=0.01, **kw)


def test_create_reads_back_and_rerun_adds_no_version(moto_url, tmp_path):
    plan = _plan("production/db/postgresql", "production/api/stripe")
    strings = {s.id: _value(s.id) for s in plan.secrets}
    prog = Progress(tmp_path / "progress.json", "d1")
    assert create_stage(plan, gw(moto_url), prog, strings) == {s.id: "created" for s in plan.secrets}
    c = client(moto_url)
    for s in plan.secrets:
        assert c.get_secret_value(SecretId=s.name)["SecretString"] == strings[s.id]
        assert prog.verified(s.id) and prog.secret(s.id)["arn"].startswith("arn:aws:secretsmanager:")
        tags = {t["Key"]: t["Value"] for t in c.describe_secret(SecretId=s.name)["Tags"]}
        assert tags["secretshift:managed"] == "true"
    # a fresh progress file (as after a lost state) adopts instead of creating again
    again = create_stage(plan, gw(moto_url), Progress(tmp_path / "p2.json", "d1"), strings)
    assert again == {s.id: "adopted" for s in plan.secrets}
    for s in plan.secrets:
        versions = c.list_secret_version_ids(SecretId=s.name)["Versions"]
        assert len(versions) == 1
    # with the saved progress nothing is even looked at
    g = gw(moto_url)
    assert create_stage(plan, g, prog, strings) == {} and g.calls == 0
    assert json.loads((tmp_path / "progress.json").read_text())["secrets"]


def test_existing_secret_with_other_value_stops_unless_update(moto_url, tmp_path):
    plan = _plan("production/api/stripe")
    c = client(moto_url)
    c.create_secret(Name="production/api/stripe", SecretString=_value("other"))
    strings = {"production-api-stripe": _value("mine")}
    with pytest.raises(SecretConflictError) as e:
        create_stage(plan, gw(moto_url), Progress(tmp_path / "p.json", "d"), strings)
    assert "already exists" in str(e.value) and "--update-existing" in str(e.value)
    assert strings["production-api-stripe"][14:30] not in str(e.value)
    assert c.get_secret_value(SecretId="production/api/stripe")["SecretString"] == _value("other")
    done = create_stage(plan, gw(moto_url), Progress(tmp_path / "p.json", "d"), strings, update_existing=True)
    assert done == {"production-api-stripe": "updated"}
    assert c.get_secret_value(SecretId="production/api/stripe")["SecretString"] == strings["production-api-stripe"]


@pytest.mark.parametrize("status", [400, 500])
def test_throttling_and_server_errors_are_retried(moto_url, tmp_path, status):
    plan = _plan("production/api/github")
    strings = {"production-api-github": _value("gh")}
    retries = []
    with FaultProxy(moto_url, fail=3, status=status) as proxy:
        create_stage(plan, gw(proxy.url, on_retry=retries.append), Progress(tmp_path / "p.json", "d"), strings)
    assert proxy.requests >= 6 and len(retries) == 3
    assert ("Throttling" if status == 400 else "InternalServiceError") in retries[0]
    assert client(moto_url).get_secret_value(SecretId="production/api/github")["SecretString"] == strings[
        "production-api-github"]


def test_gives_up_after_the_attempts_with_a_clear_message(moto_url, tmp_path):
    plan = _plan("production/api/github")
    with FaultProxy(moto_url, fail=100, status=400) as proxy:
        with pytest.raises(AwsActionError, match="kept failing .*ThrottlingException.* after 3 attempts"):
            create_stage(plan, gw(proxy.url, attempts=3), Progress(tmp_path / "p.json", "d"),
                         {"production-api-github": _value("x")})
    assert proxy.requests == 3


def test_unreachable_endpoint(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(EndpointUnreachable, match="cannot reach Secrets Manager at http://127.0.0.1"):
        create_stage(_plan("production/x/y"), gw(url, attempts=2), Progress(tmp_path / "p.json", "d"),
                     {"production-x-y": _value("x")})
    assert not (tmp_path / "p.json").exists()


def test_request_token_is_stable_and_content_bound():
    a = request_token("production/db/postgresql", '{"password": "x1"}')
    assert a == request_token("production/db/postgresql", '{"password": "x1"}')
    assert a != request_token("production/db/postgresql", '{"password": "x2"}')
    assert a != request_token("staging/db/postgresql", '{"password": "x1"}')
    assert 32 <= len(a) <= 64


def test_customer_kms_key_is_passed(moto_url, tmp_path):
    from dataclasses import replace

    plan = _plan("production/db/postgresql")
    plan = replace(plan, secrets=(replace(plan.secrets[0], kms_key_id="alias/shop-secrets"),))
    create_stage(plan, gw(moto_url), Progress(tmp_path / "p.json", "d"), {"production-db-postgresql": _value("k")})
    assert client(moto_url).describe_secret(SecretId="production/db/postgresql")["KmsKeyId"] == "alias/shop-secrets"
