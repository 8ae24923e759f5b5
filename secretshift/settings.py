"""Project configuration: ``[tool.secretshift]`` in pyproject.toml, or ``.secretshift.yaml``.

One frozen ``Settings`` is built by the CLI and passed down; nothing here is global.
Unknown keys and wrong types are a ``ConfigError`` naming the file and the key.
"""
from __future__ import annotations

from .base.record import dataclass  # not dataclasses: see secretshift/base/record.py
from pathlib import Path
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
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
    root: Path
    source: str | None = None
    exclude: tuple[str, ...] = ()
    rules: tuple[Path, ...] = ()
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


def _validate(raw: Any, source: str, root: Path) -> Settings:
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
        vals["rules"] = tuple(root / p for p in vals["rules"])
    return Settings(root=root, source=source, **vals)


def find_root(start: Path) -> Path:
    """The nearest directory at or above ``start`` holding a config file or .git; else ``start``."""
    start = start.resolve()
    if start.is_file():
        start = start.parent
    for d in (start, *start.parents):
        if (d / ".secretshift.yaml").is_file() or (d / ".git").exists():
            return d
        if (d / "pyproject.toml").is_file() and "[tool.secretshift" in _read(d / "pyproject.toml"):
            return d
    return start


def _read(p: Path) -> str:
    try:
        return p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def load_settings(root: Path, config: Path | None = None) -> Settings:
    """Read the configuration for ``root`` (or the explicit ``config`` file).

    :raises ConfigError: malformed file, unknown key or wrong type.
    """
    candidates = [config] if config else [root / ".secretshift.yaml", root / "pyproject.toml"]
    for p in candidates:
        if p is None or not p.is_file():
            if config:
                raise ConfigError(f"{config}: no such configuration file")
            continue
        text = _read(p)
        if p.suffix == ".toml":
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
