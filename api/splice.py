"""Re-reading a rewritten `_index.json` by parsing only the rows that changed.

Hermes and we both rewrite the whole index on every save, yet a save changes a row or two. Parsing
all of a 100,000-row index again takes ~0.4 s and holds the GIL (the UI stalls), so a program
that follows another one's saves would spend its time re-reading what it already has. Instead
the new bytes are compared with the version last read (at memcmp speed), the rows that the
differing span touches are parsed alone, and they are spliced between the unchanged rows, which
stay the very same objects (so the UI can tell what changed by identity, too).

Finding rows by bytes needs each row's start. Both layouts in use put every row on a line of its
own: Hermes' 2-space indent (`\\n  {`) and ours (one compact row a line, `\\n{`). A JSON string
cannot hold a raw newline, so in those layouts a newline, the first row's indent and `{` starts
a row and nothing else does. The count of such starts is checked against the parsed row count,
and every re-parsed piece must be exactly one object, so a layout this does not understand only
costs a full parse, never a wrong row.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from api import jsonio

#: Bytes compared per step when looking for the first difference: big enough that the loop
#: costs nothing next to the memcmp, small enough to stop soon after the difference.
CHUNK = 1 << 20
_WHITESPACE = b" \t\r\n"


@dataclass(frozen=True)
class Layout:
    """One version of the index file and where each of its rows starts."""

    raw: bytes
    marker: bytes  # newline + indent + "{": what starts a row, and only a row
    #: Offset of each row's marker, then the offset just past the last row's closing brace.
    starts: list[int]

    @property
    def count(self) -> int:
        return len(self.starts) - 1


@dataclass(frozen=True)
class Splice:
    """How a new version differs: rows [first, stop) of the old one became `items`."""

    first: int
    stop: int
    items: list[object]  # parsed, not yet checked (see `records.sanitize_row`)
    layout: Layout  # of the new version


def row_marker(raw: bytes) -> bytes | None:
    """What starts each row in this file, or None when its layout hides the row starts."""
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


def layout_of(raw: bytes, rows: int) -> Layout | None:
    """Where the `rows` rows of this index start; None unless exactly that many are found."""
    marker = row_marker(raw)
    if marker is None or rows == 0:
        return None
    starts = [m.start() for m in re.finditer(re.escape(marker), raw)]
    if len(starts) != rows or starts[0] != 1:
        return None
    end = _last_row_end(raw)
    if end is None or end <= starts[-1]:
        return None
    starts.append(end)
    return Layout(raw, marker, starts)


def _last_row_end(raw: bytes) -> int | None:
    """The offset just past the last row: before the closing bracket and any whitespace."""
    end = len(raw)
    while end and raw[end - 1] in _WHITESPACE:
        end -= 1
    if not end or raw[end - 1] != ord("]"):
        return None
    end -= 1
    while end and raw[end - 1] in _WHITESPACE:
        end -= 1
    return end


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
    (the head of the file changed, a piece is not exactly one object, ...)."""
    raw = old.raw
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
    items: list[object] = []
    for i, begin in enumerate(marks):
        end = marks[i + 1] if i + 1 < len(marks) else b
        piece = new[begin:end].rstrip(_WHITESPACE)
        last = last_in_file and i == len(marks) - 1
        if piece.endswith(b",") == last:
            return None  # a comma after every row but the last: anything else is not JSON
        if not last:
            piece = piece[:-1]
        try:
            items.append(jsonio.loads(piece))
        except (ValueError, RecursionError):
            return None  # not exactly one value: a marker inside a row, or a broken file
    if not items and last_in_file:
        return None  # the rows removed were the last ones: let the full parse judge the commas
    new_starts = starts[:first] + marks + [x + delta for x in starts[stop:]]
    return Splice(first, stop, items, Layout(new, old.marker, new_starts))
