"""Output that deploys: where the accessor module goes, boto3 in the project's declared dependencies,
the project's target Python, and Dockerfiles that would build an image without the accessor.

- **Placement.** A rewritten module inside a package (a folder with ``__init__.py``) imports the
  accessor from the top of that package (``from shop.secretshift_secrets import get_secret``, written
  to ``shop/secretshift_secrets.py``); a module outside any package (a script, a bot) gets it beside
  itself. ``accessor_module`` (configuration, ``--accessor-module``) forces one dotted module.
- **Dependencies.** ``boto3`` is added to requirements*.txt (production ones, not dev/test/docs),
  ``requirements.in``, ``[project] dependencies`` or Poetry's table in pyproject.toml, setup.cfg's
  ``install_requires`` and Pipfile's ``[packages]``; setup.py is only named (code, not data). A
  requirements file that includes (``-r``) another candidate gets it through that one, not twice.
- **Lock files.** A lock beside a declaration that gained the dependency (``uv.lock``, ``poetry.lock``,
  ``pdm.lock``, ``Pipfile.lock``, npm/yarn/pnpm/bun locks; a workspace's lock in a folder above) is named
  once, with the command that refreshes it (``stale_locks``).
- **Target Python.** requires-python, Poetry's ``python``, setup.cfg/setup.py ``python_requires``,
  runtime.txt, .python-version, Pipfile's ``python_version``, classifiers and ``FROM python:X.Y``:
  the oldest version any of them claims. Rewritten code needs 3.6 (f-strings); older is refused.
"""
from __future__ import annotations

import codecs
import fnmatch
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Iterable

from ..base.errors import SecretshiftError
from ..base.fileio import atomic_write_bytes

ACCESSOR_NAME = "secretshift_secrets"
MIN_PYTHON = (3, 6)  # the codemods write f-strings; the accessor template itself parses on 3.4
_KNOWN = [(2, 7)] + [(3, m) for m in range(0, 15)]


class TargetPythonError(SecretshiftError):
    """The project declares a Python older than the rewritten code needs."""


# --- placement ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Placement:
    module: str  # dotted name the rewritten file imports
    path: str  # file (relative to the root) that provides it


def _is_pkg(root: Path, d: PurePosixPath) -> bool:
    return str(d) not in ("", ".") and (root / d / "__init__.py").is_file()


_IMPORT = re.compile(r"^\s*(?:from\s+([A-Za-z_][\w.]*)\s+import|import\s+([A-Za-z_][\w.]*))", re.M)
_SKIP_DIRS = {".git", ".venv", "venv", "env", "node_modules", "site-packages", "__pycache__", ".tox", "build", "dist"}
_INDEX: dict[str, frozenset[str]] = {}


def _imported_names(root: Path) -> frozenset[str]:
    """Every dotted module name the project's Python files import (absolute imports), cached per root."""
    key = str(root.resolve())
    if key not in _INDEX:
        import os

        names: set[str] = set()
        for d, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if x not in _SKIP_DIRS and not x.startswith(".")]
            for fn in files:
                if fn.endswith(".py"):
                    for m in _IMPORT.finditer(_read(Path(d) / fn)):
                        names.add(m.group(1) or m.group(2))
        _INDEX[key] = frozenset(names)
    return _INDEX[key]


def _namespace_top(root: Path, d: PurePosixPath) -> int | None:
    """For a folder without ``__init__.py`` whose modules are imported by dotted name elsewhere
    (``from backend.models import User``: a PEP 420 namespace package), the index in ``d.parts`` of
    its top package; None when nothing imports it that way."""
    parts = d.parts
    names = _imported_names(root)
    for i in range(len(parts)):
        dotted = ".".join(parts[i:])
        if all(p.isidentifier() for p in parts[i:]) and any(n == dotted or n.startswith(dotted + ".") for n in names):
            return i
    return None


def accessor_for(root: Path, rel: str, configured: str | None = None) -> Placement:
    """Where the accessor of Python file ``rel`` lives and how it imports it."""
    if configured:
        return Placement(configured, "/".join(configured.split(".")) + ".py")
    d = PurePosixPath(rel).parent
    if not _is_pkg(root, d):
        i = _namespace_top(root, d) if str(d) not in ("", ".") else None
        if i is not None:
            top = PurePosixPath(*d.parts[: i + 1])
            return Placement(f"{d.parts[i]}.{ACCESSOR_NAME}", (top / f"{ACCESSOR_NAME}.py").as_posix())
        path = (d / f"{ACCESSOR_NAME}.py").as_posix()
        return Placement(ACCESSOR_NAME, path)
    top = d
    while _is_pkg(root, top.parent):
        top = top.parent
    if not all(p.isidentifier() for p in top.parts):
        return Placement(ACCESSOR_NAME, (d / f"{ACCESSOR_NAME}.py").as_posix())
    return Placement(f"{top.name}.{ACCESSOR_NAME}", (top / f"{ACCESSOR_NAME}.py").as_posix())


# --- dependencies -----------------------------------------------------------------------------------

_REQ_FILE = re.compile(r"^requirements(?:[-_.]?(?:prod|production|base|common|main|deploy|app|runtime))?\.(txt|in)$")
_DEV = re.compile(r"(?i)(dev|test|doc|lint|ci|local|extra|optional|type|mypy)")
_NAME = r"(?i)(?<![A-Za-z0-9_.-]){name}(?![A-Za-z0-9_-])"


def _requirement_files(root: Path) -> list[Path]:
    out = [p for p in sorted(root.glob("requirements*.*")) if _REQ_FILE.match(p.name)]
    sub = root / "requirements"
    if sub.is_dir():
        out += [p for p in sorted(sub.glob("*.txt")) + sorted(sub.glob("*.in"))
                if not _DEV.search(p.stem) and p.stem.lower() in ("base", "common", "prod", "production", "main",
                                                                  "requirements", "deploy", "app", "runtime")]
    # pip-tools: edit the .in, not its compiled .txt
    ins = {p.with_suffix("") for p in out if p.suffix == ".in"}
    return [p for p in out if not (p.suffix == ".txt" and p.with_suffix("") in ins)]


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF8, "utf-8"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))


def _encoding(data: bytes) -> tuple[str, bytes]:
    """(encoding, BOM) of a text file: a BOM says it (Windows editors save requirements.txt as UTF-16),
    else UTF-8."""
    for bom, enc in _BOMS:
        if data.startswith(bom):
            return enc, bom
    return "utf-8", b""


def _read(p: Path) -> str:
    try:
        data = p.read_bytes()
    except OSError:
        return ""
    enc, bom = _encoding(data)
    return data[len(bom):].decode(enc, "surrogateescape" if enc == "utf-8" else "replace")


def _write(p: Path, text: str) -> None:
    """Write ``text`` in the file's own encoding and BOM (UTF-8 for a new file)."""
    try:
        enc, bom = _encoding(p.read_bytes())
    except OSError:
        enc, bom = "utf-8", b""
    atomic_write_bytes(p, bom + text.encode(enc, "surrogateescape" if enc == "utf-8" else "strict"))


def _eol(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _declares(text: str, name: str) -> bool:
    return re.search(_NAME.format(name=re.escape(name)), text) is not None


@dataclass
class DependencyResult:
    added: list[str] = field(default_factory=list)  # files changed
    already: list[str] = field(default_factory=list)  # files that already declare it
    notes: list[str] = field(default_factory=list)  # what the user must do by hand


_DECLARATIONS = ("pyproject.toml", "Pipfile", "setup.cfg", "setup.py")


def _declares_here(d: Path) -> bool:
    return bool(_requirement_files(d)) or any((d / fn).is_file() for fn in _DECLARATIONS)


def project_dirs(root: Path, files: Iterable[str] = ()) -> list[Path]:
    """The folders whose declarations the code in ``files`` is installed with: for each file the nearest
    folder at or above it (up to ``root``) holding a requirements file, pyproject.toml, Pipfile,
    setup.cfg or setup.py (``backend/pyproject.toml`` of a repository whose root has none of its own);
    ``root`` for a file without one, and when ``files`` is empty."""
    out: set[Path] = set()
    for rel in files:
        d = (root / rel).parent
        while d != root and root in d.parents and not _declares_here(d):
            d = d.parent
        out.add(d if root in d.parents or d == root else root)
    return sorted(out) or [root]


def declare_dependency(root: Path, name: str = "boto3", dry_run: bool = False,
                       files: Iterable[str] = ()) -> DependencyResult:
    """Add ``name`` to every dependency declaration that lacks it, of the project(s) the rewritten
    ``files`` belong to (``project_dirs``; the repository root when none is given)."""
    res = DependencyResult()
    for d in project_dirs(root, files):
        _declare_in(root, d, name, dry_run, res)
    if not res.added and not res.already and not any("setup.py" in n for n in res.notes):
        res.notes.append(f"no dependency declaration found (requirements.txt, pyproject.toml, setup.cfg, Pipfile): "
                         f"install {name} where the rewritten code runs")
    return res


_INCLUDE = re.compile(r"^\s*(?:-r|--requirement)(?:\s*=\s*|\s+|(?=\S))(\S+)", re.M)


def _includes(p: Path) -> set[Path]:
    """The requirement files ``p`` includes with ``-r`` (``--requirement``), transitively (paths relative
    to the including file, as pip reads them)."""
    seen: set[Path] = set()
    todo = [p]
    while todo:
        cur = todo.pop()
        for m in _INCLUDE.finditer(_read(cur)):
            q = (cur.parent / m.group(1)).resolve()
            if q not in seen and q.is_file():
                seen.add(q)
                todo.append(q)
    return seen


def _install_files(d: Path) -> list[Path]:
    """The requirement files of ``d`` to declare a dependency in: a file that includes (``-r``) another
    of them gets it through that one (``requirements.txt`` with ``-r requirements/prod.txt``: prod.txt only)."""
    files = _requirement_files(d)
    resolved = {p.resolve() for p in files}
    return [p for p in files if not (_includes(p) - {p.resolve()}) & resolved]


def _declare_in(root: Path, d: Path, name: str, dry_run: bool, res: DependencyResult) -> None:
    for p in _install_files(d):
        text = _read(p)
        rel = p.relative_to(root).as_posix()
        if _declares(text, name):
            res.already.append(rel)
            continue
        if not dry_run:
            eol = _eol(text)
            _write(p, text + ("" if not text or text.endswith(("\n", "\r")) else eol) + name + eol)
        res.added.append(rel)
        if p.suffix == ".in":
            res.notes.append(f"{rel}: recompile it (pip-compile {rel}) so the pinned file gets {name}")
        elif re.search(r"(?m)--hash[=\s]", text):
            res.notes.append(f"{rel} pins every package with --hash: {name} was added without one, which pip's "
                             f"hash-checking mode refuses: regenerate it with hashes (its lock tool's export, or "
                             f"pip-compile --generate-hashes)")
    for fn, how in (("pyproject.toml", _pyproject), ("Pipfile", _pipfile), ("setup.cfg", _setup_cfg)):
        p = d / fn
        if not p.is_file():
            continue
        rel = p.relative_to(root).as_posix()
        text = _read(p)
        new = how(text, name)
        if new is None:
            continue
        if new == text:
            res.already.append(rel)
            continue
        if not dry_run:
            _write(p, new)
        res.added.append(rel)
    setup_py = d / "setup.py"
    if setup_py.is_file() and "install_requires" in _read(setup_py) and not _declares(_read(setup_py), name):
        rel = setup_py.relative_to(root).as_posix()
        res.notes.append(f"{rel}: add '{name}' to install_requires (secretshift does not edit setup.py)")


def _pyproject(text: str, name: str) -> str | None:
    """Text with ``name`` added to PEP 621 or Poetry dependencies; the text itself when already there;
    None when the file declares no dependency list."""
    import tomlkit

    try:
        doc = tomlkit.parse(text)
    except Exception:  # noqa: BLE001 - tomlkit raises several error types on bad TOML
        return None
    project = doc.get("project")
    poetry = doc.get("tool", {}).get("poetry") if isinstance(doc.get("tool"), dict) else None
    if isinstance(project, dict) and isinstance(project.get("dependencies"), list):
        deps = project["dependencies"]
        if any(re.match(rf"(?i){re.escape(name)}\b(?![-_])", str(d)) for d in deps):
            return text
        deps.append(name)
        return tomlkit.dumps(doc)
    if isinstance(poetry, dict) and isinstance(poetry.get("dependencies"), dict):
        deps = poetry["dependencies"]
        if any(str(k).lower() == name for k in deps):
            return text
        deps[name] = "*"
        return tomlkit.dumps(doc)
    return None


def _pipfile(text: str, name: str) -> str | None:
    import tomlkit

    try:
        doc = tomlkit.parse(text)
    except Exception:  # noqa: BLE001
        return None
    pk = doc.get("packages")
    if pk is None:
        return None
    if any(str(k).lower() == name for k in pk):
        return text
    pk[name] = "*"
    return tomlkit.dumps(doc)


def _setup_cfg(text: str, name: str) -> str | None:
    """setup.cfg's ``[options] install_requires`` (a dangling list): a line added after its last item."""
    lines = text.splitlines(keepends=True)
    section = None
    for i, ln in enumerate(lines):
        m = re.match(r"^\s*\[([^\]]+)\]", ln)
        if m:
            section = m.group(1).strip()
            continue
        if section == "options" and re.match(r"^install_requires\s*[=:]", ln):
            j = i + 1
            while j < len(lines) and (lines[j].startswith((" ", "\t")) or not lines[j].strip()) \
                    and not re.match(r"^\s*\[", lines[j]):
                j += 1
            while j > i + 1 and not lines[j - 1].strip():
                j -= 1
            block = "".join(lines[i:j])
            if _declares(block.split("=", 1)[-1], name):
                return text
            eol = _eol(text)
            indent = re.match(r"^(\s+)", lines[i + 1]).group(1) if j > i + 1 else "    "
            first = block.split("=", 1)[-1].strip()
            if j == i + 1 and first:  # "install_requires = a" on one line
                lines[i] = lines[i].rstrip("\r\n") + eol
            lines.insert(j, f"{indent}{name}{eol}")
            return "".join(lines)
    return None


# --- target Python ------------------------------------------------------------------------------------

def _min_of_spec(spec: str) -> tuple[int, int] | None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    spec = spec.strip().strip("\"'")
    m = re.match(r"^\^\s*(\d+)\.(\d+)", spec) or re.match(r"^~=?\s*(\d+)\.(\d+)", spec)
    if m:  # Poetry's caret and tilde
        return int(m.group(1)), int(m.group(2))
    if re.match(r"^\d+(\.\d+)?(\.\*)?$", spec):
        spec = "==" + spec if "*" in spec else ">=" + spec
    try:
        ss = SpecifierSet(spec)
    except InvalidSpecifier:
        return None
    for v in _KNOWN:
        if ss.contains(f"{v[0]}.{v[1]}", prereleases=True) or ss.contains(f"{v[0]}.{v[1]}.99", prereleases=True):
            return v
    return None


def target_python(root: Path, files: Iterable[str] = ()) -> tuple[tuple[int, int] | None, str]:
    """(oldest Python version the project claims, where it says so) or (None, ""): the repository root's
    declarations and those of the project folders of ``files`` (``project_dirs``)."""
    found: list[tuple[tuple[int, int], str]] = []
    for d in sorted({root, *project_dirs(root, files)}):
        v, where = _target_in(d)
        if v is not None:
            rel = d.relative_to(root).as_posix()
            found.append((v, where if rel == "." else f"{rel}/{where}"))
    return min(found) if found else (None, "")


def _target_in(root: Path) -> tuple[tuple[int, int] | None, str]:
    found: list[tuple[tuple[int, int], str]] = []

    def add(v: tuple[int, int] | None, where: str) -> None:
        if v:
            found.append((v, where))

    py = _read(root / "pyproject.toml")
    if py:
        try:
            import tomlkit

            doc = tomlkit.parse(py).unwrap()
        except Exception:  # noqa: BLE001
            doc = {}
        proj = doc.get("project") or {}
        if proj.get("requires-python"):
            add(_min_of_spec(str(proj["requires-python"])), "pyproject.toml requires-python")
        poetry_py = ((doc.get("tool") or {}).get("poetry") or {}).get("dependencies", {}).get("python")
        if isinstance(poetry_py, str):
            add(_min_of_spec(poetry_py.split("||")[0].split(",")[0]), "pyproject.toml tool.poetry python")
        add(_classifiers(" ".join(map(str, proj.get("classifiers") or []))), "pyproject.toml classifiers")
    for fn in ("setup.cfg", "setup.py"):
        t = _read(root / fn)
        m = re.search(r"python_requires\s*[=:]\s*['\"]?([^'\"\n]+)", t)
        if m:
            add(_min_of_spec(m.group(1)), f"{fn} python_requires")
        add(_classifiers(t), f"{fn} classifiers")
    m = re.search(r"python-(\d+)\.(\d+)", _read(root / "runtime.txt"))
    if m:
        add((int(m.group(1)), int(m.group(2))), "runtime.txt")
    m = re.match(r"\s*(?:python-|cpython-)?(\d+)\.(\d+)", _read(root / ".python-version"))
    if m:
        add((int(m.group(1)), int(m.group(2))), ".python-version")
    m = re.search(r"python_(?:full_)?version\s*=\s*['\"](\d+)\.(\d+)", _read(root / "Pipfile"))
    if m:
        add((int(m.group(1)), int(m.group(2))), "Pipfile python_version")
    for df in dockerfiles(root):
        for m in re.finditer(r"(?im)^\s*FROM\s+(?:--platform=\S+\s+)?(?:\S+/)?python:(\d+)\.(\d+)", _read(root / df)):
            add((int(m.group(1)), int(m.group(2))), f"{df} FROM python:{m.group(1)}.{m.group(2)}")
    if not found:
        return None, ""
    v, where = min(found)
    return v, where


def _classifiers(text: str) -> tuple[int, int] | None:
    vs = [(int(a), int(b)) for a, b in re.findall(r"Programming Language :: Python :: (\d+)\.(\d+)", text)]
    return min(vs) if vs else None


def parse_version(text: str) -> tuple[int, int]:
    m = re.match(r"^(\d+)\.(\d+)$", text.strip())
    if not m:
        raise SecretshiftError(f"--target-python must look like 3.8, got {text!r}")
    return int(m.group(1)), int(m.group(2))


def check_target(root: Path, override: str | None, files: Iterable[str] = ()) -> tuple[int, int] | None:
    """The Python version rewritten code must parse on (None: this interpreter's).

    :raises TargetPythonError: the project claims a Python older than ``MIN_PYTHON``."""
    if override:
        v = parse_version(override)
        where = "--target-python"
    else:
        v, where = target_python(root, files)
    if v is not None and v < MIN_PYTHON:
        raise TargetPythonError(
            f"the project declares Python {v[0]}.{v[1]} ({where}); the rewritten code and its accessor need "
            f"Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer: nothing was created or rewritten (raise the "
            f"project's minimum, or pass --target-python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} if that is wrong)")
    return v


# --- Dockerfiles ----------------------------------------------------------------------------------------

def dockerfiles(root: Path) -> list[str]:
    out = []
    for p in list(root.glob("Dockerfile*")) + list(root.glob("*.Dockerfile")) + list(root.glob("*/Dockerfile*")) \
            + list(root.glob("*/*/Dockerfile*")):
        if p.is_file() and ".git" not in p.parts and "node_modules" not in p.parts:
            out.append(p.relative_to(root).as_posix())
    return sorted(set(out))


def _copy_sources(text: str) -> list[tuple[list[str], str]]:
    """(sources, destination) of COPY/ADD instructions that copy from the build context (not ``--from``)."""
    out = []
    joined = re.sub(r"\\\r?\n", " ", text)
    for ln in joined.splitlines():
        m = re.match(r"(?i)^\s*(COPY|ADD)\s+(.*)$", ln)
        if not m:
            continue
        rest = m.group(2).strip()
        if rest.startswith("["):
            import json

            try:
                args = [str(a) for a in json.loads(rest)]
            except ValueError:
                continue
        else:
            try:
                args = shlex.split(rest)
            except ValueError:
                continue
        if any(a.startswith("--from") for a in args):
            continue
        args = [a for a in args if not a.startswith("--")]
        if len(args) >= 2:
            out.append((args[:-1], args[-1]))
    return out


def _covers(src: str, path: str) -> bool:
    s = src.strip().lstrip("./") if src.strip() not in (".", "./") else ""
    if s == "" or s == "*":
        return True
    s = s.rstrip("/")
    return path == s or path.startswith(s + "/") or fnmatch.fnmatch(path, s) \
        or any(fnmatch.fnmatch("/".join(path.split("/")[:i]), s) for i in range(1, path.count("/") + 1))


def dockerfile_warnings(root: Path, importers: dict[str, list[str]]) -> list[str]:
    """``importers``: accessor file -> the rewritten files importing it. A warning per Dockerfile that
    copies some of those files into the image but not the accessor."""
    warns = []
    for df in dockerfiles(root):
        ctx = PurePosixPath(df).parent
        copies = _copy_sources(_read(root / df))
        if not copies:
            continue

        def inside(rel: str) -> str | None:
            try:
                return PurePosixPath(rel).relative_to(ctx).as_posix() if str(ctx) != "." else rel
            except ValueError:
                return None

        def copier(rel: str) -> str | None:
            """The destination of the first instruction copying ``rel``."""
            r = inside(rel)
            return next((dest for srcs, dest in copies if r is not None and any(_covers(s, r) for s in srcs)), None)

        for acc, files in sorted(importers.items()):
            if copier(acc) is not None or inside(acc) is None:
                continue
            users = [f for f in files if copier(f) is not None]
            if users:
                warns.append(f"{df} copies {users[0]}{' and others' if len(users) > 1 else ''} into the image but "
                             f"not {acc}, which it now imports: add 'COPY {inside(acc)} {copier(users[0])}' "
                             f"(or copy the whole folder)")
    return warns


def declares_now(p: Path, name: str) -> bool:
    """Whether the declaration file ``p`` declares ``name`` (a requirements file through its ``-r``
    includes too; pyproject.toml's PEP 621 or Poetry list, Pipfile's packages, setup.cfg's
    install_requires; setup.py's text)."""
    text = _read(p)
    if p.name in ("pyproject.toml", "Pipfile", "setup.cfg"):
        how = {"pyproject.toml": _pyproject, "Pipfile": _pipfile, "setup.cfg": _setup_cfg}[p.name]
        return how(text, name) == text
    if p.name == "setup.py":
        return _declares(text, name)
    return any(_declares(_read(q), name) for q in {p, *_includes(p)})


def dockerfile_install_warnings(root: Path, requirement: str, files: Iterable[str] = ()) -> list[str]:
    """At most one warning per Dockerfile none of whose install steps can bring ``requirement``
    (``images.install_warning``): of the Dockerfiles whose folder holds some of the rewritten ``files``
    (all of them when none are given)."""
    from .images import install_warning

    files = list(files)
    out = []
    for df in dockerfiles(root):
        ctx = PurePosixPath(df).parent
        if files and str(ctx) != "." and not any(ctx in PurePosixPath(f).parents for f in files):
            continue
        w = install_warning(root, df, requirement, lambda p: declares_now(p, requirement))
        if w:
            out.append(w)
    return out


# --- lock files -----------------------------------------------------------------------------------------

# declaration -> (lock file, the command that refreshes it, a locked install that would leave a new
# dependency out, whether the lock may sit in a folder above: a workspace's one lock)
LOCKS = {
    "pyproject.toml": (("uv.lock", "uv lock", "uv sync --frozen", True),
                       ("poetry.lock", "poetry lock --no-update", "poetry install", False),
                       ("pdm.lock", "pdm lock", "pdm sync", False)),
    "Pipfile": (("Pipfile.lock", "pipenv lock", "pipenv install --deploy", False),),
    "package.json": (("package-lock.json", "npm install", "npm ci", True),
                     ("npm-shrinkwrap.json", "npm install", "npm ci", True),
                     ("yarn.lock", "yarn install", "yarn install --frozen-lockfile", True),
                     ("pnpm-lock.yaml", "pnpm install", "pnpm install --frozen-lockfile", True),
                     ("bun.lock", "bun install", "bun install --frozen-lockfile", True),
                     ("bun.lockb", "bun install", "bun install --frozen-lockfile", True)),
}


def lock_files(root: Path, rel: str) -> list[tuple[str, str, str]]:
    """(lock file, refresh command, locked install) of declaration file ``rel``: the locks beside it,
    else a workspace's lock in the nearest folder above that holds one (uv, npm, yarn, pnpm, bun)."""
    kinds = LOCKS.get(PurePosixPath(rel).name, ())
    d = (root / rel).parent
    beside = True
    while True:
        found = [((d / lock).relative_to(root).as_posix(), cmd, frozen) for lock, cmd, frozen, upward in kinds
                 if (beside or upward) and (d / lock).is_file()]
        if found or d == root or root not in d.parents:
            return found
        d, beside = d.parent, False


def stale_locks(root: Path, declared: dict[str, str], added: Iterable[str] = ()) -> list[str]:
    """A line per lock file to refresh: ``declared`` (declaration file -> the dependency it got from
    secretshift); a lock beside a file in ``added`` (changed by this run) is stale, another one when its
    text lacks the dependency. Names files, commands and packages only."""
    added = set(added)
    by_lock: dict[str, tuple[str, str, list[str], str]] = {}
    for rel, name in sorted(declared.items()):
        if not (root / rel).is_file():
            continue
        for lock, cmd, frozen in lock_files(root, rel):
            if rel not in added and (lock.endswith(".lockb") or _declares(_read(root / lock), name)):
                continue
            by_lock.setdefault(lock, (cmd, frozen, [], name))[2].append(rel)
    out = []
    for lock, (cmd, frozen, rels, name) in sorted(by_lock.items()):
        folder = PurePosixPath(lock).parent
        where = "" if str(folder) == "." else f"cd {folder} && "
        out.append(f"refresh {lock} ({where}{cmd}): {', '.join(rels)} now declare{'s' if len(rels) == 1 else ''} "
                   f"{name} and the lock predates it; a locked install ({frozen}) would leave it out")
    return out
