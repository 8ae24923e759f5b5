"""The data that crosses layer boundaries: secret values (memory only), findings, scan results.

A secret value never leaves the process except into Secrets Manager. ``SecretValue`` wraps the
plaintext so that ``repr``/``str`` show only a mask, and ``Finding.to_dict`` never includes it.
"""
from __future__ import annotations

from secretshift.base.record import dataclass, field as dc_field  # not dataclasses: see secretshift/base/record.py
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Any, Literal

if TYPE_CHECKING:
    Kind = Literal["hardcoded", "env"]
else:
    Kind = str
SEVERITIES = ("low", "medium", "high", "critical")
CONFIDENCES = ("low", "medium", "high")
CATEGORIES = ("db", "api", "oauth", "ssh", "ssl", "cloud", "generic")


def mask(value: str) -> str:
    """A display form that never reveals the value: a few edge characters and an ellipsis.

    Long values show up to four characters at each end (``sk_l…9xQ2`` from 40 characters on, three
    from 24, two from 12: a person's 18-character password keeps 14 hidden, ``Ve…rd``); values under
    12 characters show only their length. The edges are taken inside surrounding whitespace (a PEM
    literal's trailing newline must not break a report line).
    """
    n = len(value)
    value = value.strip() if len(value.strip()) >= 12 else value
    if n < 12:
        return "*" * min(n, 8) + f"({n})"
    k = 4 if n >= 40 else 3 if n >= 24 else 2
    return f"{value[:k]}…{value[-k:]}"


def value_hash(value: str) -> str:
    """sha256 hex of the value; used in memory to group equal values, never written out alone."""
    from secretshift.base.cache import sha256  # not hashlib: OpenSSL's start-up costs the hook ~3 ms

    return sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(rule_id: str, file: str, identity: str) -> str:
    """Stable identity of a finding that does not change when the line moves.

    ``identity`` is the secret value for hardcoded findings and the variable name for env ones.
    The file path salts the hash, so the fingerprint cannot be looked up across repositories.
    """
    from secretshift.base.cache import sha256  # not hashlib: OpenSSL's start-up costs the hook ~3 ms

    h = sha256(f"{rule_id}\0{file}\0{identity}".encode("utf-8", "surrogatepass")).hexdigest()
    return f"{rule_id}:{h[:20]}"


class SecretValue:
    """Plaintext held in memory only. ``str()``/``repr()`` give the mask; ``reveal()`` the value."""

    __slots__ = ("_v",)

    def __init__(self, value: str) -> None:
        self._v = value

    def reveal(self) -> str:
        return self._v

    def __repr__(self) -> str:
        return f"SecretValue({mask(self._v)})"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SecretValue) and other._v == self._v

    def __hash__(self) -> int:
        return hash(self._v)

    def __reduce__(self) -> Any:  # allowed across process pools (memory to memory), not to disk
        return (SecretValue, (self._v,))


@dataclass(frozen=True)
class Finding:
    """One credential (kind="hardcoded") or one read of a secret from the environment (kind="env").

    Positions are 1-based lines and 1-based columns; ``end_*`` point just past the value.
    ``file`` is relative to the scan root with POSIX separators.
    """

    rule_id: str
    slug: str
    kind: Kind
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    category: str
    severity: str
    confidence: str
    masked: str
    fingerprint: str
    description: str = ""
    symbol: str | None = None  # the name the value is bound to (variable, key, argument, env var)
    service: str | None = None  # vendor/service hint for the planner: "stripe", "postgresql", "aws"...
    field: str | None = None  # the role of the value: "password", "secret_access_key", "token"...
    expression: str | None = None  # for env reads in code: the source text of the read
    history: dict[str, Any] | None = None  # history scans: first_commit, date, author, present_at_head, pushed
    value: SecretValue | None = dc_field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape (schema version 1). Never contains the value."""
        d: dict[str, Any] = {
            "rule_id": self.rule_id,
            "slug": self.slug,
            "kind": self.kind,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "category": self.category,
            "severity": self.severity,
            "confidence": self.confidence,
            "masked": self.masked,
            "fingerprint": self.fingerprint,
        }
        for k in ("symbol", "service", "field", "expression"):
            v = getattr(self, k)
            if v is not None:
                d[k] = v
        if self.history is not None:
            d["history"] = dict(self.history)
        if self.kind == "env" and self.symbol is not None:
            d["variable"] = self.symbol
        return d

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line, self.column, self.rule_id)


@dataclass
class ScanResult:
    findings: list[Finding] = dc_field(default_factory=list)
    files_scanned: int = 0
    files_skipped: int = 0
    bytes_scanned: int = 0
    seconds: float = 0.0
    skipped: dict[str, int] = dc_field(default_factory=dict)  # reason -> count
    errors: list[str] = dc_field(default_factory=list)  # one-line messages already printed to stderr

    def summary(self) -> dict[str, Any]:
        return {
            "files_scanned": self.files_scanned,
            "files_skipped": self.files_skipped,
            "bytes_scanned": self.bytes_scanned,
            "findings": len(self.findings),
            "seconds": round(self.seconds, 3),
        }
