"""The statistics screen (`S`): what the sessions the list shows now add up to.

Computed in a thread worker from the index rows alone (`api.stats.compute`: one pass, never a
session file), the screen saying "computing…" meanwhile; Esc goes back.

Drawn as one piece of text in one line-by-line widget (`stats_view.figures` shown by
`stats_figures.Figures`): big digits as Textual's `Digits` draws them, sessions and messages
per day as its `Sparkline` draws them, and lines of block characters for the ranked bars. Not
a plotting library (textual-plotext and the like): the charts wanted here are a daily series
and ranked bars, which a sparkline and block characters show at any terminal width in the
theme's colours, and they add no dependency to keep up. Not a widget per figure either:
mounting a dozen widgets cost more than computing the figures of 100,000 sessions
(`bench/stats_screen.py`). The key line is one `Static` for the same reason: Textual's
`Footer` mounts a widget per key, again each time the bindings change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import tzinfo
from typing import ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from api.stats import Stats, compute
from tui.keys import STATS_KEYS, bindings
from tui.messages import StatsReady
from tui.rows import Row
from tui.screens.dialog import DismissedOnce
from tui.screens.stats_figures import Figures
from tui.screens.stats_view import figures
from tui.text import inert

#: Fewest cells the figures are laid out in (in a narrower terminal their lines wrap).
MIN_WIDTH = 40
#: How a footer shows a key.
KEY = "bold $footer-key-foreground"


class StatsScreen(DismissedOnce[None]):
    """Figures of `rows` (the list's current view), as of `now`."""

    BINDINGS: ClassVar[list[BindingType]] = list(bindings(STATS_KEYS))
    DEFAULT_CSS = """
    StatsScreen {
        & #stats-title { background: $panel; color: $text; text-style: bold; padding: 0 1; }
        & #stats-body { padding: 0 1; }
        & #stats-keys {
            dock: bottom; height: 1; width: 1fr; text-wrap: nowrap; text-overflow: ellipsis;
            background: $footer-background; color: $footer-description-foreground;
        }
    }
    """

    def __init__(self, rows: Sequence[Row], *, now: float, tz: tzinfo | None,
                 project_names: Mapping[str, str], what: str) -> None:
        """`what` says which sessions these are ("42 shown, filtered by “foo”")."""
        super().__init__()
        self.rows, self.now, self.tz = rows, now, tz
        self.project_names, self.what = project_names, what
        self.stats: Stats | None = None
        self._drawn: tuple[int, str] | None = None  # (width, muted colour) of what is shown
        self._keys_width = 0  # the width the key line was laid out for

    def compose(self) -> ComposeResult:
        yield Static(Content(f"Statistics · {inert(self.what)}"), id="stats-title")
        with VerticalScroll(id="stats-body"):
            yield Figures(Content.styled("computing…", "dim"), id="stats-figures")
        yield Static(id="stats-keys")

    def on_mount(self) -> None:
        self._compute()
        self._show_keys(self.app.size.width)
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self._draw())

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
    def _ready(self, message: StatsReady) -> None:
        if message.stats is None:
            self.query_one(Figures).update(
                Content(f"Could not compute the figures: {message.error}"))
            return
        self.stats = message.stats
        self._draw()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._keys_width:
            self._show_keys(event.size.width)
        self._draw()

    def _draw(self) -> None:
        """The figures laid out for the screen's width and coloured for the theme (again when
        either changes)."""
        widget = self.query_one(Figures)
        width = max(MIN_WIDTH, self.app.size.width - 4)  # the body's padding and scrollbar
        drawn = (width, widget.note_style())
        if self.stats is None or drawn == self._drawn:
            return
        self._drawn = drawn
        widget.update(figures(self.stats, width, note=drawn[1]))

    def _show_keys(self, width: int) -> None:
        """The screen's keys as a footer shows them (keymap overrides included), the command
        palette's at the right."""
        self._keys_width = width
        parts: list[str | tuple[str, str]] = []
        seen: set[str] = set()
        active = self.active_bindings
        for _node, binding, enabled, _tooltip in active.values():
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            parts += [" ", (self.app.get_key_display(binding), KEY), f" {binding.description} "]
        keys = Content.assemble(*parts)
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if palette is not None:
            binding = palette[1]
            right = Content.assemble("▏", (self.app.get_key_display(binding), KEY),
                                     f" {binding.description} ")
            gap = width - keys.cell_length - right.cell_length
            keys = Content.assemble(keys, " " * max(1, gap), right)
        self.query_one("#stats-keys", Static).update(keys)

    def action_back(self) -> None:
        self.dismiss(None)
