"""Fixtures shared by the scanner engine tests."""
from __future__ import annotations

import pytest

from secretshift.scanner.engines import _py_source


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The texts the Python engines parse from now on (the shared parse cache starts empty)."""
    texts: list[str] = []
    real = _py_source.PySource

    def counting(text: str):
        texts.append(text)
        return real(text)

    monkeypatch.setattr(_py_source, "PySource", counting)
    _py_source._CACHE.clear()
    return texts
