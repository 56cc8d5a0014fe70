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

import contextlib
import gc
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeGuard

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from api.projects import Project, load_projects
from api.store import SessionStore
from api.webui import WebUIBlocked
from tui.edit_route import EditRoute, watch_route
from tui.exporting import export_session
from tui.keys import APP_KEYS, LIST_KEYS
from tui.live import POLL_SECONDS, RowsDelta, StoreWatcher, diff_rows, forget
from tui.query import EMPTY, Query
from tui.rows import DEFAULT_ORDER, ORDERS, Edit, EditLedger, Order, Row, SessionRows
from tui.saver import SaveFinished, SaveQueue, describe_error
from tui.screens.help import HelpScreen
from tui.screens.webui_choice import WebUIChoice
from tui.text import Clock, inert
from tui.undo import UndoStack
from tui.widgets.rename_editor import MAX_TITLE, RenameEditor
from tui.widgets.results import MessageResults, Result
from tui.widgets.search_bar import SearchBar
from tui.widgets.session_list import SessionList
from tui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from api.search import Hit, SearchIndex
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
#: How long typing must pause before the message search runs (the list filters at once).
SEARCH_DEBOUNCE_SECONDS = 0.12
#: How often the message index's build reports progress on screen.
PROGRESS_SECONDS = 0.1
#: How long after the last filter keystroke the garbage collector may run again: past the
#: keystroke's frame, before the next key of someone typing fast.
GC_HOLD_SECONDS = 0.06
#: How many matching messages are fetched.
SEARCH_LIMIT = 200


#: From this many sessions on, the rows are moved out of the garbage collector's sight.
FREEZE_ROWS = 5_000

#: Up to this many changed rows, a live update puts them into the list on the UI thread (well
#: under a millisecond each at 100,000); more, and the worker builds the list anew instead.
MAX_DELTA = 256

#: Rows in the first-frame preview of a big store: more than any screen shows.
PREVIEW_ROWS = 200
#: How long the loader lets the preview's frame go first before the full read.
PREVIEW_WAIT_SECONDS = 0.5


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """No cyclic garbage collection while the loader builds 100,000 row objects.

    Each full collection walks every live object: with the rows of a big store that is ~100 ms
    holding the GIL, several times during a load and then every so often while the user types.
    The rows hold no reference cycles (plain dicts of strings and numbers; refcounting frees
    them), so after building them the loader freezes them (`gc.freeze()`, above FREEZE_ROWS):
    later collections skip them and stay a few ms."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def clean_title(title: str) -> str:
    """The title a rename will store: what `SessionStore.rename` does to it (whitespace runs
    folded, trimmed to the store's limit), so the optimistic row matches the saved one."""
    return " ".join(title.split())[:MAX_TITLE].strip()


def _quote(title: str, limit: int = 40) -> str:
    """A title for a message: inert, and short enough for a toast."""
    title = inert(title)
    return f"“{title if len(title) <= limit else title[: limit - 1] + '…'}”"


class RowsLoaded(Message):
    """A loader worker finished: every row in display order (`rows`), or only what changed
    since the last read (`delta`), or the `error` that stopped it.

    `seen` is the store's rows as read (a list of the app's own), to find the next read's
    changes. `epoch` is the
    app's count of landed saves when the worker started: rows of sessions whose saves landed
    after it may be older than what is on screen."""

    def __init__(
        self,
        rows: SessionRows | None,
        error: BaseException | None,
        *,
        delta: RowsDelta | None = None,
        seen: list[Row] | None = None,
        projects: dict[str, Project] | None = None,
        epoch: int = 0,
        reload: bool = False,
    ) -> None:
        super().__init__()
        self.rows = rows
        self.error = error
        self.delta = delta
        self.seen = seen or []
        self.projects = projects or {}
        self.epoch = epoch
        self.reload = reload


class RowsPreview(Message):
    """The first screenful of a big store (pinned and newest rows), read before the whole
    index: shown read-only until `RowsLoaded` replaces it."""

    def __init__(
        self, rows: SessionRows, projects: dict[str, Project], shown: threading.Event
    ) -> None:
        super().__init__()
        self.rows = rows
        self.projects = projects
        self.shown = shown  # set once the preview is on screen


class StoreChanged(Message):
    """The poller saw the store change."""


class SearchDone(Message):
    """A message search finished (`generation` tells a stale one from the current one)."""

    def __init__(self, generation: int, hits: list[Hit], error: BaseException | None) -> None:
        super().__init__()
        self.generation = generation
        self.hits = hits
        self.error = error


class IndexProgress(Message):
    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total


class IndexRefreshed(Message):
    def __init__(self, error: BaseException | None) -> None:
        super().__init__()
        self.error = error


class IndexCancelled(Exception):
    """Raised in the index worker's progress callback to stop a build (the app is quitting)."""


class ExportDone(Message):
    def __init__(self, title: str, path: Path | None, error: BaseException | None) -> None:
        super().__init__()
        self.title = title
        self.path = path
        self.error = error


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
        edits: EditRoute | None = None,
    ) -> None:
        """`clock` and `tz` decide what "3 min ago" means (tests freeze them); `store_label`
        replaces the store path in the status line; `banner` is a notice shown above the list
        (for example that the demo store was opened because no store was found).

        `poll_interval`: seconds between checks for changes by other programs (None: never).
        `cache_root`: where the message search index lives (default: the user's cache folder).
        `export_dir`: where `e` writes Markdown files (default: the current folder).
        `index_in_child`: check every session for the message index in a child process (see
        `tui.indexer`), not in a thread of this one.
        `edits`: which way edits go (`tui.edit_route`; default: always to the files)."""
        super().__init__()
        self.store = store
        self.edits = edits if edits is not None else EditRoute(store, None)
        self.clock = clock
        self.tz = tz
        self.store_label = store_label if store_label is not None else str(store.directory)
        self.banner = banner
        self.poll_interval = poll_interval
        self.export_dir = export_dir
        self.rows = SessionRows()
        self.projects: dict[str, Project] = {}
        self.ledger = EditLedger()
        self.saves = SaveQueue(self)
        self.undo_stack = UndoStack()
        self.watcher = StoreWatcher(store)
        self.cache_root = cache_root
        self._search_index: SearchIndex | None = None
        self.index_in_child = index_in_child
        #: The child's command line (None: `tui.indexer.command`); tests put a stand-in here.
        self.index_command: list[str] | None = None
        self._indexer: subprocess.Popen[str] | None = None
        self._index_closed = threading.Event()  # set as the app closes: a stopped child is no error
        self.loaded = False
        self._quitting = False
        # Live updates: landed saves are counted, so a reload that read the store before a
        # save landed does not put the old row back on screen (see `rows_loaded`).
        self._save_epoch = 0
        self._landed: dict[str, int] = {}
        self._reloading = False
        self._reload_again = False
        self._reload_failed = False
        # The last read's rows (None: nothing read yet, so the next read is a whole one).
        self._seen: list[Row] | None = None
        # Message search: the index's state, the current query's generation and hits.
        self._index_state = "cold"  # cold → building → ready (refreshing again as needed)
        self._index_progress: tuple[int, int] | None = None
        self._index_error: str | None = None
        # A refresh asked for while one runs: False, or which sessions (None: every one).
        self._index_again: Literal[False] | set[str] | None = False
        self._search_timer: Timer | None = None
        self._gc_timer: Timer | None = None  # set while typing holds the collector back
        self._search_generation = 0
        self._hits_generation = -1  # the generation `_hits` answer (tests wait for it)
        self._hits: list[Hit] | None = None
        self._search_error: str | None = None
        self._pane_title = ""
        self._search_info = ""
        # Kept as attributes (not queried) so actions also work while another screen is on top.
        self.search_bar = SearchBar(self._search_typed, id="search")
        self.session_list = SessionList(clock=clock, tz=tz, id="sessions")
        self.results = MessageResults(clock=clock, tz=tz, id="results")
        self.results_title = Static("", id="messages-title")
        self.messages_pane = Vertical(id="messages")
        self.editor = RenameEditor(id="rename")
        self.counts = StatusLine(self.store_label, "loading…", id="status")

    # ── layout ──────────────────────────────────────────────────────────────

    def compose(self) -> ComposeResult:
        yield self.counts
        if self.banner:
            yield Static(Content(inert(self.banner)), id="banner")
        yield self.search_bar
        yield self.session_list
        with self.messages_pane:
            yield self.results_title
            yield self.results
        yield self.editor
        yield Footer()

    def on_mount(self) -> None:
        self.session_list.focus()
        self.reload_rows()  # the first read: no second read starts until it is done
        self.set_interval(CLOCK_REFRESH_SECONDS, self._tick)
        if self.poll_interval:
            self.set_interval(self.poll_interval, self.poll_store)
        watch_route(self, self.edits, self.update_status)  # the status line says where edits go
        # The editor sits over its row: follow the row when the list scrolls or reorders.
        self.watch(self.session_list, "scroll_y", self._place_editor, init=False)

    def _tick(self) -> None:
        self.session_list.tick()
        self.results.refresh()

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
        pending = len(self.ledger)
        if pending:
            text += f" · saving {pending}…"
        if self.edits.status_text:
            text += f" · {self.edits.status_text}"
        self.counts.update(text)

    @property
    def search_index(self) -> SearchIndex:
        """The message index of this store (made on first use: sqlite3 is not imported for a
        session that never searches)."""
        if self._search_index is None:
            from api.search import SearchIndex

            self._search_index = SearchIndex(self.store.directory, self.cache_root)
        return self._search_index

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

    # A description of our own: Textual's default is the repr of the arguments, and `before`
    # holds every row (half a second of repr at 100,000, on the UI thread).
    @work(thread=True, group="load", exit_on_error=False, description="reading the store")
    def load_rows(
        self, show_archived: bool, order: Order, query: Query, epoch: int, reload: bool,
        before: list[Row] | None,
    ) -> None:
        """Read the rows off the UI thread. With `before` (the last read's rows, which nothing
        changes any more), a few changed rows are handed over as they are; otherwise every row
        is ordered and indexed here (100,000 take about a hundred ms), in the view the UI had
        when this started."""
        try:
            if not self.store.directory.is_dir():
                raise FileNotFoundError(
                    2, "the store folder does not exist", str(self.store.directory)
                )
            if not reload:
                self.watcher.prime()  # changes from now on are noticed by the poller
            projects = load_projects(self.store.directory)
            if not reload and order == DEFAULT_ORDER and query == EMPTY:
                self._post_preview(show_archived, projects)
            with quiet_gc():
                listed = self.store.list_rows()
                delta = None if before is None else diff_rows(before, listed, MAX_DELTA)
                if delta is not None:
                    self.post_message(RowsLoaded(None, None, delta=delta, seen=listed,
                                                 projects=projects, epoch=epoch, reload=reload))
                    return
                rows = SessionRows(listed, show_archived=show_archived, order=order,
                                   query=query, projects=projects)
                if rows.total >= FREEZE_ROWS:
                    gc.freeze()
        except Exception as exc:  # shown as a message; a bad store must not crash the app
            self.post_message(RowsLoaded(None, exc, epoch=epoch, reload=reload))
        else:
            self.post_message(RowsLoaded(rows, None, seen=listed, projects=projects, epoch=epoch,
                                         reload=reload))

    def _post_preview(self, show_archived: bool, projects: dict[str, Project]) -> None:
        """At 100,000 sessions the full read takes half a second or more; the newest and pinned
        rows (`SessionStore.preview_rows`) take a tenth of that. Small stores skip this: their
        full read is as quick."""
        preview = self.store.preview_rows(newest=PREVIEW_ROWS)
        if preview is not None and len(preview) >= PREVIEW_ROWS:
            rows = SessionRows(preview, show_archived=show_archived, projects=projects)
            shown = threading.Event()
            self.post_message(RowsPreview(rows, projects, shown))
            # The full read holds the GIL for most of its time: let the preview's frame be
            # drawn first, or the two only slow each other down.
            shown.wait(PREVIEW_WAIT_SECONDS)

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
        """Every `poll_interval`: has anyone changed the store? (Two stats, in a thread.)"""
        self.run_worker(self._check_store, thread=True, group="poll", exit_on_error=False,
                        description="checking the store for changes")

    def _check_store(self) -> None:
        if self.watcher.changed():
            self.post_message(StoreChanged())

    @on(StoreChanged)
    def store_changed(self) -> None:
        self.reload_rows()

    def reload_rows(self) -> None:
        """Read the rows again (one reload at a time; a change meanwhile reloads once more)."""
        if self._reloading:
            self._reload_again = True
            return
        self._reloading = True
        self._reload_again = False
        rows = self.rows
        self.load_rows(rows.show_archived, rows.order, rows.query, self._save_epoch,
                       self.loaded, self._seen if self.loaded else None)

    @on(RowsLoaded)
    def rows_loaded(self, message: RowsLoaded) -> None:
        self._reloading = False
        try:
            if message.error is not None:
                self._load_failed(message)
            elif not self.loaded:
                if message.rows is not None:  # (a delta needs rows on screen: never here)
                    self._first_rows(message.rows, message.projects, message.seen)
            else:
                self._merge(message)
        finally:
            if self._reload_again:
                self.reload_rows()

    def _load_failed(self, message: RowsLoaded) -> None:
        error = message.error or RuntimeError("unknown error")
        reason = describe_error(
            error, "read the store", denied="permission denied",
            missing=f"{self.store.directory} does not exist",
        )
        if message.reload:  # the list on screen stays; say so once, not every half second
            if not self._reload_failed:
                self._reload_failed = True
                self.notify(reason, title="Live update", severity="warning", markup=False)
            return
        listing = self.session_list
        listing.placeholder = reason
        self.counts.update("unreadable")
        self.notify(reason, title="Store", severity="error", markup=False, timeout=10)
        listing.refresh()

    def _first_rows(
        self, rows: SessionRows, projects: dict[str, Project], seen: list[Row]
    ) -> None:
        self._reload_failed = False
        self._apply_view(rows)
        self.rows = rows
        self._seen = seen
        self.loaded = True
        self._set_projects(projects)
        self._update_placeholder()
        shown = self.session_list.highlighted  # the cursor may have moved over a preview
        self.session_list.set_rows(self.rows, keep=shown["session_id"] if shown else None)
        self.update_status()
        self.refresh_bindings()
        if self.search_bar.is_open:
            self._search_messages()

    def _apply_view(self, rows: SessionRows) -> None:
        """Give rows built by a worker the view the UI has now (it may have changed since)."""
        current = self.rows
        rows.show_archived = current.show_archived
        rows.order = current.order
        rows.query = current.query

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
        self._reload_failed = False
        old, listing, editing = self.rows, self.session_list, self.editor.session_id
        current = listing.highlighted
        keep = editing or (current["session_id"] if current else None)
        # What the editor and the transcripts showed, before the list changes under them.
        watched = [editing, *(screen.session_id for screen in self._transcripts())]
        before = {sid: old.get(sid) for sid in watched if sid is not None}
        recent = {sid for sid, landed in self._landed.items() if landed > message.epoch}
        self._landed.clear()
        seen = message.seen

        def to_show(fresh: Row) -> Row:
            sid = fresh["session_id"]
            shown = old.get(sid)
            if sid in recent and shown is not None:
                forget(seen, fresh)  # perhaps older than the saved row: take it next time
                return shown
            return self.ledger.rebase(sid, fresh)

        if message.rows is not None:
            rows = message.rows
            self._apply_view(rows)
            changed = [row for sid in recent.union(self.ledger.pending_ids())
                       if (row := rows.get(sid)) is not None]
            removed: Iterable[str] = ()
        else:
            assert message.delta is not None
            rows, changed, removed = old, message.delta.changed, message.delta.removed
        for fresh in changed:
            row = to_show(fresh)
            if row is not rows.get(fresh["session_id"]):
                rows.put(row)
        for sid in removed:
            rows.remove(sid)
        self._seen = seen
        if editing is not None and rows.index_of(editing) is None:
            gone = before.get(editing)
            self._close_editor()
            self.notify(
                f"{_quote(gone['title'] if gone else editing)} was deleted or hidden by "
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
                screen.show_row(now)
                screen.reload()  # its messages may have changed too
        if self.editor.is_open:
            self.call_after_refresh(self._place_editor)
        if self._hits is not None:
            self._show_hits()
        delta = message.delta
        if self._index_state != "cold" and (delta is None or delta):
            # Only the sessions whose rows changed need their messages indexed again (a save
            # changes its row); after a reload of every row, every file is checked.
            self.refresh_index(None if delta is None else
                               {row["session_id"] for row in delta.changed} | delta.removed)

    # ── search ──────────────────────────────────────────────────────────────

    def action_search(self) -> None:
        """`/`: open the search line (or go back to it), and get the message index ready."""
        if self.editor.is_open:
            return
        self.search_bar.open()
        if self._index_state == "cold":
            self.refresh_index()
        self._show_messages_pane()
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
        self._search_messages()
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
        self._index_closed.set()
        indexer = self._indexer
        if indexer is not None and indexer.poll() is None:
            indexer.terminate()  # what it committed stays; the next start goes on from there

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
        self._hits = None
        self._show_messages_pane()
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

    def _search_messages(self) -> None:
        """Run the message search for the current words, once typing pauses."""
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        self._search_generation += 1
        if not self.rows.query.fts_words or not self.search_bar.is_open:
            self._hits = None
            self._show_messages_pane()
            return
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE_SECONDS, self._start_search)
        self._show_messages_pane()

    def _start_search(self) -> None:
        self._search_timer = None
        if self._index_state == "building" and self._index_progress is None:
            return  # the index is being created: searched as soon as it reports progress
        text = " ".join(self.rows.query.fts_words)
        generation = self._search_generation  # this search's, whatever happens meanwhile
        if text:
            self.run_worker(
                lambda: self._run_search(generation, text), thread=True,
                group="search", exclusive=True, exit_on_error=False,
                description="searching messages",
            )

    def _run_search(self, generation: int, text: str) -> None:
        try:
            hits = self.search_index.search(text, limit=SEARCH_LIMIT)
        except Exception as exc:  # a broken cache must not break the list
            self.post_message(SearchDone(generation, [], exc))
        else:
            self.post_message(SearchDone(generation, hits, None))

    @on(SearchDone)
    def search_done(self, message: SearchDone) -> None:
        if message.generation != self._search_generation:
            return  # typed on since: a newer search is coming
        self._hits = message.hits
        self._hits_generation = message.generation
        self._search_error = (
            None if message.error is None
            else describe_error(message.error, "search messages")
        )
        self._show_hits()

    def _show_hits(self) -> None:
        """The hits of visible sessions (qualifiers and the archive setting apply to them)."""
        results = []
        for hit in self._hits or ():
            row = self.rows.get(hit.session_id)
            if row is not None and self.rows.matches(row):
                results.append(Result(hit, row))
        # Newest sessions first, each session's messages in order.
        results.sort(key=lambda r: (-r.row["updated_at"], r.hit.session_id, r.hit.message_index))
        self.results.set_results(results, placeholder=self._results_placeholder())
        self._show_messages_pane()

    def _results_placeholder(self) -> str:
        if self._search_error:
            return self._search_error
        if self._index_state == "building":
            return "Indexing messages…" if self._hits is None else \
                "No match in the messages indexed so far; still indexing…"
        return "No message contains every word." if self._hits is not None else "Searching…"

    def _show_messages_pane(self) -> None:
        """The matching-messages pane shows while the search line holds words. (Called on
        every keystroke: it changes only what differs, so the layout is redone only then.)"""
        wanted = self.search_bar.is_open and bool(self.rows.query.fts_words)
        pane = self.messages_pane
        if pane.display != wanted:
            pane.display = wanted
        # As tall as its results (and its title), up to half the screen (see app.tcss).
        height = max(1, len(self.results.results)) + 1
        if pane.styles.height is None or pane.styles.height.value != height:
            pane.styles.height = height
        if not wanted and self.results.has_focus:
            self.session_list.focus()
        title = "Messages"
        if wanted:
            if self._hits is None:
                title += " · searching…"
            else:
                count = len(self.results.results)
                more = "+" if len(self._hits) >= SEARCH_LIMIT else ""
                words = " ".join(self.rows.query.fts_words)
                title += f" containing “{inert(words)}” · {count:,}{more}"
        progress = self._index_text()
        if progress:
            title += f" · {progress}"
        if title != self._pane_title:
            self._pane_title = title
            self.results_title.update(Content(title), layout=False)  # fixed size: no layout
        if progress != self._search_info:
            self._search_info = progress
            self.search_bar.set_info(progress)
        if wanted and self._hits is not None:
            self.results.placeholder = self._results_placeholder()
            self.results.refresh()

    def _index_text(self) -> str:
        if self._index_error:
            return "message search unavailable"
        if self._index_state == "building":
            if self._index_progress is None or not self._index_progress[1]:
                return "indexing messages…"
            done, total = self._index_progress
            return f"indexing {done:,}/{total:,} sessions ({done * 100 // total}%)"
        return ""

    def refresh_index(self, only: Iterable[str] | None = None) -> None:
        """Bring the message index up to date in the background (first use builds it).
        `only`: just these sessions (those a live update saw change); checking every file
        costs half a second at 100,000 sessions."""
        if self._index_state in ("building", "refreshing"):  # once this one is done
            again = self._index_again
            if again is False or again is None or only is None:
                self._index_again = None if again is None or only is None else set(only)
            else:
                again.update(only)
            return
        first = self._index_state == "cold"
        self._index_state = "building" if first else "refreshing"
        self._index_again = False
        if first:
            self._index_progress = None
            only = None
        sessions = None if only is None else set(only)
        self.run_worker(lambda: self._refresh_index(sessions), thread=True, group="index",
                        exit_on_error=False, description="indexing messages")

    def _refresh_index(self, only: set[str] | None) -> None:
        """Worker thread. Quitting stops the child process, or, in this process, cancels the
        worker, and the next progress report (every 200 sessions) then stops the build: a
        thread cannot be killed, and Python waits for it at exit, so the app would otherwise
        hang until a first build of 100,000 sessions finished. What was committed stays; the
        next refresh goes on from there."""
        worker = get_current_worker()
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            if worker.is_cancelled:
                raise IndexCancelled
            now = time.monotonic()
            if now - last >= PROGRESS_SECONDS or done >= total:  # a few a second is plenty
                last = now
                self.post_message(IndexProgress(done, total))

        try:
            if only is None and self.index_in_child:  # every file: a second or more of CPU
                from tui.indexer import IndexerUnavailable, command, refresh_in_child

                args = self.index_command or command(self.store.directory, self.cache_root)
                try:
                    refresh_in_child(args, progress, started=self._indexer_started)
                except IndexerUnavailable:
                    self.search_index.refresh(progress=progress)
            else:  # a few sessions a live update saw change: quicker than starting a child
                self.search_index.refresh(progress=progress, only=only)
        except IndexCancelled:
            return
        except Exception as exc:
            if not self._index_closed.is_set():
                self.post_message(IndexRefreshed(exc))
        else:
            self.post_message(IndexRefreshed(None))

    def _indexer_started(self, proc: subprocess.Popen[str]) -> None:
        self._indexer = proc
        if self._index_closed.is_set():  # closed while it started
            proc.terminate()

    @on(IndexProgress)
    def index_progress(self, message: IndexProgress) -> None:
        if self._index_state != "building":
            return  # an incremental refresh: quiet
        started = self._index_progress is None
        self._index_progress = (message.done, message.total)
        self._show_messages_pane()
        if started and self.rows.query.fts_words and self._search_timer is None:
            self._start_search()  # the database exists now: show results as they come

    @on(IndexRefreshed)
    def index_refreshed(self, message: IndexRefreshed) -> None:
        was_building = self._index_state == "building"
        self._index_state = "ready"
        self._index_progress = None
        if message.error is not None:
            self._index_error = describe_error(message.error, "index messages")
            if was_building:
                self.notify(self._index_error, title="Message search", severity="warning",
                            markup=False)
        else:
            self._index_error = None
        if self._index_again is not False:
            self.refresh_index(self._index_again)
        if self.rows.query.fts_words and self.search_bar.is_open:
            self._search_generation += 1
            self._start_search()
        self._show_messages_pane()

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
                tz=self.tz, row=self.rows.get(session_id),
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
        row = self.rows.get(message.session_id)
        if row is None:
            self.notify("This session is no longer in the store.", severity="warning",
                        markup=False)
            return
        if message.action == "rename":
            if message.title is not None:
                self._rename(row, message.title)
        elif message.action == "toggle_pin":
            self._toggle_pin(row)
        elif message.action == "toggle_archive":
            self._toggle_archive(row)

    # ── editing ─────────────────────────────────────────────────────────────

    def _highlighted(self) -> Row | None:
        if self.editor.is_open:
            return None
        return self.session_list.highlighted

    def _show(self, row: Row) -> None:
        """Put a changed row on screen, the cursor staying on the session it was on."""
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
        for screen in self._transcripts():
            if screen.session_id == row["session_id"]:
                screen.show_row(row)
        if self._hits is not None:
            self._show_hits()

    def _edit(self, row: Row, changes: Row, what: str, call: Callable[[], Row]) -> Edit:
        """Show an edit at once and queue its save (see `EditLedger`, `SaveQueue`)."""
        edit = Edit(row["session_id"], changes, what)
        self._show(self.ledger.begin(row, edit))
        self.saves.submit(edit, call)
        self.update_status()
        return edit

    @on(SaveFinished)
    def save_finished(self, message: SaveFinished) -> None:
        edit = message.edit
        self._save_epoch += 1
        self._landed[edit.session_id] = self._save_epoch
        row = self.ledger.settle(edit, message.row)
        if self.rows.get(edit.session_id) is not None:
            self._show(row)
        if isinstance(message.error, WebUIBlocked):  # the person chooses: not written behind
            self._ask_about_webui(edit, message.error)  # the WebUI's back, not dropped either
        elif message.error is not None:
            self.undo_stack.discard(edit)
            self.notify(
                describe_error(message.error, f"{edit.what} {_quote(row['title'])}"),
                title="Not saved",
                severity="error",
                markup=False,
                timeout=8,
            )
        self.update_status()

    def _ask_about_webui(self, edit: Edit, error: WebUIBlocked) -> None:
        """Retry through the WebUI, write the file anyway, or cancel (the row is back already)."""

        def chosen(choice: str | None) -> None:
            call = error.retry if choice == "retry" else error.write_file
            row = self.rows.get(edit.session_id)
            if choice == "cancel" or call is None or row is None:
                self.undo_stack.discard(edit)
                return
            self._show(self.ledger.begin(row, edit))  # the same edit: its undo entry holds
            self.saves.submit(edit, call)
            self.update_status()

        shown = self.rows.get(edit.session_id)
        title = shown["title"] if shown is not None else edit.session_id
        self.push_screen(WebUIChoice(edit.what, title, str(error)), chosen)

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
        row = self.rows.get(message.session_id)
        if row is not None:
            self._rename(row, message.title)

    def _rename(self, row: Row, title: str) -> None:
        title = clean_title(title)
        if not title:
            self.notify("A title cannot be empty.", title="Rename", severity="warning",
                        markup=False)
            return
        if title == row["title"]:
            return
        sid, before = row["session_id"], row["title"]
        replaced: dict[str, Any] = {}
        edit = self._edit(
            row, {"title": title, "updated_at": self.clock()}, "rename",
            lambda: self.edits.rename(sid, title, replaced=replaced),
        )
        self.undo_stack.push(edit, "title", before, replaced)

    def _close_editor(self) -> None:
        self.editor.close()
        self.session_list.focus()
        self.refresh_bindings()

    def action_toggle_pin(self) -> None:
        row = self._highlighted()
        if row is not None:
            self._toggle_pin(row)

    def _toggle_pin(self, row: Row) -> None:
        sid, pinned = row["session_id"], not row["pinned"]
        edit = self._edit(
            row, {"pinned": pinned, "updated_at": self.clock()}, "pin" if pinned else "unpin",
            lambda: self.edits.set_pinned(sid, pinned),
        )
        # What its undo sets back besides the pin: `updated_at` as the list had it.
        self.undo_stack.push(edit, "pinned", not pinned, {"updated_at": row["updated_at"]})

    def action_toggle_archive(self) -> None:
        row = self._highlighted()
        if row is not None:
            self._toggle_archive(row)

    def _toggle_archive(self, row: Row) -> None:
        sid, archived = row["session_id"], not row["archived"]
        edit = self._edit(
            row, {"archived": archived}, "archive" if archived else "unarchive",
            lambda: self.edits.set_archived(sid, archived),
        )
        self.undo_stack.push(edit, "archived", not archived)

    def action_undo(self) -> None:
        """`u`, ctrl+z: set back what the last edit changed, as a new edit (saved in order
        after everything before it)."""
        if self.editor.is_open:
            return
        entry = self.undo_stack.pop()
        if entry is None:
            self.notify("Nothing to undo.", title="Undo", markup=False, timeout=3)
            return
        row = self.rows.get(entry.session_id)
        if row is None:
            self.notify("That session is no longer in the store.", title="Undo",
                        severity="warning", markup=False)
            return
        sid, what = row["session_id"], entry.edit.what
        field, before, replaced = entry.field, entry.before, entry.replaced
        changes: Row = {field: before}
        if field != "archived":  # archive never moved updated_at
            stamp = replaced.get("updated_at")
            changes["updated_at"] = stamp if isinstance(stamp, float) else self.clock()

        def call() -> Row:
            # What the edit replaced (a rename's save fills this in before this runs): the
            # title's manual_title, and updated_at, which the undo puts back as it was.
            back = {k: v for k, v in replaced.items() if k in ("manual_title", "updated_at")}
            return self.edits.update(sid, {field: before, **back}, touch=False)

        self._edit(row, changes, f"undo the {what} of", call)
        self.notify(f"Undid the {what} of {_quote(row['title'])}.", title="Undo",
                    markup=False, timeout=4)

    def action_toggle_show_archived(self) -> None:
        if self.editor.is_open:
            return
        listing = self.session_list
        current = listing.highlighted
        self.rows.show_archived = not self.rows.show_archived
        listing.rows_changed(keep=current["session_id"] if current is not None else None)
        self.update_status()
        self.refresh_bindings()
        if self._hits is not None:
            self._show_hits()

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
                describe_error(error, f"export {_quote(message.title)}",
                               denied="permission denied (the folder is read-only)",
                               missing="the session file was deleted by another program"),
                title="Not exported", severity="error", markup=False, timeout=8,
            )
            return
        self.notify(f"{_quote(message.title)} → {message.path}", title="Exported",
                    markup=False, timeout=10)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # ── quitting ────────────────────────────────────────────────────────────

    async def action_quit(self) -> None:
        """Quit once every queued save is on disk; a second `q` while waiting quits at once."""
        if not self.saves.busy or self._quitting:
            self.exit()
            return
        self._quitting = True
        self.notify(
            "Writing pending edits before quitting… (press q again to quit now)",
            title="Quit", markup=False,
        )
        self.run_worker(self._quit_when_saved(), group="quit", exclusive=True)

    async def _quit_when_saved(self) -> None:
        await self.saves.wait_idle()
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
