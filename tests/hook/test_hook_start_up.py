"""The hook's start-up budget: what `secretshift-hook FILES` imports on a commit of small files.

Speed itself is measured by bench/hook_latency.py (against detect-secrets-hook, git-secrets and a
bare interpreter), never asserted here. What this pins is the cause: a module the run does not use
is not imported, and the rules are not parsed from YAML (rules, env names and Hyperscan database
come from the cache)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from secretshift.scanner.samples import expand

# What the hook must not import on such a commit: YAML and the rule parser's needs (rules come
# from the cache), the stdlib modules that cost milliseconds and that it has no use for here
# (dataclasses brings inspect, argparse brings gettext and shutil, pathlib brings urllib.parse and
# ipaddress: ~17 M instructions, so the hook's path works on strings), the fast backend (a few
# small files cost less with str.find), and the rest of the product.
NOT_ON_THE_HOOK_PATH = ("yaml", "dataclasses", "inspect", "typing", "argparse", "logging", "pickle", "hashlib",
                        "subprocess", "json", "hyperscan", "click", "libcst", "boto3", "tree_sitter", "pathlib",
                        "urllib", "ipaddress", "tempfile")
# What a commit that holds a finding still must not import (the Python engine parses, so `ast` is in)
NOT_EVEN_WITH_A_FINDING = ("yaml", "typing", "pathlib", "urllib", "ipaddress", "tempfile", "click", "hyperscan")

PROBE = """
import sys
# an editable install's finder loads pathlib (and urllib.parse) before any code runs: forget those,
# so that an import of them by the hook shows; count only what the hook's run imported
for m in [m for m in sys.modules if m.split(".")[0] in ("pathlib", "urllib", "ipaddress", "tempfile")]:
    del sys.modules[m]
before = set(sys.modules)
sys.argv = ["secretshift-hook", *sys.argv[1:]]
from secretshift.hook import main
rc = main(sys.argv[1:])
print("RC", rc)
print("MODULES", " ".join(sorted(set(sys.modules) - before)))
"""


def _run(cwd: Path, files: list[str]) -> tuple[int, set[str]]:
    r = subprocess.run([sys.executable, "-c", PROBE, *files], cwd=cwd, capture_output=True, text=True, timeout=120)
    out = dict(line.split(" ", 1) for line in r.stdout.splitlines() if line.startswith(("RC ", "MODULES ")))
    assert "RC" in out, r.stderr
    return int(out["RC"]), set(out.get("MODULES", "").split())


def test_a_commit_of_small_clean_files_imports_only_what_it_uses(tmp_path):
    files = {
        "app/models.py": "class User:\n    def __init__(self, name):\n        self.name = name\n" * 10,
        "app/settings.py": 'import os\n\nDEBUG = False\nTIMEOUT = 30\nDB_HOST = "db.internal"\n',
        "web/index.js": "export function add(a, b) {\n  return a + b;\n}\n" * 10,
        "deploy/compose.yaml": "services:\n  web:\n    image: nginx:1.25\n    ports: ['80:80']\n",
        "README.md": "# demo\n\nA small project.\n" * 5,
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    _run(tmp_path, list(files))  # the first run fills the cache (it may parse YAML)
    rc, modules = _run(tmp_path, list(files))
    assert rc == 0
    loaded = {m.split(".")[0] for m in modules}
    assert sorted(loaded & set(NOT_ON_THE_HOOK_PATH)) == []
    assert "secretshift.scanner.prepass" in modules  # the files went through the pass ...
    # ... which found nothing for the Python engine: not even imported, so no file was parsed
    assert "secretshift.scanner.engines.python_ast" not in modules and "ast" not in loaded
    (tmp_path / "app/settings.py").write_text(f'DB_PASSWORD = "{expand("{{rand:alnum:18}}", "start-up")}"\n')
    rc, modules = _run(tmp_path, list(files))
    assert rc == 1 and "secretshift.scanner.engines.python_ast" in modules
    assert sorted({m.split(".")[0] for m in modules} & set(NOT_EVEN_WITH_A_FINDING)) == []
