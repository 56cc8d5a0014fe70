"""The main screen: a status line, the search line, the session list, the matching messages,
the rename editor over the list, a footer.

Threads: the UI thread never touches the disk. Rows are read by `RowsSync`'s worker, started
as the screen mounts, so the first frame never waits for the index; another program's changes
come back the same way and are laid into the list by `reconcile` (edits still being saved on
top, the cursor on its session, an open rename editor over its row). Edits go to the app's
`EditController`; what they change comes back on the app's `row_changed` signal.

Search: the search line filters the rows here, on the UI thread (a few ms at 100,000, see
`SessionRows`); the `SearchPanel` below the list finds the messages.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.content import Content
from textual.screen import Screen
from textual.signal import Signal
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from api.projects import Project
from api.store import SessionStore
from tui.bulk import BulkEdits
from tui.editing.controller import EditController
from tui.keys import MAIN_KEYS, bindings
from tui.live.apply import show_preview, show_read
from tui.live.sync import RowsSync
from tui.messages import RowChanged, RowsLoaded, RowsPreview, SettingChanged, StoreChanged
from tui.query import EMPTY, Query
from tui.rows import Row, SessionRows
from tui.screens.main_bulk import BulkActions
from tui.screens.main_rename import RenameActions
from tui.screens.main_status import StatusText
from tui.screens.main_usage import UsageActions
from tui.search.panel import SearchPanel
from tui.text import Clock, inert
from tui.trash_upkeep import TrashUpkeep
from tui.widgets.message_results import MessageResults
from tui.widgets.rename_editor import RenameEditor
from tui.widgets.search_bar import SearchBar
from tui.widgets.session_list import SessionList
from tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from datetime import tzinfo
    from pathlib import Path


#: Actions on the highlighted session: dimmed with no session.
SESSION_ACTIONS = frozenset({"rename", "toggle_pin", "toggle_archive", "open"}) | {
    "toggle_mark", "delete", "move"}
#: Actions that change the list: none while the rename editor has the keyboard, dimmed while
#: only a preview of a big store is on screen.
LIST_ACTIONS = SESSION_ACTIONS | {"toggle_show_archived", "cycle_sort", "search", "mark_all",
                                  "trash", "toggle_usage", "statistics"}
#: Actions of priority keys (see tui.keys): never while an input has the keyboard.
PRIORITY_ACTIONS = frozenset(key.action for key in MAIN_KEYS if key.priority)

#: How often relative times ("3 min ago") are redrawn while the app sits open.
CLOCK_REFRESH_SECONDS = 30.0
#: How long after the last filter keystroke the garbage collector may run again: past the
#: keystroke's frame, before the next key of someone typing fast.
GC_HOLD_SECONDS = 0.06


class MainScreen(BulkActions, RenameActions, StatusText, UsageActions, Screen[None]):
    """Browse, search, rename, pin and archive the sessions of one store."""

    # Its layout is main.tcss, read by the app (see `SessionBrowser.CSS_PATH`).
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(MAIN_KEYS))
    _query_error: str | None = None  # the search line says it while it is typed

    def __init__(
        self, store: SessionStore, edits: EditController, row_changed: Signal[RowChanged], *,
        clock: Clock, tz: tzinfo | None, store_label: str, banner: str | None = None,
        poll_interval: float | None = None, cache_root: Path | None = None,
        index_in_child: bool = True, edits_via: Callable[[], str] = str,
    ) -> None:
        """`row_changed`: the app's signal of changed rows (edits come back on it; reloads
        are published on it for the transcripts). `edits_via`: what the status line says of
        where edits go ("" for nothing; see `tui.editing.route`). See `SessionBrowser` for
        the rest."""
        super().__init__()
        self.edits_via = edits_via
        self.store, self.edits, self.row_changed = store, edits, row_changed
        self.clock, self.tz = clock, tz
        self.banner, self.poll_interval = banner, poll_interval
        self.rows = SessionRows()
        self.projects: dict[str, Project] = {}
        self.sync = RowsSync(self, store, lambda: edits.epoch)
        self._gc_timer: Timer | None = None  # set while typing holds the collector back
        self.search_bar = SearchBar(self._search_typed, id="search")
        self.session_list = SessionList(clock=clock, tz=tz, id="sessions")
        self.search_panel = SearchPanel(
            store, lambda: self.rows, self.search_bar, self.session_list.focus, clock=clock,
            tz=tz, cache_root=cache_root, index_in_child=index_in_child, id="messages",
        )
        self.editor = RenameEditor(id="rename")
        self.counts = StatusLine(store_label, "loading…", id="status")
        self.bulk = BulkEdits(self, edits, store, clock, id="bulk")
        self.trash_upkeep = TrashUpkeep(store, clock, id="trash-upkeep")

    # ── layout ──────────────────────────────────────────────────────────────

    def compose(self) -> ComposeResult:
        yield self.counts
        if self.banner:
            yield Static(Content(inert(self.banner)), id="banner")
        yield self.search_bar
        yield self.session_list
        yield self.search_panel
        yield self.editor
        yield self.bulk
        yield self.trash_upkeep
        yield Footer()

    def on_mount(self) -> None:
        self.row_changed.subscribe(self, self._row_changed, immediate=True)
        self.session_list.focus()
        self.reload_rows()  # the first read: no second read starts until it is done
        self.set_interval(CLOCK_REFRESH_SECONDS, self._tick)
        if self.poll_interval:
            self.set_interval(self.poll_interval, self.poll_store)
        # The editor sits over its row: follow the row when the list scrolls or reorders.
        self.watch(self.session_list, "scroll_y", self.place_editor, init=False)

    def on_unmount(self) -> None:
        self._release_gc()  # the app may close while typing (and another may run after it)
        self.search_panel.index.close()

    def _tick(self) -> None:
        self.session_list.tick()
        self.search_panel.results.refresh()

    @property
    def loaded(self) -> bool:
        """Are the store's rows on screen (not only a preview, not yet nothing)?"""
        return self.sync.loaded

    @property
    def highlighted(self) -> Row | None:
        """The session the list's keys act on (none while the rename editor is open)."""
        return None if self.editor.is_open else self.session_list.highlighted

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """What the footer offers follows the state: no edit keys while renaming (they type
        into the editor), dimmed ones when there is no session to act on."""
        if action == "clear_search":
            return self.search_bar.is_open or not self.rows.query.empty or bool(self.marked)
        if action in PRIORITY_ACTIONS and isinstance(self.focused, Input):
            return False  # a priority key: typed into an input, it is a character
        if action in LIST_ACTIONS:
            if self.editor.is_open:
                return False
            if not self.loaded:  # a preview of a big store is on screen: look, don't touch
                return None
            if action in SESSION_ACTIONS and self.session_list.highlighted is None:
                return None
        return True

    def _show_view(self, keep: str | None) -> None:
        """The view changed (archive setting, order, an edit): redraw, the cursor on `keep`."""
        self.session_list.rows_changed(keep=keep)
        self.update_status()
        if self.search_panel.hits is not None:
            self.search_panel.show_hits()

    def cursor_id(self) -> str | None:
        current = self.session_list.highlighted
        return current["session_id"] if current is not None else None

    # ── loading and live updates ────────────────────────────────────────────

    def poll_store(self) -> None:
        """Every `poll_interval`: has anyone changed the store?"""
        self.sync.poll()

    @on(StoreChanged)
    def _store_changed(self) -> None:
        self.reload_rows()

    def reload_rows(self, *, whole: bool = False) -> None:
        """Read the rows again (one read at a time; a change meanwhile reads once more);
        `whole`: see `RowsSync.read`."""
        self.sync.read(self.rows, whole=whole)

    @on(RowsPreview)
    def _rows_preview(self, message: RowsPreview) -> None:
        show_preview(self, message)

    @on(RowsLoaded)
    def _rows_loaded(self, message: RowsLoaded) -> None:
        show_read(self, message)

    def set_projects(self, projects: dict[str, Project]) -> None:
        self.projects = projects
        self.session_list.projects = projects

    # ── search ──────────────────────────────────────────────────────────────

    def action_search(self) -> None:
        """`/`: open the search line (or go back to it), and get the message index ready."""
        if self.editor.is_open:
            return
        self.search_bar.open()
        self.search_panel.open()
        self.refresh_bindings()

    def _search_typed(self, text: str) -> None:
        """The search line's text changed (called as it changes, see `SearchInput`)."""
        self.set_query(Query.parse(text))

    def set_query(self, query: Query) -> None:
        """Filter the list (on this thread: a few ms at 100,000 rows) and schedule the search
        of messages. The cursor stays on its session while it matches, else goes to the top."""
        self._hold_gc()
        listing = self.session_list
        was_empty = not len(self.rows)
        keep = self.cursor_id()
        self.rows.query = query
        if keep is not None and self.rows.index_of(keep) is None:
            keep = None
            listing.cursor = 0
        self.update_placeholder()
        listing.rows_changed(keep=keep)
        self.update_status()
        self.search_panel.search()
        if query.error or self._query_error:  # `older:banana`: said in the search line
            self.search_bar.set_error(query.error or "")  # (the rest of the query filters)
            self._query_error = query.error
        if was_empty != (not len(self.rows)):  # the edit keys dim or light up (the footer
            self.refresh_bindings()  # redraws whole: not on every keystroke)

    def _hold_gc(self) -> None:
        """No cyclic garbage collection while keys are being typed into the search line.

        A filter keystroke at 100,000 sessions makes a tuple of up to 100,000 rows, and the
        next collections walk every one of them: 5 to 25 ms, at the worst moment, while the
        keystroke's frame is drawn and written. Held back until typing pauses, the collector
        runs between keys. Nothing is lost: garbage waits, refcounting frees the rest."""
        if self._gc_timer is not None:
            self._gc_timer.stop()
        elif gc.isenabled():
            gc.disable()
        else:
            return  # the loader holds it (`quiet_gc`), and gives it back
        self._gc_timer = self.set_timer(GC_HOLD_SECONDS, self._release_gc)

    def _release_gc(self) -> None:
        if self._gc_timer is not None:
            self._gc_timer.stop()
            self._gc_timer = None
            gc.enable()

    @on(SearchBar.Leave)
    def _search_leave(self) -> None:
        self.session_list.focus()

    @on(SearchBar.Cleared)
    def action_clear_search(self) -> None:
        """Esc: close the search line, show every session, the cursor on the same one.
        With the search line closed and sessions marked, it only clears the marks."""
        if not self.search_bar.is_open and self.clear_marks():
            self.refresh_bindings()
            return
        self.search_bar.close()
        if not self.rows.query.empty:
            self.set_query(EMPTY)
        self.search_panel.clear()
        self.session_list.focus()
        self.refresh_bindings()

    # ── the transcript ──────────────────────────────────────────────────────

    def action_open(self) -> None:
        row = self.highlighted
        if row is not None:
            self.open_transcript(row["session_id"])

    @on(SessionList.Opened)
    def _session_opened(self, message: SessionList.Opened) -> None:
        if not self.editor.is_open:
            self.open_transcript(message.session_id)

    @on(MessageResults.Opened)
    def _result_opened(self, message: MessageResults.Opened) -> None:
        hit = message.result.hit
        self.open_transcript(hit.session_id, hit.message_index)

    def open_transcript(self, session_id: str, message_index: int | None = None) -> None:
        """Push the transcript of a session (at a message, from a search result). Esc pops
        it; the list below keeps its cursor (unless an edit made there moved or hid it)."""
        from tui.screens.transcript import TranscriptScreen


        def back(_: object) -> None:
            index = self.rows.index_of(session_id)
            if index is not None:
                self.session_list.move_to(index)

        self.app.push_screen(
            TranscriptScreen(
                self.store, session_id, message_index=message_index, clock=self.clock,
                tz=self.tz, row=self.rows.get(session_id), row_changed=self.row_changed,
            ),
            back,
        )

    # ── editing ─────────────────────────────────────────────────────────────

    def _row_changed(self, change: RowChanged) -> None:
        """An edit changed a row (or only the count of pending saves): put it on screen, the
        cursor staying on the session it was on."""
        row = change.row
        if change.gone:
            self._drop_row(change.session_id)
            return
        if change.reread or row is None:
            self.update_status()
            return
        keep = self.editor.session_id or self.cursor_id()
        self.rows.put(row)
        self._show_view(keep)
        if not len(self.rows):
            self.refresh_bindings()
        if self.editor.is_open:
            self.call_after_refresh(self.place_editor)

    def _drop_row(self, session_id: str) -> None:
        """A save found the session deleted by another program: off the list and the marks
        (an open rename editor on it closes), the cursor staying where it was."""
        if self.editor.session_id == session_id:
            self.close_editor()
        keep = self.cursor_id()
        self.rows.remove(session_id)
        self.marked.discard(session_id)
        self._show_view(keep)
        self.refresh_bindings()

    def action_toggle_pin(self) -> None:
        self._toggle("pinned", "pin", "unpin", self.edits.toggle_pin)

    def action_toggle_archive(self) -> None:
        self._toggle("archived", "archive", "unarchive", self.edits.toggle_archive)

    def _toggle(self, field: str, on: str, off: str, one: Callable[[str], object]) -> None:
        """The marked sessions as one batch, else the highlighted one."""
        row = self.highlighted
        if self.marked:
            self.bulk.set_field(field, on, off)
        elif row is not None:
            one(row["session_id"])

    def action_toggle_show_archived(self) -> None:
        if self.editor.is_open:
            return
        keep = self.cursor_id()
        self.rows.show_archived = not self.rows.show_archived
        self._show_view(keep)
        self.refresh_bindings()
        self.post_message(SettingChanged("show_archived", self.rows.show_archived))

    def action_cycle_sort(self) -> None:
        """`s`: the next order; the cursor stays on its session."""
        if self.editor.is_open or not self.loaded:
            return
        keep = self.cursor_id()
        orders = self.sort_orders()
        at = orders.index(self.rows.order) if self.rows.order in orders else -1
        self.rows.order = orders[(at + 1) % len(orders)]
        self.session_list.rows_changed(keep=keep)
        self.update_status()
        self.post_message(SettingChanged("sort", self.rows.order.name))
