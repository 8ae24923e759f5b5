"""Text report for people: grouped by file, masked values, colour only on a terminal."""
from __future__ import annotations

from itertools import groupby
from typing import TextIO

from secretshift.scanner.models import ScanResult
from secretshift.scanner.ruleset import Ruleset

_SEV_COLOR = {"critical": "red", "high": "red", "medium": "yellow", "low": "cyan"}


def _style(text: str, color: bool, **kw) -> str:
    if not color:
        return text
    import click

    return click.style(text, **kw)


def write(result: ScanResult, ruleset: Ruleset, out: TextIO, color: bool = False) -> None:
    for file, items in groupby(result.findings, key=lambda f: f.file):
        out.write(_style(file, color, bold=True) + "\n")
        for f in items:
            where = f"{f.line}:{f.column}"
            sev = _style(f"{f.severity:<8}", color, fg=_SEV_COLOR.get(f.severity))
            what = f.masked if f.kind == "hardcoded" else f"env {f.symbol or ''}".rstrip()
            out.write(f"  {where:>9}  {f.rule_id} {f.slug:<34} {sev} {what}  [{f.fingerprint}]\n")
            if f.history:  # history scans: where and when the secret first appeared
                h = f.history
                out.write(f"{'':13}first in {h['first_commit'][:12]} {h['first_commit_date'][:10]} by {h['author']}; "
                          f"{'still at HEAD' if h['present_at_head'] else 'gone from HEAD'}; "
                          f"{'pushed' if h['pushed'] else 'local only'}\n")
        out.write("\n")
    s = result.summary()
    n_hard = sum(1 for f in result.findings if f.kind == "hardcoded")
    n_env = len(result.findings) - n_hard
    files_with = len({f.file for f in result.findings})
    line = (f"{n_hard} hardcoded credential(s) and {n_env} environment read(s) in {files_with} file(s); "
            f"{s['files_scanned']} files scanned, {s['files_skipped']} skipped, "
            f"{s['bytes_scanned'] / 1e6:.2f} MB in {s['seconds']:.2f}s")
    if result.skipped:
        line += " (skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(result.skipped.items())) + ")"
    out.write(_style(line, color, fg="red" if result.findings else "green") + "\n")
