"""ReplaceDefaultArgSecretCommand: sentinel default, fetch in the body, unsafe."""
from __future__ import annotations


def test_default_argument_needs_unsafe_fixes(kit):
    """Without --unsafe-fixes the default stays and the reason says why."""
    pw = kit.fake()
    before = f'def connect(host, password="{pw}"):\n    return host, password\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw)])
    assert res.code == before
    assert "unsafe" in res.skipped[0][1]
    assert res.applicability[res.skipped[0][0].fingerprint] == "unsafe"


def test_default_argument_sentinel_after_docstring(kit):
    """The secret is fetched per call, after the docstring, not when the def runs."""
    pw = kit.fake()
    before = f'''class Client:
    def connect(self, host, *, password="{pw}", timeout=3):
        """Open a connection."""
        return host, password
'''
    res = kit.rewrite(before, [kit.hardcoded(before, pw)], unsafe=True)
    assert res.code == '''from secretshift_secrets import get_secret

class Client:
    def connect(self, host, *, password=None, timeout=3):
        """Open a connection."""
        if password is None:
            password = get_secret("production/db/postgresql")["password"]
        return host, password
'''


def test_default_argument_behaviour(kit):
    """Called without the argument it returns the secret; an explicit value still wins."""
    pw = kit.fake()
    before = f'async def login(user, token="{pw}"):\n    return token\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw, "production/api/x", "token")], unsafe=True)
    body = res.code.split("\n", 2)[2]
    calls = []
    ns = {"get_secret": lambda i: calls.append(i) or {"token": pw}}
    exec(body, ns)
    assert calls == []  # nothing fetched when the def runs
    import asyncio

    assert asyncio.run(ns["login"]("u")) == pw and calls == ["production/api/x"]
    assert asyncio.run(ns["login"]("u", "explicit")) == "explicit"


def test_lambda_default_is_refused(kit):
    """Lambdas have no body to fetch in: skipped (negative)."""
    pw = kit.fake()
    before = f'f = lambda password="{pw}": password\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw)], unsafe=True)
    assert res.code == before and "lambda" in res.skipped[0][1]


def test_tab_indented_crlf_body(kit):
    """Inserted lines use the file's indentation and line endings."""
    pw = kit.fake()
    before = f'def f(pw="{pw}"):\r\n\treturn pw\r\n'
    res = kit.rewrite(before, [kit.hardcoded(before, pw)], unsafe=True)
    assert res.code == ('from secretshift_secrets import get_secret\r\n\r\ndef f(pw=None):\r\n\tif pw is None:\r\n'
                        '\t\tpw = get_secret("production/db/postgresql")["password"]\r\n\treturn pw\r\n')
