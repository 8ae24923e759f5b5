"""secretshift's on-disk cache: validated rules, compiled patterns and databases, keyed by content.

Where: ``$SECRETSHIFT_CACHE_DIR`` if set; otherwise the platform's user cache directory:
``$XDG_CACHE_HOME/secretshift`` (default ``~/.cache/secretshift``) on Linux and other Unixes,
``~/Library/Caches/secretshift`` on macOS, ``%LOCALAPPDATA%\\secretshift\\Cache`` on Windows.
``SECRETSHIFT_NO_CACHE=1`` turns it off. Entries are named by a hash of what they were made from,
so a changed input simply misses; each kind keeps its few most recent entries. (The rule loader
also remembers a content key under the rule files' stat, ``rules-stat``: see
``scanner/ruleset.py``.) A cache that
cannot be read or written is ignored without a word: the caller builds what it needed.

(platformdirs answers the same question, but importing it costs about 15 ms, a quarter of the
hook's whole budget; the three rules above are all it would decide here.)
"""
from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from pathlib import Path

KEEP = 8  # entries kept per kind


_SHA256: list = []


def _sha256():  # the hash module without importing hashlib (which initialises OpenSSL: ~3 ms)
    if not _SHA256:  # looked up once: a failed import searches the whole path again every time
        for name in ("_sha2", "_sha256"):
            try:
                _SHA256.append(__import__(name).sha256)
                break
            except (ImportError, AttributeError):
                continue
        else:
            import hashlib

            _SHA256.append(hashlib.sha256)
    return _SHA256[0]()


def sha256(data: bytes = b""):  # -> a hashlib-style sha256 object
    """``hashlib.sha256(data)``, from the built-in module (the same digest, without OpenSSL)."""
    h = _sha256()
    if data:
        h.update(data)
    return h


def digest(*parts: bytes) -> str:
    """A short hex key for the content ``parts`` (sha-256, truncated)."""
    h = _sha256()
    for p in parts:
        h.update(b"%d:" % len(p))
        h.update(p)
    return h.hexdigest()[:32]


def _dir_plain() -> str | None:
    """The cache directory as a string (os.path: importing pathlib costs the hook ~17 M instructions)."""
    if os.environ.get("SECRETSHIFT_NO_CACHE"):
        return None
    explicit = os.environ.get("SECRETSHIFT_CACHE_DIR")
    if explicit:
        return explicit
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
        return os.path.join(base, "secretshift", "Cache")
    if sys.platform == "darwin":
        return os.path.join(os.path.expanduser("~"), "Library", "Caches", "secretshift")
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "secretshift")


def cache_dir() -> Path | None:
    d = _dir_plain()
    if d is None:
        return None
    from pathlib import Path

    return Path(d)


def path(kind: str, key: str) -> Path | None:
    d = cache_dir()
    return None if d is None else d / kind / f"{key}.bin"


_DIRS: dict[tuple, str | None] = {}  # the environment that decides -> the directory, as a string


def _dir_str() -> str | None:
    env = os.environ
    k = (env.get("SECRETSHIFT_NO_CACHE"), env.get("SECRETSHIFT_CACHE_DIR"), env.get("XDG_CACHE_HOME"),
         env.get("LOCALAPPDATA"), env.get("HOME"))
    got = _DIRS.get(k, "")
    if got == "":
        got = _DIRS[k] = _dir_plain()
    return got


def read(kind: str, key: str) -> bytes | None:
    """The entry, or None (missing, unreadable, cache off). On the hook's path: plain strings and
    one open, no pathlib."""
    d = _dir_str()
    if d is None:
        return None
    try:
        with open(f"{d}{os.sep}{kind}{os.sep}{key}.bin", "rb") as fh:
            return fh.read()
    except OSError:
        return None


def open_entry(kind: str, key: str):
    """The entry opened for binary reading (the caller closes it), or None: for an entry read in
    parts, where ``read`` would copy all of it first."""
    d = _dir_str()
    if d is None:
        return None
    try:
        return open(f"{d}{os.sep}{kind}{os.sep}{key}.bin", "rb")
    except OSError:
        return None


def exists(kind: str, key: str) -> bool:
    """Whether the entry is there (without reading it; False with the cache off)."""
    d = _dir_str()
    return d is not None and os.path.isfile(f"{d}{os.sep}{kind}{os.sep}{key}.bin")


def write(kind: str, key: str, data: bytes, keep: int = KEEP) -> None:
    """Store an entry atomically (a reader never sees half of one); keep the ``keep`` newest of
    its kind. Any failure (read-only home, full disk) is ignored."""
    d = _dir_str()
    if d is None:
        return
    import tempfile

    tmp = None
    try:
        folder = os.path.join(d, kind)
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".bin")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, os.path.join(folder, f"{key}.bin"))
        tmp = None
        entries = [os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".bin") and not n.startswith(".")]
        if len(entries) > keep:
            entries.sort(key=lambda q: os.stat(q).st_mtime, reverse=True)
            for old in entries[keep:]:
                try:
                    os.unlink(old)
                except FileNotFoundError:
                    pass
    except Exception:  # noqa: BLE001 - the cache is an optimisation, never an error
        if tmp:
            try:
                os.unlink(tmp)
            except OSError:
                pass
