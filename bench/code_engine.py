#!/usr/bin/env python3
"""What the code engine does on a real tree, and what it costs, in one run.

    python bench/code_engine.py TREE [--repeat 3] [--jobs N] [--no-timing]

Per language (the tree-sitter grammar a file goes to): files seen, files the gate kept from the
parser, files parsed, files parsed late (the gate kept them from the parser, a generic rule fired,
so they were parsed to see whether it fired in code), files sent back to the generic rules (syntax
errors, minified, no grammar),
and findings from the code engine (SS12x) versus the generic keyword rules (options.fallback:
SS101-SS105) versus the rest (vendor formats, URLs ...). These come from one in-process scan
(jobs=1, so the engine's per-process counters are complete).

Then the cost: ``secretshift scan TREE --all-files`` timed as a user runs it, with the code engine
and with its rules disabled (a config file with ``disable: [SS120 ... SS128]``: every code file then
goes to the generic rules, the behaviour before the code engine), alternating, ``--repeat`` times
each; medians of wall and CPU seconds and their ratio. Nothing is asserted; tests never time.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

BIN = Path(sys.executable).parent


def _stats(tree: Path) -> None:
    from secretshift.scanner.engines import code
    from secretshift.scanner.ruleset import load_ruleset
    from secretshift.scanner.scan import ScanOptions, scan_paths
    from secretshift.scanner.sources import discover

    rs = load_ruleset()
    code.STATS.clear()
    warnings: list[str] = []
    t0 = time.perf_counter()
    res = scan_paths(ScanOptions(root=tree, all_files=True, jobs=1), rs, warn=warnings.append)
    secs = time.perf_counter() - t0
    seen: Counter[str] = Counter()
    for src in discover([tree], tree, True, (), False, {}, lambda m: None):
        g = code.grammar_for(src.rel)
        if g:
            seen[g] += 1
    by_lang: dict[str, Counter[str]] = defaultdict(Counter)
    for f in res.findings:
        g = code.grammar_for(f.file) or "(no parser)"
        rule = rs.get(f.rule_id)
        kind = "code" if rule and rule.engine == "code" else "generic" if rule and rule.options.get("fallback") else "other"
        by_lang[g][kind] += 1
    cols = ("files", "gated out", "parsed", "parsed late", "fallback", "no grammar")
    print(f"tree: {tree}  ({res.files_scanned} files scanned in {secs:.2f} s, one process)")
    print(f"{'language':<12}" + "".join(f"{c:>12}" for c in cols) + f"{'code':>7}{'generic':>9}{'other':>7}")
    langs = sorted(set(seen) | set(code.STATS) | set(by_lang))
    for g in langs:
        st = code.STATS.get(g, {})
        row = [seen.get(g, 0), *(st.get(c, 0) for c in cols[1:])]
        fc = by_lang.get(g, Counter())
        print(f"{g:<12}" + "".join(f"{v:>12}" for v in row) + f"{fc['code']:>7}{fc['generic']:>9}{fc['other']:>7}")
    fallback = [w for w in warnings if "generic rules" in w]
    print(f"warnings about the parser: {len(fallback)}" + "".join(f"\n  {w}" for w in fallback[:10]))


def _timed(cmd: list[str]) -> tuple[float, float, dict]:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # see _bench.run_once
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode not in (0, 1):
        raise SystemExit(f"secretshift failed ({r.returncode}): {r.stderr.decode()[-500:]}")
    out = json.loads(Path(cmd[cmd.index("-o") + 1]).read_text())
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), out


def _timing(tree: Path, repeat: int, jobs: int) -> None:
    from secretshift.scanner.ruleset import load_ruleset

    code_ids = [r.id for r in load_ruleset().rules if r.engine == "code"]
    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "off.yaml"
        cfg.write_text("disable: [" + ", ".join(code_ids) + "]\n")
        base = [str(BIN / "secretshift"), "scan", str(tree), "--all-files", "--format", "json", "--fail-on", "never"]
        if jobs:
            base += ["--jobs", str(jobs)]
        runs = {"with the code engine": base + ["-o", f"{tmp}/on.json"],
                "code rules disabled": base + ["-o", f"{tmp}/off.json", "--config", str(cfg)]}
        got: dict[str, list[tuple[float, float]]] = {k: [] for k in runs}
        found: dict[str, int] = {}
        for cmd in runs.values():
            _timed(cmd)  # warm-up: page cache, rule cache
        for _ in range(repeat):
            for k, cmd in runs.items():
                wall, cpu, doc = _timed(cmd)
                got[k].append((wall, cpu))
                found[k] = doc["summary"]["findings"]
        med = {k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v)) for k, v in got.items()}
        for k, (w, c) in med.items():
            print(f"{k:<22} median {w:6.2f} s wall, {c:6.2f} s CPU over {repeat} runs; {found[k]} findings")
        (w1, c1), (w0, c0) = med["with the code engine"], med["code rules disabled"]
        print(f"ratio with/without: {w1 / w0:.2f} wall, {c1 / c0:.2f} CPU (jobs={jobs or os.cpu_count()})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="code engine statistics and cost")
    ap.add_argument("tree", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0)
    ap.add_argument("--no-timing", action="store_true")
    args = ap.parse_args(argv)
    tree = args.tree.resolve()
    if not tree.is_dir():
        raise SystemExit(f"{tree}: not a directory")
    _stats(tree)
    if not args.no_timing:
        _timing(tree, args.repeat, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
