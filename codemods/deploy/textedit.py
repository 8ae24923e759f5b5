"""Text edits on YAML/JSON span trees that keep everything outside the edited span: replace a
scalar in the file's quoting, remove a mapping entry or a sequence item with its separator."""
from __future__ import annotations

import json
import re
from typing import List, Optional

from .base import Edit
from .spans import N, line_end, line_start

_PLAIN_OK = re.compile(r"^[A-Za-z0-9_./@+=$-][^#\n]*$")


def yaml_plain_ok(value: str) -> bool:
    """Would ``value`` read back as the same string when written as a plain YAML scalar?"""
    if not value or value != value.strip() or not _PLAIN_OK.match(value) or ": " in value or " #" in value:
        return False
    import yaml

    try:
        return yaml.safe_load(f"k: {value}\n") == {"k": value}
    except yaml.YAMLError:
        return False


def quoted(value: str, style: str, json_file: bool) -> str:
    """``value`` as a scalar: JSON string in JSON; in YAML the original style when it can hold it."""
    if json_file or style == '"':
        return json.dumps(value, ensure_ascii=False)
    if style == "" and yaml_plain_ok(value):
        return value
    return "'" + value.replace("'", "''") + "'"


def replace_scalar(text: str, node: N, value: str, json_file: bool, keep_tag: bool = True) -> Edit:
    """Replace the scalar ``node`` by ``value`` (its tag kept when ``keep_tag``)."""
    if node.tag and keep_tag and text.startswith("!", node.start):
        if node.style in ("'", '"'):
            return Edit(node.vstart - 1, node.vend + 1, quoted(value, node.style, json_file))
        return Edit(node.vstart, node.end, quoted(value, "'", json_file))
    style = node.style if node.style in ("'", '"') else ""
    return Edit(node.start, node.end, quoted(value, style, json_file))


def replace_part(text: str, node: N, a: int, b: int, insert: str, json_file: bool) -> Optional[Edit]:
    """Replace ``node.value[a:b]`` by ``insert`` inside the scalar (exact scalars only)."""
    if not node.exact:
        return None
    new = node.value[:a] + insert + node.value[b:]
    return replace_scalar(text, node, new, json_file)


def _block_line_span(text: str, start: int, end: int) -> Optional[tuple]:
    """Whole lines ``[start, end)`` cover, with the line break, when nothing else sits on them
    (a trailing comment on the last line goes too)."""
    ls = line_start(text, start)
    if text[ls:start].strip(" \t") not in ("", "-"):
        return None
    le = line_end(text, end)
    rest = text[end:le].strip(" \t\r")
    if rest and not rest.startswith("#"):
        return None
    return ls, min(le + 1, len(text))


def remove_entry(text: str, m: N, key: N) -> Optional[List[Edit]]:
    """Remove ``key`` and its value from mapping ``m`` (block: its lines; flow/JSON: with a comma)."""
    idx = next((i for i, (k, _) in enumerate(m.entries) if k is key), None)
    if idx is None:
        return None
    value = m.entries[idx][1]
    if not m.flow:
        span = _block_line_span(text, key.start, value.end)
        return None if span is None else [Edit(span[0], span[1], "")]
    spans = [(k.start, v.end) for k, v in m.entries]
    return _remove_from_flow(text, m, spans, idx)


def remove_item(text: str, seq: N, item: N) -> Optional[List[Edit]]:
    idx = next((i for i, it in enumerate(seq.items) if it is item), None)
    if idx is None:
        return None
    if not seq.flow:
        ls = line_start(text, item.start)
        dash = text.rfind("-", ls, item.start)
        if dash < 0 or text[ls:dash].strip(" \t"):
            return None
        span = _block_line_span(text, dash, item.end)
        return None if span is None else [Edit(span[0], span[1], "")]
    return _remove_from_flow(text, seq, [(it.start, it.end) for it in seq.items], idx)


def _remove_from_flow(text: str, coll: N, spans: list, idx: int) -> List[Edit]:
    if len(spans) == 1:
        return [Edit(coll.start + 1, coll.end - 1, "")]
    if idx + 1 < len(spans):
        return [Edit(spans[idx][0], spans[idx + 1][0], "")]
    return [Edit(spans[idx - 1][1], spans[idx][1], "")]


def entry_indent(text: str, key: N) -> str:
    return text[line_start(text, key.start):key.start].replace("-", " ")
