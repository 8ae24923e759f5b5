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


# -- templates: the rewritten expression builds the same text ---------------------------------------

_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
_secret = st.tuples(st.integers(8, 24), st.integers(0, 10**6)).map(  # password-shaped, as fixtures are built
    lambda a: __import__("secretshift.scanner.samples", fromlist=["expand"]).expand(f"{{{{rand:alnum:{a[0]}}}}}", str(a[1])))


@given(_word, _word, _secret, st.sampled_from(['"', "'"]),
       st.sampled_from(["fstr", "percent", "percent-tuple", "percent-arg", "format", "format-named", "concat"]),
       st.text(alphabet=" #x", max_size=3))
@settings(max_examples=30, deadline=None)
def test_template_rewrites_build_the_same_text(user, host, pw, q, form, tail):
    """Whatever the template form, the rewritten code (with an accessor returning the stored
    value) evaluates to the very string the original did; the comment after it survives."""
    import sys
    import types

    from secretshift.scanner.models import value_hash
    from secretshift.scanner.ruleset import load_ruleset
    from secretshift.scanner.scan import scan_text

    expr = {
        "fstr": f"f{q}postgresql://{{user}}:{pw}@{{host}}/app{q}",
        "percent": f"{q}postgresql://{user}:{pw}@%s/app{q} % host",
        "percent-tuple": f"{q}postgresql://%s:{pw}@%s:%d/app{q} % (user, host, 5432)",
        "percent-arg": f"{q}postgresql://{user}:%s@%s/app{q} % ({q}{pw}{q}, host)",
        "format": f"{q}postgresql://{{}}:{pw}@{{}}/app{q}.format(user, host)",
        "format-named": f"{q}postgresql://{{u}}:{pw}@{{h}}/app{q}.format(u=user, h=host)",
        "concat": f"{q}postgresql://{q} + user + {q}:{pw}@{q} + host + {q}/app{q}",
    }[form]
    comment = f"  # keep me{tail}"
    source = f"user, host = {user!r}, {host!r}\nURL = ({expr}){comment}\nOTHER = 1  # untouched\n"
    findings = scan_text(source, "gen.py", load_ruleset(), warn=lambda m: None)
    assert [f.rule_id for f in findings] == ["SS117"], (source, findings)
    f = findings[0]
    assert f.value.reveal() == pw
    t = RewriteTarget(f.line, f.column, f.end_line, f.end_column, "hardcoded", "gen/db", "password",
                      value_sha256=value_hash(pw))
    res = rewrite_source(source, "gen.py", [t], Accessor.parse(None, "secretshift_stub_accessor"))
    assert res.applied == [t] and pw not in res.code
    lines = res.code.splitlines()
    assert lines[-1] == "OTHER = 1  # untouched" and lines[-2].endswith(comment)
    stub = types.ModuleType("secretshift_stub_accessor")
    stub.get_secret = lambda sid: {"password": pw} if sid == "gen/db" else {}
    sys.modules["secretshift_stub_accessor"] = stub
    try:
        before, after = {}, {}
        exec(compile(source, "gen.py", "exec"), before)  # noqa: S102 - generated test code
        exec(compile(res.code, "gen.py", "exec"), after)  # noqa: S102
    finally:
        sys.modules.pop("secretshift_stub_accessor", None)
    assert after["URL"] == before["URL"]


def test_formatting_and_comments_around_edits_survive():
    """Every line without a target is byte-identical after the rewrite (CRLF, tabs, trailing
    whitespace, comments); on edited lines, the text before and after the literal is kept."""
    from secretshift.scanner.samples import expand

    pw = expand("{{rand:alnum:18}}", "prop-fmt")
    source = ("# -*- coding: utf-8 -*-\r\n"
              "import os  \t# spaced\r\n"
              "\r\n"
              "CONFIG = {\r\n"
              f"\t'password':   '{pw}',   # the db\r\n"
              "    'host'  :  'db' ,\r\n"
              "}\r\n"
              f"PASSWORD = (  '{pw}'  )  # again\r\n")
    text = source.replace("\r\n", "\n")
    targets = []
    for i, ln in enumerate(text.splitlines(), 1):
        if pw in ln:
            c = ln.index(pw) + 1
            targets.append(RewriteTarget(i, c, i, c + len(pw), "hardcoded", "p/db", "password", sha256_text(pw)))
    res = rewrite_source(source, "s.py", targets, Accessor.parse(None))
    new = res.code.split("\r\n")
    old = source.split("\r\n")
    added = [ln for ln in new if ln not in old]
    assert added == ["from secretshift_secrets import get_secret",
                     "\t'password':   get_secret('p/db')['password'],   # the db",
                     "PASSWORD = (  get_secret('p/db')['password']  )  # again"]
    assert [ln for ln in old if ln not in new] == [old[4], old[7]]
