"""ReplaceEmbeddedSecretCommand: only the credential part of a string moves (before/after)."""
from __future__ import annotations

from urllib.parse import quote


def test_url_password_only_the_credential_moves(kit):
    """A full-URL target: the password part moves, the URL is composed at run time."""
    pw = kit.fake()
    url = f"postgresql://app:{pw}@db.internal:5432/app"
    before = f'DATABASE_URL = "{url}"\n'
    res = kit.rewrite(before, [kit.hardcoded(before, url)])
    assert res.code == ('from secretshift_secrets import get_secret\n\n'
                        "DATABASE_URL = f\"postgresql://app:{get_secret('production/db/postgresql')['password']}"
                        '@db.internal:5432/app"\n')
    assert pw not in res.diff


def test_url_percent_encoded_password_is_inserted_verbatim(kit):
    """The stored part is the literal's own (quoted) text, so the composed URL is identical."""
    raw = kit.fake("{{rand:alnum:10}}@/{{rand:alnum:6}}")
    enc = quote(raw, safe="")
    before = f"REDIS_URL = 'redis://:{enc}@cache:6379/0'\n"
    res = kit.rewrite(before, [kit.hardcoded(before, f"redis://:{enc}@cache:6379/0", "production/cache/redis")])
    assert res.code.endswith('REDIS_URL = f\'redis://:{get_secret("production/cache/redis")["password"]}@cache:6379/0\'\n')
    from secretshift.codemods.literals import url_password

    assert url_password(f"redis://:{enc}@cache:6379/0") == enc


def test_password_target_inside_url(kit):
    """A target on the password alone (as the scanner reports it) moves that part."""
    pw = kit.fake()
    before = f'engine = create_engine("mysql+pymysql://root:{pw}@localhost/shop", echo=True)\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw, "production/db/mysql")])
    assert ("create_engine(f\"mysql+pymysql://root:{get_secret('production/db/mysql')['password']}@localhost/shop\""
            ", echo=True)") in res.code


def test_bearer_header(kit):
    """requests.get(..., headers={"Authorization": "Bearer ..."})"""
    tok = kit.fake("{{rand:b64url:40}}")
    before = f'r = requests.get(url, headers={{"Authorization": "Bearer {tok}"}})\n'
    res = kit.rewrite(before, [kit.hardcoded(before, tok, "production/api/github", "token")])
    assert res.code.endswith("""headers={"Authorization": f"Bearer {get_secret('production/api/github')['token']}"})\n""")


def test_fstring_literal_part(kit):
    """The literal part of an f-string is split around a new expression; other parts stay."""
    pw = kit.fake()
    before = f'dsn = f"host={{host}} user=app password={pw} dbname={{name}}"\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw)])
    assert res.code.endswith(
        """dsn = f"host={host} user=app password={get_secret('production/db/postgresql')['password']} dbname={name}"\n""")


def test_concatenations(kit):
    """Implicit concatenation gets an f-string piece; ``+`` concatenation a plain read."""
    a, b = kit.fake(seed="imp"), kit.fake(seed="plus")
    before = f'A = "Token " "{a}"\nB = "Basic " + "{b}"\n'
    res = kit.rewrite(before, [kit.hardcoded(before, a, "production/api/a", "token"),
                               kit.hardcoded(before, b, "production/api/b", "token")])
    assert res.code.endswith('A = "Token " f"{get_secret(\'production/api/a\')[\'token\']}"\n'
                             'B = "Basic " + get_secret("production/api/b")["token"]\n')


def test_braces_around_the_secret_are_escaped(kit):
    """Literal braces in the rest of the string survive the move to an f-string."""
    tok = kit.fake()
    before = f'BODY = \'{{"token": "{tok}"}}\'\n'
    res = kit.rewrite(before, [kit.hardcoded(before, tok, "production/api/x", "token")])
    assert res.code.endswith("""BODY = f'{{"token": "{get_secret("production/api/x")["token"]}"}}'\n""")
    ns = {"get_secret": lambda i: {"token": tok}}
    exec(res.code.split("\n", 2)[2], ns)
    assert ns["BODY"] == f'{{"token": "{tok}"}}'


def test_secret_inside_bytes_is_refused(kit):
    """Part of a bytes literal cannot become an f-string: skipped, unchanged (negative)."""
    pw = kit.fake()
    before = f'AUTH = b"user:{pw}"\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw)])
    assert res.code == before and "bytes" in res.skipped[0][1]


def test_hash_mismatch_inside_url(kit):
    """A URL whose password changed is not touched."""
    before = f'URL = "postgresql://app:{kit.fake(seed="now")}@db/app"\n'
    old = kit.fake(seed="then")
    t = kit.hardcoded(f'URL = "postgresql://app:{old}@db/app"\n', old)
    assert kit.rewrite(before, [t]).code == before


def test_the_occurrence_at_the_target_moves_when_the_value_repeats_in_the_string(kit):
    """User, scheme and password one word (``postgres://postgres:postgres@db/postgres``): the value
    at the target's column moves, in a plain string, an f-string and a connection string alike."""
    w = kit.fake("{{rand:lower:8}}", seed="repeat")
    before = (f'DB = "{w}://{w}:{w}@db/{w}"\nX = f"{w}://{w}:{w}@{{h}}/{w}"\n'
              f'C = "Server=db;Username={w};Password={w};"\n')
    res = kit.rewrite(before, [kit.hardcoded(before, w, nth=n) for n in (2, 6, 9)], unsafe=True)
    call = "{get_secret('production/db/postgresql')['password']}"
    assert res.code.endswith(f'DB = f"{w}://{w}:{call}@db/{w}"\nX = f"{w}://{w}:{call}@{{h}}/{w}"\n'
                             f'C = f"Server=db;Username={w};Password={call};"\n')
