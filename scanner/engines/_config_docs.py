"""Structured configuration documents (YAML/JSON trees from ``_config_tree``): which form a
document is (compose, CloudFormation, Kubernetes, ECS, serverless, GitHub Actions, other) and the
(name, value) pairs each form holds, as ``Hit``s for ``config.py`` to judge."""
from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Iterator

from ._config_text import Hit
from ._config_tree import Map, Node, Scalar, Seq, maps, split_assignment

_ENV_KEYS = {"env", "environment", "environmentvariables", "runtimeenvironmentvariables"}
_CI_VARIABLES_FILES = {".gitlab-ci.yml", ".gitlab-ci.yaml", "azure-pipelines.yml", "azure-pipelines.yaml"}


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


def document(doc: Map, path: str) -> Iterator[Hit]:
    """The candidate (name, value) pairs of one YAML document / JSON value."""
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


# GitHub Actions that fetch secrets from a store: their inputs name the secrets (`secret-ids:
# ALIAS,production/db/postgresql`, Vault's `secrets: path key | VAR`), and migrate writes the first
# of them itself, so a second run must not take its own step for a credential
_SECRET_FETCH_ACTIONS = ("aws-actions/aws-secretsmanager-get-secrets", "hashicorp/vault-action",
                         "google-github-actions/get-secretmanager-secrets", "azure/get-keyvault-secrets",
                         "1password/load-secrets-action", "bitwarden/sm-action", "dopplerhq/secrets-fetch-action",
                         "infisical/secrets-action")


def _fetches_secrets(step: Map) -> bool:
    uses = (step.text("uses") or "").lower()
    return uses.startswith(_SECRET_FETCH_ACTIONS)


def _env_blocks(doc: Map, form: str, extra: tuple[str, ...] = ()) -> Iterator[Hit]:
    keys = _ENV_KEYS | set(extra)
    for m, _path in maps(doc):
        for k, v in m.items:
            if k.value.lower() in keys:
                if form == "actions" and k.value == "with" and _fetches_secrets(m):
                    continue
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
        kind = (m.text("kind") or "").lower()
        if kind == "configmap":  # readable by more people than Secrets; secret names only
            data = m.get("data", fold=False)
            for k, v in data.items if isinstance(data, Map) else ():
                h = _hit("k8s-configmap", k.value, v)
                if h:
                    yield h
        if kind != "secret":
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
