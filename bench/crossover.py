#!/usr/bin/env python3
"""Where worker processes start to pay: ``secretshift scan --jobs 1`` against ``--jobs N`` on
growing parts of a real tree.

    python bench/crossover.py TREE [--jobs 2] [--repeat 3] [--sizes 1,2,4,8,16,32]

TREE is a checkout (its ``.git`` is skipped). For each size S (megabytes), a copy of the tree's
first files (sorted by path) adding up to S MB is scanned, rounds alternating one process and N
worker processes; the median wall and CPU seconds of each are printed with their ratio. Worker
processes are used by ``scan_paths`` only above ``PARALLEL_MIN_FILES`` files and
``PARALLEL_MIN_BYTES`` bytes (``scanner/scan.py``): this is the measurement behind them. The
``--jobs`` given here is passed as is, and the thresholds are lowered (SECRETSHIFT_PARALLEL_MIN_BYTES=0)
so that the small trees run with workers too. Nothing here asserts on time.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import Runs, compiled_env, run_once, tool  # noqa: E402


def _files(tree: Path) -> list[Path]:
    out = []
    for dp, dn, fn in os.walk(tree):
        dn[:] = sorted(d for d in dn if d != ".git")
        out += [Path(dp) / f for f in sorted(fn) if not os.path.islink(os.path.join(dp, f))]
    return out


def _part(tree: Path, files: list[Path], limit: int, dest: Path) -> tuple[int, int]:
    n = size = 0
    for p in files:
        if size >= limit:
            break
        s = p.stat().st_size
        target = dest / p.relative_to(tree)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, target)
        n += 1
        size += s
    return n, size


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="1,2,4,8,16,32", help="megabytes, comma-separated")
    args = ap.parse_args(argv)
    exe = tool("secretshift") or "secretshift"
    env = compiled_env()
    env["SECRETSHIFT_PARALLEL_MIN_BYTES"] = "0"  # let the smallest parts use workers: that is the question
    files = _files(args.tree)
    print(f"{'MB':>6} {'files':>6} | {'1 proc wall':>11} {'cpu':>6} | {f'{args.jobs} procs wall':>12} {'cpu':>6} | wall ratio")
    with tempfile.TemporaryDirectory(prefix="ss-cross-") as tmp:
        env["SECRETSHIFT_CACHE_DIR"] = os.path.join(tmp, "cache")  # this run's own (see scan_speed.py)
        for mb in (float(x) for x in args.sizes.split(",")):
            dest = Path(tmp) / f"part-{mb:g}"
            n, size = _part(args.tree, files, int(mb * 1024 * 1024), dest)
            one, many = Runs(), Runs()
            cmd = [exe, "scan", str(dest), "--all-files", "--format", "json", "-o", os.devnull, "--fail-on", "never"]
            run_once([*cmd, "--jobs", "1"], Runs(), env=env)  # untimed: fills the cache
            for _ in range(args.repeat):
                for jobs, runs in ((1, one), (args.jobs, many)):
                    run_once([*cmd, "--jobs", str(jobs)], runs, env=env)
            print(f"{size / 1e6:6.1f} {n:6d} | {one.wall:11.2f} {one.cpu:6.2f} | {many.wall:12.2f} {many.cpu:6.2f} |"
                  f" {one.wall / many.wall:.2f}x")
            if n == len(files):
                break
    return 0


if __name__ == "__main__":
    sys.exit(main())
