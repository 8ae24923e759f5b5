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


def _tree(tmp_path, n=12):
    for i in range(n):
        (tmp_path / f"m{i}.py").write_text(
            f'DB_PASSWORD = "{expand("{{rand:alnum:20}}", f"par{i}")}"\nx = {i}\n', encoding="utf-8")
    return tmp_path


def _keys(root, jobs):
    r = scan_mod.scan_paths(scan_mod.ScanOptions(root=root, all_files=True, jobs=jobs), RULESET, warn=lambda m: None)
    return r.files_scanned, [(f.file, f.line, f.column, f.rule_id, f.fingerprint) for f in r.findings]


def test_a_worker_that_dies_leaves_its_files_to_this_process(tmp_path, monkeypatch):
    import os

    root = _tree(tmp_path)
    monkeypatch.setattr(scan_mod, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(scan_mod, "PARALLEL_MIN_BYTES", 1)
    one = _keys(root, 1)
    parent = os.getpid()
    real = scan_mod._scan_one

    def dies_in_a_worker(src, opts, rs):
        if os.getpid() != parent:
            os._exit(3)  # as a worker killed by the OOM killer or a crash in a C extension
        return real(src, opts, rs)

    monkeypatch.setattr(scan_mod, "_scan_one", dies_in_a_worker)
    assert _keys(root, 3) == one
    assert one[0] == 12 and len(one[1]) == 12


def test_batches_fit_the_work_pipe(tmp_path, monkeypatch):
    root = _tree(tmp_path, 40)
    monkeypatch.setattr(scan_mod, "PARALLEL_MIN_FILES", 2)
    monkeypatch.setattr(scan_mod, "PARALLEL_MIN_BYTES", 1)
    monkeypatch.setattr(scan_mod, "_MAX_BATCHES", 7)  # 40 files in at most 7 batches: 6 files each
    assert _keys(root, 2) == _keys(root, 1)
