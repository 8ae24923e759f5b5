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


def _compiles_of_ours(monkeypatch):
    """The patterns of this project compiled by ``re``'s own compiler (not from the compiled-program
    cache of secretshift.base.lazyre), as (file, line) of the caller."""
    import os
    import re
    import sys
    from re import _compiler  # type: ignore[attr-defined]

    ours = os.path.dirname(os.path.dirname(scan_mod.__file__))
    roots = tuple(os.path.dirname(m.__file__) for m in (scan_mod, sys.modules["secretshift"]))
    seen = []
    real = _compiler.compile

    def compile(p, flags=0):
        f = sys._getframe(1)
        while f is not None and f.f_code.co_filename.startswith(os.path.dirname(re.__file__)):
            f = f.f_back
        if f is not None and f.f_code.co_filename.startswith(roots):
            seen.append((os.path.relpath(f.f_code.co_filename, ours), f.f_lineno))
        return real(p, flags)

    monkeypatch.setattr(_compiler, "compile", compile)
    re.purge()  # what an earlier test compiled is compiled again
    return seen


def test_after_the_warm_up_a_worker_compiles_none_of_our_patterns(tmp_path, monkeypatch):
    """A forked worker has what was compiled before the fork; anything else it compiles should
    come from the program cache (microseconds), not from re's compiler (up to milliseconds each,
    paid again in every worker): the secret-name patterns, the engines' one-off patterns."""
    from secretshift.scanner import envnames

    pw = expand("{{rand:alnum:16}}", "warm-pw")
    files = {
        "app/settings.py": f'import os\nDB_PASSWORD = "{pw}"\nkey = os.environ.get(\n    "STRIPE_API_KEY"\n)\n',
        "conf/.env": f"API_TOKEN={pw} # the token\nDEBUG=1\n",
        "Dockerfile": f"FROM alpine\nENV DB_PASSWORD {pw}\n",
        "deploy.sh": f"#!/bin/sh\nDB_PASSWORD=a\\b{pw}\nexport DB_PASSWORD\n",
        "main.c": f'#define DB_PASSWORD "\\x41{pw}"\n',
        "client.js": f'client.setPassword("\\u0041{pw}");\nconst apiKey = "x\\t{pw}";\n',
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    opts = scan_mod.ScanOptions(root=tmp_path, all_files=True, jobs=1)
    sources = list(scan_mod.discover([tmp_path], tmp_path, True, opts.excludes, opts.include_vendored, {},
                                     lambda m: None))
    envnames._patterns.cache_clear()
    envnames._hint_tables.cache_clear()
    seen = _compiles_of_ours(monkeypatch)
    scan_mod._warm(sources)  # before the fork
    assert seen == []  # the name patterns (and the code engine's, at its import) from the program cache
    seen = _compiles_of_ours(monkeypatch)  # in the worker
    found = [f for s in sources for f in scan_mod._scan_one(s, opts, RULESET)[0]]
    assert seen == []
    assert {f.file for f in found} >= {"app/settings.py", "conf/.env", "Dockerfile", "client.js"}
