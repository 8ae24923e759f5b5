"""What the rule-class tests ask of a scan: the hardcoded findings of one buffer, with the built-in
rules (tests/scanner is on sys.path for its test modules, so they import this by name)."""
from __future__ import annotations

from secretshift.scanner.models import Finding
from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.scan import scan_text

RULES = load_ruleset()


def hardcoded(text: str, path: str) -> list[Finding]:
    return [f for f in scan_text(text, path, RULES, warn=lambda m: None) if f.kind == "hardcoded"]


def values(text: str, path: str) -> list[tuple[str, str]]:
    """(rule id, value) of each hardcoded finding."""
    return [(f.rule_id, f.value.reveal()) for f in hardcoded(text, path)]


def rule_ids(text: str, path: str) -> list[str]:
    return [f.rule_id for f in hardcoded(text, path)]
