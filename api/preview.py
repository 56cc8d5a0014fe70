"""The first screenful of a big index, read before the whole of it.

Parsing a 100,000-row `_index.json` takes a third of a second or more (it is building 1.3 million
Python objects). A list shows about forty rows: the pinned ones, then the newest. Since the index is
sorted newest first, those are its first rows plus every row with `"pinned": true`, and both can be
found without building the rest: the stdlib decoder's `raw_decode` parses one element at a time
from the front, and a byte search finds the pinned rows.

The file is read in blocks, never whole: the preview runs first of all, and a 45 MB index read
and decoded at once would be the app's peak memory on its own (twice the file).

This is a preview: it checks nothing against the folder (no listdir), and in a hostile index it may
miss a pinned row. The full, checked list (`SessionStore.list_rows`) always follows it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from api.records import Row, sanitize_row, updated_key

_DECODER = json.JSONDecoder()
_SPACE = re.compile(r"[ \t\n\r]*")
_PINNED = re.compile(rb'"pinned"\s*:\s*true')
#: How much is read at a time, and how much of the block before is kept with the next one (a
#: pinned row cut by a block's end is found whole in the next, unless it is larger than this).
BLOCK = 4 << 20
OVERLAP = 128 << 10
#: The head read for the newest rows, at most.
HEAD = 8 << 20
#: More pinned rows than this is no preview any more (a hostile index: all rows pinned).
MAX_PINNED = 1000


def _skip(text: str, pos: int) -> int:
    return _SPACE.match(text, pos).end()  # type: ignore[union-attr]


def preview_rows(
    index_path: Path, newest: int, size_limit: Callable[[int], int | None] | None = None
) -> list[Row] | None:
    """The pinned rows and the `newest` newest rows of the index, newest first; None when the
    index is missing, larger than `size_limit(its size)` allows (None: any size), or does not
    start like a list of rows (the caller then waits for the full read)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(index_path, flags)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        try:
            size = os.fstat(f.fileno()).st_size
            if size_limit is not None and size_limit(size) is None:
                return None
            head = f.read(HEAD)
        except (OSError, ValueError):
            return None
        parsed = _head_rows(head, newest)
        if parsed is None:
            return None
        rows, skip_to = parsed
        try:
            f.seek(0)
            for item in _pinned_items(f, skip_to):
                row = sanitize_row(item)
                if row is not None and row["pinned"]:
                    rows.setdefault(row["session_id"], row)
        except OSError:
            pass
    return sorted(rows.values(), key=updated_key)


def _head_rows(head: bytes, newest: int) -> tuple[dict[str, Row], int] | None:
    """The first `newest` rows in `head` (the file's first bytes) by session id, and the byte
    offset where the pinned rows are to be looked for (after those rows)."""
    cut = head.rfind(b"\n") + 1 if len(head) == HEAD else len(head)  # whole characters only
    try:
        text = head[:cut].decode("utf-8")
    except ValueError:
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
    except (ValueError, RecursionError):
        if not rows:
            return None
    return rows, len(text[:pos].encode("utf-8"))


def _pinned_items(f: BinaryIO, skip_to: int) -> Iterator[object]:
    """Every object that starts with a "session_id" key and says `"pinned": true`, found by a
    byte search, block by block, after offset `skip_to`."""
    offset, carry, found = 0, b"", 0
    while found < MAX_PINNED:
        block = f.read(BLOCK)
        if not block:
            return
        buf, base = carry + block, offset - len(carry)
        offset += len(block)
        for match in _PINNED.finditer(buf, max(0, skip_to - base)):
            key = buf.rfind(b'"session_id"', 0, match.start())
            start = buf.rfind(b"{", 0, key) if key > 0 else -1
            if start < 0 or buf[start + 1 : key].strip():
                continue  # not the head of a row: leave it to the full read
            try:
                text = buf[start : start + OVERLAP].decode("utf-8", "ignore")
                item, _ = _DECODER.raw_decode(text)
            except (ValueError, RecursionError):
                continue  # cut by the block's end: found again in the next one
            skip_to = base + match.end()
            found += 1
            yield item
        carry = buf[-OVERLAP:]
