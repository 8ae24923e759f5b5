"""The function rewritten code calls, and the module secretshift writes to provide it.

Three shapes (``Accessor.parse``):

- default: secretshift writes ``secretshift_secrets.py`` (template in ``codemods/templates``)
  into the project and rewritten files do ``from secretshift_secrets import get_secret``;
- ``pkg.mod:func``: the project's own function, called the same way (``func("id")["key"]``);
- ``aws_secretsmanager_caching``: AWS's caching library; each rewritten file gets a module-level
  ``SecretCache()`` and calls ``json.loads(cache.get_secret_string("id"))["key"]``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from secretshift.base.errors import SecretshiftError

from .literals import py_str

DEFAULT_MODULE = "secretshift_secrets"
CACHING = "aws_secretsmanager_caching"
CACHE_NAME = "_secretshift_cache"
TEMPLATE = "secrets_accessor.py"
_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# sha256 of earlier versions of the template: a copy still equal to one was never edited, and is
# brought up to date (rewritten code may call what the new version adds, such as has_secret)
_SUPERSEDED = {
    "ba9c9aac3a8de03bc00e5af93387babdfad09c9e90ce78d05733bbd2dc41dc8c",
    "ea48b850d6049af5e4d31a28cc003d3e58b3941a947066b5497325572e3849b6",
    "0c89695be2a490523d36adf06989e91f567fb9f3d28a8f85654f5ab36ced1865",
    "cdfd47ba548b555ba646753ef2228a469b10a148fd9a03747e4120e1d7d54fba",
    "40d1420c1210d80056c7d6e1f940fb2f718c316123ea305111be3edfc1c87d69",
    "0f3a297ad24217b7994b76add3710d391a3b4d730102c089caefd12b5e6c2f94",
    "c45ef7b1cc0a366a4dae8be4db29b45fa95e0c4303b9c07bb34f21b12f63b603",  # before FALLBACK_REGION
}
# the template's line naming the region the secrets were created in; a written copy names one (or None)
_REGION_LINE = "FALLBACK_REGION = None\n"
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")  # us-east-1, eu-central-2, us-gov-west-1, cn-north-1


class AccessorError(SecretshiftError):
    """The accessor specification or module cannot be used."""


def _error(msg: str) -> AccessorError:
    return AccessorError(msg)


@dataclass(frozen=True)
class Accessor:
    """How generated code reads a secret. ``kind`` is ``module`` (written by secretshift),
    ``function`` (the project's own) or ``caching`` (aws_secretsmanager_caching)."""

    kind: str = "module"
    module: str = DEFAULT_MODULE
    name: str = "get_secret"

    @classmethod
    def parse(cls, spec: Optional[str], default_module: str = DEFAULT_MODULE) -> "Accessor":
        """``None``/``""`` -> the written module; ``pkg.mod:func``; or ``aws_secretsmanager_caching``.

        :raises SecretshiftError: a malformed specification (one line).
        """
        if not spec:
            if not _DOTTED.match(default_module):
                raise _error(f"accessor module {default_module!r} is not a dotted module name")
            return cls("module", default_module, "get_secret")
        if spec == CACHING:
            return cls("caching", CACHING, CACHE_NAME)
        mod, sep, name = spec.partition(":")
        if not sep or not _DOTTED.match(mod) or not _IDENT.match(name):
            raise _error(f"--accessor must be pkg.module:function or {CACHING}, got {spec!r}")
        return cls("function", mod, name)

    def call(self, secret_id: str, json_key: Optional[str], quote: str = '"') -> str:
        """Expression text reading ``secret_id`` (and ``json_key`` of its JSON object)."""
        sid = py_str(secret_id, quote)
        if self.kind == "caching":
            base = f"{CACHE_NAME}.get_secret_string({sid})"
            if json_key is None:
                return base
            return f"json.loads({base})[{py_str(json_key, quote)}]"
        base = f"{self.name}({sid})"
        return base if json_key is None else f"{base}[{py_str(json_key, quote)}]"

    def has_call(self, secret_id: str, json_key: Optional[str], quote: str = '"') -> Optional[str]:
        """Expression text telling whether ``secret_id`` (and ``json_key``) exists, for a presence
        test of the variable it replaced; None when the accessor has no such function (only the
        module secretshift writes has ``has_secret``)."""
        if self.kind != "module":
            return None
        key = "" if json_key is None else f", {py_str(json_key, quote)}"
        return f"has_secret({py_str(secret_id, quote)}{key})"

    def imports(self) -> List[Tuple[str, Optional[str]]]:
        """(module, object) pairs to schedule with AddImportsVisitor."""
        if self.kind == "caching":
            return [("json", None), (CACHING, "SecretCache")]
        return [(self.module, self.name)]

    def preamble(self) -> Optional[str]:
        """A module-level statement every rewritten file needs (the caching library's cache)."""
        return f"{CACHE_NAME} = SecretCache()" if self.kind == "caching" else None

    def func_name(self) -> str:
        return CACHE_NAME if self.kind == "caching" else self.name


def accessor_source(region: Optional[str] = None) -> str:
    """The text of the accessor module secretshift writes into a project: ``region`` (the one the
    secrets were created in) is where its clients go when the environment names none."""
    from importlib.resources import files

    text = files("secretshift.codemods").joinpath("templates", TEMPLATE).read_text(encoding="utf-8")
    if region and _REGION.match(region):
        text = text.replace(_REGION_LINE, f'FALLBACK_REGION = "{region}"\n', 1)
    return text


def write_accessor_module(root: Path, module: str = DEFAULT_MODULE, region: Optional[str] = None) -> Path:
    """Write the accessor module ``module`` (dotted) under ``root``; return its path. ``region``: the
    region the secrets were created in, the clients' fallback (``accessor_source``).

    Idempotent: an identical file is left alone, and so is a file the user changed (it is theirs
    now); a copy of an earlier version of the template that nobody edited is brought up to date, and
    an unedited copy that names no region gets ``region`` (one that names one keeps it: the secrets
    it reads are there). Parent folders are created; a new folder gets no ``__init__.py`` (namespace
    package).

    :raises SecretshiftError: ``module`` is not a dotted name, or its path is a directory.
    """
    from secretshift.base.fileio import atomic_write_text

    if not _DOTTED.match(module):
        raise _error(f"accessor module {module!r} is not a dotted module name")
    path = Path(root).joinpath(*module.split(".")).with_suffix(".py")
    if path.is_dir():
        raise _error(f"accessor module path {path} is a directory")
    if path.exists():
        import hashlib

        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() in _SUPERSEDED:
            atomic_write_text(path, accessor_source(region))
        elif region and data.decode("utf-8", "replace") == accessor_source() != accessor_source(region):
            atomic_write_text(path, accessor_source(region))
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, accessor_source(region))
    return path
