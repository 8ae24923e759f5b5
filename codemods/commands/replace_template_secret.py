"""Move a secret out of a ``%`` or ``str.format`` template into the template's arguments."""
from __future__ import annotations

import re
import string
from typing import List, Optional

import libcst as cst

from .. import literals as L
from ._base import SecretCommand, value_matches

_SPEC = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<flags>[-#0 +]*)(?P<width>\*|\d+)?(?:\.(?P<prec>\*|\d+))?[hlL]?"
                   r"(?P<conv>[diouxXeEfFgGcrsa%])")


class ReplaceTemplateSecretCommand(SecretCommand):
    """``"postgres://u:<pw>@%s/db" % host`` -> ``"postgres://u:%s@%s/db" % (get_secret(...)["password"], host)``
    and ``"postgres://u:<pw>@{}/db".format(host)`` -> ``"postgres://u:{}@{}/db".format(get_secret(...)["password"], host)``.

    Scope: the secret lies in the template literal of ``template % args`` or ``template.format(...)``.
    It becomes one more placeholder, filled by the fetch, so that a rotated value holding ``%`` or
    ``{`` is inserted as text rather than read as formatting. Refused (with a reason) for
    mapping-style ``%(name)s`` templates, ``*`` widths, ``*args``, and a lone ``% value`` whose
    template has other placeholders. Safe: same text, fetched when the expression runs.
    """

    DESCRIPTION = "Move a secret out of a % or .format template into its arguments."

    def leave_BinaryOperation(self, original_node: cst.BinaryOperation,
                              updated_node: cst.BinaryOperation) -> cst.BaseExpression:
        if not isinstance(original_node.operator, cst.Modulo) or not isinstance(original_node.left, cst.SimpleString):
            return updated_node
        out = self.first_rewrite(self.at(original_node.left), "percent",
                                 lambda loc: self._percent(original_node, updated_node, loc),
                                 lambda loc: value_matches(original_node.left, loc))
        return updated_node if out is None else out

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        func = original_node.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "format" and isinstance(func.value, cst.SimpleString)):
            return updated_node
        out = self.first_rewrite(self.at(func.value), "format",
                                 lambda loc: self._format(original_node, updated_node, loc),
                                 lambda loc: value_matches(func.value, loc))
        return updated_node if out is None else out

    # -- helpers -----------------------------------------------------------------------------
    def _template(self, node: cst.SimpleString, loc, placeholder: str) -> Optional[cst.SimpleString]:
        parts = L.split_simple_string(node, loc.span)
        if parts is None:
            return None
        before, after = parts
        prefix, q = node.prefix, node.quote
        return cst.SimpleString(f"{prefix}{q}{before}{placeholder}{after}{q}")

    def _fetch(self, loc, quote: str) -> cst.BaseExpression:
        return self.parse_expr(self.accessor.call(loc.target.secret_id, loc.target.json_key, quote))

    def _percent(self, orig: cst.BinaryOperation, upd: cst.BinaryOperation, loc) -> Optional[cst.BaseExpression]:
        value, _ = L.simple_string_value(orig.left)
        specs = [m for m in _SPEC.finditer(value) if m.group("conv") != "%"]
        if any(m.group("key") is not None or m.group("width") == "*" or m.group("prec") == "*" for m in specs):
            self.missed.append((loc, f"line {loc.target.line}: %-template with named or * placeholders: rewrite by hand"))
            return None
        k = sum(1 for m in specs if m.end() <= loc.span[0])
        template = self._template(orig.left, loc, "%s")
        if template is None:
            return None
        fetch = self._fetch(loc, orig.left.quote[0])
        right = upd.right
        if isinstance(right, cst.Tuple):
            elements = list(right.elements)
            if any(isinstance(e, cst.StarredElement) for e in elements[:k]):
                self.missed.append((loc, f"line {loc.target.line}: *args in a %-template's arguments: rewrite by hand"))
                return None
            comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            new = cst.Element(fetch, comma=comma if k < len(elements) else cst.MaybeSentinel.DEFAULT)
            if k == len(elements) and elements:
                elements[-1] = elements[-1].with_changes(comma=comma)
            elements.insert(k, new)
            return upd.with_changes(left=template, right=right.with_changes(elements=elements))
        if len(specs) != 1 or isinstance(right, (cst.Dict, cst.DictComp)):
            self.missed.append((loc, f"line {loc.target.line}: the %-template's arguments are one expression: "
                                     "rewrite by hand"))
            return None
        items = [fetch, right] if k == 0 else [right, fetch]
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        tup = cst.Tuple([cst.Element(items[0], comma=comma), cst.Element(items[1])])
        return upd.with_changes(left=template, right=tup)

    def _format(self, orig: cst.Call, upd: cst.Call, loc) -> Optional[cst.BaseExpression]:
        tmpl = orig.func.value  # type: ignore[attr-defined]
        value, _ = L.simple_string_value(tmpl)
        try:
            fields = [(lit, name) for lit, name, _spec, _conv in string.Formatter().parse(value)]
        except ValueError:
            return None
        auto = any(name == "" for _, name in fields)
        args: List[cst.Arg] = list(upd.args)
        positional = [a for a in args if a.keyword is None and not a.star]
        if any(a.star == "*" for a in args):
            self.missed.append((loc, f"line {loc.target.line}: *args in a .format call: rewrite by hand"))
            return None
        fetch = self._fetch(loc, tmpl.quote[0])
        if auto:  # the automatic fields before the secret
            n = sum(1 for _, name, _s, _c in string.Formatter().parse(value[:loc.span[0]]) if name == "")
            placeholder, index = "{}", n
        else:
            placeholder, index = "{%d}" % len(positional), len(positional)
        template = self._template(tmpl, loc, placeholder)
        if template is None:
            return None
        comma = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        new = cst.Arg(fetch)
        pos_idx = [i for i, a in enumerate(args) if a.keyword is None and not a.star]
        insert_at = pos_idx[index] if index < len(pos_idx) else (pos_idx[-1] + 1 if pos_idx else 0)
        if insert_at < len(args):
            new = new.with_changes(comma=comma)
        elif args:
            args[-1] = args[-1].with_changes(comma=comma)
        args.insert(insert_at, new)
        return upd.with_changes(func=upd.func.with_changes(value=template), args=args)
