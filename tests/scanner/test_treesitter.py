"""The grammar loader: every configured grammar loads here and parses; an unknown one degrades."""
from __future__ import annotations

import pytest

from secretshift.scanner import treesitter

SNIPPETS = {
    "javascript": b'const password = "x";', "typescript": b'const password: string = "x";',
    "tsx": b'const a = <input value="x" />;', "go": b'package main\nvar password = "x"\n',
    "java": b'class A { String password = "x"; }', "csharp": b'class A { string password = "x"; }',
    "kotlin": b'val password = "x"', "ruby": b'password = "x"', "php": b'<?php $password = "x";',
    "c": b'char *password = "x";', "cpp": b'auto password = "x";', "rust": b'let password = "x";',
    "shell": b'PASSWORD="x"\n', "hcl": b'password = "x"\n',
}


@pytest.mark.parametrize("name", sorted(treesitter.GRAMMARS))
def test_each_grammar_parses_a_literal_without_errors(name):
    parser = treesitter.parser_for(name)
    assert parser is not None, treesitter.missing_reason(name)
    tree = parser.parse(SNIPPETS[name])
    assert not tree.root_node.has_error
    assert b'"x"' in SNIPPETS[name][tree.root_node.start_byte:tree.root_node.end_byte]


def test_unknown_language_degrades_with_a_reason():
    assert treesitter.parser_for("cobol") is None
    assert "cobol" in treesitter.missing_reason("cobol")


def test_grammars_load_without_running_their_packages_init():
    # the wheels' __init__ imports importlib.resources (6.6 ms of every whole-tree start) for query
    # files we never read: the compiled binding is loaded from its file instead
    import subprocess
    import sys

    code = ("import sys\nfrom secretshift.scanner import treesitter as T\n"
            "langs = [T.language(n) for n in sorted(T.GRAMMARS)]\n"
            "print(sum(x is not None for x in langs), 'importlib.resources' in sys.modules,"
            " any(m in sys.modules for m in ('tree_sitter_javascript', 'tree_sitter_go')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(len(treesitter.GRAMMARS)), "False", "False"]


def test_a_grammar_package_without_a_binding_file_is_imported_as_usual(tmp_path, monkeypatch):
    pkg = tmp_path / "fake_grammar_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("def language():\n    return 'from-init'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert treesitter._binding("fake_grammar_pkg") is None  # no _binding file: not ours to load
    assert treesitter._binding("no_such_grammar_pkg") is None
