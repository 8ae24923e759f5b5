"""What a blob adds to its path's history: the lines its previous version did not hold.

A history scan reads thousands of versions of the same files, and most of each version is lines
that the version before it already had. A secret that such an old line holds was already there,
in the earlier version, and is reported from it (with the earlier, correct, first commit). So a
later version only needs the full scan when the lines it adds could hold a secret:
``SeenLines.added`` gives those lines with ``CONTEXT`` lines either side (a name one line above
its value, a value continued on the next line), and ``scanner.scan.may_hold_secret`` judges that
fragment with the multi-pattern pass and each engine's cheap checks. A fragment that passes
sends the *whole* blob through ``scan_text``, so findings never depend on how the fragment was cut.

The comparison is with the version fed just before (its common first and last lines are skipped
at C speed, then the lines in between are compared as sets), so the cost follows the size of
each change, not of the file. Where a change only removed lines, the lines it joined count as
added (a removed line can uncover one: an ``allow-next-line`` comment, half of a value). Blobs
must be fed oldest first per path (``scanner.history`` orders them by the commit that added
them); one version per path is kept until its last version has been fed.
"""
from __future__ import annotations

CONTEXT = 2


def _prefix_len(a: str, b: str) -> int:
    """Length of the longest common prefix (comparisons on slices: C speed, O(n) copied)."""
    hi = min(len(a), len(b))
    if a[:hi] == b[:hi]:
        return hi
    lo = 0  # a[:lo] == b[:lo] and a[:hi] != b[:hi]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[lo:mid] == b[lo:mid]:
            lo = mid
        else:
            hi = mid
    return lo


def _suffix_len(a: str, b: str, cap: int) -> int:
    """Length of the longest common suffix, at most ``cap``."""
    la, lb = len(a), len(b)
    if a[la - cap:] == b[lb - cap:]:
        return cap
    lo, hi = 0, cap  # the last lo agree, the last hi do not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if a[la - mid:la - lo] == b[lb - mid:lb - lo]:
            lo = mid
        else:
            hi = mid
    return lo


class Change:
    """Where a version differs from the one fed before it (``SeenLines.change``): ``text[lo:hi]``
    (the window) holds every line it adds with its context; ``gone`` is the old version's middle
    (None for a first version, which is new throughout)."""

    __slots__ = ("text", "gone", "lo", "hi", "lo_line", "k", "n_mid", "n")

    def __init__(self, text: str, gone: str | None, lo: int, hi: int, lo_line: int, k: int, n_mid: int,
                 n: int) -> None:
        self.text, self.gone, self.lo, self.hi = text, gone, lo, hi
        self.lo_line, self.k, self.n_mid, self.n = lo_line, k, n_mid, n

    @property
    def window(self) -> str:
        return self.text[self.lo:self.hi]


class SeenLines:
    """Per path, the version fed last."""

    def __init__(self) -> None:
        self._prev: dict[str, str] = {}
        self._notes: dict[str, tuple[bool, ...]] = {}

    def note(self, rel: str, value: tuple[bool, ...]) -> tuple[bool, ...] | None:
        """Keep ``value`` for the version of ``rel`` fed last; return what the version before had."""
        old = self._notes.get(rel)
        self._notes[rel] = value
        return old

    def change(self, rel: str, text: str) -> Change | None:
        """Record ``text`` as the version of ``rel`` fed last and say where it differs from the one
        before: None when it is the same, else a ``Change`` whose ``window`` is the run of whole
        lines of ``text`` that holds every added line and its ``CONTEXT`` lines (all of ``text``
        for a first version). Only the common head and tail are compared here, at C speed; which
        lines of the window are new is worked out by ``fragment``, for the changes that need it."""
        prev = self._prev.get(rel)
        self._prev[rel] = text
        if prev is None:
            return Change(text, None, 0, len(text), 0, 0, 0, 0)
        old = prev
        if old == text:
            return None
        p = _prefix_len(old, text)
        k = text.count("\n", 0, p)  # lines before the first difference: the same in both
        start = text.rfind("\n", 0, p) + 1  # where line k starts, in both versions
        q = len(text) - _suffix_len(old, text, min(len(old), len(text)) - p)
        # the common tail from its first line that starts after a newline of the tail (so that a
        # line starts there in both versions)
        q = text.find("\n", q) + 1 or len(text) + 1
        if q <= len(text):  # m whole lines in the common tail, the middle ends before its newline
            m = text.count("\n", q) + 1
            end, old_end = q - 1, len(old) - (len(text) - q) - 1
        else:
            m, end, old_end = 0, len(text), len(old)
        n_mid = text.count("\n", start, end) + 1  # lines k .. k + n_mid - 1 are the middle
        n = k + n_mid + m  # lines of text
        # the window of lines any added line or its context can reach: k - 1 - CONTEXT .. the middle's
        # last + CONTEXT
        lo_line, lo = k, start
        while lo_line > max(0, k - 1 - CONTEXT):
            lo = text.rfind("\n", 0, lo - 1) + 1
            lo_line -= 1
        hi_line, hi = k + n_mid - 1, end
        while hi_line < min(n - 1, k + n_mid - 1 + CONTEXT):
            nxt = text.find("\n", hi + 1)
            hi = len(text) if nxt < 0 else nxt
            hi_line += 1
        return Change(text, old[start:old_end], lo, hi, lo_line, k, n_mid, n)

    @staticmethod
    def fragment(ch: Change) -> tuple[str, list[tuple[int, int]]]:
        """(fragment, spans) of a ``Change``: see ``added``."""
        text, lo, hi = ch.text, ch.lo, ch.hi
        if ch.gone is None:
            return text, [(0, len(text))]
        lo_line, k, n_mid, n = ch.lo_line, ch.k, ch.n_mid, ch.n
        window = text[lo:hi].split("\n")
        gone = set(ch.gone.split("\n"))
        new = [i for i in range(k, k + n_mid) if window[i - lo_line] not in gone]
        if not new:  # only removals (or moves): the lines either side of the cut
            new = [i for i in (k - 1, k) if 0 <= i < n]
        keep: list[int] = []
        last = -1
        fresh = set(new)
        for i in new:
            a = max(i - CONTEXT, last + 1)
            b = min(i + CONTEXT, n - 1)
            keep.extend(range(a, b + 1))
            last = max(last, b)
        out: list[str] = []
        spans: list[tuple[int, int]] = []
        pos = 0
        for i in keep:
            line = window[i - lo_line]
            if i in fresh:
                if spans and spans[-1][1] + 1 == pos:  # consecutive added lines: one span
                    spans[-1] = (spans[-1][0], pos + len(line))
                else:
                    spans.append((pos, pos + len(line)))
            out.append(line)
            pos += len(line) + 1
        return "\n".join(out), spans

    def added(self, rel: str, text: str) -> tuple[str, list[tuple[int, int]]]:
        """(fragment, spans): the lines of ``text`` that the previous version of ``rel`` did not
        hold, each with ``CONTEXT`` lines either side, joined by newlines ("" when the version adds
        nothing), and the [start, end) character spans of the added lines in it (sorted).

        Only the lines between the common head and the common tail (and ``CONTEXT`` lines around
        them) are split: the rest of the file is compared at C speed and never copied."""
        ch = self.change(rel, text)
        return ("", []) if ch is None else self.fragment(ch)

    def forget(self, rel: str) -> None:
        """Drop what is kept for ``rel`` (its last version has been fed)."""
        self._prev.pop(rel, None)
        self._notes.pop(rel, None)
