"""The scan plan judges rules' path conditions once per extension where only `*.ext` globs decide:
the rules it gives a path must be exactly those whose conditions admit that path."""
from __future__ import annotations

import copy

import pytest

from secretshift.scanner import scan as S
from secretshift.scanner.ruleset import Ruleset, load_ruleset

PATHS = ["app/settings.py", "settings.PY", "x/.env", "deploy/values.yaml", "docs/readme.md", "a/b/c.tar.gz",
         "src/main.test.js", "noext", ".hidden", "tests/fixtures/conf.py", "config/secrets.yml",
         "k8s/prod/secret.yaml", "web/.npmrc", "Dockerfile", "ci/pipeline.py"]


def _rules():
    rules = [copy.copy(r) for r in load_ruleset().rules]
    gen = [r for r in rules if r.engine == "regex"][:3]
    gen[0].paths = ("*.py", "*.yaml")  # extension globs only
    gen[1].exclude_paths = ("tests/*", "*.md")  # a directory glob: judged per path
    gen[2].allow_paths = ("k8s/*",)
    return rules


@pytest.mark.parametrize("rel", PATHS)
def test_rules_for_a_path_are_those_whose_conditions_admit_it(rel):
    rules = _rules()
    plan = S._Plan(Ruleset(rules))
    for other in PATHS:  # warm the per-extension verdicts with every other path first
        plan.active(("regex", "python", "code", "config"), other)
    for engine in ("regex", "python", "code", "config"):
        want = [r for r in rules if r.engine == engine and S._rule_applies(r, rel)]
        assert plan.rules_for(engine, rel) == want, (engine, rel)
