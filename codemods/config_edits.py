"""Configuration files: narrow text edits where a file format has a Secrets Manager reference,
display-only suggestions where it has none.

Thin entry points kept for callers of the first version; the rewrites themselves live in
``secretshift.codemods.deploy`` (every deployment format, any layout, per-target outcomes).

- ECS task definitions (JSON, any layout): move entries from ``environment`` to ``secrets`` with
  ``valueFrom: arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME:JSON_KEY::`` (the trailing
  colons select the default version stage and id; they are required).
- CloudFormation / SAM (YAML or JSON): replace a literal with
  ``{{resolve:secretsmanager:NAME:SecretString:KEY}}``.
- ``suggest(...)`` returns each format's reference syntax as text; nothing is written.

Every edit returns a ``ConfigEdit`` whose ``diff`` masks the values it removed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import List, Optional, Sequence

from .targets import DISPLAY_ONLY, UNSAFE, RewriteTarget, sha256_text

CFN_NOTE = ("CloudFormation resolves the reference when the stack is created or updated; a new secret "
            "value is only picked up when the reference (or another property) changes, so rotate by "
            "updating the stack. Dynamic references are not allowed in Parameters defaults.")
ECS_NOTE = ("the task execution role needs secretsmanager:GetSecretValue on the secret (and kms:Decrypt "
            "for a customer-managed key); values are read when the task starts.")


@dataclass
class ConfigEdit:
    """The result of one config-file edit: new ``text`` (the old one when display-only)."""

    path: str
    text: str
    applicability: str
    changed: bool = False
    messages: List[str] = field(default_factory=list)
    diff: str = ""


@dataclass(frozen=True)
class EnvMove:
    """Move environment variable ``env_name`` to secret ``secret_name`` (JSON key ``json_key``)."""

    env_name: str
    secret_name: str
    json_key: Optional[str] = None


def secret_arn(region: str, account: str, name: str, json_key: Optional[str] = None) -> str:
    """The ``valueFrom`` ARN; with a JSON key it ends ``:KEY::`` (version stage and id left empty)."""
    base = f"arn:aws:secretsmanager:{region}:{account}:secret:{name}"
    return f"{base}:{json_key}::" if json_key else base


def ecs_move_to_secrets(text: str, moves: Sequence[EnvMove], region: str, account: str,
                        path: str = "taskdef.json") -> ConfigEdit:
    """Move each ``moves`` variable from ``environment`` to ``secrets`` in every container, in any
    JSON layout (``secretshift.codemods.deploy.ecs``; the secret's ARN without its suffix)."""
    from .deploy import ecs
    from .deploy.base import Options
    from .deploy.spans import SpanError, line_start, parse_json

    try:
        root = parse_json(text)
    except SpanError:
        return ConfigEdit(path, text, DISPLAY_ONLY, messages=[f"{path}: not valid JSON; not edited"])
    wanted = {m.env_name: m for m in moves}
    targets = []
    for c in ecs._containers(root):
        env = c.get("environment")
        for entry in env.items if env is not None and env.kind == "seq" else []:
            m = wanted.get(entry.text_of("name") or "") if entry.kind == "map" else None
            v = entry.get("value") if m is not None else None
            if v is None or v.kind != "scalar":
                continue
            line = text.count("\n", 0, v.vstart) + 1
            col = v.vstart - line_start(text, v.vstart) + 1
            targets.append(RewriteTarget(line, col, line, col + len(v.value), "hardcoded", m.secret_name,
                                         m.json_key, sha256_text(v.value), env_var=m.env_name,
                                         fingerprint=f"{path}:{line}:{col}"))
    if not targets:
        return ConfigEdit(path, text, UNSAFE, messages=[f"{path}: nothing to move"])
    rw = ecs.rewrite(text, path, targets, Options(region=region, account=account))
    moved = sorted({o.target.env_var or "" for o in rw.applied})
    msgs = [f"{path}: moved {', '.join(moved)} to secrets; {ECS_NOTE}"] if moved else [o.note for o in rw.skipped]
    return ConfigEdit(path, rw.text, UNSAFE, rw.changed, msgs, rw.diff)


def cfn_resolve_literal(text: str, line: int, column: int, value_sha256: str, secret_name: str,
                        json_key: Optional[str], path: str = "template.yaml") -> ConfigEdit:
    """Replace the scalar at (``line``, ``column``) (1-based, the value or its opening quote) with a
    ``{{resolve:secretsmanager:...}}`` reference, when it hashes to ``value_sha256``. Position only:
    ``secretshift.codemods.deploy.cfn`` also decides by where the literal sits in the template."""
    from .deploy.base import offset_of
    from .deploy.cfn import dynamic_reference
    from .deploy.spans import SpanError, parse, scalar_at
    from .deploy.textedit import replace_scalar

    off = offset_of(text, line, column)
    try:
        docs = parse(text.replace("\r\n", "\n"), path) if off is not None else []
    except SpanError:
        return ConfigEdit(path, text, UNSAFE, messages=[f"{path}:{line}: does not parse; not edited"])
    node = next((scalar_at(d, off) for d in docs if scalar_at(d, off) is not None), None) if docs else None
    if node is None:
        return ConfigEdit(path, text, UNSAFE, messages=[f"{path}: line {line} holds no value there"])
    if sha256_text(node.value or "") != value_sha256:
        return ConfigEdit(path, text, UNSAFE, messages=[f"{path}:{line}: value does not match (changed or already migrated)"])
    crlf = "\r\n" in text
    body = text.replace("\r\n", "\n") if crlf else text
    e = replace_scalar(body, node, dynamic_reference(secret_name, json_key), path.endswith(".json"))
    new = body[:e.start] + e.text + body[e.end:]
    new = new.replace("\n", "\r\n") if crlf else new
    from .runner import masked_diff

    return ConfigEdit(path, new, UNSAFE, True, [f"{path}:{line}: literal replaced by a dynamic reference. {CFN_NOTE}"],
                      masked_diff(text, new, path, [node.value]))


def suggest(kind: str, env_name: str, secret_name: str, json_key: Optional[str] = None,
            region: str = "REGION", account: str = "ACCOUNT") -> str:
    """Display-only advice for formats without a Secrets Manager reference of their own."""
    key = json_key or ""
    arn = secret_arn(region, account, secret_name, json_key)
    if kind == "dotenv":
        return (f"Remove {env_name} from this file (the value is in git history: rotate it). The code now reads "
                f"secret {secret_name}{' key ' + key if key else ''} from Secrets Manager; for local runs, "
                f"point AWS_ENDPOINT_URL at a local emulator or use a developer-only secret.")
    if kind == "compose":
        return (f"Drop {env_name} from `environment:`. Compose cannot reference Secrets Manager; in ECS use\n"
                f'  "secrets": [{{"name": "{env_name}", "valueFrom": "{arn}"}}]\n'
                "or let the application read the secret at start-up.")
    if kind == "kubernetes":
        prop = f"\n        property: {key}" if key else ""
        return ("Replace the literal env value with a secretKeyRef and sync it with External Secrets Operator:\n"
                "apiVersion: external-secrets.io/v1\nkind: ExternalSecret\nmetadata:\n"
                f"  name: {env_name.lower().replace('_', '-')}\nspec:\n"
                "  secretStoreRef: {name: aws-secrets-manager, kind: ClusterSecretStore}\n"
                f"  target: {{name: {env_name.lower().replace('_', '-')}}}\n  data:\n"
                f"    - secretKey: {env_name}\n      remoteRef:\n        key: {secret_name}{prop}")
    if kind == "terraform":
        ident = re.sub(r"[^A-Za-z0-9_]", "_", secret_name)
        value = (f'jsondecode(data.aws_secretsmanager_secret_version.{ident}.secret_string)["{key}"]' if key
                 else f"data.aws_secretsmanager_secret_version.{ident}.secret_string")
        return (f'data "aws_secretsmanager_secret_version" "{ident}" {{\n  secret_id = "{secret_name}"\n}}\n'
                f"# then use: {value}\n# (the value lands in the Terraform state: protect the state file)")
    if kind == "github-actions":
        return ("- uses: aws-actions/configure-aws-credentials@v4\n  with: {role-to-assume: ..., aws-region: "
                f"{region}}}\n- uses: aws-actions/aws-secretsmanager-get-secrets@v2\n  with:\n    secret-ids: |\n"
                f"      {env_name},{secret_name}\n" + ("    parse-json-secrets: true\n" if key else "")
                + (f"# exposes {env_name}_{key.upper()} as an environment variable" if key else ""))
    raise ValueError(f"unknown suggestion kind {kind!r}")
