"""Configuration files: narrow text edits where a file format has a Secrets Manager reference,
display-only suggestions where it has none.

- ECS task definitions (JSON): move entries from ``environment`` to ``secrets`` with
  ``valueFrom: arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME:JSON_KEY::`` (the trailing
  colons select the default version stage and id; they are required).
- CloudFormation / SAM (YAML or JSON): replace a literal with
  ``{{resolve:secretsmanager:NAME:SecretString:KEY}}``.
- ``.env``, docker-compose, Kubernetes, Terraform, GitHub Actions: ``suggest(...)`` returns the
  reference syntax for each; nothing is written.

Every edit returns a ``ConfigEdit`` whose ``diff`` masks the values it removed.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from .targets import DISPLAY_ONLY, UNSAFE, sha256_text

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


def _diff(before: str, after: str, path: str, secrets: Sequence[str]) -> str:
    from .runner import masked_diff

    return masked_diff(before, after, path, list(secrets)) if before != after else ""


def _containers(doc: Any) -> List[Dict[str, Any]]:
    if isinstance(doc, dict):
        if isinstance(doc.get("containerDefinitions"), list):
            return [c for c in doc["containerDefinitions"] if isinstance(c, dict)]
        if isinstance(doc.get("taskDefinition"), dict):
            return _containers(doc["taskDefinition"])
    return []


def _indent_of(text: str) -> int:
    m = re.search(r"\n( +)\S", text)
    return len(m.group(1)) if m else 2


def ecs_move_to_secrets(text: str, moves: Sequence[EnvMove], region: str, account: str,
                        path: str = "taskdef.json") -> ConfigEdit:
    """Move each ``moves`` variable from ``environment`` to ``secrets`` in every container.

    Written only when the file is in ``json.dumps(indent=N)`` layout (what ``aws ecs
    describe-task-definition`` and most generators emit), so that nothing else changes; any
    other layout gives a display-only edit with the same content to apply by hand.
    """
    try:
        doc = json.loads(text)
    except ValueError:
        return ConfigEdit(path, text, DISPLAY_ONLY, messages=[f"{path}: not valid JSON; not edited"])
    newline = "\r\n" if "\r\n" in text else "\n"
    indent = _indent_of(text.replace("\r\n", "\n"))

    def dump(obj: Any) -> str:
        out = json.dumps(obj, indent=indent, ensure_ascii=False)
        return out.replace("\n", newline) + (newline if text.endswith(("\n", "\r\n")) else "")

    narrow = dump(doc) == text
    wanted = {m.env_name: m for m in moves}
    removed: List[str] = []
    moved: List[str] = []
    for c in _containers(doc):
        env = c.get("environment") or []
        keep = []
        for entry in env:
            m = wanted.get(entry.get("name")) if isinstance(entry, dict) else None
            if m is None:
                keep.append(entry)
                continue
            removed.append(str(entry.get("value", "")))
            secrets = c.setdefault("secrets", [])
            ref = {"name": m.env_name, "valueFrom": secret_arn(region, account, m.secret_name, m.json_key)}
            if ref not in secrets:
                secrets.append(ref)
            moved.append(m.env_name)
        if len(keep) != len(env):
            c["environment"] = keep
    if not moved:
        return ConfigEdit(path, text, UNSAFE, messages=[f"{path}: nothing to move"])
    new = dump(doc)
    msgs = [f"{path}: moved {', '.join(sorted(set(moved)))} to secrets; {ECS_NOTE}"]
    if not narrow:
        msgs.append(f"{path}: layout differs from json.dumps(indent={indent}); shown as a suggestion, not written")
        return ConfigEdit(path, text, DISPLAY_ONLY, False, msgs, _diff(text, new, path, removed))
    return ConfigEdit(path, new, UNSAFE, True, msgs, _diff(text, new, path, removed))


_PLAIN_END = re.compile(r"\s+#.*$|\s*,?\s*$")


def cfn_resolve_literal(text: str, line: int, column: int, value_sha256: str, secret_name: str,
                        json_key: Optional[str], path: str = "template.yaml") -> ConfigEdit:
    """Replace the scalar at (``line``, ``column``) (1-based, the value or its opening quote) with a
    ``{{resolve:secretsmanager:...}}`` reference, when it hashes to ``value_sha256``."""
    lines = text.splitlines(keepends=True)
    if not 1 <= line <= len(lines):
        return ConfigEdit(path, text, UNSAFE, messages=[f"{path}: line {line} does not exist"])
    raw = lines[line - 1]
    body = raw.rstrip("\r\n")
    i = column - 1
    if not (i < len(body) and body[i] in "\"'") and 0 < i <= len(body) and body[i - 1] in "\"'":
        i -= 1  # the column points inside the quotes
    if i < len(body) and body[i] in "\"'":
        q = body[i]
        j = body.find(q, i + 1)
        if j < 0:
            return ConfigEdit(path, text, UNSAFE, messages=[f"{path}:{line}: unterminated string; not edited"])
        value, start, end = body[i + 1:j], i, j + 1
    else:
        m = _PLAIN_END.search(body, i)
        end = m.start() if m else len(body)
        value, start, q = body[i:end], i, ""
    if sha256_text(value) != value_sha256:
        return ConfigEdit(path, text, UNSAFE, messages=[f"{path}:{line}: value does not match (changed or already migrated)"])
    ref = f"{{{{resolve:secretsmanager:{secret_name}:SecretString:{json_key or ''}}}}}" if json_key else \
        f"{{{{resolve:secretsmanager:{secret_name}}}}}"
    quote = '"' if (q == '"' or path.endswith(".json")) else "'"
    lines[line - 1] = body[:start] + f"{quote}{ref}{quote}" + body[end:] + raw[len(body):]
    new = "".join(lines)
    return ConfigEdit(path, new, UNSAFE, True, [f"{path}:{line}: literal replaced by a dynamic reference. {CFN_NOTE}"],
                      _diff(text, new, path, [value]))


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
                "apiVersion: external-secrets.io/v1beta1\nkind: ExternalSecret\nmetadata:\n"
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
