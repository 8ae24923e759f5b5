"""The on-disk cache (secretshift.base.cache): validated rules and Hyperscan databases, per content.

A changed rule file (a team's own included) is a different entry; a cache that cannot be written
or read is ignored without a word."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from secretshift.base import cache
from secretshift.scanner import ruleset
from secretshift.scanner.ruleset import load_ruleset

TEAM = """- id: SS9{n:02d}
  slug: team-token-{n}
  description: the team's token
  engine: regex
  keywords: [tm{n}_]
  regex: 'tm{n}_(?P<secret>[a-z0-9]{{{width}}})'
  category: generic
  severity: high
  confidence: high
  samples: {{positive: ['tm{n}_{{{{rand:alnumlower:{width}}}}}'], negative: ['tm{n}_x']}}
"""


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv("SECRETSHIFT_CACHE_DIR", str(d))
    return d


def _entries(d: Path, kind: str) -> list[Path]:
    return sorted((d / kind).glob("*.bin")) if (d / kind).is_dir() else []


def test_rules_are_cached_per_content_and_a_changed_team_file_is_a_new_entry(cache_dir, tmp_path):
    team = tmp_path / "team.yaml"
    team.write_text(TEAM.format(n=1, width=20))
    first = load_ruleset([team])
    assert len(_entries(cache_dir, "rules")) == 1
    again = load_ruleset([team])  # from the cache: the same rules, docs and samples read on demand
    def shape(rs):
        return [(r.id, r.regex.pattern if r.regex else None, r.keywords) for r in rs.rules]

    assert shape(again) == shape(first)
    assert again.get("SS901").positives[0].text == first.get("SS901").positives[0].text
    st = team.stat()
    team.write_text(TEAM.format(n=1, width=24))  # same file, same size class: a different content
    os.utime(team, ns=(st.st_atime_ns, st.st_mtime_ns))  # even with the old mtime
    changed = load_ruleset([team])
    assert changed.get("SS901").regex.pattern.endswith("{24})")
    assert len(_entries(cache_dir, "rules")) == 2


def test_a_cache_that_cannot_be_written_or_read_is_ignored_quietly(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("SECRETSHIFT_CACHE_DIR", str(blocker / "cache"))
    rs = load_ruleset()
    assert len(rs.rules) > 100 and rs.rules[0].docs  # parsed from YAML, all there
    assert capsys.readouterr() == ("", "")


def test_a_corrupt_or_stale_entry_is_parsed_again_and_replaced(cache_dir):
    load_ruleset()
    [entry] = _entries(cache_dir, "rules")
    entry.write_bytes(b"\x00garbage")
    rs = load_ruleset()
    assert len(rs.rules) > 100 and rs.get("SS401").regex.pattern
    [docs] = _entries(cache_dir, "rules-docs")
    docs.unlink()  # docs gone while the rules entry stays: the rule files say
    rs = load_ruleset()
    assert rs.get("SS401").docs.get("what") and rs.get("SS401").positives


_CORRUPT = {
    "garbage": lambda b: b"corrupt",
    "empty": lambda b: b"",
    "truncated": lambda b: b[: len(b) // 2],
    "length past the end": lambda b: b[:-8] + (len(b) * 2).to_bytes(8, "little"),
    "database cut short": lambda b: b[:100] + b[-20:-8] + (100).to_bytes(8, "little"),
}


@pytest.mark.parametrize("how", sorted(_CORRUPT))
def test_the_hyperscan_database_is_cached_per_pattern_set(cache_dir, monkeypatch, how):
    pytest.importorskip("hyperscan")
    from secretshift.scanner.prepass import Prepass

    rules = [r for r in load_ruleset().rules if r.id in ("SS401", "SS402", "SS110", "SS501")]  # quick to compile
    text = "-----BEGIN RSA PRIVATE KEY-----\nDB_PASSWORD = 'x'\n"

    def scan() -> dict:
        pp = Prepass(rules)
        pp.force = "hyperscan"
        got = pp.scan(text).by_rule
        assert pp.backend() == "hyperscan"
        return got

    first = scan()
    dbs = _entries(cache_dir, "prepass")
    assert len(dbs) == 1 and first  # one database for the engines scanned together (regex, python)
    for db in dbs:
        db.write_bytes(_CORRUPT[how](db.read_bytes()))
    assert scan() == first  # compiled again, quietly
    assert scan() == first  # and from the cache again


def test_a_changed_pattern_is_a_different_database(cache_dir):
    """The cache key holds each pattern itself: a rule whose regex changed (same rules, same
    count) must not be answered by the database of its old pattern."""
    pytest.importorskip("hyperscan")
    import copy

    from secretshift.scanner.prepass import Prepass
    from secretshift.scanner.ruleset import LazyPattern

    old = load_ruleset().get("SS401")
    new = copy.copy(old)
    new.regex = LazyPattern(r"akia_changed_[0-9]+")
    text = "x = 1\nakia_changed_123\n"

    def lines(rule):
        pp = Prepass([rule])
        pp.force = "hyperscan"
        return pp.scan(text).lines(rule)

    assert lines(old) == []  # the old pattern does not match there: its database is cached now
    assert lines(new) == [len(text) - 1]
    assert len(_entries(cache_dir, "prepass")) == 2


def test_cache_location_follows_the_platform_convention(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRETSHIFT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if os.name == "posix" and not os.uname().sysname == "Darwin":
        assert cache.cache_dir() == tmp_path / "xdg" / "secretshift"
    monkeypatch.setenv("SECRETSHIFT_NO_CACHE", "1")
    assert cache.cache_dir() is None
    assert ruleset.load_ruleset().rules  # no cache at all: still loads


def test_settled_rule_files_are_not_read_again_and_a_write_still_invalidates(cache_dir, tmp_path, monkeypatch):
    team = tmp_path / "team.yaml"
    team.write_text(TEAM.format(n=2, width=20))
    monkeypatch.setattr(ruleset, "STAT_SETTLED", -1.0)  # a file written just now counts as settled
    load_ruleset([team])
    assert len(_entries(cache_dir, "rules-stat")) == 1

    def unread(path):
        raise AssertionError(f"{path} read again")

    with monkeypatch.context() as m:
        m.setattr(ruleset, "_read_rule_file", unread)
        assert load_ruleset([team]).get("SS902").regex.pattern.endswith("{20})")  # known by its stat
    st = team.stat()
    team.write_text(TEAM.format(n=2, width=24))
    os.utime(team, ns=(st.st_atime_ns, st.st_mtime_ns))  # the old mtime back: the ctime still moved
    assert load_ruleset([team]).get("SS902").regex.pattern.endswith("{24})")


def test_a_rule_file_written_moments_ago_is_hashed_every_time(cache_dir, tmp_path):
    team = tmp_path / "team.yaml"
    team.write_text(TEAM.format(n=3, width=20))
    load_ruleset([team])
    load_ruleset([team])
    assert _entries(cache_dir, "rules-stat") == []  # not settled yet: its stat is not trusted


def test_compiled_patterns_share_one_entry_and_a_bad_one_is_compiled_afresh(cache_dir, monkeypatch):
    import re

    from secretshift.base import lazyre

    monkeypatch.setattr(lazyre, "_PACK", None)
    monkeypatch.setattr(lazyre, "_NEW", {})
    pats = [(r"(?P<key>tm_[a-z0-9]{20})\b", 0), (r"^pass(word)?\s*=\s*(\S+)$", re.M | re.I)]
    for p, fl in pats:
        lazyre.compile_cached(p, fl)
    lazyre._write_pack()  # what the run does at exit
    [entry] = _entries(cache_dir, "re-pack")  # one entry for all programs, not one per pattern
    monkeypatch.setattr(lazyre, "_PACK", None)
    monkeypatch.setattr(lazyre, "_NEW", {})
    for p, fl in pats:  # from the entry: the same program as re.compile's
        got, want = lazyre.compile_cached(p, fl), re.compile(p, fl)
        assert (got.flags, got.groups, got.groupindex) == (want.flags, want.groups, want.groupindex)
        text = "x tm_" + "ab12" * 5 + " y\nPassword = hunter-2-x\n"
        assert [m.span() for m in got.finditer(text)] == [m.span() for m in want.finditer(text)]
    assert lazyre._NEW == {}  # nothing compiled, nothing to write
    entry.write_bytes(b"\x00garbage")
    monkeypatch.setattr(lazyre, "_PACK", None)
    assert lazyre.compile_cached(*pats[0]).search("tm_" + "z9" * 10).group("key")
    lazyre._write_pack()
    assert lazyre.compile_cached(*pats[0]) is not None and len(lazyre._read_pack()) >= 1  # rewritten whole


def test_a_pattern_cache_that_cannot_be_written_is_ignored(tmp_path, monkeypatch, capsys):
    from secretshift.base import lazyre

    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("SECRETSHIFT_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(lazyre, "_PACK", None)
    monkeypatch.setattr(lazyre, "_NEW", {})
    assert lazyre.compile_cached(r"ab+c").search("xabbbc").span() == (1, 6)
    lazyre._write_pack()
    assert capsys.readouterr() == ("", "")


def test_rules_from_the_cache_have_every_field_of_the_parsed_ones(cache_dir):
    from secretshift.base.record import fields

    def plain(v):
        if isinstance(v, tuple):
            return tuple(plain(x) for x in v)
        return getattr(v, "pattern", v)  # a compiled or lazy pattern: its text

    parsed = load_ruleset()  # an empty cache: parsed from YAML (and stored)
    cached = load_ruleset()  # from the entry, which leaves out fields at the class default
    assert [r.id for r in cached.rules] == [r.id for r in parsed.rules]
    names = [f.name for f in fields(parsed.rules[0]) if f.name not in ("docs", "positives", "negatives")]
    for a, b in zip(parsed.rules, cached.rules):
        got, want = ({n: plain(getattr(x, n)) for n in names} for x in (b, a))
        assert got == want and {n: type(v) for n, v in got.items()} == {n: type(v) for n, v in want.items()}, a.id


def test_a_module_imported_through_import_compiled_gets_its_patterns_from_the_pack(cache_dir, tmp_path, monkeypatch):
    import re
    import sys
    from re import _compiler  # type: ignore[attr-defined]

    from secretshift.base import lazyre

    (tmp_path / "ss_pack_probe.py").write_text(
        "import re\nWORD = re.compile(r'(?P<w>pr[o0]be_[a-z]{3,})', re.I)\nRAW = re.compile(rb'\\x00+')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(lazyre, "_PACK", None)
    monkeypatch.setattr(lazyre, "_NEW", {})
    real_compile = re.compile
    mod = lazyre.import_compiled("ss_pack_probe")  # first run: compiled, and stored in the pack
    assert re.compile is real_compile  # put back
    lazyre._write_pack()
    del sys.modules["ss_pack_probe"]
    monkeypatch.setattr(lazyre, "_PACK", None)
    monkeypatch.setattr(lazyre, "_NEW", {})
    compiled = []
    real = _compiler.compile
    monkeypatch.setattr(_compiler, "compile", lambda p, flags=0: compiled.append(p) or real(p, flags))
    re.purge()
    mod = lazyre.import_compiled("ss_pack_probe")
    assert compiled == [rb"\x00+"]  # the str pattern came from the pack; bytes go to re as before
    assert mod.WORD.search("a PROBE_abc b").group("w") == "PROBE_abc" and mod.WORD.flags & re.I
    assert mod.RAW.search(b"a\x00\x00").span() == (1, 3)
    assert re.compile is real_compile
    assert lazyre.import_compiled("ss_pack_probe") is mod  # imported once
