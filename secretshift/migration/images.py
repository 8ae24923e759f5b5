"""What a Dockerfile's RUN steps do with the rewritten code: whether some install step brings the
dependency the rewritten code imports (boto3), and whether a step imports the application while the
image is built (``manage.py migrate``, ``flask db upgrade``, ``python -c "import app"``), where no AWS
credentials exist and a module that reads a secret when imported fails the build.

- **Installs.** ``pip install -r FILE`` / ``pip wheel -r FILE`` (a requirements file of the build
  context with its ``-r`` includes), ``pip install .`` / ``uv sync`` / ``poetry install`` / ``pdm
  install`` (the context's pyproject.toml, setup.cfg or setup.py), ``pipenv install`` (its Pipfile) bring
  the dependency when that declaration now declares it; wheels installed from a folder (``pip install
  /wheels/*``) bring what the ``pip wheel`` steps built. A file the context does not hold, a URL, a VCS
  link or a variable (``$PACKAGES``) may bring anything: no claim (and never quoted: a URL may hold a
  token). Installs of tools only (``pip install --upgrade pip``, ``flake8==6.0.0``) are not the
  application's. A Dockerfile none of whose installs can bring it gets one warning.
- **Build-time imports.** A rewritten module reads secrets at import time when a call of the accessor
  runs outside any function body (module level, class bodies, default arguments, decorators). A RUN
  step naming ``manage.py`` (of a folder holding such a module), ``flask``/``django-admin`` (a context
  holding one), or ``python -c``/``-m``/a script importing such a module is named, with its line.
  Nothing of the RUN line is quoted beyond the command's words (no ``NAME=value`` assignment).
"""
from __future__ import annotations

import ast
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
    files: list[str] = []
    rest: list[str] = []
    skip = False
    for i, w in enumerate(words):
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


def _opaque(arg: str) -> bool:
    return any(c in arg for c in ("$", "`", "://", "@")) or arg.startswith(("git+", "hg+", "svn+", "bzr+"))


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
            if any(_opaque(f) for f in files):
                res.unknown = True
            for r in rest:
                if _opaque(r):  # a URL, a VCS link, a variable: it may bring anything (and may hold a token)
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


# --- build-time imports -----------------------------------------------------------------------------------

def reads_at_import(text: str, names: Iterable[str]) -> bool:
    """Whether module source ``text`` calls one of ``names`` (the accessor's functions, or
    ``name.attr`` calls on them) outside a function body: when it is imported."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    names = set(names)

    def calls(node: ast.AST) -> bool:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return any(calls(d) for d in node.decorator_list) or any(
                calls(d) for d in node.args.defaults + [k for k in node.args.kw_defaults if k is not None])
        if isinstance(node, ast.Lambda):
            return any(calls(d) for d in node.args.defaults)
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in names:
                return True
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in names:
                return True
        return any(calls(c) for c in ast.iter_child_nodes(node))
    try:
        return calls(tree)
    except RecursionError:  # a generated module nested too deep to walk: no claim
        return False


def _imports_of(code: str) -> set[str]:
    return {m.group(1) or m.group(2) for m in
            re.finditer(r"(?:^|[;\s])(?:from\s+([A-Za-z_]\w*)[\w.]*\s+import|import\s+([A-Za-z_]\w*))", code)}


def _python_use(w: tuple[str, ...]) -> tuple[str, str] | None:
    """("c", code) | ("m", module) | ("script", path) of a python command's words."""
    i = 1
    while i < len(w):
        a = w[i]
        if a in ("-c", "-m") and i + 1 < len(w):
            return a[1], w[i + 1]
        if a in ("-W", "-X"):
            i += 2
            continue
        if a.startswith("-"):
            i += 1
            continue
        return "script", a
    return None


_DJANGO_SAFE = {"startproject", "startapp", "help", "version", "--version", "--help", "-h"}
_FLASK_SAFE = {"--version", "--help", "-h"}


def build_import_warnings(root: Path, importing: list[str]) -> list[str]:
    """Dockerfile RUN steps that import the application while the image is built, ``importing``: the
    rewritten files (relative to ``root``) that read a secret at import time."""
    from .deploy import _read, dockerfiles

    out = []
    for df in dockerfiles(root):
        ctx = PurePosixPath(df).parent
        inside = []
        for rel in importing:
            try:
                inside.append(PurePosixPath(rel).relative_to(ctx) if str(ctx) != "." else PurePosixPath(rel))
            except ValueError:
                continue
        if not inside:
            continue
        for step in run_steps(_read(root / df)):
            hit = _imports_app(root / ctx, step.words, inside)
            if hit is not None:
                what, module = hit
                out.append(f"{df}:{step.line}: RUN {what} imports the application while the image is built, and "
                           f"{(ctx / module).as_posix() if str(ctx) != '.' else module.as_posix()} now reads "
                           f"secrets from Secrets Manager when imported, without AWS credentials at build time: "
                           f"docker build would fail there; run it when the container starts (entrypoint or "
                           f"command) instead")
    return out


def _imports_app(ctx: Path, w: tuple[str, ...], inside: list[PurePosixPath]):  # type: ignore[no-untyped-def]
    """(the command's words to name, the rewritten module it imports) or None."""
    if not w:
        return None
    head = PurePosixPath(w[0]).name
    use = _python_use(w) if _PYTHON.match(w[0]) else None
    if head == "manage.py" or (use is not None and use[0] == "script" and PurePosixPath(use[1]).name == "manage.py"):
        script = w[0] if head == "manage.py" else use[1]
        at = w.index(script)
        sub = next((x for x in w[at + 1:] if not x.startswith("-")), "")
        sub = sub if re.fullmatch(r"[a-z_][a-z0-9_]*", sub) else ""  # a command's name, never another word
        if sub in _DJANGO_SAFE:
            return None
        for mp in _in_context(ctx, script):
            folder = PurePosixPath(mp.relative_to(ctx).as_posix()).parent
            under = [m for m in inside if str(folder) == "." or folder in m.parents]
            # manage.py loads the settings first: name them when they are among the rewritten modules
            mod = next((m for m in under if m.name == "settings.py" or "settings" in m.parts[:-1]),
                       under[0] if under else None)
            if mod is not None:
                return " ".join(x for x in w[: at + 1] if not x.startswith("-")) + (f" {sub}" if sub else ""), mod
        return None
    if head in ("flask", "django-admin") and len(w) > 1:
        if w[1] in (_FLASK_SAFE if head == "flask" else _DJANGO_SAFE):
            return None
        # the command's name only (`flask db upgrade`): a later word may be a value (`create-admin PASSWORD`)
        words = w[:3] if head == "flask" and w[1] == "db" and len(w) > 2 and w[2].isidentifier() else w[:2]
        return " ".join(words), inside[0]
    if use is None:
        return None
    kind, arg = use
    if kind == "c":
        tops, shown = _imports_of(arg), f"{w[0]} -c ..."
    elif kind == "m":
        tops, shown = {arg.split(".")[0]}, f"{w[0]} -m {arg}"
    else:
        shown = f"{w[0]} {arg}"
        scripts = _in_context(ctx, arg) if arg.endswith(".py") else []
        rels = {PurePosixPath(p.relative_to(ctx).as_posix()) for p in scripts}
        own = next((m for m in inside if m in rels), None)
        if own is not None:
            return shown, own
        from .deploy import _read

        tops = set().union(*(_imports_of(_read(p)) for p in scripts)) if scripts else set()
    for m in inside:
        if any(t in m.parts[:-1] or m.parts[-1] == f"{t}.py" for t in tops):
            return shown, m
    return None
