"""Rewrites beyond Python: JavaScript/TypeScript and the files that deploy the code.

``kind_of(path, text)`` names the form of a file (``javascript``, ``ecs``, ``cfn``, ``terraform``,
``kubernetes``, ``compose``, ``dockerfile``, ``github-actions``, ``serverless``, ``shell``) or None.
``rewrite_text(text, path, targets, options)`` runs the matching rewrite and returns a
``FileRewrite``; ``rewrite_file(root, rel, targets, options, write=True)`` reads and writes the file
(and the extra files the rewrite creates or extends) atomically, keeping encoding, BOM, line endings
and mode. Neither raises on file content. See docs/codemods.md ("Beyond Python").
"""
from __future__ import annotations

import dataclasses
import os
import posixpath
from pathlib import Path
from typing import Callable, Dict, Optional, Sequence

from ..targets import RewriteTarget
from .base import (APPLIED, DISPLAY_ONLY, PATCH, SAFE, SKIPPED, UNSAFE, FileRewrite, Options, Outcome, SecretInfo,
                   no_files, outcome_lines, secret_arn)

__all__ = ["kind_of", "rewrite_text", "rewrite_file", "Options", "SecretInfo", "FileRewrite", "Outcome",
           "APPLIED", "PATCH", "SKIPPED", "SAFE", "UNSAFE", "DISPLAY_ONLY", "KINDS", "outcome_lines", "secret_arn",
           "project_reader", "write_files"]

KINDS = ("javascript", "ecs", "cfn", "terraform", "kubernetes", "compose", "dockerfile", "github-actions",
         "serverless", "shell")
JS_EXTS = (".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx")


def kind_of(path: str, text: str) -> Optional[str]:
    """The deployment form (or ``javascript``) of ``path``, judged by name, then by content."""
    from secretshift.scanner.sources import language_of

    low = path.lower()
    if low.endswith(JS_EXTS) and not low.endswith(".d.ts"):
        return "javascript"
    lang = language_of(path)
    if lang in ("dockerfile", "shell"):
        return lang
    if low.endswith(".tf"):
        return "terraform"
    if lang not in ("yaml", "json") and not low.endswith(".template"):
        return None
    from secretshift.scanner.engines._config_docs import _classify
    from secretshift.scanner.engines._config_tree import Map, ParseError, Seq, parse_json, parse_yaml

    try:
        docs = [parse_json(text)] if lang == "json" or text.lstrip()[:1] in "{[" else parse_yaml(text)
    except ParseError:
        return None
    forms = []
    for doc in docs:
        for d in (doc.items if isinstance(doc, Seq) else [doc]):
            if isinstance(d, Map):
                forms.append(_classify(d, path))
    mapping = {"actions": "github-actions", "cfn": "cfn", "ecs": "ecs", "serverless": "serverless",
               "compose": "compose", "k8s": "kubernetes"}
    for f in forms:
        if f in mapping:
            return mapping[f]
    return None


def rewrite_text(text: str, path: str, targets: Sequence[RewriteTarget], options: Options,
                 kind: Optional[str] = None, module_files: Optional[Dict[str, str]] = None) -> FileRewrite:
    """Rewrite ``targets`` in ``text`` (file ``path``, project-relative). Never raises on content."""
    import re

    kind = kind or kind_of(path, text)
    bom = text.startswith("\ufeff")
    body = text[1:] if bom else text
    crlf = "\r\n" in body and not re.search(r"(?<!\r)\n", body)
    if crlf:
        body = body.replace("\r\n", "\n")
    try:
        rw = _dispatch(kind, body, path, targets, options, module_files)
    except Exception as e:  # noqa: BLE001 - contract: never raise; the message carries no value
        if os.environ.get("SECRETSHIFT_DEBUG"):
            raise
        rw = FileRewrite(path, body, body, kind or "unknown")
        rw.outcomes = [Outcome(t, SKIPPED, UNSAFE, f"internal error ({type(e).__name__} in secretshift)") for t in targets]
    if crlf or bom:
        fix = (lambda s: ("\ufeff" if bom else "") + (s.replace("\n", "\r\n") if crlf else s))
        rw.before, rw.text = fix(rw.before), fix(rw.text)
    return rw


def _dispatch(kind: Optional[str], text: str, path: str, targets: Sequence[RewriteTarget], options: Options,
              module_files: Optional[Dict[str, str]]) -> FileRewrite:
    if kind == "javascript":
        from ..js import rewrite

        return rewrite(text, path, targets, options)
    if kind == "terraform":
        from . import terraform

        return terraform.rewrite(text, path, targets, options, module_files)
    mods = {"ecs": "ecs", "cfn": "cfn", "kubernetes": "k8s", "compose": "compose", "dockerfile": "dockerfile",
            "github-actions": "actions", "serverless": "serverless", "shell": "shell"}
    if kind in mods:
        import importlib

        return importlib.import_module(f"{__name__}.{mods[kind]}").rewrite(text, path, targets, options)
    rw = FileRewrite(path, text, text, kind or "unknown")
    why = ("terraform.tfvars holds values, not expressions: move the secret out of it" if path.endswith(".tfvars")
           else "no automatic rewrite for this kind of file: change it by hand")
    rw.outcomes = [Outcome(t, SKIPPED, UNSAFE, why) for t in targets]
    return rw


def project_reader(root: Path) -> Callable[[str], Optional[str]]:
    """``read(rel)`` for ``Options.read``: a project file's text, None when absent or unreadable."""
    def read(rel: str) -> Optional[str]:
        p = Path(root) / rel
        try:
            return p.read_bytes().decode("utf-8") if p.is_file() else None
        except (OSError, UnicodeDecodeError):
            return None
    return read


def module_files(root: Path, rel: str) -> Dict[str, str]:
    """The other ``.tf`` files of ``rel``'s folder (Terraform module siblings)."""
    folder = Path(root) / posixpath.dirname(rel)
    out = {}
    for p in sorted(folder.glob("*.tf")):
        r = p.relative_to(root).as_posix()
        if r != rel:
            try:
                out[r] = p.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
    return out


def rewrite_file(root: Path, rel: str, targets: Sequence[RewriteTarget], options: Options,
                 write: bool = True) -> FileRewrite:
    """Rewrite project file ``rel`` (``write``: in place, with the extra files it needs, ``write_files``).
    A file that cannot be read as UTF-8 is skipped with one line."""
    path = Path(root) / rel
    try:
        data = path.read_bytes()
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        rw = FileRewrite(rel, "", "", "unknown")
        rw.outcomes = [Outcome(t, SKIPPED, UNSAFE, f"cannot read the file as UTF-8 ({type(e).__name__})") for t in targets]
        return rw
    if options.read is no_files:
        options = dataclasses.replace(options, read=project_reader(root))
    siblings = module_files(root, rel) if rel.endswith(".tf") else None
    rw = rewrite_text(text, rel, targets, options, module_files=siblings)
    if write:
        write_files(root, rw)
    return rw


def write_files(root: Path, rw: FileRewrite) -> None:
    """Write a rewrite's extra files (accessor module, package.json, ...), then the file itself, each
    atomically: a file that imports the accessor never exists without it."""
    from secretshift.base.fileio import atomic_write_bytes

    for extra, content in rw.extra_files.items():
        p = Path(root) / extra
        p.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(p, content.encode("utf-8"))
    if rw.changed:
        atomic_write_bytes(Path(root) / rw.path, rw.text.encode("utf-8"))
