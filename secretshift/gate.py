"""What the CI gate and the hook share, without click: ``--fail-on`` levels and ScanOptions building.

Kept apart from ``commands/scan.py`` so that ``secretshift-hook`` starts without importing click.
"""
from __future__ import annotations

import os

FAIL_ON = ("hardcoded", "any", "low", "medium", "high", "critical", "never")
IO_ERRORS = ("unreadable", "missing")  # skip reasons that make the exit code 2
_SEV_RANK = {"low": 0, "medium": 1, "high": 2, "critical": 3}


def failing(findings, fail_on: str) -> list:
    """The findings that make the exit code 1 under ``--fail-on``."""
    if fail_on == "never":
        return []
    if fail_on == "any":
        return list(findings)
    hard = [f for f in findings if f.kind == "hardcoded"]
    if fail_on == "hardcoded":
        return hard
    return [f for f in hard if _SEV_RANK[f.severity] >= _SEV_RANK[fail_on]]


def build_options(root: Path, paths: tuple[str, ...], settings, all_files: bool, max_file_size: int | None,
                  exclude: tuple[str, ...], jobs: int):
    from secretshift.scanner.scan import ScanOptions

    return ScanOptions(
        root=root,
        paths=[os.fspath(p) for p in paths] or [root],
        all_files=all_files,
        excludes=tuple(settings.exclude) + tuple(exclude),
        max_bytes=max_file_size or settings.max_file_size,
        include_vendored=settings.include_vendored,
        extra_rule_files=settings.rules,
        disabled_rules=settings.disable,
        extra_placeholders=tuple(p.lower() for p in settings.placeholders),
        non_secret_env_names=settings.non_secret_env_names,
        secret_env_names=settings.secret_env_names,
        jobs=jobs,
    )
