"""SeenLines.added against a reference that splits both versions whole and compares line by line,
on random histories (what a version adds decides which blobs a history scan reads in full)."""
from __future__ import annotations

import random

from secretshift.scanner.delta import CONTEXT, SeenLines


def reference_added(old: str | None, text: str) -> tuple[str, list[tuple[int, int]]]:
    """Both versions split whole: the first differing character and the common tail (from a line
    start) cut out the middle lines; the middle lines of ``text`` not among the old middle lines
    are added, with CONTEXT lines either side; a pure removal flags the lines around the cut."""
    if old is None:
        return text, [(0, len(text))]
    if old == text:
        return "", []
    lines, old_lines = text.split("\n"), old.split("\n")
    p = 0
    while p < min(len(old), len(text)) and old[p] == text[p]:
        p += 1
    s = 0
    while s < min(len(old), len(text)) - p and old[len(old) - 1 - s] == text[len(text) - 1 - s]:
        s += 1
    k = text.count("\n", 0, p)
    q = text.find("\n", len(text) - s) + 1 or len(text) + 1
    m = text.count("\n", q) + 1 if q <= len(text) else 0
    gone = set(old_lines[k:len(old_lines) - m])
    new = [i for i in range(k, len(lines) - m) if lines[i] not in gone]
    if not new:
        new = [i for i in (k - 1, k) if 0 <= i < len(lines)]
    keep = sorted({j for i in new for j in range(max(0, i - CONTEXT), min(len(lines), i + CONTEXT + 1))})
    out, spans, pos, fresh = [], [], 0, set(new)
    for i in keep:
        if i in fresh:
            if spans and spans[-1][1] + 1 == pos:
                spans[-1] = (spans[-1][0], pos + len(lines[i]))
            else:
                spans.append((pos, pos + len(lines[i])))
        out.append(lines[i])
        pos += len(lines[i]) + 1
    return "\n".join(out), spans


ALPHABET = ["a", "b", "x = 1", "", "key = 'v'", "  pass", "b", "a b"]


def _mutate(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        i = rng.randint(0, len(lines))
        op = rng.random()
        if op < 0.4:
            lines.insert(i, rng.choice(ALPHABET))
        elif op < 0.7 and lines:
            del lines[min(i, len(lines) - 1)]
        elif lines:
            lines[min(i, len(lines) - 1)] = rng.choice(ALPHABET)
    out = "\n".join(lines)
    if rng.random() < 0.15:
        out = rng.choice(["", "\n", "x"]) + out + rng.choice(["", "\n", "x"])
    return out


def test_added_matches_the_whole_split_reference_on_random_histories():
    rng = random.Random(14)
    for _ in range(1500):
        seen, old = SeenLines(), None
        text = "\n".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))
        for _ in range(4):
            assert seen.added("f.py", text) == reference_added(old, text), (old, text)
            old, text = text, (_mutate(rng, text) if rng.random() < 0.9 else text)
