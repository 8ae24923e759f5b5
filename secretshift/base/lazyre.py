"""Regexes compiled when first used, from a cache of compiled programs.

Python compiles a regex in Python (``re._parser``, ``re._compiler``): a typical rule pattern costs
about half a million instructions, a long one several millions, and a scan uses a few hundred of
them (the rules' and the engines' own). Two things make that cost go away:

* ``lazy_re(pattern, flags)`` for module-level regexes: nothing is compiled until first used; then
  the compiled pattern's methods are bound on the object, so later calls cost what calling the
  pattern costs;
* ``compile_cached(pattern, flags)``: the program ``re`` builds for a pattern is a list of
  integers, which the C engine (``_sre.compile``) turns into a pattern object in microseconds. The
  programs of every pattern compiled so far live in ONE cache entry (``re-pack``, in
  ``secretshift.base.cache``), keyed by the Python version and the engine's version
  (``_sre.MAGIC``): one read per run, a dict lookup by (pattern, flags) per pattern, each program
  kept as packed 32-bit words and turned into a list only when that pattern is used. A pattern not
  in it is compiled as ``re`` does and the entry is rewritten once, at exit, merged with what other
  runs stored meanwhile. An entry that cannot be read, or a Python whose ``re`` internals differ,
  means an ordinary ``re.compile``; one that cannot be written is ignored.
"""
from __future__ import annotations

import re

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner")
_ATTRS = ("pattern", "flags", "groups", "groupindex")
KEEP = 4000  # cached programs kept (a few hundred patterns per rule set and version of the code)


_PACK: dict | None = None  # (pattern, flags) -> (flags, code as bytes, groups, groupindex, indexgroup)
_NEW: dict = {}  # what this run compiled that the pack lacked: written at exit
# Programs kept in the pack; over that, it restarts from this run's own. Every run reads the whole
# entry (whole-tree scans of the corpus and of psf/requests leave 200-300 programs, 0.2-0.3 MB; 185
# programs more cost the hook 1.3 M instructions), so old programs of edited rules must not pile up
# without end.
PACK_KEEP = 1200


def _pack_key() -> str:
    import sys

    import _sre

    from . import cache

    return cache.digest(b"re-pack-1", f"{sys.version}|{_sre.MAGIC}".encode())


def _read_pack() -> dict:
    import marshal

    from . import cache

    blob = cache.read("re-pack", _pack_key())
    if blob is not None:
        try:
            got = marshal.loads(blob)
            if isinstance(got, dict):
                return got
        except Exception:  # noqa: BLE001 - stale or corrupt: start a new one
            pass
    return {}


def _write_pack() -> None:
    """At exit: this run's new programs, merged with the entry as it is now on disk."""
    if not _NEW:
        return
    try:
        import marshal

        from . import cache

        merged = _read_pack()
        if len(merged) + len(_NEW) > PACK_KEEP:
            merged = {}
        merged.update(_NEW)
        cache.write("re-pack", _pack_key(), marshal.dumps(merged), keep=4)
    except Exception:  # noqa: BLE001 - the cache is an optimisation, never an error
        pass


def compile_cached(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, with the compiled program from the cache when it is there."""
    global _PACK
    flags = int(flags)
    try:
        import _sre
    except ImportError:  # pragma: no cover - not CPython
        return re.compile(pattern, flags)
    if _PACK is None:
        _PACK = _read_pack()
    got = _PACK.get((pattern, flags))
    if got is not None:
        try:
            fl, code, groups, groupindex, indexgroup = got
            return _sre.compile(pattern, fl, memoryview(code).cast("I").tolist(), groups, groupindex, indexgroup)
        except Exception:  # noqa: BLE001 - a stale or foreign entry: compile afresh
            pass
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]

        p = _parser.parse(pattern, flags)
        code = [int(c) for c in _compiler._code(p, flags)]
        groupindex = dict(p.state.groupdict)
        indexgroup = [None] * p.state.groups
        for k, i in groupindex.items():
            indexgroup[i] = k
        entry = (int(flags | p.state.flags), code, p.state.groups - 1, groupindex, tuple(indexgroup))
        rx = _sre.compile(pattern, *entry)
        packed = (entry[0], memoryview(array_of(code)).tobytes(), *entry[2:])
    except re.error:
        raise
    except Exception:  # noqa: BLE001 - another Python's re internals: the public way
        return re.compile(pattern, flags)
    if not _NEW:
        import atexit

        atexit.register(_write_pack)
    _NEW[(pattern, flags)] = _PACK[(pattern, flags)] = packed
    return rx


def import_compiled(name: str):  # -> the module
    """``importlib.import_module(name)``, with what the module and those it imports compile with
    ``re.compile`` while being imported taken from the program cache (PyYAML compiles a dozen
    patterns at import, half of its import's cost). Only ``str`` patterns; anything else, and every
    ``re.compile`` after the import, is ``re``'s own."""
    import importlib
    import sys

    mod = sys.modules.get(name)
    if mod is not None:
        return mod
    real = re.compile

    def compile(pattern, flags=0):  # type: ignore[no-untyped-def]
        return compile_cached(pattern, flags) if type(pattern) is str else real(pattern, flags)

    re.compile = compile  # type: ignore[assignment]
    try:
        return importlib.import_module(name)
    finally:
        re.compile = real


def array_of(code: list[int]):  # -> array.array of 32-bit words (the engine's SRE_CODE)
    import array

    for t in ("I", "L"):
        a = array.array(t)
        if a.itemsize == 4:
            a.extend(code)
            return a
    raise ValueError("no 32-bit array type")


class LazyRegex:
    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.__dict__["_args"] = (pattern, flags)

    def __getattr__(self, name: str) -> object:
        rx = compile_cached(*self.__dict__["_args"])
        for m in _METHODS + _ATTRS:
            self.__dict__[m] = getattr(rx, m)
        self.__dict__["compiled"] = rx
        if name == "compiled":
            return rx
        return getattr(rx, name)

    def __repr__(self) -> str:
        return f"lazy_re({self.__dict__['_args'][0]!r})"


def lazy_re(pattern: str, flags: int = 0) -> LazyRegex:
    return LazyRegex(pattern, flags)
