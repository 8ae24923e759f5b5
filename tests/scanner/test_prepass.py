"""The multi-pattern pass (scanner.prepass): the same findings through every backend, and a
superset of where each rule can match, whatever the text holds."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from secretshift.scanner import hsx, prepass
from secretshift.scanner.prepass import ALL, Prepass, python_hits
from secretshift.scanner.ruleset import Ruleset, load_ruleset
from secretshift.scanner.samples import expand
from secretshift.scanner.scan import ScanOptions, _plan, scan_paths, scan_text

hyperscan = pytest.importorskip("hyperscan")  # a dependency wherever it has wheels (pyproject.toml)
REPO = Path(__file__).resolve().parents[2]


def _ruleset(backend: str) -> Ruleset:
    rs = load_ruleset()
    _plan(rs).prepass.force = backend
    return rs


@pytest.fixture(scope="module")
def both() -> dict[str, Ruleset]:
    return {b: _ruleset(b) for b in ("python", "hyperscan")}


def _key(f) -> tuple:
    return (f.file, f.line, f.column, f.end_line, f.end_column, f.rule_id, f.fingerprint, f.symbol)


def _samples():
    for r in load_ruleset().rules:
        for kind in ("positive", "negative"):
            for i, s in enumerate(r.positives if kind == "positive" else r.negatives):
                yield r, s, f"{r.id}:{kind}:{i}"


# Variants of each sample that Hyperscan's byte view could get wrong: case, non-ASCII letters
# around and inside, the characters Python's case-insensitive matching pairs with ASCII (İ ı ſ K),
# CRLF line ends, and the sample as one line among others.
def _variants(text: str) -> list[str]:
    return [text, text.upper(), f"é {text} ü\nx = 1\n", text.replace("s", "ſ").replace("k", "\u212a").replace("i", "\u0130"),
            text.replace("\n", "\r\n")]


def test_rule_samples_give_the_same_findings_through_each_backend(both):
    checked = 0
    for rule, sample, seed in _samples():
        text = expand(sample.text, seed) + "\n"
        path = sample.path or ("sample.py" if rule.engine in ("python", "env") else "sample.txt")
        for v in _variants(text):
            got = {b: sorted(map(_key, scan_text(v, path, rs, warn=lambda m: None))) for b, rs in both.items()}
            assert got["python"] == got["hyperscan"], (rule.id, v)
            checked += 1
    assert checked > 2000


def test_a_realistic_tree_gives_the_same_findings_through_each_backend(both, tmp_path_factory):
    dest = tmp_path_factory.mktemp("shop") / "shop"
    subprocess.run([sys.executable, str(REPO / "examples" / "make_example.py"), str(dest)], check=True,
                   capture_output=True, timeout=120)
    extra = dest / "notes"
    extra.mkdir()
    key = expand("{{join:AK:IA}}{{rand:b32:16}}", "tree")
    pw = expand("{{rand:alnum:20}}", "tree-pw")
    (extra / "türkçe.md").write_text(f"ŞİFRE ve parola\nAWS_SECRET_KEY = \"{pw}\"  # İstanbul\nkey_id: {key}\n")
    (extra / "crlf.env").write_bytes(f"DB_PASSWORD={pw}\r\nAPI_TOKEN={pw}x\r\n".encode())
    (extra / "wide.py").write_text("x = '" + "é" * 5000 + f"'\npassword = \"{pw}\"\n")
    results = {}
    for b, rs in both.items():
        res = scan_paths(ScanOptions(root=dest, all_files=True, jobs=1), rs, warn=lambda m: None)
        results[b] = sorted(map(_key, res.findings))
    assert results["python"] == results["hyperscan"]
    assert len(results["python"]) > 20
    assert {"notes/türkçe.md", "notes/crlf.env", "notes/wide.py"} <= {k[0] for k in results["python"]}


def _window_match_lines(rule, text: str) -> set[int]:
    """Line ends of every line where the rule's regex matches, searched the way the regex engine
    searches a line (the newline before it included)."""
    rx = rule.regex.compiled
    out = set()
    n = len(text)
    start = 0
    while start <= n:
        end = text.find("\n", start)
        end = n if end == -1 else end
        if rx.search(text, max(start - 1, 0), end):
            out.add(end)
        start = end + 1
    return out


def test_hyperscan_reports_every_line_a_single_line_rule_can_match_on():
    """The superset property itself, before keywords: on every sample variant, each line where
    Python's re finds the rule's regex is among the lines the database reports for it."""
    rules = [r for r in load_ruleset().rules if r.engine == "regex" and not r.multiline]
    pp = Prepass(rules)
    pp.force = "hyperscan"
    grouped = pp._plan()
    assert grouped is not None and not grouped.fallbacks
    plan = grouped.plan_for(frozenset({"regex"}))
    ids = {r.id: pid for pid, r in plan.line_rules.items()}
    for rule, sample, seed in _samples():
        if rule not in rules:
            continue
        for v in _variants(expand(sample.text, seed) + "\n"):
            if prepass._PARTNERS.search(v):
                continue  # those lines are the keywords' business (test above)
            data = v.encode("utf-8")
            raw = prepass._scan(plan, plan.db, data)
            ends = raw.get(ids[rule.id], [])
            if not v.isascii():
                ends = prepass._ByteToChar(data).lines(ends)
            assert _window_match_lines(rule, v) <= set(ends), (rule.id, v)


@pytest.mark.parametrize("pattern,text", [
    (r"(?i)passw(?:or)?d\s*[:=]\s*(?P<s>[^\s\"']{8,64})", "PASSWORD = hunter22xyz\n"),
    (r"(?P<s>[^\"]{4,8})\"$", "é€ü\"\nabcdé\"\n"),  # a line end `$`, characters of 2 and 3 bytes
    (r"\b(?:tok|key)\w+\b", "ékeyé1 tok_a\n"),  # \b next to a non-ASCII letter
    (r"^user\s+(?P<s>\S+)", "user  x\n  user y\n"),
    (r"(?s)BEGIN.{0,20}END", "BEGIN\nx\nEND\n"),
])
def test_translated_patterns_match_wherever_python_does(pattern, text):
    hs_pat = hsx.translate(pattern, 0, line_end=False).encode()
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=[hs_pat], ids=[0], flags=[hyperscan.HS_FLAG_MULTILINE | hyperscan.HS_FLAG_ALLOWEMPTY])
    ends: list[int] = []
    db.scan(text.encode("utf-8"), match_event_handler=lambda *a: ends.append(a[2]))
    for m in re.finditer(pattern, text):
        assert len(text[:m.end()].encode("utf-8")) in ends, (pattern, m.group(0))


def test_the_case_partner_table_is_what_python_says():
    """hsx.CASE_PARTNERS: every non-ASCII character that case-insensitive matching pairs with an
    ASCII letter, or that str.lower() turns into ASCII (texts holding one go to the keyword check)."""
    letters = re.compile("(?i)[a-z]")
    found = {chr(c) for c in range(128, sys.maxunicode + 1)
             if letters.match(chr(c)) or any(ord(x) < 128 for x in chr(c).lower())}
    assert found == set(hsx.CASE_PARTNERS)


def test_python_backend_finds_keyword_lines_and_runs_keywordless_rules_over_the_text():
    rs = load_ruleset()
    by = {r.id: r for r in rs.rules}
    text = "a = 1\nmy token here\nA TOKEN again\nnothing\n"
    hits = python_hits(text, [by["SS110"], by["SS501"]])
    token_rule = next(r for r in rs.rules if "token" in r.keywords and r.engine == "regex" and not r.multiline)
    got = python_hits(text, [token_rule]).lines(token_rule)
    assert got == [text.index("\nA TOKEN"), text.index("\nnothing")]  # the ends of lines 2 and 3
    assert hits.lines(by["SS501"]) == []  # a multi-line rule whose keywords are absent
    pem = "x\n-----BEGIN RSA PRIVATE KEY-----\n"
    assert python_hits(pem, [by["SS501"]]).lines(by["SS501"]) is ALL


def test_a_pattern_hyperscan_refuses_falls_back_for_that_rule_alone(monkeypatch):
    rs = load_ruleset()
    target = next(r for r in rs.rules if r.id == "SS401")
    real = hsx.translate

    def refuse(pattern, flags=0, line_end=False):
        if pattern == target.regex.pattern:
            raise hsx.Untranslatable("not for this test")
        return real(pattern, flags, line_end)

    monkeypatch.setattr(hsx, "translate", refuse)
    monkeypatch.setenv("SECRETSHIFT_CACHE_DIR", str(Path(__file__).parent / "does-not-exist-cache"))
    monkeypatch.setenv("SECRETSHIFT_NO_CACHE", "1")
    pp = Prepass(rs.rules)
    pp.force = "hyperscan"
    assert set(pp.fallbacks) == {"SS401"}
    key = expand("{{join:AK:IA}}{{rand:b32:16}}", "fallback")
    text = f'aws_access_key_id = "{key}"\n'
    hits = pp.scan(text)
    assert hits.lines(target) == [len(text) - 1]  # still found, by the Python backend


def test_a_unicode_text_whose_lower_case_grows_still_maps_lines():
    text = "İİİ\nsecret here\nİ token\n"
    lower = text.lower()
    assert len(lower) != len(text)
    got = prepass.keyword_lines(text, lower, ["secret", "token"])
    assert got == {"secret": [text.index("\nİ token")], "token": [len(text) - 1]}


def test_a_file_is_scanned_once_whatever_number_of_engines_look_at_it(monkeypatch):
    """One database for the engines a file is scanned with: a Python file's regex, python and
    env rules are answered by one scan, and the same lines come out as from the Python backend
    for the rules that read lines."""
    rs = load_ruleset()
    rules = [r for r in rs.rules if r.engine in ("regex", "python", "env")]
    pp = Prepass(rs.rules)
    pp.force = "hyperscan"
    calls = []
    real = prepass._scan
    monkeypatch.setattr(prepass, "_scan", lambda plan, db, data: calls.append(db) or real(plan, db, data))
    pw = expand("{{rand:alnum:20}}", "once")
    text = f'import os\nDB_PASSWORD = "{pw}"\nurl = os.environ["DSN"]\n'
    hits = pp.scan(text, only=rules)
    assert len(calls) == 1
    grouped = pp._plan()
    markdown = grouped.plan_for(frozenset({"regex", "table"}))
    assert markdown is not grouped.plan_for(frozenset({"regex", "python", "env"}))
    assert not any(r.engine == "python" for got in markdown.kw_rules.values() for r in got)  # their words: most lines
    assert markdown is grouped.plan_for(frozenset({"regex", "config"}))  # whole-file engines: reported once
    slow = python_hits(text, rules)
    for r in rules:
        if r.engine in ("python", "env") and slow.may_match(r):
            assert hits.may_match(r), r.id
            assert set(hits.lines(r)) <= set(slow.lines(r)), r.id


def test_a_rule_marked_prepass_keywords_is_looked_for_by_its_keywords_and_found_by_its_regex():
    """options.prepass: keywords (SS869): the database carries the rule's keywords, not its
    pattern; the regex still decides on those lines, so the finding is the same either way."""
    rs = load_ruleset()
    rule = rs.get("SS869")
    assert rule.options.get("prepass") == "keywords"
    pp = Prepass([rule])
    pp.force = "hyperscan"
    plan = pp._plan().plan_for(frozenset({"regex"}))
    assert rule not in plan.line_rules.values() and rule in plan.kw_rules["mailgun"]
    key = expand("{{rand:hex:32}}-{{rand:hex:8}}-{{rand:hex:8}}", "mg")
    text = f"# mailgun settings\nMAILGUN_API_KEY={key}\nother={key}\n"
    assert pp.scan(text).lines(rule) == [text.index("\nMAILGUN"), text.index("\nother")]  # keyword lines
    got = {b: [(f.line, f.rule_id) for f in scan_text(text, "settings.txt", both_rs, warn=lambda m: None)
               if f.rule_id == "SS869"] for b, both_rs in {b: _ruleset(b) for b in ("python", "hyperscan")}.items()}
    assert got["python"] == got["hyperscan"] == [(2, "SS869")]


def _small_spec_lists() -> list[list]:
    """Three distinct small pattern sets (quick to compile), as `_Grouped` would hand them over."""
    return [[(r"tok_[a-z0-9]{12}", False), ("kw", "pass", True)],
            [(r"key_[A-Z]{10}", False)],
            [("kw", "secret", True), ("kw", "token", False)]]


def test_cold_databases_are_compiled_side_by_side_into_the_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRETSHIFT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(prepass, "_COMPILED", {})
    lists = _small_spec_lists()
    prepass.compile_all(hyperscan, lists, jobs=2)
    keys = [prepass._cache_key(hyperscan, s) for s in lists]
    # every database reached this process and the disk cache, whichever process compiled it
    assert sorted(prepass._COMPILED) == sorted(keys)
    assert sorted(p.stem for p in (tmp_path / "prepass").glob("*.bin")) == sorted(keys)
    db, refused = prepass._compile_cached(hyperscan, lists[1])  # from what compile_all made
    assert refused == {}
    hits = []
    db.scan(b"x = key_ABCDEFGHIJ\n", match_event_handler=lambda pid, s, e, f, c: hits.append((pid, e)),
            scratch=hyperscan.Scratch(db))
    assert hits and hits[0][0] == 0


def test_a_helper_that_fails_leaves_its_database_to_this_process(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRETSHIFT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(prepass, "_COMPILED", {})
    parent = __import__("os").getpid()
    real = prepass._compiled_blob

    def only_here(hs, specs):  # a forked helper dies compiling; this process compiles fine
        if __import__("os").getpid() != parent:
            raise MemoryError
        return real(hs, specs)

    monkeypatch.setattr(prepass, "_compiled_blob", only_here)
    lists = _small_spec_lists()
    prepass.compile_all(hyperscan, lists, jobs=2)
    keys = [prepass._cache_key(hyperscan, s) for s in lists]
    mine = [prepass._cache_key(hyperscan, s) for s in lists[0::2]]  # the first group stays here
    assert sorted(prepass._COMPILED) == sorted(mine)
    # what the helper did not deliver is compiled where it is needed, as without the helpers
    missing = next(k for k in keys if k not in mine)
    db, _ = prepass._compile_cached(hyperscan, lists[keys.index(missing)])
    assert db is not None and (tmp_path / "prepass" / f"{missing}.bin").exists()


def test_nothing_is_forked_when_the_cache_has_the_databases(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRETSHIFT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(prepass, "_COMPILED", {})
    lists = _small_spec_lists()
    for s in lists:
        prepass._compile_cached(hyperscan, s)  # compiled one by one, cached
    forks = []
    monkeypatch.setattr(prepass.os, "fork", lambda: forks.append(1) or (_ for _ in ()).throw(OSError))
    prepass.compile_all(hyperscan, lists, jobs=2)
    assert forks == [] and prepass._COMPILED == {}
