"""The progress of a long batch edit, over the list: a bar and Esc to cancel.

Cancelling stops the batch between two sessions; the store writes what was done (and its
index) before it returns, so the list shows exactly that."""

from __future__ import annotations

import threading
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, ProgressBar, Static

from tui.keys import PROGRESS_KEYS, bindings
from tui.screens.dialog import Dialog
from tui.text import inert


class ProgressScreen(Dialog[None]):
    """Shows `done` of `total`; Esc sets `cancel`, which the batch's worker checks."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(PROGRESS_KEYS))

    DEFAULT_CSS = """
    ProgressScreen { background: $background 40%; }
    ProgressScreen > #progress-box { padding: 1 2; }
    ProgressScreen ProgressBar { width: 100%; }
    """

    def __init__(self, what: str, total: int, cancel: threading.Event) -> None:
        super().__init__()
        self.what, self.total, self.cancel = what, total, cancel
        self.bar = ProgressBar(total=total, show_eta=False, id="bar")

    def compose(self) -> ComposeResult:
        with Vertical(id="progress-box", classes="dialog-box") as box:
            box.border_title = "Working"
            yield Static(Content(inert(f"{self.what}: {self.total:,} sessions")), id="what")
            yield self.bar
        yield Footer()

    def advance(self, done: int) -> None:
        self.bar.update(progress=done)

    def action_cancel(self) -> None:
        """Esc: stop after the session being written now."""
        if not self.cancel.is_set():
            self.cancel.set()
            self.query_one("#what", Static).update("Cancelling… (what is done stays done)")
