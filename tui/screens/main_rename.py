"""The main screen's rename editor (r, F2), as a mixin of `MainScreen`: it opens over the
highlighted session's title cell, follows that row while the list scrolls, reorders or is
resized, and hands the new title to the edit controller.

Its message handlers go by name (`on_rename_editor_done`), not by `@on`: Textual collects
`@on` handlers only from classes its metaclass builds, and a mixin is not one."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from api.store import clean_title
from tui.widgets.rename_editor import RenameEditor

if TYPE_CHECKING:
    from textual.screen import Screen

    from tui.editing.controller import EditController
    from tui.rows import Row, SessionRows
    from tui.widgets.session_list import SessionList


class RenameActions:
    """Mixed into `MainScreen` (which has every attribute named below)."""

    if TYPE_CHECKING:
        editor: RenameEditor
        edits: EditController
        rows: SessionRows
        session_list: SessionList

        @property
        def highlighted(self) -> Row | None: ...

    @property
    def _screen(self) -> Screen[None]:
        """Itself, as the screen it is mixed into (for Textual's own methods)."""
        return cast("Screen[None]", self)

    def action_rename(self) -> None:
        self._open_editor(retry=True)

    def _open_editor(self, retry: bool) -> None:
        row = self.highlighted
        if row is None:
            return
        listing = self.session_list
        listing.scroll_to_cursor()
        region = listing.title_region(listing.cursor)
        if region is None:  # scrolled away just now: open once the scroll has been drawn
            if retry:
                self._screen.call_after_refresh(self._open_editor, False)
            return
        self.editor.open(row["session_id"], row["title"], region)
        # Focus at once (`open` asks for it on the next turn of the event loop): keys already
        # queued behind the r go into the editor.
        self._screen.set_focus(self.editor)
        self._screen.refresh_bindings()

    def on_session_list_resized(self) -> None:
        self.place_editor()

    def place_editor(self) -> None:
        """Keep an open rename editor over its session's title cell (the row may have moved:
        a save landed and reordered the list, the wheel scrolled, the terminal was resized)."""
        editor, listing = self.editor, self.session_list
        if editor.session_id is None:
            return
        index = self.rows.index_of(editor.session_id)
        if index is None:  # the session left the view: nothing to edit any more
            self.close_editor()
            return
        if listing.cursor != index:
            listing.move_to(index)
        region = listing.title_region(index)
        if region is None:
            listing.scroll_to_cursor()  # scrolling calls back here once the row is visible
            return
        editor.styles.offset = (region.x, region.y)
        editor.styles.width = region.width

    def on_rename_editor_done(self, message: RenameEditor.Done) -> None:
        editor = message.editor
        if not editor.is_open or editor.session_id != message.session_id:
            return
        if message.title is None or message.title == editor.original:
            self.close_editor()  # cancelled, or Enter on the title as it was: nothing to write
            return
        if not clean_title(message.title):
            self._screen.notify(
                "A title cannot be empty: type one, or press Esc to keep the old title.",
                title="Rename", severity="warning", markup=False,
            )
            return
        self.close_editor()
        if self.rows.get(message.session_id) is not None:
            self.edits.rename(message.session_id, message.title)

    def close_editor(self) -> None:
        self.editor.close()
        self.session_list.focus()
        self._screen.refresh_bindings()
