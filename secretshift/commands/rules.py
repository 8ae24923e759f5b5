"""``secretshift rules`` and ``secretshift explain``: the rule catalogue, rendered from rules/*.yaml."""
from __future__ import annotations

from typing import Any, Iterable

import click

_HEADINGS = (("what", "What it does"), ("why", "Why is this bad?"), ("example", "Example"),
             ("use_instead", "Use instead"), ("fix_safety", "Fix safety"), ("references", "References"))
CATEGORY_TITLES = {
    "api": "API keys and tokens of SaaS services", "oauth": "OAuth client secrets and tokens",
    "cloud": "cloud providers", "db": "databases and connection strings", "ssh": "private keys",
    "ssl": "TLS keys and keystores", "generic": "generic (any service, by name or form)",
}


def format_specific(rule: Any) -> bool:
    """A rule that recognises one format (a vendor's token, a key file, a connection URL), as
    opposed to the generic rules that judge a value by the name it is assigned to."""
    return rule.engine == "regex" and rule.kind == "hardcoded" and rule.category != "generic"


def catalogue(rules: Iterable[Any]) -> dict[str, list[Any]]:
    """Rules grouped by category (in the order of ``CATEGORY_TITLES``), each group in code order."""
    groups: dict[str, list[Any]] = {c: [] for c in CATEGORY_TITLES}
    for r in sorted(rules, key=lambda r: r.id):
        groups.setdefault(r.category, []).append(r)
    return {c: rs for c, rs in groups.items() if rs}


def _n(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def summary(rules: list[Any]) -> str:
    specific = [r for r in rules if format_specific(r)]
    services = {r.service for r in specific if r.service}
    return f"{_n(len(rules), 'rule')} ({len(specific)} format-specific, {_n(len(services), 'service')})"


def markdown(rules: list[Any]) -> str:
    """The catalogue of docs/rules.md: per category a table, then every service covered."""
    out = [summary(rules) + ".", ""]
    for cat, rs in catalogue(rules).items():
        out += [f"### {cat}: {CATEGORY_TITLES.get(cat, cat)} ({_n(len(rs), 'rule')})", "",
                "| code | slug | engine | service / field | severity | rotation |", "|---|---|---|---|---|---|"]
        for r in rs:
            where = " / ".join(x for x in (r.service, r.field) if x) or "-"
            out.append(f"| {r.id} | `{r.slug}` | {r.engine} | {where} | {r.severity} | {r.rotation or '-'} |")
        out.append("")
    services: dict[str, list[str]] = {}
    for r in rules:
        if format_specific(r) and r.service:
            services.setdefault(r.service, []).append(r.id)
    out += [f"### Services covered ({len(services)})", ""]
    out += [", ".join(f"{s} ({len(ids)})" for s, ids in sorted(services.items())), ""]
    return "\n".join(out)


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text", show_default=True)
def rules_cmd(fmt: str) -> int:
    """List every detection rule, grouped by category: code, slug, engine, severity, service."""
    from secretshift.scanner.ruleset import load_ruleset

    rs = load_ruleset()
    if fmt == "json":
        import json

        click.echo(json.dumps([{"id": r.id, "slug": r.slug, "engine": r.engine, "kind": r.kind,
                                "category": r.category, "severity": r.severity, "confidence": r.confidence,
                                "service": r.service, "field": r.field, "rotation": r.rotation,
                                "description": r.description} for r in rs.rules], indent=2))
        return 0
    if fmt == "markdown":
        click.echo(markdown(rs.rules), nl=False)
        return 0
    for cat, group in catalogue(rs.rules).items():
        services = {r.service for r in group if r.service}
        click.echo(f"{cat}: {CATEGORY_TITLES.get(cat, cat)}: {_n(len(group), 'rule')}, {_n(len(services), 'service')}")
        for r in group:
            click.echo(f"{r.id}  {r.slug:<40} {r.engine:<7} {r.severity:<9} {(r.service or '-'):<16} {r.description}")
        click.echo("")
    click.echo(summary(rs.rules))
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
    if r.service:
        click.echo(f"service: {r.service}   field: {r.field or '-'}   rotation: {r.rotation or '-'}")
    if r.engine == "code":
        from secretshift.scanner.engines.code import LANGUAGES

        click.echo(f"languages: {', '.join(LANGUAGES)} (tree-sitter; docs/code-engine.md)")
    for key, title in _HEADINGS:
        if key in r.docs:
            click.echo(f"\n## {title}\n{r.docs[key].rstrip()}")
    return 0
