"""The status line: the store's path on the left, the counts on the right.

One widget that lays out its own two parts, so a change of the counts (every keystroke of the
search line changes how many sessions are shown) repaints one line instead of making Textual
lay out the whole screen again, which an auto-width widget would.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from tui.text import fit, inert


class StatusLine(Widget):
    COMPONENT_CLASSES: ClassVar[set[str]] = {"status-line--path", "status-line--counts"}

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        background: $panel;
        color: $foreground;
        & > .status-line--path { text-style: bold; }
        & > .status-line--counts { color: $text-muted; }
    }
    """

    #: Left: what is browsed (the store path). Right: the counts. Repaint only, no layout.
    left: reactive[str] = reactive("", layout=False)
    right: reactive[str] = reactive("", layout=False)

    def __init__(self, left: str, right: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.set_reactive(StatusLine.left, inert(left))
        self.set_reactive(StatusLine.right, inert(right))

    def update(self, right: str) -> None:
        self.right = inert(right)

    def render(self) -> Text:
        width = self.size.width
        right = f" {self.right} "
        room = max(0, width - cell_len(right))
        left = fit(f" {self.left}", room) if room else ""
        path = self.get_component_rich_style("status-line--path", partial=True)
        # The full style's color: $text-muted blended over the panel (see SessionList._style).
        counts = Style(color=self.get_component_rich_style("status-line--counts").color)
        return Text.assemble((left, path), (right, counts), no_wrap=True, end="")

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()
