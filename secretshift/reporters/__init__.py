"""Reporters: one module per output format, each ``write(result, ruleset, out, color=False)``.

No reporter ever sees a secret value in serialisable form: they read ``Finding.to_dict()`` and
``Finding.masked`` only.
"""
from __future__ import annotations

import importlib
from typing import Protocol, TextIO

from secretshift.scanner.models import ScanResult
from secretshift.scanner.ruleset import Ruleset

FORMATS = ("text", "json", "sarif")


class Reporter(Protocol):
    def write(self, result: ScanResult, ruleset: Ruleset, out: TextIO, color: bool = False) -> None: ...


def get_reporter(fmt: str) -> Reporter:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt}")
    return importlib.import_module(f"secretshift.reporters.{fmt}_report")  # type: ignore[return-value]
