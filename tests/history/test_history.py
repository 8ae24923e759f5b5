"""History scans on real git repositories: first appearance, author, HEAD presence, pushed or local."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from secretshift.scanner import history as hist
from secretshift.scanner.history import scan_history, scan_history_detailed
from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.scan import ScanOptions

RULESET = load_ruleset()
HISTORY_KEYS = {"first_commit", "first_commit_date", "author", "path", "present_at_head", "pushed"}


def _opts(root: Path, jobs: int = 1) -> ScanOptions:
    return ScanOptions(root=root, jobs=jobs)


def _by_value(findings):
    return {f.value.reveal(): f for f in findings}


@pytest.fixture
def story(repo, fake_key):
    """A history: a secret added, edited around, renamed and removed; another still at HEAD."""
    gone, kept = fake_key("hist-gone"), fake_key("hist-kept")
    repo.write("README.md", "hello\n")
    c1 = repo.commit("init", date="2024-01-01T10:00:00+00:00")
    repo.write("app/settings.py", f'DEBUG = True\naws_access_key_id = "{gone}"\n')
    c2 = repo.commit("add settings", author="Mallory Maker <mallory@example.com>", date="2024-02-01T10:00:00+00:00")
    repo.write("app/settings.py", f'DEBUG = False\n\naws_access_key_id = "{gone}"\n')
    repo.commit("edit around it", date="2024-03-01T10:00:00+00:00")
    repo.git("mv", "app/settings.py", "app/config.py")
    c4 = repo.commit("rename", date="2024-04-01T10:00:00+00:00")
    repo.write("app/config.py", "DEBUG = False\n")
    repo.write("deploy/.env", f"AWS_ACCESS_KEY_ID={kept}\n")
    c5 = repo.commit("remove the key, add an env file", author="Bob Builder <bob@example.com>",
                     date="2024-05-01T10:00:00+00:00")
    return {"repo": repo, "gone": gone, "kept": kept, "c1": c1, "c2": c2, "c4": c4, "c5": c5}


def test_each_secret_reported_once_at_its_first_commit(story):
    found = scan_history(story["repo"].path, RULESET, _opts(story["repo"].path))
    by = _by_value(found)
    assert set(by) == {story["gone"], story["kept"]}  # once each, though 3 blobs held the first one
    gone = by[story["gone"]]
    assert set(gone.history) == HISTORY_KEYS
    assert gone.history["first_commit"] == story["c2"]
    assert gone.history["first_commit_date"].startswith("2024-02-01T10:00:00")
    assert gone.history["author"] == "Mallory Maker <mallory@example.com>"
    assert gone.history["path"] == gone.file == "app/settings.py"  # where it first appeared, not the rename
    assert gone.line == 2  # the line in that first version
    assert gone.history["present_at_head"] is False
    kept = by[story["kept"]]
    assert kept.history["first_commit"] == story["c5"] and kept.history["path"] == "deploy/.env"
    assert kept.history["present_at_head"] is True
    assert kept.history["pushed"] is False and gone.history["pushed"] is False  # no remote at all


def test_renamed_file_with_the_secret_still_present_is_one_finding(repo, fake_key):
    key = fake_key("rename")
    repo.write("old/name.py", f'aws_access_key_id = "{key}"\n')
    first = repo.commit("add")
    repo.git("mv", "old/name.py", "new_name.py")
    repo.commit("rename")
    found = scan_history(repo.path, RULESET, _opts(repo.path))
    assert len(found) == 1
    h = found[0].history
    assert (h["path"], h["first_commit"], h["present_at_head"]) == ("old/name.py", first, True)


def test_pushed_versus_local_only(repo, new_repo, fake_key, tmp_path):
    pushed_key, local_key = fake_key("pushed"), fake_key("local")
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    repo.git("remote", "add", "origin", str(remote))
    repo.write("a.py", f'aws_access_key_id = "{pushed_key}"\n')
    repo.commit("pushed one")
    repo.git("push", "-q", "origin", "main")
    repo.write("b.py", f'aws_access_key_id = "{local_key}"\n')
    repo.commit("local only")
    by = _by_value(scan_history(repo.path, RULESET, _opts(repo.path)))
    assert by[pushed_key].history["pushed"] is True
    assert by[local_key].history["pushed"] is False


def test_since_limits_to_later_commits(story):
    r = story["repo"]
    found = scan_history(r.path, RULESET, _opts(r.path), since=story["c2"])
    assert [f.value.reveal() for f in found] == [story["kept"]]
    found = scan_history(r.path, RULESET, _opts(r.path), since=story["c1"])
    assert {f.value.reveal() for f in found} == {story["gone"], story["kept"]}


def test_since_catches_a_secret_restored_after_the_boundary(repo, fake_key):
    """The same blob deleted before the boundary and restored after it is not 'in range' for
    rev-list; it must still be reported, at the restoring commit, as present at HEAD."""
    key = fake_key("restored")
    repo.write("keep.py", f'aws_access_key_id = "{key}"\n')
    repo.commit("old")
    repo.write("keep.py", "x = 1\n")
    base = repo.commit("removed")
    repo.write("keep.py", f'aws_access_key_id = "{key}"\n')
    back = repo.commit("restored")
    found = scan_history(repo.path, RULESET, _opts(repo.path), since=base)
    assert len(found) == 1 and found[0].file == "keep.py"
    assert found[0].history["first_commit"] == back
    assert found[0].history["present_at_head"] is True


def test_parallel_scan_gives_the_same_findings(story, monkeypatch):
    r = story["repo"]
    one = scan_history(r.path, RULESET, _opts(r.path, jobs=1))
    monkeypatch.setattr(hist, "PARALLEL_MIN_BLOBS", 1)
    two = scan_history(r.path, RULESET, _opts(r.path, jobs=2))
    assert [f.to_dict() for f in one] == [f.to_dict() for f in two]
    assert [f.value.reveal() for f in one] == [f.value.reveal() for f in two]


def test_binary_blob_is_skipped_not_scanned(repo, fake_key):
    key = fake_key("binary")
    repo.write("blob.dat", b"\x00\x01GIF" + f'aws_access_key_id = "{key}"'.encode() + b"\x00" * 10)
    repo.write("text.py", "x = 1\n")
    repo.commit("binary")
    h = scan_history_detailed(repo.path, RULESET, _opts(repo.path))
    assert h.findings == []
    assert h.skipped.get("binary") == 1 and h.blobs_scanned == 1


def test_detached_head_scans_what_head_reaches(story):
    r = story["repo"]
    r.git("checkout", "-q", "--detach", story["c2"])
    found = scan_history(r.path, RULESET, _opts(r.path))
    assert [f.value.reveal() for f in found] == [story["gone"]]
    assert found[0].history["present_at_head"] is True  # at the detached HEAD it is still there


def test_shallow_clone_warns_and_attributes_to_the_boundary(story, tmp_path):
    clone = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{story['repo'].path}", str(clone)], check=True)
    notes: list[str] = []
    h = scan_history_detailed(clone, RULESET, _opts(clone), warn=notes.append)
    assert any("shallow clone" in n for n in notes)
    by = _by_value(h.findings)
    # the real first commit (c2) is beyond the boundary: the boundary commit (c4) is the best we know
    assert by[story["gone"]].history["first_commit"] == story["c4"]
    assert by[story["gone"]].history["path"] == "app/config.py"
    assert by[story["kept"]].history["first_commit"] == story["c5"]
    assert by[story["kept"]].history["pushed"] is True  # the clone's origin/main holds that commit


def test_empty_repository_is_not_an_error(repo, cli):
    rc, out, err = cli(repo.path, "scan", "--history", "--format", "json")
    assert rc == 0
    assert json.loads(out)["findings"] == []
    assert "no commits yet" in err


def test_since_in_empty_repository_is_a_clear_error(repo, cli):
    rc, out, err = cli(repo.path, "scan", "--history", "--since", "main")
    assert rc == 2 and "no commits yet" in err and "Traceback" not in err


def test_unknown_since_revision(story, cli):
    rc, out, err = cli(story["repo"].path, "scan", "--history", "--since", "no-such-branch")
    assert rc == 2
    assert err.strip().splitlines() == ["secretshift: error: unknown revision 'no-such-branch' in "
                                        f"{story['repo'].path}"]


def test_not_a_repository(tmp_path, cli):
    d = tmp_path / "plain"
    d.mkdir()
    rc, out, err = cli(d, "scan", "--history", "--root", str(d))
    assert rc == 2 and "not a git repository" in err and len(err.strip().splitlines()) == 1


def test_cli_json_and_text_carry_history_but_no_values(story, cli, no_leak):
    r = story["repo"]
    rc, out, err = cli(r.path, "scan", "--history", "--format", "json")
    assert rc == 1
    doc = json.loads(out)
    hs = {f["history"]["first_commit"] for f in doc["findings"]}
    assert hs == {story["c2"], story["c5"]}
    rc, text, err2 = cli(r.path, "scan", "--history")
    assert rc == 1 and story["c2"][:12] in text
    rc, sarif, err3 = cli(r.path, "scan", "--history", "--format", "sarif")
    no_leak([story["gone"], story["kept"]], out, err, text, err2, sarif, err3)


def test_history_findings_can_be_baselined(story, cli, no_leak):
    r = story["repo"]
    rc, out, err = cli(r.path, "baseline", "create", "--history")
    assert rc == 0
    base = r.path / ".secretshift-baseline.json"
    assert len(json.loads(base.read_text())["findings"]) == 2
    rc, out2, err2 = cli(r.path, "scan", "--history", "--baseline", str(base))
    assert rc == 0
    no_leak([story["gone"], story["kept"]], base, out, err, out2, err2)


def test_secret_added_only_by_a_merge_resolution(repo, fake_key):
    """A file version that no parent has (written while resolving a conflict) is attributed to the merge."""
    key = fake_key("merge")
    repo.write("conf.py", "x = 0\n")
    repo.commit("base")
    repo.git("checkout", "-q", "-b", "side")
    repo.write("conf.py", "x = 1\n")
    repo.commit("side")
    repo.git("checkout", "-q", "main")
    repo.write("conf.py", "x = 2\n")
    repo.commit("main")
    subprocess.run(["git", "-C", str(repo.path), "merge", "-q", "side"], capture_output=True)  # conflicts
    repo.write("conf.py", f'x = 3\naws_access_key_id = "{key}"\n')
    merge = repo.commit("merge with a leak in the resolution")
    h = scan_history_detailed(repo.path, RULESET, _opts(repo.path))
    found = h.findings
    assert len(found) == 1
    assert found[0].history["first_commit"] == merge and found[0].history["path"] == "conf.py"
    assert found[0].line == 2
    # the log pass lists a merge once per parent; each commit counts once (base, side, main, merge)
    assert h.commits == 4 == int(repo.git("rev-list", "--count", "HEAD").strip())
    since = scan_history_detailed(repo.path, RULESET, _opts(repo.path), since="HEAD~1")
    assert since.commits == int(repo.git("rev-list", "--count", "HEAD~1..HEAD").strip()) == 2


def test_blob_over_max_size_is_counted_not_read(repo, fake_key):
    key = fake_key("big")
    repo.write("big.py", f'aws_access_key_id = "{key}"\n' + "# padding\n" * 200)
    repo.commit("big")
    opts = ScanOptions(root=repo.path, jobs=1, max_bytes=1000)
    h = scan_history_detailed(repo.path, RULESET, opts)
    assert h.findings == [] and h.skipped.get("larger than max size") == 1


def test_binary_keystore_in_history_is_reported_like_on_disk(repo, cli, _leak_watch):
    """A .p12 keystore is binary, but a committed one is a leaked private key: reported at line 1."""
    import base64
    import random

    data = b"0\x82\x0a\x00" + random.Random("p12").randbytes(600)
    _leak_watch["secrets"].append(base64.b64encode(data).decode())
    repo.write("certs/client.p12", data)
    first = repo.commit("add keystore")
    repo.git("rm", "-q", "certs/client.p12")
    repo.commit("remove keystore")
    found = scan_history(repo.path, RULESET, _opts(repo.path))
    assert [(f.file, f.line, f.history["first_commit"], f.history["present_at_head"]) for f in found] == \
        [("certs/client.p12", 1, first, False)]
    assert found[0].value.reveal() == base64.b64encode(data).decode()
    rc, out, err = cli(repo.path, "scan", "--history", "--format", "json")
    assert rc == 1 and json.loads(out)["findings"][0]["file"] == "certs/client.p12"
