"""The env engine: reads of secret-looking environment variables in Python and JavaScript code.

Python is understood as Python (stdlib ``ast``), with aliases resolved: ``os.environ[...]``,
``.get/.pop/.setdefault``, ``os.getenv``, ``"X" in os.environ``, the same through ``from os import
environ as env`` / ``import os as _os`` / ``env = os.environ``; django-environ (``env = environ.Env()``
then ``env("X")``/``env.str("X")``), python-decouple (``config("X")``) and pydantic ``BaseSettings``
fields, and dj-database-url (``dj_database_url.config()`` reads ``DATABASE_URL``; django-environ's
``env.db()``/``env.cache()``/``env.email()``/``env.search_url()`` read ``DATABASE_URL``/``CACHE_URL``/
``EMAIL_URL``/``SEARCH_URL`` when no name is given). ``os`` used but never bound (``from .base import
*`` in Django split settings) is taken for the ``os`` module. A pydantic field whose default already
fetches from Secrets Manager (``get_secret(...)`` from the module secretshift writes, or the
caching library's ``_secretshift_cache``) is migrated and not reported. Each read records ``how``
it reads (``PyRead.how``) for the codemods. JavaScript/TypeScript is matched textually: ``process.env.X``, ``process.env["X"]``,
``const { X } = process.env`` and ``import.meta.env.X``.

Only names that look secret (``scanner.envnames.is_secret_name``, extended by the scan options'
``secret_env_names`` / ``non_secret_env_names``) become candidates. A rule's ``matcher`` picks the
form: ``environ``, ``config-helper``, ``pydantic`` (Python), ``process-env`` (JavaScript) or
``env-call`` (the other languages' standard reads and a project's own ``getEnv("X")`` helpers, in
``_env_other``), ``env-default`` (their literal fallbacks) or ``config-placeholder`` (Spring-style
``${DB_PASSWORD}`` in application*.yml / application*.properties).
"""
from __future__ import annotations

import ast
import re
from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from secretshift.base.record import dataclass  # not dataclasses: see secretshift/base/record.py
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Iterable, Iterator

from ..envnames import hints, is_secret_name
from ..ruleset import Rule
from . import Candidate, FileContext, _env_other, env_name_globs
from ._py_source import PySource, parse_cached

NAME = "env"
MATCHERS = ("environ", "config-helper", "pydantic", "env-helper", "process-env", "env-call", "env-default",
            "config-placeholder")

# kinds a name (or an attribute chain) can be bound to
_MODULE_KINDS = {"os": "os", "environ": "djenv", "environs": "djenv", "decouple": "decouple",
                 "pydantic": "pydantic", "pydantic_settings": "pydantic", "dj_database_url": "djdb"}
_FROM_KINDS = {
    ("os", "environ"): "os.environ", ("os", "getenv"): "os.getenv",
    ("environ", "Env"): "djenv.Env", ("environ", "FileAwareEnv"): "djenv.Env",
    ("environs", "Env"): "djenv.Env",  # environs: the same calls (env("X"), env.str("X", default))
    ("environs", "env"): "djenv.instance",
    ("decouple", "config"): "decouple.config", ("decouple", "AutoConfig"): "decouple.AutoConfig",
    ("decouple", "Config"): "decouple.AutoConfig",
    ("pydantic", "BaseSettings"): "pydantic.BaseSettings",
    ("pydantic_settings", "BaseSettings"): "pydantic.BaseSettings",
    ("pydantic.v1", "BaseSettings"): "pydantic.BaseSettings", ("pydantic.v1", "SecretStr"): "pydantic.Secret",
    ("pydantic", "SecretStr"): "pydantic.Secret", ("pydantic", "SecretBytes"): "pydantic.Secret",
    ("pydantic", "Field"): "pydantic.Field", ("pydantic_settings", "SettingsConfigDict"): "pydantic.ConfigDict",
    ("dj_database_url", "config"): "djdb.config",
}
_ATTR_KINDS = {
    ("os", "environ"): "os.environ", ("os", "getenv"): "os.getenv",
    ("os.environ", "get"): "os.environ.get", ("os.environ", "pop"): "os.environ.get",
    ("os.environ", "setdefault"): "os.environ.get",
    ("djenv", "Env"): "djenv.Env", ("djenv", "FileAwareEnv"): "djenv.Env",
    ("decouple", "config"): "decouple.config", ("decouple", "AutoConfig"): "decouple.AutoConfig",
    ("decouple", "Config"): "decouple.AutoConfig",
    ("pydantic", "BaseSettings"): "pydantic.BaseSettings", ("pydantic", "SecretStr"): "pydantic.Secret",
    ("pydantic", "SecretBytes"): "pydantic.Secret", ("pydantic", "Field"): "pydantic.Field",
    ("djdb", "config"): "djdb.config",
}
_DJENV_METHODS = {"str", "bool", "int", "float", "json", "list", "tuple", "dict", "url", "db", "db_url",
                  "cache", "cache_url", "email", "email_url", "search_url", "path", "bytes", "get_value"}
# django-environ methods that read a default variable when called without a name
_DJENV_DEFAULT_VAR = {"db": "DATABASE_URL", "db_url": "DATABASE_URL", "cache": "CACHE_URL",
                      "cache_url": "CACHE_URL", "email": "EMAIL_URL", "email_url": "EMAIL_URL",
                      "search_url": "SEARCH_URL"}
# what the secretshift accessor is called when the rewritten code imports it: a default that calls it
# is already a Secrets Manager read
ACCESSOR_MODULE_TAIL = "secretshift_secrets"
ACCESSOR_CACHE = "_secretshift_cache"


@dataclass
class PyRead:
    """One read of an environment variable in Python."""

    name: str  # the variable name
    node: ast.AST  # the read expression (its span is the finding's span)
    form: str  # "environ" | "config-helper" | "pydantic" | "env-helper"
    default: ast.AST | None = None  # the default value expression, when the read has one
    forced_secret: bool = False  # pydantic SecretStr/SecretBytes: a secret whatever the name
    # how it reads: "subscript" (os.environ[...]), "getenv", "environ.get", "environ.pop",
    # "environ.setdefault", "contains" ("X" in os.environ), "djenv" (env("X")), "djenv.<method>",
    # "decouple", "djdb.config" (dj_database_url.config()), "pydantic" (a settings field)
    how: str = ""


# first parts of a project's own settings modules, from which an imported `env` is its environ.Env()
_PROJECT_HINTS = frozenset({"config", "settings", "conf", "core", "app", "project", "base"})


class _Resolver:
    """Binds names to what they stand for (``os``, ``os.environ``, a django-environ ``Env``...)."""

    def __init__(self) -> None:
        self.bound: dict[str, str] = {}
        self.shadowed: set[str] = set()  # names bound to something we do not know
        self.accessors: set[str] = set()  # names imported from secretshift's accessor module
        self.foreign: set[str] = set()  # names imported from a module that is not the project's (_helper_read)
        self.imported: set[str] = set()  # names any from-import binds

    def kind(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            if node.id == "os" and "os" not in self.bound and "os" not in self.shadowed:
                return "os"  # never bound here: imported by a star import or an enclosing tool
            return self.bound.get(node.id)
        if isinstance(node, ast.Call):  # environ.Env().db()
            return "djenv.instance" if self.kind(node.func) == "djenv.Env" else None
        if isinstance(node, ast.Attribute):
            base = self.kind(node.value)
            if base is None:
                return None
            if base == "djenv.instance" and node.attr in _DJENV_METHODS:
                return "djenv.method"
            return _ATTR_KINDS.get((base, node.attr))
        return None

    def bind_statement(self, node: ast.AST) -> None:
        if isinstance(node, ast.ImportFrom):
            self.imported.update(a.asname or a.name for a in node.names)
        if isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").split(".")[0] in _PROJECT_HINTS):
            for a in node.names:
                if a.name == "env" and (a.asname or a.name) not in self.bound:
                    # cookiecutter-django's `from .base import env`: the settings package's environ.Env()
                    self.bound[a.asname or a.name] = "djenv.instance"
        if isinstance(node, ast.Import):
            for a in node.names:
                top = a.name.split(".")[0]
                if a.asname is None and top in _MODULE_KINDS:
                    self.bound[top] = _MODULE_KINDS[top]
                elif a.asname and a.name in _MODULE_KINDS:
                    self.bound[a.asname] = _MODULE_KINDS[a.name]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not _PROJECT_MODULE.search(node.module) and node.module.split(".")[0] not in _PROJECT_HINTS:
                self.foreign.update(a.asname or a.name for a in node.names)
            for a in node.names:
                if a.name == "*" and node.module == "os":
                    self.bound.setdefault("environ", "os.environ")
                    self.bound.setdefault("getenv", "os.getenv")
                k = _FROM_KINDS.get((node.module, a.name))
                if k:
                    self.bound[a.asname or a.name] = k
                if node.module.rsplit(".", 1)[-1] == ACCESSOR_MODULE_TAIL:
                    self.accessors.add(a.asname or a.name)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.rsplit(".", 1)[-1] == ACCESSOR_MODULE_TAIL:
            self.accessors.update(a.asname or a.name for a in node.names)  # from .secretshift_secrets import ...
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            k = self._value_kind(node.value)
            for t in targets:
                if isinstance(t, ast.Name):
                    if k:
                        self.bound[t.id] = k
                    else:
                        self.shadowed.add(t.id)

    def _value_kind(self, value: ast.AST) -> str | None:
        k = self.kind(value)
        if k in ("os.environ", "os.getenv", "decouple.config", "djenv.instance"):
            return k
        if isinstance(value, ast.Call):
            fk = self.kind(value.func)
            if fk == "djenv.Env":
                return "djenv.instance"
            if fk == "decouple.AutoConfig":
                return "decouple.config"
        return None


def _str(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _kw(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def cached_reads(src: PySource) -> list[PyRead]:
    """``python_reads`` of a parsed module, computed once for both Python engines."""
    reads = src.cache.get("env_reads")
    if reads is None:
        reads = src.cache["env_reads"] = python_reads(src.nodes)
    return reads  # type: ignore[return-value]


def python_reads(nodes: list[ast.AST], bindings: list[ast.AST] | None = None) -> list[PyRead]:
    """Every env read among a module's nodes (``PySource.nodes``), names resolved through imports and
    simple aliases (found among ``bindings``, by default ``nodes`` themselves; ``PySource.statements``
    when ``nodes`` is only part of the module)."""
    res = _Resolver()
    # bindings first, so that a read above a late alias still resolves
    for node in nodes if bindings is None else bindings:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign)):
            res.bind_statement(node)
    reads: list[PyRead] = []
    for node in nodes:
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            name = _str(node.slice)
            if name is not None and res.kind(node.value) == "os.environ":
                reads.append(PyRead(name, node, "environ", how="subscript"))
        elif isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.ops[0], (ast.In, ast.NotIn)):
            name = _str(node.left)
            if name is not None and res.kind(node.comparators[0]) == "os.environ":
                reads.append(PyRead(name, node, "environ", how="contains"))
        elif isinstance(node, ast.Call):
            read = _call_read(node, res)
            if read is not None:
                reads.append(read)
        elif isinstance(node, ast.ClassDef) and _is_settings_class(node, res):
            reads.extend(_pydantic_fields(node, res))
    return reads


_FLAG_CASTS = frozenset({"bool", "int", "float"})


def _call_read(node: ast.Call, res: _Resolver) -> PyRead | None:
    fk = res.kind(node.func)
    if fk is None:
        return _helper_read(node, res)
    first = node.args[0] if node.args else None
    second = node.args[1] if len(node.args) > 1 else None
    method = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if fk == "djdb.config":  # dj_database_url.config(env="DATABASE_URL", default=None, ...)
        env_kw = _kw(node, "env")
        if env_kw is not None and isinstance(env_kw, ast.Attribute) and env_kw.attr == "DEFAULT_ENV":
            env_kw = None  # env=dj_database_url.DEFAULT_ENV: DATABASE_URL
        name = _str(first) if first is not None else _str(env_kw) if env_kw is not None else "DATABASE_URL"
        return None if name is None else PyRead(name, node, "config-helper", second or _kw(node, "default"),
                                                how="djdb.config")
    if fk == "djenv.method" and first is None and _kw(node, "var") is None:
        name = _DJENV_DEFAULT_VAR.get(method)  # env.db() reads DATABASE_URL
        return None if name is None else PyRead(name, node, "config-helper", _kw(node, "default"), how=f"djenv.{method}")
    name = _str(first) if first is not None else _str(_kw(node, "var") or _kw(node, "key") or _kw(node, "option"))
    if name is None:
        return None
    cast = _kw(node, "cast")
    if (isinstance(cast, ast.Name) and cast.id in _FLAG_CASTS) or (fk == "djenv.method" and method in _FLAG_CASTS):
        return None  # config("FXA_STORE_ACCESS_TOKEN", cast=bool), env.bool("X"): a switch, a number
    if fk in ("os.environ.get", "os.getenv"):
        how = "getenv" if fk == "os.getenv" else f"environ.{method or 'get'}"
        return PyRead(name, node, "environ", second or _kw(node, "default") or _kw(node, "value"), how=how)
    if fk == "djenv.instance":
        # environs' env("X", "<default>"): a string in second place is a default (django-environ's
        # second argument is a cast, never a string)
        positional = second if isinstance(second, ast.Constant) and isinstance(second.value, str) else None
        return PyRead(name, node, "config-helper", positional or _kw(node, "default"), how="djenv")
    if fk == "djenv.method":
        return PyRead(name, node, "config-helper", second or _kw(node, "default"), how=f"djenv.{method}")
    if fk == "decouple.config":
        return PyRead(name, node, "config-helper", _kw(node, "default"), how="decouple")
    return None


_UPPER_NAME = lazy_re(r"[A-Z][A-Z0-9_]*[A-Z0-9]")


# a module whose name says it is the project's configuration code (hc.lib.env, app.utils, myproj.settings)
_PROJECT_MODULE = lazy_re(r"(?:^|\.|_)(?:env|environ|environment|config|conf|settings|utils?|helpers?|lib|common|core)(?:$|\.|_)")


def _helper_read(node: ast.Call, res: _Resolver) -> PyRead | None:
    """A project's own helper called with an upper-case variable name (``envsecret("SECRET_KEY")``,
    ``env_str("DB_PASSWORD", "")``, ``utils.get_env("API_KEY")``): named as the other languages'
    helpers are (``_env_other.is_helper_name``). Its casts and fallbacks are its own: the rewrite
    leaves it to be done by hand (codemods.locate)."""
    f = node.func
    fn = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
    if fn is None or not node.args or not _env_other.is_helper_name(fn):
        return None
    if isinstance(f, ast.Name) and fn in res.foreign:
        return None  # imported from a library: not known to read the environment
    name = _str(node.args[0])
    if name is None or not _UPPER_NAME.fullmatch(name):
        return None
    default = node.args[1] if len(node.args) > 1 else _kw(node, "default")
    return PyRead(name, node, "env-helper", default, how="helper")


def _is_settings_class(node: ast.ClassDef, res: _Resolver) -> bool:
    for b in node.bases:
        k = res.kind(b)
        # (or a settings class of the project's own, imported from another of its modules: fastapi's
        # `class AppSettings(BaseAppSettings)` beside `from app.core.settings.base import BaseAppSettings`)
        if k == "pydantic.BaseSettings" or (
                k is None and isinstance(b, ast.Name) and b.id.endswith("Settings") and b.id in res.imported
                and b.id not in res.foreign):
            res.bound[node.name] = "pydantic.BaseSettings"  # subclasses of this class are settings too
            return True
    return False


def _env_prefix(cls: ast.ClassDef) -> str:
    for st in cls.body:
        if isinstance(st, (ast.Assign, ast.AnnAssign)) and isinstance(st.value, ast.Call):
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            if any(isinstance(t, ast.Name) and t.id == "model_config" for t in targets):
                p = _str(_kw(st.value, "env_prefix"))
                if p is not None:
                    return p
        if isinstance(st, ast.ClassDef) and st.name == "Config":
            for s2 in st.body:
                if isinstance(s2, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "env_prefix" for t in s2.targets):
                    p = _str(s2.value)
                    if p is not None:
                        return p
    return ""


def _mentions_secret_type(ann: ast.AST, res: _Resolver) -> bool:
    for n in ast.walk(ann):
        if isinstance(n, (ast.Name, ast.Attribute)):
            if res.kind(n) == "pydantic.Secret":
                return True
            if (n.id if isinstance(n, ast.Name) else n.attr) in ("SecretStr", "SecretBytes"):
                return True
        elif isinstance(n, ast.Constant) and isinstance(n.value, str) and re.search(r"\bSecret(Str|Bytes)\b", n.value):
            return True
    return False


def _pydantic_fields(cls: ast.ClassDef, res: _Resolver) -> Iterator[PyRead]:
    prefix = _env_prefix(cls)
    for st in cls.body:
        if not (isinstance(st, ast.AnnAssign) and isinstance(st.target, ast.Name)):
            continue
        field_name = st.target.id
        if field_name == "model_config" or "ClassVar" in ast.dump(st.annotation):
            continue
        if _plain_type(st.annotation) in _NOT_SECRET_TYPES:
            continue  # ACCESS_TOKEN_EXPIRE_MINUTES: int holds no credential
        var = (prefix + field_name).upper()
        default = st.value
        if isinstance(st.value, ast.Call) and (res.kind(st.value.func) == "pydantic.Field" or (
                isinstance(st.value.func, ast.Name) and st.value.func.id == "Field")):
            alias = next((a for k in ("validation_alias", "alias", "env") if (a := _alias(_kw(st.value, k)))), None)
            if alias:
                var = alias.upper()
            default = _kw(st.value, "default") or (st.value.args[0] if st.value.args else None)
        if st.value is not None and _fetches_secret(st.value, res):
            continue  # migrated: the default reads Secrets Manager (the variable only overrides it)
        yield PyRead(var, st, "pydantic", default, forced_secret=_mentions_secret_type(st.annotation, res),
                     how="pydantic")


def _alias(node: ast.AST | None) -> str | None:
    """A field's variable from ``alias="X"``, or the first of ``AliasChoices("X", "Y")`` (the first
    that is set wins, so the first is the variable the field reads first)."""
    if isinstance(node, ast.Call) and node.args and (
            (isinstance(node.func, ast.Name) and node.func.id == "AliasChoices")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "AliasChoices")):
        return _str(node.args[0])
    return _str(node) if node is not None else None


_NOT_SECRET_TYPES = {"int", "float", "bool", "timedelta", "datetime.timedelta", "PositiveInt", "NonNegativeInt"}


def _plain_type(ann: ast.AST) -> str:
    """``int`` for ``int``, ``Optional[int]``, ``int | None``; "" for anything else."""
    if isinstance(ann, ast.Subscript) and isinstance(ann.value, (ast.Name, ast.Attribute)) and \
            (ann.value.id if isinstance(ann.value, ast.Name) else ann.value.attr) == "Optional":
        ann = ann.slice
    if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
        if isinstance(ann.right, ast.Constant) and ann.right.value is None:
            ann = ann.left
        elif isinstance(ann.left, ast.Constant) and ann.left.value is None:
            ann = ann.right
    if isinstance(ann, ast.Name):
        return ann.id
    if isinstance(ann, ast.Attribute) and isinstance(ann.value, ast.Name):
        return f"{ann.value.id}.{ann.attr}"
    return ""


def _fetches_secret(expr: ast.AST, res: _Resolver) -> bool:
    """Whether ``expr`` calls secretshift's accessor (``get_secret`` imported from its module, or the
    caching library's ``_secretshift_cache``): a value the codemods already moved."""
    for n in ast.walk(expr):
        if isinstance(n, ast.Call):
            f = n.func
            if isinstance(f, ast.Name) and f.id in res.accessors:
                return True
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == ACCESSOR_CACHE:
                return True
    return False


# --- JavaScript / TypeScript ----------------------------------------------------------------------

_JS_DOT = lazy_re(r"\b(?:process\.env|import\.meta\.env|Bun\.env)\.(?P<name>[A-Za-z_$][\w$]*)")
_JS_INDEX = lazy_re(r"\b(?:process\.env|import\.meta\.env|Bun\.env)\[\s*(?P<q>['\"`])(?P<name>[^'\"`\s]+)(?P=q)\s*\]"
                    r"|\bDeno\.env\.get\(\s*(?P<q2>['\"`])(?P<name2>[^'\"`\s]+)(?P=q2)\s*\)")
_JS_DESTRUCT = lazy_re(r"\b(?:const|let|var)\s*\{(?P<body>[^{}]*)\}\s*=\s*(?:process\.env|import\.meta\.env)\b")
_JS_DESTRUCT_NAME = lazy_re(r"(?:^|,)\s*(?P<name>[A-Za-z_$][\w$]*)\s*(?=[:=,]|$)")


_JS_WRITE = lazy_re(r"[ \t]*(?:=(?![=>])|\?\?=|\|\|=)")  # an assignment to the variable
# a call that takes a file's path, right before a read: readFileSync(process.env.DB_PASSWORD, "utf8")
_JS_OPENS = lazy_re(r"\b(?:readFileSync|readFile|createReadStream|openSync|existsSync|statSync)\s*\(\s*$")
# Python calls whose first argument is a path: open(), Path(), os.path's tests
_PY_OPENERS = frozenset({"open", "Path", "PurePath", "PosixPath", "isfile", "exists", "expanduser", "abspath",
                         "realpath", "read_text", "read_bytes"})


def _path_arguments(src: PySource) -> set[int]:
    """ids of the nodes a module passes as the path of a file to open (``open(X)``, ``Path(X)``,
    ``os.path.isfile(X)``): a variable read there names a file holding the secret (a mounted Docker
    or Kubernetes secret), it is not the secret."""
    got = src.cache.get("path_arguments")
    if got is None:
        got = set()
        for node in src.nodes:
            if isinstance(node, ast.Call) and node.args:
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
                if name in _PY_OPENERS:
                    got.add(id(node.args[0]))
        src.cache["path_arguments"] = got
    return got  # type: ignore[return-value]


_JS_DELETE = lazy_re(r"\bdelete\s+\(?\s*$")


def _js_reads(text: str) -> Iterator[tuple[str, int, int, str]]:
    """(name, start, end, expression) for every process.env read outside line comments."""
    for rx in (_JS_DOT, _JS_INDEX):
        for m in rx.finditer(text):
            if _JS_WRITE.match(text, m.end()) or _JS_DELETE.search(text, max(0, m.start() - 12), m.start()):
                continue  # process.env.X = saved, delete process.env.X (a test's environment): no read
            if not _in_line_comment(text, m.start()):
                yield m.group("name") or m.group("name2"), m.start(), m.end(), m.group(0)
    for m in _JS_DESTRUCT.finditer(text):
        if _in_line_comment(text, m.start()):
            continue
        body_start = m.start("body")
        for n in _JS_DESTRUCT_NAME.finditer(m.group("body")):
            if n.group("name").startswith("..."):
                continue
            s = body_start + n.start("name")
            yield n.group("name"), s, s + len(n.group("name")), _redact_text(_one_line(m.group(0)), "")


def _in_line_comment(text: str, pos: int) -> bool:
    line_start = text.rfind("\n", 0, pos) + 1
    head = text[line_start:pos].lstrip()
    return head.startswith(("//", "*", "/*")) or " //" in head


# --- the engine ------------------------------------------------------------------------------------

# Where a Python env read's variable name is: a string literal right after `(` or `[` (a call's first
# argument, a subscript) or right before `in` / `not in` (a membership test)
_READ_NAME_RE = lazy_re(
    r"""[(\[]\s*[rRuU]?(['"])([A-Za-z_][\w.:-]*)\1|(['"])([A-Za-z_][\w.:-]*)\3\s+(?:not\s+)?in\b""")
# ... as four patterns, each starting with its own literal character (`(`, `[`, `'`, `"`): the regex
# engine skips to that character at C speed, where it tries the alternation above at every offset
# that starts any branch (sqlalchemy's 28 modules that name the environment: 31 -> 4 ms).
# ``_read_names`` merges their matches into those of ``_READ_NAME_RE.finditer``.
_READ_NAME_PARTS = (
    lazy_re(r"""\(\s*[rRuU]?(['"])([A-Za-z_][\w.:-]*)\1"""),
    lazy_re(r"""\[\s*[rRuU]?(['"])([A-Za-z_][\w.:-]*)\1"""),
    lazy_re(r"""(')([A-Za-z_][\w.:-]*)'\s+(?:not\s+)?in\b"""),
    lazy_re(r"""(")([A-Za-z_][\w.:-]*)"\s+(?:not\s+)?in\b"""),
)


def _read_names(text: str) -> Iterator[tuple[str, bool, re.Match[str]]]:
    """(name, whether it follows a bracket, the match) of each match of ``_READ_NAME_RE.finditer``,
    in order. Every part is searched on from where the last match taken ended, as the alternation
    is: the leftmost match wins (no two parts start with the same character: there are no ties),
    and a part's match that starts inside the one taken is looked for again after it."""
    parts = _READ_NAME_PARTS
    nxt = [rx.search(text) for rx in parts]
    while True:
        best = None
        k_best = -1
        for k, m in enumerate(nxt):
            if m is not None and (best is None or m.start() < best.start()):
                best, k_best = m, k
        if best is None:
            return
        yield best.group(2), k_best < 2, best  # the name is group 2 in each part
        end = best.end()
        for k, m in enumerate(nxt):
            if m is not None and m.start() < end:
                nxt[k] = parts[k].search(text, end)


# django-environ's env.db() / env.cache(default=...) without a variable name
_NAMELESS_READ_RE = lazy_re(r"\.(?:db|db_url|cache|cache_url|email|email_url|search_url)\(\s*(?:\)|[a-z_]+\s*=)")


def may_read_secret(ctx: FileContext) -> bool:
    """Whether a Python module may read a secret env var, decided before parsing it: a secret-looking
    name quoted where a read's name goes (``_may_be_read_at``), or a pydantic settings class (whose
    field names are)."""
    if "basesettings" in ctx.lower or "settings):" in ctx.lower or "dj_database_url" in ctx.lower \
            or _NAMELESS_READ_RE.search(ctx.text):
        return True
    extra_secret, extra_non = env_name_globs(ctx)
    text = ctx.text
    secret: dict[str, bool] = {}
    bindable: dict[str, bool] = {}
    for name, bracket, m in _read_names(text):
        ok = secret.get(name)
        if ok is None:
            ok = secret[name] = is_secret_name(name, extra_secret, extra_non)
        if ok and (not bracket or _may_be_read_at(text, m, bindable)):
            return True
    return False


# the names a module, or a name imported from one, can bind to what reads the environment
# (``_MODULE_KINDS``, ``_FROM_KINDS``; ``from os import *`` binds environ and getenv)
_ENV_ROOTS = frozenset({*_MODULE_KINDS, *(n for _, n in _FROM_KINDS)})
_IMPORTED_ENV = lazy_re(r"(?m)^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+[^\n]*\benv\b")  # (_Resolver: a settings package's)
_CHAIN_BEFORE = lazy_re(r"[A-Za-z_][\w.]*\Z")
_STORE_AFTER = lazy_re(r"""\s*\]\s*=(?!=)""")
_WORD = lazy_re(r"[A-Za-z_]\w*")


def _may_be_read_at(text: str, m: re.Match[str], bindable: dict[str, bool]) -> bool:
    """Whether the quoted name at ``m`` (a `(` or `[` and the name) may be an env read's: the
    first argument of a call or the key of a subscript that is read, on an expression whose
    leftmost name may stand for something that reads the environment (``_Resolver``: ``os``,
    a name imported from the modules it knows, or assigned from one). A tuple in a list
    (``[("password", "")]``), a store (``opts["password"] = x``), a call of a name never bound to
    such a thing (``keys.pop("password")``) are not."""
    q = m.start()
    j = q
    while j > 0 and text[j - 1] in " \t":
        j -= 1
    before = text[j - 1] if j > 0 else ""
    if not (before.isalnum() or before in "_)]"):
        return False  # `(` after an operator, a comma, a bracket: a tuple or a group; `[`: a list
    if text[q] == "[" and _STORE_AFTER.match(text, m.end()):
        return False  # os.environ["X"] = ... sets a variable; a read is a load
    if before in ")]":
        return True  # a call of a call's result, a subscript of one: look no further
    chain = _CHAIN_BEFORE.search(text, max(0, j - 200), j)
    if chain is None or chain.group(0).startswith("."):
        return True
    k = chain.start()
    while k > 0 and text[k - 1] in " \t":
        k -= 1
    if k > 0 and text[k - 1] in ".)]\\":
        return True  # `a . b(...)`, `f().b(...)`: the leftmost name is further back
    return _bindable(text, chain.group(0).split(".", 1)[0], bindable, 0)


def _word_matches(pattern: str, text: str) -> Iterator[re.Match[str]]:
    """The matches of ``re.finditer(r"\\b" + pattern, text)`` for a ``pattern`` that starts with a
    word character: searched without the ``\\b`` (a pattern that starts with one is tried at every
    offset; one that starts with a literal is searched for it, ~20x faster), a match right after
    a word character left out and looked for again from the next offset."""
    rx = re.compile(pattern)
    pos = 0
    while True:
        m = rx.search(text, pos)
        if m is None:
            return
        s = m.start()
        if s and (text[s - 1].isalnum() or text[s - 1] == "_"):  # what \\b takes for a word character
            pos = s + 1
            continue
        yield m
        pos = m.end()


def _bindable(text: str, root: str, memo: dict[str, bool], depth: int) -> bool:
    """Whether the name ``root`` may be bound to something that reads the environment: one of
    ``_ENV_ROOTS``, a name bound ``as`` it (an import), a helper's name (``_helper_read``), or a name assigned (anywhere, in any form
    the text shows: `x = `, `x: T = `, `a = x = `, a keyword argument) from an expression that
    mentions such a name (looked up a few assignments deep, then assumed; a value that goes on
    over more lines is assumed)."""
    got = memo.get(root)
    if got is not None:
        return got
    if root in _ENV_ROOTS or depth > 4 or next(_word_matches(rf"as[ \t]+{root}\b", text), None) or (
            root == "env" and _IMPORTED_ENV.search(text)) or _env_other.is_helper_name(root):
        memo[root] = True
        return True
    memo[root] = True  # while it is looked at (a cycle of assignments): assumed
    found = False
    for a in _word_matches(rf"{root}[ \t]*(?::[^=\n]*)?=(?!=)([^\n]*)", text):
        rhs = a.group(1)
        if (sum(rhs.count(c) for c in "([{") > sum(rhs.count(c) for c in ")]}") or rhs.rstrip().endswith("\\")
                or any(_bindable(text, w, memo, depth + 1) for w in _WORD.findall(rhs) if w != root)):
            found = True  # (a value that goes on over the next lines: assumed)
            break
    memo[root] = found
    return found


def run(ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]:
    by_matcher = {r.matcher: r for r in rules if r.matcher in MATCHERS}
    if not by_matcher:
        return []
    extra_secret, extra_non = env_name_globs(ctx)

    out: list[Candidate] = []
    # Rails: config/*.yml and views (*.erb) run the Ruby in their ERB tags (a document's example does not)
    erb = "<%" in ctx.text and (ctx.language == "yaml" or ctx.language == "text" and ctx.path.endswith(".erb"))
    if ctx.language in ("yaml", "properties"):
        rule = by_matcher.get("config-placeholder")
        if rule is not None:
            for name, s, e, expr in _env_other.placeholder_reads(ctx.text):
                if is_secret_name(name, extra_secret, extra_non):
                    service, field = hints(name)
                    out.append(Candidate(rule, s, e, None, symbol=name, service=service, field=field, expression=expr))
        if not erb:
            return out
    if ctx.language in _env_other.FORMS or erb:
        rule = by_matcher.get("env-call")
        dflt = by_matcher.get("env-default")
        if rule is None and dflt is None:
            return out
        found = _env_other.erb_reads(ctx.text) if erb else _env_other.reads(ctx.text, ctx.language, ctx.lower)
        for name, s, e, expr, default in found:
            if not is_secret_name(name, extra_secret, extra_non):
                continue
            service, field = hints(name)
            if rule is not None:
                out.append(Candidate(rule, s, e, None, symbol=name, service=service, field=field,
                                     expression=_redact_text(_one_line(expr), name)))
            if dflt is not None and default is not None:
                ds, de, value = default
                out.append(Candidate(dflt, ds, de, value, symbol=name, service=service, field=field))
        return out
    if ctx.language == "javascript":
        rule = by_matcher.get("process-env")
        if rule is None:
            return []
        reads = list(_js_reads(ctx.text))
        # a variable passed to a file reader names a file, in every read of it (the guard of
        # `process.env.DB_PASSWORD ? readFileSync(process.env.DB_PASSWORD) : ...` too)
        files = {name for name, s, e, expr in reads if _JS_OPENS.search(ctx.text, max(0, s - 80), s)}
        for name, s, e, expr in reads:
            if name not in files and is_secret_name(name, extra_secret, extra_non):
                service, field = hints(name)
                out.append(Candidate(rule, s, e, None, symbol=name, service=service, field=field, expression=expr))
        return out
    # the rules come from the multi-pattern pass only when their words occur (rules/environ.yaml)
    if ctx.language != "python" or by_matcher.keys().isdisjoint(("environ", "config-helper", "pydantic", "env-helper")) \
            or not may_read_secret(ctx):
        return []
    src = parse_cached(ctx)
    if src is None:
        return _fallback(ctx, by_matcher.get("environ"), extra_secret, extra_non)
    opened = _path_arguments(src)
    reads = cached_reads(src)
    # open(os.environ["DB_PASSWORD"]): the variable names a file (Docker secrets), in every read of it
    files = {read.name for read in reads if id(read.node) in opened}
    for read in reads:
        rule = by_matcher.get(read.form)
        if rule is None:
            continue
        if read.name in files or not _is_secret_read(read, extra_secret, extra_non):
            continue
        s, e = src.span(read.node)
        service, field = hints(read.name)
        out.append(Candidate(rule, s, e, None, symbol=read.name, service=service, field=field,
                             expression=_redacted(src, read, s, e)))
    return out


REDACTED = '"***"'


def _redacted(src: PySource, read: PyRead, s: int, e: int) -> str:
    """The read's source text with every non-empty string literal but the variable name replaced by
    ``"***"``: a literal default may be the credential itself, and expressions go into reports."""
    node = read.node
    cuts = []
    name_node = None
    if isinstance(node, ast.Call) and node.args:
        name_node = node.args[0]
    elif isinstance(node, ast.Subscript):
        name_node = node.slice
    elif isinstance(node, ast.Compare):
        name_node = node.left
    for n in ast.walk(node):
        if n is name_node or not isinstance(n, ast.Constant) or not isinstance(n.value, (str, bytes)) or not n.value:
            continue
        if isinstance(n.value, str) and n.value.upper() == read.name.upper():  # Field(alias="X")
            continue
        if isinstance(node, ast.AnnAssign) and n is node.annotation:
            continue
        cuts.append(src.span(n))
    text = src.text
    out, pos = [], s
    for cs, ce in sorted(cuts):
        if cs < pos:
            continue
        out.append(text[pos:cs])
        out.append(REDACTED)
        pos = ce
    out.append(text[pos:e])
    return _one_line("".join(out))


def _is_secret_read(read: PyRead, extra_secret: tuple[str, ...], extra_non: tuple[str, ...]) -> bool:
    if read.forced_secret:
        # SecretStr says so, unless the user declared the name non-secret
        return is_secret_name(read.name, ("*",), extra_non)
    return is_secret_name(read.name, extra_secret, extra_non)


_LINE_BREAK = lazy_re(r"\s*\n\s*")


def _one_line(expr: str) -> str:
    return _LINE_BREAK.sub(" ", expr.strip())


_PY_FALLBACK = lazy_re(
    r"\b(?:os\.)?(?:environ\s*\[\s*(?P<q1>['\"])(?P<n1>[A-Za-z_][\w.-]*)(?P=q1)\s*\]"
    r"|environ\.get\(\s*(?P<q2>['\"])(?P<n2>[A-Za-z_][\w.-]*)(?P=q2)[^)\n]*\)"
    r"|getenv\(\s*(?P<q3>['\"])(?P<n3>[A-Za-z_][\w.-]*)(?P=q3)[^)\n]*\))"
)


def _fallback(ctx: FileContext, rule: Rule | None, extra_secret: tuple[str, ...],
              extra_non: tuple[str, ...]) -> list[Candidate]:
    """Not valid Python: the plain ``os.environ``/``os.getenv`` forms, found textually."""
    if rule is None:
        return []
    out = []
    for m in _PY_FALLBACK.finditer(ctx.text):
        name = m.group("n1") or m.group("n2") or m.group("n3")
        if is_secret_name(name, extra_secret, extra_non):
            service, field = hints(name)
            out.append(Candidate(rule, m.start(), m.end(), None, symbol=name, service=service, field=field,
                                 expression=_redact_text(m.group(0), keep=name)))
    return out


_QUOTED_RE = lazy_re(r"""(['"`])(?:(?!\1)[^\\\n]|\\.)+\1""")


def _redact_text(expr: str, keep: str) -> str:
    """Textual forms: every non-empty quoted string but the variable name becomes ``"***"``."""
    return _QUOTED_RE.sub(lambda m: m.group(0) if m.group(0)[1:-1] == keep else REDACTED, expr)


__all__ = ["NAME", "MATCHERS", "PyRead", "PySource", "cached_reads", "python_reads", "run"]
