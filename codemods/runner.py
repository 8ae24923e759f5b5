"""Apply rewrite targets to Python source: locate, run the commands, add imports, check, diff.

``rewrite_source`` and ``rewrite_file`` never raise on bad input: a file that does not parse, a
target that no longer matches (hash mismatch) or an unsafe fix not asked for ends up in
``skipped`` with a one-line reason. See docs/architecture.md ("Codemods") and docs/codemods.md.
"""
from __future__ import annotations

import ast
import difflib
import re
import io
import os
import tokenize
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Dict, Iterable, List, Sequence, Tuple

import libcst as cst
import libcst.helpers
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor

from .accessor import Accessor
from .targets import APPLICABILITY, DISPLAY_ONLY, SAFE, UNSAFE, Located, RewriteTarget, sha256_text

__all__ = ["RewriteTarget", "RewriteResult", "rewrite_source", "rewrite_file", "masked_diff",
           "SAFE", "UNSAFE", "DISPLAY_ONLY", "APPLICABILITY", "sha256_text"]


@dataclass
class RewriteResult:
    """What a rewrite did. ``code`` is the new text (the old one when nothing applied).

    ``applicability`` maps each located target's key (fingerprint) to safe/unsafe/display-only.
    ``diff`` is a unified diff with every secret value found masked (empty when unchanged).
    """

    code: str
    applied: List[RewriteTarget] = field(default_factory=list)
    skipped: List[Tuple[RewriteTarget, str]] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    applicability: Dict[str, str] = field(default_factory=dict)
    diff: str = ""
    changed: bool = False


def rewrite_source(source: str, path: str, targets: Sequence[RewriteTarget], accessor: Accessor,
                   unsafe: bool = False) -> RewriteResult:
    """Rewrite ``targets`` in ``source`` (the text of file ``path``). Never raises."""
    try:
        return _rewrite(source, path, targets, accessor, unsafe)
    except Exception as e:  # noqa: BLE001 - contract: never raise; the message carries no value
        if os.environ.get("SECRETSHIFT_DEBUG"):
            raise
        return RewriteResult(source, skipped=[(t, "internal error") for t in targets],
                             warnings=[f"{path}: not rewritten ({type(e).__name__} in secretshift)"])


def _rewrite(source: str, path: str, targets: Sequence[RewriteTarget], accessor: Accessor,
             unsafe: bool) -> RewriteResult:
    from .commands import COMMANDS
    from .locate import Locator

    if not targets:
        return RewriteResult(source)
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as e:
        msg = f"{path}: skipped, does not parse (line {e.raw_line})"
        return RewriteResult(source, skipped=[(t, msg) for t in targets], warnings=[msg])
    locator = Locator(cst.MetadataWrapper(module, unsafe_skip_copy=True), source)
    located, skipped = locator.locate(targets)
    result = RewriteResult(source, skipped=list(skipped))
    clash = _name_clash(module, accessor)
    todo: List[Located] = []
    for loc in located:
        if clash and loc.command != "RemoveAwsStaticKeysCommand":
            result.skipped.append((loc.target, clash))
            continue
        result.applicability[loc.target.key] = loc.applicability
        if loc.applicability == UNSAFE and not unsafe:
            result.skipped.append((loc.target, f"line {loc.target.line}: unsafe fix not applied "
                                               f"(--unsafe-fixes): {loc.note}"))
        elif loc.applicability == DISPLAY_ONLY:
            result.skipped.append((loc.target, f"line {loc.target.line}: display-only suggestion"))
        else:
            todo.append(loc)
    # Last position first: an edit never moves a target that comes before it.
    todo.sort(key=lambda loc: loc.sort_key, reverse=True)
    context = CodemodContext(filename=path)
    tree = module
    applied: List[Located] = []
    for name, batch in groupby(todo, key=lambda loc: loc.command):
        cmd = COMMANDS[name](context, accessor, list(batch))
        tree = cmd.transform_module(tree)
        applied.extend(cmd.applied)
        result.skipped.extend((loc.target, why) for loc, why in cmd.missed)
    result.warnings.extend(context.warnings)
    if not applied:
        return result
    tree = tree.visit(_CollapseOr(tree, accessor, source))
    if any(loc.command != "RemoveAwsStaticKeysCommand" for loc in applied):
        tree = _add_imports(tree, context)
        tree = _add_preamble(tree, accessor)
    code = tree.code
    problem = _check(source, code, path)
    if problem:
        result.warnings.append(problem)
        result.skipped.extend((loc.target, problem) for loc in applied)
        return result
    seen = set()
    result.applied = [loc.target for loc in sorted(applied, key=lambda loc: loc.sort_key)
                      if not (id(loc.target) in seen or seen.add(id(loc.target)))]
    result.code, result.changed = code, code != source
    env_names = {t.env_var for t in targets if t.env_var}
    # what every hardcoded target points at is masked too, found or not (a value left in a comment
    # shows in the diff's context lines)
    spans = [h for t in targets if t.kind == "hardcoded" and (h := locator.hint(t))]
    result.diff = masked_diff(source, code, path, [*locator.secrets, *spans], env_names) if result.changed else ""
    return result


class _CollapseOr(cst.CSTTransformer):
    """``X = os.environ.get("X") or "<literal>"`` with the read and its fallback both rewritten to the
    same fetch: ``get_secret(...) or get_secret(...)`` becomes that one fetch (the same value: the
    fallback of an empty value is the same empty value). Only ``or``s the rewrite made (their text is
    not in the source) whose two sides are the same accessor call, text for text."""

    def __init__(self, module: cst.Module, accessor: Accessor, source: str) -> None:
        super().__init__()
        self.code = module.code_for_node
        self.name = accessor.func_name() + "("
        self.source = re.sub(r"\s+", "", source)

    def _text(self, node: cst.CSTNode) -> str:
        return re.sub(r"\s+", "", self.code(node.with_changes(lpar=(), rpar=())))

    def leave_BooleanOperation(self, original_node: cst.BooleanOperation,
                               updated_node: cst.BooleanOperation) -> cst.BaseExpression:
        if not isinstance(updated_node.operator, cst.Or):
            return updated_node
        left, right = self._text(updated_node.left), self._text(updated_node.right)
        if left != right or self.name not in left or f"{left}or{right}" in self.source:
            return updated_node
        keep = updated_node.left
        if updated_node.lpar:  # the or's own parentheses, around the one fetch left
            keep = keep.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
        return keep


def _name_clash(module: cst.Module, accessor: Accessor) -> str:
    """A reason when the file already binds the accessor's name to something else, else ''."""
    name = accessor.func_name()
    why = (f"the name {name} is already defined in this file; pass --accessor pkg.mod:function "
           "with another name")
    for stmt in module.body:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) and stmt.name.value == name:
            return why
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign) and accessor.kind != "caching" and any(
                    isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                return why
            if isinstance(small, (cst.Import, cst.ImportFrom)) and not isinstance(small.names, cst.ImportStar):
                for alias in small.names:
                    bound = alias.evaluated_alias or alias.evaluated_name.split(".")[0]
                    if bound != name:
                        continue
                    if isinstance(small, cst.ImportFrom) and not small.relative and small.module is not None \
                            and cst.helpers.get_full_name_for_node(small.module) == accessor.module \
                            and alias.evaluated_name == accessor.name:
                        continue  # already our import
                    return why
    return ""


def _add_imports(tree: cst.Module, context: CodemodContext) -> cst.Module:
    """Run AddImportsVisitor on the module's head only (docstring, leading imports and the first
    other statement): it inserts there anyway, and a whole-module pass costs seconds on big files."""
    k = 0
    for k, stmt in enumerate(tree.body):
        if not (isinstance(stmt, cst.SimpleStatementLine)
                and all(isinstance(s, (cst.Import, cst.ImportFrom, cst.Expr)) for s in stmt.body)):
            break
    head = tree.with_changes(body=tree.body[: k + 1])
    new_head = AddImportsVisitor(context).transform_module(head)
    return tree.with_changes(body=list(new_head.body) + list(tree.body[k + 1:]))


def _add_preamble(tree: cst.Module, accessor: Accessor) -> cst.Module:
    stmt_code = accessor.preamble()
    if stmt_code is None:
        return tree
    name = stmt_code.split("=")[0].strip()
    for stmt in tree.body:
        if isinstance(stmt, cst.SimpleStatementLine) and any(
                isinstance(s, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name
                                                  for t in s.targets) for s in stmt.body):
            return tree
    last_import = -1
    for i, stmt in enumerate(tree.body):
        if isinstance(stmt, cst.SimpleStatementLine) and all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
            last_import = i
        elif i == 0 and isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], cst.Expr):
            continue
        else:
            break
    new = cst.parse_statement(stmt_code + tree.default_newline, config=tree.config_for_parsing)
    body = list(tree.body)
    body.insert(last_import + 1, new)
    return tree.with_changes(body=body)


def _check(before: str, after: str, path: str) -> str:
    """Refuse a result that does not compile (or, for code this Python cannot compile, does not
    parse with libcst) when the original did."""
    flags = ast.PyCF_ONLY_AST
    try:
        compile(before, path, "exec", flags, dont_inherit=True)
    except (SyntaxError, ValueError):
        try:
            cst.parse_module(after)
        except cst.ParserSyntaxError:
            return f"{path}: rewrite refused, the result would not parse"
        return ""
    try:
        compile(after, path, "exec", flags, dont_inherit=True)
    except (SyntaxError, ValueError):
        return f"{path}: rewrite refused, the result would not compile"
    return ""


_QUOTED = re.compile(r"""(?P<q>['"])(?P<body>(?:\\.|(?!(?P=q)).)*)(?P=q)""")


def masked_diff(before: str, after: str, path: str, secrets: Iterable[str], keep: Iterable[str] = (),
                context: int = 1) -> str:
    """A unified diff of ``before`` -> ``after`` in which each of ``secrets`` is masked wherever it
    appears, and so is every quoted string that a removed line holds and no added line does (a
    removed line may carry a credential no target named, e.g. an env read's default), except
    the strings in ``keep`` (environment variable names)."""
    from secretshift.scanner.models import mask

    lines = list(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                      f"a/{path}", f"b/{path}", n=context))
    added = "".join(ln for ln in lines if ln.startswith("+"))
    keep = set(keep)
    literals = {m.group("body") for ln in lines if ln.startswith("-") and not ln.startswith("---")
                for m in _QUOTED.finditer(ln)}
    literals = {b for b in literals if b not in keep and b not in added}
    text = "".join(ln if ln.endswith(("\n", "\r")) else ln + "\n" for ln in lines)
    # a multi-line secret (a PEM key) shows up one line at a time in a diff: mask each of its lines
    pieces = {p.strip() for s in secrets if "\n" in s or "\\n" in s
              for p in re.split(r"\r?\n|\\n", s) if len(p.strip()) >= 6}
    secrets = set(secrets) | pieces
    for s in sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True):
        text = text.replace(s, mask(s))
    for s in sorted({s for s in literals if len(s) >= 3}, key=len, reverse=True):
        for q in ('"', "'"):
            text = text.replace(f"{q}{s}{q}", f"{q}{mask(s)}{q}")
    return text


def _read_source(path: Path) -> Tuple[bytes, str, str]:
    data = Path(path).read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    return data, encoding, data.decode(encoding)


def rewrite_file(path, targets: Sequence[RewriteTarget], accessor: Accessor, unsafe: bool = False,
                 write: bool = True, display_path: str | None = None) -> RewriteResult:
    """Rewrite one file in place (atomically, same encoding, line endings and mode). Never raises
    on file content; a file that cannot be read or decoded is skipped with a one-line warning.
    ``display_path`` names the file in messages and diffs (default: ``path`` as given)."""
    from secretshift.base.fileio import atomic_write_bytes

    p = Path(path)
    try:
        data, encoding, source = _read_source(p)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as e:
        msg = f"{p}: skipped, cannot read as Python source ({type(e).__name__})"
        return RewriteResult("", skipped=[(t, msg) for t in targets], warnings=[msg])
    result = rewrite_source(source, display_path or str(path), targets, accessor, unsafe)
    if result.changed and write:
        try:
            out = result.code.encode(encoding)
        except UnicodeEncodeError:
            msg = f"{p}: not written, the new code cannot be encoded as {encoding}"
            result.warnings.append(msg)
            result.skipped.extend((t, msg) for t in result.applied)
            result.applied, result.changed = [], False
            return result
        if out != data:
            atomic_write_bytes(p, out)
    return result
