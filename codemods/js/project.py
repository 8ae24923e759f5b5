"""Where a JavaScript/TypeScript file lives: its package (nearest ``package.json``), its module system
(ESM or CommonJS, from the extension, then ``package.json`` ``type``, then the file's own syntax),
whether top-level ``await`` is valid there, and the accessor module it imports.

- ``.mjs``/``.mts``: ESM; ``.cjs``/``.cts``: CommonJS; ``.js``/``.jsx``/``.ts``/``.tsx``: the
  package's ``type`` for Node, and ``import``/``export`` syntax marks a file a bundler treats as ESM.
- Top-level ``await``: ESM by Node's rules (``.mjs`` or ``type: module``), and for TypeScript only
  with a ``module`` of ``es2022``/``esnext``/``node16``/``node18``/``nodenext``/``preserve`` and a
  ``target`` of ``es2017`` or later in the nearest ``tsconfig.json``. A bundled ``.js`` without ``type: module`` does not count: the rewrite falls
  back to ``getSecretSync`` there.
- The accessor sits in the package's folder: ``secretshift-secrets.mjs`` (ESM JavaScript),
  ``secretshift-secrets.cjs`` (CommonJS) or ``secretshift-secrets.ts`` (TypeScript, imported without
  extension, or with ``.js`` under ``node16``/``nodenext`` resolution).
"""
from __future__ import annotations

import json
import posixpath
import re
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

SDK = "@aws-sdk/client-secrets-manager"
SDK_VERSION = "^3.600.0"
BASENAME = "secretshift-secrets"
TS_EXTS = (".ts", ".mts", ".cts", ".tsx")
JS_EXTS = (".js", ".mjs", ".cjs", ".jsx")
_ESM_SYNTAX = re.compile(r"^[ \t]*(?:import[\s{*\"']|export[\s{*])", re.M)
_TLA_MODULES = ("es2022", "esnext", "node16", "node18", "nodenext", "preserve")
_STRICT_RESOLUTION = ("node16", "nodenext")


def _tla_target(target: str) -> bool:
    """Whether a tsconfig ``target`` allows top-level await: es2017 or later, or esnext."""
    if target == "esnext":
        return True
    m = re.fullmatch(r"es(\d{4})", target)
    return bool(m) and int(m.group(1)) >= 2017


def _jsonc(text: Optional[str]) -> dict:
    if not text:
        return {}
    try:
        out = json.loads(text)
    except ValueError:
        stripped = re.sub(r"//[^\n]*|/\*.*?\*/", "", text, flags=re.S)
        stripped = re.sub(r",(\s*[}\]])", r"\1", stripped)
        try:
            out = json.loads(stripped)
        except ValueError:
            return {}
    return out if isinstance(out, dict) else {}


@dataclass(frozen=True)
class ModuleInfo:
    path: str  # the file, project-relative
    typescript: bool
    esm_syntax: bool  # import/export: the accessor is imported, else required
    tla: bool  # top-level await is valid
    package_dir: str  # folder of the nearest package.json ("" = project root), or where one is created
    package_exists: bool
    accessor: str  # project-relative path of the accessor module
    specifier: str  # what the file imports

    @property
    def package_json(self) -> str:
        return posixpath.join(self.package_dir, "package.json") if self.package_dir else "package.json"


def _find_up(start: str, name: str, read: Callable[[str], Optional[str]]) -> Tuple[Optional[str], Optional[str]]:
    d = start
    while True:
        rel = posixpath.join(d, name) if d else name
        text = read(rel)
        if text is not None:
            return d, text
        if not d:
            return None, None
        d = posixpath.dirname(d)


def module_info(rel: str, text: str, read: Callable[[str], Optional[str]]) -> ModuleInfo:
    ext = posixpath.splitext(rel)[1].lower()
    folder = posixpath.dirname(rel)
    pkg_dir, pkg_text = _find_up(folder, "package.json", read)
    pkg = _jsonc(pkg_text)
    typescript = ext in TS_EXTS
    pkg_type_module = pkg.get("type") == "module"
    if ext in (".mjs", ".mts"):
        node_esm = True
    elif ext in (".cjs", ".cts"):
        node_esm = False
    else:
        node_esm = pkg_type_module
    syntax = bool(_ESM_SYNTAX.search(text)) and ext not in (".cjs", ".cts")
    esm_syntax = node_esm or syntax or (typescript and ext not in (".cts",) and "require(" not in text)
    tla = node_esm
    resolution_strict = False
    if typescript:
        _, ts_text = _find_up(folder, "tsconfig.json", read)
        opts = _jsonc(ts_text).get("compilerOptions") or {}
        module = str(opts.get("module") or "").lower()
        resolution = str(opts.get("moduleResolution") or module).lower()
        resolution_strict = resolution in _STRICT_RESOLUTION
        # tsc also wants a target of es2017 or later (TS1378); an unset target is older
        target = str(opts.get("target") or "").lower()
        tla = module in _TLA_MODULES and (node_esm or module in ("es2022", "esnext", "preserve")) and _tla_target(target)
    if pkg_dir is None:  # no package.json up to the root: one is created in the file's top folder
        pkg_dir = rel.split("/", 1)[0] if "/" in rel else ""
    if typescript:
        acc_ext = ".ts"
    else:
        acc_ext = ".mjs" if esm_syntax else ".cjs"
    accessor = posixpath.join(pkg_dir, BASENAME + acc_ext) if pkg_dir else BASENAME + acc_ext
    spec = posixpath.relpath(accessor, folder or ".")
    if not spec.startswith("."):
        spec = "./" + spec
    if typescript:
        spec = spec[: -len(".ts")] + (".js" if resolution_strict else "")
    return ModuleInfo(rel, typescript, esm_syntax, tla, pkg_dir, pkg_text is not None, accessor, spec)


# sha256 of earlier versions of the accessor (esm, cjs, ts): a copy still equal to one was never edited,
# and is brought up to date
SUPERSEDED = {
    "12753748ef541994ad533ef11fd11fcdb71ae114a9b5788e38e8be9d29acff22",  # before FALLBACK_REGION
    "327ce49ddc78061d37129ed36f470c4723bf21cace88890eafcebb3e28395dcf",
    "4c23032ebb9672b9405e580dec96921a27bcdc3c3793edec9dfa59e00e9f5c25",
}
_REGION = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
_REGION_LINE = re.compile(r"^(const FALLBACK_REGION(?:: string \| undefined)? = )undefined;$", re.M)


def accessor_source(kind: str, region: Optional[str] = None) -> str:
    """The accessor module's text: ``esm`` (.mjs), ``cjs`` (.cjs) or ``ts``; ``region`` (the one the
    secrets were created in) is where its client goes when the environment names none."""
    text = _accessor_source(kind)
    if region and _REGION.match(region):
        text = _REGION_LINE.sub(lambda m: f'{m.group(1)}"{region}";', text, count=1)
    return text


def accessor_update(kind: str, old: Optional[str], region: Optional[str] = None) -> Optional[str]:
    """What to write at the accessor's path holding ``old`` (None: nothing to write): the accessor when
    the path is free, an unedited copy of an earlier version, or an unedited copy naming no region
    (when ``region`` is known); a copy someone changed, or one naming a region, stays."""
    import hashlib

    new = accessor_source(kind, region)
    if old is None or hashlib.sha256(old.encode("utf-8", "surrogateescape")).hexdigest() in SUPERSEDED:
        return new
    if region and old == accessor_source(kind) != new:
        return new
    return None


def _accessor_source(kind: str) -> str:
    from importlib.resources import files

    base = files("secretshift.codemods").joinpath("templates")
    # the child process that getSecretSync runs: one source for every variant (no backticks or ${} in it)
    child = base.joinpath(BASENAME + ".child.cjs").read_text(encoding="utf-8")
    if kind == "ts":
        return base.joinpath(BASENAME + ".ts").read_text(encoding="utf-8").replace("__SECRETSHIFT_CHILD__", child)
    body = base.joinpath(BASENAME + ".body.js").read_text(encoding="utf-8").replace("__SECRETSHIFT_CHILD__", child)
    head = ("// Generated by secretshift: the accessor that rewritten code calls. Edit freely; secretshift will not\n"
            "// overwrite a changed copy. Needs @aws-sdk/client-secrets-manager (AWS SDK for JavaScript v3).\n")
    names = ("getSecret, getSecretSync, clearSecretCache, SecretError, SecretNotFoundError, SecretAccessDeniedError, "
             "SecretKeyError")
    if kind == "esm":
        return (head + f'import {{ GetSecretValueCommand, SecretsManagerClient }} from "{SDK}";\n'
                'import { execFileSync } from "node:child_process";\nimport { dirname } from "node:path";\n'
                'import { fileURLToPath } from "node:url";\n\nconst HERE = dirname(fileURLToPath(import.meta.url));\n\n'
                + body + f"\nexport {{ {names} }};\n")
    return (head + '"use strict";\n' + f'const {{ GetSecretValueCommand, SecretsManagerClient }} = require("{SDK}");\n'
            'const { execFileSync } = require("node:child_process");\n\nconst HERE = __dirname;\n\n'
            + body + f"\nmodule.exports = {{ {names} }};\n")


def accessor_kind(accessor_path: str) -> str:
    return {".ts": "ts", ".mjs": "esm"}.get(posixpath.splitext(accessor_path)[1], "cjs")


def with_dependency(text: Optional[str], name: str = SDK, version: str = SDK_VERSION) -> Optional[str]:
    """``package.json`` with ``name`` in ``dependencies``, formatting kept (None: already there, or
    not a JSON object). A missing file becomes a minimal private package."""
    if text is None:
        return json.dumps({"private": True, "dependencies": {name: version}}, indent=2) + "\n"
    from secretshift.codemods.deploy.spans import SpanError, column, parse_json

    try:
        root = parse_json(text)
    except SpanError:
        return None
    if root.kind != "map":
        return None
    deps = root.get("dependencies")
    if deps is not None and deps.kind == "map" and deps.get(name) is not None:
        return None
    nl = "\r\n" if "\r\n" in text else "\n"
    entry = f"{json.dumps(name)}: {json.dumps(version)}"
    if deps is not None and deps.kind == "map":
        if deps.entries:
            last = deps.entries[-1][1]
            multi = "\n" in text[deps.start:deps.entries[0][0].start]
            col = column(text, deps.entries[0][0].start)
            sep = ("," + nl + " " * col) if multi else ", "
            return text[:last.end] + sep + entry + text[last.end:]
        if "\n" not in text[root.start:root.end]:
            return text[:deps.start] + "{" + entry + "}" + text[deps.end:]
        col = column(text, deps.key.start)
        return text[:deps.start] + "{" + nl + " " * (col + _unit(text)) + entry + nl + " " * col + "}" + text[deps.end:]
    if root.entries:
        last = root.entries[-1][1]
        if "\n" not in text[root.start:root.end]:
            return text[:last.end] + f', "dependencies": {{{entry}}}' + text[last.end:]
        col = column(text, root.entries[0][0].start)
        unit = _unit(text)
        block = ("," + nl + " " * col + '"dependencies": {' + nl + " " * (col + unit) + entry + nl + " " * col + "}")
        return text[:last.end] + block + text[last.end:]
    return text[:root.start] + "{" + nl + '  "dependencies": {' + nl + "    " + entry + nl + "  }" + nl + "}" + \
        text[root.end:]


# a package's lock files (in its folder, or a workspace's folder above), the command that refreshes each
# and the locked install that refuses (or ignores) a package.json it does not match
LOCKS = (("package-lock.json", "npm install", "npm ci"), ("npm-shrinkwrap.json", "npm install", "npm ci"),
         ("yarn.lock", "yarn install", "yarn install --frozen-lockfile"),
         ("pnpm-lock.yaml", "pnpm install", "pnpm install --frozen-lockfile"),
         ("bun.lock", "bun install", "bun install --frozen-lockfile"))


def refresh_hint(package_json: str, read: Callable[[str], Optional[str]]) -> str:
    """What to run once ``package_json`` gained the SDK: refresh its lock (the nearest folder at or
    above it holding one), named with its command, or ``run npm install`` when there is none."""
    d = posixpath.dirname(package_json)
    while True:
        for lock, cmd, frozen in LOCKS:
            rel = posixpath.join(d, lock) if d else lock
            if read(rel) is not None:
                return f"refresh {rel} ({'cd ' + d + ' && ' if d else ''}{cmd}) before a locked install ({frozen})"
        if not d:
            return "run npm install"
        d = posixpath.dirname(d)


def _unit(text: str) -> int:
    from secretshift.codemods.deploy.spans import indent_unit

    return indent_unit(text)


__all__ = ["ModuleInfo", "module_info", "accessor_source", "accessor_kind", "with_dependency", "SDK"]
