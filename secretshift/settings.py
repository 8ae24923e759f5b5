"""Project configuration: ``[tool.secretshift]`` in pyproject.toml, or ``.secretshift.yaml``.

One frozen ``Settings`` is built by the CLI and passed down; nothing here is global.
Unknown keys and wrong types are a ``ConfigError`` naming the file and the key.
"""
from __future__ import annotations

import os

from .base.record import dataclass  # not dataclasses: see secretshift/base/record.py
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

from .base.errors import ConfigError

# key -> (type, default, help)
KEYS: dict[str, tuple[type, Any, str]] = {
    "exclude": (list, [], "glob patterns of files not to scan"),
    "rules": (list, [], "extra rule files (YAML), relative to the project root"),
    "disable": (list, [], "rule ids to turn off, e.g. SS105"),
    "placeholders": (list, [], "extra substrings that mark a value as a placeholder"),
    "non_secret_env_names": (list, [], "environment variable names (globs) that are not secrets"),
    "secret_env_names": (list, [], "environment variable names (globs) that are secrets"),
    "max_file_size": (int, 5 * 1024 * 1024, "files larger than this many bytes are skipped"),
    "include_vendored": (bool, False, "also scan node_modules/, vendor/, third_party/ ..."),
    "fail_on": (str, "hardcoded", "what makes the scan exit 1: hardcoded, any, or a severity"),
    "baseline": (str, "", "baseline file used by scan and the hook"),
    "prefix": (str, "production", "secret name prefix for plan/migrate"),
    "accessor": (str, "", "accessor used by rewritten code, pkg.mod:get_secret"),
    "accessor_module": (str, "", "dotted module migrate writes the accessor to (default: per importing package)"),
}


@dataclass(frozen=True)
class Settings:
    root: Path  # or a str: what the caller passed (the hook passes strings: no pathlib on its path)
    source: str | None = None
    exclude: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()  # team rule files, joined to the root
    disable: tuple[str, ...] = ()
    placeholders: tuple[str, ...] = ()
    non_secret_env_names: tuple[str, ...] = ()
    secret_env_names: tuple[str, ...] = ()
    max_file_size: int = 5 * 1024 * 1024
    include_vendored: bool = False
    fail_on: str = "hardcoded"
    baseline: str = ""
    prefix: str = "production"
    accessor: str = ""
    accessor_module: str = ""


def _validate(raw: Any, source: str, root: str | Path) -> Settings:
    if not isinstance(raw, dict):
        raise ConfigError(f"{source}: configuration must be a mapping")
    unknown = set(raw) - set(KEYS)
    if unknown:
        raise ConfigError(f"{source}: unknown key(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(KEYS))}")
    vals: dict[str, Any] = {}
    for k, v in raw.items():
        typ = KEYS[k][0]
        if typ is list:
            if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
                raise ConfigError(f"{source}: '{k}' must be a list of strings")
            vals[k] = tuple(v)
        elif typ is int:
            if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
                raise ConfigError(f"{source}: '{k}' must be a positive integer")
            vals[k] = v
        elif not isinstance(v, typ):
            raise ConfigError(f"{source}: '{k}' must be a {typ.__name__}")
        else:
            vals[k] = v
    if "rules" in vals:
        vals["rules"] = tuple(os.path.join(root, p) for p in vals["rules"])
    return Settings(root=root, source=source, **vals)


def find_root(start: str | Path) -> str | Path:
    """The nearest directory at or above ``start`` holding a config file or .git; else ``start``
    (resolved). A str in, a str out (the hook: no pathlib on its path); a Path in, a Path out."""
    found = _find_root(os.path.realpath(start))
    if isinstance(start, str):
        return found
    from pathlib import Path

    return Path(found)


def _find_root(start: str) -> str:
    if os.path.isfile(start):
        start = os.path.dirname(start)
    d = start
    while True:
        if os.path.isfile(os.path.join(d, ".secretshift.yaml")) or os.path.exists(os.path.join(d, ".git")):
            return d
        toml = os.path.join(d, "pyproject.toml")
        if os.path.isfile(toml) and "[tool.secretshift" in _read(toml):
            return d
        up = os.path.dirname(d)
        if up == d:
            return start
        d = up


def _read(p: str | Path) -> str:
    try:
        with open(p, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError):
        return ""


def load_settings(root: Path, config: Path | None = None) -> Settings:
    """Read the configuration for ``root`` (or the explicit ``config`` file).

    :raises ConfigError: malformed file, unknown key or wrong type.
    """
    candidates = [config] if config else [os.path.join(root, ".secretshift.yaml"), os.path.join(root, "pyproject.toml")]
    for p in candidates:
        if p is None or not os.path.isfile(p):
            if config:
                raise ConfigError(f"{config}: no such configuration file")
            continue
        text = _read(p)
        if os.path.splitext(p)[1] == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib  # type: ignore[no-redef]
            if "secretshift" not in text:
                continue
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as e:
                raise ConfigError(f"{p}: not valid TOML: {e}") from None
            raw = data.get("tool", {}).get("secretshift")
            if raw is None:
                continue
            return _validate(raw, str(p), root)
        import yaml

        try:
            raw = yaml.safe_load(text) or {}
        except yaml.YAMLError as e:
            raise ConfigError(f"{p}: not valid YAML: {str(e).splitlines()[0]}") from None
        return _validate(raw, str(p), root)
    return Settings(root=root)
