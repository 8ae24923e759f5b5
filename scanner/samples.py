"""Expand rule samples: ``{{rand:CLASS:N}}`` becomes N random characters of CLASS, seeded.

Rule files carry samples as templates so that this repository never holds a string that looks
like a live credential to push protection, while tests still see realistic, high-entropy values.
CLASS is one of: alnum, lower, upper, digits, hex, HEX, b64, b64url, alnumlower, alnumupper, b32, bech32.
``{{join:a:b}}`` concatenates (to split a vendor prefix such as ``sk_`` + ``live_``).
"""
from __future__ import annotations

import random
import re
import string

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use

CLASSES = {
    "alnum": string.ascii_letters + string.digits,
    "lower": string.ascii_lowercase,
    "upper": string.ascii_uppercase,
    "digits": string.digits,
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "b64": string.ascii_letters + string.digits + "+/",
    "b64url": string.ascii_letters + string.digits + "-_",
    "alnumlower": string.ascii_lowercase + string.digits,
    "alnumupper": string.ascii_uppercase + string.digits,
    "b32": string.ascii_uppercase + "234567",
    "bech32": "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
}
_TOKEN = lazy_re(r"\{\{(rand|join):([^}]*)\}\}")


def expand(template: str, seed: str) -> str:
    """Replace every ``{{rand:CLASS:N}}``/``{{join:a:b}}`` in ``template``; same seed, same output."""
    rng = random.Random(seed)

    def sub(m: re.Match[str]) -> str:
        if m.group(1) == "join":
            return "".join(m.group(2).split(":"))
        cls, _, n = m.group(2).partition(":")
        alphabet = CLASSES[cls]
        while True:
            out = "".join(rng.choice(alphabet) for _ in range(int(n)))
            # realistic values mix classes; avoid an unlucky draw without digits/letters when long
            if int(n) < 8 or cls in ("digits", "lower", "upper", "hex", "HEX") or (
                any(c.isdigit() for c in out) and any(c.isalpha() for c in out)
            ):
                return out

    return _TOKEN.sub(sub, template)
