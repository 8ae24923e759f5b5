"""RE2 must never change a finding: its twin of a rule gives the same matches as Python's re on ASCII
text. Checked on every rule's samples and on generated text made of the pieces these rules look for."""
from __future__ import annotations

import random
import re

import pytest

from secretshift.scanner import fastre
from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.samples import expand

RULES = [r for r in load_ruleset().rules if r.engine == "regex" and r.regex is not None]
TWINNED = [r for r in RULES if fastre.compile_twin(r.regex.compiled) is not None]
PIECES = ["password", "Password", "DB_PASSWORD", "api_key", "apiKey", "secret", "token", "auth", "key",
          "AKIA", "ASIA", "sk_live_", "ghp_", "xoxb-", "-----BEGIN", "PRIVATE KEY-----", "://", "@", ":",
          "=", " = ", ": ", "=>", ":=", '"', "'", "`", " ", "\t", "\n", "\r\n", ",", ";", "(", ")", "[", "]",
          "{", "}", "$", "${", "#", "//", "-", "_", ".", "/", "+", "\x0b", "\x1c", "\x0c"]


def _texts(rule, n: int = 40) -> list[str]:
    rng = random.Random(rule.id)
    samples = [expand(s.text, f"{rule.id}:{i}") for i, s in enumerate((*rule.positives, *rule.negatives))]
    out = list(samples)
    for _ in range(n):
        parts = []
        for _ in range(rng.randint(5, 60)):
            roll = rng.random()
            if roll < 0.15 and samples:
                parts.append(rng.choice(samples))
            elif roll < 0.6:
                parts.append(rng.choice(PIECES))
            else:
                parts.append(expand(f"{{{{rand:alnum:{rng.randint(1, 45)}}}}}", str(rng.random())))
        out.append("".join(parts))
    out += [t + "\n" for t in out[: n // 2]]  # a final newline: Python's `$` differs from RE2's there
    filler = "x = 1\n" * 700  # long enough that RE2 decides the early starts, Python the tail
    out += [t + "\n" + filler + t + "\n" for t in out[: n // 4]]
    rng2 = random.Random(rule.id + "u")
    for t in out[: n // 2]:  # lines with other characters: run in pieces
        lines = t.split("\n")
        for _ in range(3):
            i = rng2.randrange(len(lines))
            lines[i] = lines[i] + rng2.choice([" é", "ü=", "名前", "\u00a0", "ſ", "\u212a"])
        out.append("\n".join(lines))
    return out


def _py(rx, text):
    return [(m.span(), m.groups()) for m in rx.finditer(text)]


def test_re2_is_installed_for_the_tests():
    assert fastre.enabled(), "google-re2 is part of the [test] extra so the RE2 path is exercised"
    assert TWINNED


@pytest.mark.parametrize("rule", TWINNED, ids=lambda r: r.id)
def test_re2_twin_matches_exactly_like_python(rule):
    rx = rule.regex.compiled
    twin = fastre.compile_twin(rx)
    for text in _texts(rule):
        got = [(m.span(), m.groups(), {g: m.span(g) for g in rx.groupindex}) for m in fastre.finditer(twin, rx, text)]
        want = [(m.span(), m.groups(), {g: m.span(g) for g in rx.groupindex}) for m in rx.finditer(text)]
        assert got == want, text
        # the engines' resumable loop: search(text, pos) from every match's value end
        spans = [0] + [m.end() for m in rx.finditer(text)] + [m.start() + 1 for m in rx.finditer(text)]
        for pos in sorted(set(p for p in spans if p <= len(text))):
            a, b = fastre.search(twin, rx, text, pos), rx.search(text, pos)
            assert (a is None) == (b is None), (text, pos)
            if a is not None:
                assert (a.span(), a.groups(), {g: a.span(g) for g in rx.groupindex}) == \
                    (b.span(), b.groups(), {g: b.span(g) for g in rx.groupindex}), (text, pos)


def test_translation_details():
    assert fastre.translate(r"a\sb", False) == r"a[\t-\r \x1c-\x1f]b"
    assert fastre.translate(r"[^\s]x{,3}", False) == r"[^\t-\r \x1c-\x1f]x{0,3}"
    t = fastre.compile_twin(re.compile(r"key$"))  # Python's $ also matches before a final newline
    assert t.dollar and t.line_bound and not t.anchored
    assert [m.span() for m in fastre.finditer(t, re.compile(r"key$"), "a\nkey\n")] == [(2, 5)]
    assert not fastre.compile_twin(re.compile(r"a\s+b")).line_bound  # \s takes a newline
    assert fastre.compile_twin(re.compile(r"a[ \t]+b")).line_bound
    assert fastre.compile_twin(re.compile(r"^ab")).anchored
    assert fastre.translate(r"(?m)key$", True) == "key$"
    assert fastre.translate(r"(?m:x$)y", True) is None  # scoped flags are left to Python
    assert fastre.compile_twin(re.compile(r"(?<=k)v")) is None  # look-behind: RE2 refuses


def test_twin_is_used_only_for_large_ascii_text():
    from secretshift.scanner.ruleset import RE2_MIN_CHARS, LazyPattern

    lp = LazyPattern(r"(?i)pass(?P<secret>\d+)")
    mixed = "é\n" + "x" * RE2_MIN_CHARS + "\npass1 ü pass2\npass3\n"
    assert [m.span("secret") for m in lp.finditer(mixed)] == [m.span("secret") for m in lp.compiled.finditer(mixed)]
    big = "x" * RE2_MIN_CHARS + " PASS123"
    got = [(m.span("secret"), m.group("secret")) for m in lp.finditer(big)]
    assert got == [((RE2_MIN_CHARS + 5, RE2_MIN_CHARS + 8), "123")]
    assert lp._twin not in (None, False)  # the RE2 path ran
    small = LazyPattern(r"(?i)pass(?P<secret>\d+)")
    assert [m.group("secret") for m in small.finditer("PASS9")] == ["9"]
    assert small._twin is None  # never built for a small text
