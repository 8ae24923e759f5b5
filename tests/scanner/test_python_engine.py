"""The python engine: hardcoded credentials in Python found through the stdlib ast.

Fixtures are templates (tests/scanner/fixtures/python/*.tmpl) expanded at test time, so the
repository never holds a full credential; ``{{rand:alnum:N}}`` always expands to N characters, so
columns in the expected tables do not depend on the seed.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from secretshift.scanner.engines import _py_source
from secretshift.scanner.ruleset import load_ruleset
from secretshift.scanner.samples import expand
from secretshift.scanner.scan import ScanOptions, scan_text

FIXTURES = Path(__file__).parent / "fixtures" / "python"
RULESET = load_ruleset()


def fixture(name: str, seed: str = "seed") -> str:
    return expand((FIXTURES / name).read_text(encoding="utf-8"), seed)


def scan(text: str, path: str = "app.py", opts: ScanOptions | None = None, warnings: list[str] | None = None):
    sink = warnings if warnings is not None else []
    return scan_text(text, path, RULESET, opts, warn=sink.append)


def literal_at(text: str, f) -> str:
    lines = text.split("\n")
    assert f.line == f.end_line
    return lines[f.line - 1][f.column - 1:f.end_column - 1]


# (line, column, end_column, rule, symbol, field)
HARDCODED = [
    (5, 16, 32, "SS110", "DB_PASSWORD", "password"),
    (6, 19, 43, "SS110", "API_TOKEN", "token"),
    (7, 19, 47, "SS110", "stripe.api_key", "api_key"),
    (8, 25, 39, "SS110", "db_pass", "password"),
    (9, 54, 72, "SS112", "DATABASES.default.PASSWORD", "password"),
    (10, 37, 55, "SS112", "DATABASES.default.PASSWORD", "password"),
    (14, 19, 51, "SS110", "secret_key", "secret_key"),
    (16, 40, 56, "SS113", "password", "password"),
    (17, 26, 46, "SS110", "self.password", "password"),
    (18, 62, 78, "SS111", "password", "password"),
    (21, 22, 46, "SS114", "token", "token"),
    (26, 42, 62, "SS111", "auth", "password"),
    (27, 33, 65, "SS115", "API_KEY", "api_key"),
    (28, 18, 55, "SS110", "HEADER_TOKEN", "token"),
    (29, 24, 72, "SS116", "SUPER_SEECRET_VALUE", None),
    (30, 21, 43, "SS110", "signing_key", "secret_key"),
]


def test_every_matcher_reports_the_exact_literal_span():
    text = fixture("hardcoded.py.tmpl")
    hard = [f for f in scan(text) if f.kind == "hardcoded"]
    got = [(f.line, f.column, f.end_column, f.rule_id, f.symbol, f.field) for f in hard]
    assert got == HARDCODED
    for f in hard:  # the span is the value itself (inside the quotes), and the value is kept in memory
        assert literal_at(text, f) == f.value.reveal()


def test_service_hints_come_from_the_name():
    hard = {(f.line, f.symbol): f for f in scan(fixture("hardcoded.py.tmpl")) if f.kind == "hardcoded"}
    assert hard[(5, "DB_PASSWORD")].service == "database"
    assert hard[(7, "stripe.api_key")].service == "stripe"
    assert hard[(9, "DATABASES.default.PASSWORD")].service == "database"
    assert hard[(17, "self.password")].service is None


def test_env_default_literal_gives_two_findings_and_the_report_never_holds_the_value():
    text = fixture("hardcoded.py.tmpl")
    on_27 = [f for f in scan(text) if f.line == 27]
    assert sorted((f.rule_id, f.kind, f.symbol) for f in on_27) == [
        ("SS115", "hardcoded", "API_KEY"), ("SS201", "env", "API_KEY")]
    env = next(f for f in on_27 if f.kind == "env")
    secret = next(f for f in on_27 if f.kind == "hardcoded").value.reveal()
    assert env.expression == 'os.getenv("API_KEY", "***")' and secret not in env.expression
    dumped = json.dumps([f.to_dict() for f in scan(text)])
    for f in scan(text):
        if f.value is not None:
            assert f.value.reveal() not in dumped


def test_negatives_are_not_hardcoded_findings():
    findings = scan(fixture("negatives.py.tmpl"))
    assert [(f.line, f.rule_id) for f in findings if f.kind == "hardcoded"] == []
    # the environment read on line 7 is the one finding (the env engine's)
    assert [(f.line, f.rule_id, f.symbol) for f in findings] == [(7, "SS201", "SECRET_KEY")]


@pytest.mark.parametrize("seed", ["a", "b", "c"])
def test_results_do_not_depend_on_the_random_values(seed):
    hard = [f for f in scan(fixture("hardcoded.py.tmpl", seed)) if f.kind == "hardcoded"]
    assert [(f.line, f.column, f.rule_id) for f in hard] == [(h[0], h[1], h[3]) for h in HARDCODED]


def test_columns_are_characters_not_utf8_bytes():
    value = expand("{{rand:alnum:20}}", "utf8")
    text = f'GREETING = "héllo wörld ✓"; API_TOKEN = "{value}"\nname = "日本語"; password = "{value}x"\n'
    hard = scan(text)
    assert [(f.line, f.column, f.end_column, f.symbol) for f in hard] == [
        (1, 42, 62, "API_TOKEN"), (2, 27, 48, "password")]
    for f in hard:
        assert literal_at(text, f) == f.value.reveal()


def test_multiline_string_spans_lines_exactly():
    value = expand("{{rand:alnum:18}}", "ml")
    text = f'x = 1\nPRIVATE_TOKEN = """\n  {value}\n"""\n'
    (f,) = scan(text)
    assert (f.line, f.column, f.end_line, f.end_column) == (2, 20, 4, 1)
    assert f.value.reveal() == f"\n  {value}\n"


def test_crlf_and_bom_keep_positions():
    value = expand("{{rand:alnum:16}}", "crlf")
    text = f'\ufeffimport os\r\nDB_PASSWORD = "{value}"\r\n'
    (f,) = scan(text)
    assert (f.line, f.column, f.end_column) == (2, 16, 32)
    assert f.value.reveal() == value


def test_fstring_and_concatenation_report_the_literal_part():
    value = expand("{{rand:alnum:24}}", "parts")
    text = f'token = f"{{prefix}}{value}"\npassword = user + "{value}x"\nauth = "Bearer " + token\n'
    hard = scan(text)
    assert [(f.line, f.symbol, f.value.reveal()) for f in hard] == [
        (1, "token", value), (2, "password", value + "x")]
    assert literal_at(text, hard[0]) == value


def test_annotation_that_cannot_be_a_type_is_read_as_a_value():
    value = "m{{h}o)p${e]nob(ody[finds>-_$#thisone}}"  # detect-secrets' own odd-but-real password
    text = f'aws_secret_access_key: "{value}"\npassword: "Optional[str]" = None\ncreds: "Credentials"\n'
    hard = scan(text)
    assert [(f.line, f.column, f.symbol) for f in hard] == [(1, 25, "aws_secret_access_key")]
    assert hard[0].value.reveal() == value


def test_syntax_error_falls_back_to_text_and_warns_once():
    value = expand("{{rand:alnum:16}}", "fallback")
    text = (
        "import os\n"
        f'password => "{value}"\n'
        f'if ("{value}y" == passwd) {{\n'
        f'api_key: `{value}z`\n'
        'token = "${TOKEN}"\n'
        'x = os.environ["DB_PASSWORD"]\n'
        "print 'python 2'\n"
    )
    with pytest.raises(SyntaxError) as err:
        compile(text, "app.py", "exec")
    warnings: list[str] = []
    found = scan(text, warnings=warnings)
    assert warnings == [f"app.py: not valid Python (line {err.value.lineno}): scanned as text"]
    assert [(f.line, f.column, f.rule_id, f.symbol) for f in found] == [
        (2, 14, "SS190", "password"), (3, 6, "SS190", "passwd"), (4, 11, "SS190", "api_key"),
        (6, 5, "SS201", "DB_PASSWORD")]
    assert [f.value.reveal() for f in found if f.kind == "hardcoded"] == [value, value + "y", value + "z"]


def test_vendor_rule_wins_over_the_generic_name_rule_on_the_same_literal():
    text = expand('MY_SECRET = "AKIA{{rand:b32:16}}"\n', "vendor")
    found = scan(text)
    assert [(f.rule_id, f.column) for f in found] == [("SS401", 14)]


def test_files_without_a_secret_looking_name_are_not_parsed(parsed):
    assert scan("import math\nprint(math.pi)\nRADIUS = 'large'\n") == []
    assert parsed == []
    text = expand('import os\nDB_PASSWORD = "{{rand:alnum:16}}"\nX = os.environ["API_TOKEN"]\n', "p")
    assert [f.rule_id for f in scan(text)] == ["SS110", "SS201"]
    assert len(parsed) == 1  # both engines share one parse
    # a keyword inside a name no rule matches ("auth" in __author__, "token" in tokenizer_name)
    assert scan("__author__ = 'Kenneth Reitz'\nauthority = 'ca.internal:443'\ntokenizer_name = 'wordpiece'\n") == []
    assert len(parsed) == 1
    # env reads with defaults, but of names that are not secrets: no default of theirs is reported
    assert scan("import os\nHOME = os.getenv('HOME', '/root')\nv = getattr(obj, 'name', None)\n") == []
    assert len(parsed) == 1
    # ... while the same keyword in a rule's name is parsed and found
    text = expand("__author__ = 'Kenneth Reitz'\nauth = '{{rand:alnum:20}}'\n", "a")
    assert [f.rule_id for f in scan(text)] == ["SS110"]
    assert len(parsed) == 2


def test_inline_suppression_applies():
    text = expand('DB_PASSWORD = "{{rand:alnum:16}}"  # secretshift: allow[SS110]\n', "sup")
    assert scan(text) == []


def test_tuple_value_reports_each_secret_element():
    a, b = expand("{{rand:hex:32}}", "t1"), expand("{{rand:hex:32}}", "t2")
    text = f"SUPER_SECRET_VALUES = '{a}', '{b}'\n"
    assert [(f.column, f.value.reveal()) for f in scan(text)] == [(24, a), (60, b)]


def test_long_concatenation_chain_is_walked_without_recursion():
    value = expand("{{rand:alnum:20}}", "chain")
    text = "password = " + " + ".join(["x"] * 2000 + [f'"{value}"']) + "\n"
    (f,) = scan(text)
    assert (f.symbol, f.value.reveal(), f.column) == ("password", value, len(text) - len(value) - 1)


# --- the statements the engine walks (PySource.nodes_on) -----------------------------------------

def test_only_statements_on_gate_lines_are_walked_and_each_form_is_still_found(monkeypatch):
    """A large module with a few secrets in different statement forms: every one is found, and far
    fewer nodes than the module has are walked."""
    vals = [expand("{{rand:alnum:22}}", f"walk{i}") for i in range(6)]
    filler = "".join(f"def helper_{i}(x):\n    y = [x + {i} for _ in range(3)]\n    return y\n\n" for i in range(300))
    text = (filler
            + f'@app.route("/login", password="{vals[0]}")\ndef view():\n    pass\n\n'
            + f"class Settings:\n    class Inner:\n        db_password = '{vals[1]}'\n\n"
            + f"try:\n    pass\nexcept ValueError:\n    connect(password='{vals[2]}')\n\n"
            + f"match cmd:\n    case 'go':\n        login(password='{vals[3]}')\n\n"
            + f"CONFIG = {{\n    'db': {{\n        'password': '{vals[4]}',\n    }},\n}}\n\n"
            + f"def f(\n    a,\n    api_token='{vals[5]}',\n):\n    return a\n"
            + filler)
    walked = []
    real = _py_source.PySource.nodes_on

    def spy(self, lines):
        out = real(self, lines)
        walked.append((len(out), len(self.nodes)))
        return out

    _py_source._CACHE.clear()
    monkeypatch.setattr(_py_source.PySource, "nodes_on", spy)
    found = scan(text)
    assert sorted(literal_at(text, f) for f in found) == sorted(vals)
    assert {f.symbol for f in found if literal_at(text, f) == vals[4]} == {"CONFIG.db.password"}
    (n_walked, n_all), = walked
    assert n_walked * 20 < n_all


def test_walking_gate_statements_gives_what_walking_every_node_gives(monkeypatch):
    """On real modules (the standard library's, wherever the tests run), pruning never changes
    the candidates that pass the value filters (the gate also leaves out lines whose plain
    literal no rule would report)."""
    import sysconfig

    from secretshift.scanner import filters
    from secretshift.scanner.engines import FileContext, python_ast
    from secretshift.scanner.scan import _plan

    rules = _plan(RULESET).by_engine["python"]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = sorted(p for p in stdlib.rglob("*.py") if "test" not in p.parts and "site-packages" not in p.parts)
    checked = 0
    for p in files:
        try:
            text = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        low = text.lower()
        if not any(k in low for k in ("passw", "token", "secret", "auth", "getenv")):
            continue
        runs = []
        for prune in (True, False):
            _py_source._CACHE.clear()
            if not prune:
                monkeypatch.setattr(_py_source.PySource, "nodes_on", lambda self, lines: self.nodes)
            ctx = FileContext(path=p.name, text=text, language="python")
            runs.append(sorted((c.rule.id, c.start, c.end) for c in python_ast.run(ctx, rules)
                               if filters.check_value(c, c.rule) is None))
            monkeypatch.undo()
        assert runs[0] == runs[1], p
        checked += 1
        if checked == 120:
            break
    assert checked >= 40


# --- the pre-parse gate (python_ast._gate): it may leave a line out only when parsing would find
# nothing there -------------------------------------------------------------------------------------

def _filtered(text: str, gate_off: bool, monkeypatch) -> list[tuple[str, int, int]]:
    from secretshift.scanner import filters
    from secretshift.scanner.engines import FileContext, python_ast
    from secretshift.scanner.scan import _plan

    rules = _plan(RULESET).by_engine["python"]
    _py_source._CACHE.clear()
    if gate_off:
        monkeypatch.setattr(python_ast, "_gate", lambda ctx, rules: None)
    ctx = FileContext(path="m.py", text=text, language="python")
    try:
        return sorted((c.rule.id, c.start, c.end) for c in python_ast.run(ctx, rules)
                      if filters.check_value(c, c.rule) is None)
    finally:
        monkeypatch.undo()


def test_gate_leaves_out_lines_that_bind_nothing_and_keeps_those_that_might(monkeypatch):
    """Names in docstrings and comments, class names, a value that ends with its statement, a
    tuple that only looks like an env read: no reason to parse. The look-alikes that do bind a
    secret are still found, and with the gate off the same candidates come out."""
    from secretshift.scanner.engines import FileContext, python_ast
    from secretshift.scanner.scan import _plan

    v = [expand("{{rand:alnum:18}}", f"gate{i}") for i in range(5)]
    quiet = ('"""Example::\n\n    connect(password="hunter2-example")\n"""\n'
             '# api_token = "commented-out-0x55"\n'
             'class SessionToken:\n    """A token."""\n'
             'default_token = "_sa_default"\n"""The token used when none is given."""\n'
             'pairs = [("password", "")]\n')
    rules = _plan(RULESET).by_engine["python"]
    ctx = FileContext(path="m.py", text=quiet, language="python")
    assert python_ast._gate(ctx, [r for r in rules if r.matcher in python_ast.MATCHERS]) == []
    loud = (quiet
            + f'call(\n    token="ab"\n    "{v[0]}")\n'  # inside brackets the next line continues the value
            + f'db_password = {{"token": "{v[1]}"}}\n'  # a dict key: its prefix is not on the line
            + f'URL = """postgresql://app:%s@db/app""" % "{v[2]}"\n'  # a triple-quoted template
            + f'secret = os.getenv("API_SECRET", "{v[3]}")\n'
            + f'if api_token == "{v[4]}":\n    pass\n')
    on = _filtered(loud, False, monkeypatch)
    assert on == _filtered(loud, True, monkeypatch)
    found = {loud[s:e] for _, s, e in on}
    assert {v[1], v[2], v[3], v[4]} <= found and any(v[0] in x for x in found)
    assert not any("hunter2" in x or "commented" in x or x == "_sa_default" for x in found)


def test_gate_gives_what_parsing_everything_gives_on_real_modules(monkeypatch):
    """On the standard library's modules that hold the rules' keywords, the candidates that pass
    the value filters are the same whether the gate picks the lines or every line is read."""
    import sysconfig

    stdlib = Path(sysconfig.get_paths()["stdlib"])
    checked = 0
    for p in sorted(stdlib.rglob("*.py")):
        if "site-packages" in p.parts:
            continue
        try:
            text = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        low = text.lower()
        if not any(k in low for k in ("passw", "token", "secret", "getenv")):
            continue
        assert _filtered(text, False, monkeypatch) == _filtered(text, True, monkeypatch), p
        checked += 1
        if checked == 60:
            break
    assert checked >= 30


def test_quiet_offsets_read_incrementally_agree_with_reading_the_whole_text():
    """``_quiet_at`` reads the text only up to the offset asked about; asked in any order (and
    with a triple-quoted string or a comment still open at the offset) it answers as the spans
    of the whole text do."""
    import random

    from secretshift.scanner.engines import overlaps, python_ast

    text = ('x = "# not a comment"  # a comment\n'
            "'''doc\n  # inside \"\"\" the doc\n'''\n"
            's = "it\'s" + \'"""\'  # tail\n'
            '"""open to the end\n token = "x"\n')
    whole = python_ast._Quiet(text).upto(len(text))
    c = text.index("# a comment")
    assert (c, c + len("# a comment")) in whole and not any(a <= text.index("# not") < b for a, b in whole)
    expect = [overlaps(whole, i, i + 1) for i in range(len(text))]
    for order in (list(range(len(text))), list(range(len(text)))[::-1], random.Random(7).sample(range(len(text)), len(text))):
        python_ast._QUIET_CACHE.clear()
        fresh = text[:] + ""  # the cache is kept per text object
        assert [python_ast._quiet_at(fresh, i) for i in order] == [expect[i] for i in order]
    python_ast._QUIET_CACHE.clear()
    assert python_ast._quiet_spans(text) == whole


def test_statement_around_a_line_is_found_from_brackets_and_strings():
    from secretshift.scanner.engines import python_ast

    text = ('x = 1\n'                                  # 0
            'conn = connect(\n'                        # 1
            '    host="h",\n'                          # 2
            '    password=get("pw"),\n'                # 3
            ')\n'                                      # 4
            'doc = """\n'                              # 5
            'token = get("x")\n'                       # 6 (inside the string)
            '"""\n'                                    # 7
            'y = a + \\\n'                             # 8
            '    token_of(b)\n'                        # 9 (after a backslash)
            'pair = f(a)[0], (\n'                      # 10
            '    g(b))\n')                             # 11
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"][:-1]
    lines = text.split("\n")

    def around(n):
        python_ast._DEPTH_CACHE.clear()
        got = python_ast._statement_around(text, starts[n])
        return None if got is None else text[got[0]:got[1]]

    assert around(0) == lines[0]
    assert around(3) == around(1) == "\n".join(lines[1:5])
    assert around(6) is None and around(9) is None
    assert around(11) == "\n".join(lines[10:12])
    python_ast._DEPTH_CACHE.clear()  # asked forward in one pass, as the gate asks
    assert [python_ast._statement_around(text, starts[n]) for n in (0, 3, 11)] == [
        (0, 5), (starts[1], starts[5] - 1), (starts[10], len(text) - 1)]


def test_gate_leaves_out_statements_that_parsed_alone_bind_nothing(monkeypatch):
    """A secret-looking name bound to a call, a method of a literal, a % format or an f-string
    piece that no rule reports, on one line or over several, is no reason to parse the module;
    the same shapes with a literal some rule would report still are, and with the gate off the
    same candidates come out."""
    from secretshift.scanner.engines import FileContext, python_ast
    from secretshift.scanner.scan import _plan

    v = [expand("{{rand:alnum:18}}", f"alone{i}") for i in range(6)]
    quiet = ('import os\n'
             'def f(keys, token):\n'
             '    pwd = keys.pop("password", "")\n'
             '    _version_token = "".join(keys[0:2])\n'
             '    token = "{%s}" % token.replace("}", "}}")\n'
             '    c = connect(\n        host="h",\n        password=config.require_secret("dbPassword"),\n    )\n'
             '    self.password_hash = f"some hash... {token}"\n'
             '    return pwd\n')
    rules = _plan(RULESET).by_engine["python"]
    gate_rules = [r for r in rules if r.matcher in python_ast.MATCHERS]
    python_ast._DEPTH_CACHE.clear()
    assert python_ast._gate(FileContext(path="m.py", text=quiet, language="python"), gate_rules) == []
    loud = (quiet
            + f'token = get("x") or "{v[0]}"\n'  # a BoolOp: the literal is a value
            + f'user, api_token = f(x), "{v[1]}"\n'  # a tuple: the second is bound to api_token
            + f'password = SecretStr("{v[2]}")\n'  # pydantic's wrapper is looked through
            + f'c = connect(\n    host=h,\n    password="{v[3]}",\n)\n'
            + f'URL = "postgresql://app:%s@db/app" % "{v[4]}"\n'  # a template fills the password
            + f'secret = os.getenv("API_SECRET", "{v[5]}")\n')  # an env read's default
    on = _filtered(loud, False, monkeypatch)
    assert on == _filtered(loud, True, monkeypatch)
    found = {loud[s:e] for _, s, e in on}
    assert set(v) <= found
    # a module that does not parse is read by the text fallback: the gate lets it through for
    # a `name = "..."` it reports, even where the statement parsed alone binds nothing
    broken = f'token = "{v[0]}".strip()\n' + 'def f(:\n    pass\n'
    assert _filtered(broken, False, monkeypatch) == _filtered(broken, True, monkeypatch) != []


def test_statement_finder_starts_at_a_module_level_def_outside_strings():
    """The bracket reader may start at the last module-level ``def``/``class`` line, but not at
    one inside a triple-quoted string or after an escaped line end."""
    from secretshift.scanner.engines import python_ast

    text = ('x = f(\n'
            '    """\n'
            'def inside_a_string(a=1): pass\n'
            '""",\n'
            '    password=get("pw"),\n'
            ')\n'
            'def g():\n'
            '    return h(\n'
            '        token=get("t"))\n')
    lines = text.split("\n")
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"][:-1]
    python_ast._QUIET_CACHE.clear()
    assert python_ast._top_level_before(text, starts[4]) == 0
    assert python_ast._top_level_before(text, starts[8]) == starts[6]
    for n, (a, b) in ((4, (0, 5)), (8, (7, 8))):
        python_ast._DEPTH_CACHE.clear()
        got = python_ast._statement_around(text, starts[n])
        assert text[got[0]:got[1]] == "\n".join(lines[a:b + 1])


def test_statement_finder_starts_at_the_nearest_def_outside_strings():
    """The bracket reader may start at the last ``def``/``class`` line at any indentation, but not
    at one inside a triple-quoted string, after an escaped line end or behind other text (`undef `,
    a comment); whatever it starts from, each statement is the one read from the module's start."""
    from secretshift.scanner.engines import python_ast

    text = ('class T:\n'                                   # 0
            '    def test_a(self):\n'                      # 1
            '        """Like\n'                            # 2
            '        def not_here(x): pass\n'              # 3 (inside the docstring)
            '        """\n'                                # 4
            '        r = get(\n'                           # 5
            '            auth=("user", "pass"))\n'         # 6
            '    async def test_b(self, a=(1,\n'           # 7
            '                             2)):\n'          # 8
            '        x = "a \\\n'                          # 9
            'def also_not_here(): "\n'                     # 10 (after an escaped line end)
            '        y = f(a,  # undef b\n'                # 11
            '              token=t)\n')                    # 12
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"][:-1]
    python_ast._QUIET_CACHE.clear()
    assert python_ast._def_before(text, starts[5]) == starts[1]
    assert python_ast._def_before(text, starts[8]) == starts[7]
    assert python_ast._def_before(text, starts[12]) == starts[7]
    for n in range(13):
        python_ast._DEPTH_CACHE.clear()
        got = python_ast._statement_around(text, starts[n])
        assert got == _around_from_start(python_ast, text, starts[n]), n


def _around_from_start(python_ast, text, ls):
    """``_statement_around`` with the bracket reader started at the module's start."""
    real = python_ast._def_before
    try:
        python_ast._def_before = lambda text, ls: 0
        python_ast._DEPTH_CACHE.clear()
        return python_ast._statement_around(text, ls)
    finally:
        python_ast._def_before = real
