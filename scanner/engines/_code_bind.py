"""What a value is bound to, in any tree-sitter grammar the code engine reads.

``bindings(src, nodes)`` turns syntax nodes into ``Binding``s: a matcher (the rule family that
judges it), the symbol (a dotted path such as ``config.db.password``) and the value node. Node
type names are shared by many grammars (``assignment_expression``, ``pair``, ``binary_expression``);
where they differ, a handler looks at fields first and at the shape (name, ``=``, value) second, so
one table serves JavaScript, TypeScript, Go, Java, C#, Kotlin, Ruby, PHP, C, C++, Rust and shell.
Whether the value is a literal is decided later (``CodeSource.literal``).
"""
from __future__ import annotations

import re

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from secretshift.base.record import dataclass  # not dataclasses: see secretshift/base/record.py

from ._code_tree import STRING_TYPES, WRAPPERS, CodeSource, named, operator

TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Callable, Iterator

    from ._code_tree import Node

    Out = Iterator["Binding"]
    Handler = Callable[[CodeSource, Node], Out]

ASSIGNMENT, DICT, KWARG, DEFAULT, COMPARISON, CALL, MARKUP, FLAG = (
    "assignment", "dict-key", "keyword-arg", "default-arg", "comparison", "call-arg", "markup", "command-flag")


@dataclass
class Binding:
    matcher: str
    symbol: str
    value: Node
    extra: str | None = None  # e.g. the flag text of a command-line option


# --- names ----------------------------------------------------------------------------------------

NAME_TYPES = frozenset({
    "identifier", "property_identifier", "field_identifier", "shorthand_property_identifier",
    "shorthand_property_identifier_pattern", "private_property_identifier", "constant", "simple_identifier",
    "name", "variable_name", "instance_variable", "class_variable", "global_variable", "hash_key_symbol",
    "simple_symbol", "type_identifier", "namespace_identifier", "field_designator", "word", "statement_identifier",
})
MEMBER_TYPES = frozenset({
    "member_expression", "selector_expression", "field_access", "member_access_expression", "field_expression",
    "navigation_expression", "scoped_identifier", "qualified_identifier", "class_constant_access_expression",
    "scoped_property_access_expression", "nullsafe_member_access_expression", "conditional_access_expression",
    "navigation_suffix", "scope_resolution",
})
SUBSCRIPT_TYPES = frozenset({
    "subscript_expression", "index_expression", "element_access_expression", "element_reference",
    "array_access", "subscript",
})
_NAME_LIKE = lazy_re(r"^[A-Za-z_$@:][\w.$:@/-]{0,100}$")


def symbol_of(src: CodeSource, node: Node | None, depth: int = 0) -> str | None:
    """The dotted path a name node denotes (``this.password``, ``CONF.db_password``), or None."""
    if node is None or depth > 12:
        return None
    t = node.type
    if t in NAME_TYPES:
        return src.node_text(node).lstrip("$@:&*").lstrip("$") or None
    if t == "this" or t == "self":
        return "this"
    if t in STRING_TYPES:
        lit = src.literal(node)
        if lit is not None and _NAME_LIKE.match(lit.value):
            return lit.value
        # a shell "$token" compares the variable
        kids = named(node)
        if src.language == "shell" and len(kids) == 1 and kids[0].type in ("simple_expansion", "expansion"):
            return symbol_of(src, next((k for k in named(kids[0]) if k.type == "variable_name"), None), depth + 1)
        return None
    if t in ("simple_expansion", "expansion") and src.language == "shell":
        return symbol_of(src, next((k for k in named(node) if k.type == "variable_name"), None), depth + 1)
    if t in WRAPPERS or t in ("pointer_declarator", "array_declarator", "reference_declarator", "init_declarator",
                              "parenthesized_declarator", "variable_declaration", "pattern", "mut_pattern",
                              "variable_declarator", "var_spec"):
        kids = named(node)
        inner = node.child_by_field_name("declarator") or node.child_by_field_name("name") or (kids[0] if kids else None)
        return symbol_of(src, inner, depth + 1)
    if t in MEMBER_TYPES:
        kids = named(node)
        if not kids:
            return None
        obj = (node.child_by_field_name("object") or node.child_by_field_name("operand")
               or node.child_by_field_name("expression") or node.child_by_field_name("argument")
               or node.child_by_field_name("value") or node.child_by_field_name("scope")
               or node.child_by_field_name("path") or (kids[0] if len(kids) > 1 else None))
        prop = (node.child_by_field_name("property") or node.child_by_field_name("field")
                or node.child_by_field_name("name") or kids[-1])
        last = symbol_of(src, prop, depth + 1)
        if last is None:
            return None
        base = symbol_of(src, obj, depth + 1) if obj is not None and obj != prop else None
        return f"{base}.{last}" if base else last
    if t == "call" and src.language == "ruby":  # config.api_key (a method call without arguments)
        if node.child_by_field_name("arguments") is not None:
            return None
        last = symbol_of(src, node.child_by_field_name("method"), depth + 1)
        base = symbol_of(src, node.child_by_field_name("receiver"), depth + 1)
        return f"{base}.{last}" if base and last else last
    if t in SUBSCRIPT_TYPES:
        kids = named(node)
        if len(kids) < 2:
            return None
        obj = node.child_by_field_name("object") or node.child_by_field_name("operand") \
            or node.child_by_field_name("array") or node.child_by_field_name("expression") \
            or node.child_by_field_name("argument") or kids[0]
        key = node.child_by_field_name("index") or node.child_by_field_name("subscript") or kids[-1]
        key = _unwrap(key)
        if key.type not in STRING_TYPES and key.type not in ("simple_symbol", "hash_key_symbol"):
            return None  # m[name]: a variable key names nothing
        k = symbol_of(src, key, depth + 1)
        if k is None:
            return None
        base = symbol_of(src, obj, depth + 1)
        return f"{base}.{k}" if base else k
    return None


def _unwrap(node: Node) -> Node:
    for _ in range(6):
        kids = named(node)
        if node.type in WRAPPERS and len(kids) == 1:
            node = kids[0]
        else:
            break
    return node


def _after_eq(node: Node) -> Node | None:
    """The named child after the first ``=`` token (C# declarators, Kotlin properties ...)."""
    seen = False
    for c in node.children:
        if seen and c.is_named and c.type != "comment":
            return c
        if not c.is_named and c.type in ("=", ":="):
            seen = True
    return None


# --- handlers -------------------------------------------------------------------------------------



def _bind(src: CodeSource, matcher: str, name: Node | None, value: Node | None) -> Out:
    if name is None or value is None:
        return
    sym = symbol_of(src, name)
    if sym:
        if matcher == ASSIGNMENT and _unwrap(name).type in SUBSCRIPT_TYPES:
            matcher = DICT
        yield Binding(matcher, sym, value)


def _name_and_value(node: Node) -> tuple[Node | None, Node | None, list[Node]]:
    """(name, value, named children) of a binding node: by field, else the first child and the
    child after `=`."""
    name = (node.child_by_field_name("name") or node.child_by_field_name("left")
            or node.child_by_field_name("pattern") or node.child_by_field_name("declarator"))
    value = (node.child_by_field_name("value") or node.child_by_field_name("right")
             or node.child_by_field_name("default_value"))
    kids = named(node)
    if name is None and kids:
        name = kids[0]
    if value is None:
        value = _after_eq(node)
    return name, value, kids


_UUID_LITERAL = lazy_re(r"""(['"`])[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\1""")


def _declaration(src: CodeSource, node: Node) -> Out:
    """``name = value`` in its many spellings: declarators, assignments, fields, properties, consts."""
    name, value, kids = _name_and_value(node)
    if value is None and node.type in ("const_element", "enum_assignment") and len(kids) == 2:
        value = kids[1]
    if name is None or value is None or name == value:
        return
    if node.type == "enum_assignment" and _UUID_LITERAL.fullmatch(src.node_text(value)):
        return  # enum PasskeyBrand { OnePassword = "bada5566-..." }: an identifier (an authenticator's AAGUID)
    if name.type == "expression_list" or value.type == "expression_list":  # Go: a, b := "x", "y"
        names = named(name) if name.type == "expression_list" else [name]
        values = named(value) if value.type == "expression_list" else [value]
        if len(names) == len(values):
            for n, v in zip(names, values):
                yield from _bind(src, ASSIGNMENT, n, v)
        return
    if name.type in ("object_pattern", "array_pattern"):
        return  # destructuring: the defaults are seen as object_assignment_pattern
    yield from _bind(src, ASSIGNMENT, name, value)


def _kotlin_property(src: CodeSource, node: Node) -> Out:
    decl = next((k for k in named(node) if k.type == "variable_declaration"), None)
    value = _after_eq(node)
    if decl is not None and value is not None:
        yield from _bind(src, ASSIGNMENT, decl, value)


def _pair(src: CodeSource, node: Node) -> Out:
    """Entries of objects, maps, hashes and arrays: ``{password: "..."}``, ``"k" => "v"``."""
    key = node.child_by_field_name("key")
    value = node.child_by_field_name("value") or node.child_by_field_name("val")
    kids = named(node)
    if key is None or value is None:
        if len(kids) != 2:
            return
        key, value = kids
    parent = node.parent
    matcher = KWARG if parent is not None and parent.type in ("argument_list",) else DICT
    if key.type == "computed_property_name":
        key = _unwrap(named(key)[0]) if named(key) else key
    yield from _bind(src, matcher, _unwrap(key), value)


def _initializer_pair(src: CodeSource, node: Node) -> Out:
    """C/C++ ``.password = "..."``; Rust ``Config { token: "..." }``; C# ``{ "apikey", "v" }``."""
    if node.type == "initializer_expression":
        kids = named(node)
        parent = node.parent
        if len(kids) == 2 and parent is not None and parent.type == "initializer_expression" \
                and _unwrap(kids[0]).type in STRING_TYPES:
            yield from _bind(src, DICT, kids[0], kids[1])
        return
    key = node.child_by_field_name("designator") or node.child_by_field_name("field") or node.child_by_field_name("name")
    value = node.child_by_field_name("value")
    if key is not None and key.type == "field_designator":
        key = named(key)[0] if named(key) else key
    yield from _bind(src, DICT, key, value)


def _infix_to(src: CodeSource, node: Node) -> Out:
    """Kotlin ``"password" to "..."``."""
    kids = named(node)
    if len(kids) == 3 and src.node_text(kids[1]) == "to":
        yield from _bind(src, DICT, kids[0], kids[2])


def _labeled(src: CodeSource, node: Node) -> Out:
    """JavaScript ``apikey: "..."`` at statement level parses as a label and a string: a fragment of
    an object literal, read as an entry."""
    body = node.child_by_field_name("body")
    if body is not None and body.type == "expression_statement":
        kids = named(body)
        if len(kids) == 1 and kids[0].type in STRING_TYPES:
            yield from _bind(src, DICT, node.child_by_field_name("label"), kids[0])


def _named_argument(src: CodeSource, node: Node) -> Out:
    """C# ``password: "..."``, PHP 8 ``password: '...'``, Kotlin ``password = "..."``."""
    name = node.child_by_field_name("name")
    kids = named(node)
    if name is None:
        if node.type == "value_argument" and len(kids) == 2 and any(c.type == "=" for c in node.children):
            name = kids[0]
        else:
            return
    value = next((k for k in reversed(kids) if k != name), None)
    yield from _bind(src, KWARG, name, value)


def _parameter(src: CodeSource, node: Node) -> Out:
    """Default values of parameters."""
    if node.type == "function_value_parameters":  # Kotlin: parameter `=` default are siblings
        prev = None
        eq = False
        for c in node.children:
            if c.type == "parameter":
                prev, eq = c, False
            elif c.type == "=":
                eq = True
            elif c.is_named and eq and prev is not None:
                yield from _bind(src, DEFAULT, named(prev)[0] if named(prev) else None, c)
                prev, eq = None, False
        return
    name, value, kids = _name_and_value(node)
    if value is None:
        if node.type == "class_parameter" and len(kids) >= 2 and any(c.type == "=" for c in node.children):
            value = kids[-1]
    yield from _bind(src, DEFAULT, name, value)


_EQ_OPS = frozenset({"==", "===", "!=", "!==", "eq", "ne", "-eq", "-ne", "=", "equals"})


# an environment read in JavaScript, whose literal fallback binds to the variable's name
_JS_ENV_READ = lazy_re(r"^(?:process\.env|import\.meta\.env|Bun\.env)(?:\.(?P<a>[A-Za-z_]\w*)|\[\s*['\"](?P<b>[A-Za-z_]\w*)['\"]\s*\])$")


def _comparison(src: CodeSource, node: Node) -> Out:
    op = operator(node, src)
    if op in ("||", "??") and src.language in ("javascript", "typescript", "tsx"):
        # process.env.JWT_SECRET || '...' wherever it is (a call's argument, a property): the program
        # signs with that literal whenever the variable is unset
        left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
        if left is not None and right is not None and _unwrap(right).type in STRING_TYPES:
            m = _JS_ENV_READ.match(src.node_text(_unwrap(left)))
            if m:
                yield Binding(ASSIGNMENT, m.group("a") or m.group("b"), right)
        return
    if op not in _EQ_OPS:
        return
    if op == "=" and src.language != "shell":
        return
    left = node.child_by_field_name("left")
    right = node.child_by_field_name("right")
    kids = named(node)
    if left is None or right is None:
        if len(kids) != 2:
            return
        left, right = kids
    for name, lit in ((left, right), (right, left)):
        lit_u = _unwrap(lit)
        if lit_u.type in STRING_TYPES or lit_u.type == "word":
            if _unwrap(name).type in STRING_TYPES and src.language != "shell":
                continue
            yield from _bind(src, COMPARISON, _unwrap(name), lit)


_EQUALS_METHODS = frozenset({"equals", "equalsignorecase", "contentequals", "eql?", "equal?"})
_COMPARE_FUNCS = frozenset({"strcmp", "strncmp", "strcasecmp", "wcscmp", "_stricmp", "stricmp", "streq",
                            "g_str_equal", "memcmp", "hash_equals", "hmac.equal", "compare_digest"})
_SETTER = lazy_re(r"^(?:[Ss]et|[Ww]ith|[Pp]ut|[Aa]dd)_?(?=[A-Z_])|^(?:set|with)$")  # (.NET: SetPassword, WithPassword)
_MAP_METHOD = lazy_re(r"^(?:[Pp]ut|[Ss]et|[Aa]dd|[Ww]ith|[Pp]aram|[Dd]efine|[Hh]eader|[Ff]ield|[Ss]etenv|[Pp]utenv|"
                         r"[Ss]tore)(?:[A-Z_].*)?$")


_MEMBER_SEP = lazy_re(r"\.|->|::|\?\.")  # a call's name: `obj.m`, `$o->m`, `C::m`, `o?.m`


def _call(src: CodeSource, node: Node) -> Out:
    """Calls: ``x.equals("...")`` and ``strcmp(x, "...")`` compare; ``setPassword("...")`` and
    ``define('DB_PASSWORD', '...')`` / ``setProperty("password", "...")`` bind."""
    fn = (node.child_by_field_name("function") or node.child_by_field_name("name")
          or node.child_by_field_name("method"))
    kids = named(node)
    if fn is None and kids:
        fn = kids[0]
    args_node = node.child_by_field_name("arguments") or next(
        (k for k in kids if k.type in ("argument_list", "arguments", "value_arguments", "call_suffix")), None)
    if args_node is None and fn is not None and src.language == "ruby" and fn.type == "identifier":
        # a DSL's attribute given by a block holding one literal: factory_bot's password { "..." }
        block = next((k for k in kids if k.type in ("block", "do_block")), None)
        body = next((k for k in named(block) if k.type in ("block_body", "body_statement")), None) if block else None
        inner = named(body) if body is not None else []
        if len(inner) == 1 and inner[0].type in STRING_TYPES:
            yield from _bind(src, ASSIGNMENT, fn, inner[0])
        return
    if fn is None or args_node is None:
        return
    if args_node.type == "call_suffix":
        args_node = next((k for k in named(args_node) if k.type == "value_arguments"), args_node)
    args = [k for k in named(args_node) if k.type not in ("comment", "block", "do_block", "annotated_lambda")]
    obj = node.child_by_field_name("object") or node.child_by_field_name("receiver")
    if obj is None and fn.type in MEMBER_TYPES:
        fk = named(fn)
        obj = fk[0] if len(fk) > 1 else None
    full = src.node_text(fn)
    method = _MEMBER_SEP.split(full)[-1].strip()
    low = method.lower()
    # comparisons
    if low in _EQUALS_METHODS and obj is not None and len(args) == 1:
        a = _unwrap(args[0])
        o = _unwrap(obj)
        if a.type in STRING_TYPES and o.type not in STRING_TYPES:
            yield from _bind(src, COMPARISON, o, a)
        elif o.type in STRING_TYPES and a.type not in STRING_TYPES:
            yield from _bind(src, COMPARISON, a, o)
        return
    if (low in _COMPARE_FUNCS or full.lower() in _COMPARE_FUNCS or (low == "equals" and obj is not None)) and len(args) >= 2:
        a, b = _unwrap(args[0]), _unwrap(args[1])
        if b.type in STRING_TYPES and a.type not in STRING_TYPES:
            yield from _bind(src, COMPARISON, a, b)
        elif a.type in STRING_TYPES and b.type not in STRING_TYPES:
            yield from _bind(src, COMPARISON, b, a)
        return
    # a setter named after the secret: setPassword("..."), withApiKey("..."), .password("...")
    if len(args) == 1 and _named_arg_of(args[0]) is None:
        m = _SETTER.match(method)
        if m and method[m.end():]:
            yield Binding(CALL, method[m.end():], args[0], extra="map")
        elif obj is not None and method.isalpha() and method.islower():  # builder: .password("...")
            yield Binding(CALL, method, args[0], extra="map")
        return
    # a name and its value side by side: define('DB_PASSWORD', '...'), os.Setenv("TOKEN", "...");
    # a map-like method (put, set, param, define ...) says the first is a key ("map"), any other call
    # leaves it open whether the first is a key or itself a value (`setup('pwd', 'initial')`)
    kind = "map" if _MAP_METHOD.match(method) else None
    if kind is None and len(args) > 2:
        # a list of names or a call's positional parameters, not pairs: $request->except('password',
        # 'password_confirmation', '_token'), RegisterNewUser("login", "password", "test@email", ...)
        return
    for a, b in zip(args, args[1:]):
        if _named_arg_of(a) is not None or _named_arg_of(b) is not None:
            continue
        ua = _unwrap(a)
        if ua.type in STRING_TYPES:
            sym = symbol_of(src, ua)
            if sym:
                yield Binding(CALL, sym, b, extra=kind)


def _named_arg_of(arg: Node) -> Node | None:
    return arg.child_by_field_name("name") if arg.type in ("argument", "value_argument") else None


# --- markup (JSX) ---------------------------------------------------------------------------------

def _jsx_element(src: CodeSource, node: Node) -> Out:
    """``<ApiKey>...</ApiKey>`` with text only, and the attributes of any JSX element:
    ``data-api-key="..."``; ``<input type="password" value="...">`` binds its value to a password."""
    opening = node if node.type == "jsx_self_closing_element" else next(
        (k for k in named(node) if k.type == "jsx_opening_element"), None)
    if opening is None:
        return
    attrs = [k for k in named(opening) if k.type == "jsx_attribute"]
    kinds: dict[str, Node] = {}
    for a in attrs:
        ak = named(a)
        if len(ak) != 2:
            continue
        name = src.node_text(ak[0])
        kinds[name.lower()] = ak[1]
        if name.lower() not in ("type", "value", "defaultvalue", "placeholder", "autocomplete", "name", "id"):
            yield Binding(MARKUP, name, ak[1])
    t = kinds.get("type")
    if t is not None:
        lit = src.literal(t)
        if lit is not None and lit.value.lower() == "password":
            for k in ("value", "defaultvalue"):
                if k in kinds:
                    yield Binding(MARKUP, "password", kinds[k])
    if node.type == "jsx_element":
        body = [k for k in named(node) if k.type not in ("jsx_opening_element", "jsx_closing_element")]
        tag = opening.child_by_field_name("name")
        if tag is not None and len(body) == 1 and body[0].type == "jsx_text":
            yield Binding(MARKUP, src.node_text(tag), body[0])


# --- shell ----------------------------------------------------------------------------------------

_FLAG = lazy_re(r"^(--?[A-Za-z][\w.-]*)(=)?(.*)$", re.S)


def _command(src: CodeSource, node: Node) -> Out:
    """``--password=...`` and ``--password ...`` options of a command line."""
    args = [k for k in node.children_by_field_name("argument")]
    for i, a in enumerate(args):
        if a.type != "word" and a.type != "concatenation":
            continue
        first = named(a)[0] if a.type == "concatenation" and named(a) else a
        if first.type != "word":
            continue
        m = _FLAG.match(src.node_text(first))
        if not m or not m.group(1).startswith("--"):
            continue
        flag = m.group(1)
        if m.group(2):  # --password=VALUE (or --password="VALUE")
            yield Binding(FLAG, flag.lstrip("-"), a, extra=flag + "=")
        elif i + 1 < len(args) and a.type == "word" and not src.node_text(args[i + 1]).startswith("-"):
            yield Binding(FLAG, flag.lstrip("-"), args[i + 1])


def _expansion(src: CodeSource, node: Node) -> Out:
    """``${DB_PASSWORD:-abc}`` (also ``-``, ``:=``, ``=``): the literal the script uses whenever the
    variable is unset or empty, bound to the variable's name. ``${NAME:+word}`` is what the script
    uses when it *is* set (``has-password``), and ``${NAME:?message}`` an error message: neither is
    a value of NAME."""
    kids = node.children
    if len(kids) < 5 or kids[1].type != "variable_name" or kids[2].type not in (":-", "-", ":=", "="):
        return
    if len(kids) == 5 and kids[4].type == "}":
        yield Binding(ASSIGNMENT, src.node_text(kids[1]), kids[3])


# --- the table ------------------------------------------------------------------------------------

HANDLERS: dict[str, Handler] = dict.fromkeys((
    "variable_declarator", "assignment_expression", "assignment", "short_var_declaration", "var_spec",
    "const_spec", "assignment_statement", "field_definition", "public_field_definition", "property_element",
    "const_element", "const_item", "static_item", "let_declaration", "init_declarator", "variable_assignment",
    "attribute", "enum_assignment", "preproc_def"), _declaration)
HANDLERS.update({
    "pair": _pair, "keyed_element": _pair, "array_element_initializer": _pair, "object_elem": _pair,
    "initializer_pair": _initializer_pair, "field_initializer": _initializer_pair,
    "initializer_expression": _initializer_pair, "infix_expression": _infix_to,
    "argument": _named_argument, "value_argument": _named_argument, "labeled_statement": _labeled,
    "assignment_pattern": _parameter, "object_assignment_pattern": _parameter, "required_parameter": _parameter,
    "optional_parameter": _parameter, "keyword_parameter": _parameter, "simple_parameter": _parameter,
    "parameter": _parameter, "optional_parameter_declaration": _parameter, "class_parameter": _parameter,
    "function_value_parameters": _parameter,
    "binary_expression": _comparison, "binary": _comparison, "equality_expression": _comparison,
    "call_expression": _call, "method_invocation": _call, "invocation_expression": _call, "call": _call,
    "function_call_expression": _call, "member_call_expression": _call, "scoped_call_expression": _call,
    "jsx_element": _jsx_element, "jsx_self_closing_element": _jsx_element,
    "command": _command, "expansion": _expansion,
})


def _property_declaration(src: CodeSource, node: Node) -> Out:
    if src.language == "kotlin":
        yield from _kotlin_property(src, node)
    else:
        yield from _declaration(src, node)


HANDLERS["property_declaration"] = _property_declaration


def bindings(src: CodeSource, nodes: Iterator[Node]) -> Iterator[Binding]:
    for n in nodes:
        h = HANDLERS.get(n.type)
        if h is not None:
            if n.type == "parameter" and src.language == "kotlin":
                continue  # its default is a sibling: see function_value_parameters
            if n.type == "assignment" and src.language == "kotlin":
                left, right = n.child_by_field_name("left"), n.child_by_field_name("right")
                yield from _bind(src, ASSIGNMENT, left, right)
                continue
            if n.type == "call" and src.language != "ruby":
                continue
            yield from h(src, n)
