"""Helpers for codemod tests: fake values built at test time, targets built from the text.

Targets are made the way the scanner would report them (1-based line/column of the value, sha256
of the value) without depending on the scanner's Python engine.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, List, Optional

import pytest

from secretshift.codemods.accessor import Accessor
from secretshift.codemods.runner import RewriteResult, RewriteTarget, rewrite_source, sha256_text
from secretshift.scanner.samples import expand


def fake(template: str = "{{rand:alnum:20}}", seed: str = "codemods") -> str:
    return expand(template, seed)


def position(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the nth occurrence of ``needle`` in ``text``."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    line = text.count("\n", 0, i) + 1
    col = i - (text.rfind("\n", 0, i) + 1) + 1
    return line, col


def hardcoded(text: str, value: str, secret_id: str = "production/db/postgresql", json_key: Optional[str] = "password",
              nth: int = 0, fp: str = "") -> RewriteTarget:
    line, col = position(text, value, nth)
    return RewriteTarget(line, col, line, col + len(value), "hardcoded", secret_id, json_key,
                         value_sha256=sha256_text(value), rule_id="SS105", fingerprint=fp or f"SS105:{line}:{col}")


def env(text: str, expr: str, var: str, secret_id: str = "production/api/service", json_key: Optional[str] = "api_key",
        nth: int = 0) -> RewriteTarget:
    line, col = position(text, expr, nth)
    return RewriteTarget(line, col, line, col + len(expr), "env", secret_id, json_key, env_var=var,
                         rule_id="SS201", fingerprint=f"SS201:{line}:{col}")


def rewrite(before: str, targets: List[RewriteTarget], unsafe: bool = False, accessor: Optional[str] = None) -> RewriteResult:
    return rewrite_source(before, "app/settings.py", targets, Accessor.parse(accessor), unsafe)


@dataclass
class Kit:
    fake: Callable[..., str] = staticmethod(fake)
    hardcoded: Callable[..., RewriteTarget] = staticmethod(hardcoded)
    env: Callable[..., RewriteTarget] = staticmethod(env)
    rewrite: Callable[..., RewriteResult] = staticmethod(rewrite)


@pytest.fixture
def kit() -> Kit:
    return Kit()
