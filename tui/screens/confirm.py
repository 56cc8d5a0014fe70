"""A yes/no question before something that loses a session from the list (a delete, a delete
for good): it names what goes, so a slip of a key never deletes the wrong thing."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, Static

from tui.keys import CONFIRM_KEYS, bindings
from tui.screens.dialog import Dialog
from tui.text import inert


class ConfirmScreen(Dialog[bool]):
    """Dismissed with True (y, Enter) or False (n, Esc)."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(CONFIRM_KEYS))

    DEFAULT_CSS = """
    ConfirmScreen > #confirm { border: round $error; padding: 1 2; }
    ConfirmScreen #question { width: 100%; }
    """

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self.title_text, self.question = title, question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm", classes="dialog-box") as box:
            box.border_title = self.title_text
            yield Static(Content(inert(self.question)), id="question")
        yield Footer()

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)


def naming(titles: list[str]) -> str:
    """What goes, for a question: the title of one session, else how many."""
    if len(titles) == 1:
        return f"“{titles[0]}”"
    return f"{len(titles):,} sessions"
