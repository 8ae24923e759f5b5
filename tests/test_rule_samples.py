"""Every rule proves itself: its positive samples are found by that rule, its negatives are not.

Each rule is run alone (as gitleaks validates each rule against its own samples): which rule wins
when several match the same value is a property of the whole ruleset, tested elsewhere.
"""
from __future__ import annotations

import pytest

from secretshift.scanner.ruleset import Ruleset, load_ruleset
from secretshift.scanner.samples import expand
from secretshift.scanner.scan import scan_text

RULESET = load_ruleset()


def _cases(kind: str):
    for r in RULESET.rules:
        for i, s in enumerate(r.positives if kind == "positive" else r.negatives):
            yield pytest.param(r, s, i, id=f"{r.id}-{r.slug}-{kind}{i}")


def _scan(rule, sample, i, kind):
    text = expand(sample.text, f"{rule.id}:{kind}:{i}") + "\n"
    path = sample.path or ("sample.py" if rule.engine in ("python", "env") else "sample.txt")
    alone = Ruleset([rule])
    return text, [f for f in scan_text(text, path, alone, warn=lambda m: None) if f.rule_id == rule.id]


@pytest.mark.parametrize("rule,sample,i", list(_cases("positive")))
def test_positive_sample_is_found(rule, sample, i):
    text, hits = _scan(rule, sample, i, "positive")
    assert hits, f"{rule.id} missed its positive sample #{i}: {sample.text!r}"


@pytest.mark.parametrize("rule,sample,i", list(_cases("negative")))
def test_negative_sample_is_not_found(rule, sample, i):
    text, hits = _scan(rule, sample, i, "negative")
    assert not hits, f"{rule.id} fired on its negative sample #{i}: {sample.text!r}"


def test_ids_and_slugs_unique_and_documented():
    ids = [r.id for r in RULESET.rules]
    assert len(ids) == len(set(ids))
    for r in RULESET.rules:
        assert r.docs.get("what") and r.docs.get("why"), f"{r.id} lacks docs.what/why"


def test_env_name_classification_samples():
    from secretshift.scanner.envnames import is_secret_name, load_samples

    s = load_samples()
    assert [n for n in s["secret"] if not is_secret_name(n)] == []
    assert [n for n in s["non_secret"] if is_secret_name(n)] == []


def test_engine_matcher_lists_agree_with_the_engines():
    from secretshift.scanner.engines import env_reads, python_ast, tables
    from secretshift.scanner.ruleset import ENGINE_MATCHERS

    assert set(ENGINE_MATCHERS["python"]) == set(python_ast.MATCHERS)
    assert set(ENGINE_MATCHERS["env"]) == set(env_reads.MATCHERS)
    assert set(ENGINE_MATCHERS["table"]) == set(tables.MATCHERS)


def test_unknown_matcher_is_refused_naming_the_rule():
    from secretshift.scanner.ruleset import parse_rule
    from secretshift.base.errors import RuleConfigError

    raw = {"id": "SS999", "slug": "x-y", "description": "d", "engine": "python", "matcher": "assignmnet",
           "category": "generic", "severity": "high", "confidence": "low",
           "samples": {"positive": ["a"], "negative": ["b"]}}
    with pytest.raises(RuleConfigError, match=r"team\.yaml: rule SS999: engine python has no matcher 'assignmnet'"):
        parse_rule(raw, "team.yaml")
