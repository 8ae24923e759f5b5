"""File discovery and reading: which files to scan, as what language, and which to skip (and why).

Inside a git work tree the default set is what git tracks plus untracked files it does not ignore;
``all_files=True`` walks the file system instead (ignored files included). Symlinks are never
followed (no loops, no scanning a file twice). Every skip is counted by reason.
"""
from __future__ import annotations

import errno
import fnmatch
import os
import re
import stat

from secretshift.base.lazyre import lazy_re  # module-level regexes compile on first use
from secretshift.base.record import dataclass  # not dataclasses: see secretshift/base/record.py
from functools import lru_cache
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Iterator

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MINIFIED_MIN_BYTES = 200_000  # a file this large with very long lines is minified/generated

LANG_BY_EXT = {
    ".py": "python", ".pyw": "python", ".pyi": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "javascript", ".tsx": "javascript", ".mts": "javascript", ".cts": "javascript",
    ".yaml": "yaml", ".yml": "yaml", ".json": "json", ".jsonc": "json",
    ".env": "dotenv", ".sh": "shell", ".bash": "shell", ".zsh": "shell", ".ksh": "shell",
    ".tf": "terraform", ".tfvars": "terraform", ".hcl": "terraform",
    ".ini": "ini", ".cfg": "ini", ".conf": "ini", ".properties": "properties", ".toml": "toml", ".prisma": "prisma",
    ".xml": "xml", ".config": "xml", ".go": "go", ".java": "java", ".kt": "kotlin", ".kts": "kotlin",
    ".rb": "ruby", ".php": "php", ".cs": "csharp", ".rs": "rust", ".swift": "swift", ".scala": "scala",
    ".c": "c", ".h": "c", ".cpp": "c", ".cc": "c", ".hpp": "c", ".cxx": "c", ".hh": "c", ".hxx": "c",
    ".ps1": "powershell", ".sql": "sql", ".fs": "fsharp", ".fsx": "fsharp", ".fsi": "fsharp",
    ".rake": "ruby", ".gemspec": "ruby",
    ".pem": "pem", ".key": "pem", ".crt": "pem", ".p12": "pkcs12", ".pfx": "pkcs12",
    ".md": "text", ".txt": "text", ".rst": "text", ".html": "html", ".vue": "javascript",
}
# Program source without a parser here: the regex rules treat unquoted right-hand sides as code.
LANG_BY_EXT.update({
    ".fs": "fsharp", ".fsx": "fsharp", ".fsi": "fsharp", ".ml": "ocaml", ".mli": "ocaml",
    ".hs": "haskell", ".ex": "elixir", ".exs": "elixir", ".erl": "erlang", ".hrl": "erlang",
    ".lua": "lua", ".pl": "perl", ".pm": "perl", ".r": "r", ".jl": "julia", ".dart": "dart",
    ".groovy": "groovy", ".gradle": "groovy", ".clj": "clojure", ".cljs": "clojure", ".m": "objc",
    ".mm": "objc", ".vb": "vb", ".bas": "vb", ".pas": "pascal", ".zig": "zig", ".nim": "nim",
    ".cr": "crystal", ".coffee": "coffeescript", ".elm": "elm",
})
LANG_BY_NAME = {
    "dockerfile": "dockerfile", "containerfile": "dockerfile", "makefile": "makefile",
    "rakefile": "ruby", "gemfile": "ruby", "vagrantfile": "ruby", "podfile": "ruby",
    ".env": "dotenv", ".npmrc": "ini", ".pypirc": "ini", ".netrc": "text", ".gitconfig": "ini",
    "id_rsa": "pem", "id_ecdsa": "pem", "id_ed25519": "pem", "id_dsa": "pem",
    "jenkinsfile": "groovy",
}
SKIP_NAMES = {
    "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "pipfile.lock", "cargo.lock",
    "composer.lock", "gemfile.lock", "go.sum", "uv.lock", "pdm.lock", "npm-shrinkwrap.json",
    ".secretshift-baseline.json", ".secrets.baseline",
}
SKIP_DIRS = {".git", "node_modules", "vendor", "third_party", "bower_components", ".venv", "venv",
             "__pycache__", ".tox", ".mypy_cache", ".pytest_cache", "site-packages", ".secretshift"}
BINARY_EXTS = {
    ".png", ".jpg", ".jpeg", ".gif", ".bmp", ".ico", ".webp", ".pdf", ".zip", ".gz", ".tgz", ".bz2",
    ".xz", ".7z", ".tar", ".jar", ".war", ".class", ".so", ".dll", ".dylib", ".exe", ".o", ".a",
    ".pyc", ".pyo", ".whl", ".woff", ".woff2", ".ttf", ".otf", ".eot", ".mp3", ".mp4", ".mov",
    ".avi", ".wav", ".ogg", ".svgz", ".psd", ".sqlite", ".db", ".parquet", ".npy", ".pkl",
}


# A copy of a file kept as a template (``config.inc.php.dist``, ``settings.py.example``,
# ``application.yml.sample``) reads as the file it copies: its values are written in that language.
COPY_SUFFIXES = (".dist", ".example", ".sample", ".template", ".tpl")


def copied_name(name: str) -> str:
    """``name`` without a template-copy suffix when what is left has an extension of its own
    (``config.inc.php.dist`` -> ``config.inc.php``; ``stack.template`` stays as it is)."""
    base, ext = os.path.splitext(name)
    if ext.lower() in COPY_SUFFIXES and "." in base.lstrip("."):
        return base
    return name


@lru_cache(maxsize=8192)
def copied_path(rel: str) -> str:
    """``rel`` with its name through ``copied_name``: the path the rules' path conditions judge."""
    head, sep, name = rel.rpartition("/")
    return head + sep + copied_name(name)


@lru_cache(maxsize=8192)
def language_of(rel: str) -> str:
    name = copied_name(rel.rsplit("/", 1)[-1].lower())
    if name in LANG_BY_NAME:
        return LANG_BY_NAME[name]
    if name.startswith(".env") or name.endswith(".env"):
        return "dotenv"
    if name.startswith("dockerfile") or name.endswith(".dockerfile"):
        return "dockerfile"
    ext = os.path.splitext(name)[1]
    if not ext and ("group_vars/" in rel or "host_vars/" in rel):
        return "yaml"  # Ansible's variables files (group_vars/all, host_vars/web1) are YAML
    return LANG_BY_EXT.get(ext, "text")


# the interpreter named on a script's first line (``#!/bin/sh``, ``#!/usr/bin/env -S bash -e``)
SHEBANG_LANGUAGES = {
    "sh": "shell", "bash": "shell", "dash": "shell", "ash": "shell", "zsh": "shell", "ksh": "shell",
    "mksh": "shell", "busybox": "shell", "node": "javascript", "nodejs": "javascript", "deno": "javascript",
    "bun": "javascript", "ruby": "ruby", "php": "php", "perl": "perl",
}
_SHEBANG_RE = lazy_re(r"#![ \t]*(?:/[\w.+-]+)*/(?:env[ \t]+(?:-\S+[ \t]+)*)?([A-Za-z]+)")


def has_extension(rel: str) -> bool:
    """Whether the file's name has an extension (a leading dot, as in ``.bashrc``, is none)."""
    return "." in rel.rsplit("/", 1)[-1].lstrip(".")


def language_of_text(rel: str, text: str) -> str:
    """``language_of``, except that a file without an extension that starts with a shebang is in
    the language of its interpreter (``mvnw``, ``gradlew`` and ``bin/*`` scripts are shell)."""
    lang = language_of(rel)
    if lang != "text" or not text.startswith("#!"):
        return lang
    if has_extension(rel):
        return lang  # notes.txt, README.md: the extension says what it is
    m = _SHEBANG_RE.match(text)
    if m is None:
        return lang
    interp = m.group(1).lower().rstrip("0123456789.")  # python3.11, ruby2
    return SHEBANG_LANGUAGES.get(interp, lang)


def skip_reason_by_name(rel: str, include_vendored: bool = False) -> str | None:
    # plain string operations: this runs for every file of a tree (a PurePosixPath costs more
    # than the rest of the check); "a//b" and "./" parts change nothing for these tests
    head, _, name = rel.rstrip("/").rpartition("/")
    name = name.lower()
    if name in SKIP_NAMES or name.endswith(".lock"):
        return "lock file"
    if os.path.splitext(name)[1] in BINARY_EXTS:
        return "binary"
    if ".min." in name or name.endswith((".map",)):
        return "minified"
    if head and not include_vendored and not SKIP_DIRS.isdisjoint(head.split("/")):
        return "vendored"
    return None


class Source:
    """A file to scan: ``rel`` (relative to the scan root, POSIX), ``path`` (absolute; a string
    or a Path, as the os functions take either) and ``size`` (from the directory walk; -1 when
    not known)."""

    __slots__ = ("rel", "path", "size")

    def __init__(self, rel: str, path: str | Path, size: int = -1) -> None:
        self.rel = rel
        self.path = path
        self.size = size

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Source) and (self.rel, os.fspath(self.path)) == (other.rel, os.fspath(other.path))

    def __repr__(self) -> str:
        return f"Source(rel={self.rel!r}, path={os.fspath(self.path)!r})"


def _git_root(path: str | Path) -> str | None:
    import subprocess

    try:
        r = subprocess.run(["git", "-C", str(path), "rev-parse", "--show-toplevel"],
                           capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode != 0:
        return None
    return r.stdout.strip()


def _git_files(top: Path, sub: Path) -> list[str] | None:
    import subprocess

    try:
        r = subprocess.run(
            ["git", "-C", str(top), "ls-files", "-z", "--cached", "--others", "--exclude-standard",
             "--", str(sub)],
            capture_output=True, timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode != 0:
        return None
    out = [x.decode("utf-8", "surrogateescape") for x in r.stdout.split(b"\0") if x]
    return sorted(set(out))


def discover(paths: list[Path], root: Path, all_files: bool, excludes: tuple[str, ...],
             include_vendored: bool, skipped: dict[str, int], warn) -> Iterator[Source]:
    """Yield the files to scan under ``paths``; count skips into ``skipped``; ``warn`` one-liners."""

    def count(reason: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1

    root_s = os.fspath(root)
    under = root_s if root_s.endswith(os.sep) else root_s + os.sep

    def rel_of(p: str) -> str:  # Path.relative_to(root).as_posix(), by string (no pathlib)
        p = os.fspath(p)
        if p == root_s:
            return "."
        rel = p[len(under):] if p.startswith(under) else p
        return rel.replace(os.sep, "/") if os.sep != "/" else rel

    def excluded(rel: str) -> bool:
        return any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(rel.rpartition("/")[2], g)
                   or rel.startswith(g.rstrip("/") + "/") for g in excludes)

    seen: set[str] = set()
    for given in paths:
        given = os.path.abspath(given)
        if os.path.islink(given):
            count("symlink")
            warn(f"{rel_of(given)}: skipped: symbolic link (not followed)")
            continue
        try:
            st_is_dir = stat.S_ISDIR(os.stat(given).st_mode)
            exists = True
        except OSError as e:  # as Path.exists: these mean "not there", others are an error
            if e.errno not in (errno.ENOENT, errno.ENOTDIR, errno.EBADF, errno.ELOOP):
                warn(f"{rel_of(given)}: skipped: {e.strerror or e}")
                count("unreadable")
                continue
            st_is_dir = exists = False
        if not exists:
            warn(f"{given}: skipped: no such file or directory")
            count("missing")
            continue
        if not st_is_dir:
            rel = rel_of(given)
            if rel not in seen:
                seen.add(rel)
                yield Source(rel, given)
            continue
        listed: list[str] | None = None
        top = None if all_files else _git_root(given)
        if top is not None:
            listed = _git_files(top, given)
        if listed is not None and top is not None:
            cands = _listed(top, listed, rel_of)
        else:
            cands = _walk(given, rel_of, warn, count, include_vendored)
        for rel, p, link, size in cands:
            if rel in seen:
                continue
            seen.add(rel)
            if excludes and excluded(rel):
                count("excluded")
                continue
            r = skip_reason_by_name(rel, include_vendored)
            if r:
                count(r)
                continue
            if link is None:  # listed by git: not looked at yet
                try:
                    st = os.lstat(p)
                    link, size = stat.S_ISLNK(st.st_mode), st.st_size
                except OSError:
                    link, size = False, -1
            if link:
                count("symlink")
                continue
            yield Source(rel, p, size)


def _points_to_dir(e: os.DirEntry) -> bool:
    try:
        return e.is_dir()
    except OSError:  # a loop of links
        return False


def _joined(dir_rel: str, name: str) -> str:
    return name if dir_rel == "." else f"{dir_rel}/{name}"


def _listed(top: Path, listed: list[str], rel_of) -> Iterator[tuple[str, str, bool | None, int]]:
    """(rel, path, None, -1) for the files git lists (relative to ``top``); each directory's
    place relative to the root is worked out once, not once per file."""
    dirs: dict[str, str] = {}
    base = str(top)
    for x in listed:
        d, _, name = x.rpartition("/")
        dir_rel = dirs.get(d)
        if dir_rel is None:
            dir_rel = dirs[d] = rel_of(os.path.join(base, d) if d else base)
        yield _joined(dir_rel, name), os.path.join(base, x), None, -1


def _walk(top: Path, rel_of, warn, count, include_vendored: bool) -> Iterator[tuple[str, str, bool, int]]:
    """(rel, path, is a symlink, size) of every file under ``top``, directories in sorted order
    (as ``os.walk``, top-down), from one ``scandir`` per directory: no Path per file, and the
    type and size come with the listing (one lstat at most)."""
    todo = [(str(top), rel_of(top))]
    while todo:
        path, dir_rel = todo.pop()
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            warn(f"{e.filename if e.filename is not None else path}: skipped: {e.strerror or e}")
            count("unreadable")
            continue
        subdirs = []
        for e in entries:
            try:
                is_link = e.is_symlink()
                is_dir = not is_link and e.is_dir(follow_symlinks=False)
            except OSError:
                is_link = is_dir = False
            if is_dir:
                d = e.name
                if d == ".git" or (not include_vendored and d in SKIP_DIRS):
                    continue
                subdirs.append(e)
                continue
            if is_link and _points_to_dir(e):  # a link to a directory: counted, never followed (as os.walk)
                count("symlink")
                continue
            try:
                size = e.stat(follow_symlinks=False).st_size
            except OSError:
                size = -1
            yield _joined(dir_rel, e.name), e.path, is_link, size
        for e in reversed(subdirs):  # popped in sorted order
            todo.append((e.path, _joined(dir_rel, e.name)))


_NOT_REGULAR = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
                (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def _kind_of(mode: int) -> str:
    return next((what for test, what in _NOT_REGULAR if test(mode)), "not a regular file")


def read_bytes(path: Path, max_bytes: int) -> tuple[bytes | None, str | None, int]:
    """(data, skip_reason, size). Never blocks on a FIFO and never follows a symlink: the file is
    opened non-blocking without following links and checked with fstat on the open descriptor, so a
    file swapped between discovery and reading cannot trick it. ``skip_reason`` starts with
    ``unreadable`` for I/O errors (EACCES, EIO, a file that vanished) and with ``not a regular file``
    for FIFOs, sockets, devices and directories."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return None, "symbolic link (not followed)", 0
        if e.errno == errno.ENXIO:  # a socket or a FIFO without a writer on some systems
            return None, "not a regular file", 0
        return None, f"unreadable ({e.strerror or e})", 0
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, f"not a regular file ({_kind_of(st.st_mode)})", 0
        if st.st_size > max_bytes:
            return None, f"larger than {max_bytes} bytes", st.st_size
        # one read of the size fstat gave, and one byte more: a file that gives just its size is
        # at its end (no second read to see the end); one that grew, or a short read (some file
        # systems), is read on to its end, up to one byte over the limit
        data = os.read(fd, st.st_size + 1)
        if len(data) != st.st_size:
            chunks = [data]
            left = max_bytes + 1 - len(data)
            while left > 0:
                b = os.read(fd, min(left, 1 << 20))
                if not b:
                    break
                chunks.append(b)
                left -= len(b)
            data = b"".join(chunks)
    except OSError as e:
        return None, f"unreadable ({e.strerror or e})", 0
    finally:
        os.close(fd)
    if len(data) > max_bytes:  # grew after fstat
        return None, f"larger than {max_bytes} bytes", len(data)
    return data, None, len(data)


def _looks_binary(data: bytes) -> bool:
    """NUL bytes plus many other control bytes in the first 8 KiB: a binary file. A stray NUL in a
    text file does not make it binary (it is scanned, with a note)."""
    head = data[:8192]
    if b"\0" not in head:
        return False
    ctrl = sum(head.count(bytes([c])) for c in (*range(0, 8), *range(14, 27), *range(28, 32)))
    return ctrl * 20 > len(head)  # more than 5%


def decode(data: bytes) -> tuple[str | None, str | None, str | None]:
    """(text, skip_reason, note) for raw file bytes: UTF-8 (BOM dropped), UTF-16 with a BOM,
    otherwise UTF-8 with replacement characters and a note."""
    if not data:
        return "", None, None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None, None
        except UnicodeDecodeError:
            return None, "undecodable UTF-16", None
    if _looks_binary(data):
        return None, "binary (NUL byte)", None
    notes = []
    nul = data.find(b"\0")
    if nul >= 0:
        notes.append(f"NUL byte at offset {nul}; scanned as text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        if nul >= 0:
            return None, "binary (NUL byte, not UTF-8)", None
        text = data.decode("utf-8", "replace")
        notes.append(f"not valid UTF-8 (first bad byte at offset {e.start}); scanned with replacement characters")
    if text.startswith("\ufeff"):
        text = text[1:]  # BOM: offsets then match what editors show
    return text, None, "; ".join(notes) or None


def read_text(src: Source, max_bytes: int, judge_content: bool = False) -> tuple[str | None, str | None, int, str | None]:
    """Return (text, skip_reason, size, note). A skip reason is set when the file is not scanned;
    a note when it is scanned with a caveat (invalid UTF-8 bytes replaced, a NUL byte).
    ``judge_content``: also skip what its content shows to be a vendored library, a bundle, a
    minified asset or generated code (``scanner.filekinds``)."""
    data, reason, size = read_bytes(src.path, max_bytes)
    if data is None:
        return None, reason, size, None
    if size > MINIFIED_MIN_BYTES and data.count(b"\n") < size // 5000:
        return None, "minified (lines average over 5000 bytes)", size, None
    text, reason, note = decode(data)
    if text is not None and judge_content:
        from .filekinds import vendored_or_generated

        kind = vendored_or_generated(src.rel, text)
        if kind:
            return None, kind, size, None
    return text, reason, size, note
