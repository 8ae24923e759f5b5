"""Tree-sitter grammars: one parser per language, loaded on first use, shared by engines and codemods.

py-tree-sitter plus the official grammar wheels (``tree-sitter-javascript`` and kin) give concrete
syntax trees with exact byte ranges. A grammar that cannot be imported on this platform is not an
error: ``parser_for`` returns None and ``missing_reason`` says why, so callers fall back (the scanner
to its generic rules, with one warning naming the language).

Nothing here is imported on a path that does not parse code: the grammar modules load lazily.
"""
from __future__ import annotations

import importlib
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Any

# language (as ``sources.language_of`` names it) -> (grammar module, function returning the language)
GRAMMARS: dict[str, tuple[str, str]] = {
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "java": ("tree_sitter_java", "language"),
    "csharp": ("tree_sitter_c_sharp", "language"),
    "kotlin": ("tree_sitter_kotlin", "language"),
    "ruby": ("tree_sitter_ruby", "language"),
    "php": ("tree_sitter_php", "language_php"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "shell": ("tree_sitter_bash", "language"),
    "hcl": ("tree_sitter_hcl", "language"),
}

_languages: dict[str, Any] = {}
_missing: dict[str, str] = {}


def language(name: str) -> Any | None:
    """The ``tree_sitter.Language`` for ``name``, or None when its grammar is not available here."""
    if name in _languages:
        return _languages[name]
    if name in _missing:
        return None
    spec = GRAMMARS.get(name)
    if spec is None:
        _missing[name] = f"no tree-sitter grammar is configured for {name}"
        return None
    try:
        import tree_sitter

        mod = _binding(spec[0]) or importlib.import_module(spec[0])
        lang = tree_sitter.Language(getattr(mod, spec[1])())
    except Exception as e:  # ImportError, an ABI mismatch (ValueError), a broken wheel
        _missing[name] = f"the {name} grammar ({spec[0].replace('_', '-')}) is not usable here: {type(e).__name__}"
        return None
    _languages[name] = lang
    return lang


def _binding(package: str) -> Any | None:
    """The grammar wheel's compiled ``_binding`` module, loaded from its file without running the
    package's ``__init__`` (which imports ``importlib.resources`` for its query files: 6.6 ms of a
    whole-tree scan's start, before the workers fork, for files we never read). None when the
    wheel is laid out otherwise: the package is then imported as usual."""
    import sys

    name = f"{package}._binding"
    if name in sys.modules:
        return sys.modules[name]
    try:
        import importlib.machinery
        import importlib.util
        import os

        spec = importlib.util.find_spec(package)  # finds the package without importing it
        if spec is None or not spec.submodule_search_locations:
            return None
        for folder in spec.submodule_search_locations:
            for suffix in importlib.machinery.EXTENSION_SUFFIXES:
                path = os.path.join(folder, "_binding" + suffix)
                if os.path.isfile(path):
                    loader = importlib.machinery.ExtensionFileLoader(name, path)
                    mod = importlib.util.module_from_spec(importlib.util.spec_from_file_location(name, path, loader=loader))
                    loader.exec_module(mod)
                    sys.modules[name] = mod
                    return mod
    except Exception:  # noqa: BLE001 - the usual import decides
        return None
    return None


def parser_for(name: str) -> Any | None:
    """A new ``tree_sitter.Parser`` for ``name`` (parsers are cheap; languages are cached), or None."""
    lang = language(name)
    if lang is None:
        return None
    import tree_sitter

    return tree_sitter.Parser(lang)


def missing_reason(name: str) -> str | None:
    """Why ``language(name)`` returned None (after a call), else None."""
    return _missing.get(name)
