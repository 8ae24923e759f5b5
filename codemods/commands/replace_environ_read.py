"""Replace a read of a secret from the environment with a Secrets Manager read."""
from __future__ import annotations

from typing import List, Optional

import libcst as cst
import libcst.helpers

from ._base import SecretCommand

# django-environ: ``env.<method>(...)`` -> the cast handed to ``env.parse_value`` (the same parsing)
# (env.bool/int/float reads are switches, no secret reads: scanner.engines.env_reads._FLAG_CASTS)
_DJENV_CASTS = {"list": "list", "tuple": "tuple", "dict": "dict"}
# django-environ URL helpers -> (the class method that parses a URL, its option keyword, its position)
_DJENV_URLS = {"db": ("db_url_config", "engine", 2), "db_url": ("db_url_config", "engine", 2),
               "cache": ("cache_url_config", "backend", 2), "cache_url": ("cache_url_config", "backend", 2),
               "email": ("email_url_config", "backend", 2), "email_url": ("email_url_config", "backend", 2),
               "search_url": ("search_url_config", "engine", 2)}
_PYDANTIC_WRAPPERS = ("SecretStr", "SecretBytes")


class ReplaceEnvironReadCommand(SecretCommand):
    """``os.environ["DB_PASSWORD"]`` / ``os.getenv("API_KEY", "...")`` / ``env.str("API_KEY")`` /
    ``config("API_KEY", cast=Csv())`` / ``dj_database_url.config(conn_max_age=600)`` / a pydantic
    settings field -> a Secrets Manager read of the variable's value (``json_key`` holds it whole).

    Scope: the read the target points at, as the scanner's env engine resolved it (aliases, star
    imports of ``os``, ``environ.Env()`` instances, ``decouple.config``). What the helper did to the
    text is kept: django-environ casts go through ``env.parse_value(value, cast)``, its URL helpers
    through ``env.db_url_config(value)`` (``cache_url_config``, ``email_url_config``,
    ``search_url_config``), decouple's ``cast=C`` becomes ``C(value)``, ``dj_database_url.config(...)``
    becomes ``dj_database_url.parse(value, ...)`` with the same options. A pydantic field gets
    ``Field(default_factory=lambda: ...)``: the variable still wins when set, the secret is fetched
    when the settings object is built. With pydantic-settings (v2) the default is validated like
    the variable's text would be (``validate_default=True``: ``SecretStr``, ``PostgresDsn``, field
    validators); pydantic v1 skips defaults, so its ``SecretStr`` fields get ``SecretStr(...)`` and
    fields of other non-string types are refused with a reason. ``os.environ[...]`` and reads without a default are safe; a
    fallback that goes away is unsafe.
    """

    DESCRIPTION = "Replace an environment read of a secret with a Secrets Manager read."

    def _locs(self, node: cst.CSTNode):
        """The targets at ``node`` for which it is the read itself (not a call made on the read's
        result, which starts at the same place: ``os.environ.get("X").strip()``).

        Once the read at a position is rewritten, nothing else there is: whatever follows the read
        starts where it does (``os.environ["X"][:4]``, ``os.getenv("X").replace("X", "")``), is left
        after it (innermost first) and is the program's own use of the value, kept on the fetch."""
        done = {x.pos for x in self.applied}
        return [loc for loc in self.at(node) if loc.pos not in done and _is_read(node, loc)]

    def _fetch(self, loc, quote: str = '"') -> str:
        return self.accessor.call(loc.target.secret_id, loc.target.json_key, quote)

    def _refuse(self, loc, why: str) -> None:
        self.missed.append((loc, f"line {loc.target.line}: {why}"))
        loc_id = id(loc)
        self.by_pos[loc.pos] = [x for x in self.by_pos[loc.pos] if id(x) != loc_id]

    def leave_Comparison(self, original_node: cst.Comparison, updated_node: cst.Comparison) -> cst.BaseExpression:
        """``"X" in os.environ`` -> ``has_secret("id", "key")`` (``not in`` -> ``not has_secret(...)``)."""
        for loc in self._locs(original_node):
            test = self.accessor.has_call(loc.target.secret_id, loc.target.json_key, _quote_of(original_node))
            if test is None:
                self._refuse(loc, f"tests whether {loc.target.env_var} is set; only the accessor secretshift "
                                  "writes has has_secret(): change the check by hand")
                return updated_node
            negate = isinstance(original_node.comparisons[0].operator, cst.NotIn)
            self.mark(loc, imports=[(self.accessor.module, "has_secret")])
            return self.parse_expr(f"not {test}" if negate else test, original_node)
        return updated_node

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.BaseExpression:
        for loc in self._locs(original_node):
            self.mark(loc)
            return self.parse_expr(self._fetch(loc, _quote_of(original_node)), original_node)
        return updated_node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        for loc in self._locs(original_node):
            code = self._call(original_node, updated_node, loc)
            if code is None:
                continue
            self.mark(loc)
            for module in _imports_for(code):
                self.add_needed_import(module)
            return self.parse_expr(code, original_node)
        return updated_node

    def _call(self, orig: cst.Call, upd: cst.Call, loc) -> Optional[str]:
        how = loc.form
        q = _quote_of(orig)
        fetch = self._fetch(loc, q)
        code = self.module.code_for_node
        args = list(upd.args)
        pos = [a for a in args if a.keyword is None and not a.star]
        kw = {a.keyword.value: a for a in args if a.keyword is not None}
        func = upd.func
        owner = code(func.value) if isinstance(func, cst.Attribute) else None
        if how in ("subscript", "getenv", "environ.get", "environ.pop", "environ.setdefault", "djenv.str"):
            if how == "djenv.str" and "multiline" in kw:
                self._refuse(loc, "env.str(..., multiline=...) rewrites escapes: rewrite by hand")
                return None
            return fetch
        if how in ("djenv", "djenv.get_value"):
            cast = kw.get("cast") or (pos[1] if len(pos) > 1 else None)
            if cast is None or ("cast" not in kw and isinstance(cast.value, (cst.SimpleString, cst.ConcatenatedString))):
                return fetch  # (a string in second place is environs' default, not a cast: it goes away)
            return f"{code(func)}.parse_value({fetch}, {code(cast.value)})" if how == "djenv" else \
                f"{owner}.parse_value({fetch}, {code(cast.value)})"
        method = how.split(".", 1)[1] if how.startswith("djenv.") else ""
        if method in _DJENV_CASTS:
            if "cast" in kw or "subcast" in kw:
                self._refuse(loc, f"env.{method}(..., cast=...) with an element cast: rewrite by hand")
                return None
            return f"{owner}.parse_value({fetch}, {_DJENV_CASTS[method]})"
        if method == "json":
            return f"json.loads({fetch})"
        if method == "bytes":
            enc = kw.get("encoding") or (pos[2] if len(pos) > 2 else None)
            return f"{fetch}.encode({code(enc.value) if enc else ''})"
        if method in _DJENV_URLS:
            parser, option, index = _DJENV_URLS[method]
            named = loc.target.env_var and pos and _is_str(pos[0].value)
            opt = kw.get(option) or (pos[index] if named and len(pos) > index else None)
            extra = f", {option}={code(opt.value)}" if opt is not None else ""
            return f"{owner}.{parser}({fetch}{extra})"
        if how == "decouple":
            cast = kw.get("cast")
            if cast is None:
                return fetch
            c = cast.value  # (cast=bool/int/float reads are switches, never targets here)
            text = code(c)
            if not isinstance(c, (cst.Name, cst.Attribute, cst.Call)):
                text = f"({text})"
            return f"{text}({fetch})"
        if how == "djdb.config":
            rest = [code(a.value) for a in pos[2:]]
            rest += [f"{k}={code(a.value)}" for k, a in kw.items() if k not in ("env", "default")]
            if any(a.star for a in args):
                self._refuse(loc, "dj_database_url.config(*args/**kwargs): rewrite by hand")
                return None
            target = f"{owner}.parse" if owner is not None else "dj_database_url.parse"
            return f"{target}({', '.join([fetch] + rest)})"
        self._refuse(loc, f"{how} read: rewrite by hand")
        return None

    # -- pydantic settings fields --------------------------------------------------------------
    def leave_AnnAssign(self, original_node: cst.AnnAssign, updated_node: cst.AnnAssign) -> cst.AnnAssign:
        new = self.first_rewrite(self._locs(original_node), "pydantic",
                                 lambda loc: self._field(original_node, updated_node, loc))
        return updated_node if new is None else new

    def _field(self, orig: cst.AnnAssign, upd: cst.AnnAssign, loc) -> Optional[cst.AnnAssign]:
        value = upd.value
        if value is not None and self._already_fetched(value):
            return upd  # its literal default was just replaced by a fetch (a hardcoded target)
        fetch = self._fetch(loc, '"')
        if self._pydantic_v2():  # validate_default: the fetched text is validated as the variable's would be
            extra = ", validate_default=True"
        else:  # pydantic v1 (or unknown) skips defaults: the factory must give the field's own type
            wrap = _pydantic_wrap(orig.annotation.annotation, self.module)
            if wrap is None:
                self._refuse(loc, "pydantic v1 does not validate defaults: for this field type, set a default by hand")
                return None
            fetch, extra = wrap.format(fetch), ""
        factory = f"lambda: {fetch}"
        if isinstance(value, cst.Call) and self._is_field_call(value):
            args = list(value.args)
            if any(a.keyword is not None and a.keyword.value == "default_factory" for a in args):
                self._refuse(loc, "the field already has a default_factory: rewrite by hand")
                return None
            args = [a for i, a in enumerate(args) if not ((a.keyword is None and i == 0 and not a.star)
                                                           or (a.keyword is not None and a.keyword.value
                                                               in ("default", "validate_default")))]
            new_args = list(cst.parse_expression(f"f(default_factory={factory}{extra})").args)
            if args:
                args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
            return upd.with_changes(value=value.with_changes(args=[*args, *new_args]))
        expr = self.parse_expr(f"{self._field_name()}(default_factory={factory}{extra})")
        eq = upd.equal if value is not None else cst.AssignEqual()
        return upd.with_changes(value=expr, equal=eq)

    def _pydantic_v2(self) -> bool:
        """The file takes BaseSettings from pydantic-settings (pydantic v2 only)."""
        for stmt in self.module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.ImportFrom) and small.module is not None and \
                            cst.helpers.get_full_name_for_node(small.module).startswith("pydantic_settings"):
                        return True
                    if isinstance(small, cst.Import) and any(
                            cst.helpers.get_full_name_for_node(a.name).startswith("pydantic_settings") for a in small.names):
                        return True
        return False

    def _already_fetched(self, value: cst.BaseExpression) -> bool:
        name = self.accessor.func_name()
        code = self.module.code_for_node(value)
        return f"{name}(" in code or f"{name}." in code

    def _is_field_call(self, call: cst.Call) -> bool:
        f = call.func
        return (isinstance(f, cst.Name) and f.value == "Field") or (
            isinstance(f, cst.Attribute) and f.attr.value == "Field")

    def _field_name(self) -> str:
        """``Field`` when it is pydantic's or unbound (then imported), else ``pydantic.Field``."""
        bound = _module_bindings(self.module).get("Field")
        if bound in ("pydantic", "pydantic.fields"):
            return "Field"
        if bound is None:
            self.add_needed_import("pydantic", "Field")
            return "Field"
        self.add_needed_import("pydantic")
        return "pydantic.Field"


def _is_read(node: cst.CSTNode, loc) -> bool:
    var = loc.target.env_var
    if isinstance(node, cst.Subscript):
        return loc.form == "subscript"
    if isinstance(node, cst.AnnAssign):
        return loc.form == "pydantic"
    if isinstance(node, cst.Comparison):
        return loc.form == "contains"
    if not isinstance(node, cst.Call) or loc.form in ("subscript", "pydantic", "contains"):
        return False
    first = next((a.value for a in node.args if a.keyword is None and not a.star), None)
    named = next((a.value for a in node.args if a.keyword is not None
                  and a.keyword.value in ("var", "key", "option", "env")), None)
    lit = first if isinstance(first, cst.SimpleString) else named if isinstance(named, cst.SimpleString) else None
    if lit is not None:
        return lit.evaluated_value == var
    if not isinstance(node.func, cst.Attribute):
        return isinstance(node.func, cst.Name)  # db_config(): the scanner resolved what the name is
    return loc.form.rsplit(".", 1)[-1] == node.func.attr.value  # env.db(), dj_database_url.config()


def _quote_of(node: cst.CSTNode) -> str:
    """The quote of the read's variable-name literal (generated code follows the file's style)."""
    for child in _walk(node):
        if isinstance(child, cst.SimpleString):
            return child.quote[0]
    return '"'


def _walk(node: cst.CSTNode):
    stack = [node]
    while stack:
        n = stack.pop(0)
        yield n
        stack.extend(n.children)


def _is_str(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.SimpleString, cst.ConcatenatedString))


def _imports_for(code: str) -> List[str]:
    return ["json"] if code.startswith("json.loads(") else ["dj_database_url"] if code.startswith("dj_database_url.parse(") else []


def _pydantic_wrap(ann: cst.BaseExpression, module: cst.Module) -> Optional[str]:
    """``{}`` (a str field), ``SecretStr({})`` / ``SecretBytes({}.encode())`` (as the annotation
    names them), or None for a type a plain string default would not be (pydantic skips defaults)."""
    code = module.code_for_node(ann).replace(" ", "")
    for opt in ("Optional[", "typing.Optional[", "t.Optional["):
        if code.startswith(opt) and code.endswith("]"):
            code = code[len(opt):-1]
    for suffix in ("|None",):
        if code.endswith(suffix):
            code = code[: -len(suffix)]
    if code.startswith("None|"):
        code = code[5:]
    if code in ("str", "builtins.str"):
        return "{}"
    tail = code.rsplit(".", 1)[-1]
    if tail == "SecretStr":
        return code + "({})"
    if tail == "SecretBytes":
        return code + "({}.encode())"
    return None


def _module_bindings(module: cst.Module) -> dict:
    """Top-level names bound by imports -> the module they come from (others -> "")."""
    out: dict = {}
    for stmt in module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                    mod = cst.helpers.get_full_name_for_node(small.module) if small.module else ""
                    for a in small.names:
                        out[a.evaluated_alias or a.evaluated_name] = mod or ""
                elif isinstance(small, cst.Assign):
                    for t in small.targets:
                        if isinstance(t.target, cst.Name):
                            out[t.target.value] = ""
        elif isinstance(stmt, (cst.ClassDef, cst.FunctionDef)):
            out[stmt.name.value] = ""
    return out
