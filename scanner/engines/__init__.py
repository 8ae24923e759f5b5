"""Engines turn a file's text plus the rules of that engine into ``Candidate``s.

An engine is a module with ``NAME`` and ``run(ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]``.
Engines are imported lazily by name so the hook path only loads what it needs. An engine must never
raise on bad input: it skips what it cannot understand (``ctx.warn`` for a one-line note).

Where to look is decided before any engine runs, by the multi-pattern pass (``scanner.prepass``):
``ctx.lines(rule)`` gives the lines where a rule may match (their end offsets), or ``ALL``. An
engine is only given rules that may match somewhere, and looks only at those lines.
"""
from __future__ import annotations

import bisect
import importlib
from secretshift.base.record import dataclass, field  # not dataclasses: see secretshift/base/record.py
TYPE_CHECKING = False  # typing.TYPE_CHECKING: importing typing costs the hook ~15 M instructions
if TYPE_CHECKING:
    from typing import Any, Callable, Iterable, Protocol

from ..ruleset import Rule

# engine name (as used in rules' `engine:`) -> module
# the config engine's note for a YAML/JSON file that is a Helm/Go template (scan_paths sums these up)
TEMPLATE_NOTE = "a template (Helm/Go {{ }})"

ENGINE_MODULES = {
    "regex": "secretshift.scanner.engines.regex",
    "python": "secretshift.scanner.engines.python_ast",
    "env": "secretshift.scanner.engines.env_reads",
    "config": "secretshift.scanner.engines.config",
    "code": "secretshift.scanner.engines.code",
    "table": "secretshift.scanner.engines.tables",
}


@dataclass
class Candidate:
    """One engine match. ``start``/``end`` are character offsets of the secret value (or, for env
    reads, of the read expression) in ``FileContext.text``."""

    rule: Rule
    start: int
    end: int
    value: str | None  # plaintext (hardcoded) or None (env read with no literal value)
    symbol: str | None = None
    service: str | None = None
    field: str | None = None
    expression: str | None = None
    skip_filters: bool = False  # the engine already judged the value (e.g. decoded base64)
    line_override: tuple[int, int, int, int] | None = None  # (line, col, end_line, end_col) if offsets don't apply
    confidence: str | None = None  # lower than the rule's when a validator's check failed


@dataclass
class FileContext:
    path: str  # relative, POSIX
    text: str
    language: str  # "python", "javascript", "yaml", "json", "dotenv", "shell", "terraform", "dockerfile", ...
    warn: Callable[[str], None] = lambda msg: None
    opts: Any = None  # the scan's ScanOptions (or None): e.g. secret_env_names for the env engine
    # user globs from ScanOptions.secret_env_names / non_secret_env_names (scanner.envnames.is_secret_name)
    secret_names: tuple[str, ...] = ()
    non_secret_names: tuple[str, ...] = ()
    hits: Any = None  # the multi-pattern pass's answer (scanner.prepass.Hits); made on demand if None
    # set by an engine that parses (code): character spans it could not read (syntax errors,
    # comments, inline HTML), or the whole text; scan.py runs the fallback rules there
    unparsed: list[tuple[int, int]] | None = None
    _lower: str | None = field(default=None, repr=False)
    _nl: list[int] | None = field(default=None, repr=False)
    _counted: int = field(default=0, repr=False)  # lookups answered without the table

    def lines(self, rule: Rule) -> list[int] | None:
        """End offsets of the lines where ``rule`` may match ([] for none), or ``ALL`` (None)."""
        if self.hits is None or not self.hits.covers(rule):
            from ..prepass import python_hits

            got = python_hits(self.text, [rule], self.lower).lines(rule)
            if self.hits is not None:
                self.hits.by_rule[rule.id] = got
                self.hits.known.add(rule.id)
            return got
        return self.hits.lines(rule)

    def line_windows(self, rule: Rule) -> list[tuple[int, int]]:
        """``(start, end)`` of each line where ``rule`` may match, the newline before it included
        (so a leading boundary class can match it); the whole text for ``ALL``."""
        ends = self.lines(rule)
        if ends is None:
            return [(0, len(self.text))]
        t = self.text
        return [(max(t.rfind("\n", 0, e), 0), e) for e in ends]

    @property
    def lower(self) -> str:
        if self._lower is None:
            self._lower = self.text.lower()
        return self._lower

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset. The first few are counted (str.count, no
        table of the file's newlines: a long manual with two findings needs no such table)."""
        if self._nl is None and self._counted < 8 and offset >= 0:
            self._counted += 1
            t = self.text
            return t.count("\n", 0, offset) + 1, offset - t.rfind("\n", 0, offset)
        nl = self._newlines()
        line = bisect.bisect_left(nl, offset)
        col_start = nl[line - 1] + 1 if line else 0
        return line + 1, offset - col_start + 1

    def _newlines(self) -> list[int]:
        if self._nl is None:
            t = self.text
            nl = []
            i = t.find("\n")
            while i != -1:
                nl.append(i)
                i = t.find("\n", i + 1)
            self._nl = nl
        return self._nl

    def line_offset(self, line: int) -> int:
        """Character offset of the start of a 1-based line."""
        nl = self._newlines()
        return 0 if line <= 1 else nl[line - 2] + 1


def env_name_globs(ctx: FileContext) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(extra secret env names, extra non-secret env names): the user's globs from the scan options."""
    o = ctx.opts
    if o is None:
        return (), ()
    return tuple(getattr(o, "secret_env_names", ()) or ()), tuple(getattr(o, "non_secret_env_names", ()) or ())


def overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) meets one of ``spans`` (sorted, disjoint [s, e) character ranges); an
    empty range counts as its first character."""
    end = max(end, start + 1)
    i = bisect.bisect_right(spans, (end,)) - 1  # the last span starting before ``end``
    return i >= 0 and spans[i][0] < end and spans[i][1] > start


if TYPE_CHECKING:
    class Engine(Protocol):
        NAME: str

        def run(self, ctx: FileContext, rules: list[Rule]) -> Iterable[Candidate]: ...


def get_engine(name: str) -> Engine:
    return importlib.import_module(ENGINE_MODULES[name])  # type: ignore[return-value]
