"""The keyword prefilter decides which regex rules run on a file."""
from __future__ import annotations

from secretshift.scanner.prefilter import RE2_MIN_CHARS, Prefilter
from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.samples import expand
from secretshift.scanner.scan import scan_text

RS = load_ruleset()
REGEX_RULES = [r for r in RS.rules if r.engine == "regex"]


def test_large_text_without_any_keyword_selects_only_keywordless_rules():
    text = "x = 1\n" * (RE2_MIN_CHARS // 6 + 10)  # large enough for the one-pass keyword set
    chosen = Prefilter(REGEX_RULES).select(text, text.lower(), REGEX_RULES)
    assert chosen and all(not r.keywords for r in chosen)


def test_large_file_with_one_secret_among_filler_is_found():
    key = expand("AKIA{{rand:b32:16}}", "prefilter-large")
    text = "x = 1\n" * (RE2_MIN_CHARS // 6 + 10) + f'AWS_KEY = "{key}"\n'
    found = [f for f in scan_text(text, "big.txt", RS, warn=lambda m: None) if f.rule_id == "SS401"]
    assert [f.line for f in found] == [text.count("\n")]
