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
from tui.screens.dialog import DismissedOnce


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


#: Which way edits go, and why (see `tui.editing.route`).
WHERE_EDITS_GO = (
    "While a Hermes WebUI serves this store, every rename, pin, archive, undo and delete is sent "
    "through its HTTP API, and the status line says \"edits via Hermes WebUI at …\". The "
    "WebUI keeps the sessions it has opened in memory and saves from that copy (even while "
    "someone types in the browser), so an edit written only to the file would be undone. "
    "It is looked for where it listens ($HERMES_WEBUI_HOST:$HERMES_WEBUI_PORT, else "
    "127.0.0.1:8787, or the config file's webui_url, or --webui URL) at every edit, and used "
    "only once it proves it serves "
    "this very folder; otherwise, or with --no-webui, edits are written to the files. If it "
    "needs a password, set HERMES_WEBUI_PASSWORD; if it cannot make an edit, you choose: "
    "retry, write the file anyway (it may undo that), or cancel."
)


class HelpScreen(DismissedOnce[None], ModalScreen[None]):
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
    HelpScreen #edits { width: 100%; height: auto; margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="panel") as panel:
            panel.border_title = "Keys"
            panel.border_subtitle = "Esc to close"
            yield Static(keys_table(), id="keys")
            yield Static(Text.assemble(("Where edits go\n", "bold underline"), WHERE_EDITS_GO),
                         id="edits")
