"""The session browser app: a status line, the search line, the session list, the matching
messages, the rename editor, a footer.

Threads: the UI thread never touches the disk. Rows are loaded by a thread worker started as
the UI mounts, so the first frame never waits for the index. Every edit is applied to the
in-memory row at once and its save is queued on `SaveQueue`, whose single thread worker writes
edits in the order they were made. Results come back as messages, so all state changes happen
on the UI thread.

Live updates: a short thread worker stats the store four times a second (`StoreWatcher`);
when it changed, another worker reads the rows and finds which of them changed (`diff_rows`).
The UI thread puts those into its list (or, after a big change, takes a list the worker built
anew): edits still being saved are laid on top again, the cursor stays on its session, an open
rename editor stays open over its row.

Search: the search line filters the rows on the UI thread (a few ms at 100,000, see
`SessionRows`), and a debounced thread worker asks the full-text index (`api.search`) for
matching messages. The index is brought up to date the first time the search line opens, by a
child process (`tui.indexer`: checking every session is a second of Python at 100,000, which
in a thread would slow every keystroke meanwhile), and after each change of the store, for the
sessions that changed, by a thread worker.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Iterable
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TypeGuard

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.content import Content
from textual.screen import Screen
from textual.signal import Signal
from textual.timer import Timer
from textual.widgets import Footer, Input, Static

from api.projects import Project
from api.store import SessionStore, clean_title
from tui.editing.controller import EditController
from tui.editing.queue import SaveFinished
from tui.editing.saver import SaverFor
from tui.errors import describe_error
from tui.exporting import export_session
from tui.keys import APP_KEYS, LIST_KEYS
from tui.live.diff import forget
from tui.live.reconcile import apply_view, reconcile
from tui.live.sync import RowsSync
from tui.live.watcher import POLL_SECONDS
from tui.messages import ExportDone, RowChanged, RowsLoaded, RowsPreview, StoreChanged
from tui.query import EMPTY, Query
from tui.rows import ORDERS, Row, SessionRows
from tui.screens.help import HelpScreen
from tui.search.index_service import IndexState
from tui.search.panel import SearchPanel
from tui.text import Clock, inert, quote
from tui.widgets.message_results import MessageResults
from tui.widgets.rename_editor import RenameEditor
from tui.widgets.search_bar import SearchBar
from tui.widgets.session_list import SessionList
from tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from tui.screens.transcript import TranscriptScreen


def _is_transcript(screen: object) -> TypeGuard[TranscriptScreen]:
    """Is this a transcript screen? Its module (Markdown rendering: ~60 ms to import) is only
    loaded when the first transcript opens, so until then no screen can be one."""
    module = sys.modules.get("tui.screens.transcript")
    return module is not None and isinstance(screen, module.TranscriptScreen)

#: Actions on the highlighted session: unavailable (dimmed) with no session, hidden while the
#: rename editor has the keyboard.
EDIT_ACTIONS = frozenset({"rename", "toggle_pin", "toggle_archive", "open", "export"})
#: Actions about the list: only while the list's screen is the one on top.
LIST_ACTIONS = frozenset({
    "rename", "toggle_pin", "toggle_archive", "open", "search", "toggle_show_archived",
    "cycle_sort", "clear_search",
})

#: Actions of priority keys (see tui.keys): never while an input has the keyboard.
PRIORITY_ACTIONS = frozenset({"search", "rename"})

#: How often relative times ("3 min ago") are redrawn while the app sits open.
CLOCK_REFRESH_SECONDS = 30.0
#: How long after the last filter keystroke the garbage collector may run again: past the
#: keystroke's frame, before the next key of someone typing fast.
GC_HOLD_SECONDS = 0.06
class SessionBrowser(App[None]):
    """Browse, search, read, rename, pin, archive and export the sessions of one store."""

    CSS_PATH = "app.tcss"
    TITLE = "session-browser"
    BINDINGS: ClassVar[list[BindingType]] = [key.binding() for key in APP_KEYS]

    def __init__(
        self,
        store: SessionStore,
        *,
        clock: Clock = time.time,
        tz: tzinfo | None = None,
        store_label: str | None = None,
        banner: str | None = None,
        poll_interval: float | None = POLL_SECONDS,
        cache_root: Path | None = None,
        export_dir: Path | None = None,
        index_in_child: bool = True,
        saver_for: SaverFor | None = None,
    ) -> None:
        """`clock` and `tz` decide what "3 min ago" means (tests freeze them); `store_label`
        replaces the store path in the status line; `banner` is a notice shown above the list
        (for example that the demo store was opened because no store was found).

        `poll_interval`: seconds between checks for changes by other programs (None: never).
        `cache_root`: where the message search index lives (default: the user's cache folder).
        `export_dir`: where `e` writes Markdown files (default: the current folder).
        `index_in_child`: check every session for the message index in a child process (see
        `tui.search.indexer`), not in a thread of this one. `saver_for`: what saves an edit of a
        session (default: the store; see `tui.editing.saver`)."""
        super().__init__()
        self.store = store
        self.clock = clock
        self.tz = tz
        self.store_label = store_label if store_label is not None else str(store.directory)
        self.banner = banner
        self.poll_interval = poll_interval
        self.export_dir = export_dir
        self.rows = SessionRows()
        self.projects: dict[str, Project] = {}
        #: Rows changed by an edit or by another program: screens showing them subscribe.
        self.row_changed: Signal[RowChanged] = Signal(self, "row-changed")
        self.edits = EditController(self, store, clock, self._row_of, self.row_changed,
                                    saver_for)
        self.sync = RowsSync(self, store, lambda: self.edits.epoch)
        self._quitting = False
        self._gc_timer: Timer | None = None  # set while typing holds the collector back
        # Kept as attributes (not queried) so actions also work while another screen is on top.
        self.search_bar = SearchBar(self._search_typed, id="search")
        self.session_list = SessionList(clock=clock, tz=tz, id="sessions")
        self.search_panel = SearchPanel(
            store, lambda: self.rows, self.search_bar, self.session_list.focus, clock=clock,
            tz=tz, cache_root=cache_root, index_in_child=index_in_child, id="messages",
        )
        self.editor = RenameEditor(id="rename")
        self.counts = StatusLine(self.store_label, "loading…", id="status")

    # ── layout ──────────────────────────────────────────────────────────────

    def compose(self) -> ComposeResult:
        yield self.counts
        if self.banner:
            yield Static(Content(inert(self.banner)), id="banner")
        yield self.search_bar
        yield self.session_list
        yield self.search_panel
        yield self.editor
        yield Footer()

    def on_mount(self) -> None:
        self.row_changed.subscribe(self, self._row_changed, immediate=True)
        self.session_list.focus()
        self.reload_rows()  # the first read: no second read starts until it is done
        self.set_interval(CLOCK_REFRESH_SECONDS, self._tick)
        if self.poll_interval:
            self.set_interval(self.poll_interval, self.poll_store)
        # The editor sits over its row: follow the row when the list scrolls or reorders.
        self.watch(self.session_list, "scroll_y", self._place_editor, init=False)

    def _tick(self) -> None:
        self.session_list.tick()
        self.search_panel.results.refresh()

    @on(SessionList.Resized)
    def list_resized(self) -> None:
        self._place_editor()

    def _place_editor(self) -> None:
        """Keep an open rename editor over its session's title cell (the row may have moved:
        a save landed and reordered the list, the wheel scrolled, the terminal was resized)."""
        editor, listing = self.editor, self.session_list
        if editor.session_id is None:
            return
        index = self.rows.index_of(editor.session_id)
        if index is None:  # the session left the view: nothing to edit any more
            self._close_editor()
            return
        if listing.cursor != index:
            listing.move_to(index)
        region = listing.title_region(index)
        if region is None:
            listing.scroll_to_cursor()  # scrolling calls back here once the row is visible
            return
        editor.styles.offset = (region.x, region.y)
        editor.styles.width = region.width

    def update_status(self) -> None:
        """The status line: how many sessions, how many shown, the order, edits being saved."""
        if not self.loaded:
            return
        text = f"{self.rows.total:,} sessions · {len(self.rows):,} shown"
        if self.rows.show_archived:
            text += " (with archived)"
        text += f" · by {self.rows.order.label}"
        pending = self.edits.pending
        if pending:
            text += f" · saving {pending}…"
        self.counts.update(text)

    def refresh_bindings(self) -> None:
        """As Textual's, but harmless while the app closes: an open editor then loses focus,
        closes, and asks for the footer to change when there are no screens any more."""
        if self.screen_stack:
            super().refresh_bindings()

    @property
    def on_list_screen(self) -> bool:
        """Is the list's screen the one on top (no transcript, help or palette over it)?"""
        stack = self.screen_stack
        return bool(stack) and stack[-1] is stack[0]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """What the footer offers follows the state: no edit keys while renaming (they type
        into the editor), dimmed ones when there is no session to act on, and none of the
        list's keys while another screen (a transcript, help) is on top."""
        if action in LIST_ACTIONS and not self.on_list_screen:
            return False
        if action == "clear_search":
            return self.search_bar.is_open or not self.rows.query.empty
        top = self.screen_stack[-1] if self.screen_stack else None  # none while closing
        if action in PRIORITY_ACTIONS and (top is None or isinstance(top.focused, Input)):
            return False  # a priority key: typed into an input, it is a character
        if action == "undo":  # not while a title is being typed, here or in a transcript
            return not (self.editor.is_open or (_is_transcript(top) and top.editor.is_open))
        if action in EDIT_ACTIONS or action in ("toggle_show_archived", "cycle_sort", "search"):
            if self.editor.is_open:
                return False
            if not self.loaded:  # a preview of a big store is on screen: look, don't touch
                return None
            if action == "export" and not self.on_list_screen:
                return self._transcript_session() is not None
            if action in EDIT_ACTIONS and self.session_list.highlighted is None:
                return None
        return True

    # ── loading and live updates ────────────────────────────────────────────

    @on(RowsPreview)
    def rows_preview(self, message: RowsPreview) -> None:
        if self.loaded:  # the full read won the race
            message.shown.set()
            return
        self._set_projects(message.projects)
        self.session_list.set_rows(message.rows)
        self.counts.update("reading every session…")
        self.call_after_refresh(message.shown.set)

    def poll_store(self) -> None:
        """Every `poll_interval`: has anyone changed the store?"""
        self.sync.poll()

    @on(StoreChanged)
    def store_changed(self) -> None:
        self.reload_rows()

    def reload_rows(self) -> None:
        """Read the rows again (one read at a time; a change meanwhile reads once more)."""
        self.sync.read(self.rows)

    @property
    def loaded(self) -> bool:
        """Are the store's rows on screen (not only a preview, not yet nothing)?"""
        return self.sync.loaded

    @on(RowsLoaded)
    def rows_loaded(self, message: RowsLoaded) -> None:
        try:
            if message.error is not None:
                self._load_failed(message)
            elif not self.loaded:
                if message.rows is not None:  # (a delta needs rows on screen: never here)
                    self._first_rows(message.rows, message.projects)
            else:
                self._merge(message)
        finally:
            self.sync.finished(message, self.rows)

    def _load_failed(self, message: RowsLoaded) -> None:
        error = message.error or RuntimeError("unknown error")
        reason = describe_error(
            error, "read the store", denied="permission denied",
            missing=f"{self.store.directory} does not exist",
        )
        if message.reload:  # the list on screen stays; say so once, not every half second
            if not self.sync.failed:
                self.sync.failed = True
                self.notify(reason, title="Live update", severity="warning", markup=False)
            return
        listing = self.session_list
        listing.placeholder = reason
        self.counts.update("unreadable")
        self.notify(reason, title="Store", severity="error", markup=False, timeout=10)
        listing.refresh()

    def _first_rows(self, rows: SessionRows, projects: dict[str, Project]) -> None:
        self.sync.failed = False
        apply_view(rows, self.rows)
        self.rows = rows
        self.sync.loaded = True
        self._set_projects(projects)
        self._update_placeholder()
        shown = self.session_list.highlighted  # the cursor may have moved over a preview
        self.session_list.set_rows(self.rows, keep=shown["session_id"] if shown else None)
        self.update_status()
        self.refresh_bindings()
        if self.search_bar.is_open:
            self.search_panel.search()

    def _set_projects(self, projects: dict[str, Project]) -> None:
        self.projects = projects
        self.session_list.projects = projects

    def _merge(self, message: RowsLoaded) -> None:
        """Another program changed the store: show what it changed, keeping what the user is
        doing. One path for both kinds of reload: a few changed rows (`message.delta`) are put
        into the list on screen; after a big change, the worker's new list (`message.rows`)
        replaces it, and only the sessions below need putting into it.

        Rows of sessions whose saves landed after the reload began stay as on screen (the
        reload may have read the store before them) and are read again next time. Edits still
        being saved are laid over the store's rows (`EditLedger.rebase`)."""
        self.sync.failed = False
        old, listing, editing = self.rows, self.session_list, self.editor.session_id
        current = listing.highlighted
        keep = editing or (current["session_id"] if current else None)
        # What the editor and the transcripts showed, before the list changes under them.
        watched = [editing, *(screen.session_id for screen in self._transcripts())]
        before = {sid: old.get(sid) for sid in watched if sid is not None}
        recent = self.edits.landed_since(message.epoch)
        read = message.delta if message.rows is None else message.rows
        assert read is not None
        result = reconcile(old, read, recent, self.edits.ledger)
        for fresh in result.held:
            forget(message.seen, fresh)  # perhaps older than the saved row: take it next time
        rows = result.rows
        if editing is not None and rows.index_of(editing) is None:
            gone = before.get(editing)
            self._close_editor()
            self.notify(
                f"{quote(gone['title'] if gone else editing)} was deleted or hidden by "
                "another program while you renamed it.",
                title="Rename", severity="warning", markup=False,
            )
        if message.projects != self.projects:
            rows.projects = message.projects
            self._set_projects(message.projects)
        self.rows = rows
        self._update_placeholder()
        listing.set_rows(rows, keep=keep, anchor=True)
        self.update_status()
        self.refresh_bindings()
        for screen in self._transcripts():
            now = rows.get(screen.session_id)
            if now is not None and now != before.get(screen.session_id):
                self.row_changed.publish(RowChanged(screen.session_id, now, reread=True))
        if self.editor.is_open:
            self.call_after_refresh(self._place_editor)
        panel = self.search_panel
        if panel.hits is not None:
            panel.show_hits()
        delta = message.delta
        if panel.index.state is not IndexState.COLD and (delta is None or delta):
            # Only the sessions whose rows changed need their messages indexed again (a save
            # changes its row); after a reload of every row, every file is checked.
            panel.index.refresh(None if delta is None else
                                {row["session_id"] for row in delta.changed} | delta.removed)

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
        current = listing.highlighted
        was_empty = not len(self.rows)
        self.rows.query = query
        keep = current["session_id"] if current is not None else None
        if keep is not None and self.rows.index_of(keep) is None:
            keep = None
            listing.cursor = 0
        self._update_placeholder()
        listing.rows_changed(keep=keep)
        self.update_status()
        self.search_panel.search()
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

    def on_unmount(self) -> None:
        self._release_gc()  # the app may close while typing (and another may run after it)
        self.search_panel.index.close()

    @on(SearchBar.Leave)
    def search_leave(self) -> None:
        self.session_list.focus()

    @on(SearchBar.Cleared)
    def search_cleared(self) -> None:
        self.action_clear_search()

    def action_clear_search(self) -> None:
        """Esc: close the search line, show every session, the cursor on the same one."""
        self.search_bar.close()
        if not self.rows.query.empty:
            self.set_query(EMPTY)
        self.search_panel.clear()
        self.session_list.focus()
        self.refresh_bindings()

    def _update_placeholder(self) -> None:
        listing = self.session_list
        if not self.rows.total:
            listing.placeholder = "No sessions in this store yet."
        elif not self.rows.query.empty:
            listing.placeholder = (
                f"No session matches “{inert(self.rows.query.text.strip())}”"
                + (" by title, workspace or model." if self.rows.query.words else ".")
            )
        else:
            listing.placeholder = "Every session is archived: press A to show them."

    @on(MessageResults.Opened)
    def result_opened(self, message: MessageResults.Opened) -> None:
        hit = message.result.hit
        self.open_transcript(hit.session_id, hit.message_index)

    # ── the transcript ──────────────────────────────────────────────────────

    def action_open(self) -> None:
        row = self._highlighted()
        if row is not None:
            self.open_transcript(row["session_id"])

    @on(SessionList.Opened)
    def session_opened(self, message: SessionList.Opened) -> None:
        if not self.editor.is_open:
            self.open_transcript(message.session_id)

    def open_transcript(self, session_id: str, message_index: int | None = None) -> None:
        """Push the transcript of a session (at a message, from a search result). Esc pops
        it; the list below keeps its cursor."""
        from tui.screens.transcript import TranscriptScreen

        self.push_screen(
            TranscriptScreen(
                self.store, session_id, message_index=message_index, clock=self.clock,
                tz=self.tz, row=self.rows.get(session_id), row_changed=self.row_changed,
            ),
            lambda _: self._back_from_transcript(session_id),
        )

    def _back_from_transcript(self, session_id: str) -> None:
        """Esc from a transcript: the list cursor on that session (where it was, unless an
        edit made there moved the session or hid it)."""
        index = self.rows.index_of(session_id)
        if index is not None:
            self.session_list.move_to(index)

    def _transcripts(self) -> list[TranscriptScreen]:
        """Open transcript screens."""
        return [screen for screen in self.screen_stack if _is_transcript(screen)]

    def _transcript_session(self) -> str | None:
        """The session of the transcript on top, if one is."""
        screen = self.screen_stack[-1] if self.screen_stack else None
        return screen.session_id if _is_transcript(screen) else None

    def on_transcript_screen_edit_requested(self, message: TranscriptScreen.EditRequested) -> None:
        """r, p or a pressed in a transcript: the same edit as from the list. (Found by name,
        not `@on`, so the transcript's module is not imported before it is needed.)"""
        sid = message.session_id
        if message.action == "rename":
            if message.title is not None:
                self.edits.rename(sid, message.title)
        elif message.action == "toggle_pin":
            self.edits.toggle_pin(sid)
        elif message.action == "toggle_archive":
            self.edits.toggle_archive(sid)

    # ── editing ─────────────────────────────────────────────────────────────

    def _highlighted(self) -> Row | None:
        if self.editor.is_open:
            return None
        return self.session_list.highlighted

    def _row_of(self, session_id: str) -> Row | None:
        return self.rows.get(session_id)

    def _row_changed(self, change: RowChanged) -> None:
        """An edit changed a row (or only the count of pending saves): put it on screen, the
        cursor staying on the session it was on."""
        row = change.row
        if change.reread or row is None:
            self.update_status()
            return
        listing = self.session_list
        current = listing.highlighted
        keep = current["session_id"] if current is not None else None
        if self.editor.session_id is not None:
            keep = self.editor.session_id
        self.rows.put(row)
        listing.rows_changed(keep=keep)
        self.update_status()
        if not len(self.rows):
            self.refresh_bindings()
        if self.editor.is_open:
            self.call_after_refresh(self._place_editor)
        if self.search_panel.hits is not None:
            self.search_panel.show_hits()

    @on(SaveFinished)
    def save_finished(self, message: SaveFinished) -> None:
        self.edits.save_finished(message)

    def action_rename(self) -> None:
        self._open_editor(retry=True)

    def _open_editor(self, retry: bool) -> None:
        row = self._highlighted()
        if row is None:
            return
        listing = self.session_list
        listing.scroll_to_cursor()
        region = listing.title_region(listing.cursor)
        if region is None:  # scrolled away just now: open once the scroll has been drawn
            if retry:
                self.call_after_refresh(self._open_editor, False)
            return
        self.editor.open(row["session_id"], row["title"], region)
        # Focus at once (`open` asks for it on the next turn of the event loop): keys already
        # queued behind the r go into the editor.
        self.screen.set_focus(self.editor)
        self.refresh_bindings()

    @on(RenameEditor.Done)
    def rename_done(self, message: RenameEditor.Done) -> None:
        editor = message.editor
        if not editor.is_open or editor.session_id != message.session_id:
            return
        if message.title is None or message.title == editor.original:
            self._close_editor()  # cancelled, or Enter on the title as it was: nothing to write
            return
        if not clean_title(message.title):
            self.notify(
                "A title cannot be empty: type one, or press Esc to keep the old title.",
                title="Rename",
                severity="warning",
                markup=False,
            )
            return
        self._close_editor()
        if self.rows.get(message.session_id) is not None:
            self.edits.rename(message.session_id, message.title)

    def _close_editor(self) -> None:
        self.editor.close()
        self.session_list.focus()
        self.refresh_bindings()

    def action_toggle_pin(self) -> None:
        row = self._highlighted()
        if row is not None:
            self.edits.toggle_pin(row["session_id"])

    def action_toggle_archive(self) -> None:
        row = self._highlighted()
        if row is not None:
            self.edits.toggle_archive(row["session_id"])

    def action_undo(self) -> None:
        """`u`, ctrl+z: set back what the last edit changed."""
        if not self.editor.is_open:
            self.edits.undo()

    def action_toggle_show_archived(self) -> None:
        if self.editor.is_open:
            return
        listing = self.session_list
        current = listing.highlighted
        self.rows.show_archived = not self.rows.show_archived
        listing.rows_changed(keep=current["session_id"] if current is not None else None)
        self.update_status()
        self.refresh_bindings()
        if self.search_panel.hits is not None:
            self.search_panel.show_hits()

    def action_cycle_sort(self) -> None:
        """`s`: the next order; the cursor stays on its session."""
        if self.editor.is_open or not self.loaded:
            return
        listing = self.session_list
        current = listing.highlighted
        order = ORDERS[(ORDERS.index(self.rows.order) + 1) % len(ORDERS)]
        self.rows.order = order
        listing.rows_changed(keep=current["session_id"] if current is not None else None)
        self.update_status()

    # ── export ──────────────────────────────────────────────────────────────

    def action_export(self) -> None:
        """`e`: the highlighted session (or the open transcript's) to a Markdown file."""
        sid = self._transcript_session()
        if sid is None:
            row = self._highlighted()
            if row is None:
                return
            sid = row["session_id"]
        row = self.rows.get(sid)
        title = row["title"] if row is not None else sid
        folder = self.export_dir if self.export_dir is not None else Path.cwd()
        self._export(sid, title, folder)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, session_id: str, title: str, folder: Path) -> None:
        try:
            path = export_session(self.store, session_id, folder)
        except Exception as exc:
            self.post_message(ExportDone(title, None, exc))
        else:
            self.post_message(ExportDone(title, path, None))

    @on(ExportDone)
    def export_done(self, message: ExportDone) -> None:
        if message.path is None:
            error = message.error or RuntimeError("unknown error")
            self.notify(
                describe_error(error, f"export {quote(message.title)}",
                               denied="permission denied (the folder is read-only)",
                               missing="the session file was deleted by another program"),
                title="Not exported", severity="error", markup=False, timeout=8,
            )
            return
        self.notify(f"{quote(message.title)} → {message.path}", title="Exported",
                    markup=False, timeout=10)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # ── quitting ────────────────────────────────────────────────────────────

    async def action_quit(self) -> None:
        """Quit once every queued save is on disk; a second `q` while waiting quits at once."""
        if not self.edits.busy or self._quitting:
            self.exit()
            return
        self._quitting = True
        self.notify(
            "Writing pending edits before quitting… (press q again to quit now)",
            title="Quit", markup=False,
        )
        self.run_worker(self._quit_when_saved(), group="quit", exclusive=True)

    async def _quit_when_saved(self) -> None:
        await self.edits.wait_idle()
        self.exit()

    # ── command palette ─────────────────────────────────────────────────────

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the app and of the list, besides Textual's own (theme, keys...)."""
        for command in super().get_system_commands(screen):
            if command.title != "Quit":  # ours waits for pending saves
                yield command
        for key in APP_KEYS:
            yield SystemCommand(
                key.label, f"{key.help} ({key.shown})", getattr(self, f"action_{key.action}")
            )
        listing = self.session_list
        for key in LIST_KEYS:
            yield SystemCommand(
                key.label, f"{key.help} ({key.shown})", getattr(listing, f"action_{key.action}")
            )
