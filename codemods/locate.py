"""Resolve each ``RewriteTarget`` against one parse of a file: find the node at the target's
position whose value hashes to the target's sha256, and decide which command handles it.

Nothing is detected here: a node is only ever considered because a target points at it.
"""
from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple, Union

import libcst as cst
from libcst.metadata import PositionProvider, QualifiedNameProvider

from . import literals as L
from .targets import SAFE, UNSAFE, Located, RewriteTarget

AWS_KEYWORDS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")
BOTO3_CALLS = {"boto3.client", "boto3.resource", "boto3.Session", "boto3.session.Session"}

Leaf = Union[cst.SimpleString, cst.FormattedStringText, cst.Integer]
Pos = Tuple[int, int]

LITERAL = "ReplaceSecretLiteralCommand"
EMBEDDED = "ReplaceEmbeddedSecretCommand"
DEFAULT_ARG = "ReplaceDefaultArgSecretCommand"
ENVIRON = "ReplaceEnvironReadCommand"
TEMPLATE = "ReplaceTemplateSecretCommand"
AWS_KEYS = "RemoveAwsStaticKeysCommand"
READ_NODES = (cst.Subscript, cst.Call, cst.Comparison, cst.AnnAssign)
AWS_DROP_NOTE = "static AWS keys removed: boto3 uses the default credential chain (IAM role)"


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

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Add) and L.joined_value(node) is not None:
            self.leaves.append(self._rec(node))  # ``"gh" + "p_..."``: reported as the joined value


class _Semantic(cst.CSTVisitor):
    """Records boto3 calls using qualified names (scope analysis: costly, so it runs only when a
    target needs it)."""

    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)

    def __init__(self) -> None:
        super().__init__()
        self.boto3_calls: set = set()  # id() of boto3 client/resource/Session calls

    def visit_Call(self, node: cst.Call) -> None:
        if (self._qn(node.func) & BOTO3_CALLS) or (
                isinstance(node.func, cst.Attribute) and node.func.attr.value in ("client", "resource")):
            self.boto3_calls.add(id(node))

    def _qn(self, node: cst.CSTNode) -> set:
        return {q.name for q in self.get_metadata(QualifiedNameProvider, node, set())}


@dataclass
class _Read:
    """An environment read as the scanner's env engine resolved it (one resolver for both)."""

    name: str
    how: str
    start: Pos  # (1-based line, 0-based character column)
    end: Pos
    has_default: bool


def scanner_reads(source: str) -> Optional[List[_Read]]:
    """Every env read in ``source`` found by ``secretshift.scanner.engines.env_reads`` (so that what
    a scan reports is what can be rewritten); None when this Python cannot parse the file."""
    from secretshift.scanner.engines.env_reads import PySource, python_reads

    try:
        src = PySource(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    starts = [0]
    i = source.find("\n")
    while i >= 0:
        starts.append(i + 1)
        i = source.find("\n", i + 1)

    def pos(offset: int) -> Pos:
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1]

    out = []
    for r in python_reads(src.nodes):
        a, b = src.span(r.node)
        out.append(_Read(r.name, r.how, pos(a), pos(b), r.default is not None))
    return out


def _contains(n: _Node, pos: Pos) -> bool:
    return n.start <= pos < n.end


class Locator:
    """Resolves targets on ``wrapper``; ``locate`` returns (located, skipped-with-reason).

    Two targets that resolve to the same node with the same value (the same literal, or the same
    read, reported twice: a fingerprint is rule + file + value, so a value written twice in a file
    gives equal targets) take the next occurrence of that value (or read) in the file instead.
    """

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
        self._reads: Optional[List[_Read]] = None
        self._read_nodes: Optional[Dict[Pos, List[cst.CSTNode]]] = None
        self._claimed: set = set()  # (id(node), sha or env var) already given to a target
        self._unparsable = False

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
    def hint(self, t: RewriteTarget) -> Optional[str]:
        """The source text between the target's start and end (what the scanner reported there)."""
        return self._hint(t)

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
        taken = False
        for n in first + near:
            got = self._match(t, n, hint, brute=n in first, at=self._offset_in(n, t) if n in first else None)
            if got is None:
                continue
            if (id(n.node), t.value_sha256) in self._claimed:
                taken = True
                continue
            return self._take(t, n, *got)
        if taken:  # the same value at the same place again: the next place that holds it (the text at
            for n in self.col.leaves:  # the target's position is the value as written: look for it)
                got = self._match(t, n, hint, brute=False)
                if got is not None and (id(n.node), t.value_sha256) not in self._claimed:
                    return self._take(t, n, *got)
            return f"line {t.line}: this value was already rewritten here and occurs nowhere else in the file"
        if self._in_comment(pos):
            return (f"line {t.line}: the value is in a comment: delete it by hand (it stays in git history, "
                    "so rotate it)")
        return f"no literal at line {t.line} matches the expected value (changed or already migrated)"

    def _in_comment(self, pos: Pos) -> bool:
        """Whether ``pos`` falls inside a ``#`` comment (tokenize knows; a '#' inside a string does not count)."""
        import io
        import tokenize

        try:
            for tok in tokenize.generate_tokens(io.StringIO(self.source).readline):
                if tok.type == tokenize.COMMENT and tok.start <= pos < tok.end:
                    return True
                if tok.start[0] > pos[0]:
                    break
        except (tokenize.TokenError, SyntaxError, IndentationError):
            return False
        return False

    @staticmethod
    def _offset_in(n: _Node, t: RewriteTarget) -> Optional[int]:
        """About where in the literal's value the target starts (exact without escapes before it)."""
        if not (n.start[0] == t.line == n.end[0]):
            return None
        at = t.column - 1 - n.start[1]
        if isinstance(n.node, cst.SimpleString):
            at -= len(n.node.prefix) + len(n.node.quote)
        return at

    def _match(self, t: RewriteTarget, n: _Node, hint: Optional[str], brute: bool, at: Optional[int] = None):
        value, vtype = self._leaf_value(n.node)
        if value is None:
            return None
        span = L.find_secret_span(value, t.value_sha256, hint, brute=brute, at=at)
        return None if span is None else (value, vtype, span)

    def _take(self, t: RewriteTarget, n: _Node, value: str, vtype: str, span: Tuple[int, int]) -> Union[Located, str]:
        self._claimed.add((id(n.node), t.value_sha256))
        secret = value[span[0]:span[1]]
        self.secrets.append(secret)
        if isinstance(n.node, cst.SimpleString) and secret not in n.node.value:
            self.secrets.append(n.node.value)  # escapes inside: mask the whole literal
        return self._classify(t, n, value, vtype, span)

    def _leaf_value(self, node: cst.CSTNode) -> Tuple[Optional[str], str]:
        if isinstance(node, cst.SimpleString):
            return L.simple_string_value(node)
        if isinstance(node, cst.Integer):
            return L.integer_value(node), "int"
        if isinstance(node, cst.ConcatenatedString):
            return L.concatenated_value(node)
        if isinstance(node, cst.BinaryOperation):
            return L.joined_value(node), "str"
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
            if t.drop_aws_keys and isinstance(call, cst.Call) and self._is_boto3(call):
                if not whole and vtype != "str":
                    return f"line {t.line}: unexpected AWS key literal"
                r = self.positions[call]
                return Located(t, AWS_KEYS, (r.start.line, r.start.column), UNSAFE, keyword=parent.keyword.value,
                               note=AWS_DROP_NOTE)
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
        if isinstance(node, (cst.ConcatenatedString, cst.BinaryOperation)):
            if not whole:
                return f"line {t.line}: secret spans pieces of a concatenation: rewrite by hand"
            return Located(t, LITERAL, n.start, SAFE, vtype)
        if whole and isinstance(node, cst.SimpleString) and not isinstance(parent, cst.ConcatenatedString) \
                and self._template_of(node) is None:
            return Located(t, LITERAL, n.start, SAFE, vtype)
        if vtype == "bytes":
            return f"line {t.line}: secret inside a bytes literal with other text: rewrite by hand"
        if isinstance(node, cst.SimpleString) and L.split_simple_string(node, span) is None:
            return f"line {t.line}: escape sequences around the secret: rewrite by hand"
        template = self._template_of(node) if isinstance(node, cst.SimpleString) else None
        if template is not None:
            secret = value[span[0]:span[1]]
            bad = "%" if template == "percent" else "{}"
            if any(c in secret for c in bad):
                return f"line {t.line}: the secret holds {bad[0]!r}, a placeholder character of its template: rewrite by hand"
            return Located(t, TEMPLATE, n.start, SAFE, "str", span, form=template)
        return Located(t, EMBEDDED, n.start, SAFE, "str", span)

    def _template_of(self, node: cst.SimpleString) -> Optional[str]:
        """"percent" when ``node`` is the template of ``node % args``, "format" for ``node.format(...)``."""
        parent = self.parents.get(node)
        if isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Modulo) and parent.left is node:
            return "percent"
        if isinstance(parent, cst.Attribute) and parent.value is node and parent.attr.value == "format" \
                and isinstance(self.parents.get(parent), cst.Call) and self.parents[parent].func is parent:
            return "format"
        return None

    def _ancestors(self, node: cst.CSTNode):
        cur = self.parents.get(node)
        while cur is not None:
            yield cur
            cur = self.parents.get(cur)

    def _is_boto3(self, call: cst.Call) -> bool:
        return id(call) in self.sem.boto3_calls

    # -- environment reads ---------------------------------------------------------------------
    @property
    def reads(self) -> List[_Read]:
        if self._reads is None:
            got = scanner_reads(self.source)
            self._unparsable = got is None
            self._reads = got or []
        return self._reads

    def _node_at(self, start: Pos, end: Pos) -> Optional[cst.CSTNode]:
        """The read's libcst node: same start (or, with parentheses, the innermost one holding it)."""
        if self._read_nodes is None:
            self._read_nodes = {}
            for node, r in self.positions.items():
                if isinstance(node, READ_NODES):
                    self._read_nodes.setdefault((r.start.line, r.start.column), []).append(node)
        for node in self._read_nodes.get(start, []):
            r = self.positions[node]
            if (r.end.line, r.end.column) == end:
                return node
        best = None
        for (line, col), nodes in self._read_nodes.items():
            if line > start[0]:
                continue
            for node in nodes:
                r = self.positions[node]
                if (line, col) <= start and end <= (r.end.line, r.end.column):
                    if best is None or self.positions[best].start < r.start or (
                            self.positions[best].start == r.start and (r.end.line, r.end.column) < (
                            self.positions[best].end.line, self.positions[best].end.column)):
                        best = node
        return best

    def _env(self, t: RewriteTarget) -> Union[Located, str]:
        if not t.env_var:
            return "env target without env_var"
        pos = (t.line, t.column - 1)
        reads = [r for r in self.reads if r.name == t.env_var]
        exact = [r for r in reads if r.start == pos]
        inside = sorted((r for r in reads if r.start <= pos < r.end),
                        key=lambda r: (r.end[0] - r.start[0], r.end[1] - r.start[1]))
        same_line = sorted((r for r in reads if r.start[0] == t.line), key=lambda r: abs(r.start[1] - pos[1]))
        cands = exact or inside or same_line
        if not cands:
            if self._unparsable:
                return f"line {t.line}: this Python cannot parse the file to resolve {t.env_var}: rewrite by hand"
            if self._stored_at(pos):
                return f"line {t.line}: {t.env_var} is assigned or deleted here, not read"
            if reads:
                return (f"no read of {t.env_var} at line {t.line} (changed or already migrated; "
                        f"it is read at line {reads[0].start[0]})")
            return f"no read of {t.env_var} at line {t.line} (changed or already migrated)"
        read = next((r for r in cands if (r.start, t.env_var) not in self._claimed), None)
        if read is None:  # the same read reported twice: the next read of the variable
            read = next((r for r in reads if (r.start, t.env_var) not in self._claimed), None)
            if read is None:
                return f"line {t.line}: this read of {t.env_var} was already rewritten and there is no other"
        self._claimed.add((read.start, t.env_var))
        node = self._node_at(read.start, read.end)
        if node is None:
            return f"line {t.line}: the read of {t.env_var} could not be matched in the syntax tree: rewrite by hand"
        return self._classify_env(t, read, node)

    def _stored_at(self, pos: Pos) -> bool:
        """A subscript at ``pos`` that is assigned, augmented or deleted (``os.environ["X"] = ...``)."""
        self._node_at(pos, pos)  # builds the index
        for node in (self._read_nodes or {}).get(pos, []):
            parent = self.parents.get(node)
            if isinstance(node, cst.Subscript) and (isinstance(parent, (cst.AssignTarget, cst.Del))
                                                    or (isinstance(parent, cst.AugAssign) and parent.target is node)):
                return True
        return False

    def _classify_env(self, t: RewriteTarget, read: _Read, node: cst.CSTNode) -> Union[Located, str]:
        r = self.positions[node]
        start = (r.start.line, r.start.column)
        line = read.start[0]
        parent = self.parents.get(node)
        if isinstance(parent, cst.Arg) and parent.keyword is not None and parent.keyword.value in AWS_KEYWORDS:
            call = self.parents.get(parent)
            if t.drop_aws_keys and isinstance(call, cst.Call) and self._is_boto3(call):
                r = self.positions[call]
                return Located(t, AWS_KEYS, (r.start.line, r.start.column), UNSAFE, keyword=parent.keyword.value,
                               note=AWS_DROP_NOTE)
        why = ENV_REFUSED.get(read.how) or (None if read.how in ENV_FORMS else
                                            f"{read.how or 'this'} read: rewrite by hand")
        if why:
            return f"line {line}: {why}"
        if read.how in ("subscript", "contains"):  # both ask what the secret now answers
            return Located(t, ENVIRON, start, SAFE, form=read.how)
        note = ENV_NOTES.get(read.how)
        if note is None:
            note = "the default used when the variable is unset goes away" if read.has_default else ""
        return Located(t, ENVIRON, start, UNSAFE if note else SAFE, form=read.how, note=note)


# how a read is rewritten (see commands/replace_environ_read.py); reasons for those that are not
ENV_FORMS = {"subscript", "contains", "getenv", "environ.get", "environ.pop", "environ.setdefault", "djenv", "djenv.str",
             "djenv.get_value", "djenv.bool", "djenv.int", "djenv.float", "djenv.json", "djenv.list",
             "djenv.tuple", "djenv.dict", "djenv.bytes", "djenv.db", "djenv.db_url", "djenv.cache",
             "djenv.cache_url", "djenv.email", "djenv.email_url", "djenv.search_url", "decouple",
             "djdb.config", "pydantic"}
ENV_REFUSED = {
    "djenv.url": "env.url(...) returns a parsed URL: rewrite by hand",
    "djenv.path": "env.path(...) returns a Path: rewrite by hand",
    "helper": "read through the project's own helper (its casts and fallbacks are its own): rewrite by hand",
}
ENV_NOTES = {
    "getenv": "the fallback (None or the default) when the variable is unset goes away",
    "environ.get": "the fallback (None or the default) when the variable is unset goes away",
    "environ.pop": "the variable is no longer removed from the environment, and the fallback goes away",
    "environ.setdefault": "the variable is no longer set for child processes, and the fallback goes away",
    "djdb.config": "the fallback when DATABASE_URL is unset (the default, or an empty dict) goes away",
}
