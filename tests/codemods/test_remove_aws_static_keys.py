"""Static AWS keys passed to boto3: read from Secrets Manager by default (same identity);
removed for the default credential chain only when the target asks (``drop_aws_keys``, unsafe)."""
from __future__ import annotations

import dataclasses


def drop(t):
    return dataclasses.replace(t, drop_aws_keys=True)


def keys(kit):
    return (kit.fake("{{join:AK:IA}}{{rand:alnumupper:16}}", "kid"), kit.fake("{{rand:b64:40}}", "sak"))


def test_keys_removed_from_client(kit):
    """Both keys go, other arguments and formatting stay; no accessor import is added."""
    kid, sak = keys(kit)
    before = f'''import boto3

s3 = boto3.client(
    "s3",
    region_name="eu-west-1",
    aws_access_key_id="{kid}",
    aws_secret_access_key="{sak}",
)
'''
    t = drop(kit.hardcoded(before, sak, "x", None))
    assert kit.rewrite(before, [t]).code == before  # unsafe: not without --unsafe-fixes
    res = kit.rewrite(before, [t], unsafe=True)
    assert res.code == '''import boto3

s3 = boto3.client(
    "s3",
    region_name="eu-west-1",
)
'''
    assert kid not in res.diff and sak not in res.diff
    assert any("default credential chain" in w for w in res.warnings)


def test_keys_removed_from_aliased_session_one_line(kit):
    """import boto3 as b; b.session.Session(...): trailing comma handled on one line."""
    kid, sak = keys(kit)
    before = f'import boto3 as b\ns = b.session.Session(aws_access_key_id="{kid}", aws_secret_access_key="{sak}", region_name="us-east-1")\n'
    res = kit.rewrite(before, [drop(kit.hardcoded(before, kid, "x", None)), drop(kit.hardcoded(before, sak, "x", None))],
                      unsafe=True)
    assert res.code == 'import boto3 as b\ns = b.session.Session(region_name="us-east-1")\n'
    assert len(res.applied) == 2


def test_env_read_keys_removed(kit):
    """aws_secret_access_key=os.environ[...] also goes: the role supplies credentials."""
    before = ('import os, boto3\nc = boto3.resource("dynamodb", aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"], '
              'aws_secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"])\n')
    t = drop(kit.env(before, 'os.environ["AWS_SECRET_ACCESS_KEY"]', "AWS_SECRET_ACCESS_KEY"))
    res = kit.rewrite(before, [t], unsafe=True)
    assert res.code == 'import os, boto3\nc = boto3.resource("dynamodb")\n'


def test_not_boto3_keeps_keyword(kit):
    """Same keyword to a non-boto3 function: a plain literal replacement instead (negative)."""
    kid, sak = keys(kit)
    before = f'configure(aws_secret_access_key="{sak}")\n'
    res = kit.rewrite(before, [kit.hardcoded(before, sak, "production/cloud/aws", "secret_access_key")])
    assert 'configure(aws_secret_access_key=get_secret("production/cloud/aws")["secret_access_key"])' in res.code


def test_by_default_keys_are_read_from_secrets_manager(kit):
    """Without drop_aws_keys the client keeps its identity: both keys become safe reads."""
    kid, sak = keys(kit)
    before = f'import boto3\ns3 = boto3.client("s3", aws_access_key_id="{kid}", aws_secret_access_key="{sak}")\n'
    ts = [kit.hardcoded(before, kid, "production/cloud/aws", "access_key_id"),
          kit.hardcoded(before, sak, "production/cloud/aws", "secret_access_key")]
    res = kit.rewrite(before, ts)
    assert res.code.endswith('s3 = boto3.client("s3", aws_access_key_id=get_secret("production/cloud/aws")["access_key_id"], '
                             'aws_secret_access_key=get_secret("production/cloud/aws")["secret_access_key"])\n')
    assert set(res.applicability.values()) == {"safe"} and not res.warnings
