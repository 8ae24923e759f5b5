"""``secretshift scan --history [--since REV]``: the history scan wrapped as a ``ScanResult``."""
from __future__ import annotations

import time
from pathlib import Path

from secretshift.scanner.models import ScanResult


def scan_history_result(root: Path, ruleset, opts, since: str | None) -> ScanResult:
    """Scan the history of the repository at ``root``; counts are blobs, not files.

    :raises GitError: not a repository, git missing, or ``since`` unknown.
    """
    from secretshift.scanner.history import scan_history_detailed
    from secretshift.scanner.scan import _stderr_warn

    t0 = time.perf_counter()
    h = scan_history_detailed(Path(root), ruleset, opts, since, warn=_stderr_warn)
    result = ScanResult(findings=h.findings, files_scanned=h.blobs_scanned, bytes_scanned=h.bytes_scanned,
                        skipped=dict(h.skipped), errors=list(h.warnings))
    result.files_skipped = sum(h.skipped.values())
    result.seconds = time.perf_counter() - t0
    return result
