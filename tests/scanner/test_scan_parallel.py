"""Worker processes (scan_paths with jobs > 1 on enough input) give what one process gives."""
from __future__ import annotations

from secretshift.scanner import scan as scan_mod
from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.samples import expand

RULESET = load_ruleset()


def test_workers_find_what_one_process_finds(tmp_path, monkeypatch):
    for i in range(12):
        (tmp_path / f"m{i}.py").write_text(
            f'DB_PASSWORD = "{expand("{{rand:alnum:20}}", f"par{i}")}"\nx = {i}\n', encoding="utf-8")
        (tmp_path / f"c{i}.env").write_text(f'API_TOKEN={expand("{{rand:alnum:24}}", f"env{i}")}\n', encoding="utf-8")
    (tmp_path / "notes.md").write_text("nothing here\n", encoding="utf-8")
    monkeypatch.setattr(scan_mod, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(scan_mod, "PARALLEL_MIN_BYTES", 1)
    keys = []
    for jobs in (1, 2):
        r = scan_mod.scan_paths(scan_mod.ScanOptions(root=tmp_path, all_files=True, jobs=jobs), RULESET,
                                warn=lambda m: None)
        keys.append([(f.file, f.line, f.column, f.rule_id, f.fingerprint) for f in r.findings])
        assert r.files_scanned == 25
    assert keys[0] == keys[1]
    assert len({k[0] for k in keys[0]}) == 24  # every file with a credential
