"""`T`: the trash. Deleted sessions, the most recently deleted first, with when they were
deleted; Enter or r restores one (through the saver the edit controller chooses, as every
edit), d or Delete deletes it for good after a second question; Esc goes back to the list,
which is read again when something came back.

Every store call runs in this screen's worker threads; the UI thread never touches the disk.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from api.store import SessionStore
from api.trash import TrashEntry
from tui.editing.saver import SaverFor
from tui.errors import describe_error
from tui.keys import TRASH_KEYS, bindings
from tui.screens.confirm import ConfirmScreen
from tui.screens.dialog import DismissedOnce
from tui.text import Clock, fit, inert, quote, relative_time

if TYPE_CHECKING:
    from datetime import tzinfo


class TrashScreen(DismissedOnce[frozenset[str]]):
    """Dismissed with the ids it restored (the list must be read again, and a delete's undo
    no longer covers them)."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(TRASH_KEYS))

    DEFAULT_CSS = """
    TrashScreen #trash-title {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-style: bold;
    }
    TrashScreen OptionList { height: 1fr; border: none; }
    """

    def __init__(self, store: SessionStore, saver_for: SaverFor, *, clock: Clock,
                 tz: tzinfo | None) -> None:
        super().__init__()
        self.store, self.saver_for, self.clock, self.tz = store, saver_for, clock, tz
        self.entries: list[TrashEntry] = []
        self.restored: set[str] = set()
        self.heading = Static("Trash: loading…", id="trash-title")
        self.listing = OptionList(id="trash-list")

    def compose(self) -> ComposeResult:
        yield self.heading
        yield self.listing
        yield Footer()

    def on_mount(self) -> None:
        self.listing.focus()
        self.load()

    @work(thread=True, group="trash", exclusive=True, exit_on_error=False)
    def load(self) -> None:
        try:
            entries = self.store.trash.entries()
        except OSError as exc:
            self.app.call_from_thread(self._show_error, describe_error(exc, "read the trash"))
        else:
            self.app.call_from_thread(self._show, entries)

    def _show_error(self, text: str) -> None:
        self.heading.update(Text(text))

    def _show(self, entries: list[TrashEntry]) -> None:
        keep = self.listing.highlighted or 0
        self.entries = entries
        self.listing.clear_options()
        self.listing.add_options([self._option(entry) for entry in entries])
        if entries:
            self.listing.highlighted = min(keep, len(entries) - 1)
        count = "empty" if not entries else (
            "1 session" if len(entries) == 1 else f"{len(entries):,} sessions")
        self.heading.update(Text(f"Trash: {count} · Enter restores · d deletes for good"))

    def _option(self, entry: TrashEntry) -> Option:
        title = inert(entry.row["title"]) if entry.row else f"{entry.session_id} (unreadable)"
        when = relative_time(entry.deleted_at, self.clock(), self.tz)
        return Option(Text.assemble(fit(title, 60), "  ", (f"deleted {when}", "dim")),
                      id=entry.session_id)

    def _current(self) -> TrashEntry | None:
        index = self.listing.highlighted
        if index is None or not 0 <= index < len(self.entries):
            return None
        return self.entries[index]

    @on(OptionList.OptionSelected)
    def action_restore(self) -> None:
        entry = self._current()
        if entry is not None:
            self._run(lambda: self.saver_for(entry.session_id).restore_many([entry.session_id]),
                      entry, "Restored", restored=True)

    def action_purge(self) -> None:
        entry = self._current()
        if entry is None:
            return
        title = entry.row["title"] if entry.row else entry.session_id

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(lambda: self.store.trash.purge([entry.session_id]), entry,
                          "Deleted for good", restored=False)

        self.app.push_screen(ConfirmScreen(
            "Delete for good", f"Delete “{title}” for good? This cannot be undone."), answered)

    @work(thread=True, group="trash-edit", exit_on_error=False)
    def _run(self, call: Callable[[], object], entry: TrashEntry, done: str, *,
             restored: bool) -> None:
        title = quote(entry.row["title"]) if entry.row else entry.session_id
        try:
            result = call()
        except Exception as exc:
            text = describe_error(exc, f"{done.lower()} {title}")
            self.app.call_from_thread(self.notify, text, title="Trash", severity="error",
                                      markup=False)
            return
        skipped = getattr(result, "skipped", {})
        if skipped:
            reason = next(iter(skipped.values()))
            self.app.call_from_thread(self.notify, f"{title}: {reason}", title="Trash",
                                      severity="warning", markup=False)
        else:
            self.app.call_from_thread(self._done, f"{done}: {title}",
                                      entry.session_id if restored else None)
        self.app.call_from_thread(self.load)

    def _done(self, text: str, restored: str | None) -> None:
        if restored is not None:
            self.restored.add(restored)
        self.notify(text, title="Trash", markup=False, timeout=4)

    def action_back(self) -> None:
        self.dismiss(frozenset(self.restored))
