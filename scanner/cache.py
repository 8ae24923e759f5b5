"""secretshift's on-disk cache: validated rules and compiled pattern databases, keyed by content.

Where: ``$SECRETSHIFT_CACHE_DIR`` if set; otherwise the platform's user cache directory:
``$XDG_CACHE_HOME/secretshift`` (default ``~/.cache/secretshift``) on Linux and other Unixes,
``~/Library/Caches/secretshift`` on macOS, ``%LOCALAPPDATA%\\secretshift\\Cache`` on Windows.
``SECRETSHIFT_NO_CACHE=1`` turns it off. Entries are named by a hash of what they were made from,
so a changed input simply misses; each kind keeps its few most recent entries. A cache that
cannot be read or written is ignored without a word: the caller builds what it needed.

(platformdirs answers the same question, but importing it costs about 15 ms, a quarter of the
hook's whole budget; the three rules above are all it would decide here.)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

KEEP = 8  # entries kept per kind


def _sha256():  # the hash module without importing hashlib (which initialises OpenSSL: ~3 ms)
    for name in ("_sha2", "_sha256"):
        try:
            return __import__(name).sha256()
        except (ImportError, AttributeError):
            continue
    import hashlib

    return hashlib.sha256()


def digest(*parts: bytes) -> str:
    """A short hex key for the content ``parts`` (sha-256, truncated)."""
    h = _sha256()
    for p in parts:
        h.update(b"%d:" % len(p))
        h.update(p)
    return h.hexdigest()[:32]


def yaml_data(path: Path) -> object:
    """The parsed content of a YAML data file, from the cache when that content was parsed
    before (importing PyYAML and parsing cost the hook more than its whole scan)."""
    import marshal  # plain data: no import to pay, unlike pickle

    raw = Path(path).read_bytes()
    key = digest(b"yaml-data-1", raw)
    blob = read("data", key)
    if blob is not None:
        try:
            return marshal.loads(blob)
        except Exception:  # noqa: BLE001 - stale or corrupt: parse again
            pass
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(raw.decode("utf-8"), Loader=loader)  # noqa: S506 - a safe loader
    try:
        write("data", key, marshal.dumps(data))
    except Exception:  # noqa: BLE001 - a value marshal cannot hold (a YAML date): not cached
        pass
    return data


def cache_dir() -> Path | None:
    if os.environ.get("SECRETSHIFT_NO_CACHE"):
        return None
    explicit = os.environ.get("SECRETSHIFT_CACHE_DIR")
    if explicit:
        return Path(explicit)
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
        return Path(base) / "secretshift" / "Cache"
    if sys.platform == "darwin":
        return Path(os.path.expanduser("~")) / "Library" / "Caches" / "secretshift"
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "secretshift"


def path(kind: str, key: str) -> Path | None:
    d = cache_dir()
    return None if d is None else d / kind / f"{key}.bin"


def read(kind: str, key: str) -> bytes | None:
    """The entry, or None (missing, unreadable, cache off)."""
    p = path(kind, key)
    if p is None:
        return None
    try:
        with open(p, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def write(kind: str, key: str, data: bytes) -> None:
    """Store an entry atomically (a reader never sees half of one); drop the oldest of its kind.
    Any failure (read-only home, full disk) is ignored."""
    p = path(kind, key)
    if p is None:
        return
    import tempfile

    tmp = None
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=p.parent, prefix=".tmp-", suffix=".bin")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, p)
        tmp = None
        entries = sorted(p.parent.glob("*.bin"), key=lambda q: q.stat().st_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - the cache is an optimisation, never an error
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass
