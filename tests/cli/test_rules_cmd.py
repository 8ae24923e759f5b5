"""``secretshift rules`` and ``secretshift explain``."""
from __future__ import annotations

import json

from secretshift.cli import main


def test_rules_lists_every_rule(capsys):
    from secretshift.scanner.ruleset import load_ruleset

    assert main(["rules"]) == 0
    out = capsys.readouterr().out.splitlines()
    n = len(load_ruleset().rules)
    assert out[-1] == f"{n} rules"
    assert any(line.startswith("SS401  aws-access-key-id") for line in out)


def test_rules_json(capsys):
    assert main(["rules", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    ids = [r["id"] for r in doc]
    assert "SS401" in ids and len(ids) == len(set(ids))
    assert {"id", "slug", "engine", "kind", "category", "severity", "confidence", "description"} <= set(doc[0])


def test_explain_by_code_and_by_slug(capsys):
    assert main(["explain", "SS401"]) == 0
    by_code = capsys.readouterr().out
    assert by_code.startswith("SS401 aws-access-key-id")
    assert "## What it does" in by_code and "## Why is this bad?" in by_code
    assert main(["explain", "aws-access-key-id"]) == 0
    assert capsys.readouterr().out == by_code
    assert main(["explain", "ss401"]) == 0
    assert capsys.readouterr().out == by_code


def test_explain_unknown_rule_is_one_line_exit_2(capsys):
    assert main(["explain", "SS000"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "SS000" in err[0]
