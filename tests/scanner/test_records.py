"""secretshift.base.record and lazyre: the light replacements the scan path uses (see their docs)."""
from __future__ import annotations

import pickle

import pytest

from secretshift.base.lazyre import lazy_re
from secretshift.base.record import FrozenInstanceError, dataclass, field, replace
from secretshift.scanner.models import Finding


def test_records_behave_like_dataclasses_where_the_scanner_relies_on_it():
    @dataclass(frozen=True)
    class P:
        a: int
        b: str = "x"
        c: list = field(default_factory=list, compare=False, repr=False)

    p = P(1)
    assert p == P(1, "x", [9]) and hash(p) == hash(P(1)) and repr(p).endswith("P(a=1, b='x')")
    assert P(1).c is not P(1).c  # a fresh default each time
    with pytest.raises(FrozenInstanceError):
        p.a = 2  # type: ignore[misc]
    assert replace(p, b="y") == P(1, "y")

    @dataclass
    class Q:
        n: int = 0

        def __post_init__(self) -> None:
            self.double = self.n * 2

    assert Q(3).double == 6 and Q.__hash__ is None  # mutable and compared: unhashable, as dataclasses
    with pytest.raises(TypeError):
        @dataclass
        class Bad:
            a: int = 1
            b: int  # type: ignore[misc]


def test_findings_round_trip_through_pickle_as_worker_processes_send_them():
    f = Finding(rule_id="SS401", slug="s", kind="hardcoded", file="a.py", line=1, column=2, end_line=1,
                end_column=9, category="cloud", severity="critical", confidence="high", masked="m", fingerprint="fp")
    assert pickle.loads(pickle.dumps(f)) == f and replace(f, line=3).line == 3


def test_lazy_regexes_compile_on_first_use_and_then_are_the_pattern():
    rx = lazy_re(r"(?P<x>a+)b", 0)
    assert "compiled" not in rx.__dict__
    assert rx.search("xaab").group("x") == "aa" and rx.pattern == "(?P<x>a+)b" and rx.groupindex == {"x": 1}
    assert "search" in rx.__dict__  # bound: later calls skip the lookup
