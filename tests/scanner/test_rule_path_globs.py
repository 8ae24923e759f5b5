"""A rule's path globs: the str.endswith shortcut for `*.ext` globs answers exactly as fnmatch."""
from __future__ import annotations

import fnmatch
import itertools
import re

from secretshift.scanner.scan import _any_glob

GLOBS = ("*.py", "*.pyi", "*.css.*", "*.tf", "*.P12", "x*.py", "*.min.js", "a/*.py", "*", "*.", "*[.]py", "*?.cfg")
PATHS = ["a.py", "b.pyi", "x.css.d/y", "x.css.map", "q/a.py", "a.py/b", ".py", "py", "A.PY", "c.tf", "x.P12",
         "xa.py", "x/ya.py", "a/b.py", "a/b/c.py", "f.min.js", "f.", "", "dir.py/file.txt", "s/.cfg", "s/a.cfg"]


def test_glob_tests_agree_with_fnmatch_on_path_and_name():
    for r in range(1, 4):
        for globs in itertools.combinations(GLOBS, r):
            test = _any_glob(globs)
            rx = re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in globs))
            for rel in PATHS:
                name = rel.rsplit("/", 1)[-1]
                assert test(rel, name) == bool(rx.match(rel) or rx.match(name)), (globs, rel)


def test_no_globs_means_no_test():
    assert _any_glob(()) is None
