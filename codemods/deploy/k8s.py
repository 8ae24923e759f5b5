"""Kubernetes manifests (YAML, External Secrets Operator ``external-secrets.io/v1``).

- A ``Secret`` holding literals (``data``/``stringData``) is replaced, in place, by an
  ``ExternalSecret`` that produces a Secret of the same name and keys: each migrated key comes from
  Secrets Manager (``remoteRef.key`` = secret name, ``property`` = JSON key); a key that holds no
  migrated value stays a literal of the target template (``mergePolicy: Merge``); the Secret's type
  is kept (``target.template.type``).
- A container ``env`` entry with a literal ``value:`` becomes ``valueFrom.secretKeyRef`` to a Secret
  ``<workload>-secretshift``, produced by an ``ExternalSecret`` appended to the same file.
- One ``SecretStore`` per namespace (``aws-secrets-manager``, IRSA through the ``external-secrets``
  service account) is written once, next to the first manifest edited.

Everything outside the replaced document or entry is kept byte for byte.
"""
from __future__ import annotations

import base64
import binascii
import posixpath
from typing import Dict, List, Optional, Sequence, Tuple

from ..targets import RewriteTarget
from .base import APPLIED, SKIPPED, UNSAFE, Edit, FileRewrite, Options, Outcome, offset_of, value_matches
from .spans import N, SpanError, apply_checked, column, indent_unit, parse_or_skip, parse_yaml, scalar_at
from .textedit import quoted

API = "external-secrets.io/v1"
DQ = '"'
STORE_FILE = "secretshift-secretstore.yaml"
NOTE_SECRET = ("the Secret is now an ExternalSecret (External Secrets Operator) producing the same Secret name and "
               "keys from Secrets Manager; it refreshes every hour, so a rotation reaches the cluster without a deploy")
NOTE_ENV = ("the value now comes from Secret {secret} (key {key}) through secretKeyRef; an ExternalSecret in this file "
            "produces it from Secrets Manager")


def _q(v: str) -> str:
    return quoted(v, "", False)


def _decode(v: str) -> Optional[str]:
    try:
        return base64.b64decode("".join(v.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None


def external_secret(name: str, namespace: Optional[str], remote: Sequence[Tuple[str, str, Optional[str]]],
                    store: str, unit: int = 2, secret_type: Optional[str] = None,
                    literals: Optional[Dict[str, str]] = None, labels: Optional[Dict[str, str]] = None) -> str:
    """The YAML of an ExternalSecret producing Secret ``name`` with ``remote`` (key, secret id, JSON key)."""
    i = " " * unit
    lines = [f"apiVersion: {API}", "kind: ExternalSecret", "metadata:", f"{i}name: {_q(name)}"]
    if namespace:
        lines.append(f"{i}namespace: {_q(namespace)}")
    if labels:
        lines.append(f"{i}labels:")
        lines += [f"{i}{i}{_q(k)}: {_q(v)}" for k, v in labels.items()]
    lines += ["spec:", f"{i}refreshInterval: 1h", f"{i}secretStoreRef:", f"{i}{i}kind: SecretStore",
              f"{i}{i}name: {_q(store)}", f"{i}target:", f"{i}{i}name: {_q(name)}", f"{i}{i}creationPolicy: Owner"]
    if (secret_type and secret_type != "Opaque") or literals:
        lines.append(f"{i}{i}template:")
        if secret_type and secret_type != "Opaque":
            lines.append(f"{i}{i}{i}type: {_q(secret_type)}")
        if literals:
            lines += [f"{i}{i}{i}mergePolicy: Merge", f"{i}{i}{i}data:"]
            lines += [f"{i}{i}{i}{i}{_q(k)}: {quoted(v, DQ, False)}" for k, v in literals.items()]
    lines.append(f"{i}data:")
    for key, sid, prop in remote:
        lines += [f"{i}{i}- secretKey: {_q(key)}", f"{i}{i}{i}remoteRef:", f"{i}{i}{i}{i}key: {_q(sid)}"]
        if prop:
            lines.append(f"{i}{i}{i}{i}property: {_q(prop)}")
    return "\n".join(lines) + "\n"


def secret_store(namespace: Optional[str], region: str, store: str, unit: int = 2) -> str:
    i = " " * unit
    lines = [f"apiVersion: {API}", "kind: SecretStore", "metadata:", f"{i}name: {_q(store)}"]
    if namespace:
        lines.append(f"{i}namespace: {_q(namespace)}")
    lines += ["spec:", f"{i}provider:", f"{i}{i}aws:", f"{i}{i}{i}service: SecretsManager",
              f"{i}{i}{i}region: {_q(region)}", f"{i}{i}{i}auth:", f"{i}{i}{i}{i}jwt:",
              f"{i}{i}{i}{i}{i}serviceAccountRef:", f"{i}{i}{i}{i}{i}{i}name: external-secrets"]
    return "\n".join(lines) + "\n"


def store_file(existing: Optional[str], namespaces: Sequence[Optional[str]], region: str, store: str) -> Optional[str]:
    """The SecretStore file with a store for each namespace not yet in it (None: nothing to add)."""
    have: set = set()
    if existing:
        try:
            for d in parse_yaml(existing):
                if d.kind == "map" and d.text_of("kind") == "SecretStore":
                    md = d.get("metadata")
                    have.add(md.text_of("namespace") if md is not None and md.kind == "map" else None)
        except SpanError:
            return None
    add = [secret_store(ns, region, store) for ns in dict.fromkeys(namespaces) if ns not in have]
    if not add:
        return None
    head = ("# SecretStore for the ExternalSecrets secretshift wrote (External Secrets Operator). The operator's\n"
            "# service account 'external-secrets' needs an IAM role (IRSA) allowed secretsmanager:GetSecretValue.\n")
    body = "---\n".join(add)
    if existing:
        return existing + ("" if existing.endswith("\n") else "\n") + "---\n" + body
    return head + body


def _meta(doc: N) -> Tuple[str, Optional[str]]:
    md = doc.get("metadata")
    if md is None or md.kind != "map":
        return "", None
    return md.text_of("name") or "", md.text_of("namespace")


def rewrite(text: str, path: str, targets: Sequence[RewriteTarget], options: Options) -> FileRewrite:
    rw = FileRewrite(path, text, text, "kubernetes")
    docs = parse_or_skip(text, path, targets, rw, "YAML (a Helm template?)")
    if docs is None:
        return rw
    unit = indent_unit(text)
    edits: List[Edit] = []
    namespaces: List[Optional[str]] = []
    by_doc: Dict[int, List[Tuple[RewriteTarget, N]]] = {}
    env_by_doc: Dict[int, List[Tuple[RewriteTarget, N]]] = {}
    for t in targets:
        off = offset_of(text, t.line, t.column)
        doc = next((d for d in docs if off is not None and d.start <= off <= d.end), None)
        node = scalar_at(doc, off) if doc is not None else None
        if node is None:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: no value at this position"))
            continue
        p = node.path()
        if doc.text_of("kind") == "Secret" and len(p) == 2 and p[0] in ("data", "stringData"):
            value = _decode(node.value or "") if p[0] == "data" else node.value
            if p[0] == "data" and not value_matches(value, t) and value_matches(node.value, t):
                value = node.value  # a rule that reported the base64 text itself
            if not value_matches(value, t):
                rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: value does not match"))
                continue
            rw.secrets_seen += [value, node.value]
            by_doc.setdefault(id(doc), []).append((t, node))
        elif node.key is not None and node.key.value == "value" and node.parent.kind == "map" \
                and node.parent.text_of("name") and node.parent.parent is not None \
                and node.parent.parent.kind == "seq" and node.parent.parent.key is not None \
                and node.parent.parent.key.value == "env":
            if not value_matches(node.value, t):
                rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: value does not match"))
                continue
            rw.secrets_seen.append(node.value)
            env_by_doc.setdefault(id(doc), []).append((t, node))
        else:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: not a Secret's data or a container env "
                                                         "value (ConfigMaps and generators: change by hand)"))
    docs_by_id = {id(d): d for d in docs}
    for did, items in by_doc.items():
        doc = docs_by_id[did]
        name, ns = _meta(doc)
        targeted = {id(n): t for t, n in items}
        remote, literals, bad = [], {}, ""
        for section in ("data", "stringData"):
            block = doc.get(section)
            for k, v in (block.entries if block is not None and block.kind == "map" else []):
                t = targeted.get(id(v))
                if t is not None:
                    remote.append((k.value, t.secret_id, t.json_key))
                elif v.kind == "scalar":
                    lit = _decode(v.value or "") if section == "data" else v.value
                    if lit is None:
                        bad = f"key {k.value} is binary data: keep it in a Secret of its own"
                    elif "{{" in lit:
                        bad = f"key {k.value} holds '{{{{', which an ExternalSecret template would evaluate"
                    literals[k.value] = lit or ""
        if bad or not name:
            for t, _ in items:
                rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: {bad or 'the Secret has no name'}"))
            continue
        md = doc.get("metadata")
        labels_node = md.get("labels") if md is not None and md.kind == "map" else None
        labels = {k.value: v.value for k, v in labels_node.entries if v.kind == "scalar"} \
            if labels_node is not None and labels_node.kind == "map" else None
        es = external_secret(name, ns, remote, options.secret_store, unit, doc.text_of("type"), literals or None,
                             labels)
        edits.append(Edit(doc.start, _doc_end(text, doc), es))
        namespaces.append(ns)
        for t, _ in items:
            rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE_SECRET))
    for did, items in env_by_doc.items():
        doc = docs_by_id[did]
        wname, ns = _meta(doc)
        secret = f"{wname or 'app'}-secretshift"
        remote = []
        for t, node in items:
            var = node.parent.text_of("name")
            edits.append(_value_from(text, node, secret, var, unit))
            remote.append((var, t.secret_id, t.json_key))
            rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE_ENV.format(secret=secret, key=var)))
        es = external_secret(secret, ns, list(dict.fromkeys(remote)), options.secret_store, unit)
        end = _doc_end(text, doc)
        sep = "" if text[:end].endswith("\n") else "\n"
        edits.append(Edit(end, end, f"{sep}---\n{es}"))
        namespaces.append(ns)
    if not edits:
        return rw
    if not apply_checked(rw, text, edits, path):
        return rw
    store_path = posixpath.join(posixpath.dirname(path), STORE_FILE)
    sf = store_file(options.read(store_path), namespaces, options.region_or(), options.secret_store)
    if sf is not None:
        rw.extra_files[store_path] = sf
    rw.messages.append(f"{path}: needs External Secrets Operator in the cluster and the SecretStore in {store_path}")
    return rw.finish()


def _doc_end(text: str, doc: N) -> int:
    """End of a document's last line (line break included)."""
    j = text.find("\n", doc.end)
    return len(text) if j < 0 else j + 1


def _value_from(text: str, node: N, secret: str, key: str, unit: int) -> Edit:
    k = node.key
    ref = f"secretKeyRef: {{name: {_q(secret)}, key: {_q(key)}}}"
    if node.parent.flow:
        return Edit(k.start, node.end, f"valueFrom: {{{ref}}}")
    ind = " " * column(text, k.start)
    i = " " * unit
    return Edit(k.start, node.end, f"valueFrom:\n{ind}{i}secretKeyRef:\n{ind}{i}{i}name: {_q(secret)}\n"
                                   f"{ind}{i}{i}key: {_q(key)}")


__all__ = ["rewrite", "external_secret", "secret_store", "store_file"]
