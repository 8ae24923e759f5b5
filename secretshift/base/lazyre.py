"""Regexes compiled when first used, from a cache of compiled programs.

Python compiles a regex in Python (``re._parser``, ``re._compiler``): a typical rule pattern costs
about half a million instructions, a long one several millions, and a scan uses a few hundred of
them (the rules' and the engines' own). Two things make that cost go away:

* ``lazy_re(pattern, flags)`` for module-level regexes: nothing is compiled until first used; then
  the compiled pattern's methods are bound on the object, so later calls cost what calling the
  pattern costs;
* ``compile_cached(pattern, flags)``: the program ``re`` builds for a pattern is a list of
  integers, which the C engine (``_sre.compile``) turns into a pattern object in microseconds. It is
  kept in the cache directory (``secretshift.base.cache``), one entry per pattern, keyed by the
  pattern, its flags, the Python version and the engine's version (``_sre.MAGIC``); an entry that
  cannot be used, or a Python whose ``re`` internals differ, means an ordinary ``re.compile``.
"""
from __future__ import annotations

import re

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner")
_ATTRS = ("pattern", "flags", "groups", "groupindex")
KEEP = 4000  # cached programs kept (a few hundred patterns per rule set and version of the code)


def compile_cached(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, with the compiled program from the cache when it is there."""
    flags = int(flags)
    try:
        import _sre
        import marshal
        import sys

        from . import cache
    except ImportError:  # pragma: no cover - not CPython
        return re.compile(pattern, flags)
    key = cache.digest(b"re-1", f"{sys.version}|{_sre.MAGIC}|{flags}".encode(), pattern.encode("utf-8", "surrogatepass"))
    blob = cache.read("re", key)
    if blob is not None:
        try:
            fl, code, groups, groupindex, indexgroup = marshal.loads(blob)
            return _sre.compile(pattern, fl, code, groups, groupindex, indexgroup)
        except Exception:  # noqa: BLE001 - a stale or foreign entry: compile afresh
            pass
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]

        p = _parser.parse(pattern, flags)
        code = _compiler._code(p, flags)
        groupindex = dict(p.state.groupdict)
        indexgroup = [None] * p.state.groups
        for k, i in groupindex.items():
            indexgroup[i] = k
        entry = (int(flags | p.state.flags), [int(c) for c in code], p.state.groups - 1, groupindex, tuple(indexgroup))
        rx = _sre.compile(pattern, *entry)
    except re.error:
        raise
    except Exception:  # noqa: BLE001 - another Python's re internals: the public way
        return re.compile(pattern, flags)
    cache.write("re", key, marshal.dumps(entry), keep=KEEP)
    return rx


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
