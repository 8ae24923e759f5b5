"""Hook latency: `secretshift-hook` against its peers on the same 5 staged small files.

Usage: python bench/hook_latency.py [--runs N] [--editable]

Builds a throw-away git repository with five small files (one of them holding a fake credential
made at run time), stages them, and times each tool as a commit would run it, a fresh process
per run, rounds alternating the tools so that all see the same machine state:

* ``secretshift-hook FILES`` from a regular (wheel) install of this checkout (``--editable``: the
  development install instead, whose import hook costs a few ms more);
* ``detect-secrets-hook FILES``;
* ``git secrets --pre_commit_hook`` (Debian's git-secrets) with ~25 credential patterns;
* ``python3 -c pass`` with the interpreter and environment the hook runs in (the wheel install's
  venv; with ``--editable``, this interpreter): the floor no Python tool goes under.

One warm-up run of each first (page cache, rule cache). Reports median and best wall time and
median CPU time (user + system); the goal is secretshift-hook at most 60 ms median.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _bench import Runs, compiled_env, regular_install, run_once, tool  # noqa: E402
from history_speed import CREDENTIAL_PATTERNS, git_secrets_env  # noqa: E402

from secretshift.scanner.samples import expand  # noqa: E402


def make_files(d: Path) -> list[str]:
    import subprocess

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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument("--editable", action="store_true", help="time the development install, not a wheel")
    args = ap.parse_args()
    env = compiled_env()
    with tempfile.TemporaryDirectory(prefix="ss-hook-bench-") as tmp:
        d = Path(tmp) / "repo"
        files = make_files(d)
        hook = tool("secretshift-hook") if args.editable else str(regular_install(Path(tmp)) / "secretshift-hook")
        cmds: dict[str, tuple[list[str], dict[str, str]]] = {
            "secretshift-hook": ([hook, *files], env),
            "python3 -c pass": ([sys.executable if args.editable else str(Path(hook).with_name("python")), "-c", "pass"], env),
        }
        ds = tool("detect-secrets-hook")
        if ds:
            cmds["detect-secrets-hook"] = ([ds, *files], env)
        gs = tool("git-secrets")
        if gs:
            cmds["git secrets --pre_commit_hook"] = ([gs, "--pre_commit_hook"], {**env, **git_secrets_env(CREDENTIAL_PATTERNS)})
        runs = {k: Runs() for k in cmds}
        for name, (cmd, e) in cmds.items():  # warm-up: page cache, rule cache
            run_once(cmd, Runs(), d, e)
        for _ in range(args.runs):
            for name, (cmd, e) in cmds.items():
                run_once(cmd, runs[name], d, e)
        codes = {k: r.last.returncode if r.last else None for k, r in runs.items()}
    print(f"hook latency, 5 staged small files, {args.runs} runs each, python {sys.version.split()[0]}, "
          f"{os.cpu_count()} cpus, {'editable' if args.editable else 'wheel'} install")
    for name, r in runs.items():
        print(f"  {name:<30} median {r.wall * 1000:6.1f} ms   best {r.best * 1000:6.1f} ms   "
              f"cpu median {r.cpu * 1000:6.1f} ms   exit {codes[name]}")
    ss = runs["secretshift-hook"]
    for name, r in runs.items():
        if name != "secretshift-hook":
            print(f"  secretshift-hook / {name}: wall {ss.wall / r.wall:.2f}, cpu {ss.cpu / r.cpu:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
