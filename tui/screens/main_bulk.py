"""The main screen's keys for marks and many sessions (space, *, d, m, T), as a mixin of
`MainScreen`, so the screen's own module stays about the list and the search.

The edits themselves are `tui.bulk.BulkEdits`'s; this part knows which sessions they act on
(the marked ones, else the highlighted one) and keeps the list and the marks in step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.rows import Row
from tui.screens.confirm import naming
from tui.screens.project_picker import NO_PROJECT, ProjectPicker
from tui.screens.trash import TrashScreen

if TYPE_CHECKING:
    from api.projects import Project
    from api.store import SessionStore
    from tui.bulk import BulkEdits
    from tui.editing.controller import EditController
    from tui.rows import SessionRows
    from tui.widgets.session_list import SessionList


class BulkActions:
    """Mixed into `MainScreen` (which has every attribute named below)."""

    if TYPE_CHECKING:
        store: SessionStore
        edits: EditController
        rows: SessionRows
        session_list: SessionList
        bulk: BulkEdits
        projects: dict[str, Project]

        @property
        def highlighted(self) -> Row | None: ...
        def cursor_id(self) -> str | None: ...
        def update_status(self) -> None: ...
        def reload_rows(self, *, whole: bool = False) -> None: ...
        def _show_view(self, keep: str | None) -> None: ...

    @property
    def marked(self) -> set[str]:
        return self.session_list.marked

    #: The rows the marks were last checked against: (the rows object, how many).
    _marks_checked: tuple[int, int] = (0, -1)

    def marks_text(self) -> str:
        """" · 12 marked" for the status line; forgets marks of sessions no longer in the
        store (deleted here or elsewhere). Checked only when the rows changed in number (a
        search keystroke must not walk 100,000 marks: ~100 ms on a slow box); `targets`
        skips a mark without a row anyway."""
        marked = self.marked
        if not marked:
            return ""
        rows = (id(self.rows), self.rows.total)
        if rows != self._marks_checked:
            self._marks_checked = rows
            gone = [sid for sid in marked if self.rows.get(sid) is None]
            marked.difference_update(gone)
        return f" · {len(marked):,} marked" if marked else ""

    def targets(self) -> list[Row]:
        """What p, a, d, m and e act on: the marked sessions, else the highlighted one."""
        if self.marked:
            found = (self.rows.get(sid) for sid in self.marked)
            return [row for row in found if row is not None]
        row = self.highlighted
        return [row] if row is not None else []

    def show_rows(self, rows: dict[str, Row | None]) -> None:
        """Lay rows over the list at once (None: the session leaves it), cursor kept."""
        keep = self.cursor_id()
        for sid, row in rows.items():
            if row is None:
                self.rows.remove(sid)
                self.marked.discard(sid)
            else:
                self.rows.put(row)
        self._show_view(keep if keep is not None and self.rows.get(keep) else None)

    def action_toggle_mark(self) -> None:
        """Space: mark or unmark the highlighted session, then go to the next one."""
        row = self.highlighted
        if row is None:
            return
        sid = row["session_id"]
        if sid in self.marked:
            self.marked.discard(sid)
        else:
            self.marked.add(sid)
        listing = self.session_list
        listing.refresh()
        listing.move_to(min(listing.cursor + 1, len(self.rows) - 1))
        self.update_status()

    def action_mark_all(self) -> None:
        """*: mark every session the search shows (the hidden archived ones stay unmarked)."""
        self.marked.update(row["session_id"] for row in self.rows)
        self.session_list.refresh()
        self.update_status()

    def clear_marks(self) -> bool:
        """Esc with the search line closed: unmark everything; False when nothing was."""
        if not self.marked:
            return False
        self.marked.clear()
        self.session_list.refresh()
        self.update_status()
        return True

    def action_delete(self) -> None:
        self.bulk.delete()

    def action_move(self) -> None:
        """m: the project picker; the chosen project gets every target."""
        rows = self.targets()
        if not rows:
            return

        def chosen(project_id: str | None) -> None:
            if project_id is None:
                return
            self.bulk.move(None if project_id == NO_PROJECT else project_id)

        what = naming([row["title"] for row in rows])
        self.session_list.app.push_screen(ProjectPicker(self.store, self.projects, what), chosen)

    def action_trash(self) -> None:
        """T: the trash; the list is read again when something came back from it, and the
        undo of its delete forgets it."""

        def back(restored: frozenset[str] | None) -> None:
            if restored:
                self.edits.undo_stack.retire_deletes(restored)
                self.reload_rows()

        self.session_list.app.push_screen(
            TrashScreen(self.store, self.edits.saver_for, clock=self.session_list.clock,
                        tz=self.session_list.tz),
            back,
        )
