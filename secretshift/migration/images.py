"""What a Dockerfile's RUN steps do with the rewritten code: whether some install step brings the
dependency the rewritten code imports (boto3).

- **Installs.** ``pip install -r FILE`` / ``pip wheel -r FILE`` (a requirements file of the build
  context with its ``-r`` includes), ``pip install .`` / ``uv sync`` / ``poetry install`` / ``pdm
  install`` (the context's pyproject.toml, setup.cfg or setup.py), ``pipenv install`` (its Pipfile) bring
  the dependency when that declaration now declares it; wheels installed from a folder (``pip install
  /wheels/*``) bring what the ``pip wheel`` steps built, and so does a file the context does not hold
  (it cannot be read: no claim). Installs of tools only (``pip install --upgrade pip``, ``flake8==6.0.0``)
  are not the application's. A Dockerfile none of whose installs can bring it gets one warning.
"""
from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable

TOOLS = frozenset({
    "pip", "setuptools", "wheel", "uv", "poetry", "poetry-core", "pipenv", "pdm", "hatch", "hatchling",
    "virtualenv", "pip-tools", "pipx", "build", "twine", "flit", "cython", "flake8", "black", "isort", "ruff",
    "mypy", "pylint", "pytest", "coverage", "tox", "nox", "pre-commit", "bandit", "autopep8", "yapf"})
# pip options that take a value (the next word, or after "=")
_VALUED = frozenset({
    "-c", "--constraint", "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-t", "--target",
    "--prefix", "--root", "-w", "--wheel-dir", "--no-binary", "--only-binary", "--platform", "--python-version",
    "--implementation", "--abi", "--upgrade-strategy", "--progress-bar", "--trusted-host", "--cache-dir", "--src",
    "--config-settings", "-C", "--global-option", "--build-option", "--log", "--timeout", "--retries", "--proxy",
    "--cert", "--client-cert", "--exists-action", "--root-user-action", "--report", "--python", "-p",
    "--extra", "--group", "--only-group", "--with", "--without", "--only", "-E", "--extras", "--package",
    "--directory", "--project", "--index", "--default-index"})
_PIP = re.compile(r"^(?:.*/)?pip(?:3(?:\.\d+)?)?$")
_PYTHON = re.compile(r"^(?:.*/)?python(?:\d(?:\.\d+)?)?$")
_ASSIGN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
_WRAPPERS = {"sudo", "exec", "env", "time", "nice", "nohup"}
_RUNNERS = {"uv", "poetry", "pipenv", "pdm", "hatch"}  # `X run CMD`


@dataclass(frozen=True)
class Step:
    line: int  # of the RUN instruction
    words: tuple[str, ...]  # one command of it (split at &&, ||, ;, |), assignments and wrappers dropped


def run_steps(text: str) -> list[Step]:
    """Every command of every RUN instruction (shell form and exec form), with the instruction's line."""
    out: list[Step] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        start = i
        ln = lines[i]
        body = ln
        while body.rstrip().endswith("\\") and i + 1 < len(lines):
            i += 1
            nxt = lines[i]
            body = body.rstrip()[:-1] + " " + ("" if nxt.lstrip().startswith("#") else nxt)
        i += 1
        m = re.match(r"(?i)^\s*RUN\s+(.*)$", body)
        if not m:
            continue
        cmd = m.group(1).strip()
        while cmd.startswith("--"):  # RUN --mount=... --network=...
            cmd = cmd.split(None, 1)[1] if " " in cmd else ""
        if cmd.startswith("["):
            import json

            try:
                words = [str(w) for w in json.loads(cmd)]
            except ValueError:
                continue
            if len(words) >= 3 and words[0].endswith("sh") and words[1] == "-c":
                cmd = words[2]
            else:
                out.append(Step(start + 1, _command(words)))
                continue
        for words in _commands(cmd):
            words = list(_command(words))
            if words:
                out.append(Step(start + 1, tuple(words)))
    return out


_SEPARATORS = {"&&", "||", ";", "|", "&", ";;", "|&"}
_REDIRECTS = re.compile(r"^(?:\d*[<>]+&?|&>>?)$")


def _commands(cmd: str) -> list[list[str]]:
    """A shell command line's simple commands (quotes respected), redirections dropped."""
    lex = shlex.shlex(cmd, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    lex.commenters = "#"
    try:
        tokens = list(lex)
    except ValueError:
        tokens = cmd.split()
    out: list[list[str]] = [[]]
    skip = False
    for tok in tokens:
        if skip:
            skip = False
            continue
        if tok in _SEPARATORS:
            out.append([])
        elif _REDIRECTS.match(tok):
            skip = True
            if out[-1] and out[-1][-1].isdigit():
                out[-1].pop()
        else:
            out[-1].append(tok)
    return [c for c in out if c]


def _command(words: list[str]) -> tuple[str, ...]:
    w = [x for x in words if x not in ("(", ")", "{", "}")]
    while w and (_ASSIGN.match(w[0]) or w[0] in _WRAPPERS):
        w = w[1:]
    if len(w) >= 2 and w[0] in _RUNNERS and w[1] == "run":
        w = w[2:]
        while w and w[0].startswith("-"):
            w = w[1:]
    return tuple(w)


# --- installs -----------------------------------------------------------------------------------------

@dataclass
class Installs:
    files: list[str] = field(default_factory=list)  # requirement files (as written in the Dockerfile)
    project: list[str] = field(default_factory=list)  # "pip install .", "uv sync", "poetry install" ...
    pipfile: bool = False
    wheels: bool = False  # installs built wheels (a folder, *.whl)
    built_wheels: list[str] = field(default_factory=list)  # requirement files `pip wheel -r` built
    names: list[str] = field(default_factory=list)  # packages installed by name (tools included)
    unknown: bool = False  # an argument only the build knows ($PACKAGES): no claim


def _args(words: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """(requirement files, other arguments) of a pip-like install command's words."""
    files, rest = [], []
    it = iter(range(len(words)))
    skip = False
    for i in it:
        w = words[i]
        if skip:
            skip = False
            continue
        if w in ("-r", "--requirement"):
            if i + 1 < len(words):
                files.append(words[i + 1])
            skip = True
        elif w.startswith("--requirement="):
            files.append(w.split("=", 1)[1])
        elif w.startswith("-r") and len(w) > 2 and not w.startswith("--"):
            files.append(w[2:])
        elif w in ("-e", "--editable"):
            if i + 1 < len(words):
                rest.append(words[i + 1])
            skip = True
        elif w in _VALUED:
            skip = True
        elif w.startswith("-"):
            continue
        else:
            rest.append(w)
    return files, rest


def _is_path(arg: str) -> bool:
    return arg in (".", "./") or arg.startswith((".", "/", "~", "$")) or "/" in arg or \
        arg.endswith((".whl", ".tar.gz", ".zip")) or "*" in arg


def installs(steps: Iterable[Step]) -> Installs:
    res = Installs()
    for s in steps:
        w = s.words
        if not w:
            continue
        if _PYTHON.match(w[0]) and len(w) >= 3 and w[1] == "-m" and w[2] == "pip":
            w = ("pip",) + w[3:]
        elif w[0] == "uv" and len(w) >= 2 and w[1] == "pip":
            w = ("pip",) + w[2:]
        head = w[0]
        sub = w[1] if len(w) > 1 else ""
        if _PIP.match(head) and sub in ("install", "wheel", "sync"):
            files, rest = _args(w[2:])
            if sub == "sync":  # uv pip sync FILE
                files, rest = files + [r for r in rest if not _is_path(r) or r.endswith((".txt", ".in"))], []
            if sub == "wheel":
                res.built_wheels += files
                continue
            res.files += files
            for r in rest:
                if "$" in r or "`" in r:
                    res.unknown = True
                    continue
                base = r.split("[", 1)[0]
                if base in (".", "./") or (_is_path(r) and not r.endswith((".whl", ".tar.gz", ".zip"))
                                           and "*" not in r and not r.startswith("$")):
                    res.project.append(r)
                elif _is_path(r):
                    res.wheels = True
                else:
                    res.names.append(r)
        elif head == "uv" and sub == "sync" or head in ("poetry", "pdm") and sub in ("install", "sync"):
            res.project.append(f"{head} {sub}")
        elif head == "pipenv" and sub in ("install", "sync"):
            res.pipfile = True
    return res


def _name_of(spec: str) -> str:
    return re.split(r"[\[<>=!~;@ ]", spec.strip().strip("\"'"), maxsplit=1)[0].lower().replace("_", "-")


def install_warning(root: Path, df: str, requirement: str, declares) -> str | None:  # type: ignore[no-untyped-def]
    """The one warning for Dockerfile ``df`` when none of its installs can bring ``requirement``, else
    None. ``declares(path) -> bool | None``: whether a declaration file of the project declares it now
    (None: not a declaration it knows)."""
    from .deploy import _read

    ctx = root / PurePosixPath(df).parent
    inst = installs(run_steps(_read(root / df)))
    want = requirement.lower().replace("_", "-")
    if inst.unknown or any(_name_of(n) == want for n in inst.names):
        return None
    missing: list[str] = []

    def file_covers(written: str) -> bool:
        found = _in_context(ctx, written)
        if not found:
            return True  # not in the build context (made in the image): no claim
        if any(declares(p) for p in found):
            return True
        missing.append(written)
        return False

    if any(file_covers(f) for f in inst.files):
        return None
    if inst.wheels and (not inst.built_wheels or any(file_covers(f) for f in inst.built_wheels)):
        return None
    if inst.project:
        decls = [ctx / n for n in ("pyproject.toml", "setup.cfg", "setup.py") if (ctx / n).is_file()]
        if not decls or any(declares(p) for p in decls):
            return None
        missing.append(inst.project[0])
    if inst.pipfile:
        if not (ctx / "Pipfile").is_file() or declares(ctx / "Pipfile"):
            return None
        missing.append("pipenv install")
    app = [n for n in inst.names if _name_of(n) not in TOOLS]
    if app:
        return (f"{df} installs {' '.join(app[:3])}{' ...' if len(app) > 3 else ''} by name but not {requirement}, "
                f"which the rewritten code imports: add it to that pip install")
    if missing:
        return (f"{df} installs from {', '.join(dict.fromkeys(missing))}, which does not declare {requirement}, "
                f"which the rewritten code imports: declare it there (or recompile it)")
    return None


def _in_context(ctx: Path, written: str) -> list[Path]:
    """The files of the build context ``ctx`` a path written in a Dockerfile (an image path, after a
    COPY) can be: those whose path ends with it, else those with its name."""
    w = written.strip().strip("\"'")
    if not w or "$" in w:
        return []
    tail = posixpath.normpath(w).lstrip("/")
    parts = PurePosixPath(tail).parts
    for n in range(len(parts), 0, -1):
        p = ctx.joinpath(*parts[-n:])
        if p.is_file():
            return [p]
    return [p for p in ctx.rglob(parts[-1]) if p.is_file() and ".git" not in p.parts
            and "node_modules" not in p.parts][:5] if parts else []
