"""Dockerfile: an ``ENV``/``ARG`` that holds a secret is removed (an image layer and its history keep
every ``ENV`` and build argument). When a later ``RUN`` of the same stage uses the variable, that
``RUN`` gets a BuildKit secret mount (``--mount=type=secret,id=ID,env=VAR``: the value exists only
while that command runs) and the file gains ``# syntax=docker/dockerfile:1`` when it has no syntax
line; the build then passes ``--secret id=ID,env=VAR``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Sequence, Tuple

from ..targets import RewriteTarget
from .base import APPLIED, SKIPPED, UNSAFE, Edit, FileRewrite, Options, Outcome, apply_edits, offset_of, value_matches

NOTE_RUNTIME = ("{var} removed from the image: the application reads the secret from Secrets Manager (or the "
                "orchestrator injects it: ECS secrets, a Kubernetes secretKeyRef)")
NOTE_BUILD = ("{var} removed from the image; the RUN that uses it mounts it as a BuildKit secret: build with "
              "`docker build --secret id={id},env={var} .` with {var} read from Secrets Manager")
_QUOTED = r'"(?:[^"\\]|\\.)*"|\'[^\']*\''
_PAIR = re.compile(r'(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)=(?P<val>' + _QUOTED + r'|(?:[^\s\\"\']|\\\S)*)')


@dataclass
class Instr:
    start: int  # offset of the first character of the line holding the instruction
    end: int  # offset after its last line (line break included)
    word: str  # ENV, ARG, RUN, FROM ...
    rest_start: int  # offset of the text after the instruction word
    text: str  # the instruction's text (continuations included)


def instructions(text: str) -> List[Instr]:
    out: List[Instr] = []
    i, n = 0, len(text)
    while i < n:
        j = text.find("\n", i)
        j = n if j < 0 else j + 1
        line = text[i:j]
        m = re.match(r"[ \t]*([A-Za-z]+)[ \t]+", line)
        if not m or line.lstrip().startswith("#"):
            i = j
            continue
        end = j
        while text[i:end].rstrip("\r\n").endswith("\\") and end < n:  # continuation lines
            k = text.find("\n", end)
            end = n if k < 0 else k + 1
        out.append(Instr(i, end, m.group(1).upper(), i + m.end(), text[i:end]))
        i = end
    return out


def _pairs(text: str, ins: Instr) -> List[Tuple[str, int, int, int, int]]:
    """(name, pair start, pair end, value start, value end) of ENV/ARG ``NAME=value`` pairs; the legacy
    ``ENV NAME value`` form gives one pair covering the rest of the line."""
    rest = text[ins.rest_start:ins.end]
    first = rest.split(None, 1)[0] if rest.strip() else ""
    out = []
    if "=" in first:
        for p in _PAIR.finditer(rest):
            a = ins.rest_start + p.start()
            vs, ve = ins.rest_start + p.start("val"), ins.rest_start + p.end("val")
            out.append((p.group("name"), a, ins.rest_start + p.end(), vs, ve))
    elif first:
        m = re.match(r"(\S+)[ \t]+(.*?)[ \t\r]*$", rest.split("\n", 1)[0])
        if m:
            out.append((m.group(1), ins.rest_start, ins.rest_start + m.end(2), ins.rest_start + m.start(2),
                        ins.rest_start + m.end(2)))
    return out


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] in "\"'" and raw[-1] == raw[0]:
        return raw[1:-1]
    return raw


def secret_id_for(var: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "_", var.lower())


def rewrite(text: str, path: str, targets: Sequence[RewriteTarget], options: Options) -> FileRewrite:
    rw = FileRewrite(path, text, text, "dockerfile")
    ins = instructions(text)
    edits: List[Edit] = []
    mounts: dict = {}  # RUN start -> [(var, id)]
    remove: dict = {}  # instruction index -> set of pair indexes
    for t in targets:
        off = offset_of(text, t.line, t.column)
        hit = None
        for k, x in enumerate(ins):
            if off is not None and x.start <= off < x.end and x.word in ("ENV", "ARG"):
                for pi, (name, a, b, vs, ve) in enumerate(_pairs(text, x)):
                    if vs <= off <= ve:
                        hit = (k, pi, name, text[vs:ve])
        if hit is None:
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: not an ENV or ARG value"))
            continue
        k, pi, var, raw = hit
        if not value_matches(_unquote(raw), t):
            rw.outcomes.append(Outcome(t, SKIPPED, UNSAFE, f"line {t.line}: value does not match (changed or already migrated)"))
            continue
        rw.secrets_seen.append(_unquote(raw))
        remove.setdefault(k, set()).add(pi)
        users = _build_uses(text, ins, k, var)
        if users:
            sid = secret_id_for(var)
            for u in users:
                mounts.setdefault(u, []).append((var, sid))
            rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE_BUILD.format(var=var, id=sid)))
        else:
            rw.outcomes.append(Outcome(t, APPLIED, UNSAFE, NOTE_RUNTIME.format(var=var)))
    for k, gone in remove.items():
        x = ins[k]
        pairs = _pairs(text, x)
        if len(gone) == len(pairs):
            edits.append(Edit(x.start, x.end, ""))
            continue
        for pi in sorted(gone):
            _, a, b, _, _ = pairs[pi]
            while a > x.rest_start and text[a - 1] in " \t":
                a -= 1
            if a == x.rest_start:  # the first pair: take the blanks after it instead
                while b < x.end and text[b] in " \t":
                    b += 1
            edits.append(Edit(a, b, ""))
    for k, uses in mounts.items():
        x = ins[k]
        flags = " ".join(f"--mount=type=secret,id={sid},env={var}" for var, sid in dict.fromkeys(uses))
        edits.append(Edit(x.rest_start, x.rest_start, flags + " "))
    if mounts and not re.match(r"\s*#\s*syntax\s*=", text, re.I):
        edits.append(Edit(0, 0, "# syntax=docker/dockerfile:1\n"))
    if edits:
        try:
            rw.text = apply_edits(text, edits)
        except ValueError:
            return rw.refuse("rewrite refused: two edits overlap")
        if mounts:
            rw.messages.append(f"{path}: build with BuildKit (docker buildx / DOCKER_BUILDKIT=1) and --secret for the mounted variables")
    return rw.finish()


def _build_uses(text: str, ins: List[Instr], k: int, var: str) -> List[int]:
    """Indexes of the RUN instructions after ``k`` in the same stage that use ``$var``."""
    pat = re.compile(r"\$(?:\{" + re.escape(var) + r"(?:[:}]|[-+?=])|" + re.escape(var) + r"\b)")
    out = []
    for j in range(k + 1, len(ins)):
        if ins[j].word == "FROM":
            break
        if ins[j].word == "RUN" and pat.search(ins[j].text):
            out.append(j)
    return out


__all__ = ["rewrite", "instructions"]
