"""The config engine: literal secrets in configuration files, references left alone.

Forms (a rule's ``matcher`` picks one; see docs/config-rules.md):
``dotenv`` (.env, shell ``export``), ``compose`` (environment, build args), ``k8s-env`` (container
``env`` name/value), ``k8s-secret`` (``kind: Secret`` data/stringData), ``ecs`` (task definition
``environment``), ``cfn-env`` (CloudFormation/SAM ``Environment.Variables``), ``cfn-property``
(secret-named resource properties and parameter defaults), ``serverless``, ``actions`` (GitHub
Actions ``env``/``with``), ``terraform``, ``dockerfile`` (ENV/ARG) and ``config-env`` (environment
blocks in other YAML/JSON, and the line-by-line fallback when a file does not parse).

A name must look like a secret (``scanner.envnames.is_secret_name`` plus the user's globs on the
``FileContext``); the value must be a literal. The value filters in ``scanner.filters`` judge it
afterwards, like every other engine's.
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from ..envnames import is_secret_name
from ..ruleset import Rule
from . import Candidate, FileContext
from . import _config_text as text_forms
from ._config_text import Hit
from ._config_tree import Map, Node, ParseError, Scalar, Seq, maps, parse_json, parse_yaml, split_assignment
from ._config_values import env_style, field_of, judge_base64, names_no_secret, service_of, url_has_credentials

NAME = "config"

# Cheap textual signal: without a key like these a YAML/JSON file is not parsed at all (parsing
# costs about a second per megabyte, the search a millisecond).
_KEYS = (r"(?:env|environment|environmentvariables|resources|kind|args|with|credentials|containerdefinitions|"
         r"stringdata|data|variables|secretgenerator)")
_JSON_SIGNAL = re.compile(r'"' + _KEYS + r'"\s*:')
_YAML_SIGNAL = re.compile(_KEYS + r'["\']?[ \t]*:')
_YAML_KEY_PREFIX = re.compile(r'[ \t]*(?:-[ \t]+)?["\']?')


def _has_signal(lang: str, low: str) -> bool:
    """Does the (lower-cased) text have one of the keys above as a key? Run on ``ctx.lower``
    without re.I: a case-insensitive, line-anchored regex is ten times slower."""
    if lang == "json":
        return _JSON_SIGNAL.search(low) is not None
    for m in _YAML_SIGNAL.finditer(low):
        line_start = low.rfind("\n", 0, m.start()) + 1
        if _YAML_KEY_PREFIX.fullmatch(low, line_start, m.start()):
            return True
    return False


# Larger structured files are checked line by line instead of parsed.
MAX_PARSE_CHARS = 2_000_000
_ENV_KEYS = {"env", "environment", "environmentvariables", "runtimeenvironmentvariables"}
_CI_VARIABLES_FILES = {".gitlab-ci.yml", ".gitlab-ci.yaml", "azure-pipelines.yml", "azure-pipelines.yaml"}
# References, never findings (the value filters catch ${VAR}, {{ x }} and friends as well). An ARN
# names a resource (a role, a secret) and is never itself a credential.
_REFERENCE = re.compile(r"^\s*(?:\{\{resolve:|arn:aws[\w-]*:|(?:op|vault|awssm|sm|ssm)://)|\$\{\{", re.I)
# Values that name something instead of being it: a file path (/run/secrets/db-password, the
# compose/k8s way of mounting a secret) or an identifier such as ACTIVEMQ_SECRET_ARN.
# An expression such as rate(15 days) / cron(0 1 * * ? *) is not a value either.
_NOT_A_VALUE = re.compile(
    r"^(?:(?:/|~/|\./)[\w.@-]+(?:/[\w.@-]+)+/?|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z_]+\([^()]*\))$")


def run(ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]:
    by_form = {r.matcher: r for r in rules if r.matcher}
    if not by_form:
        return
    seen: set[tuple[int, int]] = set()
    for hit in _hits(ctx):
        if (hit.start, hit.end) in seen:
            continue
        c = _candidate(ctx, hit, by_form)
        if c is not None:
            seen.add((hit.start, hit.end))
            yield c


def _hits(ctx: FileContext) -> Iterator[Hit]:
    lang, low = ctx.language, ctx.lower
    if lang == "dotenv":
        yield from text_forms.dotenv(ctx.text)
    elif lang == "shell":
        if "=" in low:
            yield from text_forms.dotenv(ctx.text, shell=True)
    elif lang == "dockerfile":
        if "env" in low or "arg" in low:
            yield from text_forms.dockerfile(ctx.text)
    elif lang == "terraform":
        if "=" in low:
            yield from text_forms.terraform(ctx.text)
    elif lang in ("yaml", "json") and _has_signal(lang, low):
        if len(ctx.text) > MAX_PARSE_CHARS:
            yield from text_forms.fallback(ctx.text)
            return
        try:
            docs = parse_yaml(ctx.text) if lang == "yaml" else [parse_json(ctx.text)]
        except ParseError as e:
            at = f" (line {e.line})" if e.line else ""
            what = "a template (Helm/Go {{ }})" if "{{" in ctx.text else e.what
            ctx.warn(f"not valid {lang.upper()}{at}: {what}; checked line by line instead")
            yield from text_forms.fallback(ctx.text)
            return
        for doc in docs:
            for d in (doc.items if isinstance(doc, Seq) else [doc]):
                if isinstance(d, Map):
                    yield from _document(d, ctx.path)


# --- structured documents -------------------------------------------------------------------------


def _classify(doc: Map, path: str) -> str:
    keys = {k.value for k, _ in doc.items}
    if "jobs" in keys and ("/.github/workflows/" in "/" + path or "on" in keys or "true" in keys):
        return "actions"
    res = doc.get("Resources", fold=False)
    if "AWSTemplateFormatVersion" in keys or (isinstance(res, Map) and any(
            isinstance(v, Map) and str(v.text("Type") or "").startswith(("AWS::", "Custom::")) for _, v in res.items)):
        return "cfn"
    if "containerDefinitions" in keys or isinstance(doc.get("taskDefinition"), Map):
        return "ecs"
    if "provider" in keys and ("functions" in keys or "service" in keys):
        return "serverless"
    services = doc.get("services")
    if isinstance(services, Map) and ("compose" in path.lower() or any(
            isinstance(v, Map) and (v.get("image") or v.get("build")) for _, v in services.items)):
        return "compose"
    if "apiVersion" in keys and "kind" in keys:
        return "k8s"
    return "generic"


def _document(doc: Map, path: str) -> Iterator[Hit]:
    form = _classify(doc, path)
    gen = doc.get("secretGenerator", fold=False)
    if isinstance(gen, Seq):  # kustomization.yaml
        yield from _kustomize_literals(gen)
    if form == "compose":
        yield from _compose(doc)
    elif form == "cfn":
        yield from _env_blocks(doc, "cfn-env")
        yield from _cfn_properties(doc)
    elif form == "k8s":
        yield from _env_blocks(doc, "k8s-env")
        yield from _k8s_secrets(doc)
    elif form == "actions":
        yield from _env_blocks(doc, "actions", extra=("with", "credentials"))
    elif form == "generic" and path.rsplit("/", 1)[-1] in _CI_VARIABLES_FILES:
        yield from _env_blocks(doc, "config-env", extra=("variables",))
    else:
        yield from _env_blocks(doc, {"ecs": "ecs", "serverless": "serverless"}.get(form, "config-env"))


def _pairs(node: Node, depth: int = 0) -> Iterator[tuple[str, Node]]:
    """(name, value node) of an environment block in any of its shapes: a mapping (with CFN's
    ``Variables`` level and YAML merge keys), a list of ``{name, value}`` mappings (k8s, ECS,
    CodeBuild), or a list of ``KEY=value`` strings (compose)."""
    if depth > 4:
        return
    if isinstance(node, Map):
        variables = node.get("Variables")
        if isinstance(variables, Map):
            yield from _pairs(variables, depth + 1)
            return
        for k, v in node.items:
            if k.value == "<<":
                for m in (v.items if isinstance(v, Seq) else [v]):
                    yield from _pairs(m, depth + 1)
            else:
                yield k.value, v
    elif isinstance(node, Seq):
        for item in node.items:
            if isinstance(item, Map):
                name, value = item.text("name"), item.get("value")
                typ = (item.text("type") or "").upper()
                if name and typ not in ("SECRETS_MANAGER", "PARAMETER_STORE"):
                    yield name, value
            elif isinstance(item, Scalar):
                kv = split_assignment(item)
                if kv:
                    yield kv


def _hit(form: str, name: str, node: Node, check_name: bool = True, service: str | None = None) -> Hit | None:
    if not isinstance(node, Scalar) or not node.literal or not node.value:
        return None
    h = Hit(form, name, node.value, node.start, node.end, node.exact, service=service)
    h.check_name = check_name
    return h


def _env_blocks(doc: Map, form: str, extra: tuple[str, ...] = ()) -> Iterator[Hit]:
    keys = _ENV_KEYS | set(extra)
    for m, _path in maps(doc):
        for k, v in m.items:
            if k.value.lower() in keys:
                for name, node in _pairs(v):
                    h = _hit(form, name, node)
                    if h:
                        yield h


def _compose(doc: Map) -> Iterator[Hit]:
    services = doc.get("services")
    assert isinstance(services, Map)
    for _, svc in services.items:
        if not isinstance(svc, Map):
            continue
        blocks = [svc.get("environment")]
        build = svc.get("build")
        if isinstance(build, Map):
            blocks.append(build.get("args"))
        for block in blocks:
            for name, node in _pairs(block):
                h = _hit("compose", name, node)
                if h:
                    yield h


_ENGINE_SERVICE = (("postgres", "postgresql"), ("mysql", "mysql"), ("mariadb", "mysql"), ("redis", "redis"),
                   ("mongo", "mongodb"), ("docdb", "mongodb"), ("sqlserver", "sqlserver"), ("oracle", "oracle"))


def _cfn_properties(doc: Map) -> Iterator[Hit]:
    params = doc.get("Parameters", fold=False)
    if isinstance(params, Map):
        for k, p in params.items:
            if isinstance(p, Map) and not (p.text("Type") or "").startswith("AWS::SSM::Parameter"):
                no_echo = (p.text("NoEcho") or "").lower() == "true"
                h = _hit("cfn-property", k.value, p.get("Default"), check_name=not no_echo)
                if h:
                    yield h
    res = doc.get("Resources", fold=False)
    if not isinstance(res, Map):
        return
    for _, r in res.items:
        props = r.get("Properties") if isinstance(r, Map) else None
        if not isinstance(props, Map):
            continue
        engine = (props.text("Engine") or "").lower()
        service = next((s for e, s in _ENGINE_SERVICE if e in engine), None) if engine else None
        for m, path in maps(props):
            if any(p.lower() in _ENV_KEYS or p == "GenerateSecretString" for p in path):
                continue  # environment blocks are cfn-env's; generation templates hold no value
            option = m.text("OptionName")  # Elastic Beanstalk OptionSettings: the option is the name
            if option and (m.text("Namespace") or "").endswith(":environment"):
                h = _hit("cfn-env", option, m.get("Value"))
                if h:
                    yield h
                continue
            for k, v in m.items:
                if k.value.lower() not in _ENV_KEYS:
                    h = _hit("cfn-property", k.value, v, service=service)
                    if h:
                        yield h


def _k8s_secrets(doc: Map) -> Iterator[Hit]:
    for m, _path in maps(doc):
        if (m.text("kind") or "").lower() != "secret":
            continue
        for key, decoded in (("data", True), ("stringData", False)):
            block = m.get(key, fold=False)
            if not isinstance(block, Map):
                continue
            for k, v in block.items:
                h = _hit("k8s-secret", k.value, v, check_name=False)
                if h:
                    h.decoded = decoded
                    yield h


def _kustomize_literals(gen: Seq) -> Iterator[Hit]:
    """``secretGenerator[].literals: ["KEY=value"]``: a Secret's values, every name counts."""
    for g in gen.items:
        lits = g.get("literals") if isinstance(g, Map) else None
        for item in lits.items if isinstance(lits, Seq) else ():
            kv = split_assignment(item) if isinstance(item, Scalar) else None
            h = _hit("k8s-secret", kv[0], kv[1], check_name=False) if kv else None
            if h:
                yield h


# --- from hit to candidate ------------------------------------------------------------------------


def _candidate(ctx: FileContext, hit: Hit, by_form: dict[str, Rule]) -> Candidate | None:
    rule = by_form.get(hit.form)
    if rule is None:
        return None
    symbol = env_style(hit.name)
    secret_name = is_secret_name(symbol, ctx.secret_names, ctx.non_secret_names)
    if not secret_name and (hit.check_name or names_no_secret(symbol)):
        return None
    value, skip = hit.value, False
    if _REFERENCE.search(value):
        return None
    if hit.decoded:
        judged = judge_base64(value)
        if judged is not None:
            value, skip = judged
            if not value:  # decodes to something that is not a secret
                return None
    if _NOT_A_VALUE.match(value):
        return None
    field = field_of(symbol)
    if field == "url" and not url_has_credentials(symbol, value):
        return None
    service = hit.service or service_of(symbol) or rule.service
    return Candidate(rule=rule, start=hit.start, end=hit.end, value=value, symbol=hit.name,
                     service=service, field=field or rule.field, skip_filters=skip)
