"""The search line: `/` opens it above the list; what is typed filters the list as you type and
searches what was said in every session.

It only reports what happens (the text through a callback, `Leave`, `Cleared`); the app filters
the rows and runs the message search. Its right end shows how the message index is doing
("indexing 40%").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widgets import Input, Static

from tui.keys import SEARCH_KEYS, bindings
from tui.text import inert

PLACEHOLDER = (
    "filter by title, workspace, model · search messages · "
    "project: model: workspace: is:pinned is:archived -word"
)


class SearchInput(Input):
    """The one-line input of the search line. Enter and ↓ go to the list; Esc clears.

    Each change is reported by calling `on_change` at once, from the value's watcher, rather
    than by a message: the list is then filtered before the frame that shows the typed
    character, and both appear together (a message would arrive a frame later, ~17 ms)."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(SEARCH_KEYS))

    #: Input sets its virtual size to the text's width on every change, and Textual's
    #: reactive then lays out the whole screen (a few ms of each keystroke at 100,000 rows).
    #: This input's size never depends on its text, and it has no scrollbar to show or hide:
    #: a repaint is all a change needs.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, on_change: Callable[[str], None] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.on_change = on_change
        self.quiet = False

    def watch_value(self, value: str) -> None:
        if self.on_change is not None and not self.quiet:
            self.on_change(value)

    def action_leave(self) -> None:
        self.post_message(SearchBar.Leave())

    def action_clear(self) -> None:
        self.post_message(SearchBar.Cleared())


class SearchBar(Horizontal):
    """`/ ▏query▏ indexing 40%` docked above the list; hidden until opened."""

    DEFAULT_CSS = """
    SearchBar {
        display: none;
        height: 1;
        background: $panel;
        &.-open { display: block; }
        & > #search-prompt {
            width: 3;
            color: $text-accent;
            text-style: bold;
            padding: 0 1;
        }
        & > SearchInput {
            width: 1fr;
            height: 1;
            border: none;
            padding: 0;
            background: $panel;
            &:focus { border: none; background: $boost; }
        }
        & > #search-info {
            display: none;
            width: 44;
            padding: 0 1;
            color: $text-muted;
            text-wrap: nowrap;
            text-align: right;
        }
    }
    """

    class Leave(Message):
        """Enter or ↓: move to the list, keeping the filter."""

    class Cleared(Message):
        """Esc: clear the filter and close the line."""

    def __init__(
        self, on_change: Callable[[str], None] | None = None, *, id: str | None = None
    ) -> None:
        """`on_change(text)` is called on every change of the text, as it happens."""
        super().__init__(id=id)
        self.input = SearchInput(on_change, placeholder=PLACEHOLDER, compact=True,
                                 id="search-input")
        self.info = Static("", id="search-info")
        self._status = ""  # the message index's progress
        self._error = ""  # what is wrong with the query

    def compose(self) -> ComposeResult:
        yield Static("/", id="search-prompt")
        yield self.input
        yield self.info

    @property
    def is_open(self) -> bool:
        return self.has_class("-open")

    @property
    def text(self) -> str:
        return self.input.value

    def open(self) -> None:
        """Show the line and put the keyboard in it (the text so far kept).

        Focus moves at once, not with `focus()` (which waits for the next turn of the event
        loop): keys typed right behind the `/` ("/login" typed fast, or pasted) are already
        queued and must land in the line, not in the list."""
        self.add_class("-open")
        self.screen.set_focus(self.input)
        self.input.cursor_position = len(self.input.value)

    def close(self) -> None:
        """Hide the line and empty it (without reporting the change: the caller clears)."""
        self.remove_class("-open")
        self.input.quiet = True
        try:
            with self.input.prevent(Input.Changed):
                self.input.value = ""
        finally:
            self.input.quiet = False

    def set_status(self, text: str) -> None:
        """Say how the message index is doing ("": nothing to say)."""
        self._status = text
        self._show_info()

    def set_error(self, text: str) -> None:
        """Say what is wrong with the query ("": nothing). It outranks the index's progress:
        the person must see why the list is not filtered as typed, whatever reports after."""
        self._error = text
        self._show_info()

    def _show_info(self) -> None:
        """Its width is fixed, so progress updates repaint it without a layout of the screen."""
        text = self._error or self._status
        self.info.update(Content(inert(text)), layout=False)
        if self.info.display != bool(text):
            self.info.display = bool(text)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()  # reported through on_change already

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
