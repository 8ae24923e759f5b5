"""Remove static AWS keys passed to boto3: the default credential chain is their right home."""
from __future__ import annotations

import libcst as cst

from .. import literals as L
from ..locate import AWS_KEYWORDS
from ..targets import sha256_text
from ._base import SecretCommand


class RemoveAwsStaticKeysCommand(SecretCommand):
    """``boto3.client("s3", aws_access_key_id="AKIA...", aws_secret_access_key="...")`` -> ``boto3.client("s3")``.

    Scope: a ``boto3.client``/``resource``/``Session`` call (or ``<session>.client(...)``) the
    target points at, when the target asks for it (``RewriteTarget.drop_aws_keys``: by default
    the keys are read from Secrets Manager like any other secret, so the client keeps its identity); all of ``aws_access_key_id``, ``aws_secret_access_key`` and
    ``aws_session_token`` go together (a partial set would fail). The keys are not moved to Secrets
    Manager: the IAM role (or profile) supplies credentials. Unsafe: run-time identity changes, and
    the removed key must still be deactivated.
    """

    DESCRIPTION = "Remove static AWS access keys from boto3 calls (use the default credential chain)."

    def _still_there(self, call: cst.Call, loc) -> bool:
        for arg in call.args:
            if arg.keyword is None or arg.keyword.value != loc.keyword:
                continue
            if loc.target.kind == "env":
                return True
            if isinstance(arg.value, cst.SimpleString):
                value, _ = L.simple_string_value(arg.value)
                return value is not None and sha256_text(value) == loc.target.value_sha256
        return False

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.Call:
        locs = [loc for loc in self.at(original_node) if self._still_there(original_node, loc)]
        if not locs:
            return updated_node
        args = list(updated_node.args)
        kept = [a for a in args if a.keyword is None or a.keyword.value not in AWS_KEYWORDS]
        if kept and kept[-1] is not args[-1]:
            kept[-1] = kept[-1].with_changes(comma=args[-1].comma)
        for loc in locs:
            self.applied.append(loc)
        where = f"{self.context.filename}: " if self.context.filename else ""
        self.warn(f"{where}line {locs[0].target.line}: removed static AWS keys; boto3 now uses the default "
                  "credential chain (IAM role). Deactivate the old key.")
        return updated_node.with_changes(args=kept)
