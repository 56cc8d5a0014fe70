"""The inline rename editor: a one-line `Input` laid over the title cell of the row.

It opens holding the current title, all selected, so typing replaces it and arrow keys edit it.
It does not save anything itself: it reports what the user chose (`Done`), and the app decides
(an empty title is refused there, with a message, and the editor stays open).

Escape and a key in one burst (a fast typist, a laggy SSH link) reach the app as the bytes a
terminal sends for Alt+key: `ESC -` is Alt+minus, byte for byte. The editor cancels on any
Alt+key, since Alt types nothing in a title: Escape was meant. Textual 8.2.8 loses that Alt
for most keys: `ESC -` becomes an en dash (it emulates macOS Option characters for digits,
`-` and `=`), `ESC /` a plain slash. `read_escape_prefix_as_alt` makes ESC + a printable
ASCII character an `alt+` key again, app-wide (the search line types nothing for it either).
Characters typed as themselves (`–` or `£` from the keyboard arrive as UTF-8) are unchanged.
"""

from __future__ import annotations

import string
from types import SimpleNamespace
from typing import Any, ClassVar

from textual import events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual.binding import Binding, BindingType
from textual.geometry import Region
from textual.keys import _character_to_key
from textual.message import Message
from textual.widgets import Input

from api.store import MAX_TITLE  # the store's limit: the editor holds no more than a rename keeps
from tui.text import inert

#: Characters that also start a terminal's own sequences (CSI, OSC, ST, APC, PM): `ESC [`
#: must stay the start of an arrow key, not become Alt+[.
_SEQUENCE_STARTS = frozenset("[]\\_^")


def read_escape_prefix_as_alt() -> None:
    """Map ESC + each printable ASCII character (digits, punctuation) to its `alt+` key in
    Textual's table of terminal sequences. Letters already come through as `alt+x`."""
    table: Any = ANSI_SEQUENCES_KEYS  # a Mapping in its type, a dict in fact
    for char in string.digits + string.punctuation + " \r":
        if char in _SEQUENCE_STARTS:
            continue
        name = "alt+" + ("enter" if char == "\r" else _character_to_key(char))
        # The parser reads `.value` of each item of a tuple entry as the key's name.
        table["\x1b" + char] = (SimpleNamespace(value=name),)


read_escape_prefix_as_alt()


class RenameEditor(Input):
    """One-line title editor, hidden until `open()`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "submit", "Save", show=True),
        Binding("escape", "cancel", "Cancel", show=True),
    ]

    DEFAULT_CSS = """
    RenameEditor {
        display: none;
        position: absolute;
        layer: overlay;
        height: 1;
        border: none;
        padding: 0;
        &:focus { border: none; }
    }
    """

    class Done(Message):
        """The user pressed Enter (`title` is what they typed) or cancelled (`title` is None)."""

        def __init__(self, editor: RenameEditor, session_id: str, title: str | None) -> None:
            super().__init__()
            self.editor = editor
            self.session_id = session_id
            self.title = title

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            max_length=MAX_TITLE, select_on_focus=True, compact=True, id=id
        )
        self.session_id: str | None = None
        self.original = ""

    @property
    def is_open(self) -> bool:
        return self.session_id is not None

    def open(self, session_id: str, title: str, region: Region) -> None:
        """Show the editor over `region` (the title cell), holding `title`, all selected.

        The title is shown through `inert()` like everywhere else: an Input would otherwise
        write a title's escape sequences straight to the terminal.
        """
        self.session_id = session_id
        self.original = inert(title)[:MAX_TITLE]
        self.value = self.original
        self.styles.offset = (region.x, region.y)
        self.styles.width = region.width
        self.display = True
        self.focus()
        self.select_all()

    def close(self) -> None:
        """Hide the editor; the app moves focus back to the list."""
        self.session_id = None
        self.display = False

    async def _on_key(self, event: events.Key) -> None:
        """Alt+key: the Escape of an Escape-and-key burst (see the module's docstring)."""
        if event.key.startswith("alt+"):
            event.stop()
            event.prevent_default()  # Input's own handler would type the key's character
            self.action_cancel()

    def action_cancel(self) -> None:
        if self.session_id is not None:
            self.post_message(self.Done(self, self.session_id, None))

    async def action_submit(self) -> None:
        if self.session_id is not None:
            self.post_message(self.Done(self, self.session_id, self.value))

    def on_blur(self, event: events.Blur) -> None:
        """Focus left (a click elsewhere, the command palette): leave the title as it was."""
        if self.session_id is not None:
            self.post_message(self.Done(self, self.session_id, None))
