"""``lazy_re(pattern, flags)``: a module-level regex compiled when it is first used.

Python compiles a regex in Python (``re._parser``, ``re._compiler``): a typical pattern costs
about half a million instructions, and the scanner's modules define some hundred at import. The
pre-commit hook runs on every commit and uses a few of them; this way the others cost nothing.
After the first use the compiled pattern's methods are bound on the object, so later calls cost
what calling the pattern costs.
"""
from __future__ import annotations

_METHODS = ("search", "match", "fullmatch", "finditer", "findall", "sub", "subn", "split", "scanner")
_ATTRS = ("pattern", "flags", "groups", "groupindex")


class LazyRegex:
    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.__dict__["_args"] = (pattern, flags)

    def __getattr__(self, name: str) -> object:
        import re

        rx = re.compile(*self.__dict__["_args"])
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
