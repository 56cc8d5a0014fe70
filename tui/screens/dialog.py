"""The bases of the screens the app pushes: dismissed once however keys burst, and for the
small dialogs a box centred over the screen under them.

Why: over a slow SSH link or with a fast keyboard, `Enter Enter` or `Esc Esc` (or a worker's
result landing just after `Esc`) dismisses a screen twice; Textual then pops the screen *under*
it (the main screen too: "No screens on stack"), or sets its result future a second time
(`InvalidStateError`), and the app dies. The monkey test (tests/tui/test_monkey.py) found all
three. The command palette has the same guard (`tui.widgets.command_palette`).
"""

from __future__ import annotations

from typing import Any, TypeVar

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen, Screen

ResultType = TypeVar("ResultType")


class DismissedOnce(Screen[ResultType]):
    """A screen whose second `dismiss` (it is no longer on top) does nothing."""

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if not self.is_active:  # dismissed already: popping again would pop another screen
            return AwaitComplete.nothing()
        return super().dismiss(result)


class Dialog(DismissedOnce[ResultType], ModalScreen[ResultType]):
    """A modal screen whose box (the container with class `dialog-box`) is centred; a
    subclass sets its own width and border colour, and yields that box from `compose`."""

    DEFAULT_CSS = """
    Dialog {
        align: center middle;
        background: $background 60%;
    }
    Dialog > .dialog-box {
        width: 64;
        max-width: 100%;
        height: auto;
        max-height: 80%;
        border: round $primary;
        border-title-align: center;
        background: $surface;
        padding: 0 1;
    }
    """
