"""``secretshift rules`` and ``secretshift explain``: the rule catalogue, rendered from rules/*.yaml."""
from __future__ import annotations

import click

_HEADINGS = (("what", "What it does"), ("why", "Why is this bad?"), ("example", "Example"),
             ("use_instead", "Use instead"), ("fix_safety", "Fix safety"), ("references", "References"))


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_cmd(fmt: str) -> int:
    """List every detection rule: code, slug, engine, category, severity."""
    from secretshift.scanner.ruleset import load_ruleset

    rs = load_ruleset()
    if fmt == "json":
        import json

        click.echo(json.dumps([{"id": r.id, "slug": r.slug, "engine": r.engine, "kind": r.kind,
                                "category": r.category, "severity": r.severity, "confidence": r.confidence,
                                "description": r.description} for r in rs.rules], indent=2))
        return 0
    for r in rs.rules:
        click.echo(f"{r.id}  {r.slug:<40} {r.engine:<7} {r.category:<8} {r.severity:<9} {r.description}")
    click.echo(f"{len(rs.rules)} rules")
    return 0


@click.command("explain")
@click.argument("rule")
def explain_cmd(rule: str) -> int:
    """Print the documentation of RULE (a code like SS105 or a slug)."""
    from secretshift.scanner.ruleset import load_ruleset

    rs = load_ruleset()
    r = rs.get(rule) or next((x for x in rs.rules if x.slug == rule.lower()), None)
    if r is None:
        raise click.BadParameter(f"no rule '{rule}' (see 'secretshift rules')", param_hint="RULE")
    click.echo(f"{r.id} {r.slug}")
    click.echo(f"{r.description}\n")
    click.echo(f"engine: {r.engine}   kind: {r.kind}   category: {r.category}   severity: {r.severity}   "
               f"confidence: {r.confidence}   CWE-798")
    if r.engine == "code":
        from secretshift.scanner.engines.code import LANGUAGES

        click.echo(f"languages: {', '.join(LANGUAGES)} (tree-sitter; docs/code-engine.md)")
    for key, title in _HEADINGS:
        if key in r.docs:
            click.echo(f"\n## {title}\n{r.docs[key].rstrip()}")
    return 0
