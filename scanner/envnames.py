"""Is an environment variable name a secret, and what does a name tell the planner?

The patterns are data in rules/env_names.yaml. ``is_secret_name`` classifies env var names;
``hints`` reads a service and a field (``DB_PASSWORD`` -> ``("database", "password")``) from any
name (env var, Python variable, dict key, attribute), after ``snake_upper`` has normalised it.
"""
from __future__ import annotations

import fnmatch
import os
import re
from functools import lru_cache
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Any

from secretshift.base.lazyre import compile_cached, lazy_re  # module-level regexes compile on first use
from .ruleset import rule_dir

_CAMEL_RE = lazy_re(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD_RE = lazy_re(r"[^A-Za-z0-9]+")


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    from .ruleset import yaml_data

    return yaml_data(os.path.join(rule_dir(), "env_names.yaml"))  # type: ignore[return-value]  # cached per content


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]:
    data = _data()
    comp = lambda xs: tuple(compile_cached(x, re.I) for x in xs)  # noqa: E731
    return comp(data["secret"]), comp(data["non_secret"])


@lru_cache(maxsize=1)
def _hint_tables() -> tuple[tuple[tuple[re.Pattern[str], str], ...], dict[str, str], frozenset[str]]:
    data = _data()
    fields = tuple((compile_cached(p), f) for p, f in data.get("fields", []))
    services = {str(k).upper(): str(v) for k, v in (data.get("services") or {}).items()}
    generic = frozenset(str(w).upper() for w in data.get("generic_words", []))
    return fields, services, generic


def warm() -> None:
    """Load the name data and compile its patterns now (before a scan forks its workers, so each
    does not do it for itself)."""
    _patterns()
    _hint_tables()


def load_samples() -> dict[str, list[str]]:
    return _data()["samples"]  # type: ignore[no-any-return]


@lru_cache(maxsize=4096)
def snake_upper(name: str) -> str:
    """``AmazonAPIKeyToken`` / ``db-password`` / ``stripe.api_key`` -> ``AMAZON_API_KEY_TOKEN`` /
    ``DB_PASSWORD`` / ``STRIPE_API_KEY``: camelCase split, every non-alphanumeric run becomes ``_``."""
    s = _CAMEL_RE.sub("_", name)
    return _NON_WORD_RE.sub("_", s).strip("_").upper()


def is_secret_name(name: str, extra_secret: tuple[str, ...] = (), extra_non_secret: tuple[str, ...] = ()) -> bool:
    """True when ``name`` looks like it holds a credential. User globs win over the built-in data."""
    up = name.upper()
    if any(fnmatch.fnmatchcase(up, g.upper()) for g in extra_non_secret):
        return False
    if any(fnmatch.fnmatchcase(up, g.upper()) for g in extra_secret):
        return True
    secret, non_secret = _patterns()
    return any(p.search(up) for p in secret) and not any(p.search(up) for p in non_secret)


def hints(name: str | None) -> tuple[str | None, str | None]:
    """(service, field) suggested by a name, either possibly None. ``name`` may be dotted
    (``DATABASES.default.PASSWORD``): every part is looked at for the service, the last for the field."""
    if not name:
        return None, None
    fields, services, generic = _hint_tables()
    parts = [snake_upper(p) for p in name.split(".") if p]
    last = parts[-1] if parts else ""
    field = next((f for rx, f in fields if rx.search(last)), None)
    words = [w for p in parts for w in p.split("_") if w]
    service = next((services[w] for w in words if w in services), None)
    if service is None and len(last.split("_")) > 1:
        first = last.split("_")[0]
        if first not in generic and first.isalpha() and len(first) > 2 and not any(rx.search(first) for rx, _ in fields):
            service = first.lower()
    return service, field
