"""Which rows another program changed: `diff_rows` tells the loader worker which rows differ
between two reads of the store. The store hands back the very same dict for every row it did
not re-read, so comparing object identities finds the few rows another program wrote (a few
ms at 100,000), and the app puts just those into its list instead of ordering and indexing
100,000 rows again.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress, count
from operator import is_not, not_

from tui.rows import Row


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
