"""What every deployment-file and JavaScript rewrite shares: the secrets it may point at, its options,
text edits applied back to front, and the per-target outcome it reports.

A rewrite never raises on file content. Each target ends in one ``Outcome``: ``applied`` (written,
``safe`` or ``unsafe``), ``patch`` (``display-only``: an exact change in the file's own language,
shown, never written), ``skipped`` (with a one-line reason) or ``left`` (nothing to change here: an
environment read of browser code, which the build sets). Values never appear in outcomes,
messages or diffs: diffs mask every value the rewrite located.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from ..targets import DISPLAY_ONLY, SAFE, UNSAFE, RewriteTarget, sha256_text

APPLIED, PATCH, SKIPPED, LEFT = "applied", "patch", "skipped", "left"
__all__ = ["SecretInfo", "Options", "Outcome", "FileRewrite", "Edit", "apply_edits", "offset_of",
           "APPLIED", "PATCH", "SKIPPED", "LEFT", "SAFE", "UNSAFE", "DISPLAY_ONLY", "sha256_text", "secret_arn"]


def secret_arn(region: Optional[str], account: Optional[str], name: str) -> str:
    """A secret's ARN without the six-character suffix Secrets Manager adds (a placeholder until the
    secret exists; ``valueFrom`` and IAM need the real one, which ``Options.arn`` gives once known)."""
    return f"arn:aws:secretsmanager:{region or 'REGION'}:{account or 'ACCOUNT'}:secret:{name}"


@dataclass(frozen=True)
class SecretInfo:
    """A secret a rewrite may point at: its name, its full ARN once created and read back."""

    name: str
    arn: Optional[str] = None
    kms_key_id: Optional[str] = None


def no_files(rel: str) -> Optional[str]:
    """The default ``Options.read``: no other file of the project is known."""
    return None


@dataclass
class Options:
    """``secrets``: by name. ``read(rel)``: another file of the project (package.json, tsconfig.json,
    a Terraform module's other files), None when absent. ``rds_managed_password``: an RDS master
    password becomes ``ManageMasterUserPassword: true`` / ``manage_master_user_password = true``.
    ``js_sync_fallback``: where ``await`` is not valid, JavaScript reads through ``getSecretSync``
    (unsafe: blocks while a child process fetches the value) instead of showing a patch."""

    secrets: Mapping[str, SecretInfo] = field(default_factory=dict)
    region: Optional[str] = None
    account: Optional[str] = None
    rds_managed_password: bool = False
    js_sync_fallback: bool = True
    secret_store: str = "aws-secrets-manager"
    read: Callable[[str], Optional[str]] = no_files
    ttl_seconds: int = 300

    def info(self, name: str) -> SecretInfo:
        return self.secrets.get(name) or SecretInfo(name)

    def arn(self, name: str) -> str:
        info = self.info(name)
        if info.arn:
            return info.arn
        return secret_arn(self.region, self.account, name)

    def region_or(self, default: str = "us-east-1") -> str:
        return self.region or default


@dataclass
class Outcome:
    target: RewriteTarget
    status: str  # applied | patch | skipped | left
    applicability: str  # safe | unsafe | display-only
    note: str  # what was done, or why not (never a value)
    patch: str = ""  # display-only: the exact change, masked

    @property
    def line(self) -> int:
        return self.target.line


@dataclass
class FileRewrite:
    """The result for one file. ``text`` is the new content (the old one when nothing applied).
    ``extra_files``: project-relative path -> full new content of a file this rewrite creates or
    extends (accessor module, package.json, ``.env.example``, a SecretStore manifest).
    ``policy``: IAM statements some principal now needs (the ECS task execution role)."""

    path: str
    before: str
    text: str
    kind: str
    outcomes: List[Outcome] = field(default_factory=list)
    extra_files: Dict[str, str] = field(default_factory=dict)
    policy: List[Dict[str, Any]] = field(default_factory=list)
    messages: List[str] = field(default_factory=list)
    diff: str = ""
    secrets_seen: List[str] = field(default_factory=list)  # located values, in memory only (for masking)

    @property
    def changed(self) -> bool:
        return self.text != self.before

    def by_status(self, status: str) -> List[Outcome]:
        return [o for o in self.outcomes if o.status == status]

    @property
    def applied(self) -> List[Outcome]:
        return self.by_status(APPLIED)

    @property
    def patches(self) -> List[Outcome]:
        return self.by_status(PATCH)

    @property
    def skipped(self) -> List[Outcome]:
        return self.by_status(SKIPPED)

    def finish(self) -> "FileRewrite":
        """Compute the masked diff; refuse nothing (callers check their own re-parse first)."""
        if self.changed:
            self.diff = masked(self.before, self.text, self.path, self.secrets_seen)
        return self

    def refuse(self, why: str) -> "FileRewrite":
        """Undo every applied outcome: the result failed its re-parse check."""
        for o in self.outcomes:
            if o.status == APPLIED:
                o.status, o.note = SKIPPED, why
        self.text = self.before
        self.extra_files.clear()
        self.policy.clear()
        self.messages.append(f"{self.path}: {why}")
        return self


_KEY = re.compile(r"""(["'])([A-Za-z_$][\w$.-]{0,63})\1[ \t]*:""")


def masked(before: str, after: str, path: str, secrets: Iterable[str]) -> str:
    """The masked diff: the located values, and any other quoted string a removed line loses, except
    the quoted keys of JSON/YAML maps (``"environment":``), which name, never hold, a value."""
    from ..runner import masked_diff

    keys = {m.group(2) for m in _KEY.finditer(before)}
    return masked_diff(before, after, path, list(secrets), keep=keys)


def patch_text(before: str, after: str, path: str, secrets: Iterable[str]) -> str:
    """A display-only patch: the unified diff of the change, every value masked."""
    return masked(before, after, path, secrets) if before != after else ""


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    text: Any  # str, or bytes for byte-offset edits


def apply_edits(text: Any, edits: Sequence[Edit]) -> Any:
    """Apply non-overlapping edits back to front (an edit never moves one before it). Insertions at
    one offset land in list order.

    :raises ValueError: two edits overlap (callers treat it as a refusal)."""
    out = text
    last = len(text) + 1
    order = sorted(range(len(edits)), key=lambda k: (edits[k].start, edits[k].end, k), reverse=True)
    for e in (edits[k] for k in order):
        if e.end > last:
            raise ValueError("overlapping edits")
        out = out[:e.start] + e.text + out[e.end:]
        last = e.start
    return out


def offset_of(text: str, line: int, column: int) -> Optional[int]:
    """Character offset of 1-based (line, column), or None when outside the text."""
    if line < 1 or column < 1:
        return None
    i = 0
    for _ in range(line - 1):
        j = text.find("\n", i)
        if j < 0:
            return None
        i = j + 1
    end = text.find("\n", i)
    end = len(text) if end < 0 else end
    off = i + column - 1
    return off if off <= end else None


def value_matches(value: Optional[str], target: RewriteTarget) -> bool:
    return value is not None and target.value_sha256 is not None and sha256_text(value) == target.value_sha256


def find_part(value: str, target: RewriteTarget, hint: Optional[int] = None) -> Optional[Tuple[int, int]]:
    """The (start, end) of the part of ``value`` hashing to the target (a URL's password, a header's
    token): tried at ``hint`` first, then at every start. None when no part matches."""
    if target.value_sha256 is None:
        return None
    n = max(target.end_column - target.column, 0) if target.line == target.end_line else 0
    starts = ([hint] if hint is not None else []) + list(range(len(value)))
    for s in starts:
        if s is None or s < 0:
            continue
        if n and sha256_text(value[s:s + n]) == target.value_sha256:
            return s, s + n
    return None


_IDENT = re.compile(r"[^A-Za-z0-9]+")


def ident(name: str) -> str:
    """A Terraform/HCL-style identifier for a secret name: ``production/db/postgresql`` -> ``production_db_postgresql``."""
    s = _IDENT.sub("_", name).strip("_")
    return s if s and not s[0].isdigit() else "s_" + s


def env_name(name: str) -> str:
    return re.sub(r"[^A-Z0-9_]", "_", name.upper())


def outcome_lines(rw: FileRewrite) -> List[str]:
    """One line per outcome, for reports."""
    out = []
    for o in rw.outcomes:
        out.append(f"{rw.path}:{o.line}: {o.status} ({o.applicability}): {o.note}")
    return out


def group_by_secret(targets: Sequence[RewriteTarget]) -> Dict[str, List[RewriteTarget]]:
    out: Dict[str, List[RewriteTarget]] = {}
    for t in targets:
        out.setdefault(t.secret_id, []).append(t)
    return out
