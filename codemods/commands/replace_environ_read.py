"""Replace a read of a secret from the environment with a Secrets Manager read."""
from __future__ import annotations

from typing import Optional

import libcst as cst

from .. import literals as L
from ._base import SecretCommand


class ReplaceEnvironReadCommand(SecretCommand):
    """``os.environ["DB_PASSWORD"]`` / ``os.getenv("API_KEY")`` / ``environ.get("API_KEY", "...")``
    -> ``get_secret("production/api/api-key")["api_key"]``.

    Scope: the read expression the target points at, matched by position and variable name (the
    locator used QualifiedNameProvider, so ``from os import environ as env`` and ``import os as o``
    are covered). ``os.environ[...]`` is safe (both raise when the value is missing); ``getenv`` and
    ``.get`` are unsafe: their fallback when the variable is unset goes away.
    """

    DESCRIPTION = "Replace an environment read of a secret with a Secrets Manager read."

    def _name(self, node: cst.CSTNode) -> Optional[cst.SimpleString]:
        if isinstance(node, cst.Subscript):
            idx = node.slice[0].slice
            return idx.value if isinstance(idx, cst.Index) and isinstance(idx.value, cst.SimpleString) else None
        if isinstance(node, cst.Call) and node.args and isinstance(node.args[0].value, cst.SimpleString):
            return node.args[0].value
        return None

    def _replace(self, original_node: cst.BaseExpression, updated_node: cst.BaseExpression) -> cst.BaseExpression:
        for loc in self.at(original_node):
            lit = self._name(original_node)
            if lit is None or L.simple_string_value(lit)[0] != loc.target.env_var:
                continue
            self.mark(loc)
            return self.parse_expr(self.accessor.call(loc.target.secret_id, loc.target.json_key, lit.quote[0]))
        return updated_node

    def leave_Subscript(self, original_node: cst.Subscript, updated_node: cst.Subscript) -> cst.BaseExpression:
        return self._replace(original_node, updated_node)

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        return self._replace(original_node, updated_node)
