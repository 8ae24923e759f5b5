"""JavaScript and TypeScript through tree-sitter trees: a literal (or a ``process.env.X`` read of a
migrated secret) becomes a Secrets Manager read through the generated accessor.

- Where ``await`` is valid (inside an async function, or at the top level of an ES module where
  top-level await is allowed): ``await getSecret("id", "key")`` (parenthesised where the grammar
  needs it). Applicability ``safe``: same value and type; in a function it is read when the code
  runs, so a rotation is followed after the cache's TTL.
- Elsewhere (CommonJS top level, a plain function, a class field, a default parameter):
  ``getSecretSync("id", "key")`` when ``Options.js_sync_fallback`` (``unsafe``: a child Node process
  fetches the value, blocking for about 0.2 s on a cache miss), else a display-only patch showing the
  ``await`` form, with what must become async.
- A secret inside a longer string (a URL's password) turns the string into a template literal with
  the read as a substitution.

Edits are byte ranges applied back to front; the result is re-parsed and refused when it has more
syntax errors than the original. A file whose own names clash with the accessor's, or a client
component (``"use client"``: it runs in the browser, which cannot read Secrets Manager), is refused.
"""
from __future__ import annotations

import json
import posixpath
import re
from typing import List, NamedTuple, Optional, Sequence, Tuple

from ..deploy.base import (APPLIED, LEFT, PATCH, SKIPPED, Edit, FileRewrite, Options, Outcome, apply_edits, find_part,
                           offset_of, patch_text, value_matches)
from ..targets import DISPLAY_ONLY, SAFE, UNSAFE, RewriteTarget
from .project import ModuleInfo, accessor_kind, accessor_update, module_info, refresh_hint, with_dependency

FUNCTIONS = {"function_declaration", "function_expression", "function", "generator_function_declaration",
             "generator_function", "arrow_function", "method_definition"}
FIELDS = {"public_field_definition", "field_definition", "class_static_block"}
# parents under which a bare `await x` needs no parentheses (as the node's direct parent)
BARE_OK = {"variable_declarator", "arguments", "pair", "return_statement", "array", "template_substitution",
           "parenthesized_expression", "ternary_expression", "expression_statement", "spread_element",
           "jsx_expression", "assignment_expression", "augmented_assignment_expression", "public_field_definition",
           "field_definition", "yield_expression", "sequence_expression", "binary_expression"}
NOTE_AWAIT = "reads the secret with await getSecret (same value; in a function it follows a rotation after the cache TTL)"
NOTE_SYNC = ("await is not valid here ({where}): reads the secret with getSecretSync, which blocks while a child Node "
             "process fetches it (about 0.2 s on a cache miss); moving the read into an async function avoids that")
NOTE_PATCH = "await is not valid here ({where}): {how}, then apply this change"


class Span(NamedTuple):
    """A byte range standing in for a node (a part of a template literal)."""

    start_byte: int
    end_byte: int


def language_for(path: str) -> str:
    p = path.lower()
    if p.endswith(".tsx"):
        return "tsx"
    if p.endswith((".ts", ".mts", ".cts")):
        return "typescript"
    return "javascript"


def _parse(src: bytes, lang: str):  # type: ignore[no-untyped-def]
    from secretshift.scanner.treesitter import missing_reason, parser_for

    p = parser_for(lang)
    if p is None:
        return None, missing_reason(lang) or f"no {lang} grammar"
    return p.parse(src), ""


def _errors(node) -> int:  # type: ignore[no-untyped-def]
    n, stack = 0, [node]
    while stack:
        x = stack.pop()
        n += x.type == "ERROR" or x.is_missing
        stack.extend(x.children)
    return n


_ESC = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}


def js_unescape(raw: str) -> Optional[str]:
    """The value of a JS string's body (None for an escape this reader does not know)."""
    if "\\" not in raw:
        return raw
    out, i = [], 0
    while i < len(raw):
        c = raw[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = raw[i + 1:i + 2]
        if nxt in _ESC and not (nxt == "0" and raw[i + 2:i + 3].isdigit()):
            out.append(_ESC[nxt])
            i += 2
        elif nxt == "x" and re.fullmatch(r"[0-9a-fA-F]{2}", raw[i + 2:i + 4]):
            out.append(chr(int(raw[i + 2:i + 4], 16)))
            i += 4
        elif nxt == "u" and raw[i + 2:i + 3] == "{":
            j = raw.find("}", i)
            if j < 0:
                return None
            out.append(chr(int(raw[i + 3:j], 16)))
            i = j + 1
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", raw[i + 2:i + 6]):
            out.append(chr(int(raw[i + 2:i + 6], 16)))
            i += 6
        elif nxt == "\n":
            i += 2
        elif nxt and not nxt.isalnum():
            out.append(nxt)
            i += 2
        else:
            return None
    return "".join(out)


def _tpl_escape(s: str) -> str:
    return s.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")


def _js_str(s: str, quote: str) -> str:
    if quote == "'":
        return "'" + json.dumps(s)[1:-1].replace("\\\"", '"').replace("'", "\\'") + "'"
    return json.dumps(s)


class _Ctx:
    def __init__(self, src: bytes, tree, info: ModuleInfo) -> None:  # type: ignore[no-untyped-def]
        self.src = src
        self.tree = tree
        self.info = info

    def text(self, n) -> str:  # type: ignore[no-untyped-def]
        return self.src[n.start_byte:n.end_byte].decode("utf-8", "surrogateescape")

    def await_where(self, n) -> Tuple[bool, str]:  # type: ignore[no-untyped-def]
        """(await valid here, where: for messages)."""
        child = n
        p = n.parent
        while p is not None:
            if p.type in FIELDS:
                return False, "a class field initializer"
            if p.type in FUNCTIONS:
                is_async = any(c.type == "async" for c in p.children)
                params = p.child_by_field_name("parameters") or p.child_by_field_name("parameter")
                if params is not None and params.start_byte <= child.start_byte and child.end_byte <= params.end_byte:
                    return False, "a default parameter value"
                name = p.child_by_field_name("name")
                label = f"function {self.text(name)}" if name is not None else "a function"
                return (True, "") if is_async else (False, f"inside {label}, which is not async")
            child = p
            p = p.parent
        if self.info.tla:
            return True, ""
        return False, "the top level of a CommonJS module" if not self.info.esm_syntax else \
            "the top level of a module where top-level await is not enabled (package.json type, tsconfig module)"


def _string_node(n):  # type: ignore[no-untyped-def]
    while n is not None and n.type not in ("string", "template_string"):
        if n.type in ("program", "statement_block", "expression_statement", "lexical_declaration"):
            return None
        n = n.parent
    return n


def _env_node(ctx: _Ctx, n, var: Optional[str]):  # type: ignore[no-untyped-def]
    """The ``process.env.X`` / ``process.env["X"]`` / ``import.meta.env.X`` expression at ``n``."""
    while n is not None and n.type not in ("program", "statement_block"):
        if n.type in ("member_expression", "subscript_expression"):
            obj = n.child_by_field_name("object")
            if obj is not None and re.fullmatch(r"(?:process|import\.meta)\s*\.\s*env", ctx.text(obj)):
                return n
        if n.type in ("shorthand_property_identifier_pattern", "pair_pattern"):
            return n
        n = n.parent
    return None


def _env_name(ctx: _Ctx, node) -> Optional[str]:  # type: ignore[no-untyped-def]
    if node.type == "member_expression":
        prop = node.child_by_field_name("property")
        return ctx.text(prop) if prop is not None else None
    if node.type == "subscript_expression":
        idx = node.child_by_field_name("index")
        t = ctx.text(idx).strip() if idx is not None else ""
        return t[1:-1] if len(t) >= 2 and t[0] in "\"'`" and t[-1] == t[0] else None
    if node.type == "shorthand_property_identifier_pattern":
        return ctx.text(node)
    key = node.child_by_field_name("key")
    return ctx.text(key).strip("\"'") if key is not None else None


def _names_bound(ctx: _Ctx, names: Sequence[str], spec: str) -> Optional[str]:
    """A name of ``names`` the file binds to something other than our accessor, or None."""
    stack = [ctx.tree.root_node]
    while stack:
        n = stack.pop()
        stack.extend(n.children)
        if n.type in ("function_declaration", "class_declaration", "variable_declarator", "import_specifier",
                      "generator_function_declaration"):
            name = n.child_by_field_name("name") or n.child_by_field_name("alias")
            if n.type == "import_specifier":
                name = n.child_by_field_name("alias") or n.child_by_field_name("name")
            if name is None or ctx.text(name) not in names:
                continue
            stmt = n
            while stmt is not None and stmt.type != "import_statement":
                stmt = stmt.parent
            if stmt is not None and _source_of(ctx, stmt) == spec:
                continue
            return ctx.text(name)
        if n.type == "shorthand_property_identifier_pattern" and ctx.text(n) in names:
            decl = n.parent.parent if n.parent is not None else None
            if decl is not None and decl.type == "variable_declarator" and _require_of(ctx, decl) == spec:
                continue
            return ctx.text(n)
    return None


def _source_of(ctx: _Ctx, stmt) -> Optional[str]:  # type: ignore[no-untyped-def]
    s = stmt.child_by_field_name("source")
    return ctx.text(s)[1:-1] if s is not None else None


def _require_of(ctx: _Ctx, declarator) -> Optional[str]:  # type: ignore[no-untyped-def]
    v = declarator.child_by_field_name("value")
    if v is not None and v.type == "call_expression" and ctx.text(v.child_by_field_name("function")) == "require":
        args = v.child_by_field_name("arguments")
        if args is not None and args.named_child_count == 1 and args.named_children[0].type == "string":
            return ctx.text(args.named_children[0])[1:-1]
    return None


def _import_edits(ctx: _Ctx, names: List[str], quote: str, uses: Sequence[int] = ()) -> List[Edit]:
    """Add ``names`` to an existing import of the accessor, or insert one after the file's imports --
    before the first top-level statement that runs one of ``uses`` (byte offsets of the rewritten
    reads) when the module loads: a ``require`` (and TypeScript's import compiled to one) binds its
    names only when it runs, so one after a use throws "Cannot access before initialization"."""
    spec = ctx.info.specifier
    root = ctx.tree.root_node
    stmts = root.children
    first = _first_run(ctx, uses)
    limit = len(stmts) if first is None else first
    last_import = None
    late = None  # the accessor's import after the first use: a new one goes before that use
    for i, st in enumerate(stmts):
        if st.type == "import_statement":
            if _source_of(ctx, st) == spec:
                if i < limit:
                    return _merge_named(ctx, st, names)
                late = late or st
            elif i < limit:
                last_import = st
        elif st.type in ("lexical_declaration", "variable_declaration"):
            decls = [c for c in st.children if c.type == "variable_declarator"]
            reqs = [d for d in decls if _require_of(ctx, d) is not None]
            if reqs and len(reqs) == len(decls):
                for d in reqs:
                    if _require_of(ctx, d) == spec:
                        if i < limit:
                            return _merge_named(ctx, d, names)
                        late = late or d
                if i < limit:
                    last_import = st
    if late is not None:  # bind only the names it lacks (a name bound twice does not parse)
        have = _bound_names(ctx, late)
        names = [n for n in names if n not in have]
        if not names:
            return []
    q = quote
    semi = ";" if _uses_semicolons(ctx) else ""
    if ctx.info.esm_syntax:
        line = f"import {{ {', '.join(names)} }} from {q}{spec}{q}{semi}"
    else:
        line = f"const {{ {', '.join(names)} }} = require({q}{spec}{q}){semi}"
    nl = b"\r\n" if b"\r\n" in ctx.src else b"\n"
    if last_import is not None:
        return [Edit(last_import.end_byte, last_import.end_byte, nl + line.encode())]
    # after a hashbang, directives ("use strict") and the comments that open the file
    at = 0
    for st in stmts:
        if st.type in ("hash_bang_line", "comment") or (
                st.type == "expression_statement" and st.named_child_count == 1
                and st.named_children[0].type == "string"):
            at = st.end_byte
            continue
        break
    if at == 0:
        return [Edit(0, 0, line.encode() + nl)]
    return [Edit(at, at, nl + line.encode())]


def _bound_names(ctx: _Ctx, node) -> set:  # type: ignore[no-untyped-def]
    text = ctx.text(node)
    return set(re.findall(r"[A-Za-z_$][\w$]*", text.split("{", 1)[1].split("}", 1)[0])) if "{" in text else set()


_HOISTED = ("function_declaration", "generator_function_declaration")


def _hoisted_name(ctx: _Ctx, st) -> Optional[str]:  # type: ignore[no-untyped-def]
    """The name of the function a top-level statement declares (hoisted: callable before it), or None."""
    d = st.child_by_field_name("declaration") if st.type == "export_statement" else st
    if d is None or d.type not in _HOISTED:
        return None
    n = d.child_by_field_name("name")
    return ctx.text(n) if n is not None else None


def _mentions(ctx: _Ctx, node, names: set) -> bool:  # type: ignore[no-untyped-def]
    stack = [node]
    while stack:
        x = stack.pop()
        if x.type == "identifier" and ctx.text(x) in names:
            return True
        stack.extend(x.children)
    return False


def _first_run(ctx: _Ctx, uses: Sequence[int]) -> Optional[int]:
    """The index (among the program's children) of the first top-level statement that may run code at
    one of the byte offsets ``uses`` as the module loads -- holding it (a function expression counts:
    it may be called at once), or naming a function declaration that holds it (declarations are
    hoisted, so an earlier statement can call them) -- or None when none does."""
    stmts = ctx.tree.root_node.children
    if not uses:
        return None

    def holds(st) -> bool:  # type: ignore[no-untyped-def]
        return any(st.start_byte <= u < st.end_byte for u in uses)

    named = [_hoisted_name(ctx, st) for st in stmts]
    hot: set = set()
    changed = True
    while changed:
        changed = False
        for st, n in zip(stmts, named):
            if n and n not in hot and (holds(st) or (hot and _mentions(ctx, st, hot))):
                hot.add(n)
                changed = True
    for i, (st, n) in enumerate(zip(stmts, named)):
        if not n and (holds(st) or (hot and _mentions(ctx, st, hot))):
            return i
    return None


ACCESSOR_NAMES = ("getSecret", "getSecretSync")


def use_before_binding(text: str, path: str, names: Sequence[str] = ACCESSOR_NAMES) -> Optional[str]:
    """Why ``text`` (a JavaScript/TypeScript file) would throw at load: a top-level statement runs a use
    of one of ``names`` before the top-level import or ``require`` that binds it; None when none does."""
    src = text.encode("utf-8", "surrogateescape")
    tree, _ = _parse(src, language_for(path))
    if tree is None:
        return None
    ctx = _Ctx(src, tree, None)  # type: ignore[arg-type]
    stmts = tree.root_node.children
    for name in names:
        bind = None
        for i, st in enumerate(stmts):
            if st.type == "import_statement" or (st.type in ("lexical_declaration", "variable_declaration") and any(
                    _require_of(ctx, d) is not None for d in st.children if d.type == "variable_declarator")):
                if name in _bound_names(ctx, st):
                    bind = i
                    break
        if bind is None:
            continue
        uses = []
        stack = [tree.root_node]
        while stack:
            x = stack.pop()
            if x.type == "identifier" and ctx.text(x) == name:
                uses.append(x.start_byte)
            stack.extend(x.children)
        first = _first_run(ctx, uses)
        if first is not None and first < bind:
            line = stmts[first].start_point[0] + 1
            return (f"line {line} uses {name} before line {stmts[bind].start_point[0] + 1} binds it "
                    f"(Cannot access '{name}' before initialization)")
    return None


def _uses_semicolons(ctx: _Ctx) -> bool:
    """Does the file end its top-level statements with ``;`` (most do; "standard" style does not)?"""
    ends = [ctx.src[st.end_byte - 1:st.end_byte] == b";" for st in ctx.tree.root_node.children
            if st.type in ("import_statement", "lexical_declaration", "variable_declaration", "expression_statement")]
    return not ends or sum(ends) * 2 >= len(ends)


_BROWSER = re.compile(r"""from\s+['"](?:@angular/(?:core|common|material)|react-dom|vue|svelte)[/'"]"""
                      r"""|require\(\s*['"](?:react-dom|vue)['"]\s*\)|\bdocument\.(?:getElementById|querySelector)"""
                      r"""|\b(?:window|localStorage|sessionStorage)\.""")
# folders whose code is served to browsers (a front-end app, static assets)
_BROWSER_DIRS = {"frontend", "front-end", "client", "public", "static", "browser", "www", "webapp"}
# build-time variable prefixes the bundlers expose to browser code
_PUBLIC_PREFIXES = ("REACT_APP_", "VITE_", "NEXT_PUBLIC_", "NUXT_PUBLIC_", "GATSBY_", "PUBLIC_")
NOTE_BROWSER = ("{why}, which cannot read Secrets Manager: the literal is now {expr}, set at build time (the bundler "
                "inlines it; {example} lists it with the command that reads it from Secrets Manager). The value "
                "still reaches every browser: restrict the key, rotate it, or move the call into server code")
NOTE_BROWSER_ENV = ("{why}: {var} is set at build time; the build must read it from Secrets Manager ({example} lists "
                    "the command); left as it is")
BROWSER_EXAMPLE_HEAD = (
    "# Build-time variables of the browser code. secretshift moved their values to AWS Secrets Manager: set them\n"
    "# in the build's environment (the bundler inlines them); every browser still receives them.\n")


def browser_reason(text: str, path: str) -> Optional[str]:
    """Why ``text`` runs in a browser (which cannot read Secrets Manager), or None."""
    if re.match(r"""\s*(?://[^\n]*\n\s*)*["']use client["']""", text):
        return "a client component runs in the browser"
    if path.endswith((".component.ts", ".component.js")) or _BROWSER.search(text):
        return "this code runs in the browser (a UI framework or the DOM)"
    if any(part.lower() in _BROWSER_DIRS for part in path.split("/")[:-1]):
        return "this code is served to browsers (a front-end folder)"
    return None


def _build_env(text: str) -> Optional[Tuple[str, str]]:
    """(how the file reads build-time variables, the prefix all its reads share) or None when it reads none."""
    for form in ("import.meta.env", "process.env"):
        names = re.findall(re.escape(form) + r"\.([A-Za-z_][A-Za-z0-9_]*)", text)
        if names:
            prefix = next((p for p in _PUBLIC_PREFIXES if all(n.startswith(p) for n in names)), "")
            return form, prefix
    return None


def _variable_for(ctx: "_Ctx", leaf, t: RewriteTarget) -> str:  # type: ignore[no-untyped-def]
    """An environment variable name for the literal at ``leaf``: the name it is bound to
    (``mapsApiKey`` -> ``MAPS_API_KEY``), else the secret's."""
    n, name = leaf, None
    while n is not None and n.type not in ("program", "statement_block") and name is None:
        field = {"variable_declarator": "name", "pair": "key", "assignment_expression": "left",
                 "public_field_definition": "property", "field_definition": "property"}.get(n.type)
        node = n.child_by_field_name(field) if field else None
        if node is not None:
            name = ctx.text(node).rsplit(".", 1)[-1].strip("\"'`")
        n = n.parent
    if not name:
        name = t.secret_id.rsplit("/", 1)[-1] + (f"_{t.json_key}" if t.json_key else "")
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").upper() or "SECRET"


def _browser(ctx: "_Ctx", rw: FileRewrite, text: str, path: str, targets: Sequence[RewriteTarget],
             options: Options, why: str, quote: str) -> FileRewrite:
    """Browser code cannot read Secrets Manager: where the file already reads build-time variables
    (``process.env.X`` / ``import.meta.env.X``), a literal becomes such a read (same prefix), listed in
    the package's ``.env.example`` with the command that reads it from Secrets Manager; env reads stay."""
    from ..deploy.compose import env_example

    form = _build_env(text)
    if form is None:
        for t in targets:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"{why}, which cannot read Secrets Manager: serve the "
                                                         "value from server code (and rotate it: it was shipped)"))
        return rw
    example = posixpath.join(ctx.info.package_dir, ".env.example") if ctx.info.package_dir else ".env.example"
    edits: List[Edit] = []
    entries: List[Tuple[str, str, Optional[str]]] = []
    names: dict = {}
    for t in targets:
        off = offset_of(text, t.line, t.column)
        b = None if off is None else len(text[:off].encode("utf-8", "surrogateescape"))
        leaf = None if b is None else ctx.tree.root_node.descendant_for_byte_range(b, b)
        res = _plan_target(ctx, leaf, t, quote, rw, b) if leaf is not None else None
        if res is None:
            if leaf is None:
                rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: no code at this position"))
            continue
        node, build = res[0], res[1]
        if t.kind == "env":
            entries.append((t.env_var or "", t.secret_id, t.json_key))
            rw.outcomes.append(Outcome(t, LEFT, DISPLAY_ONLY, NOTE_BROWSER_ENV.format(why=why, var=t.env_var,
                                                                                     example=example)))
            continue
        var = _variable_for(ctx, leaf, t)
        var = var if var.startswith(form[1]) else form[1] + var
        while names.get(var, (t.secret_id, t.json_key)) != (t.secret_id, t.json_key):
            var += "_2"
        names[var] = (t.secret_id, t.json_key)
        expr = f"{form[0]}.{var}"
        edits.append(Edit(node.start_byte, node.end_byte, build(expr).encode()))
        entries.append((var, t.secret_id, t.json_key))
        rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE_BROWSER.format(why=why, expr=expr, example=example)))
    if edits:
        try:
            new_src = apply_edits(ctx.src, edits)
        except ValueError:
            return rw.refuse("rewrite refused: two edits overlap")
        after, _ = _parse(new_src, language_for(path))
        if after is None or _errors(after.root_node) > _errors(ctx.tree.root_node):
            return rw.refuse("rewrite refused: the result would not parse")
        rw.text = new_src.decode("utf-8", "surrogateescape")
    ex = env_example(options.read(example), entries, BROWSER_EXAMPLE_HEAD) if entries else None
    if ex is not None and edits:
        rw.extra_files[example] = ex
    return rw.finish()


def _merge_named(ctx: _Ctx, node, names: List[str]) -> List[Edit]:  # type: ignore[no-untyped-def]
    """Add the missing ``names`` to ``import { ... }`` / ``const { ... } = require(...)``."""
    text = ctx.text(node)
    have = set(re.findall(r"[A-Za-z_$][\w$]*", text.split("{", 1)[1].split("}", 1)[0])) if "{" in text else set()
    missing = [n for n in names if n not in have]
    if not missing or "{" not in text:
        return []
    close = node.start_byte + len(text[:text.index("}")].encode())
    before = ctx.src[:close].rstrip()
    sep = b" " if before.endswith((b",", b"{")) else b", "
    return [Edit(len(before), close, (sep + ", ".join(missing).encode() + b" "))]


def _needs_parens(node) -> bool:  # type: ignore[no-untyped-def]
    p = node.parent
    if p is None or p.type not in BARE_OK:
        return True
    if p.type == "binary_expression":
        op = p.child_by_field_name("operator")
        return op is not None and op.type == "**"
    if p.type in ("assignment_expression", "augmented_assignment_expression"):
        return p.child_by_field_name("right") != node
    return False


def rewrite(text: str, path: str, targets: Sequence[RewriteTarget], options: Options,
            info: Optional[ModuleInfo] = None) -> FileRewrite:
    """Rewrite ``targets`` in the JS/TS file ``path`` (project-relative). Never raises on content."""
    rw = FileRewrite(path, text, text, "javascript")
    src = text.encode("utf-8", "surrogateescape")
    tree, why = _parse(src, language_for(path))
    if tree is None:
        for t in targets:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, why))
        return rw
    info = info or module_info(path, text, options.read)
    ctx = _Ctx(src, tree, info)
    browser = browser_reason(text, path)
    if browser:
        return _browser(ctx, rw, text, path, targets, options, browser, "'" if text.count("'") > text.count('"') else '"')
    clash = _names_bound(ctx, ["getSecret", "getSecretSync"], info.specifier)
    if clash:
        for t in targets:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"the name {clash} is already defined in this file"))
        return rw
    quote = "'" if text.count("'") > text.count('"') else '"'
    edits: List[Edit] = []
    patch_edits: List[Tuple[RewriteTarget, Edit, str]] = []
    names: List[str] = []
    done: dict = {}
    owner: List[Tuple[Outcome, Tuple[int, int]]] = []  # applied outcome -> its edit
    for t in targets:
        off = offset_of(text, t.line, t.column)
        if off is None:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: no code at this position"))
            continue
        b = len(text[:off].encode("utf-8", "surrogateescape"))
        leaf = tree.root_node.descendant_for_byte_range(b, b)
        res = _plan_target(ctx, leaf, t, quote, rw, b)
        if res is None:
            continue
        node, build, where_ok, where = res
        key = (node.start_byte, node.end_byte)
        if key in done:  # two findings on one literal: one edit
            rw.outcomes.append(Outcome(t, *done[key]))
            owner.append((rw.outcomes[-1], key))
            continue
        if where_ok:
            edits.append(Edit(node.start_byte, node.end_byte, build("await").encode()))
            names.append("getSecret")
            done[key] = (APPLIED, SAFE, NOTE_AWAIT)
        elif options.js_sync_fallback:
            edits.append(Edit(node.start_byte, node.end_byte, build("sync").encode()))
            names.append("getSecretSync")
            done[key] = (APPLIED, UNSAFE, NOTE_SYNC.format(where=where))
        else:
            how = "make the enclosing function async (and await its callers)" if "function" in where else \
                "move this read into an async function"
            patch_edits.append((t, Edit(node.start_byte, node.end_byte, build("await").encode()), how))
            done[key] = (PATCH, DISPLAY_ONLY, NOTE_PATCH.format(where=where, how=how))
            continue
        rw.outcomes.append(Outcome(t, *done[key]))
        owner.append((rw.outcomes[-1], key))
    names = list(dict.fromkeys(names))
    for t, e, how in patch_edits:
        alt = apply_edits(src, [e] + _import_edits(ctx, ["getSecret"], quote, [e.start])).decode(
            "utf-8", "surrogateescape")
        rw.outcomes.append(Outcome(t, PATCH, DISPLAY_ONLY, done[(e.start, e.end)][2],
                                   patch_text(text, alt, path, rw.secrets_seen)))
    if not edits:
        return rw.finish()
    try:
        new_src = apply_edits(src, edits + _import_edits(ctx, names, quote, [e.start for e in edits]))
    except ValueError:
        return rw.refuse("rewrite refused: two edits overlap")
    base = _errors(tree.root_node)
    after, _ = _parse(new_src, language_for(path))
    if after is None or _errors(after.root_node) > base:
        # find the edits that break the parse, one by one, and keep the others
        keep = [e for e in edits if _errors(_parse(apply_edits(src, [e]), language_for(path))[0].root_node) <= base]
        broken = {(e.start, e.end) for e in edits} - {(e.start, e.end) for e in keep}
        for o, key in owner:
            if key in broken:
                o.status, o.applicability, o.note = SKIPPED, UNSAFE, "rewrite refused here: the result would not parse"
        if not keep:
            return rw.refuse("rewrite refused: the result would not parse")
        edits = keep
        names = [n for n in names if any(n.encode() in e.text for e in keep)]
        new_src = apply_edits(src, edits + _import_edits(ctx, names, quote, [e.start for e in edits]))
        after, _ = _parse(new_src, language_for(path))
        if after is None or _errors(after.root_node) > base:
            return rw.refuse("rewrite refused: the result would not parse")
    rw.text = new_src.decode("utf-8", "surrogateescape")
    late = use_before_binding(rw.text, path)
    if late and not use_before_binding(text, path):
        return rw.refuse(f"rewrite refused: the result would throw at load ({late})")
    accessor = accessor_update(accessor_kind(info.accessor), options.read(info.accessor), options.region)
    if accessor is not None:
        rw.extra_files[info.accessor] = accessor
    pkg = with_dependency(options.read(info.package_json))
    if pkg is not None:
        rw.extra_files[info.package_json] = pkg
        rw.messages.append(f"{info.package_json}: gains @aws-sdk/client-secrets-manager: "
                           f"{refresh_hint(info.package_json, options.read)}")
    return rw.finish()


def _plan_target(ctx: _Ctx, leaf, t: RewriteTarget, quote: str, rw: FileRewrite,  # type: ignore[no-untyped-def]
                 at: Optional[int] = None):
    """(node to replace, builder(mode) -> text, await valid, where) or None (outcome recorded). ``at``: the
    target's byte offset, so that a part found inside a longer string is the one at that position (a
    URL whose user and password are the same word)."""
    def call(mode: str) -> str:  # "await", "sync", or an expression used as it is (browser code)
        args = _js_str(t.secret_id, quote) + (", " + _js_str(t.json_key, quote) if t.json_key else "")
        if mode not in ("await", "sync"):
            return mode
        return f"await getSecret({args})" if mode == "await" else f"getSecretSync({args})"

    if t.kind == "env":
        node = _env_node(ctx, leaf, t.env_var)
        if node is None or (t.env_var and _env_name(ctx, node) != t.env_var):
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: no read of {t.env_var} at this position"))
            return None
        ok, where = ctx.await_where(node)
        par = node.parent
        if par is not None and ((par.type in ("assignment_expression", "augmented_assignment_expression")
                                 and par.child_by_field_name("left") == node) or par.type == "update_expression"
                                or (par.type == "unary_expression" and ctx.text(par).startswith("delete"))):
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: the code sets or deletes {t.env_var} "
                                                         "(a test or set-up step): left as it is"))
            return None
        if node.type in ("shorthand_property_identifier_pattern", "pair_pattern"):
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: destructured from process.env: "
                                                         f"read {t.env_var} on its own line, then run again"))
            return None
        wrap = _needs_parens(node)
        return node, (lambda m: f"({call(m)})" if wrap and m == "await" else call(m)), ok, where
    s = _string_node(leaf)
    if s is None or any(a.type in ("type_annotation", "literal_type", "type_alias_declaration", "import_statement")
                        for a in _ancestors(s)):
        rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: not a string literal in code"))
        return None
    p = s.parent
    if p is not None and p.type in ("as_expression", "satisfies_expression") and ctx.text(p).rstrip().endswith("const"):
        rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: a const assertion (`as const`) types the "
                                                     "literal itself: a fetched value cannot take its place; rewrite by hand"))
        return None
    if p is not None and (p.type in ("import_statement", "export_statement") or
                          (p.type == "pair" and p.child_by_field_name("key") == s) or
                          (p.type == "arguments" and p.parent is not None
                           and ctx.text(p.parent.child_by_field_name("function") or p) == "require")):
        rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: a module name or property key, not a value"))
        return None
    raw = ctx.text(s)[1:-1]
    subs = [c for c in s.children if c.type == "template_substitution"]
    value = js_unescape(raw) if not subs else None
    ok, where = ctx.await_where(s)
    jsx = p is not None and p.type == "jsx_attribute"
    if value is not None and value_matches(value, t):
        rw.secrets_seen.append(value)
        wrap = _needs_parens(s)

        def whole(m: str) -> str:
            c = call(m)
            if jsx:
                return "{" + c + "}"
            return f"({c})" if wrap and m == "await" else c
        return s, whole, ok, where
    # a part of the string: find it in one fragment without escapes
    for frag in (c for c in s.children if c.type == "string_fragment"):
        ftext = ctx.text(frag)
        hint = len(ctx.src[frag.start_byte:at].decode("utf-8", "surrogateescape")) \
            if at is not None and frag.start_byte <= at <= frag.end_byte else None
        part = find_part(ftext, t, hint)
        if part is None:
            continue
        rw.secrets_seen.append(ftext[part[0]:part[1]])
        if s.type == "template_string":
            a = frag.start_byte + len(ftext[:part[0]].encode())
            e = frag.start_byte + len(ftext[:part[1]].encode())
            return Span(a, e), (lambda m: "${" + call(m) + "}"), ok, where
        if "\\" in raw:
            break
        pre, post = raw[:part[0] + (frag.start_byte - s.start_byte - 1)], raw[part[1] + (frag.start_byte - s.start_byte - 1):]

        def tpl(m: str) -> str:
            body = "`" + _tpl_escape(pre) + "${" + call(m) + "}" + _tpl_escape(post) + "`"
            return "{" + body + "}" if jsx else body
        return s, tpl, ok, where
    if value is not None and value != raw and value_matches(raw, t):
        rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: the string has escape sequences and the "
                                                     "planned value keeps them as written; not rewritten"))
        return None
    rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: value does not match (changed or already migrated)"))
    return None


def _ancestors(n):  # type: ignore[no-untyped-def]
    p = n.parent
    while p is not None:
        yield p
        p = p.parent


__all__ = ["rewrite", "js_unescape", "language_for", "use_before_binding"]
