"""Terraform, Kubernetes, docker compose, Dockerfile, shell, GitHub Actions and serverless.yml rewrites:
before/after, structural checks of the result (kubectl-free), `terraform fmt` layout kept, and a shell
script that reads the same value from a real Secrets Manager endpoint (moto over HTTP)."""
from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess

import pytest
import yaml

from secretshift.codemods.deploy import Options, SecretInfo, kind_of, rewrite_text
from secretshift.codemods.targets import RewriteTarget, sha256_text

OPTS = Options({"shop/db/postgresql": SecretInfo("shop/db/postgresql",
                                                 "arn:aws:secretsmanager:eu-west-1:123456789012:secret:shop/db/postgresql-AbCdEf")},
               "eu-west-1", "123456789012")


def lit(kit, text, value, sid="shop/db/postgresql", key="password", nth=0, fp=""):
    return kit.hardcoded(text, value, sid, key, nth=nth, fp=fp or f"F{nth}:{value[:3]}")


TF = """provider "aws" {{
  region     = "eu-west-1"
  access_key = "{ak}"
}}

# the dev database
variable "db_password" {{
  type      = string
  sensitive = true
  default   = "{pw}"
}}

resource "aws_db_instance" "shop" {{
  identifier        = "shop"
  allocated_storage = 20
  username          = "admin"
  password          = var.db_password
}}

resource "aws_lambda_function" "fn" {{
  function_name = "fn"
  environment {{
    variables = {{
      API_KEY = "{key}"
      DB_URL  = "postgres://app:{pw}@db:5432/app"
    }}
  }}
}}
"""


@pytest.mark.parametrize("rds", [False, True])
def test_terraform_data_source_variable_and_rds_option(kit, rds):
    v = {k: kit.fake(seed=f"tf-{k}") for k in ("ak", "pw", "key")}
    before = TF.format(**v)
    targets = [lit(kit, before, v["ak"], "shop/cloud/aws", "access_key_id"), lit(kit, before, v["pw"]),
               lit(kit, before, v["key"], "shop/api/vendor", None), lit(kit, before, v["pw"], nth=1)]
    opts = Options(OPTS.secrets, "eu-west-1", "123456789012", rds_managed_password=rds)
    rw = rewrite_text(before, "infra/main.tf", targets, opts)
    assert all(x not in rw.text for x in v.values()) and all(x not in rw.diff for x in v.values())
    assert 'variable "db_password"' not in rw.text and "# the dev database" not in rw.text
    assert "access_key" not in rw.text  # the provider uses the default credential chain
    expr = 'jsondecode(data.aws_secretsmanager_secret_version.shop_db_postgresql.secret_string)["password"]'
    assert f"postgres://app:${{{expr}}}@db:5432/app" in rw.text
    assert "API_KEY = data.aws_secretsmanager_secret_version.shop_api_vendor.secret_string" in rw.text
    if rds:
        assert "  manage_master_user_password = true\n" in rw.text and "  password " not in rw.text
        assert "  identifier                  = \"shop\"" in rw.text  # the run of `=` re-aligned
    else:
        assert f"  password          = {expr}\n" in rw.text
    assert rw.text.count('data "aws_secretsmanager_secret_version" "shop_db_postgresql"') == 1
    assert any("Terraform state" in o.note for o in rw.outcomes)
    if shutil.which("terraform"):  # the layout is `terraform fmt`-clean, as the input was
        assert subprocess.run(["terraform", "fmt", "-check", "-"], input=before, text=True,
                              capture_output=True).returncode == 0
        r = subprocess.run(["terraform", "fmt", "-check", "-"], input=rw.text, text=True, capture_output=True)
        assert r.returncode == 0, r.stdout


def test_terraform_write_only_argument_reads_an_ephemeral_resource(kit):
    """QA round 3 (terraform-aws-rds): password_wo = "..." became a data source's value, which Terraform
    writes into the state; write-only arguments exist to keep it out. It now reads an ephemeral
    resource, and the note says to bump password_wo_version on rotation."""
    pw, other = kit.fake(seed="tf-wo"), kit.fake(seed="tf-wo-other")
    before = ('provider "aws" {\n  region = "eu-west-1"\n}\n\nresource "aws_db_instance" "db" {\n'
              f'  engine              = "postgres"\n  password_wo         = "{pw}"\n  password_wo_version = 1\n}}\n\n'
              f'resource "aws_ssm_parameter" "p" {{\n  value = "{other}"\n}}\n')
    rw = rewrite_text(before, "infra/main.tf", [lit(kit, before, pw), lit(kit, before, other, "shop/api/vendor", None)],
                      OPTS)
    assert pw not in rw.text and other not in rw.text
    assert ('password_wo         = jsondecode(ephemeral.aws_secretsmanager_secret_version.shop_db_postgresql'
            '.secret_string)["password"]') in rw.text
    assert rw.text.count('ephemeral "aws_secretsmanager_secret_version" "shop_db_postgresql" {') == 1
    assert 'data "aws_secretsmanager_secret_version" "shop_db_postgresql"' not in rw.text
    assert "value = data.aws_secretsmanager_secret_version.shop_api_vendor.secret_string" in rw.text
    notes = [o.note for o in rw.outcomes]
    assert any("write-only" in n and "_version" in n for n in notes) and any("Terraform state" in n for n in notes)


def test_terraform_variable_used_in_other_files_of_the_module(kit):
    pw = kit.fake(seed="tf-other")
    before = f'variable "db_password" {{\n  default = "{pw}"\n}}\n'
    rds = 'resource "aws_db_instance" "db" {\n  username = "admin"\n  password = var.db_password\n}\n'
    rw = rewrite_text(before, "infra/variables.tf", [lit(kit, before, pw)], OPTS, module_files={"infra/rds.tf": rds})
    assert rw.text == '\ndata "aws_secretsmanager_secret_version" "shop_db_postgresql" {\n  secret_id = "shop/db/postgresql"\n}\n'
    assert rw.extra_files == {"infra/rds.tf": rds.replace(
        "  username = \"admin\"\n  password = var.db_password",
        "  username = \"admin\"\n  password = jsondecode(data.aws_secretsmanager_secret_version.shop_db_postgresql"
        ".secret_string)[\"password\"]")}
    assert "infra/rds.tf" in rw.outcomes[0].note and "no AWS provider" not in " ".join(rw.messages)
    broken = rewrite_text(before, "infra/variables.tf", [lit(kit, before, pw)], OPTS,
                          module_files={"infra/rds.tf": rds + "resource {{{\n"})
    assert broken.text == before and broken.outcomes[0].status == "patch" and pw not in broken.outcomes[0].patch


K8S = """# app manifests
apiVersion: v1
kind: Secret
metadata:
  name: db-creds
  namespace: shop
  labels: {{app: shop}}
type: kubernetes.io/basic-auth
data:
  password: {b64}
  username: {user}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          env:
            - {{name: API_TOKEN, value: "{tok}"}}
            - name: DB_PASSWORD
              value: {pw}   # same as the Secret
            - name: LOG_LEVEL
              value: info
"""


def test_kubernetes_secret_becomes_external_secret_and_env_uses_secret_key_ref(kit):
    pw, tok = kit.fake(seed="k8s-pw"), kit.fake(seed="k8s-tok")
    before = K8S.format(b64=base64.b64encode(pw.encode()).decode(), user=base64.b64encode(b"admin").decode(),
                        tok=tok, pw=pw)
    b64 = base64.b64encode(pw.encode()).decode()
    line, col = kit.hardcoded(before, b64).line, kit.hardcoded(before, b64).column
    data_target = RewriteTarget(line, col, line, col + len(b64), "hardcoded", "shop/db/postgresql", "password",
                                sha256_text(pw), fingerprint="data")
    targets = [data_target, lit(kit, before, tok, "shop/api/vendor", "token"), lit(kit, before, pw, fp="env")]
    rw = rewrite_text(before, "k8s/app.yaml", targets, OPTS)
    docs = list(yaml.safe_load_all(rw.text))
    es, deploy, env_es = docs
    assert es["apiVersion"] == "external-secrets.io/v1" and es["kind"] == "ExternalSecret"
    assert es["metadata"] == {"name": "db-creds", "namespace": "shop", "labels": {"app": "shop"}}
    spec = es["spec"]
    assert spec["target"]["name"] == "db-creds" and spec["target"]["template"]["type"] == "kubernetes.io/basic-auth"
    assert spec["target"]["template"]["data"] == {"username": "admin"}  # unmigrated key kept
    assert spec["data"] == [{"secretKey": "password", "remoteRef": {"key": "shop/db/postgresql", "property": "password"}}]
    assert spec["secretStoreRef"] == {"kind": "SecretStore", "name": "aws-secrets-manager"}
    env = deploy["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env[0] == {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "web-secretshift", "key": "API_TOKEN"}}}
    assert env[1] == {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "web-secretshift", "key": "DB_PASSWORD"}}}
    assert env[2] == {"name": "LOG_LEVEL", "value": "info"}
    assert env_es["metadata"] == {"name": "web-secretshift", "namespace": "shop"}
    assert {d["secretKey"] for d in env_es["spec"]["data"]} == {"API_TOKEN", "DB_PASSWORD"}
    assert "# app manifests" in rw.text and "   # same as the Secret" in rw.text
    store = yaml.safe_load(rw.extra_files["k8s/secretshift-secretstore.yaml"])
    assert store["kind"] == "SecretStore" and store["metadata"]["namespace"] == "shop"
    assert store["spec"]["provider"]["aws"] == {"service": "SecretsManager", "region": "eu-west-1",
                                                "auth": {"jwt": {"serviceAccountRef": {"name": "external-secrets"}}}}
    assert pw not in rw.text and b64 not in rw.text and tok not in rw.text and pw not in rw.diff
    raw = RewriteTarget(line, col, line, col + len(b64), "hardcoded", "shop/db/postgresql", "password",
                        sha256_text(b64), fingerprint="raw")  # a rule that reports the base64 text itself
    assert rewrite_text(before, "k8s/app.yaml", [raw], OPTS).outcomes[0].status == "applied"


def test_compose_dockerfile_and_shell(kit):
    pw, key = kit.fake(seed="c-pw"), kit.fake(seed="c-key")
    compose = (f"services:\n  web:\n    environment:\n      DB_PASSWORD: \"{pw}\"  # dev\n      MODE: prod\n"
               f"  worker:\n    environment:\n      - API_KEY={key}\n")
    rw = rewrite_text(compose, "docker-compose.yml", [lit(kit, compose, pw), lit(kit, compose, key, "shop/api/x", "key")],
                      OPTS)
    doc = yaml.safe_load(rw.text)
    assert doc["services"]["web"]["environment"] == {"DB_PASSWORD": "${DB_PASSWORD:?set DB_PASSWORD}", "MODE": "prod"}
    assert doc["services"]["worker"]["environment"] == ["API_KEY=${API_KEY:?set API_KEY}"]
    assert "  # dev" in rw.text
    example = rw.extra_files[".env.example"]
    assert "\nDB_PASSWORD=\n" in example and "\nAPI_KEY=\n" in example and "--secret-id shop/db/postgresql" in example
    docker = (f"FROM node:20\nENV NODE_ENV=production API_KEY={key}\nARG NPM_TOKEN=\"{pw}\"\n"
              "RUN echo \"//registry.npmjs.org/:_authToken=${NPM_TOKEN}\" > .npmrc && npm ci\nCMD [\"node\", \"main.js\"]\n")
    rw = rewrite_text(docker, "Dockerfile", [lit(kit, docker, key, "shop/api/x", "key"), lit(kit, docker, pw)], OPTS)
    assert rw.text == ("# syntax=docker/dockerfile:1\nFROM node:20\nENV NODE_ENV=production\n"
                       "RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN echo \"//registry.npmjs.org/:_authToken="
                       "${NPM_TOKEN}\" > .npmrc && npm ci\nCMD [\"node\", \"main.js\"]\n")
    assert "--secret id=npm_token,env=NPM_TOKEN" in " ".join(o.note for o in rw.outcomes)
    sh = f'#!/bin/sh\nset -eu\nexport DB_PASSWORD="{pw}"\nAPI_KEY={key} # vendor\n'
    rw = rewrite_text(sh, "deploy.sh", [lit(kit, sh, pw), lit(kit, sh, key, "shop/api/x", None)], OPTS)
    assert rw.text == ('#!/bin/sh\nset -eu\nDB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id '
                       'shop/db/postgresql --query SecretString --output text | jq -er .password)"\nexport DB_PASSWORD\n'
                       'API_KEY="$(aws secretsmanager get-secret-value --secret-id shop/api/x --query SecretString '
                       '--output text)" # vendor\n')
    assert subprocess.run(["sh", "-n"], input=rw.text, text=True).returncode == 0
    cmd = f"out=$(s3cmd --secret_key={key} ls)\nmysql -u app --password={pw} shop\n"
    rw = rewrite_text(cmd, "run.sh", [lit(kit, cmd, key, "shop/api/x", None), lit(kit, cmd, pw)], OPTS)
    assert rw.text == ('out=$(s3cmd --secret_key="$(aws secretsmanager get-secret-value --secret-id shop/api/x '
                       '--query SecretString --output text)" ls)\nmysql -u app --password="$(aws secretsmanager '
                       'get-secret-value --secret-id shop/db/postgresql --query SecretString --output text | jq -er '
                       '.password)" shop\n')
    assert "command line" in rw.outcomes[0].note


def test_actions_and_serverless(kit):
    tok, pw = kit.fake(seed="gha-tok"), kit.fake(seed="gha-pw")
    wf = (f"on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:\n      DB_PASSWORD: {pw}\n"
          f"    steps:\n      - uses: actions/checkout@v4\n      - run: ./deploy.sh\n        env:\n"
          f"          VENDOR_API: \"{tok}\"\n")
    assert kind_of(".github/workflows/deploy.yml", wf) == "github-actions"
    rw = rewrite_text(wf, ".github/workflows/deploy.yml",
                      [lit(kit, wf, pw), lit(kit, wf, tok, "shop/api/vendor", "token")], OPTS)
    job = yaml.safe_load(rw.text)["jobs"]["deploy"]
    assert job["permissions"] == {"id-token": "write", "contents": "read"} and "env" not in job
    configure, get, name, checkout, run = job["steps"]
    assert configure["uses"] == "aws-actions/configure-aws-credentials@v4"
    assert configure["with"] == {"role-to-assume": "${{ vars.AWS_ROLE_ARN }}", "aws-region": "eu-west-1"}
    assert get["uses"] == "aws-actions/aws-secretsmanager-get-secrets@v2" and get["with"]["parse-json-secrets"] is True
    assert get["with"]["secret-ids"].split() == ["DB,shop/db/postgresql", "SECRETSHIFT_SHOP_API_VENDOR,shop/api/vendor"]
    assert name["run"] == 'echo "VENDOR_API=${SECRETSHIFT_SHOP_API_VENDOR_TOKEN}" >> "$GITHUB_ENV"\n'
    assert checkout == {"uses": "actions/checkout@v4"} and run == {"run": "./deploy.sh"}
    sls = (f"service: shop\nprovider:\n  name: aws\n  environment:\n    DB_PASSWORD: {pw}\n"
           "functions:\n  api:\n    handler: handler.main\n")
    rw = rewrite_text(sls, "serverless.yml", [lit(kit, sls, pw)], OPTS)
    assert yaml.safe_load(rw.text)["provider"]["environment"] == {
        "DB_PASSWORD_SECRET_ARN": OPTS.secrets["shop/db/postgresql"].arn}


def test_shell_script_reads_the_value_from_secrets_manager(kit, tmp_path):
    if not (shutil.which("aws") and shutil.which("jq") and shutil.which("bash")):
        pytest.skip("needs the aws CLI, jq and bash on PATH")
    from aws.servers import client, moto_server

    pw = kit.fake(seed="sh-behaviour")
    script = f'#!/usr/bin/env bash\nset -euo pipefail\nexport DB_PASSWORD="{pw}"\nprintf %s "$DB_PASSWORD"\n'
    rw = rewrite_text(script, "run.sh", [lit(kit, script, pw)], OPTS)
    assert pw not in rw.text
    (tmp_path / "run.sh").write_text(rw.text)
    with moto_server() as url:
        client(url).create_secret(Name="shop/db/postgresql", SecretString=json.dumps({"password": pw, "user": "app"}))
        env = {"PATH": os.environ["PATH"], "AWS_ENDPOINT_URL": url, "AWS_REGION": "us-east-1",
               "AWS_DEFAULT_REGION": "us-east-1",
               "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "HOME": str(tmp_path)}
        r = subprocess.run(["bash", str(tmp_path / "run.sh")], capture_output=True, text=True, env=env, timeout=60)
    assert r.returncode == 0, r.stderr[-500:]
    assert r.stdout == pw


def test_files_without_a_target_stay_byte_identical():
    for path, text in (("main.tf", TF.format(ak="a", pw="b", key="c")), ("k8s.yaml", K8S.format(b64="eA==", user="eA==", tok="t", pw="p")),
                       ("docker-compose.yml", "services:\n  a:\n    image: x\n"), ("Dockerfile", "FROM x\nENV A=1\n"),
                       ("run.sh", "A=1\n")):
        rw = rewrite_text(text, path, [], OPTS)
        assert rw.text == text and rw.diff == ""


def test_compose_url_whose_password_was_found_moves_whole_to_a_variable(kit):
    """fastapi-realworld: DATABASE_URL: "postgresql://postgres:postgres@db/postgres" in compose -- the
    finding is the password inside the URL; the URL is one value of the secret (key url) and the entry
    becomes ${DATABASE_URL:?...}. With the password's own key it is left (that would not be the URL)."""
    w = kit.fake("{{rand:lower:8}}", seed="compose-url")
    compose = f'services:\n  app:\n    environment:\n      DATABASE_URL: "postgresql://{w}:{w}@db/{w}"\n'
    rw = rewrite_text(compose, "docker-compose.yml", [lit(kit, compose, w, key="url", nth=2)], Options(), "compose")
    assert rw.text == 'services:\n  app:\n    environment:\n      DATABASE_URL: "${DATABASE_URL:?set DATABASE_URL}"\n'
    assert "jq -er .url" in rw.extra_files[".env.example"]
    rw = rewrite_text(compose, "docker-compose.yml", [lit(kit, compose, w, key="password", nth=2)], Options(), "compose")
    assert rw.text == compose and rw.outcomes[0].status == "skipped"


def test_compose_connection_string_whose_password_was_found_says_why_it_is_left(kit):
    """QA (modular-monolith-with-ddd, aspnetrun): an ADO.NET connection string's password in compose was
    skipped as "value does not match (changed or already migrated)" on a fresh tree: the secret is
    one part of the value, which compose cannot splice; the reason says so."""
    w = kit.fake(seed="compose-ado")
    compose = f"services:\n  api:\n    environment:\n      - Db=Server=db,1433;User=sa;Password={w};Encrypt=False;\n"
    rw = rewrite_text(compose, "docker-compose.yml", [lit(kit, compose, w, key="password")], Options(), "compose")
    assert rw.text == compose and rw.outcomes[0].status == "skipped"
    assert "one part of this value (a connection string)" in rw.outcomes[0].note
    assert "does not match" not in rw.outcomes[0].note


def test_two_services_giving_one_variable_different_values_are_not_both_moved_to_it(kit):
    """QA (.NET round, a synthetic compose): two services' different DATABASE_URL values both became
    ${DATABASE_URL:?...}: the one .env variable would give service 2 service 1's password."""
    a, b = kit.fake(seed="compose-a"), kit.fake(seed="compose-b")
    compose = (f"services:\n  api:\n    environment:\n      DB_PASSWORD: {a}\n"
               f"  worker:\n    environment:\n      DB_PASSWORD: {b}\n")
    ta = lit(kit, compose, a, sid="shop/db/postgresql", key="password")
    tb = lit(kit, compose, b, sid="shop/db/postgresql-2", key="password")
    rw = rewrite_text(compose, "docker-compose.yml", [ta, tb], Options(), "compose")
    assert [o.status for o in rw.outcomes] == ["applied", "skipped"]
    assert "holds a different value" in rw.outcomes[1].note
    assert "DB_PASSWORD: ${DB_PASSWORD:?set DB_PASSWORD}" in rw.text and b in rw.text
    twice = compose.replace(b, a)  # the same value in both: one variable serves both
    t1, t2 = (lit(kit, twice, a, sid="shop/db/postgresql", key="password", nth=n) for n in (0, 1))
    rw = rewrite_text(twice, "docker-compose.yml", [t1, t2], Options(), "compose")
    assert [o.status for o in rw.outcomes] == ["applied", "applied"]


def test_an_existing_env_example_that_lists_the_variable_gets_its_fetch_command():
    """A project's own .env.example already listing DB_PASSWORD: the command that reads it was not
    added. It goes above the file's own line (kept, CRLF kept); a second run adds nothing."""
    from secretshift.codemods.deploy.compose import env_example

    old = "# database\r\nDB_PASSWORD=change-me\r\nexport DEBUG=1\r\n"
    new = env_example(old, [("DB_PASSWORD", "shop/db/postgresql", "password"), ("API_KEY", "shop/api/x", None)])
    assert new == ("# database\r\n# DB_PASSWORD: secret shop/db/postgresql key password; read it with\r\n"
                   "#   DB_PASSWORD=\"$(aws secretsmanager get-secret-value --secret-id shop/db/postgresql "
                   "--query SecretString --output text | jq -er .password)\"\r\nDB_PASSWORD=change-me\r\n"
                   "export DEBUG=1\r\n# API_KEY: secret shop/api/x; read it with\r\n#   API_KEY=\"$(aws "
                   "secretsmanager get-secret-value --secret-id shop/api/x --query SecretString --output text)\"\r\n"
                   "API_KEY=\r\n")
    assert env_example(new, [("DB_PASSWORD", "shop/db/postgresql", "password"), ("API_KEY", "shop/api/x", None)]) is None


def test_plan_time_reasons_never_show_the_placeholder_secret_ids(tmp_path):
    """QA (lldap): plan.yaml's reasons said 'from secret secretshift/planned-24', an id that stands
    for a secret not named yet."""
    from secretshift.codemods.deploy.plan import decisions
    from secretshift.scanner.ruleset import load_ruleset
    from secretshift.scanner.samples import expand
    from secretshift.scanner.scan import scan_text

    pw = expand("{{rand:alnum:20}}", "gha-plan")
    wf = tmp_path / ".github" / "workflows"
    wf.mkdir(parents=True)
    text = (f"name: deploy\non: [push]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n"
            f"      - run: ./deploy.sh\n        env:\n          DEPLOY_TOKEN: {pw}\n")
    (wf / "deploy.yml").write_text(text)
    found = scan_text(text, ".github/workflows/deploy.yml", load_ruleset())
    assert found
    got = decisions(tmp_path, found)
    notes = " ".join(d.reason for d in got.values() if d.reason)
    assert notes and "planned-" not in notes
