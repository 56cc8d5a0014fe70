"""The help screen: every key, built from the same table as the bindings (`tui.keys`)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.keys import HELP_SECTIONS


def keys_table() -> Table:
    """Sections of (keys, what they do); plain `Text`, so nothing is read as markup."""
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right", no_wrap=True)
    table.add_column()
    first = True
    for section, keys in HELP_SECTIONS:
        if not first:
            table.add_row("", "")
        first = False
        table.add_row("", Text(section, style="bold underline"))
        for key in keys:
            table.add_row(Text(key.shown, style="bold"), Text(key.help))
    return table


class HelpScreen(ModalScreen[None]):
    """A modal panel listing every key; any of Esc, q or ? closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", key_display="Esc"),
    ]

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
        background: $background 60%;
    }
    HelpScreen > #panel {
        width: 100;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $primary;
        border-title-align: center;
        border-subtitle-align: center;
        background: $surface;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    HelpScreen #keys { width: 100%; height: auto; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="panel") as panel:
            panel.border_title = "Keys"
            panel.border_subtitle = "Esc to close"
            yield Static(keys_table(), id="keys")
