"""The config engine (SS3xx): exact findings for every configuration form, references and
non-secret names left alone, malformed files checked line by line with one warning.

Every credential is built at test time from a seeded random template, so the repository carries
no full-format token.
"""
from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.samples import expand
from secretshift.scanner.scan import ScanOptions, scan_paths, scan_text

RULESET = load_ruleset()


def fake(seed: str, n: int = 20) -> str:
    """A realistic random credential (mixed letters and digits, high entropy)."""
    return expand(f"{{{{rand:alnum:{n}}}}}", seed)


def scan(text: str, path: str, **opts):
    """(file, line, rule, kind, symbol) of the SS3xx findings, the findings, and the warnings."""
    warns: list[str] = []
    o = ScanOptions(root=Path("."), **opts) if opts else None
    found = scan_text(text, path, RULESET, o, warn=warns.append)
    cfg = [f for f in found if f.rule_id.startswith("SS3")]
    return [(f.file, f.line, f.rule_id, f.kind, f.symbol) for f in cfg], cfg, warns


# --- .env and shell -------------------------------------------------------------------------------


def test_dotenv_forms_and_what_is_left_alone():
    pw, tok, multi = fake("pw"), fake("tok", 32), fake("multi", 24)
    text = (
        "# DB_PASSWORD=" + fake("commented") + "\n"
        f"DB_PASSWORD={pw}\n"
        f"export GITHUB_TOKEN='{tok}'  \n"
        "LOG_LEVEL=" + fake("lvl") + "\n"
        "PORT=8080\n"
        "API_KEY=${OTHER_API_KEY}\n"
        "SECRET_KEY=changeme\n"
        "OP_API_TOKEN=op://Production/stripe/credential\n"
        f'SESSION_SECRET="{multi}"   # inline comment\n'
        f"STRIPE_SECRET_KEY={fake('stripe', 28)} # trailing comment\n"
    )
    rows, found, warns = scan(text, ".env")
    assert rows == [
        (".env", 2, "SS301", "hardcoded", "DB_PASSWORD"),
        (".env", 3, "SS301", "hardcoded", "GITHUB_TOKEN"),
        (".env", 9, "SS301", "hardcoded", "SESSION_SECRET"),
        (".env", 10, "SS301", "hardcoded", "STRIPE_SECRET_KEY"),
    ]
    by = {f.symbol: f for f in found}
    assert by["DB_PASSWORD"].value.reveal() == pw and by["DB_PASSWORD"].field == "password"
    assert by["GITHUB_TOKEN"].value.reveal() == tok and by["GITHUB_TOKEN"].service == "github"
    assert by["SESSION_SECRET"].value.reveal() == multi  # quotes and comment not part of the value
    assert by["STRIPE_SECRET_KEY"].value.reveal() == fake("stripe", 28)
    assert by["DB_PASSWORD"].column == len("DB_PASSWORD=") + 1
    assert warns == []


def test_shell_export_is_scanned_and_command_substitution_is_not():
    tok = fake("sh", 32)
    text = (
        "#!/bin/sh\nset -eu\n"
        f'export NPM_TOKEN="{tok}"\n'
        'export DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id db --query SecretString)"\n'
        "export AWS_REGION=" + fake("reg") + "\n"
        'export ETCD_TOKEN=$(python -c "import secrets; print(secrets.token_hex(20))")\n'
        "SESSION_SECRET=`openssl rand -hex 32`\n"
    )
    rows, found, _ = scan(text, "scripts/deploy.sh")
    assert rows == [("scripts/deploy.sh", 3, "SS301", "hardcoded", "NPM_TOKEN")]
    assert found[0].value.reveal() == tok


def test_crlf_line_endings_keep_exact_lines():
    text = f"A=1\r\nB=2\r\nAPI_KEY={fake('crlf')}\r\n"
    rows, found, _ = scan(text, "config/.env")
    assert rows == [("config/.env", 3, "SS301", "hardcoded", "API_KEY")]
    assert found[0].value.reveal() == fake("crlf")


# --- docker-compose -------------------------------------------------------------------------------


def test_compose_map_list_build_args_and_anchors():
    a, b, c, d, e = fake("a"), fake("b"), fake("c"), fake("d"), fake("e")
    text = f"""x-common-env: &common
  SHARED_SECRET: {d}
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: "{a}"
      POSTGRES_DB: app
  api:
    build:
      context: .
      args:
        - NPM_TOKEN={b}
    env_file: .env
    environment:
      - LOG_LEVEL=debug
      - REDIS_URL=${{REDIS_URL}}
      - SMTP_PASSWORD=${{SMTP_PASSWORD:-{e}}}
      - SENTRY_DSN=${{SENTRY_DSN:-}}
      - DB_PASSWORD=/run/secrets/db-password
      - API_TOKEN=PLEASE_SET_API_TOKEN
      - JWT_SECRET={c}
  worker:
    image: app
    environment:
      <<: *common
      PORT: "9000"
"""
    rows, found, warns = scan(text, "docker-compose.yml")
    assert rows == [
        ("docker-compose.yml", 2, "SS302", "hardcoded", "SHARED_SECRET"),
        ("docker-compose.yml", 8, "SS302", "hardcoded", "POSTGRES_PASSWORD"),
        ("docker-compose.yml", 14, "SS302", "hardcoded", "NPM_TOKEN"),
        ("docker-compose.yml", 19, "SS302", "hardcoded", "SMTP_PASSWORD"),
        ("docker-compose.yml", 23, "SS302", "hardcoded", "JWT_SECRET"),
    ]
    by = {f.symbol: f for f in found}
    assert by["POSTGRES_PASSWORD"].service == "postgresql" and by["POSTGRES_PASSWORD"].field == "password"
    assert by["JWT_SECRET"].value.reveal() == c
    assert by["JWT_SECRET"].column == len("      - JWT_SECRET=") + 1
    assert by["SMTP_PASSWORD"].value.reveal() == e  # the literal default of ${SMTP_PASSWORD:-...}
    assert by["SMTP_PASSWORD"].column == len("      - SMTP_PASSWORD=${SMTP_PASSWORD:-") + 1
    assert warns == []


def test_config_rule_wins_over_generic_ss101_on_the_same_value():
    pw = fake("prio")
    text = f'services:\n  db:\n    image: mysql\n    environment:\n      MYSQL_PASSWORD: "{pw}"\n'
    found = scan_text(text, "docker-compose.yml", RULESET, warn=lambda m: None)
    on_line = [f.rule_id for f in found if f.line == 5]
    assert on_line == ["SS302"]


# --- Kubernetes -----------------------------------------------------------------------------------


def test_kubernetes_container_env_and_secret_objects():
    env_pw, plain, decoded = fake("k1"), fake("k2", 24), fake("k3", 18)
    b64 = base64.b64encode((decoded + "\n").encode()).decode()
    cert = base64.b64encode(b"-----BEGIN CERTIFICATE-----\nMIIB" + fake("cert", 40).encode() + b"\n").decode()
    text = f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  template:
    spec:
      containers:
        - name: api
          image: api:1
          env:
            - name: LOG_LEVEL
              value: debug
            - name: DB_PASSWORD
              value: {env_pw}
            - name: API_KEY
              valueFrom:
                secretKeyRef: {{name: api, key: key}}
---
apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
data:
  password: {b64}
  ca.crt: {cert}
  empty: ""
stringData:
  token: {plain}
  apiUsername: svc-{fake("user", 8)}
  apiAddress: tcp://storage-{fake("addr", 6)}.internal:5705
"""
    rows, found, warns = scan(text, "k8s/app.yaml")
    assert rows == [
        ("k8s/app.yaml", 15, "SS303", "hardcoded", "DB_PASSWORD"),
        ("k8s/app.yaml", 26, "SS304", "hardcoded", "password"),
        ("k8s/app.yaml", 30, "SS304", "hardcoded", "token"),
    ]
    by = {f.symbol: f for f in found}
    assert by["password"].value.reveal() == decoded  # judged (and migrated) as the decoded value
    assert by["token"].value.reveal() == plain
    assert warns == []


def test_external_secrets_manifests_and_key_refs_only_reference_secrets():
    """What the Kubernetes rewrite writes (ExternalSecret, SecretStore, secretKeyRef) names secrets, it
    holds none; a Secret in the same file is still judged, and so is a store of the "fake" provider."""
    pw = fake("eso-pw")
    es = ("apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n  name: db\nspec:\n  data:\n"
          "    - secretKey: DB_PASSWORD\n      remoteRef: {key: production/db/postgresql, property: password}\n"
          "    - secretKey: api_secret\n      remoteRef:\n        key: production/api/vendor\n        property: token\n")
    secret = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: other\nstringData:\n  DB_PASSWORD: {pw}\n"
    fake_store = ("apiVersion: external-secrets.io/v1\nkind: SecretStore\nmetadata:\n  name: t\nspec:\n"
                  f"  provider:\n    fake:\n      data:\n        - key: db\n          password: {pw}\n")
    assert scan_text(es, "k8s/es.yaml", RULESET) == []
    found = scan_text(es + "---\n" + secret, "k8s/all.yaml", RULESET)
    assert [f.line for f in found] == [es.count("\n") + 7]
    assert scan_text(fake_store, "k8s/store.yaml", RULESET)
    # a secretKeyRef names a Secret and one of its keys (kubernetes-goat's k8sgoatvaultkey was reported)
    ref = ("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n"
           "      containers:\n        - name: web\n          env:\n            - name: VAULT_KEY\n"
           "              valueFrom:\n                secretKeyRef:\n                  name: goatvault\n"
           "                  key: k8sgoatvaultkey\n            - {name: API_SECRET, valueFrom: {secretKeyRef: "
           "{name: web-secretshift, key: api_secret_key}}}\n")
    assert scan_text(ref, "k8s/web.yaml", RULESET) == []


def test_every_yaml_document_is_read_as_itself_whatever_ran_before():
    """compose_all frees each document's nodes before composing the next: a new node may get a freed
    one's id(), which once returned an earlier document's conversion (a Secret read as a list, so its
    SS304 finding came and went with what the process had scanned before: plans went stale)."""
    import yaml

    from secretshift.scanner.engines._config_tree import Map, Scalar, Seq, parse_yaml

    def plain(n):
        if isinstance(n, Map):
            return {k.value: plain(v) for k, v in n.items}
        if isinstance(n, Seq):
            return [plain(x) for x in n.items]
        return n.value if isinstance(n, Scalar) else n

    pw = fake("docs-pw")
    text = "".join(f"---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s{i}\ndata:\n  k{i}: "
                   f"{base64.b64encode((pw + str(i)).encode()).decode()}\n" + ("---\n- a\n- b\n" if i % 3 == 0 else "")
                   for i in range(60))
    want = list(yaml.safe_load_all(text))
    for _ in range(3):
        assert [plain(d) for d in parse_yaml(text)] == want
    first = scan(text, "k8s/secrets.yaml")[0]
    assert len(first) == 60 and scan(text, "k8s/secrets.yaml")[0] == first


def test_kubernetes_secret_as_json_list():
    pw = fake("kjson")
    doc = {"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db"},
         "data": {"password": base64.b64encode(pw.encode()).decode()}}]}
    text = json.dumps(doc, indent=2)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if '"password"' in ln)
    rows, found, _ = scan(text, "secrets.json")
    assert rows == [("secrets.json", line, "SS304", "hardcoded", "password")]
    assert found[0].value.reveal() == pw


def test_kubernetes_secret_block_scalars_and_docker_config():
    auth = base64.b64encode(f"ci:{fake('reg', 24)}".encode()).decode()
    cfg = json.dumps({"auths": {"registry.internal:5000": {"auth": auth}}})
    b64 = base64.b64encode(cfg.encode()).decode()
    folded = "\n".join("    " + b64[i:i + 60] for i in range(0, len(b64), 60))
    empty_auth = base64.b64encode(json.dumps({"auths": {"r": {"auth": ""}}}).encode()).decode()
    text = (f"apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n"
            f"  .dockerconfigjson: |\n{folded}\n  other: {empty_auth}\n")
    rows, found, _ = scan(text, "pull-secret.yaml")
    assert rows == [("pull-secret.yaml", 6, "SS304", "hardcoded", ".dockerconfigjson")]
    assert found[0].value.reveal() == cfg and found[0].column == 5


def test_kustomize_secret_generator_literals():
    pw = fake("kz")
    text = ("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nsecretGenerator:\n"
            f"  - name: db\n    literals:\n      - username=app\n      - password={pw}\n      - host=${{DB_HOST}}\n")
    rows, found, _ = scan(text, "kustomization.yaml")
    assert rows == [("kustomization.yaml", 7, "SS304", "hardcoded", "password")]
    assert found[0].value.reveal() == pw


def test_kubernetes_configmap_with_secret_names():
    pw = fake("cm")
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  LOG_LEVEL: debug\n"
            f"  SMTP_PASSWORD: {pw}\n  app.properties: |\n    color=blue\n")
    rows, found, _ = scan(text, "k8s/configmap.yaml")
    assert rows == [("k8s/configmap.yaml", 7, "SS314", "hardcoded", "SMTP_PASSWORD")]
    assert found[0].value.reveal() == pw


def test_kubernetes_secret_decoding_to_a_placeholder_is_not_reported():
    b64 = base64.b64encode(b"changeme-please").decode()
    text = f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  password: {b64}\n"
    assert scan(text, "secret.yaml")[0] == []


# --- ECS, CloudFormation, SAM, serverless ---------------------------------------------------------


def test_ecs_task_definition_environment_vs_secrets():
    pw = fake("ecs")
    doc = {
        "family": "api",
        "containerDefinitions": [{
            "name": "api",
            "environment": [
                {"name": "AWS_REGION", "value": "eu-west-1"},
                {"name": "DB_PASSWORD", "value": pw},
                {"name": "DB_CREDENTIALS", "value": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-Ab12Cd"},
            ],
            "secrets": [{"name": "API_KEY", "valueFrom": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:api"}],
        }],
    }
    text = json.dumps(doc, indent=2)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if pw in ln)
    rows, found, _ = scan(text, "ecs/task-def.json")
    assert rows == [("ecs/task-def.json", line, "SS305", "hardcoded", "DB_PASSWORD")]
    assert found[0].value.reveal() == pw


def test_cloudformation_yaml_with_intrinsic_tags():
    env_key, master, param_default = fake("cf1", 32), fake("cf2"), fake("cf3")
    eb, ar = fake("cf4", 24), fake("cf5", 24)
    text = f"""AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  DbPassword:
    Type: String
    NoEcho: true
    Default: {param_default}
  Stage:
    Type: String
    Default: prod
  ApiTokenParam:
    Type: AWS::SSM::Parameter::Value<String>
    Default: /prod/api/token-{fake("ssm", 8)}
Globals:
  Function:
    Environment:
      Variables:
        STAGE: !Ref Stage
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Environment:
        Variables:
          TABLE: !Ref Table
          API_KEY: {env_key}
          DB_PASSWORD: !Sub '{{{{resolve:secretsmanager:${{Stage}}/db:SecretString:password}}}}'
          WEBHOOK_SECRET: !GetAtt Hook.Secret
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: postgres
      MasterUsername: app
      MasterUserPassword: {master}
  Db2:
    Type: AWS::RDS::DBInstance
    Properties:
      MasterUserPassword: '{{{{resolve:secretsmanager:prod/db:SecretString:password}}}}'
      KmsKeyId: !Ref Key
  DbSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        SecretStringTemplate: '{{"username": "app_user_{fake("tmpl", 6)}"}}'
        GenerateStringKey: password
  Eb:
    Type: AWS::ElasticBeanstalk::Environment
    Properties:
      OptionSettings:
        - Namespace: aws:elasticbeanstalk:application:environment
          OptionName: STRIPE_API_KEY
          Value: {eb}
        - Namespace: aws:autoscaling:launchconfiguration
          OptionName: InstanceType
          Value: t3.micro
  Runner:
    Type: AWS::AppRunner::Service
    Properties:
      SourceConfiguration:
        ImageRepository:
          ImageConfiguration:
            RuntimeEnvironmentVariables:
              - Name: SESSION_SECRET
                Value: {ar}
  Method:
    Type: AWS::ApiGateway::Method
    Properties:
      Integration:
        Credentials: arn:aws:iam::123456789012:role/{fake("role", 12)}
"""
    rows, found, warns = scan(text, "template.yaml")
    assert rows == [
        ("template.yaml", 7, "SS307", "hardcoded", "DbPassword"),
        ("template.yaml", 27, "SS306", "hardcoded", "API_KEY"),
        ("template.yaml", 35, "SS307", "hardcoded", "MasterUserPassword"),
        ("template.yaml", 53, "SS306", "hardcoded", "STRIPE_API_KEY"),
        ("template.yaml", 65, "SS306", "hardcoded", "SESSION_SECRET"),
    ]
    by = {f.symbol: f for f in found}
    assert by["MasterUserPassword"].service == "postgresql" and by["MasterUserPassword"].field == "password"
    assert warns == []


def test_cloudformation_json_literal_vs_reference():
    master = fake("cfj")
    doc = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "A": {"Type": "AWS::RDS::DBCluster", "Properties": {"MasterUserPassword": master}},
            "B": {"Type": "AWS::RDS::DBCluster", "Properties": {"MasterUserPassword": {"Fn::Sub": "{{resolve:secretsmanager:${S}}}"}}},
            "C": {"Type": "AWS::ElastiCache::ReplicationGroup", "Properties": {"AuthToken": {"Ref": "Token"}}},
        },
    }
    text = json.dumps(doc, indent=1)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if master in ln)
    rows, _, _ = scan(text, "stack.template.json")
    assert rows == [("stack.template.json", line, "SS307", "hardcoded", "MasterUserPassword")]


def test_urls_count_only_with_credentials_in_them():
    pw = fake("url", 16)
    text = ("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - name: app\n      env:\n"
            "        - name: DATABASE_URL\n          value: postgres://db.internal:5432/app\n"
            "        - name: REDIS_URL\n          value: redis://:" + pw + "@cache:6379/0\n"
            "        - name: TEST_DATABASE_URL\n          value: postgres://rails:password@localhost/test\n"
            "        - name: MONGO_URI\n          value: mongodb://reader@mongo:27017/app\n")
    found = [f for f in scan_text(text, "pod.yaml", RULESET, warn=lambda m: None) if f.kind == "hardcoded"]
    # the Redis URL rule knows the password-only form (redis://:pw@host) and wins the overlap with
    # the env entry, as the PostgreSQL URL rule does for postgres://user:pw@host
    assert [(f.line, f.rule_id) for f in found] == [(10, "SS604")]
    assert found[0].service == "redis" and found[0].value.reveal() == pw


def test_gitlab_ci_variables():
    tok = fake("gl", 26)
    text = f"variables:\n  DOCKER_DRIVER: overlay2\n  SONAR_TOKEN: {tok}\nbuild:\n  script: [make]\n"
    assert scan(text, ".gitlab-ci.yml")[0] == [(".gitlab-ci.yml", 3, "SS312", "hardcoded", "SONAR_TOKEN")]
    assert scan(text, "other.yml")[0] == []


def test_serverless_provider_and_function_environment():
    a, b = fake("sls1", 30), fake("sls2")
    text = f"""service: billing
provider:
  name: aws
  environment:
    STRIPE_SECRET_KEY: {a}
    STAGE: ${{sls:stage}}
functions:
  charge:
    handler: handler.charge
    environment:
      DB_PASSWORD: ${{ssm:/prod/db/password}}
      SLACK_WEBHOOK_SECRET: {b}
"""
    rows, _, _ = scan(text, "serverless.yml")
    assert rows == [
        ("serverless.yml", 5, "SS308", "hardcoded", "STRIPE_SECRET_KEY"),
        ("serverless.yml", 12, "SS308", "hardcoded", "SLACK_WEBHOOK_SECRET"),
    ]


# --- GitHub Actions, Terraform, Dockerfile --------------------------------------------------------


def test_the_inputs_of_an_action_that_fetches_secrets_name_them():
    """QA (lldap): the step migrate writes, `aws-secretsmanager-get-secrets` with its `secret-ids`
    list, was taken by the next run for a literal credential and stored as a new secret. Vault's
    `secrets:` list is names too; another action's `password:` input stays a finding."""
    b = fake("gha3")
    text = f"""name: ci
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/aws-secretsmanager-get-secrets@v2
        with:
          secret-ids: |
            APP_JWT_SECRET,production/generic/jwt
            APP_DB_PASSWORD,production/db/postgresql
          parse-json-secrets: true
      - uses: hashicorp/vault-action@v3
        with:
          secrets: |
            secret/data/ci npm_token | NPM_TOKEN
      - uses: docker/login-action@v3
        with:
          password: {b}
"""
    rows, _, _ = scan(text, ".github/workflows/ci.yml")
    assert [(r[1], r[2]) for r in rows] == [(19, "SS309")]


def test_actions_env_and_with_literals_but_not_secret_references():
    a, b = fake("gha1", 36), fake("gha2")
    text = f"""name: ci
on: [push]
env:
  NPM_TOKEN: {a}
  NODE_ENV: production
jobs:
  build:
    runs-on: ubuntu-latest
    env:
      GH_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}
    services:
      db:
        image: postgres:16
        env:
          POSTGRES_PASSWORD: postgres
    steps:
      - uses: docker/login-action@v3
        with:
          username: ci
          password: {b}
      - run: make
        env:
          API_KEY: ${{{{ secrets.API_KEY }}}}
"""
    rows, _, _ = scan(text, ".github/workflows/ci.yml")
    assert rows == [
        (".github/workflows/ci.yml", 4, "SS309", "hardcoded", "NPM_TOKEN"),
        (".github/workflows/ci.yml", 20, "SS309", "hardcoded", "password"),
    ]


def test_terraform_attributes_variable_defaults_and_references():
    a, b, c, d, e = fake("tf1"), fake("tf2", 32), fake("tf3"), fake("tf4"), fake("tf5")
    text = f"""variable "db_password" {{
  type      = string
  sensitive = true
  default   = "{a}"
}}

variable "region" {{
  default = "eu-west-1"
}}

variable "signing_material" {{
  sensitive = true
  default   = "{e}"
}}

resource "aws_db_instance" "db" {{
  username = "app"
  password = var.db_password
}}

resource "aws_lambda_function" "fn" {{
  environment {{
    variables = {{
      API_TOKEN = "{b}"
      LOG_LEVEL = "debug"
    }}
  }}
}}

provider "github" {{
  token = "{c}"
}}

module "db" {{
  master_user_password_rotation_schedule_expression = "rate(15 days)"
}}

locals {{
  env = {{ LOG_LEVEL = "info", WEBHOOK_SECRET = "{d}" }}
}}
"""
    rows, found, _ = scan(text, "infra/main.tf")
    assert rows == [
        ("infra/main.tf", 4, "SS310", "hardcoded", "db_password"),
        ("infra/main.tf", 13, "SS310", "hardcoded", "signing_material"),
        ("infra/main.tf", 24, "SS310", "hardcoded", "API_TOKEN"),
        ("infra/main.tf", 31, "SS310", "hardcoded", "token"),
        ("infra/main.tf", 39, "SS310", "hardcoded", "WEBHOOK_SECRET"),
    ]
    assert {f.value.reveal() for f in found} == {a, b, c, d, e}


def test_dockerfile_env_and_arg_forms():
    a, b, c = fake("df1", 32), fake("df2", 36), fake("df3")
    text = f"""FROM python:3.12-slim
ARG NPM_TOKEN={b}
ARG GITHUB_TOKEN
ENV APP_ENV=prod \\
    API_KEY="{a}" \\
    PORT=8000
ENV DB_PASSWORD {c}
ENV SECRET_KEY=${{SECRET_KEY}}
RUN echo done
"""
    rows, found, _ = scan(text, "Dockerfile")
    assert rows == [
        ("Dockerfile", 2, "SS311", "hardcoded", "NPM_TOKEN"),
        ("Dockerfile", 5, "SS311", "hardcoded", "API_KEY"),
        ("Dockerfile", 7, "SS311", "hardcoded", "DB_PASSWORD"),
    ]
    assert [f.value.reveal() for f in found] == [b, a, c]


# --- name classification from the options ---------------------------------------------------------


def test_user_name_globs_reach_the_engine():
    a, b = fake("glob1"), fake("glob2")
    text = f"ACME_SIGNATURE={a}\nLEGACY_PASSWORD={b}\n"
    assert scan(text, ".env")[0] == [(".env", 2, "SS301", "hardcoded", "LEGACY_PASSWORD")]
    rows, _, _ = scan(text, ".env", secret_env_names=("ACME_*",), non_secret_env_names=("LEGACY_*",))
    assert rows == [(".env", 1, "SS301", "hardcoded", "ACME_SIGNATURE")]


# --- malformed files ------------------------------------------------------------------------------


def test_malformed_yaml_falls_back_to_lines_and_warns_once():
    a, b, c = fake("bad1"), fake("bad2", 28), fake("bad3")
    text = (f"services:\n  api:\n    environment:\n\t  - x: [\n      DB_PASSWORD: {a}\n"
            f"      - name: SLACK_WEBHOOK_SECRET\n        value: {b}\n      PORT: 80\n"
            f"      - {{name: STRIPE_SIGNING_SECRET, value: '{c}'}}\n")
    rows, _, warns = scan(text, "docker-compose.yml")
    # line 5 is checked below: SS313 or a generic rule may report it, whichever wins the overlap
    assert [r for r in rows if r[1] != 5] == [
        ("docker-compose.yml", 7, "SS313", "hardcoded", "SLACK_WEBHOOK_SECRET"),
        ("docker-compose.yml", 9, "SS313", "hardcoded", "STRIPE_SIGNING_SECRET"),
    ]
    # the plain `KEY: value` line is reported too (by SS313, or by a generic rule that knows it)
    everything = scan_text(text, "docker-compose.yml", RULESET, warn=lambda m: None)
    assert (5, "DB_PASSWORD") in {(f.line, f.symbol) for f in everything}
    assert len(warns) == 1 and warns[0].startswith("docker-compose.yml: not valid YAML (line 4)")
    assert a not in warns[0] and b not in warns[0]


def test_malformed_kubernetes_secret_with_tabs_still_reports_its_data():
    decoded = fake("tab", 22)
    b64 = base64.b64encode(decoded.encode()).decode()
    text = f"apiVersion: v1\nkind: Secret\ndata:\n\tpassword: {b64}\nmetadata:\n\tname: x\n"
    rows, found, warns = scan(text, "secret.yaml")
    assert rows == [("secret.yaml", 4, "SS304", "hardcoded", "password")]
    assert found[0].value.reveal() == decoded
    assert len(warns) == 1


def test_malformed_json_falls_back_and_warns_once():
    pw, tok = fake("json"), fake("json2", 30)
    text = ('{\n  "containerDefinitions": [\n    {"environment": [\n'
            '      {"name": "DB_PASSWORD", "value": "' + pw + '"},\n'
            '      {\n        "name": "SENTRY_AUTH_TOKEN",\n        "value": "' + tok + '"\n      }\n')
    rows, _, warns = scan(text, "task-def.json")
    assert rows == [("task-def.json", 4, "SS313", "hardcoded", "DB_PASSWORD"),
                    ("task-def.json", 7, "SS313", "hardcoded", "SENTRY_AUTH_TOKEN")]
    assert len(warns) == 1 and "not valid JSON" in warns[0] and pw not in warns[0]


def test_jsonc_comments_and_trailing_commas_parse_without_warning():
    pw = fake("jsonc")
    text = ('{\n  // dev container\n  "name": "dev",\n  /* env */\n  "containerEnv": {},\n'
            '  "environment": {"API_TOKEN": "' + pw + '",},\n}\n')
    rows, _, warns = scan(text, ".devcontainer/devcontainer.json")
    assert rows == [(".devcontainer/devcontainer.json", 6, "SS312", "hardcoded", "API_TOKEN")]
    assert warns == []


def test_alias_bombs_are_walked_once():
    pw = fake("bomb")
    lines = ["a0: &a0", "  environment:", f"    API_TOKEN: {pw}"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 20)]
    rows, _, _ = scan("\n".join(lines) + "\n", "bomb.yaml")
    assert rows == [("bomb.yaml", 3, "SS312", "hardcoded", "API_TOKEN")]


# --- end to end through the file walker -----------------------------------------------------------


def test_scan_paths_reports_config_files_without_leaking_values(tmp_path: Path):
    pw, tok = fake("e2e1"), fake("e2e2", 32)
    (tmp_path / ".env").write_text(f"DB_PASSWORD={pw}\n")
    (tmp_path / "Dockerfile").write_text(f"FROM alpine\nENV GITHUB_TOKEN={tok}\n")
    (tmp_path / "bad.yaml").write_text("environment:\n\t- [\n")
    warns: list[str] = []
    res = scan_paths(ScanOptions(root=tmp_path, all_files=True, jobs=1), RULESET, warn=warns.append)
    rows = sorted((f.file, f.line, f.rule_id, f.symbol) for f in res.findings)
    assert rows == [(".env", 1, "SS301", "DB_PASSWORD"), ("Dockerfile", 2, "SS311", "GITHUB_TOKEN")]
    dumped = json.dumps([f.to_dict() for f in res.findings]) + "\n".join(warns)
    assert pw not in dumped and tok not in dumped
    assert len(warns) == 1 and warns[0].startswith("bad.yaml: not valid YAML")


@pytest.mark.parametrize("path", ["values.yaml", "package.json", "README.md"])
def test_files_without_env_blocks_give_nothing(path: str):
    text = '{"name": "x", "version": "1.0.0", "description": "' + fake("nothing") + '"}\n'
    assert scan(text, path)[0] == []


def test_helm_template_warning_names_the_template():
    text = "apiVersion: v1\nkind: Secret\nstringData:\n  {{- if .Values.x }}\n  password: {{ .Values.password | quote }}\n  {{- end }}\n"
    rows, _, warns = scan(text, "chart/templates/secret.yaml")
    assert rows == []
    assert warns == ["chart/templates/secret.yaml: not valid YAML (line 4): a template (Helm/Go {{ }}); checked line by line instead"]


def test_a_charts_templates_are_summed_up_in_one_warning(tmp_path: Path):
    """microservices-demo's chart: 13 templates gave 13 lines on every scan (and commit). The
    line-by-line check still runs on each: a literal password in one of them is found."""
    from secretshift.scanner.scan import ScanOptions, scan_paths

    pw = fake("helm", 20)
    (tmp_path / "chart" / "templates").mkdir(parents=True)
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        (tmp_path / "chart" / "templates" / name).write_text(
            "apiVersion: v1\nkind: Secret\nstringData:\n  {{- if .Values.x }}\n  password: {{ .Values.password | quote }}\n  {{- end }}\n")
    (tmp_path / "bad.yaml").write_text("environment:\n\t- [\n")
    (tmp_path / "chart" / "templates" / "c.yaml").write_text(
        f"kind: Secret\n{{{{- if .Values.x }}}}\nstringData:\n  password: {pw}\n{{{{- end }}}}\n")
    warns: list[str] = []
    res = scan_paths(ScanOptions(root=tmp_path, all_files=True, jobs=1), RULESET, warn=warns.append)
    assert [(f.file, f.line) for f in res.findings] == [("chart/templates/c.yaml", 4)]
    assert len(warns) == 2 and warns[0].startswith("bad.yaml: not valid YAML")
    assert warns[1] == ("3 files are templates (Helm/Go {{ }}) that do not parse as YAML/JSON, checked line by line "
                        "instead: chart/templates/a.yaml and 2 more")


def test_cli_reports_malformed_config_in_one_line_without_traceback(tmp_path: Path):
    import subprocess
    import sys

    pw = fake("cli", 24)
    (tmp_path / "deploy.yaml").write_text(
        f"kind: Pod\nspec:\n  containers:\n  - name: api\n    env:\n\t- name: API_TOKEN\n      value: {pw}\n")
    r = subprocess.run([sys.executable, "-m", "secretshift", "scan", "--format", "json", str(tmp_path)],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert r.returncode == 1
    report = json.loads(r.stdout)
    assert [(f["file"], f["line"], f["rule_id"], f["symbol"]) for f in report["findings"]] == [
        ("deploy.yaml", 7, "SS313", "API_TOKEN")]
    err = r.stderr.strip().splitlines()
    assert len(err) == 1 and "deploy.yaml: not valid YAML (line 6)" in err[0]
    assert "Traceback" not in r.stderr and pw not in r.stdout + r.stderr


def test_escaped_json_value_is_judged_decoded_and_located_at_its_string():
    raw = fake("esc", 18)
    escaped = raw[:4] + "\\u00" + format(ord(raw[4]), "x") + raw[5:]  # one character written as \u00XX
    text = '{\n  "environment": {\n    "API_TOKEN": "' + escaped + '"\n  }\n}\n'
    rows, found, _ = scan(text, "settings.json")
    assert rows == [("settings.json", 3, "SS312", "hardcoded", "API_TOKEN")]
    assert found[0].value.reveal() == raw and found[0].column == len('    "API_TOKEN": "') + 1


def test_a_secrets_data_values_are_judged_decoded_by_the_config_engine_alone():
    """QA (kubernetes/examples chap-secret.yaml): SS304 decoded `password: <base64 of "password">`
    and dropped it, then the generic SS101 reported the base64 text itself, and migrate stored that
    text: the pod would have got base64 for a password. SS497 took a storage account's name for a
    password. A real value is found once, decoded."""
    real = fake("k8s-data", 18)
    enc = base64.b64encode(real.encode()).decode()
    placeholder = base64.b64encode(b"password").decode()
    name = base64.b64encode(b"mystorageaccount").decode()
    text = (f"apiVersion: v1\nkind: Secret\nmetadata:\n  name: chap\ndata:\n"
            f"  azurestorageaccountname: {name}\n  node.session.auth.password: {placeholder}\n"
            f"  node.session.auth.password_in: {enc}\n")
    found = [f for f in scan_text(text, "chap-secret.yaml", RULESET) if f.kind == "hardcoded"]
    assert [(f.line, f.rule_id, f.value.reveal()) for f in found] == [(8, "SS304", real)]
