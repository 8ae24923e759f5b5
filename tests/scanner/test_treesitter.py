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
