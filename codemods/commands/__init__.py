"""One libcst command per concern. The runner gives each the targets the locator assigned to it.

| command | handles | applicability |
|---|---|---|
| ReplaceSecretLiteralCommand | a whole literal: constants, class attributes, dict values, keyword arguments, attribute assignments | safe |
| ReplaceEmbeddedSecretCommand | a secret inside a string: URL passwords, ``Bearer`` headers, f-strings, implicit concatenation | safe |
| ReplaceTemplateSecretCommand | a secret in the template of ``"..." % args`` / ``"...".format(...)``: one more placeholder | safe |
| ReplaceDefaultArgSecretCommand | ``def f(password="...")``: sentinel default, fetched in the body | unsafe |
| ReplaceEnvironReadCommand | ``os.environ[...]`` (safe), ``os.getenv``/``os.environ.get`` (unsafe), django-environ, decouple, ``dj_database_url.config()``, pydantic settings fields | safe / unsafe |
| RemoveAwsStaticKeysCommand | ``aws_access_key_id=...`` etc. passed to boto3: removed (only with ``RewriteTarget.drop_aws_keys``) | unsafe |
"""
from __future__ import annotations

from typing import Dict, Type

from ._base import SecretCommand
from .remove_aws_static_keys import RemoveAwsStaticKeysCommand
from .replace_default_arg_secret import ReplaceDefaultArgSecretCommand
from .replace_embedded_secret import ReplaceEmbeddedSecretCommand
from .replace_environ_read import ReplaceEnvironReadCommand
from .replace_secret_literal import ReplaceSecretLiteralCommand
from .replace_template_secret import ReplaceTemplateSecretCommand

COMMANDS: Dict[str, Type[SecretCommand]] = {
    c.__name__: c
    for c in (ReplaceSecretLiteralCommand, ReplaceEmbeddedSecretCommand, ReplaceTemplateSecretCommand,
              ReplaceDefaultArgSecretCommand, ReplaceEnvironReadCommand, RemoveAwsStaticKeysCommand)
}

__all__ = ["COMMANDS", "SecretCommand", *COMMANDS]
