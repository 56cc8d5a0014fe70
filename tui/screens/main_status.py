"""What the main screen says of its list, as a mixin of `MainScreen`: the status line (how
many sessions, how many shown, the order, marks, edits being saved and where edits go) and the
list's placeholder when it shows nothing (an empty store, no match, everything archived)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.text import inert

if TYPE_CHECKING:
    from tui.editing.controller import EditController
    from tui.rows import SessionRows
    from tui.widgets.session_list import SessionList
    from tui.widgets.status_line import StatusLine


class StatusText:
    """Mixed into `MainScreen` (which has every attribute named below)."""

    if TYPE_CHECKING:
        rows: SessionRows
        edits: EditController
        edits_via: Callable[[], str]
        counts: StatusLine
        session_list: SessionList

        @property
        def loaded(self) -> bool: ...
        def marks_text(self) -> str: ...

    def update_status(self) -> None:
        """The status line: how many sessions, how many shown, the order, edits being saved,
        and where they go when that is worth saying (through Hermes WebUI, or why not)."""
        if not self.loaded:
            return
        text = f"{self.rows.total:,} sessions · {len(self.rows):,} shown"
        if self.rows.show_archived:
            text += " (with archived)"
        text += f" · by {self.rows.order.label}" + self.marks_text()
        pending = self.edits.pending
        if pending:
            text += f" · saving {pending}…"
        via = self.edits_via()
        if via:
            text += f" · {via}"
        self.counts.update(text)

    def update_placeholder(self) -> None:
        listing, rows = self.session_list, self.rows
        if not rows.total:
            listing.placeholder = "No sessions in this store yet."
        elif not rows.query.empty:
            listing.placeholder = (
                f"No session matches “{inert(rows.query.text.strip())}”"
                + (" by title, workspace or model." if rows.query.words else ".")
            )
        else:
            listing.placeholder = "Every session is archived: press A to show them."
