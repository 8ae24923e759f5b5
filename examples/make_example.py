#!/usr/bin/env python3
"""Expand the example shop into DEST as a git repository with history.

    python examples/make_example.py /tmp/shop
    secretshift scan /tmp/shop

The templates under ``examples/shop/`` carry ``{{rand:CLASS:N}}`` placeholders instead of values,
so this repository never holds a full-format token that push protection would block. Expansion
uses a fixed seed per file: the same DEST content every time. Two commits are made:

1. the shop plus ``service/legacy_keys.py`` (a leaked AWS key pair from the "prototype");
2. ``service/legacy_keys.py`` removed: the key is gone from HEAD but remains in history.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing

from scanner.samples import expand  # noqa: E402

SEED = "secretshift-example-shop-v1"
# Credentials the shop uses in several files: the same value everywhere, as in a real project
# (`{{ref:NAME}}` in a template). Everything else is a `{{rand:...}}` of its own.
SHARED = {
    "DB_PASSWORD": "{{rand:alnum:20}}",
    "STRIPE_SECRET_KEY": "sk_{{join:li:ve}}_{{rand:alnum:24}}",
    "STRIPE_WEBHOOK_SECRET": "whsec_{{rand:alnum:32}}",
    "AWS_ACCESS_KEY_ID": "AKIA{{rand:b32:16}}",
    "AWS_SECRET_ACCESS_KEY": "{{rand:b64:40}}",
    "API_TOKEN": "{{rand:alnum:40}}",
}
_REF = re.compile(r"\{\{ref:([A-Z_]+)\}\}")


def _shared() -> dict[str, str]:
    return {k: expand(v, f"{SEED}:shared:{k}") for k, v in SHARED.items()}
GIT_ENV = {
    "GIT_AUTHOR_NAME": "Shop Developer", "GIT_AUTHOR_EMAIL": "dev@shop.example.invalid",
    "GIT_COMMITTER_NAME": "Shop Developer", "GIT_COMMITTER_EMAIL": "dev@shop.example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def _copy_tree(src: Path, dest: Path) -> list[str]:
    shared = _shared()
    written = []
    for p in sorted(src.rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts:
            continue
        rel = p.relative_to(src).as_posix()
        out = dest / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        text = _REF.sub(lambda m: shared[m.group(1)], p.read_text(encoding="utf-8"))
        out.write_text(expand(text, f"{SEED}:{rel}"), encoding="utf-8")
        os.chmod(out, p.stat().st_mode & 0o777)
        written.append(rel)
    return written


def _git(dest: Path, *args: str, date: str) -> None:
    env = {**os.environ, **GIT_ENV, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    subprocess.run(["git", "-C", str(dest), *args], check=True, env=env, stdout=subprocess.DEVNULL)


def make(dest: Path) -> Path:
    """Write the example into ``dest`` (must not exist or be empty) and commit its history."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise SystemExit(f"make_example: {dest} exists and is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    _copy_tree(HERE / "shop", dest)
    legacy = _copy_tree(HERE / "history", dest)
    _git(dest, "init", "-q", "-b", "main", date="2024-01-15T10:00:00Z")
    _git(dest, "add", "-A", date="2024-01-15T10:00:00Z")
    _git(dest, "commit", "-q", "-m", "Shop prototype", date="2024-01-15T10:00:00Z")
    for rel in legacy:
        (dest / rel).unlink()
    _git(dest, "add", "-A", date="2024-02-01T09:30:00Z")
    _git(dest, "commit", "-q", "-m", "Remove legacy keys", date="2024-02-01T09:30:00Z")
    return dest


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dest", type=Path, help="directory to create (must not exist or be empty)")
    args = ap.parse_args(argv)
    make(args.dest)
    print(f"example shop written to {args.dest} (2 commits)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
