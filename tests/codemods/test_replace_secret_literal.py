"""ReplaceSecretLiteralCommand: whole literals become accessor reads (before/after)."""
from __future__ import annotations


def check(kit, before, after, values, unsafe=False, accessor=None, **kw):
    targets = [kit.hardcoded(before, v, **kw) for v in values]
    res = kit.rewrite(before, targets, unsafe=unsafe, accessor=accessor)
    assert res.code == after, res.skipped
    return res


def test_module_constant(kit):
    """A module constant is fetched at import, with the import added after docstring and __future__."""
    pw = kit.fake()
    before = f'''"""Settings."""
from __future__ import annotations

import os

DB_PASSWORD = "{pw}"  # keep this comment
'''
    after = '''"""Settings."""
from __future__ import annotations

import os
from secretshift_secrets import get_secret

DB_PASSWORD = get_secret("production/db/postgresql")["password"]  # keep this comment
'''
    res = check(kit, before, after, [pw])
    assert res.applicability == {res.applied[0].fingerprint: "safe"}
    assert pw not in res.diff and "-DB_PASSWORD" in res.diff


def test_class_attribute_single_quotes(kit):
    """A class attribute keeps the literal's quote style."""
    key = kit.fake("sk_{{join:te:st}}_{{rand:alnum:24}}")
    before = f"class Config:\n    api_key = '{key}'\n"
    after = ("from secretshift_secrets import get_secret\n\nclass Config:\n"
             "    api_key = get_secret('production/api/stripe')['api_key']\n")
    check(kit, before, after, [key], secret_id="production/api/stripe", json_key="api_key")


def test_django_settings(kit):
    """SECRET_KEY and DATABASES["default"]["PASSWORD"] in a Django settings module."""
    sk, pw = kit.fake("{{rand:b64url:50}}", "dj"), kit.fake("{{rand:alnum:18}}", "pg")
    before = f'''SECRET_KEY = "{sk}"
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "PASSWORD": "{pw}",
        "PORT": 5432,
    }}
}}
'''
    targets = [kit.hardcoded(before, sk, "production/django/app", "secret_key"), kit.hardcoded(before, pw)]
    res = kit.rewrite(before, targets)
    assert res.code == '''from secretshift_secrets import get_secret

SECRET_KEY = get_secret("production/django/app")["secret_key"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "PASSWORD": get_secret("production/db/postgresql")["password"],
        "PORT": 5432,
    }
}
'''


def test_keyword_arguments_and_stripe_attribute(kit):
    """psycopg2.connect(password=...), redis.Redis(password=...) and stripe.api_key = ..."""
    pg, rd, sk = kit.fake(seed="a"), kit.fake(seed="b"), kit.fake("sk_{{join:li:ve}}_{{rand:alnum:24}}", "c")
    before = f'''import psycopg2, redis, stripe

conn = psycopg2.connect(host="db", password="{pg}")
cache = redis.Redis(host="cache", password="{rd}")
stripe.api_key = "{sk}"
'''
    targets = [kit.hardcoded(before, pg), kit.hardcoded(before, rd, "production/cache/redis"),
               kit.hardcoded(before, sk, "production/payment/stripe", "api_key")]
    res = kit.rewrite(before, targets)
    assert res.code == '''import psycopg2, redis, stripe
from secretshift_secrets import get_secret

conn = psycopg2.connect(host="db", password=get_secret("production/db/postgresql")["password"])
cache = redis.Redis(host="cache", password=get_secret("production/cache/redis")["password"])
stripe.api_key = get_secret("production/payment/stripe")["api_key"]
'''
    assert len(res.applied) == 3


def test_bytes_and_int_keep_their_type(kit):
    """bytes get .encode(), an int gets int(...)."""
    b, n = kit.fake(seed="bytes"), kit.fake("{{rand:digits:8}}", "pin")
    before = f'SIGNING_KEY = b"{b}"\nPIN = {n}\n'
    after = ('from secretshift_secrets import get_secret\n\nSIGNING_KEY = get_secret("production/app/signing")["key"].encode()\n'
             'PIN = int(get_secret("production/app/signing")["pin"])\n')
    targets = [kit.hardcoded(before, b, "production/app/signing", "key"),
               kit.hardcoded(before, n, "production/app/signing", "pin")]
    assert kit.rewrite(before, targets).code == after


def test_plain_string_secret_without_json_key(kit):
    """json_key None reads the secret string itself."""
    tok = kit.fake()
    before = f'TOKEN = "{tok}"\n'
    res = kit.rewrite(before, [kit.hardcoded(before, tok, "production/api/token", None)])
    assert res.code == 'from secretshift_secrets import get_secret\n\nTOKEN = get_secret("production/api/token")\n'


def test_existing_import_is_merged_not_duplicated(kit):
    """An existing ``from secretshift_secrets import ...`` is reused."""
    pw = kit.fake()
    before = f'from secretshift_secrets import get_secret\n\nA = get_secret("x")["y"]\nB = "{pw}"\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw)])
    assert res.code.count("import get_secret") == 1
    assert res.code.endswith('B = get_secret("production/db/postgresql")["password"]\n')


def test_custom_accessor(kit):
    """--accessor pkg.mod:func imports and calls the project's own function."""
    pw = kit.fake()
    before = f'PASSWORD = "{pw}"\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw)], accessor="myapp.config.secrets:fetch")
    assert res.code == ('from myapp.config.secrets import fetch\n\n'
                        'PASSWORD = fetch("production/db/postgresql")["password"]\n')


def test_caching_library_accessor(kit):
    """aws_secretsmanager_caching: a module-level SecretCache and json.loads(get_secret_string)."""
    pw = kit.fake()
    before = f'import os\n\nPASSWORD = "{pw}"\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw)], accessor="aws_secretsmanager_caching")
    assert res.code == ('import os\nimport json\nfrom aws_secretsmanager_caching import SecretCache\n'
                        '_secretshift_cache = SecretCache()\n\n'
                        'PASSWORD = json.loads(_secretshift_cache.get_secret_string("production/db/postgresql"))["password"]\n')
    again = kit.rewrite(res.code, [kit.hardcoded(before, pw)], accessor="aws_secretsmanager_caching")
    assert again.code == res.code


def test_no_targets_no_change(kit):
    """Without targets the file is returned untouched (no import added)."""
    before = f'PASSWORD = "{kit.fake()}"\n'
    res = kit.rewrite(before, [])
    assert res.code == before and not res.changed and res.diff == ""


def test_hash_mismatch_does_not_rewrite(kit):
    """The literal changed since the scan: the target is skipped with a reason."""
    old, new = kit.fake(seed="old"), kit.fake(seed="new")
    before = f'PASSWORD = "{new}"\n'
    t = kit.hardcoded(f'PASSWORD = "{old}"\n', old)
    res = kit.rewrite(before, [t])
    assert res.code == before and res.applied == []
    assert "does not match" in res.skipped[0][1] or "no literal" in res.skipped[0][1]


def test_already_migrated_is_unchanged(kit):
    """Running on the rewritten file with the same targets changes nothing (idempotent)."""
    pw = kit.fake()
    before = f'PASSWORD = "{pw}"\n'
    t = kit.hardcoded(before, pw)
    once = kit.rewrite(before, [t])
    twice = kit.rewrite(once.code, [t])
    assert once.changed and twice.code == once.code and not twice.changed


def test_docstring_is_never_rewritten(kit):
    """A target pointing at a string statement is refused (negative)."""
    pw = kit.fake()
    before = f'def f():\n    "{pw}"\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw)])
    assert res.code == before and "string statement" in res.skipped[0][1]


def test_other_literals_on_the_line_are_left_alone(kit):
    """Only the hashed literal moves, even with an equal-looking neighbour."""
    pw = kit.fake()
    before = f'USER, PASSWORD = "admin", "{pw}"\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw)])
    assert res.code.endswith('USER, PASSWORD = "admin", get_secret("production/db/postgresql")["password"]\n')


def test_implicit_concatenation_as_a_whole(kit):
    """The scanner reports the joined value of ``("ab" "cd")``: the whole expression moves."""
    a, b = kit.fake("{{rand:alnum:20}}", "c1"), kit.fake("{{rand:alnum:20}}", "c2")
    before = f'JWT_SECRET = (\n    "{a}"\n    "{b}"\n)\n'
    line, col = 2, 6
    from secretshift.codemods.runner import RewriteTarget, sha256_text

    t = RewriteTarget(line, col, 3, 26, "hardcoded", "production/api/jwt", "secret", sha256_text(a + b))
    res = kit.rewrite(before, [t])
    assert res.code == 'from secretshift_secrets import get_secret\n\nJWT_SECRET = get_secret("production/api/jwt")["secret"]\n'
    assert a not in res.diff and b not in res.diff


def test_accessor_name_already_taken_is_refused(kit):
    """A file with its own get_secret is not rewritten to call ours (negative)."""
    pw = kit.fake()
    before = f'from vault import get_secret\n\nPASSWORD = "{pw}"\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw)])
    assert res.code == before and "already defined" in res.skipped[0][1]
    res = kit.rewrite(before, [kit.hardcoded(before, pw)], accessor="myapp.secrets:read_secret")
    assert res.code.endswith('PASSWORD = read_secret("production/db/postgresql")["password"]\n')
