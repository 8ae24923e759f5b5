"""A parsed source file for the code engine: tree-sitter nodes, their text, and literal values.

Tree-sitter works on UTF-8 bytes; candidates need character offsets into ``FileContext.text``.
``CodeSource`` keeps both and converts (identity for ASCII text, the common case). ``literal``
evaluates a value node to a ``Lit`` only when it is a string literal (escapes applied), a
concatenation of literals, or a literal passed through a value-preserving conversion
(``[]byte("...")``, ``"...".toCharArray()``, ``String::from("...")``): anything else (an
identifier, a call, a member access, a template with interpolation) is not a literal.
"""
from __future__ import annotations


from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from secretshift.base.record import dataclass  # not dataclasses: see secretshift/base/record.py

TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Any, Iterator

    Node = Any  # tree_sitter.Node


@dataclass
class Lit:
    value: str
    start: int  # character offsets of the value in the text (a concatenation: first to last piece)
    end: int


# node types that are string literals, by any grammar's name for them
STRING_TYPES = frozenset({
    "string", "template_string", "string_literal", "interpreted_string_literal", "raw_string_literal",
    "verbatim_string_literal", "interpolated_string_expression", "multiline_string_literal",
    "encapsed_string", "heredoc", "nowdoc", "raw_string", "string_lit", "template_expr", "quoted_template",
    "heredoc_template", "text_block", "character_literal", "concatenated_string", "char_literal",
    "line_string_literal", "chained_string",
})
# children of a string node that hold its text, and those that are escapes
_CONTENT_TYPES = frozenset({
    "string_fragment", "string_content", "interpreted_string_literal_content", "raw_string_literal_content",
    "raw_string_content", "multiline_string_fragment", "template_literal", "nowdoc_string", "heredoc_content",
    "nowdoc_body", "heredoc_body", "literal_value", "string_lit", "quoted_template",
})
# wrappers with one meaningful child
WRAPPERS = frozenset({
    "parenthesized_expression", "argument", "bracketed_argument_list", "literal_element", "expression",
    "jsx_expression", "value_argument", "expression_list", "literal_value", "template_expr",
    "as_expression", "satisfies_expression", "non_null_expression", "expression_statement",
})
# value-preserving conversions of one literal: method names called on it, or functions wrapping it
_ON_LITERAL = frozenset({
    "tochararray", "getbytes", "encode", "as_bytes", "to_string", "to_owned", "into", "bytes", "b",
    "freeze", "dup", "tobytearray", "encodetobytes", "trim", "strip",
})
WRAPPING = frozenset({
    "byte", "[]byte", "[]rune", "string", "string::from", "str", "vec::from", "from", "new string",
    "securestring", "secretstring", "secret_string", "secretstr", "buffer.from", "encoding.utf8.getbytes",
    "encoding.ascii.getbytes", "std::string", "string_view", "qstring", "qstringliteral",
})
_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "a": "\a",
                   "0": "\0", "e": "\x1b", "s": " "}
_HEX_ESCAPE = lazy_re(r"\\(?:x\{?([0-9a-fA-F]{1,6})\}?|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-7]{1,3}))")


def unescape(seq: str) -> str:
    """One escape sequence (``\\n``, ``\\x41``, ``\\u00e9``, ``\\u{1F600}``, ``\\101``, ``\\"``) -> text."""
    if len(seq) < 2 or seq[0] != "\\":
        return seq
    m = _HEX_ESCAPE.fullmatch(seq)
    if m:
        hexa = m.group(1) or m.group(2) or m.group(3) or m.group(4)
        try:
            return chr(int(hexa, 16)) if hexa else chr(int(m.group(5), 8))
        except (ValueError, OverflowError):
            return seq
    c = seq[1]
    if c in "\r\n":  # a line continuation
        return ""
    if len(seq) == 2 and c in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[c]
    return seq[1:]


_C_STRING = lazy_re(r'\s*(?:L|u8|u|U)?"((?:[^"\\\n]|\\.)*)"\s*')
_C_ESCAPE = lazy_re(r"\\(?:x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)")  # in a #define's C string
_SHELL_ESCAPE = lazy_re(r"\\(.)")  # in an unquoted shell word
_STRING_ESCAPE = lazy_re(r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.)")  # in a "..." or `...` literal
_RUBY_SQ = lazy_re(r"\\([\\'])")
_SHELL_DQ = lazy_re(r"\\([$`\"\\\n])")
_PREFIX = lazy_re(r"""^(?:[@$]{1,2}|[rRbBuUlLfF8]{1,3})?(#*)("{3}|'{3}|["'`])""")


class CodeSource:
    """One file's bytes, its tree and the offset mapping (``CodeSource.parse``)."""

    text: str
    language: str
    ascii: bool
    data: bytes
    tree: Any
    _char_at: dict[int, int]

    base = 0  # character offset of this text in the file (a script nested in `sh -c '...'`)

    @classmethod
    def parse(cls, text: str, language: str, parser: Any, base: int = 0) -> "CodeSource":
        src = cls.__new__(cls)
        src.text, src.language, src.ascii = text, language, text.isascii()
        src.data = text.encode("ascii") if src.ascii else text.encode("utf-8", "surrogatepass")
        src.tree = parser.parse(src.data)
        src._char_at = {}
        src.base = base
        return src

    # --- offsets and text ---------------------------------------------------------------------

    def char(self, byte_offset: int) -> int:
        if self.ascii:
            return byte_offset + self.base
        got = self._char_at.get(byte_offset)
        if got is None:
            got = self._char_at[byte_offset] = len(self.data[:byte_offset].decode("utf-8", "surrogatepass"))
        return got + self.base

    def btext(self, start: int, end: int) -> str:
        return self.data[start:end].decode("utf-8", "surrogatepass")

    def node_text(self, node: Node) -> str:
        return self.btext(node.start_byte, node.end_byte)

    # --- literal values -------------------------------------------------------------------------

    def literal(self, node: Node | None, depth: int = 0) -> Lit | None:
        """The value of ``node`` when it is a literal (see the module doc), else None."""
        if node is None or depth > 8:
            return None
        t = node.type
        if t in WRAPPERS:
            kids = named(node)
            return self.literal(kids[0], depth + 1) if len(kids) == 1 else None
        if t == "concatenated_string" or t == "chained_string" or (t == "concatenation" and self.language == "shell"):
            return self._join([self.literal(k, depth + 1) for k in named(node)])
        if t in STRING_TYPES:
            return self._string(node)
        if t == "preproc_arg":  # #define NAME "value": the grammar keeps the value as text
            raw = self.node_text(node)
            m = _C_STRING.fullmatch(raw)
            if not m:
                return None
            s = node.start_byte + len(raw[:m.start(1)].encode())
            inner = m.group(1)
            value = _C_ESCAPE.sub(lambda e: unescape(e.group(0)), inner)
            return Lit(value, self.char(s), self.char(s + len(inner.encode())))
        if t == "word" and self.language == "shell":
            raw = self.node_text(node)
            if raw[:1] in "$`(" or "$(" in raw:
                return None
            return Lit(_SHELL_ESCAPE.sub(r"\1", raw), self.char(node.start_byte), self.char(node.end_byte))
        if t == "conditional_expression" and node.child_by_field_name("body") is None \
                and node.child_by_field_name("consequence") is None and self.language == "php":
            return self.literal(node.child_by_field_name("alternative"), depth + 1)  # getenv('X') ?: '...'
        if t in ("binary_expression", "binary", "additive_expression"):
            op = operator(node, self)
            if op in ("||", "??", "or", "?:"):  # a literal fallback: process.env.X || "...", x ?? "..."
                right = node.child_by_field_name("right")
                left = node.child_by_field_name("left")
                if right is not None and left is not None and self.literal(left, depth + 1) is None:
                    return self.literal(right, depth + 1)
                return None
            if op in ("+", ".") and (op == "+" or self.language == "php"):
                left = node.child_by_field_name("left") or (named(node)[0] if named(node) else None)
                right = node.child_by_field_name("right") or (named(node)[-1] if named(node) else None)
                if left is None or right is None or left == right:
                    return None
                return self._join([self.literal(left, depth + 1), self.literal(right, depth + 1)])
            return None
        return self._converted(node, depth)

    def _join(self, parts: list[Lit | None]) -> Lit | None:
        if not parts or any(p is None for p in parts):
            return None
        return Lit("".join(p.value for p in parts), parts[0].start, parts[-1].end)  # type: ignore[union-attr]

    def _converted(self, node: Node, depth: int) -> Lit | None:
        """``"x".toCharArray()``, ``[]byte("x")``, ``String::from("x")``, ``new String("x")``."""
        t = node.type
        kids = named(node)
        if t in ("type_conversion_expression",):  # Go []byte("x")
            return self.literal(node.child_by_field_name("operand"), depth + 1)
        if t in ("call_expression", "method_invocation", "invocation_expression", "call",
                 "object_creation_expression", "new_expression", "macro_invocation", "function_call_expression",
                 "member_call_expression"):
            fn = node.child_by_field_name("function") or node.child_by_field_name("method") \
                or node.child_by_field_name("name") or node.child_by_field_name("type") \
                or node.child_by_field_name("constructor") or (kids[0] if kids else None)
            args = node.child_by_field_name("arguments") or next(
                (k for k in kids if k.type in ("argument_list", "arguments", "value_arguments", "call_suffix")), None)
            obj = node.child_by_field_name("object") or node.child_by_field_name("receiver")
            if fn is None:
                return None
            # a method called on a literal: "x".getBytes(), "x".to_string()
            target = obj
            name = self.node_text(fn).rsplit(".", 1)[-1].rsplit("::", 1)[-1]
            if target is None and fn.type in ("member_expression", "field_expression", "navigation_expression",
                                              "member_access_expression", "selector_expression"):
                fk = named(fn)
                target = fk[0] if fk else None
            if target is not None and name.lower() in _ON_LITERAL:
                lit = self.literal(target, depth + 1)
                if lit is not None:
                    return lit
            # a function or constructor wrapping one literal: String::from("x"), new String("x")
            whole = self.node_text(fn).replace(" ", "").lower()
            if t in ("object_creation_expression", "new_expression"):
                whole = "new " + whole
            if args is not None and (whole in WRAPPING or whole.rsplit(".", 1)[-1] in WRAPPING):
                a = [k for k in named(args) if k.type not in ("comment",)]
                if len(a) == 1:
                    return self.literal(a[0], depth + 1)
        return None

    def _string(self, node: Node) -> Lit | None:
        t = node.type
        kids = node.children
        raw_all = self.node_text(node)
        if t in ("template_expr", "string_lit", "quoted_template"):
            inner = named(node)
            if len(inner) == 1 and inner[0].type in ("quoted_template", "string_lit", "template_expr"):
                return self._string(inner[0])
        if t in ("heredoc", "nowdoc", "heredoc_template"):
            return self._heredoc(node)
        if t == "verbatim_string_literal" or not kids:
            return self._childless(node, raw_all)
        raw_content = next((k for k in kids if k.type == "raw_string_content"), None)
        if raw_content is not None:  # C++ R"delim(...)delim"
            return Lit(self.node_text(raw_content), self.char(raw_content.start_byte), self.char(raw_content.end_byte))
        m = _PREFIX.match(raw_all)
        if m and raw_all.endswith(m.group(2) + m.group(1)) and len(raw_all) >= len(m.group(0)) + len(m.group(2)) + len(m.group(1)):
            start = node.start_byte + len(m.group(0).encode())
            end = node.end_byte - len(m.group(2)) - len(m.group(1))
            opener = m.group(0)
        else:  # delimiters the grammar gives as tokens: Ruby %q(...)
            first, last = kids[0], kids[-1]
            if first.is_named or last.is_named or len(kids) < 2:
                return None
            start, end, opener = first.end_byte, last.start_byte, self.node_text(first)
        inner = [k for k in kids if k.is_named and k.start_byte >= start and k.end_byte <= end]
        return self._pieces(inner, start, end, opener)

    def _heredoc(self, node: Node) -> Lit | None:
        kids = named(node)
        if node.type == "heredoc_template":
            if any(k.type in ("template_interpolation", "template_directive") for k in kids):
                return None
            body = next((k for k in kids if k.type == "template_literal"), None)
        else:
            body = next((k for k in kids if k.type in ("heredoc_body", "nowdoc_body")), None)
        if body is None:
            return None
        if node.type == "nowdoc" or not body.named_child_count:
            text = self.node_text(body)
            s, e = body.start_byte, body.end_byte
            if node.type == "nowdoc" and body.named_child_count:
                parts = [k for k in named(body) if k.type == "nowdoc_string"]
                if not parts:
                    return None
                s, e = parts[0].start_byte, parts[-1].end_byte
                text = self.btext(s, e)
            return Lit(text, self.char(s), self.char(e))
        return self._pieces(named(body), body.start_byte, body.end_byte, "<<<")

    def _pieces(self, kids: list[Node], start: int, end: int, opener: str) -> Lit | None:
        out: list[str] = []
        pos = start
        sq = opener.endswith("'") and self.language in ("ruby", "php", "shell")
        dq_shell = self.language == "shell" and opener.endswith('"')
        for k in kids:
            if k.start_byte > pos:
                out.append(self._content(self.btext(pos, k.start_byte), sq, dq_shell))
            kt = k.type
            if "escape" in kt:
                out.append(unescape(self.node_text(k)))
            elif kt in _CONTENT_TYPES or kt.endswith(("_content", "_fragment")):
                if k.named_child_count and any(c.type not in _CONTENT_TYPES and "escape" not in c.type
                                               for c in named(k)):
                    return None
                out.append(self._content(self.node_text(k), sq, dq_shell))
            elif kt != "comment":  # interpolation, expansion, substitution: computed at run time
                return None
            pos = k.end_byte
        if end > pos:
            out.append(self._content(self.btext(pos, end), sq, dq_shell))
        return Lit("".join(out), self.char(start), self.char(end))

    @staticmethod
    def _content(raw: str, single_quoted: bool, shell_dq: bool) -> str:
        if single_quoted and "\\" in raw:
            return _RUBY_SQ.sub(r"\1", raw)
        if shell_dq and "\\" in raw:
            return _SHELL_DQ.sub(lambda m: "" if m.group(1) == "\n" else m.group(1), raw)
        return raw

    def _childless(self, node: Node, raw: str) -> Lit | None:
        """A literal whose grammar gives it no children: strip its delimiters."""
        m = _PREFIX.match(raw)
        if not m:
            return None
        q = m.group(2)
        close = q + m.group(1)
        if not raw.endswith(close) or len(raw) < len(m.group(0)) + len(close):
            return None
        inner = raw[len(m.group(0)):len(raw) - len(close)]
        if raw.startswith("$") and "{" in inner:
            return None  # an interpolated string with holes
        if raw.startswith("@") and q == '"':
            inner = inner.replace('""', '"')
        elif q in ('"', "`") and self.language != "shell" and not m.group(1) and "r" not in raw[:m.start(2)].lower():
            inner = _STRING_ESCAPE.sub(lambda e: unescape(e.group(0)), inner)
        s = node.start_byte + len(m.group(0).encode())
        e = node.end_byte - len(close.encode())
        return Lit(inner, self.char(s), self.char(e))


def named(node: Node) -> list[Node]:
    return [c for c in node.named_children if c.type != "comment"]


def operator(node: Node, src: CodeSource) -> str:
    op = node.child_by_field_name("operator")
    if op is not None:
        return src.node_text(op)
    for c in node.children:
        if not c.is_named:
            return c.type
    return ""


def error_spans(root: Node, limit: int = 200) -> list[tuple[int, int]]:
    """Byte spans of ERROR and MISSING nodes (only the paths that hold errors are walked)."""
    out: list[tuple[int, int]] = []
    stack = [root]
    while stack and len(out) < limit:
        n = stack.pop()
        if n.is_error or n.is_missing:
            out.append((n.start_byte, max(n.end_byte, n.start_byte + 1)))
            continue
        stack.extend(c for c in n.children if c.has_error or c.is_missing)
    return sorted(out)


def walk_rows(root: Node, rows: list[int] | None) -> Iterator[Node]:
    """Nodes (parents first) whose row range holds one of ``rows`` (sorted, 0-based); None: all."""
    import bisect

    stack = [root]
    while stack:
        n = stack.pop()
        if rows is not None:
            a, b = n.start_point[0], n.end_point[0]
            i = bisect.bisect_left(rows, a)
            if i >= len(rows) or rows[i] > b:
                continue
        yield n
        if n.child_count:
            stack.extend(reversed(n.children))
