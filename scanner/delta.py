"""What a blob adds to its path's history: the lines no earlier version of that path held.

A history scan reads thousands of versions of the same files, and most of each version is lines
that an earlier version already had. A secret that such an old line holds was already there, in
the earlier version, and is reported from it (with the earlier, correct, first commit). So a later
version only needs the full scan when the lines it adds could hold a secret: ``SeenLines.added``
gives those lines with ``CONTEXT`` lines either side (a name one line above its value, a value
continued on the next line), and ``scanner.scan.may_hold_secret`` judges that fragment with each
engine's cheap prefilter. A fragment that passes sends the *whole* blob through ``scan_text``, so
findings never depend on how the fragment was cut.

Blobs must be fed oldest first per path (``scanner.history`` orders them by the commit that added
them); each path keeps one set of its distinct lines until its last version has been fed, so memory
grows with the distinct lines of the paths in flight (and at most ``MAX_LINES_PER_PATH`` each), not
with the size of the history.
"""
from __future__ import annotations

CONTEXT = 2
# a path whose versions hold more distinct lines than this (a generated file rewritten on every
# commit) starts over from its latest version: later versions are still judged against that one
MAX_LINES_PER_PATH = 200_000


class SeenLines:
    """Per path, every line any version fed so far held."""

    def __init__(self) -> None:
        self._by_path: dict[str, set[str]] = {}

    def added(self, rel: str, text: str) -> tuple[str, list[tuple[int, int]]]:
        """(fragment, spans): the lines of ``text`` no earlier version of ``rel`` held, each with
        ``CONTEXT`` lines either side, joined by newlines ("" when the version adds nothing), and
        the [start, end) character spans of the added lines in it (sorted). Records every line of
        ``text`` as seen."""
        lines = text.split("\n")
        seen = self._by_path.get(rel)
        if seen is None:
            self._by_path[rel] = set(lines)
            return text, [(0, len(text))]
        fresh = set(lines)
        fresh -= seen
        if not fresh:
            return "", []
        if len(seen) + len(fresh) > MAX_LINES_PER_PATH:
            seen.clear()
            seen.update(lines)
        else:
            seen |= fresh
        if len(fresh) <= 16:  # the usual case: a few lines, found by list.index at C speed
            new = []
            for line in fresh:
                i = lines.index(line)
                while True:
                    new.append(i)
                    try:
                        i = lines.index(line, i + 1)
                    except ValueError:
                        break
            new.sort()
        else:
            new = [i for i, line in enumerate(lines) if line in fresh]
        keep: list[int] = []
        last = -1
        n = len(lines)
        for i in new:
            lo = max(i - CONTEXT, last + 1)
            hi = min(i + CONTEXT, n - 1)
            keep.extend(range(lo, hi + 1))
            last = max(last, hi)
        out: list[str] = []
        spans: list[tuple[int, int]] = []
        pos = 0
        for i in keep:
            line = lines[i]
            if line in fresh:
                if spans and spans[-1][1] + 1 == pos:  # consecutive added lines: one span
                    spans[-1] = (spans[-1][0], pos + len(line))
                else:
                    spans.append((pos, pos + len(line)))
            out.append(line)
            pos += len(line) + 1
        return "\n".join(out), spans

    def forget(self, rel: str) -> None:
        """Drop what is kept for ``rel`` (its last version has been fed)."""
        self._by_path.pop(rel, None)
