"""Properties of the JavaScript and deployment-file rewrites, like the Python codemods': the output always
parses, a file without a target stays byte-identical, comments and formatting around an edit survive, and
a second run with the same targets changes nothing."""
from __future__ import annotations

import json

import yaml
from hypothesis import assume, given, settings, strategies as st

from secretshift.codemods.deploy import Options, rewrite_text
from secretshift.codemods.deploy.check import syntax_errors
from secretshift.codemods.targets import RewriteTarget, sha256_text

names = st.from_regex(r"[A-Z][A-Z0-9_]{2,10}", fullmatch=True)
values = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9+/=_.@-]{7,30}", fullmatch=True)
comments = st.from_regex(r"[a-z ]{0,20}", fullmatch=True).map(lambda s: "# " + s.strip())


def distinct(vals, others=()) -> bool:
    """No value inside another value or name (a check that a value is gone would see the other)."""
    vals = list(vals)
    return not any(a != b and a in b for a in vals for b in vals + list(others))


def target_at(text: str, start: int, value: str, i: int, key: str | None = "value") -> RewriteTarget:
    line = text.count("\n", 0, start) + 1
    col = start - (text.rfind("\n", 0, start) + 1) + 1
    return RewriteTarget(line, col, line, col + len(value), "hardcoded", f"p/s{i}", key, sha256_text(value),
                         fingerprint=f"P{i}")


@given(st.lists(st.tuples(names, values, st.booleans()), min_size=1, max_size=6,
                unique_by=(lambda x: x[0], lambda x: x[1])),
       st.sampled_from([None, 2, 4, "\t"]), st.sampled_from([(", ", ": "), (",", ":"), (",  ", " : ")]))
@settings(max_examples=30, deadline=None)
def test_ecs_any_layout_parses_and_keeps_the_rest(entries, indent, seps):
    assume(distinct([v for _, v, _ in entries], [n for n, _, _ in entries]))
    doc = {"family": "f", "containerDefinitions": [{"name": "c", "environment": [
        {"name": n, "value": v} for n, v, _ in entries]}]}
    text = json.dumps(doc, indent=indent, separators=seps)
    targets = []
    for i, (n, v, pick) in enumerate(entries):
        if pick:
            start = text.index(json.dumps(v), text.index(json.dumps(n))) + 1
            targets.append(target_at(text, start, v, i))
    rw = rewrite_text(text, "task.json", targets, Options(region="r", account="1"))
    out = json.loads(rw.text)
    c = out["containerDefinitions"][0]
    moved = {n for n, _, pick in entries if pick}
    assert [e["name"] for e in c.get("environment", [])] == [n for n, _, p in entries if not p]
    assert [e["name"] for e in c.get("secrets", [])] == [n for n, _, p in entries if p]
    assert all(v not in rw.text for n, v, p in entries if p)
    assert ("\n" in rw.text) == ("\n" in text)
    if not moved:
        assert rw.text == text
    assert rewrite_text(rw.text, "task.json", targets, Options()).text == rw.text


@given(st.lists(st.tuples(names, values, st.sampled_from(["", "'", '"']), st.one_of(st.none(), comments),
                          st.booleans()), min_size=1, max_size=6, unique_by=(lambda x: x[0], lambda x: x[1])),
       st.sampled_from([2, 4]), comments)
@settings(max_examples=30, deadline=None)
def test_compose_comments_and_untouched_lines_survive(entries, ind, head):
    pad = " " * ind
    lines = [head, "services:", f"{pad}web:", f"{pad * 2}image: shop:1", f"{pad * 2}environment:"]
    starts = []
    for n, v, q, c, _ in entries:
        prefix = f"{pad * 3}{n}: {q}"
        starts.append(len("\n".join(lines)) + 1 + len(prefix))
        lines.append(f"{prefix}{v}{q}" + (f"  {c}" if c else ""))
    text = "\n".join(lines) + "\n"
    targets = [target_at(text, s, v, i) for i, (s, (n, v, q, c, pick)) in enumerate(zip(starts, entries)) if pick]
    rw = rewrite_text(text, "docker-compose.yml", targets, Options())
    env = yaml.safe_load(rw.text)["services"]["web"]["environment"]
    for n, v, q, c, pick in entries:
        assert env[n] == (f"${{{n}:?set {n}}}" if pick else v)
    before, after = text.splitlines(), rw.text.splitlines()
    assert len(before) == len(after)
    for (n, v, q, c, pick), b, a in zip(entries, before[5:], after[5:]):
        assert (a == b) != pick and (not c or a.endswith("  " + c))  # an edit keeps the line's comment
    assert before[:5] == after[:5]
    if not targets:
        assert rw.text == text


CONTEXTS = [
    ("top", 'const {n} = "{v}";'),
    ("async", 'async function f_{n}() {{\n  // keep me\n  return "{v}";\n}}'),
    ("sync", 'function g_{n}(a = 1) {{ return a + "{v}"; }}'),
    ("field", 'class C_{n} {{\n  k = "{v}"; /* field */\n}}'),
    ("tpl", 'const t_{n} = `pre-{v}-post`;'),
    ("obj", 'const o_{n} = {{ key: "{v}", other: 1 }};'),
    ("arrow", 'const h_{n} = async () => ({{ v: "{v}" }});'),
]


@given(st.lists(st.tuples(st.sampled_from(CONTEXTS), st.from_regex(r"[a-z]{3,8}", fullmatch=True), values,
                          st.booleans(), comments), min_size=1, max_size=6,
                unique_by=(lambda x: x[1], lambda x: x[2])),
       st.sampled_from(["esm", "cjs"]), st.booleans())
@settings(max_examples=40, deadline=None)
def test_javascript_always_parses_and_comments_survive(items, system, sync):
    assume(distinct([v for _, _, v, _, _ in items], [n for _, n, _, _, _ in items]))
    head = "import x from 'y';" if system == "esm" else "const x = require('y');"
    parts, spans = [head], []
    for (ctx, tmpl), n, v, pick, c in items:
        parts.append("/" + "/ " + c[2:])
        code = tmpl.format(n=n, v=v)
        spans.append((len("\n".join(parts)) + 1 + code.index(v), v, pick))
        parts.append(code)
    text = "\n".join(parts) + "\n"
    targets = [target_at(text, s, v, i) for i, (s, v, pick) in enumerate(spans) if pick]
    path = "src/a.mjs" if system == "esm" else "src/a.cjs"
    rw = rewrite_text(text, path, targets, Options(js_sync_fallback=sync))
    assert syntax_errors(rw.text, path, "javascript") == 0
    for line in text.splitlines():
        if line.lstrip().startswith("//"):
            assert line.strip() in rw.text
    assert rw.text.count("/* field */") == text.count("/* field */")
    assert rw.text.count("// keep me") == text.count("// keep me")
    applied = [o for o in rw.outcomes if o.status == "applied"]
    for s, v, pick in spans:
        assert (v in rw.text) != pick or (not sync and any(o.status == "patch" for o in rw.outcomes))
    if not applied:
        assert rw.text == text
    else:
        assert "secretshift-secrets." in rw.text
        assert rewrite_text(rw.text, path, targets, Options(js_sync_fallback=sync)).text == rw.text
