"""Hook latency: `secretshift-hook` against `detect-secrets-hook` on the same 5 staged small files.

Usage: python bench/hook_latency.py [--runs N]

Builds a throw-away git repository with five small files (two of them holding fake credentials made
at run time), stages them, and times each hook as pre-commit would call it (a fresh process with the
file names as arguments), alternating the two tools so that both see the same machine state.
Reports median and best wall time; the target is secretshift at most half of detect-secrets.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from secretshift.scanner.samples import expand  # noqa: E402


def make_files(d: Path) -> list[str]:
    key = expand("{{join:AK:IA}}{{rand:b32:16}}", "bench-hook")
    files = {
        "app/settings.py": f'import os\n\nDEBUG = False\naws_access_key_id = "{key}"\nTIMEOUT = 30\n',
        "app/models.py": "class User:\n    def __init__(self, name):\n        self.name = name\n" * 10,
        "web/index.js": "export function add(a, b) {\n  return a + b;\n}\n" * 10,
        "deploy/compose.yaml": "services:\n  web:\n    image: nginx:1.25\n    ports: ['80:80']\n",
        "README.md": "# demo\n\nA small project.\n" * 5,
    }
    for rel, text in files.items():
        p = d / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    subprocess.run(["git", "init", "-q", str(d)], check=True)
    subprocess.run(["git", "-C", str(d), "add", "-A"], check=True)
    return list(files)


def _cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def time_once(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """(wall, cpu user+sys, exit code) of one run; CPU time is less skewed by a loaded machine."""
    c0, t0 = _cpu(), time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0, _cpu() - c0, r.returncode


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    bindir = Path(sys.executable).parent
    tools = {
        "secretshift-hook": str(bindir / "secretshift-hook"),
        "detect-secrets-hook": shutil.which("detect-secrets-hook", path=str(bindir)) or "detect-secrets-hook",
    }
    with tempfile.TemporaryDirectory(prefix="ss-hook-bench-") as tmp:
        d = Path(tmp)
        files = make_files(d)
        times: dict[str, list[float]] = {k: [] for k in tools}
        cpus: dict[str, list[float]] = {k: [] for k in tools}
        codes: dict[str, set[int]] = {k: set() for k in tools}
        for name, exe in tools.items():  # warm the page cache once
            time_once([exe, *files], d)
        for _ in range(args.runs):
            for name, exe in tools.items():
                t, c, rc = time_once([exe, *files], d)
                times[name].append(t)
                cpus[name].append(c)
                codes[name].add(rc)
    print(f"hook latency, 5 staged small files, {args.runs} runs each, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cpus")
    for name in tools:
        ts = times[name]
        print(f"  {name:<22} median {statistics.median(ts) * 1000:7.1f} ms   best {min(ts) * 1000:7.1f} ms   "
              f"cpu median {statistics.median(cpus[name]) * 1000:7.1f} ms   exit codes {sorted(codes[name])}")
    ratio = statistics.median(times["secretshift-hook"]) / statistics.median(times["detect-secrets-hook"])
    cratio = statistics.median(cpus["secretshift-hook"]) / statistics.median(cpus["detect-secrets-hook"])
    print(f"  ratio secretshift / detect-secrets (median): wall {ratio:.2f}, cpu {cratio:.2f} (target <= 0.50)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
