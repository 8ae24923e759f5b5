from __future__ import annotations

import pytest

from secretshift.scanner.models import Finding, SecretValue, fingerprint, mask
from secretshift.scanner.samples import expand


def make(rule_id, file, line, *, value=None, symbol=None, kind="hardcoded", category="generic", service=None,
         field=None, severity="high", col=10, history=None):
    ident = value if value is not None else (symbol or "")
    return Finding(
        rule_id=rule_id, slug=f"rule-{rule_id.lower()}", kind=kind, file=file, line=line, column=col,
        end_line=line, end_column=col + len(value or symbol or "x"), category=category, severity=severity,
        confidence="high", masked=mask(value) if value else f"${symbol}", fingerprint=fingerprint(rule_id, file, ident),
        symbol=symbol, service=service, field=field, history=history,
        value=SecretValue(value) if value is not None else None,
    )


@pytest.fixture
def make_finding():
    return make


@pytest.fixture
def fake():
    """Realistic fake values built from parts at test time (never a full token in the repo)."""
    return lambda template, seed="t": expand(template, seed)
