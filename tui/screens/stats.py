"""The statistics screen (`S`): what the sessions the list shows now add up to.

Computed in a thread worker from the index rows alone (`api.stats.compute`: one pass, never a
session file), the screen saying "computing…" meanwhile; Esc goes back.

Drawn with Textual's own `Sparkline` (sessions and messages per day) and `Digits` (totals),
not a plotting library (textual-plotext and the like): the charts wanted here are a daily
series and ranked bars, which a sparkline and lines of block characters show at any terminal
width, take the theme's colours, draw in a millisecond, and add no dependency to keep up.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Digits, Footer, Sparkline, Static

from api.stats import Stats, compute, format_cost, format_tokens
from tui.keys import STATS_KEYS, bindings
from tui.messages import StatsReady
from tui.rows import Row
from tui.screens.dialog import DismissedOnce
from tui.text import inert

#: Under this width the totals are one line of text, not big digits.
DIGITS_WIDTH = 90


class StatsScreen(DismissedOnce[None]):
    """Figures of `rows` (the list's current view), as of `now`."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(STATS_KEYS))
    DEFAULT_CSS = """
    StatsScreen {
        & #stats-title { background: $panel; color: $text; text-style: bold; padding: 0 1; }
        & #stats-body { padding: 0 1; }
        & .stats-heading { color: $text-accent; text-style: bold; margin-top: 1; }
        & .stats-note { color: $text-muted; }
        & Sparkline { height: 3; margin: 0 2; }
        & #stats-digits { height: auto; }
        & #stats-digits > Vertical { width: 1fr; height: auto; }
        & Digits { color: $text-accent; }
        & .stats-bars { color: $text; }
    }
    """

    def __init__(self, rows: Sequence[Row], *, now: float, tz: tzinfo | None,
                 project_names: Mapping[str, str], what: str) -> None:
        """`what` says which sessions these are ("42 shown, filtered by “foo”")."""
        super().__init__()
        self.rows, self.now, self.tz = rows, now, tz
        self.project_names, self.what = project_names, what
        self.stats: Stats | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Statistics · {inert(self.what)}"), id="stats-title")
        with VerticalScroll(id="stats-body"):
            yield Static("computing…", id="stats-status", classes="stats-note")
        yield Footer()

    def on_mount(self) -> None:
        self._compute()

    @work(thread=True, group="stats", exit_on_error=False)
    def _compute(self) -> None:
        try:
            stats = compute(self.rows, now=self.now, tz=self.tz,
                            project_names=self.project_names)
        except Exception as exc:  # said on screen: a figure must never crash the app
            self.post_message(StatsReady(None, exc))
        else:
            self.post_message(StatsReady(stats, None))

    @on(StatsReady)
    async def _ready(self, message: StatsReady) -> None:
        body = self.query_one("#stats-body", VerticalScroll)
        status = self.query_one("#stats-status", Static)
        if message.stats is None:
            status.update(Content(f"Could not compute the figures: {message.error}"))
            return
        self.stats = stats = message.stats
        await status.remove()
        await body.mount_all(self._widgets(stats))

    def _widgets(self, stats: Stats) -> list[Static | Sparkline | Horizontal]:
        from tui.screens.stats_view import bars, busiest, day_range, totals_line

        width = max(40, self.app.size.width - 4)
        widgets: list[Static | Sparkline | Horizontal] = []
        totals = stats.totals
        if self.app.size.width >= DIGITS_WIDTH:
            figures = [("sessions", f"{totals.sessions}"),
                       ("tokens", format_tokens(totals.tokens) or "-"),
                       ("estimated cost", format_cost(totals.cost) or "-")]
            widgets.append(Horizontal(
                *(Vertical(Static(label, classes="stats-note"), Digits(value))
                  for label, value in figures), id="stats-digits"))
        widgets.append(Static(Content(totals_line(stats)), classes="stats-note"))
        head = "stats-heading"
        widgets += [
            Static(f"Sessions per day · {day_range(stats)}", classes=head),
            Sparkline([d.sessions for d in stats.days], summary_function=max,
                      id="sessions-per-day"),
            Static("Messages per day", classes=head),
            Sparkline([d.messages for d in stats.days], summary_function=max,
                      id="messages-per-day"),
        ]
        # The tables are one widget: each widget mounted costs more than its text.
        parts: list[str | tuple[str, str]] = []
        for title, text in (
            ("model", bars(stats.by_model, width)), ("project", bars(stats.by_project, width)),
            ("workspace", bars(stats.by_workspace, width)), ("", busiest(stats.busiest)),
        ):
            heading = f"Tokens and cost by {title}" if title else "Busiest days"
            parts += ["\n", (heading, "bold $text-accent"), "\n", text, "\n"]
        widgets.append(Static(Content.assemble(*parts), classes="stats-bars"))
        return widgets

    def action_back(self) -> None:
        self.dismiss(None)
