"""rewrite_file / rewrite_source: bytes, encodings, line endings, mode, bad input, diffs."""
from __future__ import annotations

import os
import stat

from secretshift.codemods.accessor import Accessor
from secretshift.codemods.runner import masked_diff, rewrite_file, rewrite_source


def test_crlf_cookie_and_mode_are_kept(tmp_path, kit):
    """A latin-1 file with a PEP 263 cookie, CRLF endings and mode 0o750 keeps all three."""
    pw = kit.fake()
    text = f'# -*- coding: latin-1 -*-\r\n"""Caf\u00e9 settings."""\r\nPASSWORD = "{pw}"  # \u00e9\r\n'
    p = tmp_path / "legacy.py"
    p.write_bytes(text.encode("latin-1"))
    os.chmod(p, 0o750)
    res = rewrite_file(p, [kit.hardcoded(text, pw)], Accessor.parse(None))
    data = p.read_bytes()
    assert res.changed and pw.encode() not in data
    assert data.startswith(b"# -*- coding: latin-1 -*-\r\n\"\"\"Caf\xe9 settings.\"\"\"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert data.endswith(b'PASSWORD = get_secret("production/db/postgresql")["password"]  # \xe9\r\n')
    assert stat.S_IMODE(p.stat().st_mode) == 0o750


def test_utf8_bom_is_kept(tmp_path, kit):
    pw = kit.fake()
    text = f'TOKEN = "{pw}"\n'
    p = tmp_path / "bom.py"
    p.write_bytes(b"\xef\xbb\xbf" + text.encode())
    rewrite_file(p, [kit.hardcoded(text, pw)], Accessor.parse(None))
    assert p.read_bytes().startswith(b"\xef\xbb\xbffrom secretshift_secrets import get_secret")


def test_diff_mode_does_not_write(tmp_path, kit):
    pw = kit.fake()
    text = f'TOKEN = "{pw}"\n'
    p = tmp_path / "a.py"
    p.write_text(text)
    res = rewrite_file(p, [kit.hardcoded(text, pw)], Accessor.parse(None), write=False)
    assert res.changed and p.read_text() == text
    assert pw not in res.diff and "+TOKEN = get_secret(" in res.diff


def test_file_that_does_not_parse_is_skipped_with_one_line(kit):
    pw = kit.fake()
    text = f'PASSWORD = "{pw}"\ndef broken(:\n'
    res = rewrite_source(text, "bad.py", [kit.hardcoded(text, pw)], Accessor.parse(None))
    assert res.code == text and not res.changed
    assert len(res.warnings) == 1 and "bad.py: skipped, does not parse" in res.warnings[0]
    assert "\n" not in res.warnings[0] and pw not in res.warnings[0]


def test_unreadable_file_is_skipped(tmp_path, kit):
    p = tmp_path / "bin.py"
    p.write_bytes(b"# -*- coding: no-such-codec -*-\nX = 1\n")
    res = rewrite_file(p, [], Accessor.parse(None))
    assert res.warnings and "cannot read" in res.warnings[0]


def test_nothing_in_results_carries_the_value(kit):
    """Reasons, warnings, repr of the result: no plaintext anywhere."""
    pw, other = kit.fake(seed="v1"), kit.fake(seed="v2")
    text = f'import os\nA = "{pw}"\ndef f(p="{other}"):\n    return p\nB = os.getenv("API_KEY", "{other}")\n'
    targets = [kit.hardcoded(text, pw), kit.hardcoded(text, other), kit.env(text, "os.getenv(", "API_KEY")]
    res = rewrite_source(text, "x.py", targets, Accessor.parse(None), unsafe=False)
    blob = repr(res.skipped) + repr(res.warnings) + repr(res.applicability) + res.diff + repr(res.applied)
    assert pw not in blob and other not in blob
    assert len(res.applied) == 1 and len(res.skipped) == 2


def test_masked_diff_masks_quoted_literals_only(kit):
    pw = kit.fake()
    d = masked_diff(f'PASSWORD = "{pw}"\n', "PASSWORD = x\n", "a.py", [])
    assert pw not in d and "-PASSWORD = " in d


def test_codemods_import_no_boto3_click_or_yaml():
    """Layer boundary (docs/architecture.md): codemods import libcst and scanner.models only."""
    import subprocess
    import sys

    probe = ("import sys, codemods.runner, codemods.deploy.plan, codemods.js.rewrite, codemods.commands, codemods.accessor;"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'boto3', 'botocore', 'click', 'yaml'}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
