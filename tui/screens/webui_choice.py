"""What to do with an edit a running Hermes WebUI could not make: the person chooses.

Writing the file behind the WebUI's back would look saved and then be undone the next time the
WebUI saves that session (while someone types in it in the browser, for one), so the app never
does it on its own. This panel says what happened and what to set, and offers: try the WebUI
again, write the file anyway (warned that the WebUI may undo it), or cancel (the row goes back).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Static

from tui.keys import WEBUI_CHOICE_KEYS, bindings
from tui.screens.dialog import Dialog

Choice = Literal["retry", "write", "cancel"]

WRITE_WARNING = (
    "Writing the file anyway saves the edit now, but Hermes WebUI may undo it the next time it "
    "saves this session (for example while someone types in it in the browser)."
)


class WebUIChoice(Dialog[Choice]):
    """`r` retry, `w` write the file anyway, Esc (or `c`) cancel."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(WEBUI_CHOICE_KEYS))

    DEFAULT_CSS = """
    WebUIChoice > #panel { width: 80; border: round $error; }
    WebUIChoice Static { width: 100%; margin-bottom: 1; }
    WebUIChoice #warning { color: $text-warning; }
    WebUIChoice #buttons { height: auto; align-horizontal: center; }
    WebUIChoice Button { margin: 0 1; }
    """

    def __init__(self, what: str, title: str, message: str) -> None:
        """`what`: the edit ("rename"); `title`: the session's; `message`: what happened."""
        super().__init__()
        self.what = what
        self.session_title = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="panel", classes="dialog-box") as panel:
            panel.border_title = "Not saved yet"
            yield Static(
                Text(f"Could not {self.what} “{self.session_title}” through Hermes WebUI.",
                     style="bold"),
                id="what",
            )
            yield Static(Text(self.message), id="message")
            yield Static(Text(WRITE_WARNING), id="warning")
            with Horizontal(id="buttons"):
                yield Button("Retry (r)", id="retry", variant="primary")
                yield Button("Write the file anyway (w)", id="write", variant="warning")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#retry", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_choose(event.button.id or "cancel")

    def action_choose(self, choice: str) -> None:
        if choice in ("retry", "write", "cancel"):
            self.dismiss(choice)
