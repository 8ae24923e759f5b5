"""Shared by the lifecycle tests: a moto server whose Lambda backend needs no Docker, an AWS session on
it, and a stand-in for the rotation function (the generated skeleton, run in-process against moto)."""
from __future__ import annotations

import contextlib
import functools
import importlib.util
import io
import json
import urllib.request
import zipfile
from pathlib import Path
from typing import Iterator

import boto3

from secretshift.aws.gateway import ClientSettings
from secretshift.aws.session import AwsSession
from secretshift.scanner.samples import expand

from .servers import CREDS, moto_server


@contextlib.contextmanager
def lifecycle_server() -> Iterator[str]:
    """moto over HTTP; its Lambda backend records functions but runs none (moto needs Docker for that)."""
    with moto_server() as url:
        def config(body: dict) -> None:
            urllib.request.urlopen(urllib.request.Request(url + "/moto-api/config", data=json.dumps(body).encode(),
                                                          method="POST"), timeout=10).read()
        config({"lambda": {"use_docker": False}})
        try:
            yield url
        finally:
            config({"lambda": {"use_docker": True}})


def session(url: str) -> AwsSession:
    return AwsSession(ClientSettings(region="us-east-1", endpoint_url=url), dict(CREDS), attempts=2, base_delay=0.01)


@functools.lru_cache(maxsize=None)
def boto(url: str, service: str, region: str = "us-east-1"):
    """A client of the test's own (cached: building one reads botocore's JSON models, which is slow)."""
    return boto3.session.Session(region_name=region, **CREDS).client(service, endpoint_url=url)


def make_function(url: str, name: str) -> str:
    """A Lambda function registered in moto (its code never runs there); returns its ARN."""
    role = boto(url, "iam").create_role(RoleName=f"{name}-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("rotation_function.py", "def lambda_handler(event, context):\n    return None\n")
    return boto(url, "lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role,
                                               Handler="rotation_function.lambda_handler",
                                               Code={"ZipFile": buf.getvalue()})["FunctionArn"]


def db_secret(seed: str, host: str = "db.internal") -> dict:
    return {"engine": "postgres", "host": host, "port": 5432, "username": "app", "dbname": "orders",
            "password": expand("{{rand:alnum:22}}", seed)}


def load_function(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class FunctionStandIn:
    """Plays the deployed rotation function: Secrets Manager would call it after ``rotate_secret``; here
    the verifier's first wait does, so the verifier sees an asynchronous rotation finish as on AWS."""

    def __init__(self, module, url: str, name: str, monkeypatch) -> None:
        self.module, self.url, self.name = module, url, name
        self.ran: list[str] = []
        monkeypatch.setattr(module.boto3, "client", lambda service, **kw: boto(url, service))

    def sleep(self, seconds: float) -> None:
        if self.ran:
            return
        versions = boto(self.url, "secretsmanager").describe_secret(SecretId=self.name)["VersionIdsToStages"]
        token = next(v for v, st in versions.items() if st == ["AWSPENDING"])
        for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
            self.module.lambda_handler({"SecretId": self.name, "ClientRequestToken": token, "Step": step}, None)
            self.ran.append(step)
        # what Secrets Manager does after a successful finishSecret (moto does not)
        boto(self.url, "secretsmanager").update_secret_version_stage(
            SecretId=self.name, VersionStage="AWSPENDING", RemoveFromVersionId=token)


def rotation_stand_in(tmp_path: Path, url: str, name: str, monkeypatch, route_id: str = "database-password"):
    """The generated skeleton with its vendor part filled in (a new password), standing in for the
    deployed function; returns it and the password it will set."""
    from secretshift.aws import lambda_skeleton
    from secretshift.reporters.rotation_routes import load_routes

    route = next(r for r in load_routes()["routes"] if r["id"] == route_id)
    d = tmp_path / f"fn-{abs(hash(name))}"
    lambda_skeleton.write(d, lambda_skeleton.render(route, name))
    mod = load_function(d / "rotation_function.py", f"rot_{abs(hash(name))}")
    new = expand("{{rand:alnum:22}}", name + "-rotated")
    mod.issue_new_credential = lambda current: {**current, "password": new}
    mod.test_credential = lambda pending: None
    mod.revoke_credential = lambda old: None
    return FunctionStandIn(mod, url, name, monkeypatch), new
