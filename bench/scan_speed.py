#!/usr/bin/env python3
"""Whole-tree and hook-path speed of ``secretshift scan`` against detect-secrets, in one run.

    python bench/scan_speed.py TREE [--jobs N] [--hook-files 5] [--repeat 5] [--check]

TREE is a checkout of a large real project (for example
``git --git-dir=/path/to/repo.git archive HEAD | tar -x -C /tmp/tree``). Nothing is copied or
committed. The script prints, for the whole tree: the wall time of ``secretshift scan TREE`` and of
``detect-secrets scan --all-files`` (run inside TREE), the ratio, files/s and MB/s; and for the
hook path: the median wall time of ``secretshift scan`` and ``detect-secrets-hook`` on the same
few small files. ``--check`` also scans the tree with RE2 turned off (SECRETSHIFT_NO_RE2=1) and
reports whether the findings are identical.

Both tools run as the installed console scripts next to this interpreter, as a user would run them.
Timings are wall-clock of the whole process (start-up included). No assertion is made on times.
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
from pathlib import Path

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    p = BIN / name
    return str(p) if p.exists() else name


CPU: dict[str, float] = {}  # command name -> CPU seconds (user+sys, children included) of its last run


def _timed(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    """Wall seconds of one run; its CPU seconds go to CPU[name] (a fairer figure on a busy machine)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU[Path(cmd[0]).name] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, r


def _secretshift(tree: Path, jobs: int, out: Path, env: dict[str, str] | None = None) -> tuple[float, dict]:
    cmd = [_tool("secretshift"), "scan", str(tree), "--all-files", "--format", "json", "-o", str(out),
           "--fail-on", "never"]
    if jobs:
        cmd += ["--jobs", str(jobs)]
    secs, r = _timed(cmd, env=env)
    if r.returncode not in (0, 1, 2) or not out.exists():
        raise SystemExit(f"secretshift failed ({r.returncode}): {r.stderr.decode()[-500:]}")
    return secs, json.loads(out.read_text())


def _hook_files(tree: Path, n: int) -> list[Path]:
    """n small source files, as a commit would stage them (deterministic choice)."""
    picked: list[Path] = []
    for ext in (".py", ".js", ".yaml", ".yml", ".json", ".sh", ".md"):
        for p in sorted(tree.rglob(f"*{ext}")):
            if p.is_file() and not p.is_symlink() and 500 < p.stat().st_size < 20_000:
                picked.append(p)
                break
        if len(picked) >= n:
            break
    for p in sorted(tree.rglob("*.py")):
        if len(picked) >= n:
            break
        if p not in picked and p.is_file() and 500 < p.stat().st_size < 20_000:
            picked.append(p)
    return picked[:n]


def _median_run(cmd: list[str], repeat: int, cwd: Path) -> tuple[float, float]:
    """Median wall and median CPU seconds over ``repeat`` runs (after one warm-up run)."""
    _timed(cmd, cwd=cwd)  # warm the page cache and the rule cache
    walls, cpus = [], []
    for _ in range(repeat):
        walls.append(_timed(cmd, cwd=cwd)[0])
        cpus.append(CPU[Path(cmd[0]).name])
    return statistics.median(walls), statistics.median(cpus)


def _key(f: dict) -> tuple:
    return (f["file"], f["line"], f["column"], f["end_line"], f["end_column"], f["rule_id"], f["fingerprint"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="secretshift vs detect-secrets speed")
    ap.add_argument("tree", type=Path)
    ap.add_argument("--jobs", type=int, default=0, help="secretshift --jobs (0: one per core)")
    ap.add_argument("--hook-files", type=int, default=5)
    ap.add_argument("--repeat", type=int, default=5, help="runs per hook-path median")
    ap.add_argument("--check", action="store_true", help="also compare findings with RE2 off")
    ap.add_argument("--skip-detect-secrets", action="store_true", help="only time secretshift")
    args = ap.parse_args(argv)
    tree = args.tree.resolve()
    if not tree.is_dir():
        raise SystemExit(f"{tree}: not a directory")

    # A pip install byte-compiles every module; an editable checkout run with PYTHONDONTWRITEBYTECODE
    # set would recompile all of secretshift on every start and time the compiler, not the tool.
    repo = Path(__file__).resolve().parent.parent
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(repo / p) for p in ("scanner", "secretshift", "codemods"))],
                   check=False, capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "ss.json"
        _secretshift(tree, args.jobs, out)  # warm-up: page cache and rule cache, for both tools
        ss_secs, doc = _secretshift(tree, args.jobs, out)
        s = doc["summary"]
        mb = s["bytes_scanned"] / 1e6
        print(f"tree: {tree}")
        print(f"secretshift scan: {ss_secs:7.2f} s  {s['files_scanned']} files ({s['files_skipped']} skipped), "
              f"{mb:.1f} MB, {s['findings']} findings; {s['files_scanned'] / ss_secs:,.0f} files/s, "
              f"{mb / ss_secs:.1f} MB/s (jobs={args.jobs or os.cpu_count()}; CPU {CPU['secretshift']:.2f} s)")
        if args.check:
            env = {**os.environ, "SECRETSHIFT_NO_RE2": "1"}
            py_secs, py_doc = _secretshift(tree, args.jobs, Path(tmp) / "py.json", env=env)
            same = sorted(map(_key, doc["findings"])) == sorted(map(_key, py_doc["findings"]))
            print(f"secretshift without RE2: {py_secs:7.2f} s  {mb / py_secs:.1f} MB/s; "
                  f"findings identical with and without RE2: {'yes' if same else 'NO'}")
        if not args.skip_detect_secrets:
            ds_secs, r = _timed([_tool("detect-secrets"), "scan", "--all-files"], cwd=tree)
            if r.returncode != 0:
                raise SystemExit(f"detect-secrets failed: {r.stderr.decode()[-500:]}")
            ds = json.loads(r.stdout)
            n_ds = sum(len(v) for v in ds.get("results", {}).values())
            ds_cpu = CPU["detect-secrets"]
            print(f"detect-secrets scan --all-files: {ds_secs:7.2f} s  {n_ds} results; "
                  f"{s['files_scanned'] / ds_secs:,.0f} files/s, {mb / ds_secs:.2f} MB/s (CPU {ds_cpu:.2f} s)")
            print(f"ratio: secretshift is {ds_secs / ss_secs:.1f}x faster on the whole tree "
                  f"(wall); {ds_cpu / CPU['secretshift']:.1f}x less CPU")

        files = _hook_files(tree, args.hook_files)
        rel = [str(p.relative_to(tree)) for p in files]
        hook_ss, hook_ss_cpu = _median_run([_tool("secretshift"), "scan", "-q", "--fail-on", "never", *rel],
                                           args.repeat, tree)
        print(f"hook path ({len(rel)} files: {', '.join(rel)}):")
        print(f"  secretshift scan FILES: median {hook_ss * 1000:.0f} ms wall, {hook_ss_cpu * 1000:.0f} ms CPU "
              f"over {args.repeat} runs")
        if not args.skip_detect_secrets:
            hook_ds, hook_ds_cpu = _median_run([_tool("detect-secrets-hook"), *rel], args.repeat, tree)
            print(f"  detect-secrets-hook FILES: median {hook_ds * 1000:.0f} ms wall, {hook_ds_cpu * 1000:.0f} ms CPU; "
                  f"secretshift takes {hook_ss / hook_ds:.0%} of its wall time, {hook_ss_cpu / hook_ds_cpu:.0%} of its CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
