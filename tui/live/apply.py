"""What a read of the store changes on the main screen: the preview of a big store, the
first whole read, and every live reload, laid into the list by `reconcile` while keeping what
the user is doing (the cursor on its session, the rename editor over its row; the transcripts
open over the screen are told on the app's `row_changed` signal).

Functions of the screen rather than its methods, so the screen's module stays about its own
keys and layout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.projects import Project
from tui.errors import describe_error
from tui.live.diff import forget
from tui.live.reconcile import apply_view, reconcile
from tui.messages import RowChanged, RowsLoaded, RowsPreview
from tui.rows import SessionRows
from tui.screens import as_transcript
from tui.search.index_service import IndexState
from tui.text import quote

if TYPE_CHECKING:
    from tui.screens.main import MainScreen


def show_preview(screen: MainScreen, message: RowsPreview) -> None:
    if screen.loaded:  # the full read won the race
        message.shown.set()
        return
    screen.set_projects(message.projects)
    screen.session_list.set_rows(message.rows)
    screen.counts.update("reading every session…")
    screen.call_after_refresh(message.shown.set)


def show_read(screen: MainScreen, message: RowsLoaded) -> None:
    try:
        if message.error is not None:
            _load_failed(screen, message)
        elif not screen.loaded:
            if message.rows is not None:  # (a delta needs rows on screen: never here)
                _first_rows(screen, message.rows, message.projects)
        else:
            _merge(screen, message)
    finally:
        screen.sync.finished(message, screen.rows)


def _load_failed(screen: MainScreen, message: RowsLoaded) -> None:
    error = message.error or RuntimeError("unknown error")
    reason = describe_error(
        error, "read the store", denied="permission denied",
        missing=f"{screen.store.directory} does not exist",
    )
    if message.reload:  # the list on screen stays; say so once, not every half second
        if not screen.sync.failed:
            screen.sync.failed = True
            screen.notify(reason, title="Live update", severity="warning", markup=False)
        return
    listing = screen.session_list
    listing.placeholder = reason
    screen.counts.update("unreadable")
    screen.notify(reason, title="Store", severity="error", markup=False, timeout=10)
    listing.refresh()


def _first_rows(screen: MainScreen, rows: SessionRows, projects: dict[str, Project]) -> None:
    screen.sync.failed = False
    apply_view(rows, screen.rows)
    screen.rows = rows
    screen.sync.loaded = True
    screen.set_projects(projects)
    screen.update_placeholder()
    # The cursor may have moved over a preview.
    screen.session_list.set_rows(screen.rows, keep=screen.cursor_id())
    screen.update_status()
    screen.refresh_bindings()
    if screen.search_bar.is_open:
        screen.search_panel.search()


def _merge(screen: MainScreen, message: RowsLoaded) -> None:
    """Another program changed the store: lay what it changed into the list (see
    `reconcile`), keeping what the user is doing: the cursor on its session, the rename
    editor over its row, open transcripts told (on `row_changed`)."""
    screen.sync.failed = False
    footer_before = _footer_state(screen)
    old, editing = screen.rows, screen.editor.session_id
    keep = editing or screen.cursor_id()
    # What the editor and the transcripts showed, before the list changes under them.
    transcripts = [transcript.session_id for other in screen.app.screen_stack
                   if (transcript := as_transcript(other)) is not None]
    before = {sid: old.get(sid) for sid in [editing, *transcripts] if sid is not None}
    read = message.delta if message.rows is None else message.rows
    assert read is not None
    result = reconcile(old, read, screen.edits.landed_since(message.epoch), screen.edits.ledger)
    for fresh in result.held:
        forget(message.seen, fresh)  # perhaps older than the saved row: take it next time
    rows = result.rows
    if editing is not None and rows.index_of(editing) is None:
        gone = before.get(editing)
        screen.close_editor()
        screen.notify(
            f"{quote(gone['title'] if gone else editing)} was deleted or hidden by "
            "another program while you renamed it.",
            title="Rename", severity="warning", markup=False,
        )
    if message.projects != screen.projects:
        rows.projects = message.projects
        screen.set_projects(message.projects)
    screen.rows = rows
    screen.update_placeholder()
    screen.session_list.set_rows(rows, keep=keep, anchor=True)
    screen.update_status()  # forgets marks of sessions deleted elsewhere
    if _footer_state(screen) != footer_before:
        screen.refresh_bindings()
    for sid in transcripts:
        now = rows.get(sid)
        if now is not None and now != before.get(sid):
            screen.row_changed.publish(RowChanged(sid, now, reread=True))
    if screen.editor.is_open:
        screen.call_after_refresh(screen.place_editor)
    _after_reload(screen, message)


def _after_reload(screen: MainScreen, message: RowsLoaded) -> None:
    panel = screen.search_panel
    if panel.hits is not None:
        panel.show_hits()
    delta = message.delta
    if panel.index.state is not IndexState.COLD and (delta is None or delta):
        # Only the sessions whose rows changed need their messages indexed again (a save
        # changes its row); after a reload of every row, every file is checked.
        panel.index.refresh(None if delta is None else
                            {row["session_id"] for row in delta.changed} | delta.removed)


def _footer_state(screen: MainScreen) -> tuple[bool, bool]:
    """What a live change can change of the keys the footer offers (`MainScreen.check_action`):
    whether there is a session under the cursor, whether any is marked. Textual rebuilds the
    whole footer on `refresh_bindings` (a third of the CPU of a run of key presses), so a
    change that leaves both alone does not ask for it; a closed rename editor asks itself."""
    return screen.session_list.highlighted is None, bool(screen.marked)
