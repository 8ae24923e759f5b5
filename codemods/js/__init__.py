"""JavaScript and TypeScript rewrites (tree-sitter) and the accessor module they import.

``rewrite(text, path, targets, options) -> FileRewrite`` (see ``codemods.deploy.base``);
``module_info(path, text, read)`` says which module system, accessor and import specifier a file gets.
"""
from .project import SDK, ModuleInfo, accessor_source, module_info, with_dependency
from .rewrite import js_unescape, language_for, rewrite

__all__ = ["rewrite", "module_info", "ModuleInfo", "accessor_source", "with_dependency", "js_unescape",
           "language_for", "SDK"]
