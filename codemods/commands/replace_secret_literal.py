"""Replace a literal that is wholly a secret with a Secrets Manager read."""
from __future__ import annotations

import libcst as cst

from ._base import SecretCommand, value_matches


class ReplaceSecretLiteralCommand(SecretCommand):
    """``DB_PASSWORD = "..."`` -> ``DB_PASSWORD = get_secret("production/db/postgresql")["password"]``.

    Scope: one string, bytes or integer literal that is the whole secret, wherever an expression may
    stand: module constants (fetched at import, as before), class attributes, dict values (Django
    ``DATABASES``), an implicit concatenation ``"ab" "cd"`` as a whole, keyword arguments, attribute assignments (``stripe.api_key = ...``), a ``+`` chain of literals as a whole, and static AWS keys passed to boto3 (the
    client keeps its identity; see RemoveAwsStaticKeysCommand for the opt-in alternative). Bytes get
    ``.encode()`` and integers ``int(...)`` so the value keeps its type. Safe: same value, same time.
    """

    DESCRIPTION = "Replace a hardcoded secret literal with a Secrets Manager read."

    def leave_SimpleString(self, original_node: cst.SimpleString, updated_node: cst.SimpleString) -> cst.BaseExpression:
        for loc in self.at(original_node):
            if value_matches(original_node, loc):
                self.mark(loc)
                return self.parse_expr(self.whole_expr(loc, original_node.quote[0]), original_node)
        return updated_node

    def leave_ConcatenatedString(self, original_node: cst.ConcatenatedString,
                                 updated_node: cst.ConcatenatedString) -> cst.BaseExpression:
        for loc in self.at(original_node):
            if value_matches(original_node, loc):
                self.mark(loc)
                left = original_node.left
                quote = left.quote[0] if isinstance(left, cst.SimpleString) else '"'
                return self.parse_expr(self.whole_expr(loc, quote), original_node)
        return updated_node

    def leave_BinaryOperation(self, original_node: cst.BinaryOperation,
                              updated_node: cst.BinaryOperation) -> cst.BaseExpression:
        for loc in self.at(original_node):  # "gh" + "p_...": the joined value is the secret
            if value_matches(original_node, loc):
                self.mark(loc)
                first = original_node
                while isinstance(first, cst.BinaryOperation):
                    first = first.left
                quote = first.quote[0] if isinstance(first, cst.SimpleString) else '"'
                return self.parse_expr(self.whole_expr(loc, quote), original_node)
        return updated_node

    def leave_Integer(self, original_node: cst.Integer, updated_node: cst.Integer) -> cst.BaseExpression:
        for loc in self.at(original_node):
            if value_matches(original_node, loc):
                self.mark(loc)
                return self.parse_expr(self.whole_expr(loc), original_node)
        return updated_node
