"""Definitions in configuration files: a SAM template's literals become dynamic references or ARNs, and
the Python code that read the variable reads the same secret."""
from __future__ import annotations

import json

from .conftest import git, secrets_in


def test_sam_template_literals_become_references_and_function_variables_arns(tmp_path, aws_env, cli, moto_url,
                                                                            project):
    """A resource property gets a dynamic reference; a Lambda variable gets the secret's ARN (a resolved
    reference would sit in plaintext in the function configuration) and the code reads the secret."""
    from secretshift.scanner.samples import expand

    from aws.servers import client

    root = project.root
    pw = expand("{{rand:alnum:20}}", "cfn-pw")
    rk = expand("rk_{{join:li:ve}}_{{rand:alnum:24}}", "cfn-rk")
    master = expand("{{rand:alnum:22}}", "cfn-master")
    project.values.update(cfn_pw=pw, cfn_rk=rk, cfn_master=master)
    (root / "template.yaml").write_text(
        'AWSTemplateFormatVersion: "2010-09-09"\nTransform: AWS::Serverless-2016-10-31\nResources:\n'
        "  Api:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler.main\n"
        "      Environment:\n        Variables:\n"
        f"          ADMIN_PASSWORD: {pw}\n"
        f'          STRIPE_API_KEY: "{rk}"\n'
        "  Db:\n    Type: AWS::RDS::DBInstance\n    Properties:\n      Engine: mysql\n"
        f'      MasterUserPassword: "{master}"  # the first admin password\n')
    (root / "app" / "handler.py").write_text('import os\n\nADMIN = os.environ["ADMIN_PASSWORD"]\n')
    project.commit_all("sam")
    rc, out, err = cli("migrate", str(root), "--yes")
    assert rc == 0, out + err
    stored = secrets_in(moto_url)
    assert stored["production/generic/admin-password"] == pw
    assert json.loads(stored["production/api/stripe"])["api_key"] == rk
    tpl = (root / "template.yaml").read_text()
    sm = client(moto_url)
    arn = {n: sm.describe_secret(SecretId=n)["ARN"] for n in ("production/generic/admin-password", "production/api/stripe")}
    assert 'get_secret("production/generic/admin-password")' in (root / "app" / "handler.py").read_text()
    assert "# the first admin password" in tpl  # the comment beside the edit survives
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    doc = yaml.load(tpl, Loader=Loader)
    assert doc["Resources"]["Api"]["Properties"]["Environment"]["Variables"] == {
        "ADMIN_PASSWORD_SECRET_ARN": arn["production/generic/admin-password"],
        "STRIPE_API_KEY_SECRET_ARN": arn["production/api/stripe"]}
    db_secret = next(n for n in stored if n.startswith("production/db/"))
    key = next(k for k, v in json.loads(stored[db_secret]).items() if v == master)
    assert doc["Resources"]["Db"]["Properties"]["MasterUserPassword"] == \
        f"{{{{resolve:secretsmanager:{db_secret}:SecretString:{key}}}}}"
    assert "verify passed" in out and project.leaked() == []
    assert git(root, "status", "--porcelain")


def test_projects_own_accessor_is_used_and_no_module_written(project, aws_env, cli, moto_url):
    root = project.root
    (root / "shopsecrets.py").write_text(
        "import json, os, boto3\n\n\ndef fetch_secret(name):\n"
        "    c = boto3.client('secretsmanager', region_name=os.environ['AWS_REGION'])\n"
        "    s = c.get_secret_value(SecretId=name)['SecretString']\n"
        "    return json.loads(s) if s.startswith('{') else s\n")
    project.commit_all("own accessor")
    rc, out, err = cli("plan", str(root), "--accessor", "shopsecrets:fetch_secret")
    assert rc == 0, err
    rc, out, err = cli("apply", str(root / ".secretshift" / "plan.yaml"), "--yes")
    assert rc == 0, out + err
    billing = (root / "app" / "billing.py").read_text()
    assert "from shopsecrets import fetch_secret" in billing and 'fetch_secret("production/api/stripe")' in billing
    assert not (root / "secretshift_secrets.py").exists()
    assert project.probe(aws_env) == project.expected()
    assert project.leaked() == []
