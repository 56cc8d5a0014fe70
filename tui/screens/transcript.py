"""The transcript screen: one session's messages, opened from the list or from a search result.

The session is read by a thread worker (`SessionStore.load` does disk I/O and JSON parsing of
what may be megabytes), turned into blocks there (`build_transcript`), and handed to the UI
thread as a message; a failure becomes a sentence on the screen, never a traceback.

The screen never writes. Rename, pin and archive are posted to the app as `EditRequested`, so
the app's edit controller (optimistic row, ordered save queue, rollback, undo) stays the one
path every edit takes; the screen follows the app's `row_changed` signal to put the changed row
in its header (and reads the session again when another program changed it).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any, ClassVar, Literal

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.signal import Signal
from textual.widgets import Static

from api.store import SessionStore, clean_title
from tui.errors import describe_error
from tui.keys import TRANSCRIPT_EDIT_KEYS, TRANSCRIPT_KEYS, bindings
from tui.messages import RowChanged
from tui.screens.dialog import DismissedOnce
from tui.text import UNTITLED, Clock, inert
from tui.widgets.rename_editor import RenameEditor
from tui.widgets.session_list import ARCHIVE_MARK, PIN_MARK
from tui.widgets.transcript_model import Transcript, build_transcript
from tui.widgets.transcript_view import TranscriptView

EditAction = Literal["rename", "toggle_pin", "toggle_archive"]

#: The record's fields the header shows.
HEADER_KEYS = ("session_id", "title", "model", "workspace", "message_count", "pinned", "archived")

#: Screen actions that edit the session: off while the rename editor has the keyboard.
EDIT_ACTIONS = frozenset({"rename", "toggle_pin", "toggle_archive"})

#: The key bar: (keys, what they do), most useful first (a narrow terminal cuts the end).
READING_KEYS = (
    ("Esc", "back"), ("↵", "expand"), ("n/N", "next/prev"), ("r", "rename"), ("p", "pin"),
    ("a", "archive"), ("q", "quit"), ("^p", "commands"),
)
RENAMING_KEYS = (("↵", "save the title"), ("Esc", "keep the old title"))


class KeyBar(Static):
    """The keys of the screen on one line, where a footer would be.

    Textual's `Footer` rebuilds a widget per key each time the bindings change (three times
    while a screen opens), which costs more than reading and drawing a 5,000-message
    transcript; this is one line of text, rewritten only when the screen's mode changes.
    """

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        width: 1fr;
        background: $footer-background;
        color: $footer-description-foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def show_keys(self, keys: tuple[tuple[str, str], ...]) -> None:
        parts: list[str | tuple[str, str]] = []
        for key, what in keys:
            parts += [" ", (key, "bold $footer-key-foreground"), f" {what} "]
        self.update(Content.assemble(*parts))


class TranscriptScreen(DismissedOnce[None]):
    """Every message of one session: role, time, Markdown content, collapsible tool lines."""

    CSS_PATH = "transcript.tcss"

    BINDINGS: ClassVar[list[BindingType]] = list(
        bindings(tuple(key for key in TRANSCRIPT_KEYS if key.scope == "transcript")
                 + TRANSCRIPT_EDIT_KEYS)
    )

    class EditRequested(Message):
        """The user asked to rename, pin/unpin or archive/unarchive the session shown.

        Handled by the app, which applies it like the same key on the list. `title` is the
        new title for "rename" (already cleaned and non-empty), None otherwise.
        """

        def __init__(
            self, session_id: str, action: EditAction, title: str | None = None
        ) -> None:
            super().__init__()
            self.session_id = session_id
            self.action: EditAction = action
            self.title = title

    class Loaded(Message, bubble=False):
        """The loader worker finished (posted from its thread; the screen's own business)."""

        def __init__(
            self,
            record: dict[str, Any] | None,
            transcript: Transcript | None,
            error: BaseException | None,
            reload: bool,
        ) -> None:
            super().__init__()
            self.record = record
            self.transcript = transcript
            self.error = error
            self.reload = reload

    def __init__(
        self,
        store: SessionStore,
        session_id: str,
        *,
        message_index: int | None = None,
        clock: Clock = time.time,
        tz: tzinfo | None = None,
        row: Mapping[str, Any] | None = None,
        row_changed: Signal[RowChanged] | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`message_index` (an index into the session's `messages`) opens the transcript
        scrolled to that message, the cursor on it. `row` (the session's index row, when the
        caller has it) fills the header before the file is read. `clock` and `tz` decide what
        "3 min ago" means (tests freeze them). `row_changed`: the app's signal of changed
        rows, followed while the screen is open."""
        super().__init__(name=name, id=id, classes=classes)
        self.store = store
        self.session_id = session_id
        self._row_changed = row_changed
        self.message_index = message_index
        self.clock = clock
        self.tz = tz
        #: True once the session was read and is shown.
        self.loaded = False
        #: Why the session could not be read, if it could not.
        self.error: BaseException | None = None
        self._row: dict[str, Any] | None = dict(row) if row is not None else None
        self._record: dict[str, Any] = {}
        self.view = TranscriptView(clock=clock, tz=tz, id="transcript-view")
        self.editor = RenameEditor(id="transcript-rename")
        self.title_bar = Static(id="transcript-title", markup=False)
        self.meta_bar = Static(id="transcript-meta", markup=False)
        self.key_bar = KeyBar(id="transcript-keys", markup=False)

    # ── layout ──────────────────────────────────────────────────────────────

    def compose(self) -> ComposeResult:
        with Vertical(id="transcript-header"):
            yield self.title_bar
            yield self.meta_bar
        yield self.view
        yield self.editor
        yield self.key_bar

    def on_mount(self) -> None:
        self._update_header()
        self.key_bar.show_keys(READING_KEYS)
        self.view.focus()
        self._load(reload=False)
        if self._row_changed is not None:
            self._row_changed.subscribe(self, self._follow_row, immediate=True)
        self.set_interval(30.0, self.view.refresh)  # relative times ("3 min ago") move on

    # ── loading ─────────────────────────────────────────────────────────────

    @work(thread=True, exclusive=True, group="transcript-load", exit_on_error=False)
    def _load(self, reload: bool) -> None:
        """Read and prepare the session off the UI thread."""
        try:
            session = self.store.load(self.session_id)
            record = session.__dict__
            transcript = build_transcript(record.get("messages"))
            header = {key: record.get(key) for key in HEADER_KEYS}
        except Exception as exc:  # shown on the screen: a bad file must not crash the app
            self.post_message(self.Loaded(None, None, exc, reload))
        else:
            self.post_message(self.Loaded(header, transcript, None, reload))

    def reload(self) -> None:
        """Read the session again (another program changed it); the cursor, the expanded
        lines and the scroll position stay on the same messages."""
        self._load(reload=True)

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        if message.transcript is None or message.record is None:
            error = message.error or RuntimeError("unknown error")
            reason = describe_error(
                error, "open this session", denied="permission denied",
                missing="its file does not exist (deleted by another program?)",
            )
            if message.reload and self.loaded:
                # Keep what is on screen; say why it is no longer current.
                self.notify(reason, title="Transcript", severity="warning", markup=False)
                return
            self.error = error
            self.view.show_placeholder(reason, error=True)
            self._update_header()
            return
        self.error = None
        self._record = message.record
        self.loaded = True
        self.view.set_transcript(
            message.transcript,
            message_index=None if message.reload else self.message_index,
            keep=message.reload,
        )
        self._update_header()

    # ── header ──────────────────────────────────────────────────────────────

    def _follow_row(self, change: RowChanged) -> None:
        """A row changed: this session's goes in the header; changed by another program,
        its messages are read again too."""
        if change.session_id != self.session_id or change.row is None:
            return
        self.show_row(change.row)
        if change.reread:
            self.reload()

    def show_row(self, row: Mapping[str, Any]) -> None:
        """Show `row` (the session's index row as the app has it now) in the header (an edit
        was applied, landed or was rolled back). Rows of other sessions
        are ignored. An open rename editor is left alone."""
        if row.get("session_id") not in (None, self.session_id):
            return
        self._row = dict(row)
        self._update_header()

    @property
    def header(self) -> dict[str, Any]:
        """What the header shows: the session's fields as read, with the app's row on top."""
        return self._header_data()

    def _header_data(self) -> dict[str, Any]:
        data = dict(self._record)
        if self._row is not None:
            data.update({key: self._row[key] for key in HEADER_KEYS if key in self._row})
        if self.view.transcript is not None:
            data["message_count"] = self.view.transcript.message_count
        return data

    @property
    def title_text(self) -> str:
        """The session's title as the header shows it (inert)."""
        title = self._header_data().get("title")
        if not isinstance(title, str) or not title.strip():
            return UNTITLED if self.loaded or self._row else self.session_id
        return inert(title)

    def _update_header(self) -> None:
        data = self._header_data()
        self.title_bar.update(Content(self.title_text))
        parts: list[str | tuple[str, str]] = []

        def add(text: str, style: str = "") -> None:
            if parts:
                parts.append("  ·  ")
            parts.append((text, style) if style else text)

        if data.get("pinned") is True:
            add(f"{PIN_MARK} pinned", "bold $warning")
        if data.get("archived") is True:
            add(f"{ARCHIVE_MARK} archived", "italic")
        for key in ("model", "workspace"):
            value = data.get(key)
            if isinstance(value, str) and value.strip():
                add(inert(value))
        count = data.get("message_count")
        if isinstance(count, int) and not isinstance(count, bool):
            add(f"{count:,} message{'s' if count != 1 else ''}")
        if self.error is not None:
            add("unreadable", "$error")
        elif not self.loaded:
            add("loading…")
        self.meta_bar.update(Content.assemble(*parts))

    # ── editing ─────────────────────────────────────────────────────────────

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No edit keys while the rename editor is open (they type into it)."""
        return not (action in EDIT_ACTIONS and self.editor.is_open)

    def _request(self, action: EditAction, title: str | None = None) -> None:
        self.post_message(self.EditRequested(self.session_id, action, title))

    def action_toggle_pin(self) -> None:
        self._request("toggle_pin")

    def action_toggle_archive(self) -> None:
        self._request("toggle_archive")

    def action_rename(self) -> None:
        """Open the title editor over the header's title, holding the title, all selected."""
        if self.editor.is_open:
            return
        title = self._header_data().get("title")
        self.editor.open(
            self.session_id, title if isinstance(title, str) else "", self.title_bar.region
        )
        self.key_bar.show_keys(RENAMING_KEYS)
        self.refresh_bindings()

    @on(RenameEditor.Done)
    def _rename_done(self, message: RenameEditor.Done) -> None:
        message.stop()  # ours: the app's own editor handler must never see it
        editor = self.editor
        if message.editor is not editor or not editor.is_open:
            return
        if message.title is None or message.title == editor.original:
            self._close_editor()  # cancelled, or Enter on the title as it was
            return
        title = clean_title(message.title)
        if not title:
            self.notify(
                "A title cannot be empty: type one, or press Esc to keep the old title.",
                title="Rename", severity="warning", markup=False,
            )
            return
        self._close_editor()
        if title != self._header_data().get("title"):
            self._request("rename", title)

    def _close_editor(self) -> None:
        self.editor.close()
        self.key_bar.show_keys(READING_KEYS)
        self.view.focus()
        self.refresh_bindings()

    # ── leaving ─────────────────────────────────────────────────────────────

    def action_back(self) -> None:
        if self.is_current:
            self.dismiss()
