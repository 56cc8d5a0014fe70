"""What the app's parts tell each other: small dataclasses carried by Textual messages and
signals, so no part needs to know who listens."""

from __future__ import annotations

from dataclasses import dataclass

from tui.rows import Row


@dataclass(frozen=True)
class RowChanged:
    """Published on the app's `row_changed` signal: the row of `session_id` to show now.

    `row` is None when the session is not in the list (only the count of pending saves
    changed). `reread`: another program changed the session, so its messages may have
    changed too (an open transcript reads it again); otherwise it is the user's edit."""

    session_id: str
    row: Row | None
    reread: bool = False
