"""`secretshift scan --staged` scans the index, not the work tree."""
from __future__ import annotations

import json


def _files(out: str) -> list[str]:
    return [f["file"] for f in json.loads(out)["findings"]]


def test_staged_secret_caught_though_fixed_on_disk(repo, fake_key, cli, no_leak):
    key = fake_key("staged-1")
    repo.write("cfg/app.py", f'aws_access_key_id = "{key}"\n')
    repo.git("add", "-A")
    repo.write("cfg/app.py", "x = 1\n")  # not re-staged
    rc, out, err = cli(repo.path, "scan", "--staged", "--format", "json")
    assert rc == 1 and _files(out) == ["cfg/app.py"]
    rc2, out2, err2 = cli(repo.path, "scan", "--format", "json")  # the plain scan reads the disk
    assert rc2 == 0
    no_leak([key], out, err, out2, err2)


def test_staged_fix_passes_though_disk_still_has_it(repo, fake_key, cli):
    key = fake_key("staged-2")
    repo.write("a.py", f'aws_access_key_id = "{key}"\n')
    repo.commit("leak")
    repo.write("a.py", "x = 1\n")
    repo.git("add", "a.py")
    repo.write("a.py", f'aws_access_key_id = "{key}"\n')  # back on disk, but the commit is clean
    rc, out, err = cli(repo.path, "scan", "--staged", "--format", "json")
    assert rc == 0 and _files(out) == []


def test_only_staged_changes_without_paths_and_given_paths_with_them(repo, fake_key, cli):
    old, new = fake_key("staged-old"), fake_key("staged-new")
    repo.write("old.py", f'aws_access_key_id = "{old}"\n')
    repo.commit("old")
    repo.write("new.py", f'aws_access_key_id = "{new}"\n')
    repo.git("add", "new.py")
    rc, out, err = cli(repo.path, "scan", "--staged", "--format", "json")
    assert _files(out) == ["new.py"]  # what the next commit changes
    rc, out, err = cli(repo.path, "scan", "--staged", "--format", "json", "old.py", "new.py")
    assert _files(out) == ["new.py", "old.py"]  # the index content of the named paths


def test_staged_in_repository_without_commits_and_binary_and_deleted(repo, fake_key, cli):
    key = fake_key("staged-3")
    repo.write("img.bin", b"\x89PNG\x00\x00" + f'aws_access_key_id = "{key}"'.encode())
    repo.write("ok.py", f'aws_access_key_id = "{key}"\n')
    repo.git("add", "-A")
    rc, out, err = cli(repo.path, "scan", "--staged", "--format", "json")
    assert rc == 1 and _files(out) == ["ok.py"]
    repo.commit("first")
    repo.git("rm", "-q", "ok.py")
    rc, out, err = cli(repo.path, "scan", "--staged", "--format", "json")
    assert rc == 0 and _files(out) == []


def test_staged_outside_git_is_a_clear_error(tmp_path, cli):
    d = tmp_path / "plain"
    d.mkdir()
    (d / "a.py").write_text("x = 1\n")
    rc, out, err = cli(d, "scan", "--staged", "--root", str(d))
    assert rc == 2 and "not a git repository" in err and len(err.strip().splitlines()) == 1


def test_staged_binary_keystore_is_reported(repo, cli, _leak_watch):
    import base64
    import random

    data = b"0\x82\x0a\x00" + random.Random("p12-staged").randbytes(600)
    _leak_watch["secrets"].append(base64.b64encode(data).decode())
    repo.write("certs/server.pfx", data)
    repo.git("add", "-A")
    rc, out, err = cli(repo.path, "scan", "--staged", "--format", "json")
    assert rc == 1 and _files(out) == ["certs/server.pfx"]
