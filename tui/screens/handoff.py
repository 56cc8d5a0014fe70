"""The small dialogs of handing a session on: what `y` copies (a menu), and the WebUI link
`o` could not open in a browser (shown read-only, so it can be selected and copied)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tui.handoff import COPY_KINDS
from tui.keys import DIALOG_KEYS, bindings
from tui.screens.dialog import Dialog
from tui.text import inert

DIALOG_CSS = """
    & > .dialog-box {
        width: 72; border: round $accent; background: $panel; border-subtitle-color: $text-muted;
    }
"""


class CopyMenu(Dialog[str | None]):
    """`y`: choose what to copy; dismissed with the kind (`tui.handoff.COPY_KINDS`) or None."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(DIALOG_KEYS))
    DEFAULT_CSS = "CopyMenu {" + DIALOG_CSS + """
        & OptionList, & OptionList:focus { height: auto; border: none; background: $panel; }
    }"""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.session_title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box") as panel:
            panel.border_title = Content(f"Copy from “{inert(self.session_title)}”")
            panel.border_subtitle = "Enter copies · Esc closes"
            yield OptionList(*(Option(label, id=kind) for kind, label in COPY_KINDS))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)


class LinkDialog(Dialog[None]):
    """`o` where no browser could be started: why, and the link to select and copy."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(DIALOG_KEYS))
    DEFAULT_CSS = "LinkDialog {" + DIALOG_CSS + """
        & TextArea { height: 3; }
        & Static { margin-bottom: 1; }
    }"""

    def __init__(self, url: str, message: str) -> None:
        super().__init__()
        self.url, self.message = url, message

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box") as panel:
            panel.border_title = "Open in Hermes WebUI"
            panel.border_subtitle = "select the link to copy it · Esc closes"
            reason = self.message.removesuffix(f": open {self.url}")
            yield Static(Content(inert(f"{reason}. Open this link where you have one:")))
            yield TextArea(self.url, read_only=True, soft_wrap=True, show_cursor=False,
                           id="link")

    def action_close(self) -> None:
        self.dismiss(None)
