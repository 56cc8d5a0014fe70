"""The edits that are on screen but not yet on disk.

`EditLedger` is what lets every edit show at once while its save runs in the background: it
remembers, per session, the row as last confirmed by the store and the edits still in flight, so
a failed save can put back exactly what that edit changed and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import count

from tui.rows import Row


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

    def pending_ids(self) -> list[str]:
        """Sessions with edits still waiting for their save."""
        return list(self._pending)

    def rebase(self, session_id: str, row: Row) -> Row:
        """Another program changed this session (a live reload brought `row`): take it as the
        confirmed row and return it with the pending edits laid on top again."""
        if session_id not in self._pending:
            return row
        self._confirmed[session_id] = row
        for edit in self._pending[session_id]:
            row = {**row, **edit.changes}
        return row

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
