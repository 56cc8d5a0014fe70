"""Live updates: noticing that another program changed the store, cheaply.

`StoreWatcher.changed()` is called by a short thread worker four times a second. It compares
the store's `change_token()` (the index file's version and the folder's mtime: two `stat`s,
which work on network filesystems too, unlike inotify) and the version of `projects.json`
with what it saw last. Only when they differ does the app reload the rows, in another worker.

`diff_rows` tells that worker which rows changed since the last read. The store hands back the
very same dict for every row it did not re-read, so comparing object identities finds the few
rows another program wrote (a few ms at 100,000), and the app puts just those into its list
instead of ordering and indexing 100,000 rows again.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from itertools import compress, count
from operator import is_not, not_

from api.paths import projects_file
from api.store import SessionStore
from tui.rows import Row

#: How often the store is polled while the app is open (seconds): three stats each time, so
#: polling often costs nothing. The wait for the next poll is most of the time a change made
#: elsewhere takes to show (reading and merging it takes ~0.1 s at 100,000 sessions).
POLL_SECONDS = 0.25


class StoreWatcher:
    def __init__(self, store: SessionStore) -> None:
        self.store = store
        self._projects = projects_file(store.directory)
        self._last: object = None
        self._busy = threading.Lock()

    def token(self) -> object:
        try:
            st = os.stat(self._projects)
            projects: tuple[int, int, int] | None = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            projects = None
        return self.store.change_token(), projects

    def prime(self) -> None:
        """Remember the store as it is now (call just before reading the rows)."""
        self._last = self.token()

    def changed(self) -> bool | None:
        """Did the store change since the last call (or `prime`)? None when another check is
        still running (a slow filesystem): that one will tell."""
        if not self._busy.acquire(blocking=False):
            return None
        try:
            token = self.token()
            if token == self._last:
                return False
            self._last = token
            return True
        finally:
            self._busy.release()


@dataclass(frozen=True)
class RowsDelta:
    """What differs between two reads of the store: rows that are new or were rewritten
    (`changed`, the store's rows) and sessions that are gone (`removed`, by id)."""

    changed: list[Row]
    removed: frozenset[str]

    def __len__(self) -> int:
        return len(self.changed) + len(self.removed)


def diff_rows(before: list[Row], rows: list[Row], limit: int) -> RowsDelta | None:
    """What a fresh `list_rows()` changed since the read before, or None when more than
    `limit` rows did. Both lists must be the caller's own (nothing changes them meanwhile).

    Rows are told apart by identity: while `before` holds a row, no other object can have its
    id. Both reads are in the store's order, so the unchanged rows at either end line up one
    for one and are skipped by two C-speed passes of `is not` (~2 ms at 100,000); only the
    rows between the first and the last difference are compared by id. A row the store
    re-read without a change counts as changed (a new dict): putting it again is harmless."""
    shortest = min(len(before), len(rows))
    head = next(compress(count(), map(is_not, before, rows)), shortest)
    tail = 0
    if head < shortest:
        tail = next(compress(count(), map(is_not, reversed(before), reversed(rows))), shortest)
        tail = min(tail, shortest - head)
    old = before[head : len(before) - tail]
    new = rows[head : len(rows) - tail]
    kept = list(map(set(map(id, old)).__contains__, map(id, new)))
    if len(new) - sum(kept) > limit:
        return None
    changed = list(compress(new, map(not_, kept)))
    removed: set[str] = set()
    if len(old) > len(new) - len(changed):  # some of the old rows are not in the new read
        stay = map(set(map(id, new)).__contains__, map(id, old))
        removed = {row["session_id"] for row in compress(old, map(not_, stay))}
        removed.difference_update(row["session_id"] for row in changed)
        if len(changed) + len(removed) > limit:
            return None
    return RowsDelta(changed, frozenset(removed))


def forget(rows: list[Row], row: Row) -> None:
    """Make the next `diff_rows(rows, ...)` report `row` as changed, whatever the store says
    (the app could not show it this time): its place in the read holds a copy instead."""
    for i, other in enumerate(rows):
        if other is row:
            rows[i] = dict(row)
            return
