"""Structure checks a rule can ask for after its regex matched (a rule's ``validator:`` key).

A regex says what a token looks like; some vendors also put a checksum or a signed structure in it.
These checks are generic (a CRC32 tail in some encoding, a Bech32 string, a JWT with given claims):
the rule names the kind and its parameters, the engine has no vendor code. Pure and offline.

    validator: {kind: crc32, encoding: base62, length: 6, skip: 4, on_failure: low}
    validator: {kind: crc32, encoding: hex, length: 8, separator: "_", byteorder: little}
    validator: {kind: bech32, on_failure: low}
    validator: {kind: jwt, claims: {iss: "^kubernetes/serviceaccount$"}}

``on_failure`` says what a failed check means: ``drop`` (the default: not this kind of token) or a
confidence (``low``/``medium``) the finding is reported with instead of the rule's own.
"""
from __future__ import annotations

import re
import zlib
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Any, Callable

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
ON_FAILURE = ("drop", "low", "medium")
_KEYS = {
    "crc32": {"kind", "encoding", "length", "skip", "separator", "byteorder", "on_failure"},
    "bech32": {"kind", "on_failure"},
    "jwt": {"kind", "claims", "on_failure"},
}


def base62(n: int, width: int) -> str:
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(width, "0")


def crc32_tail(payload: str, spec: dict[str, Any]) -> str:
    """The checksum characters ``spec`` expects after ``payload`` (used by samples too)."""
    crc = zlib.crc32(payload.encode("utf-8", "surrogatepass")) & 0xFFFFFFFF
    width = int(spec.get("length", 6))
    if spec.get("encoding", "base62") == "hex":
        order = spec.get("byteorder", "big")
        return crc.to_bytes(4, order).hex()[-width:].rjust(width, "0")
    return base62(crc, width)[-width:]


def _crc32(value: str, spec: dict[str, Any]) -> bool:
    width = int(spec.get("length", 6))
    sep = str(spec.get("separator", ""))
    body, tail = value[: len(value) - width], value[len(value) - width:]
    if sep:
        if not body.endswith(sep):
            return False
        body = body[: len(body) - len(sep)]
    return len(tail) == width and crc32_tail(body[int(spec.get("skip", 0)):], spec) == tail


def _bech32_polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def _hrp_expand(hrp: str) -> list[int]:
    return [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]


def bech32_checksum(hrp: str, data: list[int]) -> list[int]:
    pm = _bech32_polymod(_hrp_expand(hrp) + data + [0] * 6) ^ 1
    return [(pm >> 5 * (5 - i)) & 31 for i in range(6)]


def _bech32(value: str, spec: dict[str, Any]) -> bool:
    """BIP-173 Bech32 (age keys, for instance): human-readable part, '1', data, 6 check characters."""
    if value.lower() != value and value.upper() != value:
        return False
    v = value.lower()
    pos = v.rfind("1")
    if pos < 1 or pos + 7 > len(v) or any(c not in BECH32 for c in v[pos + 1:]):
        return False
    return _bech32_polymod(_hrp_expand(v[:pos]) + [BECH32.index(c) for c in v[pos + 1:]]) == 1


def _jwt(value: str, spec: dict[str, Any]) -> bool:
    """A JWT whose header is JSON and whose payload has every claim in ``claims`` (claim -> regex
    searched in its string form; ``true`` only asks for presence)."""
    import base64
    import binascii
    import json

    parts = value.split(".")
    if len(parts) < 2:
        return False
    try:
        docs = [json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in parts[:2]]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    if not all(isinstance(d, dict) for d in docs):
        return False
    for claim, want in (spec.get("claims") or {}).items():
        if claim not in docs[1]:
            return False
        got = docs[1][claim]
        if want is not True and not re.search(str(want), got if isinstance(got, str) else json.dumps(got)):
            return False
    return True


CHECKS: dict[str, Callable[[str, dict[str, Any]], bool]] = {"crc32": _crc32, "bech32": _bech32, "jwt": _jwt}


def spec_error(spec: Any) -> str | None:
    """Why ``spec`` is not a valid ``validator:`` mapping, or None (for the rule loader)."""
    if not isinstance(spec, dict) or spec.get("kind") not in CHECKS:
        return f"validator must be a mapping with kind one of {', '.join(CHECKS)}"
    unknown = set(spec) - _KEYS[spec["kind"]]
    if unknown:
        return f"validator {spec['kind']}: unknown key(s) {', '.join(sorted(unknown))}"
    if spec.get("on_failure", "drop") not in ON_FAILURE:
        return f"validator on_failure must be one of {', '.join(ON_FAILURE)}"
    if spec["kind"] == "crc32":
        if spec.get("encoding", "base62") not in ("base62", "hex"):
            return "validator crc32: encoding must be base62 or hex"
        if spec.get("byteorder", "big") not in ("big", "little"):
            return "validator crc32: byteorder must be big or little"
        for k in ("length", "skip"):
            if not isinstance(spec.get(k, 0), int) or spec.get(k, 0) < 0:
                return f"validator crc32: {k} must be a non-negative integer"
    if spec["kind"] == "jwt":
        claims = spec.get("claims") or {}
        if not isinstance(claims, dict):
            return "validator jwt: claims must be a mapping"
        for k, v in claims.items():
            if v is not True:
                try:
                    re.compile(str(v))
                except re.error as e:
                    return f"validator jwt: claim {k}: regex does not compile: {e}"
    return None


def check(spec: dict[str, Any], value: str) -> bool:
    try:
        return CHECKS[spec["kind"]](value, spec)
    except (ValueError, TypeError, OverflowError):
        return False
