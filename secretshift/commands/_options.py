"""Option groups shared by the commands that talk to AWS, so that ``migrate``, ``plan`` and the
lifecycle commands spell ``--region``/``--profile``/``--endpoint-url``/``--max-attempts`` alike."""
from __future__ import annotations

import click


def stack(*opts):
    """One decorator applying ``opts`` in the order listed (the first is the first in ``--help``)."""
    def apply(f):
        for o in reversed(opts):
            f = o(f)
        return f
    return apply


def connection_options() -> list:
    return [
        click.option("--region", default=None, help="AWS region [default: $AWS_REGION]."),
        click.option("--profile", default=None, help="AWS profile [default: $AWS_PROFILE]."),
        click.option("--endpoint-url", default=None,
                     help="Secrets Manager endpoint [default: $AWS_ENDPOINT_URL_SECRETS_MANAGER or $AWS_ENDPOINT_URL]."),
    ]


def max_attempts_option():
    return click.option("--max-attempts", type=click.IntRange(min=1), default=6, show_default=True,
                        help="Attempts per AWS call on throttling, 5xx or dropped connections.")
