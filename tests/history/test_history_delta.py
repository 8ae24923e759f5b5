"""History scans judge each blob by the lines it adds (scanner.delta): same findings as a full scan."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from secretshift.scanner.delta import CONTEXT, SeenLines
from secretshift.scanner.history import scan_history, scan_history_detailed
from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.scan import ScanOptions, config_quiet, may_hold_secret, pass_finds_nothing

RULESET = load_ruleset()
HISTORY_RULESET = type(RULESET)([r for r in RULESET.rules if r.kind != "env" and r.engine != "env"])


def _opts(root: Path) -> ScanOptions:
    return ScanOptions(root=root, jobs=1)


def _summary(findings):
    return [(f.to_dict(), f.value.reveal()) for f in findings]


# --- the random history ------------------------------------------------------------------------

FILLER = {
    "app/settings.py": ["DEBUG = {n}", "TIMEOUT = {n} * 60", "def f{n}(x): return x + {n}", "# note {n}",
                        "NAMES = ['a{n}', 'b{n}']", ""],
    "conf/app.yaml": ["retries: {n}", "name: service-{n}", "# comment {n}", "region: eu-west-{n}"],
    "keys/deploy.pem": ["# rotated {n}"],
    "web/config.xml": ["<timeout>{n}</timeout>", "<!-- {n} -->", "<name>svc{n}</name>"],
}


def _constructs(path: str, fake, tag: str) -> list[list[str]]:
    """Ways a secret can sit in ``path``: each a list of lines, some with the name above the value."""
    pw = lambda t="{{rand:alnum:22}}": fake(f"{tag}-{t}", t)  # noqa: E731
    if path.endswith(".py"):
        return [[f'password = "{pw()}"'],
                [f'aws_access_key_id = "{fake(tag + "-aws", "{{join:AK:IA}}{{rand:b32:16}}")}"'],
                ["DB_PASSWORD = (", f'    "{pw()}"', ")"],
                ["connect(", '    host="db",', f'    password="{pw()}",', ")"],
                [f'API = {{"token": "{pw("{{rand:alnum:32}}")}"}}']]
    if path.endswith(".yaml"):
        return [[f"password: {pw()}"], ["db:", f"  password: {pw()}"]]
    if path.endswith(".pem"):
        body = [fake(f"{tag}-pem{i}", "{{rand:b64:64}}") for i in range(5)]
        return [["-----BEGIN RSA PRIVATE KEY-----", *body, "-----END RSA PRIVATE KEY-----"]]
    return [["<password>", f"  {pw('{{rand:alnum:16}}')}", "</password>"]]


def _evolve(repo, fake, seed: int, commits: int = 28) -> None:
    """Commits as people make them: filler lines come and go, secrets come in (whole, anywhere),
    have their value changed in place, or go again (whole)."""
    rng = random.Random(seed)
    files: dict[str, list[str]] = {p: [] for p in FILLER}
    blocks: dict[str, list[list[str]]] = {p: [] for p in FILLER}  # the secret constructs in each file

    def find(lines: list[str], block: list[str]) -> int:
        return next((j for j in range(len(lines) - len(block) + 1) if lines[j:j + len(block)] == block), -1)

    def replace_line(path: str, j: int, new: str) -> None:
        old = files[path][j]
        files[path][j] = new
        for b in blocks[path]:
            b[:] = [new if x == old else x for x in b]

    for i in range(commits):
        path = rng.choice(sorted(files))
        lines = files[path]
        in_blocks = {x for b in blocks[path] for x in b}
        filler = [j for j, ln in enumerate(lines) if ln not in in_blocks]
        # places between blocks: a file stays valid Python, YAML, PEM (a syntax error that a later
        # commit fixes would make a secret appear through a removal; see scanner.delta)
        between = [j for j in range(len(lines) + 1) if not any(0 < j - find(lines, b) < len(b) for b in blocks[path])]
        action = rng.random()
        if action < 0.35 or not lines:  # filler somewhere
            lines[(pos := rng.choice(between)):pos] = [rng.choice(FILLER[path]).format(n=rng.randint(1, 9999))]
        elif action < 0.5 and filler:  # a filler line goes
            del lines[rng.choice(filler)]
        elif action < 0.6 and blocks[path]:  # a secret goes, whole
            b = blocks[path].pop(rng.randrange(len(blocks[path])))
            j = find(lines, b)
            if j >= 0:
                del lines[j:j + len(b)]
        elif action < 0.85:  # a secret comes in, at a random place (between other lines)
            pos = rng.choice(between)
            b = list(rng.choice(_constructs(path, fake, f"{seed}-{i}")))
            lines[pos:pos] = b
            blocks[path].append(b)
        elif blocks[path]:  # a value changes in place (its name may be on the line above)
            b = rng.choice(blocks[path])
            j = find(lines, b)
            k = max(range(len(b)), key=lambda x: len(b[x]))  # the line with the value
            ln = b[k]
            if j < 0:
                pass
            elif '"' in ln:  # keep what is around the quotes, replace what is between them
                value = fake(f"{seed}-{i}-v", "{{rand:alnum:24}}")
                replace_line(path, j + k, f'{ln.split(chr(34))[0]}"{value}"{ln.rsplit(chr(34), 1)[-1]}')
            elif ":" in ln:
                replace_line(path, j + k, ln.split(":")[0] + ": " + fake(f"{seed}-{i}-y", "{{rand:alnum:24}}"))
            elif len(ln) == 64:  # a key: its whole body is new
                for x in range(1, len(b) - 1):
                    replace_line(path, j + x, fake(f"{seed}-{i}-k{x}", "{{rand:b64:64}}"))
            else:
                replace_line(path, j + k, "  " + fake(f"{seed}-{i}-x", "{{rand:alnum:16}}"))
        repo.write(path, "\n".join(lines) + "\n")
        repo.commit(f"change {i}")


@pytest.mark.parametrize("seed", range(1, 7))
def test_delta_scan_finds_what_a_full_scan_of_every_blob_finds(repo, fake_key, seed):
    _evolve(repo, fake_key, seed)
    quick = scan_history_detailed(repo.path, RULESET, _opts(repo.path))
    full = scan_history_detailed(repo.path, RULESET, _opts(repo.path), exhaustive=True)
    assert _summary(quick.findings) == _summary(full.findings)
    assert len(full.findings) >= 4  # the history really holds secrets, in several places and states
    assert quick.blobs_scanned == full.blobs_scanned  # every blob was read and judged, once


def test_value_changed_below_its_name_is_found_at_its_commit(repo, fake_key):
    old, new = fake_key("below-old", "{{rand:alnum:22}}"), fake_key("below-new", "{{rand:alnum:22}}")
    filler = "".join(f"X{i} = {i}\n" for i in range(30))
    repo.write("s.py", filler + f'DB_PASSWORD = (\n    "{old}"\n)\n' + filler)
    c1 = repo.commit("first")
    repo.write("s.py", filler + f'DB_PASSWORD = (\n    "{new}"\n)\n' + filler)
    c2 = repo.commit("only the value line changes")
    by = {f.value.reveal(): f for f in scan_history(repo.path, RULESET, _opts(repo.path))}
    assert by[old].history["first_commit"] == c1 and by[old].history["present_at_head"] is False
    assert by[new].history["first_commit"] == c2 and by[new].history["present_at_head"] is True
    assert by[new].line == 32


def test_new_key_body_under_an_unchanged_header_is_found(repo, fake_key):
    def pem(seed):
        body = [fake_key(f"{seed}{i}", "{{rand:b64:64}}") for i in range(6)]
        return "\n".join(["# deploy key", "", "-----BEGIN RSA PRIVATE KEY-----", *body,
                          "-----END RSA PRIVATE KEY-----", ""])
    repo.write("deploy.pem", pem("a"))
    c1 = repo.commit("key")
    repo.write("deploy.pem", pem("b"))
    c2 = repo.commit("rotated: new body, same header and footer")
    found = scan_history(repo.path, RULESET, _opts(repo.path))
    assert sorted(f.history["first_commit"] for f in found) == sorted([c1, c2])
    assert [f.history["present_at_head"] for f in found if f.history["first_commit"] == c2] == [True]


def test_unchanged_secret_keeps_its_first_commit_and_head_presence(repo, fake_key):
    key = fake_key("steady")
    repo.write("a.py", f'aws_access_key_id = "{key}"\n')
    c1 = repo.commit("leak")
    for i in range(5):
        repo.write("a.py", "".join(f"V{j} = {j}\n" for j in range(i + 1)) + f'aws_access_key_id = "{key}"\n')
        repo.commit(f"edit {i}")
    h = scan_history_detailed(repo.path, RULESET, _opts(repo.path))
    assert len(h.findings) == 1
    f = h.findings[0]
    assert f.history["first_commit"] == c1 and f.history["present_at_head"] is True and f.line == 1


# --- the pieces -------------------------------------------------------------------------------

def test_seen_lines_gives_added_lines_with_context():
    seen = SeenLines()
    v1 = "\n".join(f"line {i}" for i in range(20))
    assert seen.added("a.py", v1) == (v1, [(0, len(v1))])  # a first version is new throughout
    assert seen.added("a.py", v1) == ("", [])  # the same again adds nothing
    lines = v1.split("\n")
    lines[10] = "changed"
    fragment, spans = seen.added("a.py", "\n".join(lines))
    assert fragment.split("\n") == lines[10 - CONTEXT:10 + CONTEXT + 1]
    assert [fragment[s:e] for s, e in spans] == ["changed"]
    lines[0], lines[1], lines[19] = "first", "second", "last"  # clipped at both ends; neighbours join
    fragment, spans = seen.added("a.py", "\n".join(lines))
    assert fragment.split("\n") == lines[:2 + CONTEXT] + lines[19 - CONTEXT:]
    assert [fragment[s:e] for s, e in spans] == ["first\nsecond", "last"]
    assert seen.added("b.py", "line 3") == ("line 3", [(0, 6)])  # paths do not share lines


def test_seen_lines_keeps_one_version_per_path_and_flags_what_a_removal_joins():
    seen = SeenLines()
    v1 = "\n".join(f"a{i}" for i in range(8))
    seen.added("gen.py", v1)
    v2 = "\n".join(f"b{i}" for i in range(8))
    assert seen.added("gen.py", v2)[0] == v2  # all new
    assert seen.added("gen.py", v2) == ("", [])
    assert seen.added("gen.py", v1)[0] == v1  # judged against the version just before only
    lines = v1.split("\n")
    del lines[4]  # a removal adds no line, but joins a3 and a5: those count as added
    fragment, spans = seen.added("gen.py", "\n".join(lines))
    assert [fragment[s:e] for s, e in spans] == ["a3\na5"]
    seen.forget("gen.py")
    assert seen.added("gen.py", v2)[0] == v2  # after its last version, nothing is kept for a path


def _added(fragment: str, *new: str) -> list[tuple[int, int]]:
    return sorted((fragment.index(n), fragment.index(n) + len(n)) for n in new)


def test_may_hold_secret_on_fragments(fake_key):
    value = fake_key("frag", "{{rand:alnum:22}}")
    assert may_hold_secret(f'    password="{value}",', "a.py", HISTORY_RULESET)
    assert not may_hold_secret("    return total + 1", "a.py", HISTORY_RULESET)
    body = fake_key("frag-b64", "{{rand:b64:64}}")
    assert may_hold_secret(f"# rotated\n{body}", "deploy.pem", HISTORY_RULESET)  # key material, header elsewhere
    assert not may_hold_secret("# rotated 3\n# by ops", "deploy.pem", HISTORY_RULESET)
    assert may_hold_secret("retries: 3", "app.yaml", HISTORY_RULESET)  # config: judged whole
    aws = fake_key("frag-aws")
    assert may_hold_secret(f"x = 1\nkey_id: {aws}\ny = 2", "notes.txt", HISTORY_RULESET)  # a format rule


def test_may_hold_secret_asks_for_a_match_that_reaches_an_added_line(fake_key):
    value = fake_key("reach", "{{rand:alnum:22}}")
    # the name is context, its new value is on the added line: yes
    frag = f'DB_PASSWORD = (\n    "{value}"\n)'
    assert may_hold_secret(frag, "s.py", HISTORY_RULESET, added=_added(frag, f'    "{value}"'))
    # an unchanged secret-looking line next to an unrelated added line: no
    frag = f'API_TOKEN = "{value}"\n__version__ = "2.1.0"'
    assert not may_hold_secret(frag, "s.py", HISTORY_RULESET, added=_added(frag, '__version__ = "2.1.0"'))
    assert may_hold_secret(frag, "s.py", HISTORY_RULESET, added=_added(frag, f'API_TOKEN = "{value}"'))
    aws = fake_key("reach-aws")
    frag = f"key_id: {aws}\nretries = 3"
    assert not may_hold_secret(frag, "notes.txt", HISTORY_RULESET, added=_added(frag, "retries = 3"))
    assert may_hold_secret(frag, "notes.txt", HISTORY_RULESET, added=_added(frag, f"key_id: {aws}"))


def test_may_hold_secret_leaves_out_values_the_filters_drop_anywhere(fake_key):
    # a regex rule's match whose value no context can make a finding (a self-describing dummy)
    frag = "def test_proxy():\n    url = 'http://user:pass@proxy.example.com'\n    return url"
    assert not may_hold_secret(frag, "tests/test_proxy.py", HISTORY_RULESET,
                               added=_added(frag, "    url = 'http://user:pass@proxy.example.com'"))
    pw = fake_key("dummy-url", "{{rand:alnum:20}}")
    line = f"    url = 'http://deploy:{pw}@proxy.example.com'"
    frag = f"def test_proxy():\n{line}\n    return url"
    assert may_hold_secret(frag, "tests/test_proxy.py", HISTORY_RULESET, added=_added(frag, line))


def test_may_hold_secret_on_a_fragment_that_starts_inside_a_docstring(fake_key):
    # the fragment's first line is the last line of a docstring: read alone, its closing quotes
    # open a string, and the new argument below would look like docstring text
    value = fake_key("docstring", "{{rand:alnum:12}}")
    line = f"        ok = self.client.login(username='ops', password='{value}')"
    frag = f'        simulate a member of group b\n        """\n{line}\n        self.assertTrue(ok)'
    assert may_hold_secret(frag, "tests/test_views.py", HISTORY_RULESET, added=_added(frag, line))


def test_pass_finds_nothing_in_the_window_of_a_quiet_change(fake_key):
    seen = SeenLines()
    code = [f"def f{i}(x):\n    return x + {i}" for i in range(30)]
    seen.change("app.py", "\n".join(code))
    code[15] = "def f15(x):\n    return x * 2"
    ch = seen.change("app.py", "\n".join(code))
    assert ch.window.count("\n") == 2 * CONTEXT + 1  # the changed line with its context
    assert pass_finds_nothing(ch.window, "app.py", HISTORY_RULESET)
    assert not may_hold_secret(*seen.fragment(ch)[:1], "app.py", HISTORY_RULESET, added=seen.fragment(ch)[1])
    value = fake_key("window", "{{rand:alnum:22}}")
    code[15] = f'def f15(x):\n    password = "{value}"'
    ch = seen.change("app.py", "\n".join(code))
    assert not pass_finds_nothing(ch.window, "app.py", HISTORY_RULESET)
    # what only a whole file or an added row can tell: never answered from the window
    assert not pass_finds_nothing("retries: 3", "app.yaml", HISTORY_RULESET)  # config: judged whole
    assert not pass_finds_nothing("| host | db1 |", "docs/hosts.md", HISTORY_RULESET)  # a table's new row
    assert pass_finds_nothing("Some prose, no table.", "docs/hosts.md", HISTORY_RULESET)
    assert not pass_finds_nothing("echo hello", "bin/deploy", HISTORY_RULESET)  # a shebang may make it code
    body = fake_key("window-b64", "{{rand:b64:64}}")
    assert not pass_finds_nothing(f"# rotated\n{body}", "deploy.pem", HISTORY_RULESET)  # key material


@pytest.mark.parametrize("seed", range(3))
def test_pass_finds_nothing_only_where_may_hold_secret_says_no(fake_key, seed):
    """Random edits of files of several kinds: whenever the window is judged quiet, the fragment
    cut from it is too (the window's lines include the fragment's)."""
    rng = random.Random(seed)
    seen = SeenLines()
    pools = {
        "app/settings.py": ["DEBUG = {n}", "def f{n}(x): return x + {n}", "# note {n}", "token_count = {n}"],
        "docs/guide.md": ["Some prose {n}.", "| host{n} | port {n} |", "The password is set below.", "## Part {n}"],
        "bin/run": ["#!/usr/bin/env python3", "echo {n}", "x = {n}"],
        "keys/deploy.pem": ["# rotated {n}"],
    }
    files: dict[str, list[str]] = {p: [] for p in pools}
    quiet = 0
    for i in range(400):
        path = rng.choice(sorted(pools))
        lines = files[path]
        r = rng.random()
        if r < 0.6 or not lines:
            lines.insert(rng.randint(0, len(lines)), rng.choice(pools[path]).format(n=rng.randint(1, 999)))
        elif r < 0.8:
            del lines[rng.randrange(len(lines))]
        elif r < 0.9:
            lines.insert(rng.randint(0, len(lines)), f'password = "{fake_key(f"p{seed}-{i}", "{{rand:alnum:20}}")}"')
        else:
            lines.insert(rng.randint(0, len(lines)), fake_key(f"b{seed}-{i}", "{{rand:b64:64}}"))
        ch = seen.change(path, "\n".join(lines))
        if ch is None or not pass_finds_nothing(ch.window, path, HISTORY_RULESET):
            continue
        quiet += 1
        fragment, spans = seen.fragment(ch)
        assert not may_hold_secret(fragment, path, HISTORY_RULESET, added=spans), (path, i)
    assert quiet >= 10, quiet  # the cheap answer is given (18-31 times in these seeds)


# --- YAML/JSON files the config engine finds nothing in, translation bundles ------------------------

UI = ["Sign in", "Log out", "Save changes", "Cancel", "Delete this feed", "Mark all as read", "Settings",
      "Search entries", "Add a new subscription", "Your feeds", "Show unread only", "Keyboard shortcuts",
      "Edit category", "Refresh all feeds"]


def test_config_quiet_follows_the_config_engine_gate():
    assert config_quiet('{\n  "title": "Feeds",\n  "password_label": "Password"\n}\n', "de.json", HISTORY_RULESET)
    assert config_quiet("retries: 3\nname: svc\n", "app.yaml", HISTORY_RULESET)
    # a key the engine parses for, and one of its rules' keywords: it may find something
    assert not config_quiet('{\n  "env": {\n    "API_TOKEN": "x"\n  }\n}\n', "app.json", HISTORY_RULESET)
    assert not config_quiet("env:\n  DB_PASSWORD: x\n", "app.yaml", HISTORY_RULESET)
    assert not config_quiet("API_TOKEN=x\n", ".env", HISTORY_RULESET)  # not YAML/JSON: judged whole
    # what scan_text drops from these depends on the whole file: judged whole
    assert not config_quiet('openapi: 3.0.0\ninfo:\n  title: x\n', "api.yaml", HISTORY_RULESET)
    assert not config_quiet("value:\n  secretKeyRef:\n    name: db\n", "app.yaml", HISTORY_RULESET)


def test_may_hold_secret_in_quiet_config_and_translation_bundles(fake_key):
    value, aws = fake_key("quiet-pw", "{{rand:alnum:22}}"), fake_key("quiet-aws")
    assert may_hold_secret('  "retries": 3,', "app.json", HISTORY_RULESET)  # judged whole
    assert not may_hold_secret('  "retries": 3,', "app.json", HISTORY_RULESET, config_quiet=True)
    line = f'  "db_password": "{value}",'
    assert may_hold_secret(line, "app.json", HISTORY_RULESET, config_quiet=True)
    # scan_text drops a bundle's generic candidates, not a vendor format's nor a URL's credentials
    assert not may_hold_secret(line, "app.json", HISTORY_RULESET, config_quiet=True, translation=True)
    assert may_hold_secret(f'  "key": "{aws}",', "app.json", HISTORY_RULESET, config_quiet=True, translation=True)
    url = f'  "hint": "https://admin:{value}@db.example.com/x",'
    assert may_hold_secret(url, "app.json", HISTORY_RULESET, config_quiet=True, translation=True)


def test_file_that_stops_being_a_translation_bundle_is_read_whole(repo, fake_key):
    """Its generic candidates on old lines now count: found at that commit, though HEAD lost them."""
    pw = fake_key("bundle-pw", "{{rand:alnum:22}}")
    ui = [f'  "label_{i}": "{t}",' for i, t in enumerate(UI)]
    tail = [f'  "limit_{i}": {i},' for i in range(6)] + [f'  "db_password": "{pw}"', "}"]
    repo.write("settings.json", "\n".join(["{", *ui, *tail]) + "\n")
    repo.commit("a bundle: the password is UI text")
    repo.write("settings.json", "\n".join(["{", *tail]) + "\n")
    c2 = repo.commit("no longer one")
    repo.write("settings.json", "\n".join(["{", *tail[:-2], "}"]) + "\n")
    repo.commit("the password goes")
    quick = scan_history_detailed(repo.path, RULESET, _opts(repo.path))
    full = scan_history_detailed(repo.path, RULESET, _opts(repo.path), exhaustive=True)
    assert [f.history["first_commit"] for f in full.findings] == [c2]
    assert _summary(quick.findings) == _summary(full.findings)


def test_json_the_config_engine_stops_reading_is_read_whole(repo, fake_key):
    """The config engine's finding hid a generic rule's on the same value; without the "env" key
    the generic one is new, on an old line."""
    pw = fake_key("config-pw", "{{rand:alnum:22}}")
    body = [f'  "limit_{i}": {i},' for i in range(8)] + ['  "x": 1', "}"]
    repo.write("app.json", "\n".join(["{", '  "env": {', f'    "API_TOKEN": "{pw}"', "  },", *body]) + "\n")
    repo.commit("env")
    repo.write("app.json", "\n".join(["{", '  "vars": {', f'    "API_TOKEN": "{pw}"', "  },", *body]) + "\n")
    c2 = repo.commit("renamed")
    repo.write("app.json", "\n".join(["{", '  "vars": {', "  },", *body]) + "\n")
    repo.commit("the token goes")
    quick = scan_history_detailed(repo.path, RULESET, _opts(repo.path))
    full = scan_history_detailed(repo.path, RULESET, _opts(repo.path), exhaustive=True)
    assert c2 in [f.history["first_commit"] for f in full.findings]
    assert _summary(quick.findings) == _summary(full.findings)


def test_secret_unsuppressed_by_removing_a_line_is_reported_from_head(repo, fake_key):
    """Removing a suppression comment adds no line; HEAD's files are scanned in full all the same."""
    key = fake_key("unsuppressed")
    repo.write("a.py", f'# secretshift: allow-next-line\naws_access_key_id = "{key}"\nX = 1\n')
    repo.commit("suppressed")
    assert scan_history(repo.path, RULESET, _opts(repo.path)) == []
    repo.write("a.py", f'aws_access_key_id = "{key}"\nX = 1\n')
    c2 = repo.commit("suppression removed")
    found = scan_history(repo.path, RULESET, _opts(repo.path))
    assert [(f.value.reveal(), f.history["first_commit"], f.history["present_at_head"]) for f in found] == \
        [(key, c2, True)]
