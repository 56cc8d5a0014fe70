"""The session browser app: a status line, the session list, the rename editor, a footer.

Threads: the UI thread never touches the disk. Rows are loaded by a thread worker started as
the UI mounts, so the first frame never waits for the index. Every edit is applied to the
in-memory row at once and its save is queued on `SaveQueue`, whose single thread worker writes
edits in the order they were made. Results come back as messages, so all state changes happen
on the UI thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import tzinfo
from typing import ClassVar

from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from api.store import SessionStore
from tui.keys import APP_KEYS, LIST_KEYS
from tui.rows import Edit, EditLedger, Row, SessionRows
from tui.saver import SaveFinished, SaveQueue, describe_error
from tui.screens.help import HelpScreen
from tui.text import Clock, inert
from tui.widgets.rename_editor import MAX_TITLE, RenameEditor
from tui.widgets.session_list import SessionList

#: Actions on the highlighted session: unavailable (dimmed) with no session, hidden while the
#: rename editor has the keyboard.
EDIT_ACTIONS = frozenset({"rename", "toggle_pin", "toggle_archive"})

#: How often relative times ("3 min ago") are redrawn while the app sits open.
CLOCK_REFRESH_SECONDS = 30.0


def clean_title(title: str) -> str:
    """The title a rename will store: what `SessionStore.rename` does to it (whitespace runs
    folded, trimmed to the store's limit), so the optimistic row matches the saved one."""
    return " ".join(title.split())[:MAX_TITLE].strip()


def _quote(title: str, limit: int = 40) -> str:
    """A title for a message: inert, and short enough for a toast."""
    title = inert(title)
    return f"“{title if len(title) <= limit else title[: limit - 1] + '…'}”"


class RowsLoaded(Message):
    """The loader worker finished: `rows` in display order, or the `error` that stopped it."""

    def __init__(self, rows: SessionRows | None, error: BaseException | None) -> None:
        super().__init__()
        self.rows = rows
        self.error = error


class SessionBrowser(App[None]):
    """Browse, rename, pin and archive the sessions of one store."""

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
    ) -> None:
        """`clock` and `tz` decide what "3 min ago" means (tests freeze them); `store_label`
        replaces the store path in the status line; `banner` is a notice shown above the list
        (for example that the demo store was opened because no store was found)."""
        super().__init__()
        self.store = store
        self.clock = clock
        self.tz = tz
        self.store_label = store_label if store_label is not None else str(store.directory)
        self.banner = banner
        self.rows = SessionRows()
        self.ledger = EditLedger()
        self.saves = SaveQueue(self)
        self.loaded = False
        self._quitting = False
        # Kept as attributes (not queried) so actions also work while another screen is on top.
        self.session_list = SessionList(clock=clock, tz=tz, id="sessions")
        self.editor = RenameEditor(id="rename")
        self.counts = Static(Content("loading…"), id="counts")

    # ── layout ──────────────────────────────────────────────────────────────

    def compose(self) -> ComposeResult:
        with Horizontal(id="status"):
            yield Static(Content(inert(self.store_label)), id="store-path")
            yield self.counts
        if self.banner:
            yield Static(Content(inert(self.banner)), id="banner")
        yield self.session_list
        yield self.editor
        yield Footer()

    def on_mount(self) -> None:
        self.session_list.focus()
        self.load_rows()
        self.set_interval(CLOCK_REFRESH_SECONDS, self.session_list.refresh)
        # The editor sits over its row: follow the row when the list scrolls or reorders.
        self.watch(self.session_list, "scroll_y", self._place_editor, init=False)

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
        """The status line: how many sessions, how many shown, edits still being written."""
        if not self.loaded:
            return
        text = f"{self.rows.total:,} sessions · {len(self.rows):,} shown"
        if self.rows.show_archived:
            text += " (with archived)"
        pending = len(self.ledger)
        if pending:
            text += f" · saving {pending}…"
        self.counts.update(Content(text))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """What the footer offers follows the state: no edit keys while renaming (they type
        into the editor) and dimmed ones when there is no session to act on."""
        if action in EDIT_ACTIONS or action == "toggle_show_archived":
            if self.editor.is_open:
                return False
            if action in EDIT_ACTIONS and self.session_list.highlighted is None:
                return None
        return True

    # ── loading ─────────────────────────────────────────────────────────────

    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def load_rows(self) -> None:
        """Read and order every row off the UI thread (100,000 rows take a few hundred ms)."""
        try:
            if not self.store.directory.is_dir():
                raise FileNotFoundError(
                    2, "the store folder does not exist", str(self.store.directory)
                )
            rows = SessionRows(self.store.list_rows(), show_archived=self.rows.show_archived)
        except Exception as exc:  # shown as a message; a bad store must not crash the app
            self.post_message(RowsLoaded(None, exc))
        else:
            self.post_message(RowsLoaded(rows, None))

    @on(RowsLoaded)
    def rows_loaded(self, message: RowsLoaded) -> None:
        listing = self.session_list
        if message.rows is None:
            error = message.error or RuntimeError("unknown error")
            reason = describe_error(
                error, "read the store", denied="permission denied",
                missing=f"{self.store.directory} does not exist",
            )
            listing.placeholder = reason
            self.counts.update(Content("unreadable"))
            self.notify(
                reason, title="Store", severity="error",
                markup=False, timeout=10,
            )
            listing.refresh()
            return
        self.rows = message.rows
        self.loaded = True
        if not self.rows.total:
            listing.placeholder = "No sessions in this store yet."
        else:
            listing.placeholder = "Every session is archived: press A to show them."
        listing.set_rows(self.rows)
        self.update_status()
        self.refresh_bindings()

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

    def _edit(self, row: Row, changes: Row, what: str, call: Callable[[], Row]) -> None:
        """Show an edit at once and queue its save (see `EditLedger`, `SaveQueue`)."""
        edit = Edit(row["session_id"], changes, what)
        self._show(self.ledger.begin(row, edit))
        self.saves.submit(edit, call)
        self.update_status()

    @on(SaveFinished)
    def save_finished(self, message: SaveFinished) -> None:
        edit = message.edit
        row = self.ledger.settle(edit, message.row)
        if self.rows.get(edit.session_id) is not None:
            self._show(row)
        if message.error is not None:
            self.notify(
                describe_error(message.error, f"{edit.what} {_quote(row['title'])}"),
                title="Not saved",
                severity="error",
                markup=False,
                timeout=8,
            )
        self.update_status()

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
        self.refresh_bindings()

    @on(RenameEditor.Done)
    def rename_done(self, message: RenameEditor.Done) -> None:
        editor = message.editor
        if not editor.is_open or editor.session_id != message.session_id:
            return
        if message.title is None or message.title == editor.original:
            self._close_editor()  # cancelled, or Enter on the title as it was: nothing to write
            return
        title = clean_title(message.title)
        if not title:
            self.notify(
                "A title cannot be empty: type one, or press Esc to keep the old title.",
                title="Rename",
                severity="warning",
                markup=False,
            )
            return
        self._close_editor()
        row = self.rows.get(message.session_id)
        if row is None or title == row["title"]:
            return
        sid = row["session_id"]
        self._edit(
            row, {"title": title, "updated_at": self.clock()}, "rename",
            lambda: self.store.rename(sid, title),
        )

    def _close_editor(self) -> None:
        self.editor.close()
        self.session_list.focus()
        self.refresh_bindings()

    def action_toggle_pin(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        sid, pinned = row["session_id"], not row["pinned"]
        self._edit(
            row, {"pinned": pinned, "updated_at": self.clock()}, "pin" if pinned else "unpin",
            lambda: self.store.set_pinned(sid, pinned),
        )

    def action_toggle_archive(self) -> None:
        row = self._highlighted()
        if row is None:
            return
        sid, archived = row["session_id"], not row["archived"]
        self._edit(
            row, {"archived": archived}, "archive" if archived else "unarchive",
            lambda: self.store.set_archived(sid, archived),
        )

    def action_toggle_show_archived(self) -> None:
        if self.editor.is_open:
            return
        listing = self.session_list
        current = listing.highlighted
        self.rows.show_archived = not self.rows.show_archived
        listing.rows_changed(keep=current["session_id"] if current is not None else None)
        self.update_status()
        self.refresh_bindings()

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
