"""Is an environment variable name a secret? The patterns are data in rules/env_names.yaml."""
from __future__ import annotations

import fnmatch
import re
from functools import lru_cache

from .ruleset import builtin_rule_dir


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]:
    import yaml

    data = yaml.safe_load((builtin_rule_dir() / "env_names.yaml").read_text(encoding="utf-8"))
    comp = lambda xs: tuple(re.compile(x, re.I) for x in xs)  # noqa: E731
    return comp(data["secret"]), comp(data["non_secret"])


def load_samples() -> dict[str, list[str]]:
    import yaml

    return yaml.safe_load((builtin_rule_dir() / "env_names.yaml").read_text(encoding="utf-8"))["samples"]


def is_secret_name(name: str, extra_secret: tuple[str, ...] = (), extra_non_secret: tuple[str, ...] = ()) -> bool:
    """True when ``name`` looks like it holds a credential. User globs win over the built-in data."""
    up = name.upper()
    if any(fnmatch.fnmatchcase(up, g.upper()) for g in extra_non_secret):
        return False
    if any(fnmatch.fnmatchcase(up, g.upper()) for g in extra_secret):
        return True
    secret, non_secret = _patterns()
    return any(p.search(up) for p in secret) and not any(p.search(up) for p in non_secret)
