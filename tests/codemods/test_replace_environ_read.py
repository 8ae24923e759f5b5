"""ReplaceEnvironReadCommand: environment reads of secrets become Secrets Manager reads."""
from __future__ import annotations

import pytest


def test_environ_subscript_is_safe(kit):
    """os.environ["DB_PASSWORD"] is a safe fix."""
    before = 'import os\n\nPASSWORD = os.environ["DB_PASSWORD"]\n'
    t = kit.env(before, 'os.environ["DB_PASSWORD"]', "DB_PASSWORD", "production/db/postgresql", "password")
    res = kit.rewrite(before, [t])
    assert res.code == ('import os\nfrom secretshift_secrets import get_secret\n\n'
                        'PASSWORD = get_secret("production/db/postgresql")["password"]\n')
    assert res.applicability[t.fingerprint] == "safe"


@pytest.mark.parametrize("imports, expr", [
    ("import os", 'os.getenv("API_KEY")'),
    ("import os as o", 'o.getenv("API_KEY")'),
    ("from os import getenv as ge", 'ge("API_KEY")'),
    ("from os import environ as env", 'env.get("API_KEY")'),
    ("import os", 'os.environ.get("API_KEY")'),
])
def test_aliased_getters_are_unsafe(kit, imports, expr):
    """getenv / environ.get (aliases included) need --unsafe-fixes: their fallback goes away."""
    before = f"{imports}\n\nKEY = {expr}\n"
    t = kit.env(before, expr, "API_KEY")
    assert kit.rewrite(before, [t]).code == before
    res = kit.rewrite(before, [t], unsafe=True)
    assert res.code.endswith('KEY = get_secret("production/api/service")["api_key"]\n')
    assert res.applicability[t.fingerprint] == "unsafe"


def test_hardcoded_default_is_removed_and_masked_in_diff(kit):
    """os.environ.get("API_KEY", "<default>") loses its default; the diff masks it."""
    default = kit.fake()
    before = f'import os\nKEY = os.environ.get("API_KEY", "{default}")\n'
    t = kit.env(before, "os.environ.get(", "API_KEY")
    res = kit.rewrite(before, [t], unsafe=True)
    assert default not in res.code and default not in res.diff
    assert '-KEY = os.environ.get("API_KEY", "' in res.diff


def test_assignment_to_environ_is_not_a_read(kit):
    """os.environ["X"] = ... is left alone (negative)."""
    before = 'import os\nos.environ["API_KEY"] = "x"\n'
    res = kit.rewrite(before, [kit.env(before, 'os.environ["API_KEY"]', "API_KEY")])
    assert res.code == before and "assigned" in res.skipped[0][1]


def test_other_mapping_named_environ_is_not_matched(kit):
    """A local dict called environ is not os.environ (qualified names, negative)."""
    before = 'environ = {"API_KEY": "1"}\nKEY = environ["API_KEY"]\n'
    res = kit.rewrite(before, [kit.env(before, 'environ["API_KEY"]', "API_KEY")])
    assert res.code == before and res.applied == []


def test_wrong_variable_name_is_not_matched(kit):
    """The target names API_KEY but the code reads another variable: no rewrite."""
    before = 'import os\nKEY = os.environ["OTHER_KEY"]\n'
    t = kit.env(before, "os.environ[", "API_KEY")
    assert kit.rewrite(before, [t]).code == before


def test_env_read_already_migrated(kit):
    """Second run: nothing left to rewrite, nothing changes."""
    before = 'import os\nKEY = os.environ["API_KEY"]\n'
    t = kit.env(before, "os.environ[", "API_KEY")
    once = kit.rewrite(before, [t])
    assert kit.rewrite(once.code, [t]).code == once.code


def test_a_read_with_its_or_fallback_becomes_one_fetch(kit, monkeypatch):
    """MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or "<literal>": the read and its fallback are one
    value; both were rewritten, giving get_secret(...) or get_secret(...). One fetch, same value; an
    `or` of two different reads, or one the source already had, is left alone."""
    import sys
    import types

    pw = kit.fake(seed="mail-or")
    sid = "production/generic/mail-password"
    before = (f'import os\n\nMAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or "{pw}"\n'
              f'B = (os.getenv("MAIL_PASSWORD")\n     or "{pw}")\nC = os.getenv("OTHER") or "{pw}"\n')
    ts = [kit.env(before, 'os.environ.get("MAIL_PASSWORD")', "MAIL_PASSWORD", sid, "password"),
          kit.hardcoded(before, pw, sid, "password"),
          kit.env(before, 'os.getenv("MAIL_PASSWORD")', "MAIL_PASSWORD", sid, "password"),
          kit.hardcoded(before, pw, sid, "password", nth=1),
          kit.hardcoded(before, pw, sid, "password", nth=2)]
    res = kit.rewrite(before, ts, unsafe=True)
    fetch = f'get_secret("{sid}")["password"]'
    assert res.code.endswith(f'MAIL_PASSWORD = {fetch}\nB = ({fetch})\nC = os.getenv("OTHER") or {fetch}\n')
    assert len(res.applied) == 5 and not res.skipped
    monkeypatch.delenv("OTHER", raising=False)
    calls = []
    fake_mod = types.ModuleType("secretshift_secrets")
    fake_mod.get_secret = lambda s: calls.append(s) or {"password": pw}
    monkeypatch.setitem(sys.modules, "secretshift_secrets", fake_mod)
    ns: dict = {}
    exec(compile(res.code, "app/settings.py", "exec"), ns)
    assert ns["MAIL_PASSWORD"] == ns["B"] == pw and calls == [sid] * 3  # one fetch each
    kept = f'import os\nfrom secretshift_secrets import get_secret\n\nA = {fetch} or {fetch}\nK = os.getenv("K")\n'
    t = kit.env(kept, 'os.getenv("K")', "K", sid, "password")
    assert kit.rewrite(kept, [t], unsafe=True).code.startswith(f"import os\nfrom secretshift_secrets import get_secret\n\nA = {fetch} or {fetch}\n")
