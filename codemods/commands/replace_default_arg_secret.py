"""Replace a secret default argument with a sentinel, fetching the secret in the function body."""
from __future__ import annotations

from typing import List

import libcst as cst

from ._base import SecretCommand, value_matches


class ReplaceDefaultArgSecretCommand(SecretCommand):
    """``def connect(password="...")`` -> ``def connect(password=None)`` and, first in the body
    (after the docstring), ``if password is None: password = get_secret(...)["password"]``.

    Scope: parameters of ``def``/``async def`` (not lambdas; not one-line bodies). A default is
    evaluated when the ``def`` runs, so a fetch there would happen at import and never refresh; in
    the body it happens per call through the accessor's cache. Unsafe: a caller passing ``None``
    explicitly now gets the secret.
    """

    DESCRIPTION = "Move a secret default argument into the function body behind a None sentinel."

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        if not isinstance(updated_node.body, cst.IndentedBlock):
            return updated_node
        stmts: List[cst.BaseStatement] = []
        params = updated_node.params
        for field in ("posonly_params", "params", "kwonly_params"):
            new: List[cst.Param] = []
            for orig, upd in zip(getattr(original_node.params, field), getattr(params, field)):
                stmt = self._fix(orig)
                if stmt is None:
                    new.append(upd)
                    continue
                new.append(upd.with_changes(default=cst.Name("None")))
                stmts.append(stmt)
            params = params.with_changes(**{field: new})
        if not stmts:
            return updated_node
        body = list(updated_node.body.body)
        at = 1 if body and _is_docstring(body[0]) else 0
        body[at:at] = stmts
        return updated_node.with_changes(params=params, body=updated_node.body.with_changes(body=body))

    def _fix(self, param: cst.Param):
        if param.default is None:
            return None
        for loc in self.at(param.default):
            if not value_matches(param.default, loc):
                continue
            if loc.span is None:
                quote = param.default.quote[0] if isinstance(param.default, cst.SimpleString) else '"'
                if isinstance(param.default, cst.ConcatenatedString) and isinstance(param.default.left, cst.SimpleString):
                    quote = param.default.left.quote[0]
                expr = self.whole_expr(loc, quote)
            else:
                expr = self.fstring_from_simple(param.default, loc)
                if expr is None:
                    continue
            name = param.name.value
            self.mark(loc)
            nl, ind = self.module.default_newline, self.module.default_indent
            return cst.parse_statement(f"if {name} is None:{nl}{ind}{name} = {expr}{nl}",
                                       config=self.module.config_for_parsing)
        return None


def _is_docstring(stmt: cst.BaseStatement) -> bool:
    return (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Expr)
            and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))
