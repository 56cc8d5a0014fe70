"""The parsed `_index.json` a process keeps for one folder: read once, re-read by its changes,
and parsed by one thread at a time.

The table is kept with the (inode, size, mtime) of the file it came from and reused while the
file on disk is still that file. Any other writer replaces the file (a new inode), which
invalidates it. A version nobody has parsed yet is parsed once, whoever asks: at 100,000 rows a
parse builds 75 MB of rows, and two threads that asked at the same moment (the list's loader
and the check of where edits go, at startup) each built their own, one of them garbage at once
but the process's peak all the same (its memory is not given back to the system).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from api.atomic import NotRegularFile, open_regular, read_all
from api.indexfile import clean_rows, parse_index
from api.listing import index_size_limit
from api.records import sanitize_row
from api.rowtable import RowTable
from api.scan import FileSig, file_sig
from api.splice import Layout, parse_rows_stream

#: A first read of an index larger than this is streamed, block by block (`_read_index`).
STREAM_MIN = 8 << 20


class IndexCache:
    """The last table read or written, its file's signature and layout. `lock` guards them
    (held only briefly); `on_set` runs under it whenever the table changes."""

    def __init__(self, directory: Path, index_path: Path, on_set: Callable[[], None]) -> None:
        self.directory = directory
        self.index_path = index_path
        self.lock = threading.Lock()
        self._on_set = on_set
        # Held while a version is parsed, so that a second reader waits for it and takes its
        # table rather than parse the same file again beside it (the GIL makes two parses no
        # quicker than one after the other anyway).
        self._parsing = threading.Lock()
        self._table: RowTable | None = None
        self._sig: FileSig | None = None
        # The bytes the cached table was read from or written as, and where each row starts,
        # when its rows are the file's rows one for one: what lets the next version another
        # program writes be read by parsing only its changed rows (`api.splice`).
        self._layout: Layout | None = None
        # The last version read in another layout than the cached one, with its table: Hermes
        # indents, we write a row a line, so when both write, each version is diffed against
        # the last one the same program wrote (see `set`).
        self._other: tuple[RowTable, Layout] | None = None
        self._set_at = 0.0  # time.monotonic() when the table became the cached one

    def _cached(self) -> RowTable | None:
        """The table, while the file is still the one it came from."""
        try:
            sig = file_sig(os.stat(self.index_path))
        except OSError:
            return None
        with self.lock:
            return self._table if self._table is not None and sig == self._sig else None

    def load(self) -> RowTable | None:
        """The index file as it is now, or None if it is missing or unusable."""
        table = self._cached()
        if table is not None:
            return table
        with self._parsing:
            return self._cached() or self._read()

    def _read(self) -> RowTable | None:
        try:
            size = os.stat(self.index_path).st_size
        except OSError:
            return None
        with self.lock:
            base, base_layout, other = self._table, self._layout, self._other
        limit = self.size_limit(size)
        if limit is None:
            return None  # larger than any index of this folder: corrupt, and not read at all
        try:
            fd, st = open_regular(self.index_path, limit)
        except (OSError, NotRegularFile):
            return None
        sig = file_sig(st)  # of the file read: it may have been replaced since the stat
        try:
            table, layout = self._read_index(fd, st, limit, base, base_layout, other)
        except BaseException:
            os.close(fd)
            raise
        if layout is not None and layout.needs_file:
            layout.keep_file(fd, sig)  # the layout keeps the open file, not the bytes
        else:
            os.close(fd)
        if table is not None:
            self.set(table, layout, sig)
        return table

    @staticmethod
    def _read_index(
        fd: int, st: os.stat_result, limit: int, base: RowTable | None,
        base_layout: Layout | None, other: tuple[RowTable, Layout] | None,
    ) -> tuple[RowTable | None, Layout | None]:
        """The table of the open index file. The first read of a big one is streamed (never
        held whole); a later one is diffed against the last version (`parse_index`)."""
        if base is None and other is None and st.st_size > STREAM_MIN:
            streamed = parse_rows_stream(lambda n: os.read(fd, n), sanitize_row)
            if streamed is not None:
                items, rows_layout = streamed
                rows_table, aligned = clean_rows(items, None, checked=True)
                return rows_table, rows_layout if aligned else None
            os.lseek(fd, 0, os.SEEK_SET)
        table, layout = parse_index(read_all(fd, st, limit), base, base_layout, other)
        if layout is not None and layout.holds_bytes:
            layout.drop_bytes()
        return table, layout

    def size_limit(self, size: int) -> int | None:
        """`listing.index_size_limit` of this folder."""
        with self.lock:
            known = len(self._table.rows) if self._table is not None else 0
        return index_size_limit(self.directory, size, known)

    def set(self, table: RowTable, layout: Layout | None, sig: FileSig) -> None:
        """Keep `table`, read from (or written as) the file of `sig`, laid out as `layout`."""
        with self.lock:
            old_table, old_layout = self._table, self._layout
            if layout is None:
                self._other = None
            elif (old_table is not None and old_layout is not None
                    and old_layout.marker != layout.marker):
                self._other = (old_table, old_layout)
            elif self._other is not None and self._other[1].marker == layout.marker:
                self._other = None  # a newer version of its layout is the cached one now
            self._table, self._layout, self._sig = table, layout, sig
            self._set_at = time.monotonic()
            self._on_set()

    def set_at(self, table: RowTable) -> float | None:
        """When `table` became the cached one (`time.monotonic()`); None if it is not."""
        with self.lock:
            return self._set_at if table is self._table else None

    def forget(self) -> None:
        """Keep nothing: the next read parses the file."""
        with self.lock:
            self._table = self._layout = self._sig = None
