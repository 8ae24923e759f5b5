"""The config engine: literal secrets in configuration files, references left alone.

Forms (a rule's ``matcher`` picks one; see docs/config-rules.md):
``dotenv`` (.env, shell ``export``), ``compose`` (environment, build args), ``k8s-env`` (container
``env`` name/value), ``k8s-secret`` (``kind: Secret`` data/stringData, kustomize literals),
``k8s-configmap`` (secret-named ConfigMap data), ``ecs`` (task definition ``environment``),
``cfn-env`` (CloudFormation/SAM environments), ``cfn-property`` (secret-named resource properties
and parameter defaults), ``serverless``, ``actions`` (GitHub Actions ``env``/``with``),
``terraform``, ``dockerfile`` (ENV/ARG), ``config-env`` (environment blocks in other YAML/JSON)
and ``config-lines`` (the line-by-line fallback when a file does not parse).

A name must look like a secret (``scanner.envnames.is_secret_name`` plus the user's globs on the
``FileContext``); the value must be a literal. The value filters in ``scanner.filters`` judge it
afterwards, like every other engine's.
"""
from __future__ import annotations

import re
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Iterable, Iterator

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from ..envnames import is_secret_name
from ..ruleset import Rule
from . import TEMPLATE_NOTE, Candidate, FileContext
from . import _config_text as text_forms
from ._config_text import Hit
from ._config_values import env_style, field_of, judge_base64, names_no_secret, service_of, url_has_credentials

NAME = "config"

# Cheap textual signal: without a key like these a YAML/JSON file is not parsed at all (parsing
# costs about a second per megabyte, the search a millisecond).
_KEYS = (r"(?:env|environment|environmentvariables|resources|kind|args|with|credentials|containerdefinitions|"
         r"stringdata|data|variables|secretgenerator)")
_JSON_SIGNAL = lazy_re(r'"' + _KEYS + r'"\s*:')
_YAML_SIGNAL = lazy_re(_KEYS + r'["\']?[ \t]*:')
_YAML_KEY_PREFIX = lazy_re(r'[ \t]*(?:-[ \t]+)?["\']?')


def has_signal(lang: str, low: str) -> bool:
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
# References, never findings (the value filters catch ${VAR}, {{ x }} and friends as well). An ARN
# names a resource (a role, a secret) and is never itself a credential.
# Command substitution ($(...), backticks) computes the value at run time.
_REFERENCE = lazy_re(r"^\s*(?:\{\{resolve:|arn:aws[\w-]*:|(?:op|vault|awssm|sm|ssm)://|`)|\$\{\{|\$\(", re.I)
# Values that name something instead of being it: a file path (/run/secrets/db-password, the
# compose/k8s way of mounting a secret) or an identifier such as ACTIVEMQ_SECRET_ARN.
# `${NAME:-default}` (compose, shell, dotenv): the reference is fine, a literal default is not.
_DEFAULTED = lazy_re(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:?-(?P<default>[^{}$]+)\}$")
# An expression such as rate(15 days) / cron(0 1 * * ? *) is not a value either.
_NOT_A_VALUE = lazy_re(
    r"^(?:(?:/|~/|\./)[\w.@-]+(?:/[\w.@-]+)+/?|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[a-z_]+\([^()]*\))$")


# Manifests of the External Secrets Operator only name secrets held elsewhere (remoteRef key/property,
# secretKey, the store's auth references): no value in them is a credential, except in a store of
# the "fake" provider, which holds literal test data. A Kubernetes secretKeyRef/configMapKeyRef (or
# an ESO-style remoteRef) names a Secret and one of its keys: a reference too.
_ESO_DOC = lazy_re(r"^apiVersion:[ \t]*['\"]?external-secrets\.io/", re.M)
_DOC_SEP = lazy_re(r"^---[ \t]*(?:#.*)?$", re.M)
_FAKE_PROVIDER = lazy_re(r"^[ \t]+fake:[ \t]*$", re.M)
_REF_MAPS = frozenset({"secretkeyref", "configmapkeyref", "remoteref"})


def reference_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` (YAML) that only reference secrets: External Secrets
    ``ExternalSecret``/``SecretStore`` documents, and the values of ``secretKeyRef``-style maps.
    Other rules' candidates there are dropped (``scan_text``)."""
    out: list[tuple[int, int]] = []
    if "external-secrets.io/" in text:
        bounds = [0] + [m.start() for m in _DOC_SEP.finditer(text)] + [len(text)]
        out += [(a, b) for a, b in zip(bounds, bounds[1:])
                if _ESO_DOC.search(text, a, b) and not _FAKE_PROVIDER.search(text, a, b)]
    low = text.lower()
    if any(k in low for k in ("keyref:", "remoteref:")) and len(text) <= MAX_PARSE_CHARS:
        from ._config_tree import ParseError, Scalar, maps, parse_yaml  # only for a file that has such a map

        try:
            docs = parse_yaml(text)
        except ParseError:
            return out
        for doc in docs:
            for m, path in maps(doc):
                if path and path[-1].lower() in _REF_MAPS:
                    out += [(v.start, v.end) for _, v in m.items if isinstance(v, Scalar)]
    return out


def secret_data_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the values of Kubernetes Secrets' ``data:`` and ``stringData:`` (YAML): the
    config engine judges them (``data:`` decoded from base64, SS304); another rule's candidate there
    is dropped (``scan_text``): a generic rule would report ``data:``'s base64 text as the value, or a
    value SS304 judged a placeholder."""
    low = text.lower()
    if "kind: secret" not in low or len(text) > MAX_PARSE_CHARS:
        return []
    from ._config_tree import Map, ParseError, Scalar, maps, parse_yaml

    try:
        docs = parse_yaml(text)
    except ParseError:
        return []
    out: list[tuple[int, int]] = []
    for doc in docs:
        for m, _path in maps(doc):
            if (m.text("kind") or "").lower() != "secret":
                continue
            for key in ("data", "stringData"):
                block = m.get(key, fold=False)
                if isinstance(block, Map):
                    out += [(v.start, v.end) for _, v in block.items if isinstance(v, Scalar)]
    return out


def run(ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]:
    by_form = {r.matcher: r for r in rules if r.matcher}
    if not by_form:
        return
    seen: set[tuple[int, int]] = set()
    names: dict[str, tuple[str, bool]] = {}  # name -> (UPPER_SNAKE form, is a secret name)
    for hit in _hits(ctx):
        if (hit.start, hit.end) in seen:
            continue
        c = _candidate(ctx, hit, by_form, names)
        if c is not None:
            seen.add((hit.start, hit.end))
            yield c


def _hits(ctx: FileContext) -> Iterator[Hit]:
    # the multi-pattern pass has already checked the rules' keywords (rules/config.yaml): an "=",
    # ENV/ARG, or for YAML/JSON one of the signal words, which has_signal wants as a key
    lang, low = ctx.language, ctx.lower
    if lang == "dotenv":
        yield from text_forms.dotenv(ctx.text)
    elif lang == "shell":
        yield from text_forms.dotenv(ctx.text, shell=True)
    elif lang == "dockerfile":
        yield from text_forms.dockerfile(ctx.text)
    elif lang == "terraform":
        yield from text_forms.terraform(ctx.text)
    elif lang in ("yaml", "json") and has_signal(lang, low):
        from ._config_docs import document  # the tree modules only for a file worth parsing
        from ._config_tree import Map, ParseError, Seq, parse_json, parse_yaml

        if len(ctx.text) > MAX_PARSE_CHARS:
            yield from text_forms.fallback(ctx.text)
            return
        try:
            docs = parse_yaml(ctx.text) if lang == "yaml" else [parse_json(ctx.text)]
        except ParseError as e:
            at = f" (line {e.line})" if e.line else ""
            what = TEMPLATE_NOTE if "{{" in ctx.text else e.what
            ctx.warn(f"not valid {lang.upper()}{at}: {what}; checked line by line instead")
            yield from text_forms.fallback(ctx.text)
            yield from text_forms.flow_pairs(ctx.text)
            return
        for doc in docs:
            for d in (doc.items if isinstance(doc, Seq) else [doc]):
                if isinstance(d, Map):
                    yield from document(d, ctx.path)


# --- from hit to candidate ------------------------------------------------------------------------


def _candidate(ctx: FileContext, hit: Hit, by_form: dict[str, Rule],
               names: dict[str, tuple[str, bool]]) -> Candidate | None:
    rule = by_form.get(hit.form)
    if rule is None:
        return None
    known = names.get(hit.name)
    if known is None:
        sym = env_style(hit.name)
        known = names[hit.name] = (sym, is_secret_name(sym, ctx.secret_names, ctx.non_secret_names))
    symbol, secret_name = known
    if not secret_name and (hit.check_name or names_no_secret(symbol)):
        return None
    value, skip, start, end = hit.value, False, hit.start, hit.end
    if _REFERENCE.search(value):
        return None
    d = _DEFAULTED.match(value)
    if d:
        value = d.group("default")
        if hit.exact:
            start, end = start + d.start("default"), start + d.end("default")
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
    return Candidate(rule=rule, start=start, end=end, value=value, symbol=hit.name,
                     service=service, field=field or rule.field, skip_filters=skip)
