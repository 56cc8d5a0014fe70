"""The first screenful of a big index, read before the whole of it.

Parsing a 100,000-row `_index.json` takes a third of a second or more (it is building 1.3 million
Python objects). A list shows about forty rows: the pinned ones, then the newest. Since the index is
sorted newest first, those are its first rows plus every row with `"pinned": true`, and both can be
found without building the rest: the stdlib decoder's `raw_decode` parses one element at a time
from the front, and a byte search finds the pinned rows.

This is a preview: it checks nothing against the folder (no listdir), and in a hostile index it may
miss a pinned row. The full, checked list (`SessionStore.list_rows`) always follows it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

from api.atomic import read_regular
from api.records import Row, sanitize_row, updated_key

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
_PINNED = re.compile(r'"pinned"\s*:\s*true')


def _skip(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()  # type: ignore[union-attr]


def preview_rows(
    index_path: Path, newest: int, size_limit: Callable[[int], int | None] | None = None
) -> list[Row] | None:
    """The pinned rows and the `newest` newest rows of the index, newest first; None when the
    index is missing, larger than `size_limit(its size)` allows (None: any size), or does not
    start like a list of rows (the caller then waits for the full read)."""
    try:
        limit = None if size_limit is None else size_limit(os.stat(index_path).st_size)
        if size_limit is not None and limit is None:
            return None
        text = read_regular(index_path, limit)[0].decode("utf-8")
    except (OSError, ValueError):
        return None
    pos = _skip(text, 0)
    if not text.startswith("[", pos):
        return None
    pos += 1
    rows: dict[str, Row] = {}
    try:
        while len(rows) < newest:
            pos = _skip(text, pos)
            if text.startswith("]", pos):
                break
            item, pos = _DECODER.raw_decode(text, pos)
            row = sanitize_row(item)
            if row is not None:
                rows.setdefault(row["session_id"], row)
            pos = _skip(text, pos)
            if text.startswith(",", pos):
                pos += 1
        scanned_to = pos
        for match in _PINNED.finditer(text, scanned_to):
            key = text.rfind('"session_id"', scanned_to, match.start())
            start = text.rfind("{", scanned_to, key) if key > 0 else -1
            if start < 0 or text[start + 1 : key].strip():
                continue  # not the head of a row: leave it to the full read
            try:
                item, _ = _DECODER.raw_decode(text, start)
            except ValueError:
                continue
            row = sanitize_row(item)
            if row is not None and row["pinned"]:
                rows.setdefault(row["session_id"], row)
    except (ValueError, RecursionError):
        return None if not rows else sorted(rows.values(), key=updated_key)
    return sorted(rows.values(), key=updated_key)
