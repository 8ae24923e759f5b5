"""What a rewrite is asked to do (``RewriteTarget``) and what the locator found for it (``Located``).

``RewriteTarget`` is the contract with the planner (docs/architecture.md, "Codemods"): it carries a
position and the sha256 of the expected value, never the value itself.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal, Optional, Tuple

SAFE = "safe"
UNSAFE = "unsafe"
DISPLAY_ONLY = "display-only"
APPLICABILITY = (SAFE, UNSAFE, DISPLAY_ONLY)


def sha256_text(value: str) -> str:
    """sha256 hex of a value, the same digest as ``scanner.models.value_hash``."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class RewriteTarget:
    """One place to rewrite. Lines are 1-based, columns 1-based (as in ``Finding``).

    ``kind="hardcoded"``: the literal at (``line``, ``column``) is rewritten only when it (or, for a
    URL, header or f-string, a part of it) hashes to ``value_sha256``. ``kind="env"``: the read of
    ``env_var`` starting at that position becomes a Secrets Manager fetch; ``json_key`` holds the
    variable's whole value (a URL for ``dj_database_url.config()`` / ``env.db()``).

    ``drop_aws_keys``: for a static AWS key passed to boto3 (``aws_access_key_id=`` ...), remove
    the keys so the client uses the default credential chain (an IAM role) instead of reading them
    from Secrets Manager (the default, which keeps the client's identity).
    """

    line: int
    column: int
    end_line: int
    end_column: int
    kind: Literal["hardcoded", "env"]
    secret_id: str
    json_key: Optional[str] = None
    value_sha256: Optional[str] = None
    env_var: Optional[str] = None
    rule_id: str = ""
    fingerprint: str = ""
    drop_aws_keys: bool = False

    @property
    def key(self) -> str:
        """Identity used in result dicts: the fingerprint, or the position when there is none."""
        return self.fingerprint or f"{self.line}:{self.column}"


@dataclass(frozen=True)
class Located:
    """A target resolved against one parse of the file: which command handles it and where.

    ``pos`` is the (1-based line, 0-based column) start of the node the command must find there
    (string literal, env read, default parameter value or boto3 call). ``span`` is the secret's
    slice of the literal's value when only part of the literal moves (URLs, headers, f-strings).
    """

    target: RewriteTarget
    command: str
    pos: Tuple[int, int]
    applicability: str
    value_type: str = "str"  # str | bytes | int
    span: Optional[Tuple[int, int]] = None
    keyword: Optional[str] = None  # boto3 keyword argument name
    note: str = ""  # why a fix is unsafe, shown to the user
    form: str = ""  # env reads: how it reads (scanner PyRead.how); templates: "percent" | "format"

    @property
    def sort_key(self) -> Tuple[int, int]:
        return self.pos
