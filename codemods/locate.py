"""Resolve each ``RewriteTarget`` against one parse of a file: find the node at the target's
position whose value hashes to the target's sha256, and decide which command handles it.

Nothing is detected here: a node is only ever considered because a target points at it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst
from libcst.metadata import (
    ExpressionContext,
    ExpressionContextProvider,
    PositionProvider,
    QualifiedNameProvider,
)

from . import literals as L
from .targets import SAFE, UNSAFE, Located, RewriteTarget

AWS_KEYWORDS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
BOTO3_CALLS = {"boto3.client", "boto3.resource", "boto3.Session", "boto3.session.Session"}
ENV_MAPPINGS = {"os.environ"}
ENV_GETTERS = {"os.getenv": "os.getenv", "os.environ.get": "os.environ.get"}

Leaf = Union[cst.SimpleString, cst.FormattedStringText, cst.Integer]
Pos = Tuple[int, int]

LITERAL = "ReplaceSecretLiteralCommand"
EMBEDDED = "ReplaceEmbeddedSecretCommand"
DEFAULT_ARG = "ReplaceDefaultArgSecretCommand"
ENVIRON = "ReplaceEnvironReadCommand"
AWS_KEYS = "RemoveAwsStaticKeysCommand"


@dataclass
class _Node:
    node: cst.CSTNode
    start: Pos
    end: Pos


class _Leaves(cst.CSTVisitor):
    """Records every literal leaf with its range (no judgement). Cheap: positions only."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self) -> None:
        super().__init__()
        self.leaves: List[_Node] = []
        self.parents: Dict[cst.CSTNode, cst.CSTNode] = {}
        self._stack: List[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self.parents[node] = self._stack[-1]
        self._stack.append(node)
        return super().on_visit(node)

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()
        super().on_leave(original_node)

    def _rec(self, node: cst.CSTNode) -> _Node:
        r = self.get_metadata(PositionProvider, node)
        return _Node(node, (r.start.line, r.start.column), (r.end.line, r.end.column))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        self.leaves.append(self._rec(node))

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        self.leaves.append(self._rec(node))

    def visit_Integer(self, node: cst.Integer) -> None:
        self.leaves.append(self._rec(node))

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        self.leaves.append(self._rec(node))  # ``"abc" "def"``: the scanner may report the joined value


class _Semantic(cst.CSTVisitor):
    """Records environment reads and boto3 calls using qualified names (scope analysis: costly,
    so it runs only when a target needs it)."""

    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider, ExpressionContextProvider)

    def __init__(self) -> None:
        super().__init__()
        self.env_reads: List[Tuple[_Node, str]] = []
        self.boto3_calls: set = set()  # id() of boto3 client/resource/Session calls
        self.stores: set = set()  # id() of subscripts that are assigned or deleted

    def _rec(self, node: cst.CSTNode) -> _Node:
        r = self.get_metadata(PositionProvider, node)
        return _Node(node, (r.start.line, r.start.column), (r.end.line, r.end.column))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if not (ENV_MAPPINGS & self._qn(node.value)) or len(node.slice) != 1:
            return
        idx = node.slice[0].slice
        if isinstance(idx, cst.Index) and isinstance(idx.value, cst.SimpleString):
            name, _ = L.simple_string_value(idx.value)
            if name is not None:
                self.env_reads.append((self._rec(node), name))
                if self.get_metadata(ExpressionContextProvider, node, None) in (ExpressionContext.STORE,
                                                                                ExpressionContext.DEL):
                    self.stores.add(id(node))

    def visit_Call(self, node: cst.Call) -> None:
        if (self._qn(node.func) & BOTO3_CALLS) or (
                isinstance(node.func, cst.Attribute) and node.func.attr.value in ("client", "resource")):
            self.boto3_calls.add(id(node))
        if not (set(ENV_GETTERS) & self._qn(node.func)) or not node.args:
            return
        first = node.args[0]
        if first.keyword is None or first.keyword.value == "key":
            if isinstance(first.value, cst.SimpleString):
                name, _ = L.simple_string_value(first.value)
                if name is not None:
                    self.env_reads.append((self._rec(node), name))

    def _qn(self, node: cst.CSTNode) -> set:
        return {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())}


def _contains(n: _Node, pos: Pos) -> bool:
    return n.start <= pos < n.end


class Locator:
    """Resolves targets on ``wrapper``; ``locate`` returns (located, skipped-with-reason)."""

    def __init__(self, wrapper: cst.MetadataWrapper, source: str) -> None:
        self.wrapper = wrapper
        self.source = source
        self.col = _Leaves()
        wrapper.visit(self.col)
        self._sem: Optional[_Semantic] = None
        self.parents = self.col.parents  # own parent map: ParentNodeProvider costs a full pass
        self.positions = wrapper.resolve(PositionProvider)
        self._line_starts = [0]
        i = source.find("\n")
        while i >= 0:
            self._line_starts.append(i + 1)
            i = source.find("\n", i + 1)
        self.secrets: List[str] = []  # values found (memory only): the runner masks them in diffs

    @property
    def sem(self) -> _Semantic:
        if self._sem is None:
            self._sem = _Semantic()
            self.wrapper.visit(self._sem)
        return self._sem

    def locate(self, targets: Sequence[RewriteTarget]) -> Tuple[List[Located], List[Tuple[RewriteTarget, str]]]:
        located: List[Located] = []
        skipped: List[Tuple[RewriteTarget, str]] = []
        for t in targets:
            res = self._env(t) if t.kind == "env" else self._hardcoded(t)
            (located if isinstance(res, Located) else skipped).append(res if isinstance(res, Located) else (t, res))
        return located, skipped

    # -- hardcoded -------------------------------------------------------------------------
    def _hint(self, t: RewriteTarget) -> Optional[str]:
        try:
            a = self._line_starts[t.line - 1] + t.column - 1
            b = self._line_starts[t.end_line - 1] + t.end_column - 1
        except IndexError:
            return None
        return self.source[a:b] if 0 <= a < b <= len(self.source) else None

    def _hardcoded(self, t: RewriteTarget) -> Union[Located, str]:
        if not t.value_sha256:
            return "hardcoded target without value_sha256"
        pos = (t.line, t.column - 1)
        hint = self._hint(t)
        first = sorted((n for n in self.col.leaves if _contains(n, pos)),  # innermost first
                       key=lambda n: (n.end[0] - n.start[0], n.end[1] - n.start[1]))
        near = sorted((n for n in self.col.leaves if t.line <= n.start[0] <= max(t.line, t.end_line)
                       and n not in first), key=lambda n: abs(n.start[1] - pos[1]))
        for n in first + near:
            value, vtype = self._leaf_value(n.node)
            if value is None:
                continue
            span = L.find_secret_span(value, t.value_sha256, hint, brute=n in first)
            if span is None:
                continue
            secret = value[span[0]:span[1]]
            self.secrets.append(secret)
            if isinstance(n.node, cst.SimpleString) and secret not in n.node.value:
                self.secrets.append(n.node.value)  # escapes inside: mask the whole literal
            return self._classify(t, n, value, vtype, span)
        return f"no literal at line {t.line} matches the expected value (changed or already migrated)"

    def _leaf_value(self, node: cst.CSTNode) -> Tuple[Optional[str], str]:
        if isinstance(node, cst.SimpleString):
            return L.simple_string_value(node)
        if isinstance(node, cst.Integer):
            return L.integer_value(node), "int"
        if isinstance(node, cst.ConcatenatedString):
            return L.concatenated_value(node)
        parent = self.parents.get(node)
        if isinstance(node, cst.FormattedStringText) and isinstance(parent, cst.FormattedString):
            return L.fstring_text_value(node, parent), "str"
        return None, "str"

    def _classify(self, t: RewriteTarget, n: _Node, value: str, vtype: str, span: Tuple[int, int]) -> Union[Located, str]:
        node, parent = n.node, self.parents.get(n.node)
        whole = span == (0, len(value))
        for anc in self._ancestors(node):
            if isinstance(anc, (cst.Annotation, cst.MatchValue, cst.MatchSingleton, cst.Decorator)):
                return f"line {t.line}: literal in an annotation, match pattern or decorator: rewrite by hand"
        if isinstance(parent, cst.Expr):
            return f"line {t.line}: string statement (docstring?): not rewritten"
        if isinstance(parent, cst.Arg) and parent.keyword is not None and parent.keyword.value in AWS_KEYWORDS:
            call = self.parents.get(parent)
            if isinstance(call, cst.Call) and self._is_boto3(call):
                if not whole and vtype != "str":
                    return f"line {t.line}: unexpected AWS key literal"
                r = self.positions[call]
                return Located(t, AWS_KEYS, (r.start.line, r.start.column), UNSAFE, keyword=parent.keyword.value,
                               note="static AWS keys removed: boto3 uses the default credential chain (IAM role)")
        if isinstance(parent, cst.Param) and parent.default is node:
            owner = self.parents.get(self.parents.get(parent))
            if not isinstance(owner, cst.FunctionDef):
                return f"line {t.line}: default argument of a lambda: rewrite by hand"
            if vtype == "bytes" and not whole:
                return f"line {t.line}: secret inside a bytes literal: rewrite by hand"
            return Located(t, DEFAULT_ARG, n.start, UNSAFE, vtype, span if not whole else None,
                           note="default becomes None and the secret is fetched in the body when it is None")
        if isinstance(node, cst.Integer):
            if not whole:
                return f"line {t.line}: secret is part of a number"
            return Located(t, LITERAL, n.start, SAFE, "int")
        if isinstance(node, cst.ConcatenatedString):
            if not whole:
                return f"line {t.line}: secret spans pieces of an implicit concatenation: rewrite by hand"
            return Located(t, LITERAL, n.start, SAFE, vtype)
        if whole and isinstance(node, cst.SimpleString) and not isinstance(parent, cst.ConcatenatedString):
            return Located(t, LITERAL, n.start, SAFE, vtype)
        if vtype == "bytes":
            return f"line {t.line}: secret inside a bytes literal: rewrite by hand"
        if isinstance(node, cst.SimpleString) and L.split_simple_string(node, span) is None:
            return f"line {t.line}: escape sequences around the secret: rewrite by hand"
        return Located(t, EMBEDDED, n.start, SAFE, "str", span)

    def _ancestors(self, node: cst.CSTNode):
        cur = self.parents.get(node)
        while cur is not None:
            yield cur
            cur = self.parents.get(cur)

    def _is_boto3(self, call: cst.Call) -> bool:
        return id(call) in self.sem.boto3_calls

    # -- environment reads ---------------------------------------------------------------------
    def _env(self, t: RewriteTarget) -> Union[Located, str]:
        if not t.env_var:
            return "env target without env_var"
        pos = (t.line, t.column - 1)
        reads = [(n, v) for n, v in self.sem.env_reads if v == t.env_var]
        exact = [n for n, _ in reads if n.start == pos]
        inside = sorted((n for n, _ in reads if _contains(n, pos)), key=lambda n: (n.end[0] - n.start[0], n.end[1] - n.start[1]))
        same_line = sorted((n for n, _ in reads if n.start[0] == t.line), key=lambda n: abs(n.start[1] - pos[1]))
        cands = exact or inside or same_line
        if not cands:
            return f"no read of {t.env_var} at line {t.line} (changed or already migrated)"
        n = cands[0]
        node = n.node
        if id(node) in self.sem.stores:
            return f"line {t.line}: {t.env_var} is assigned or deleted here, not read"
        parent = self.parents.get(node)
        if isinstance(parent, cst.Arg) and parent.keyword is not None and parent.keyword.value in AWS_KEYWORDS:
            call = self.parents.get(parent)
            if isinstance(call, cst.Call) and self._is_boto3(call):
                r = self.positions[call]
                return Located(t, AWS_KEYS, (r.start.line, r.start.column), UNSAFE, keyword=parent.keyword.value,
                               note="static AWS keys removed: boto3 uses the default credential chain (IAM role)")
        if isinstance(node, cst.Subscript):
            return Located(t, ENVIRON, n.start, SAFE)
        return Located(t, ENVIRON, n.start, UNSAFE,
                       note="the fallback (None or the default) when the variable is unset goes away")
