"""The rows the list shows, kept sorted, and the edits that are on screen but not yet on disk.

`SessionRows` holds plain index-row dicts from `SessionStore.list_rows()` in display order
(pinned first, then newest `updated_at`) and the filtered view the list draws from (archived
hidden unless asked for). There is no object per session besides the row the store gave us: an
edit replaces one row with a bisect, so it costs the same at 10 and at 100,000 sessions.

`EditLedger` is what lets every edit show at once while its save runs in the background: it
remembers, per session, the row as last confirmed by the store and the edits still in flight, so
a failed save can put back exactly what that edit changed and nothing else.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import count
from typing import Any

Row = dict[str, Any]
SortKey = tuple[bool, float]


def sort_key(row: Row) -> SortKey:
    """Display order: pinned first, then newest `updated_at` (the store's rows are sanitised,
    so both fields have the right type)."""
    return (not row["pinned"], -row["updated_at"])


def _is_sorted(rows: list[Row]) -> bool:
    """Newest first? (Sorting floats that already are in order is one C-speed pass.)"""
    stamps = [row["updated_at"] for row in rows]
    return stamps == sorted(stamps, reverse=True)


def display_order(rows: Iterable[Row]) -> list[Row]:
    """Rows in display order. The store already sorts newest first, so a stable partition of
    the pinned rows is all that is needed (a few ms at 100,000, where a keyed sort costs ~60)."""
    rows = list(rows)
    pinned = [row for row in rows if row["pinned"]]
    if pinned:
        rows = pinned + [row for row in rows if not row["pinned"]]
    if not (_is_sorted(rows[len(pinned) :]) and _is_sorted(pinned)):
        rows.sort(key=sort_key)
    return rows


def _locate(rows: list[Row], row: Row) -> int:
    """Where this exact row object is in a sorted list (rows with equal keys are scanned)."""
    i = bisect_left(rows, sort_key(row), key=sort_key)
    while i < len(rows) and rows[i] is not row:
        i += 1
    if i < len(rows):
        return i
    for j, other in enumerate(rows):  # out of place (should not happen): the slow way
        if other is row:
            return j
    raise LookupError(row["session_id"])


class SessionRows:
    """All sessions in display order, and the view the list shows (without archived ones
    unless `show_archived`)."""

    def __init__(self, rows: Iterable[Row] = (), *, show_archived: bool = False) -> None:
        self._all = display_order(rows)
        self._ids: dict[str, Row] | None = None  # built on first use: only edits need it
        self._show_archived = show_archived
        self._shown = self._filter()

    @property
    def _by_id(self) -> dict[str, Row]:
        if self._ids is None:
            self._ids = {row["session_id"]: row for row in self._all}
        return self._ids

    def _filter(self) -> list[Row]:
        if self._show_archived:
            return self._all
        return [row for row in self._all if not row["archived"]]

    # ── reading ─────────────────────────────────────────────────────────────

    def __len__(self) -> int:
        return len(self._shown)

    def __getitem__(self, index: int) -> Row:
        return self._shown[index]

    def __iter__(self) -> Iterator[Row]:
        return iter(self._shown)

    @property
    def total(self) -> int:
        """Every session in the store, archived included."""
        return len(self._all)

    @property
    def show_archived(self) -> bool:
        return self._show_archived

    @show_archived.setter
    def show_archived(self, value: bool) -> None:
        self._show_archived = value
        self._shown = self._filter()

    def get(self, session_id: str) -> Row | None:
        return self._by_id.get(session_id)

    def index_of(self, session_id: str) -> int | None:
        """The session's position in the shown view, or None when it is not shown."""
        row = self._by_id.get(session_id)
        if row is None or (row["archived"] and not self._show_archived):
            return None
        return _locate(self._shown, row)

    # ── changing ────────────────────────────────────────────────────────────

    def put(self, row: Row) -> None:
        """Insert `row`, replacing the row of the same session; both views stay sorted."""
        sid = row["session_id"]
        old = self._by_id.get(sid)
        if old is not None:
            del self._all[_locate(self._all, old)]
            if self._shown is not self._all and not old["archived"]:
                del self._shown[_locate(self._shown, old)]
        self._by_id[sid] = row
        key = sort_key(row)
        self._all.insert(bisect_right(self._all, key, key=sort_key), row)
        if self._shown is not self._all and not row["archived"]:
            self._shown.insert(bisect_right(self._shown, key, key=sort_key), row)


@dataclass(eq=False)
class Edit:
    """One change the user made to one session: the fields it sets on the row."""

    session_id: str
    changes: Row
    what: str  # for messages: "rename", "pin", "unpin", "archive", "unarchive"
    edit_id: int = field(default_factory=count(1).__next__)


class EditLedger:
    """Per session: the row the store last confirmed, and the edits made since, in order.

    The row on screen is always `confirmed + pending edits`. When a save lands, its row
    becomes the confirmed one; when it fails, its edit is dropped. Either way the later edits
    are laid on top again, so a failure puts back what that edit changed and loses nothing else.
    """

    def __init__(self) -> None:
        self._confirmed: dict[str, Row] = {}
        self._pending: dict[str, list[Edit]] = {}

    def __len__(self) -> int:
        """How many edits are still waiting for their save."""
        return sum(len(edits) for edits in self._pending.values())

    def begin(self, shown: Row, edit: Edit) -> Row:
        """Record an edit of the row now on screen; returns the row to show instead."""
        self._confirmed.setdefault(edit.session_id, shown)
        self._pending.setdefault(edit.session_id, []).append(edit)
        return {**shown, **edit.changes}

    def settle(self, edit: Edit, stored: Row | None) -> Row:
        """A save finished: `stored` is the store's new row, or None when the save failed.
        Returns the row to show now."""
        sid = edit.session_id
        if stored is not None:
            self._confirmed[sid] = stored
        pending = self._pending.get(sid, [])
        if edit in pending:
            pending.remove(edit)
        row = self._confirmed[sid]
        for later in pending:
            row = {**row, **later.changes}
        if not pending:
            self._pending.pop(sid, None)
            self._confirmed.pop(sid, None)
        return row
