"""Pathological input: bounded time and memory, a warning where a limit is hit, and the rest of
the scan goes on. Each tree also holds a file with a fake AWS key, so each test proves the scan
went past the bad file. No timing asserts: each scan runs in a subprocess with a generous timeout."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from secretshift.scanner.samples import expand

KEY = expand("{{join:AK:IA}}{{rand:b32:16}}", "pathological")


def _scan(tree: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict, list[str]]:
    r = subprocess.run([sys.executable, "-m", "secretshift", "scan", "--format", "json", "--all-files", *args, str(tree)],
                       capture_output=True, text=True, timeout=180, env={**os.environ, **(env or {})})
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    return r.returncode, json.loads(r.stdout), [ln for ln in r.stderr.splitlines() if ln.strip()]


def _tree(tmp_path: Path) -> Path:
    (tmp_path / "good.txt").write_text(f'aws_access_key_id = "{KEY}"\n')
    return tmp_path


def test_a_rule_whose_pattern_backtracks_without_end_is_cut_short(tmp_path):
    tree = _tree(tmp_path)
    (tree / "team.yaml").write_text(
        "- id: SS901\n  slug: team-nested-repeat\n  description: a nested repetition\n  engine: regex\n"
        "  keywords: [aaaa]\n  regex: '(?P<secret>(a+)+)$'\n  category: generic\n  severity: low\n"
        "  confidence: low\n  samples: {positive: [aaaaaaaa], negative: [bbbb]}\n")
    (tree / ".secretshift.yaml").write_text("rules: [team.yaml]\n")
    (tree / "slow.txt").write_text("a" * 48 + "!\n")  # 2**48 ways to split the run: never ends
    rc, doc, err = _scan(tree, "--config", str(tree / ".secretshift.yaml"), env={"SECRETSHIFT_FILE_SECONDS": "1"})
    assert rc == 1 and {f["file"] for f in doc["findings"]} == {"good.txt"}
    [line] = [ln for ln in err if "slow.txt" in ln]
    assert "gave up after 1 s" in line and "regex engine" in line


def test_megabytes_without_a_newline_one_repeated_character_and_a_long_line_among_short_ones(tmp_path):
    tree = _tree(tmp_path)
    pw = expand("{{rand:alnum:20}}", "long-line")
    (tree / "oneline.js").write_text('var k="' + "Ab1=" * 600_000 + '";')  # 2.4 MB, no newline
    (tree / "same.txt").write_text("A" * 190_000)  # one character, one line, under the minified size
    (tree / "mixed.py").write_text("\n".join([f"v{i} = {i}" for i in range(400)] + ['password = "x" ' * 20_000]
                                             + [f'db_password = "{pw}"']))
    rc, doc, err = _scan(tree)
    assert rc == 1
    files = {f["file"] for f in doc["findings"]}
    assert {"good.txt", "mixed.py"} <= files and "oneline.js" not in files
    [line] = [ln for ln in err if "oneline.js" in ln]
    assert "minified" in line  # a megabyte line is skipped with one line, counted
    assert doc["summary"]["files_skipped"] == 1 and doc["summary"]["files_scanned"] == 3
