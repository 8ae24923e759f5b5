"""The code engine (tree-sitter): what a parser knows that a keyword regex does not.

Values are built at test time (``expand``); each case checks the rule, the decoded value and that
the span points at the literal in the text.
"""
from __future__ import annotations

import pytest

from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.samples import expand
from secretshift.scanner.scan import scan_text

RULESET = load_ruleset()
PW = expand("{{rand:alnum:18}}", "code-engine")


def _scan(text: str, path: str, warnings: list[str] | None = None):
    sink = warnings if warnings is not None else []
    return scan_text(text, path, RULESET, warn=sink.append)


def _hits(text: str, path: str) -> list[tuple[str, str, str]]:
    return [(f.rule_id, f.symbol or "", f.value.reveal()) for f in _scan(text, path) if f.value]


def _span(text: str, f) -> str:
    lines = text.splitlines()
    assert f.line == f.end_line
    return lines[f.line - 1][f.column - 1:f.end_column - 1]


@pytest.mark.parametrize("path,code,rule,symbol", [
    ("app.js", 'const dbPassword = "{PW}";', "SS120", "dbPassword"),
    ("app.mjs", 'export default {{ auth: {{ clientSecret: "{PW}" }} }};', "SS122", "clientSecret"),
    ("svc.ts", 'class S {{ private readonly apiKey: string = "{PW}"; }}', "SS120", "apiKey"),
    ("form.tsx", 'const f = <Login data-api-key="{PW}" />;', "SS126", "data-api-key"),
    ("main.go", 'package m\nfunc f() {{ c := Config{{Password: "{PW}"}}; _ = c }}', "SS122", "Password"),
    ("A.java", 'class A {{ void f() {{ ds.setPassword("{PW}"); }} }}', "SS125", "Password"),
    ("A.cs", 'class A {{ void F() {{ var o = new Opts {{ ClientSecret = "{PW}" }}; }} }}', "SS120", "ClientSecret"),
    ("B.kt", 'fun f() {{ connect(apiToken = "{PW}") }}', "SS121", "apiToken"),
    ("app.rb", 'Stripe.api_key = "{PW}"', "SS120", "Stripe.api_key"),
    ("wp.php", "<?php\n$CONF[ 'db_password' ] = '{PW}';", "SS122", "CONF.db_password"),
    ("k.c", 'static const char *auth_token = "{PW}";', "SS120", "auth_token"),
    ("k.cpp", 'bool ok(const std::string &t) {{ return t == "x" || token == "{PW}"; }}', "SS124", "token"),
    ("main.rs", 'fn main() {{ let cfg = Cfg {{ secret: String::from("{PW}") }}; }}', "SS122", "secret"),
    ("cases.js", 'apikey_myservice: "{PW}"', "SS122", "apikey_myservice"),
    ("env.js", 'const dbPassword = process.env.DB_PASSWORD || "{PW}";', "SS120", "dbPassword"),
    ("cfg.php", "<?php\n$_DVWA[ 'db_password' ] = getenv('DB_PASSWORD') ?: '{PW}';", "SS122", "_DVWA.db_password"),
    ("run.sh", 'aws configure set aws_secret_access_key "{PW}"\nmycli --api-token={PW}', "SS127", "api-token"),
])
def test_a_literal_bound_to_a_secret_name_in_each_language(path, code, rule, symbol):
    text = code.format(PW=PW) + "\n"
    found = [f for f in _scan(text, path) if f.rule_id == rule]
    assert [f.symbol for f in found] == [symbol]
    assert found[0].value.reveal() == PW and _span(text, found[0]) == PW


@pytest.mark.parametrize("path,code", [
    ("a.ts", "const password = getPassword();"),
    ("a.ts", "const token = `Bearer ${session.token}`;"),
    ("a.ts", "const password = config.db.password;"),
    ("a.ts", "const PASS_RE = /^[A-Za-z0-9]{12,}$/;"),
    ("a.ts", 'const privateKey = pulumi.secret(fs.readFileSync(keyPath).toString());'),
    ("a.tsx", 'const f = <TextField type="password" variant="outlined" label="Mot de passe" />;'),
    ("a.cs", "class A { void F() { var privateKey = Output.CreateSecret(File.ReadAllText(path)); } }"),
    ("a.go", 'package m\nfunc f() { if args.TypeToken == "kubernetes:core/v1:Service" { } }'),
    ("a.go", "package m\nvar s = map[string]string{\"password\": os.Getenv(\"DB_PASSWORD\")}"),
    ("a.java", 'class A { String pw = System.getenv("PW"); }'),
    ("a.rb", 'ENV["API_TOKEN"] = "#{prefix}abc"'),
    ("a.php", "<?php\n$password = \"prefix$rest\";"),
])
def test_code_is_never_a_hardcoded_credential(path, code):
    assert _hits(code + "\n", path) == []


def test_escapes_are_decoded_and_the_span_covers_the_literal():
    text = 'const apiKey = "ab\\u0063' + PW + '\\n";\n'
    (f,) = _scan(text, "k.js")
    assert f.value.reveal() == "abc" + PW + "\n"
    assert _span(text, f) == "ab\\u0063" + PW + "\\n"


def test_a_concatenation_of_literals_is_one_value_and_a_mixed_one_none():
    a, b = PW[:9], PW[9:]
    assert _hits(f'const password = "{a}" + "{b}";\n', "a.js") == [("SS120", "password", PW)]
    assert _hits(f'const password = "{a}" + suffix;\n', "a.js") == []


def test_key_bytes_are_reported_as_hex():
    key = bytes.fromhex(expand("{{rand:hex:32}}", "aes"))
    body = ", ".join(f"0x{b:02x}" for b in key)
    (f,) = _scan(f"static const uint8_t aes_key[16] = {{{body}}};\n", "crypt.c")
    assert (f.rule_id, f.value.reveal()) == ("SS128", key.hex())


def test_generic_rules_do_not_run_on_a_parsed_file_but_read_its_comments():
    code = 'var privateKey = Output.CreateSecret(File.ReadAllText(path));\n'
    assert _hits("class A { void F() { " + code + " } }\n", "A.cs") == []
    in_comment = f'const a = 1;\n//     password: "{PW}"\n'
    assert [h[0] for h in _hits(in_comment, "a.ts")] == ["SS101"]


# --- bad input: one warning line, the generic rules instead, the scan goes on ---------------------

def test_syntax_errors_fall_back_to_the_generic_rules_with_one_warning():
    warnings: list[str] = []
    text = f'password "{PW}";\nthis is not {{ javascript\n'
    found = _scan(text, "broken.js", warnings)
    assert [f.rule_id for f in found] == ["SS101"] and found[0].value.reveal() == PW
    assert len(warnings) == 1 and warnings[0].startswith("broken.js: could not parse as javascript")


def test_a_newer_syntax_on_one_line_leaves_the_rest_to_the_parser():
    lines = ["const v = value |> double(%);", f'const password = "{PW}";'] + [f"function f{i}() {{}}" for i in range(12)]
    warnings: list[str] = []
    assert [f.rule_id for f in _scan("\n".join(lines) + "\n", "pipe.js", warnings)] == ["SS120"]
    assert warnings == []


def test_a_template_mixed_into_code_falls_back():
    text = "{% if prod %}\nconst password = '{{ vault_pw }}';\n{% endif %}\n{% for x in y %}{{ x }}{% endfor %}\n"
    warnings: list[str] = []
    text += f"db_password = '{PW}'\n"
    found = _scan(text, "settings.js", warnings)
    assert [f.value.reveal() for f in found] == [PW]
    assert len(warnings) == 1 and "could not parse as javascript" in warnings[0]


def test_huge_or_minified_files_never_reach_the_parser(monkeypatch):
    from secretshift.scanner import treesitter

    monkeypatch.setattr(treesitter, "parser_for", lambda lang: pytest.fail("parsed a minified file"))
    line = ";".join(f"var a{i}=b{i}" for i in range(4000))
    warnings: list[str] = []
    found = _scan(line + f';var password="{PW}"\n', "bundle.js", warnings)
    assert [f.rule_id for f in found] == ["SS101"]
    assert len(warnings) == 1 and "minified" in warnings[0]


def test_a_missing_grammar_warns_once_naming_the_language(monkeypatch, tmp_path):
    from secretshift.scanner import treesitter
    from secretshift.scanner.engines import code
    from secretshift.scanner.scan import ScanOptions, scan_paths

    monkeypatch.setitem(treesitter._missing, "go", "the go grammar (tree-sitter-go) is not usable here: ImportError")
    monkeypatch.delitem(treesitter._languages, "go", raising=False)
    monkeypatch.setattr(code, "_WARNED_MISSING", set())
    for i in range(2):
        (tmp_path / f"m{i}.go").write_text(f'package m\nconst dbPassword = "{PW}{i}"\n')
    (tmp_path / "ok.js").write_text(f'const dbPassword = "{PW}";\n')
    warnings: list[str] = []
    res = scan_paths(ScanOptions(root=tmp_path, all_files=True, jobs=1), RULESET, warn=warnings.append)
    assert sorted((f.file, f.rule_id) for f in res.findings) == [("m0.go", "SS101"), ("m1.go", "SS101"),
                                                                 ("ok.js", "SS120")]
    assert len(warnings) == 1 and "tree-sitter-go" in warnings[0] and "go files" in warnings[0]


def test_an_engine_failure_is_one_line_and_the_generic_rules_step_in(monkeypatch):
    from secretshift.scanner.engines import code

    def boom(*a, **k):
        raise RuntimeError("secret " + PW)

    monkeypatch.setattr(code, "_candidates", boom)
    warnings: list[str] = []
    found = _scan(f'const dbPassword = "{PW}";\n', "a.js", warnings)
    assert [f.rule_id for f in found] == ["SS101"]
    assert warnings == ["a.js: engine code gave up: RuntimeError"]


def test_history_gate_answers_for_code_fragments():
    from secretshift.scanner.scan import may_hold_secret

    assert may_hold_secret(f'var dbPassword = "{PW}"\n', "a.go", RULESET)
    assert not may_hold_secret("var dbPassword = readPassword()\n", "a.go", RULESET)


def test_history_gate_with_the_history_rules_judges_python_and_go_fragments_by_their_lines():
    """The history scan keeps SS212 (a literal fallback is a credential) and drops env-kind rules: a
    Python fragment with no candidate is then no reason to scan its blob (SS212 reads other languages
    only; answering yes there made psf/requests' history 4x slower), and a Go read's fallback is judged
    on the fragment."""
    from secretshift.scanner.scan import may_hold_secret

    history = RULESET.subset(lambda r: r.kind != "env")
    assert any(r.id == "SS212" for r in history.rules)
    assert not may_hold_secret("import os\nx = os.environ.get('PORT')\n", "app/run.py", history)
    assert not may_hold_secret('pw := os.Getenv("DB_PASSWORD")\n', "main.go", history)
    assert may_hold_secret(f'pw := getEnv("DB_PASSWORD", "{PW}")\n', "main.go", history)


def test_explain_names_the_languages_of_the_code_engine(capsys):
    from secretshift.cli import main

    assert main(["explain", "SS120"]) == 0
    out = capsys.readouterr().out
    assert "languages:" in out and "Kotlin" in out and "Rust" in out


def test_the_ruleset_knows_the_code_engine_matchers_and_names_from_resolves():
    from secretshift.scanner.engines import code
    from secretshift.scanner.ruleset import ENGINE_MATCHERS

    assert set(ENGINE_MATCHERS["code"]) == set(code.MATCHERS)
    ss110, ss120 = RULESET.get("SS110"), RULESET.get("SS120")
    assert ss120.name_pattern is ss110.name_pattern
    assert ss120.options["exclude_name_pattern"] == ss110.options["exclude_name_pattern"]
    assert set(ss110.keywords) <= set(ss120.keywords)
    off = load_ruleset(disabled=["SS110"])  # disabling the source rule keeps the names
    assert off.get("SS110") is None and off.get("SS120").name_pattern is not None


@pytest.mark.parametrize("path,line,opens", [
    ("a.go", 'var dbPassword string = "{PW}"', True),  # a type between the name and `=`
    ("a.go", "var dbPassword string = readPassword()", False),
    ("a.php", "echo $password      ?: '{PW}';", True),  # no operator after the name: `?:`
    ("a.java", 'if ("{PW}".equals(password)) {{ }}', True),  # the literal before the name
    ("a.java", "if (user.equals(password)) {{ }}", False),
    ("a.js", 'setPassword("{PW}")', True),  # a call binds its argument only as a setter
    ("a.js", 'requireSecret("name")', False),
    ("a.js", 'const passwordLabel = "{PW}"', False),  # a name no rule matches
    ("a.c", "static const uint8_t aes_key[] = {{0x01, 0x02}};", True),  # key bytes
])
def test_the_gate_opens_on_a_secret_name_meeting_a_literal(path, line, opens):
    from secretshift.scanner.engines import FileContext, code

    rules = [r for r in RULESET.rules if r.engine == "code"]
    text = line.format(PW=PW) + "\n"
    assert code.may_match(FileContext(path=path, text=text, language="x"), rules) is opens
    # the names the gate judged are kept per rule list: a second file gets the same answers
    assert code.may_match(FileContext(path=path, text=text, language="x"), rules) is opens


def test_the_gate_does_not_backtrack_through_a_long_name_or_run_of_spaces():
    """A failing occurrence once re-tried every later part of the pattern per character of the
    name and per split of a run of spaces (milliseconds per occurrence): same answer, one pass."""
    from secretshift.scanner.engines import code

    rx = code._TAILS["code"]
    for tail in ("word" + "x" * 200 + ")", "'" + " " * 40 + "=> value, // note"):
        assert rx.match(tail) is None
    m = rx.match("word" + " " * 12 + '= "x"')
    assert m is not None and m.group("call") is None


def test_a_file_the_gate_kept_from_the_parser_is_parsed_late_only_for_a_value_the_filters_keep():
    from secretshift.scanner.engines import code

    code.STATS.clear()
    found = _scan("const x = 1;\n// password: your_password_here\n", "late.js")
    assert found == [] and code.STATS.get("javascript", {}).get("parsed late", 0) == 0
    found = _scan(f"const x = 1;\n// password: {PW}\n", "late.js")
    assert [f.rule_id for f in found] == ["SS101"]  # a comment: the generic rules read it
    assert code.STATS["javascript"]["parsed late"] == 1


@pytest.mark.parametrize("backend", ["python", "hyperscan"])
def test_the_gate_reads_the_lines_the_pass_gave(backend):
    from secretshift.scanner.engines import FileContext, code
    from secretshift.scanner.prepass import Prepass, hyperscan_module

    if backend == "hyperscan" and hyperscan_module() is None:
        pytest.skip("no hyperscan here")
    rules = [r for r in RULESET.rules if r.engine == "code"]
    pp = Prepass(rules)
    pp.force = backend
    text = ("const a = 1;\n" * 50 + "const token = getToken();\n" + "x();\n" * 50
            + f'const dbPassword = "{PW}";\n' + "// the end")
    ctx = FileContext(path="a.ts", text=text, language="javascript", hits=pp.scan(text))
    spans = list(code._gate_spans(ctx, code._prepared(rules)))
    assert [ctx.position(s)[0] for s, _ in spans] == [102]
    assert code.may_match(FileContext(path="a.ts", text=text, language="javascript"), rules)  # no pass: every line
