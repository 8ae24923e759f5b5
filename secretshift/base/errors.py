"""Every error secretshift raises on purpose derives from SecretshiftError.

The CLI turns these into one line on stderr and exit code 2. Messages never contain secret values.
"""
from __future__ import annotations


class SecretshiftError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""

    exit_code = 2


class RuleConfigError(SecretshiftError):
    """A rule file is malformed; the message names the file and the rule."""


class ConfigError(SecretshiftError):
    """The [tool.secretshift] table or .secretshift.yaml is invalid (unknown key, wrong type)."""


class BaselineError(SecretshiftError):
    """A baseline file cannot be read: corrupt, hand-edited wrongly, or from a newer version."""


class PlanError(SecretshiftError):
    """A plan file is malformed or does not match this version."""


class StalePlanError(PlanError):
    """The source changed since the plan was made: a planned value is no longer where it was."""


class AwsActionError(SecretshiftError):
    """An AWS call failed in a way the user must act on (endpoint down, access denied, conflict)."""


class GitError(SecretshiftError):
    """git is missing, or the path is not a usable repository for the requested operation."""
