"""Shared base for the secret commands: position + hash matching and expression building."""
from __future__ import annotations

from collections import defaultdict
from typing import DefaultDict, List, Optional, Sequence, Tuple

import libcst as cst
from libcst.codemod import Codemod, CodemodContext, VisitorBasedCodemodCommand
from libcst.metadata import PositionProvider

from .. import literals as L
from ..accessor import Accessor
from ..targets import Located


class SecretCommand(VisitorBasedCodemodCommand):
    """Rewrites only the nodes its ``located`` targets point at (position AND value hash).

    Imports are scheduled with ``add_needed_import`` but applied by the runner once, after every
    command ran, so that the positions of targets still to process stay valid.
    """

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, context: CodemodContext, accessor: Accessor, located: Sequence[Located]) -> None:
        super().__init__(context)
        self.accessor = accessor
        self.by_pos: DefaultDict[Tuple[int, int], List[Located]] = defaultdict(list)
        for loc in located:
            self.by_pos[loc.pos].append(loc)
        self.applied: List[Located] = []
        self.missed: List[Tuple[Located, str]] = []

    def transform_module(self, tree: cst.Module) -> cst.Module:
        """Run the visitor only; the runner adds the scheduled imports once at the end."""
        return Codemod.transform_module(self, tree)

    def transform_module_impl(self, tree: cst.Module) -> cst.Module:
        out = tree.visit(self)
        done = {id(x) for x in self.applied}
        for locs in self.by_pos.values():
            for loc in locs:
                if id(loc) not in done:
                    self.missed.append((loc, f"line {loc.target.line}: nothing to rewrite at this position"))
        return out

    def on_visit(self, node: cst.CSTNode) -> bool:
        """Skip subtrees that hold no target position (large files, few targets)."""
        r = self.get_metadata(PositionProvider, node, None)
        if r is not None and not isinstance(node, cst.Module):
            start, end = (r.start.line, r.start.column), (r.end.line, r.end.column)
            if not any(start <= pos <= end for pos in self.by_pos):
                return False
        return super().on_visit(node)

    def at(self, node: cst.CSTNode) -> List[Located]:
        r = self.get_metadata(PositionProvider, node, None)
        return self.by_pos.get((r.start.line, r.start.column), []) if r is not None else []

    def mark(self, loc: Located, imports: Optional[Sequence[Tuple[str, Optional[str]]]] = None) -> None:
        """Record ``loc`` as applied and schedule the imports its new code needs (by default the
        accessor's)."""
        self.applied.append(loc)
        for module, obj in self.accessor.imports() if imports is None else imports:
            self.add_needed_import(module, obj)

    def first_rewrite(self, locs: Sequence[Located], form: str, build, ok=None):
        """The first of ``locs`` of ``form`` (and passing ``ok``) that ``build`` rewrites, marked
        applied; None when none does."""
        for loc in locs:
            if loc.form != form or (ok is not None and not ok(loc)):
                continue
            out = build(loc)
            if out is not None:
                self.mark(loc)
                return out
        return None

    def parse_expr(self, code: str, like: Optional[cst.BaseExpression] = None) -> cst.BaseExpression:
        """``code`` as an expression; with ``like``, it keeps the parentheses (and the whitespace
        inside them) of the node it replaces, unless they only held a literal spread over lines."""
        expr = cst.parse_expression(code, config=self.module.config_for_parsing)
        if like is not None and getattr(like, "lpar", None) and "\n" not in self.module.code_for_node(like):
            expr = expr.with_changes(lpar=like.lpar, rpar=like.rpar)
        return expr

    # -- expression text -------------------------------------------------------------------
    def whole_expr(self, loc: Located, quote: str = '"') -> str:
        t = loc.target
        call = self.accessor.call(t.secret_id, t.json_key, quote)
        if loc.value_type == "bytes":
            return f"{call}.encode()"
        if loc.value_type == "int":
            return f"int({call})"
        return call

    def fstring_from_simple(self, node: cst.SimpleString, loc: Located) -> Optional[str]:
        """``"pre<secret>post"`` -> ``f"pre{get_secret('id')['key']}post"`` (quotes kept)."""
        assert loc.span is not None
        parts = L.split_simple_string(node, loc.span)
        if parts is None:
            return None
        before, after = (p.replace("{", "{{").replace("}", "}}") for p in parts)
        q = node.quote
        inner = "'" if q[0] == '"' else '"'
        prefix = node.prefix.replace("u", "").replace("U", "")
        expr = self.accessor.call(loc.target.secret_id, loc.target.json_key, inner)
        return f"{prefix}f{q}{before}{{{expr}}}{after}{q}"


def value_matches(node: cst.CSTNode, loc: Located, parent: Optional[cst.FormattedString] = None) -> bool:
    """The literal still holds the target's secret at the located span (hash check, no detection)."""
    from ..targets import sha256_text

    if isinstance(node, cst.SimpleString):
        value, _ = L.simple_string_value(node)
    elif isinstance(node, cst.Integer):
        value = L.integer_value(node)
    elif isinstance(node, cst.ConcatenatedString):
        value = L.concatenated_value(node)[0]
    elif isinstance(node, cst.BinaryOperation):
        value = L.joined_value(node)
    elif isinstance(node, cst.FormattedStringText) and parent is not None:
        value = L.fstring_text_value(node, parent)
    else:
        return False
    if value is None or loc.target.value_sha256 is None:
        return False
    a, b = loc.span if loc.span else (0, len(value))
    sha = loc.target.value_sha256
    # a whole-URL target moves only the password span the locator chose
    return sha256_text(value[a:b]) == sha or (loc.span is not None and sha256_text(value) == sha)
