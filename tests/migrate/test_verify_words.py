"""verify looks for a distinctive migrated value in every file; a short plain word (a project's own name
as its default password, often its user name and image too) is a leftover only where the re-scan still
finds it as a credential in the files it was found in: elsewhere it is an ordinary word of the project
and would fail every verify."""
from __future__ import annotations

from secretshift.migration.state import Progress
from secretshift.migration.verify import verify_stage
from secretshift.planner.build import PlanOptions, build_plan
from secretshift.scanner.models import Finding, SecretValue, fingerprint, mask
from secretshift.scanner.samples import expand


def _finding(file: str, value: str, line: int = 1) -> Finding:
    return Finding(rule_id="SS101", slug="generic-password-assignment", kind="hardcoded", file=file, line=line,
                   column=10, end_line=line, end_column=10 + len(value), category="generic", severity="high",
                   confidence="high", masked=mask(value), fingerprint=fingerprint("SS101", file, value),
                   symbol="SECRET_KEY", value=SecretValue(value))


def test_distinctive_values_everywhere_plain_words_only_where_the_rescan_sees_a_credential(tmp_path):
    strong = expand("{{rand:alnum:24}}", "verify-words")
    word = "shopkeeper"
    files = {"deploy/run.sh": f"s3cmd --access_key={word}\n",  # still there as a credential: a hit
             # the word as the user name and the image of the same file: no credential, no hit
             "deploy/compose.yml": f"image: {word}:15\nenvironment:\n  DB_USER: {word}\n",
             "deploy/setup.sh": f"echo {word}-self-hosted\n",
             "README.md": f"The {word} app\n",  # not where it was found: an ordinary word
             "docs/notes.md": f"key {strong}\n"}  # distinctive: found anywhere
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    plan = build_plan([_finding("deploy/run.sh", word), _finding("deploy/compose.yml", word, line=3),
                       _finding("deploy/setup.sh", strong)], PlanOptions(), lambda f: "generic-password")
    progress = Progress(tmp_path / ".secretshift" / "progress.json", "x", dry_run=True)
    rescan = [_finding("deploy/run.sh", word, line=1), _finding("README.md", word)]
    res = verify_stage(plan, tmp_path, progress, lambda: rescan, [word, strong])
    assert res.value_hits == ["deploy/run.sh", "docs/notes.md"] and res.weak_values == 1


def test_a_password_that_is_the_projects_module_name_is_a_plain_word(tmp_path):
    """django-on-docker: POSTGRES_PASSWORD=hello_django, the name of the project's own package: searched
    byte for byte it 'remained' in 11 files (every import of the package, and plan.yaml's paths)."""
    from secretshift.planner.build import distinctive

    word = "shop_" + expand("{{rand:lower:7}}", "module-name")
    (tmp_path / word).mkdir()
    (tmp_path / word / "wsgi.py").write_text(f'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{word}.settings")\n')
    (tmp_path / "compose.yml").write_text("environment:\n  - POSTGRES_PASSWORD=${POSTGRES_PASSWORD:?set it}\n")
    plan = build_plan([_finding("compose.yml", word, line=2)], PlanOptions(), lambda f: "generic-password")
    progress = Progress(tmp_path / ".secretshift" / "progress.json", "x", dry_run=True)
    res = verify_stage(plan, tmp_path, progress, lambda: [], [word])
    assert res.value_hits == [] and res.weak_values == 1
    assert not distinctive(word) and distinctive(expand("{{rand:alnum:20}}", "strong"))


def test_a_stale_bytecode_cache_is_listed_apart_and_does_not_fail_verify(tmp_path):
    """A __pycache__/*.pyc compiled before the rewrite still held the value: verify failed on it with no
    hint. Untracked caches are listed as stale (the folder to delete named); a committed one still counts."""
    import subprocess

    strong = expand("{{rand:alnum:24}}", "stale-pyc")
    (tmp_path / "app" / "__pycache__").mkdir(parents=True)
    (tmp_path / "app" / "settings.py").write_text("from secretshift_secrets import get_secret\n")
    (tmp_path / "app" / "__pycache__" / "settings.cpython-312.pyc").write_bytes(b"\x00\x01" + strong.encode())
    (tmp_path / "old.pyc").write_bytes(strong.encode())
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "old.pyc"], cwd=tmp_path, check=True)  # committed by mistake: a real leftover
    plan = build_plan([_finding("app/settings.py", strong)], PlanOptions(), lambda f: "generic-password")
    progress = Progress(tmp_path / ".secretshift" / "progress.json", "x", dry_run=True)
    res = verify_stage(plan, tmp_path, progress, lambda: [], [strong])
    assert res.stale_caches == ["app/__pycache__/settings.cpython-312.pyc"]
    assert res.value_hits == ["old.pyc"] and not res.ok
    (tmp_path / "old.pyc").unlink()
    subprocess.run(["git", "rm", "-q", "--cached", "old.pyc"], cwd=tmp_path, check=True)
    res = verify_stage(plan, tmp_path, progress, lambda: [], [strong])
    assert res.ok and res.stale_caches == ["app/__pycache__/settings.cpython-312.pyc"]
