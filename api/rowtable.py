"""The index in memory: rows sorted newest first, each beside its serialised JSON.

Keeping every row's bytes means a save re-encodes only the rows it changed and writes the index
as one join (`api.splice.join_rows`), instead of encoding 100,000 rows each time: that is what
lets a save cost about what writing the file costs. Rows are found by file name so that ghosts
and unlisted files fall out of set arithmetic against a `listdir`, at C speed.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from itertools import pairwise

from api.jsonio import dumps_compact, row_bytes
from api.records import Record, Row, row_from_record, updated_key
from api.scan import SUFFIX, Scanned
from api.splice import Layout, join_rows, written_layout


def file_name(session_id: str) -> str:
    return session_id + SUFFIX


class RowTable:
    """Copy-on-write: the cached table is shared with readers, so writers edit a `copy()`."""

    __slots__ = ("_blobs", "_inexact", "by_name", "rows")

    def __init__(self, rows: list[Row], by_name: dict[str, Row] | None = None, *,
                 blobs: list[bytes | None] | None = None) -> None:
        """`blobs`: each row's index bytes where already known (None where not), as
        `jsonio.row_bytes` makes them."""
        self.rows = rows
        # Some row was written in a form orjson reads back changed (see `layout`).
        self._inexact = False
        self._blobs: list[bytes] | None = None
        if blobs is not None:
            self._blobs = [self._encode(row) if blob is None else blob
                           for row, blob in zip(rows, blobs, strict=True)]
        if by_name is None:
            by_name = {file_name(row["session_id"]): row for row in rows}
        self.by_name = by_name

    def copy(self) -> RowTable:
        table = RowTable.__new__(RowTable)
        table.rows = list(self.rows)
        table._blobs = None if self._blobs is None else list(self._blobs)
        table._inexact = self._inexact
        table.by_name = dict(self.by_name)
        return table

    @property
    def blobs(self) -> list[bytes]:
        if self._blobs is None:  # a freshly parsed index: encode once, then only what changes
            self._blobs = [self._encode(row) for row in self.rows]
        return self._blobs

    def _encode(self, row: Row) -> bytes:
        blob = row_bytes(row)
        if blob is None:
            self._inexact = True
            return dumps_compact(row)
        return blob

    def drop(self, names: Iterable[str]) -> None:
        """Remove the rows of these file names (ghosts: their file is gone)."""
        gone = {id(self.by_name.pop(name)) for name in names if name in self.by_name}
        if not gone:
            return
        blobs = self.blobs
        keep = [i for i, row in enumerate(self.rows) if id(row) not in gone]
        self.rows = [self.rows[i] for i in keep]
        self._blobs = [blobs[i] for i in keep]

    def put(self, row: Row) -> None:
        """Insert or replace the row of `row["session_id"]`, keeping the order."""
        blobs = self.blobs
        name = file_name(row["session_id"])
        old = self.by_name.get(name)
        if old is not None:
            i = self._position(old)
            del self.rows[i]
            del blobs[i]
        # After any rows with the same time: a re-saved row lands where a full sort would put it.
        i = bisect_right(self.rows, updated_key(row), key=updated_key)
        self.rows.insert(i, row)
        blobs.insert(i, self._encode(row))
        self.by_name[name] = row

    def _position(self, row: Row) -> int:
        i = bisect_left(self.rows, updated_key(row), key=updated_key)
        while i < len(self.rows) and self.rows[i] is not row:
            i += 1
        if i == len(self.rows):  # not where its key says: find it the slow way
            i = next(k for k, r in enumerate(self.rows) if r is row)
        return i

    def spliced(self, first: int, stop: int, rows: list[Row]) -> RowTable | None:
        """A copy with rows [first, stop) replaced by `rows` (another program's save, see
        `api.splice`); every other row stays the same object. None when the result would not
        be a clean index (a session twice, rows out of order): the caller then parses it all."""
        old = self.rows[first:stop]
        by_name = dict(self.by_name)
        for row in old:
            by_name.pop(file_name(row["session_id"]), None)
        for row in rows:
            name = file_name(row["session_id"])
            if name in by_name:
                return None
            by_name[name] = row
        keys = [updated_key(row) for row in rows]
        if first > 0:
            keys.insert(0, updated_key(self.rows[first - 1]))
        if stop < len(self.rows):
            keys.append(updated_key(self.rows[stop]))
        if any(a > b for a, b in pairwise(keys)):
            return None
        table = RowTable.__new__(RowTable)
        table.rows = self.rows[:first] + rows + self.rows[stop:]
        table.by_name = by_name
        table._blobs = None
        table._inexact = self._inexact
        if self._blobs is not None:
            fresh = [table._encode(row) for row in rows]
            table._blobs = self._blobs[:first] + fresh + self._blobs[stop:]
        return table

    def to_json(self) -> bytes:
        """The index file, one compact row a line (`api.splice.join_rows`)."""
        return join_rows(self.blobs)

    @property
    def exact(self) -> bool:
        """Does every row come back from `to_json()` as it is? Not when orjson could not write
        one (an integer past 64 bits): orjson reads the standard library's text back changed."""
        return not self._inexact

    def layout(self) -> Layout | None:
        """Where each row starts in `to_json()`'s bytes, for reading the next version by its
        changes."""
        return written_layout(self.blobs)


def table_of_scan(scanned: dict[str, Scanned], records: Iterable[Record]) -> RowTable:
    """The index of these files' rows, with `records` (sessions being saved) laid over theirs,
    and the index bytes the scan encoded for the rows that are still the scan's own.

    One pass over the rows, then a sort of their keys alone: at 100,000 rows every extra
    visit of a row is a cache miss a row, and separate passes for the blobs, the by-name table
    and the sort keys took 0.4 s."""
    laid = {}
    for record in records:
        rid = record.get("session_id")
        if isinstance(rid, str) and (found := scanned.get(rid)) is not None \
                and found.row is not None:
            laid[rid] = row_from_record(record, base=found.row)
    rows: list[Row] = []
    blobs: list[bytes | None] = []
    keys: list[float] = []
    by_name: dict[str, Row] = {}
    for sid, (_, row, blob) in scanned.items():
        if row is None:
            continue
        if laid and sid in laid:
            row, blob = laid[sid], None
        rows.append(row)
        blobs.append(blob)
        keys.append(-row["updated_at"])  # `updated_key`
        by_name[sid + SUFFIX] = row  # `file_name(sid)`, without 100,000 calls
    order = sorted(range(len(rows)), key=keys.__getitem__)  # stable, as sorting the rows was
    return RowTable(list(map(rows.__getitem__, order)), by_name,
                    blobs=list(map(blobs.__getitem__, order)))
