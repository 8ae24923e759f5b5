"""Properties: on real Python files (the stdlib) and generated assignments, the codemods never
produce code that fails to parse, and never change a file that has no target."""
from __future__ import annotations

import ast
import dataclasses
import random
import sysconfig
from pathlib import Path

import libcst as cst
from hypothesis import given, settings, strategies as st

from secretshift.codemods.accessor import Accessor
from secretshift.codemods.runner import RewriteTarget, rewrite_source, sha256_text


def stdlib_files(n: int = 10) -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in root.glob("*.py") if 2_000 < p.stat().st_size < 20_000)
    return random.Random(4).sample(files, min(n, len(files)))


def string_targets(source: str, limit: int = 4) -> list[RewriteTarget]:
    """Targets for string constants found with ast (an independent parser), as a scanner would."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) >= 6 \
                and node.lineno == node.end_lineno and "\\" not in node.value:
            out.append(RewriteTarget(node.lineno, node.col_offset + 1, node.end_lineno, node.end_col_offset + 1,
                                     "hardcoded", "corpus/secret", "value", sha256_text(node.value),
                                     fingerprint=f"P:{node.lineno}:{node.col_offset}"))
    return sorted(out, key=lambda t: (t.line, t.column))[:limit]


def test_stdlib_corpus_parses_and_untargeted_files_do_not_change():
    acc = Accessor.parse(None)
    rewritten = 0
    for p in stdlib_files():
        source = p.read_text(encoding="utf-8", errors="surrogateescape")
        try:
            ast.parse(source)
        except SyntaxError:
            continue
        assert rewrite_source(source, p.name, [], acc).code == source
        stale = [dataclasses.replace(t, value_sha256=sha256_text("not-" + t.fingerprint)) for t in string_targets(source)]
        if stale:  # targets whose value is not there (hash mismatch) change nothing either
            res = rewrite_source(source, p.name, stale, acc, unsafe=True)
            assert res.code == source and not res.applied and len(res.skipped) == len(stale)
        res = rewrite_source(source, p.name, string_targets(source), acc, unsafe=True)
        cst.parse_module(res.code)
        ast.parse(res.code)
        rewritten += bool(res.applied)
        # idempotent: the same targets on the result change nothing
        assert rewrite_source(res.code, p.name, string_targets(source), acc, unsafe=True).code == res.code
    assert rewritten >= 6


names = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(lambda s: s not in {"if", "in", "is", "or", "as", "def", "for", "and", "not", "del", "try", "with"})
values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, blacklist_characters="\\"), min_size=4, max_size=30)


@given(st.lists(st.tuples(names, values, st.sampled_from(['"', "'", '"""']),
                          st.sampled_from(["plain", "url", "fstr", "kw", "default"])), min_size=1, max_size=5),
       st.booleans())
@settings(max_examples=25, deadline=None)
def test_generated_assignments_always_parse(items, crlf):
    lines, wanted = [], []
    for i, (name, value, q, shape) in enumerate(items):
        if q[0] in value or (shape == "fstr" and ("{" in value or "}" in value)):
            value = value.replace(q[0], "x").replace("{", "x").replace("}", "x")
        lit = f"{q}{value}{q}"
        if shape == "url":
            lit = f"{q}https://user:{value}@h.example/p{q}".replace(q[0] * 2 + q[0], q) if False else f"{q}https://user:{value.replace('@', 'a').replace('/', 's')}@h/p{q}"
            value = value.replace("@", "a").replace("/", "s")
        if shape == "fstr":
            lit = f"f{q}{{{name}}}-{value}{q}"
        line = {"plain": f"{name}_{i} = {lit}", "url": f"{name}_{i} = {lit}", "fstr": f"{name}_{i} = {lit}",
                "kw": f"call_{i}(password={lit})", "default": f"def fn_{i}(password={lit}):\n    return password"}[shape]
        lines.append(line)
        wanted.append(value)
    source = ("\r\n" if crlf else "\n").join(lines) + ("\r\n" if crlf else "\n")
    try:
        ast.parse(source)
    except SyntaxError:
        return
    if crlf:
        source_lf = source.replace("\r\n", "\n")
    else:
        source_lf = source
    targets = []
    for value in wanted:
        i = source_lf.find(value)
        if i < 0 or value.isspace():
            continue
        line = source_lf.count("\n", 0, i) + 1
        col = i - (source_lf.rfind("\n", 0, i) + 1) + 1
        targets.append(RewriteTarget(line, col, line, col + len(value), "hardcoded", "gen/id", "k", sha256_text(value)))
    res = rewrite_source(source, "gen.py", targets, Accessor.parse(None), unsafe=True)
    ast.parse(res.code)
    assert ("\r\n" in res.code) == crlf
    assert rewrite_source(source, "gen.py", [], Accessor.parse(None), unsafe=True).code == source
