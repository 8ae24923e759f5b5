"""SARIF 2.1.0 for code-scanning upload: rules in ruleset order, partialFingerprints, no values."""
from __future__ import annotations

import json
from typing import Any, TextIO

from secretshift.scanner.models import ScanResult
from secretshift.scanner.ruleset import Rule, Ruleset

from .. import __version__

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note"}
_SCORE = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
INFO_URI = "https://github.com/secretshift/secretshift"


def _rule(r: Rule) -> dict[str, Any]:
    help_md = "\n\n".join(f"**{k.replace('_', ' ').capitalize()}:** {v}" for k, v in r.docs.items())
    return {
        "id": r.id,
        "name": "".join(p.capitalize() for p in r.slug.split("-")),
        "shortDescription": {"text": r.description},
        "fullDescription": {"text": r.docs.get("what", r.description)},
        "help": {"text": help_md or r.description, "markdown": help_md or r.description},
        "defaultConfiguration": {"level": _LEVEL[r.severity]},
        "properties": {
            "tags": ["security", "secret", f"category:{r.category}", "external/cwe/cwe-798"],
            "security-severity": _SCORE[r.severity],
            "precision": {"high": "high", "medium": "medium", "low": "low"}[r.confidence],
            "slug": r.slug,
        },
    }


def document(result: ScanResult, ruleset: Ruleset) -> dict[str, Any]:
    index = {r.id: i for i, r in enumerate(ruleset.rules)}
    results = []
    for f in result.findings:
        what = (f"{f.description} (value {f.masked})" if f.kind == "hardcoded"
                else f"{f.description} (variable {f.symbol})")
        res: dict[str, Any] = {
            "ruleId": f.rule_id,
            "level": _LEVEL.get(f.severity, "warning"),
            "message": {"text": what},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": f.file, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": f.line, "startColumn": f.column,
                               "endLine": f.end_line, "endColumn": max(f.end_column, 1)},
                }
            }],
            "partialFingerprints": {"secretshift/v1": f.fingerprint},
            "properties": {"kind": f.kind, "category": f.category, "confidence": f.confidence},
        }
        if f.rule_id in index:
            res["ruleIndex"] = index[f.rule_id]
        results.append(res)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "secretshift",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFO_URI,
                "rules": [_rule(r) for r in ruleset.rules],
            }},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }


def write(result: ScanResult, ruleset: Ruleset, out: TextIO, color: bool = False) -> None:
    json.dump(document(result, ruleset), out, indent=2, ensure_ascii=False)
    out.write("\n")
