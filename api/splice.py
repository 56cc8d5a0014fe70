"""Reading `_index.json` row by row, so that a rewritten one costs only its changed rows.

Hermes and we both rewrite the whole index on every save, yet a save changes a row or two. Parsing
all of a 100,000-row index again takes ~0.4 s and holds the GIL (the UI stalls), so a program
that follows another one's saves would spend its time re-reading what it already has. Instead
the new bytes are compared with the version last read (at memcmp speed), the rows that the
differing span touches are parsed alone, and they are spliced between the unchanged rows, which
stay the very same objects (so the UI can tell what changed by identity, too).

Finding rows by bytes needs each row's start. Both layouts in use put every row on a line of its
own: Hermes' 2-space indent (`\\n  {`) and ours (one compact row a line, `\\n{`). A JSON string
cannot hold a raw newline, so a newline, the first row's indent and `{` starts a row, unless a
crafted file puts a nested object there. So a file is first read piece by piece, from one such
start to the next, and each piece must parse, on its own, as exactly one value: that proves
every start is a row's (and costs no more than one parse of the whole). Only then are the starts
trusted for the next version. Any failure means a parse of the whole file, never a wrong row.

Pieces are parsed by orjson alone, inside brackets (so they nest as deep as in the file): a file
that needs the standard library's fallback (NaN, a lone surrogate, ...) is never read this way,
since the two parsers disagree on some values (integers past 64 bits).
"""

from __future__ import annotations

import os
import re
import weakref
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate

import orjson

#: Bytes compared per step when looking for the first difference: big enough that the loop
#: costs nothing next to the memcmp, small enough to stop soon after the difference.
CHUNK = 1 << 20
#: More whitespace than this after the last row is not a layout worth reading row by row.
MAX_TAIL = 4096
_WHITESPACE = b" \t\r\n"
#: Our layout: what starts each row, and what separates two.
LINE_MARKER = b"\n{"
_SEPARATOR = b",\n"


class Layout:
    """One version of the index file and where each of its rows starts (checked).

    `starts`: the offset of each row's marker, then the offset just past the last row's
    closing brace (machine integers: 8 bytes a row, where a list of ints takes 40). A layout
    we wrote ourselves (`written_layout`) knows its rows' lengths and works the offsets out
    only when a reader first needs them (another program rewrote the file): a save then pays
    nothing for them.

    The file's bytes are what the next version is compared with, but holding them costs as
    much memory as the file (45 MB at 100,000 rows, a fifth of the app's). So a layout keeps
    only a way to get them back when a new version comes: our own rows (joined again), or
    the open file they were read from (`keep_file`: read again, and trusted only while that
    file is unchanged)."""

    __slots__ = ("__weakref__", "_blobs", "_fd", "_raw", "_sig", "_starts", "marker")

    def __init__(
        self, raw: bytes | None, marker: bytes, starts: Sequence[int] | None = None,
        blobs: Sequence[bytes] | None = None,
    ) -> None:
        self._raw = raw
        self.marker = marker
        self._starts = starts if starts is None or isinstance(starts, array) else array("q", starts)
        self._blobs = blobs  # never changed after it is given here (RowTable copies on write)
        self._fd: int | None = None
        self._sig: tuple[int, int, int] | None = None

    @property
    def starts(self) -> array[int]:
        if self._starts is None:
            blobs = self._blobs or ()
            # Row i's marker: 1 + the lengths of the rows before it, each with its ",\n".
            # Built by C iterators: at 100,000 rows a Python loop here costs 10 ms.
            starts = array("q", accumulate(map((len(_SEPARATOR)).__add__, map(len, blobs)),
                                           initial=1))
            starts[-1] -= len(_SEPARATOR) - 1  # past the last row: no separator, one "\n"
            self._starts = starts
        return self._starts

    @property
    def count(self) -> int:
        return len(self.starts) - 1

    @property
    def raw(self) -> bytes | None:
        """The bytes of this version, or None when they cannot be had any more."""
        if self._raw is not None:
            return self._raw
        if self._blobs is not None:
            return join_rows(self._blobs)
        if self._fd is None:
            return None
        try:
            st = os.fstat(self._fd)
            if (st.st_ino, st.st_size, st.st_mtime_ns) != self._sig:
                return None  # written over in place since: not the version read
            data = os.pread(self._fd, st.st_size + 1, 0)
        except OSError:
            return None
        return data if len(data) == st.st_size else None

    @property
    def holds_bytes(self) -> bool:
        return self._raw is not None

    @property
    def needs_file(self) -> bool:
        """True when nothing gives this version's bytes back yet (`keep_file` should)."""
        return self._raw is None and self._blobs is None and self._fd is None

    def drop_bytes(self) -> None:
        """Let go of the bytes; `keep_file` gives the file to read them again from."""
        self._raw = None

    def keep_file(self, fd: int, sig: tuple[int, int, int]) -> None:
        """Let go of the bytes, keeping the open file (`fd`, now owned) they were read from."""
        self._fd, self._sig, self._raw = fd, sig, None
        weakref.finalize(self, os.close, fd)


@dataclass(frozen=True)
class Splice:
    """How a new version differs: rows [first, stop) of the old one became `items`."""

    first: int
    stop: int
    items: list[object]  # parsed, not yet checked (see `records.sanitize_row`)
    layout: Layout  # of the new version


def join_rows(blobs: Sequence[bytes]) -> bytes:
    """The index as we write it: a JSON list, one compact row a line. The line breaks cost a
    byte a row and let the next reader find each row without parsing. One join, no copy of
    the whole afterwards (at 100,000 rows the file is 34 MB)."""
    if len(blobs) < 2:
        return b"[\n" + b"".join(blobs) + b"\n]"
    return _SEPARATOR.join([b"[\n" + blobs[0], *blobs[1:-1], blobs[-1] + b"\n]"])


def written_layout(blobs: Sequence[bytes]) -> Layout | None:
    """The layout of `join_rows(blobs)`, known without looking (the rows are ours); its bytes
    are joined again when needed, not held."""
    if not blobs:
        return None
    return Layout(None, LINE_MARKER, blobs=blobs)


def row_marker(raw: bytes) -> bytes | None:
    """What would start each row in this file, or None when its layout hides the row starts."""
    if not raw.startswith(b"[\n"):
        return None
    brace = raw.find(b"{", 2, 2 + 64)
    if brace < 0:
        return None
    indent = raw[2:brace]
    if indent.strip(b" \t"):
        return None
    if not indent and raw[brace + 1 : brace + 2] != b'"':
        # Indent 0 from an indenting writer ("{" alone on its line) puts nested objects at the
        # same column as rows; only our one-row-a-line layout has "{" followed by a key.
        return None
    return b"\n" + indent + b"{"


def parse_rows(
    raw: bytes, convert: Callable[[object], object] | None = None
) -> tuple[list[object], Layout] | None:
    """Every row of the index, each parsed alone (and passed through `convert` at once, so that
    a row's first form is freed before the next is parsed), and where each starts; None when
    the file is not laid out one row a line (or is not valid): the caller then parses it
    whole."""
    marker = row_marker(raw)
    end = _last_row_end(raw)
    if marker is None or end is None:
        return None
    # finditer up to `end`, not over raw[:end]: that slice would copy the whole index.
    starts = [m.start() for m in re.compile(re.escape(marker)).finditer(raw, 0, end)]
    if not starts or starts[0] != 1:
        return None
    items = _parse_pieces(raw, starts, end, last_in_file=True, convert=convert)
    if items is None:
        return None
    starts.append(end)
    return items, Layout(raw, marker, starts)


#: Block size of a streamed read (`parse_rows_stream`).
STREAM_BLOCK = 4 << 20


def parse_rows_stream(
    read: Callable[[int], bytes], convert: Callable[[object], object] | None = None
) -> tuple[list[object], Layout] | None:
    """`parse_rows` of a file read block by block through `read(n)`, never held whole (the
    first read of a 45 MB index would otherwise be the app's memory peak). The layout has no
    bytes: give it the open file (`Layout.keep_file`)."""
    buf = read(STREAM_BLOCK)
    marker = row_marker(buf)
    if marker is None:
        return None
    pattern = re.compile(re.escape(marker))
    items: list[object] = []
    starts = array("q")
    base = 0  # the file offset of buf[0]
    while True:
        block = read(STREAM_BLOCK)
        if not block:
            break
        buf += block
        marks = [m.start() for m in pattern.finditer(buf)]
        if len(marks) < 2:
            continue  # one row longer than a block: read on
        if not starts and marks[0] != 1:
            return None
        done = _parse_pieces(buf, marks[:-1], marks[-1], last_in_file=False, convert=convert)
        if done is None:
            return None
        items += done
        starts.extend(map(base.__add__, marks[:-1]))
        base += marks[-1]
        buf = buf[marks[-1] :]
    end = _last_row_end(buf)
    if end is None:
        return None
    marks = [m.start() for m in pattern.finditer(buf, 0, end)]
    if not marks or (not starts and marks[0] != 1) or (starts and marks[0] != 0):
        return None
    done = _parse_pieces(buf, marks, end, last_in_file=True, convert=convert)
    if done is None:
        return None
    items += done
    starts.extend(map(base.__add__, marks))
    starts.append(base + end)
    return items, Layout(None, marker, starts)


def _last_row_end(raw: bytes) -> int | None:
    """The offset just past the last row: before the closing bracket and any whitespace."""
    tail = raw[-MAX_TAIL:]
    closing = tail.rstrip(_WHITESPACE)
    if not closing.endswith(b"]"):
        return None
    rest = closing[:-1].rstrip(_WHITESPACE)
    if not rest:
        return None
    return len(raw) - len(tail) + len(rest)


def _parse_pieces(
    data: bytes, marks: list[int], end: int, *, last_in_file: bool,
    convert: Callable[[object], object] | None = None,
) -> list[object] | None:
    """Parse data[marks[i]:marks[i+1]] (the last up to `end`), each exactly one value followed
    by a comma, except the file's last row; None at the first piece that is not."""
    items: list[object] = []
    loads = orjson.loads
    bounds = [*marks[1:], end]
    for i, (begin, stop) in enumerate(zip(marks, bounds, strict=True)):
        piece = data[begin:stop].rstrip(_WHITESPACE)
        last = last_in_file and i == len(marks) - 1
        if piece.endswith(b",") == last:
            return None  # a comma after every row but the last: anything else is not JSON
        try:
            value = loads(b"[" + (piece if last else piece[:-1]) + b"]")
        except orjson.JSONDecodeError:
            return None
        if len(value) != 1:
            return None  # two rows on one line: the starts are not the rows
        items.append(value[0] if convert is None else convert(value[0]))
    return items


def common_prefix(a: bytes, b: bytes) -> int:
    """How many leading bytes `a` and `b` share. Slices of bytes compare with memcmp (a
    memoryview compares element by element, twenty times slower)."""
    n = min(len(a), len(b))
    i = 0
    while i < n:
        j = min(i + CHUNK, n)
        if a[i:j] != b[i:j]:
            while j - i > 1:  # the first difference is in [i, j): halve the range
                mid = (i + j) // 2
                if a[i:mid] == b[i:mid]:
                    i = mid
                else:
                    j = mid
            return i
        i = j
    return n


def common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """How many trailing bytes `a` and `b` share, at most `limit`."""
    la, lb = len(a), len(b)
    k = 0
    while k < limit:
        step = min(CHUNK, limit - k)
        if a[la - k - step : la - k] != b[lb - k - step : lb - k]:
            lo, hi = k, k + step  # the answer is in [lo, hi)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if a[la - mid : la - k] == b[lb - mid : lb - k]:
                    lo = mid
                else:
                    hi = mid
            return lo
        k += step
    return limit


def splice(old: Layout, new: bytes) -> Splice | None:
    """The rows of `new` that differ from `old`, parsed; None when only a full parse can tell
    (the head of the file changed, a piece is not exactly one value, ...).

    The starts of `old` are row starts (checked when it was read), every byte outside the
    differing span is as it was, and each re-parsed piece is one value: so the starts of `new`
    are row starts too, and `new` is valid JSON wherever `old` was."""
    raw = old.raw
    if raw is None:
        return None
    starts = old.starts
    count = old.count
    p = common_prefix(raw, new)
    if p == len(raw) == len(new):
        return Splice(count, count, [], old)
    if p < starts[0] + len(old.marker):
        return None  # the opening of the list or of the first row changed: the layout may have
    s = common_suffix(raw, new, min(len(raw), len(new)) - p)
    first = bisect_right(starts, p, 0, count) - 1  # the row holding the first changed byte
    stop = bisect_left(starts, len(raw) - s, first, count + 1)  # first row wholly after it
    if stop > count:
        return None  # the tail after the last row changed
    delta = len(new) - len(raw)
    a, b = starts[first], starts[stop] + delta
    marks = [m.start() + a for m in re.finditer(re.escape(old.marker), new[a:b])]
    if a < b and (not marks or marks[0] != a):
        return None
    last_in_file = stop == count
    if not marks and last_in_file:
        return None  # the rows removed were the last ones: let the full parse judge the commas
    items = _parse_pieces(new, marks, b, last_in_file=last_in_file)
    if items is None:
        return None
    new_starts = starts[:first] + array("q", marks) + array("q", map(delta.__add__, starts[stop:]))
    return Splice(first, stop, items, Layout(new, old.marker, new_starts))
