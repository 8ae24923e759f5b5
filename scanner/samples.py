"""Expand rule samples: ``{{rand:CLASS:N}}`` becomes N random characters of CLASS, seeded.

Rule files carry samples as templates so that this repository never holds a string that looks
like a live credential to push protection, while tests still see realistic, high-entropy values.
CLASS is one of: alnum, alpha, lower, upper, digits, hex, HEX, b64, b64url, alnumlower, alnumupper, b32, b32lower, bech32, b58.
``{{join:a:b}}`` concatenates (to split a vendor prefix such as ``sk_`` + ``live_``).

Checksummed formats (see scanner/validators.py) are built at expansion time:

* ``{{crc32:ENC:LEN}}``: the CRC32 of the text since the last ``{{begin}}`` (or, without one, of the
  preceding ``{{rand}}``), in ENC (``base62``, ``hex``, ``hex-le`` for little-endian bytes), LEN
  characters; ``{{crc32:ENC:LEN:SEP}}`` writes SEP before it (the separator is not checksummed):
  ``ghp_{{rand:alnum:30}}{{crc32:base62:6}}``, ``{{begin}}glsa_{{rand:alnum:32}}{{crc32:hex-le:8:_}}``;
* ``{{bech32:HRP:N}}``: N random bytes as Bech32 with human-readable part HRP (upper case when HRP
  is): ``{{bech32:AGE-SECRET-KEY-:32}}``.
"""
from __future__ import annotations

import random
import string

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use

CLASSES = {
    "alnum": string.ascii_letters + string.digits,
    "alpha": string.ascii_letters,
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
    "b32lower": string.ascii_lowercase + "234567",
    "bech32": "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
    "b58": "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
}
_TOKEN = lazy_re(r"\{\{(rand|join|crc32|bech32|begin)(?::([^}]*))?\}\}")


def _rand(rng: random.Random, cls: str, n: int) -> str:
    alphabet = CLASSES[cls]
    while True:
        out = "".join(rng.choice(alphabet) for _ in range(n))
        # realistic values mix classes; avoid an unlucky draw without digits/letters when long
        if n < 8 or cls in ("digits", "alpha", "lower", "upper", "hex", "HEX") or (
            any(c.isdigit() for c in out) and any(c.isalpha() for c in out)
        ):
            return out


def _bech32(rng: random.Random, hrp: str, nbytes: int) -> str:
    from .validators import BECH32, bech32_checksum

    bits = "".join(f"{rng.randrange(256):08b}" for _ in range(nbytes))
    bits += "0" * (-len(bits) % 5)
    data = [int(bits[i:i + 5], 2) for i in range(0, len(bits), 5)]
    out = hrp.lower() + "1" + "".join(BECH32[d] for d in data + bech32_checksum(hrp.lower(), data))
    return out.upper() if hrp.isupper() else out


def expand(template: str, seed: str) -> str:
    """Expand every template token in ``template`` (module docstring); same seed, same output."""
    from .validators import crc32_tail

    rng = random.Random(seed)
    out: list[str] = []
    begin = last_rand = 0  # offsets in the output: the last {{begin}}, the start of the last {{rand}}
    marked = False
    pos = 0
    for m in _TOKEN.finditer(template):
        out.append(template[pos:m.start()])
        pos = m.end()
        kind, arg = m.group(1), m.group(2) or ""
        done = "".join(out)
        if kind == "join":
            out.append("".join(arg.split(":")))
        elif kind == "begin":
            begin, marked = len(done), True
        elif kind == "rand":
            cls, _, n = arg.partition(":")
            last_rand = len(done)
            out.append(_rand(rng, cls, int(n)))
        elif kind == "bech32":
            hrp, _, n = arg.rpartition(":")
            out.append(_bech32(rng, hrp, int(n)))
        else:  # crc32:ENC:LEN[:SEP]
            enc, length, *sep = arg.split(":")
            spec = {"encoding": "hex" if enc.startswith("hex") else "base62", "length": int(length),
                    "byteorder": "little" if enc == "hex-le" else "big"}
            out.append("".join(sep) + crc32_tail(done[begin if marked else last_rand:], spec))
    out.append(template[pos:])
    return "".join(out)
