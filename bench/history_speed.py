"""History scan speed: `secretshift scan --history` against `git secrets --scan-history`.

Usage: python bench/history_speed.py REPO [--runs N] [--jobs J]

REPO is any git repository (a bare mirror such as the one the search tool's fetch gives works).
It is cloned locally into a temporary directory (hard links, no network) so that neither tool
touches it; nothing from it is committed anywhere. git-secrets is given its AWS patterns through
GIT_CONFIG_* environment variables (no config file is written). Differences to keep in mind:
git-secrets greps `git log --all -G` then `git grep` the matching revisions; it runs twice, with
its own 3 AWS patterns and with the ~25 credential patterns the issue's reference figure used.
secretshift reads every blob reachable from HEAD once and runs its whole rule set (146 rules).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# `git secrets --register-aws` patterns, passed as environment config instead of written to a file
AWS = '(AWS|aws|Aws)?_?'
Q = '("|\')'
CONNECT = r'\s*(:|=>|=)\s*'
GIT_SECRETS_PATTERNS = [
    "(A3T[A-Z0-9]|AKIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|ASIA)[A-Z0-9]{16}",
    f"{Q}?{AWS}(SECRET|secret|Secret)?_?(ACCESS|access|Access)?_?(KEY|key|Key){Q}?{CONNECT}{Q}?[A-Za-z0-9/\\+=]{{40}}{Q}?",
    f"{Q}?{AWS}(ACCOUNT|account|Account)_?(ID|id|Id)?{Q}?{CONNECT}{Q}?[0-9]{{4}}\\-?[0-9]{{4}}\\-?[0-9]{{4}}{Q}?",
]
# The reference setup: git-secrets "with ~25 credential regexes" (its own AWS three plus
# the common vendor formats and generic assignments most teams register). POSIX ERE, as git
# grep -E and git log -G take them.
SP = "[[:space:]]*"
CREDENTIAL_PATTERNS = GIT_SECRETS_PATTERNS + [
    "gh[pousr]_[A-Za-z0-9]{36}",
    "github_pat_[A-Za-z0-9_]{82}",
    "xox[baprs]-[0-9A-Za-z-]{10,48}",
    "https://hooks[.]slack[.]com/services/T[A-Za-z0-9_]{8,}/B[A-Za-z0-9_]{8,}/[A-Za-z0-9_]{24}",
    "(sk|rk)_(live|test)_[0-9a-zA-Z]{24,99}",
    "AIza[0-9A-Za-z_-]{35}",
    "GOCSPX-[0-9A-Za-z_-]{28}",
    "-----BEGIN[ A-Z]*PRIVATE KEY-----",
    "SG[.][0-9A-Za-z_-]{22}[.][0-9A-Za-z_-]{43}",
    "SK[0-9a-fA-F]{32}",
    "npm_[A-Za-z0-9]{36}",
    "pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}",
    "glpat-[0-9A-Za-z_-]{20}",
    "eyJ[A-Za-z0-9_-]{10,}[.]eyJ[A-Za-z0-9_-]{10,}[.][A-Za-z0-9_-]{10,}",
    "key-[0-9a-zA-Z]{32}",
    "AccountKey=[A-Za-z0-9+/=]{88}",
    "EAACEdEose0cBA[0-9A-Za-z]+",
    "sq0csp-[0-9A-Za-z_-]{43}",
    "shp(at|ca|pa|ss)_[a-fA-F0-9]{32}",
    "[a-z+]+://[^:/@[:space:]]+:[^@/[:space:]]+@[^/[:space:]]+",
    f"(password|passwd|pwd){SP}[:=]{SP}[\"'][^\"']{{6,}}[\"']",
    f"(secret|token|api_?key){SP}[:=]{SP}[\"'][A-Za-z0-9/+=_-]{{16,}}[\"']",
]
ALLOWED = ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]


def git_secrets_env(patterns: list[str]) -> dict[str, str]:
    pairs = [("secrets.patterns", p) for p in patterns] + [("secrets.allowed", a) for a in ALLOWED]
    env = dict(os.environ, GIT_CONFIG_COUNT=str(len(pairs)))
    for i, (k, v) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{i}"] = k
        env[f"GIT_CONFIG_VALUE_{i}"] = v
    return env


CPU: dict[str, list[float]] = {}  # tool -> CPU seconds (user + sys of the child processes) per run


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd: list[str], cwd: Path, env: dict[str, str] | None = None,
          label: str | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time of one run; its CPU time (which a loaded machine inflates less) goes to CPU[label]."""
    c0, t0 = _cpu(), time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    CPU.setdefault(label or " ".join([Path(cmd[0]).name, *cmd[1:3]]), []).append(_cpu() - c0)
    return time.perf_counter() - t0, r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0, help="secretshift worker processes (0: one per core)")
    ap.add_argument("--also-disable", default="",
                    help="also time a run with these rules disabled (comma-separated; '' to skip), to show "
                         "how much of the time one expensive rule takes")
    args = ap.parse_args()
    bindir = Path(sys.executable).parent
    secretshift = str(bindir / "secretshift")
    git_secrets = shutil.which("git-secrets")
    with tempfile.TemporaryDirectory(prefix="ss-hist-bench-") as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", "--local", "--no-checkout", str(args.repo), str(clone)], check=True)
        commits = subprocess.run(["git", "-C", str(clone), "rev-list", "--count", "HEAD"], capture_output=True,
                                 text=True, check=True).stdout.strip()
        blobs = subprocess.run(["git", "-C", str(clone), "rev-list", "--objects", "--filter=object:type=blob",
                                "HEAD"], capture_output=True, text=True, check=True).stdout.count(" ")
        print(f"history scan of {args.repo} ({commits} commits, {blobs} unique blobs from HEAD), "
              f"{args.runs} runs each, {os.cpu_count()} cpus")
        rows = []
        ss_cmd = [secretshift, "scan", "--history", "--format", "json", "--jobs", str(args.jobs), str(clone)]
        ss_times, n_found = [], None
        for _ in range(args.runs):
            t, r = timed(ss_cmd, clone)
            if r.returncode not in (0, 1):
                print(r.stderr, file=sys.stderr)
                return 2
            ss_times.append(t)
            n_found = len(json.loads(r.stdout)["findings"])
        rows.append(("secretshift scan --history", ss_times, f"{n_found} secret(s), each once"))
        if args.also_disable:
            cfg = Path(tmp) / "bench.secretshift.yaml"
            cfg.write_text("disable: [" + ", ".join(args.also_disable.split(",")) + "]\n")
            ts = []
            for _ in range(args.runs):
                t, r = timed([*ss_cmd[:-1], "--config", str(cfg), str(clone)], clone)
                ts.append(t)
                n = len(json.loads(r.stdout)["findings"]) if r.returncode in (0, 1) else "error"
            rows.append((f"  same without {args.also_disable}", ts, f"{n} secret(s)"))
        if git_secrets:
            for label, patterns in (("AWS only", GIT_SECRETS_PATTERNS), ("credentials", CREDENTIAL_PATTERNS)):
                gs_times, hits = [], None
                for _ in range(args.runs):
                    t, r = timed([git_secrets, "--scan-history"], clone, git_secrets_env(patterns),
                                 label=f"git-secrets --scan-history ({len(patterns)} patterns)")
                    gs_times.append(t)
                    hits = sum(1 for line in r.stdout.splitlines() + r.stderr.splitlines() if line.count(":") >= 3)
                rows.append((f"git secrets ({len(patterns)} {label})", gs_times,
                             f"{hits} matching line(s) over all revisions"))
        else:
            print("git-secrets not installed (apt install git-secrets): only secretshift measured")
        for name, ts, what in rows:
            print(f"  {name:<28} median {statistics.median(ts):7.2f} s   best {min(ts):7.2f} s   {what}")
        for label, cs in CPU.items():
            print(f"  cpu (user+sys, median) {statistics.median(cs):7.2f} s   {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
