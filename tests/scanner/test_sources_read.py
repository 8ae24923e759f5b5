"""sources.read_bytes: the whole file in one read of its size, and still the whole file when the
size changed after fstat or a read came back short."""
from __future__ import annotations

import os

from secretshift.scanner import sources


def test_whole_file_empty_file_and_limit(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"x" * 5000)
    assert sources.read_bytes(p, 10_000) == (b"x" * 5000, None, 5000)
    assert sources.read_bytes(p, 5000)[0] == b"x" * 5000
    assert sources.read_bytes(p, 4999) == (None, "larger than 4999 bytes", 5000)
    (tmp_path / "e.txt").write_bytes(b"")
    assert sources.read_bytes(tmp_path / "e.txt", 10) == (b"", None, 0)


def test_a_file_that_grew_after_fstat_is_read_to_its_end(tmp_path, monkeypatch):
    p = tmp_path / "a.txt"
    p.write_bytes(b"y" * 3000)
    real = os.fstat

    class Smaller:
        def __init__(self, st):
            self.st_mode, self.st_size = st.st_mode, 1000  # as if written to after fstat

    monkeypatch.setattr(sources.os, "fstat", lambda fd: Smaller(real(fd)))
    assert sources.read_bytes(p, 10_000)[0] == b"y" * 3000
    assert sources.read_bytes(p, 2000) == (None, "larger than 2000 bytes", 2001)


def test_a_short_read_is_read_on(tmp_path, monkeypatch):
    p = tmp_path / "a.txt"
    p.write_bytes(b"z" * 3000)
    real = os.read
    monkeypatch.setattr(sources.os, "read", lambda fd, n: real(fd, min(n, 700)))
    assert sources.read_bytes(p, 10_000) == (b"z" * 3000, None, 3000)
