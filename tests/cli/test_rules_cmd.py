"""``secretshift rules`` and ``secretshift explain``."""
from __future__ import annotations

import json

from secretshift.cli import main


def test_rules_lists_every_rule_grouped_by_category_with_counts(capsys):
    from secretshift.commands.rules import format_specific
    from secretshift.scanner.ruleset import load_ruleset

    rules = load_ruleset().rules
    assert main(["rules"]) == 0
    out = capsys.readouterr().out.splitlines()
    specific = [r for r in rules if format_specific(r)]
    services = {r.service for r in specific if r.service}
    assert out[-1] == f"{len(rules)} rules ({len(specific)} format-specific, {len(services)} services)"
    assert sum(line.startswith("SS") for line in out) == len(rules)
    headers = [line for line in out if line and not line.startswith("SS") and line != out[-1]]
    counts = {h.split(":", 1)[0]: int(h.rsplit(": ", 1)[1].split(" rule")[0]) for h in headers}
    assert counts == {c: sum(r.category == c for r in rules) for c in counts} and sum(counts.values()) == len(rules)
    cloud = out.index(next(h for h in headers if h.startswith("cloud:")))
    assert any(line.startswith("SS401  aws-access-key-id") for line in out[cloud:])


def test_rules_json(capsys):
    assert main(["rules", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    ids = [r["id"] for r in doc]
    assert "SS401" in ids and len(ids) == len(set(ids))
    assert {"id", "slug", "engine", "kind", "category", "severity", "confidence", "description", "service",
            "rotation"} <= set(doc[0])


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
