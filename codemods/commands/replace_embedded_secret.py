"""Replace a secret embedded in a larger string with an f-string that reads it at run time."""
from __future__ import annotations

from typing import List

import libcst as cst

from ._base import SecretCommand, value_matches


class ReplaceEmbeddedSecretCommand(SecretCommand):
    """``"postgresql://app:<pw>@db:5432/app"`` -> ``f"postgresql://app:{get_secret('id')['password']}@db:5432/app"``.

    Scope: only the credential part moves. Covers URLs with a password (the stored part is the
    literal's own, already percent-encoded text, inserted verbatim), ``"Bearer <token>"`` headers,
    the literal part of an f-string, and one piece of an implicit concatenation. Quotes, prefixes
    and the surrounding text are kept; inner quotes differ from the outer ones so the result parses
    on every Python 3 version. Safe.
    """

    DESCRIPTION = "Move a secret embedded in a string (URL password, header, f-string) to Secrets Manager."

    def leave_SimpleString(self, original_node: cst.SimpleString, updated_node: cst.SimpleString) -> cst.BaseExpression:
        for loc in self.at(original_node):
            if value_matches(original_node, loc):
                code = self.fstring_from_simple(original_node, loc)
                if code is not None:
                    self.mark(loc)
                    return self.parse_expr(code, original_node)
        return updated_node

    def leave_FormattedString(self, original_node: cst.FormattedString, updated_node: cst.FormattedString) -> cst.FormattedString:
        parts: List[cst.BaseFormattedStringContent] = []
        changed = False
        inner = "'" if original_node.quote[0] == '"' else '"'
        for orig, upd in zip(original_node.parts, updated_node.parts):
            locs = [loc for loc in self.at(orig) if isinstance(orig, cst.FormattedStringText)
                    and value_matches(orig, loc, original_node)] if isinstance(orig, cst.FormattedStringText) else []
            if not locs:
                parts.append(upd)
                continue
            loc = locs[0]
            split = self._split_text(orig.value, original_node, loc)
            if split is None:
                parts.append(upd)
                continue
            before, after = split
            expr = self.parse_expr(self.accessor.call(loc.target.secret_id, loc.target.json_key, inner))
            if before:
                parts.append(cst.FormattedStringText(before))
            parts.append(cst.FormattedStringExpression(expression=expr))
            if after:
                parts.append(cst.FormattedStringText(after))
            self.mark(loc)
            changed = True
        return updated_node.with_changes(parts=parts) if changed else updated_node

    @staticmethod
    def _split_text(raw: str, fstring: cst.FormattedString, loc) -> "tuple[str, str] | None":
        from .. import literals as L

        value = L.fstring_text_value(cst.FormattedStringText(raw), fstring)
        if value is None or loc.span is None:
            return None
        a, b = loc.span
        secret = value[a:b].replace("{", "{{").replace("}", "}}")
        i = raw.find(secret)
        while i >= 0:
            before, after = raw[:i], raw[i + len(secret):]
            if (L.fstring_text_value(cst.FormattedStringText(before), fstring) == value[:a]
                    and L.fstring_text_value(cst.FormattedStringText(after), fstring) == value[b:]):
                return before, after
            i = raw.find(secret, i + 1)
        return None
