"""The widget that shows the statistics screen's figures: one `Content` (`stats_view.figures`),
drawn line by line (Textual's Line API).

Not a `Static`: a `Static` renders text for selection, giving every run of one style a style
object of its own that records where it is on screen; the sparklines are a run per cell, and
at this size that was the largest cost of showing the screen (`bench/stats_screen.py`). Here
each line becomes a `Strip` once per layout, a style once per distinct style. Lines are laid
out to fit the width (`stats_view`), so they are cut, never wrapped.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.color import Color
from textual.content import Content
from textual.geometry import Size
from textual.strip import Strip
from textual.style import Style
from textual.widget import Widget


class Figures(Widget):
    """The figures. Its muted lines take their colour from a component class: `$text-muted`
    is an "auto" colour (a contrast of the background), which only the CSS can work out, not a
    style inside the text."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"figures--note"}
    DEFAULT_CSS = """
    Figures { width: auto; height: auto; }
    Figures > .figures--note { color: $text-muted; }
    """

    def __init__(self, content: Content, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._content = content
        self._lines = content.split("\n")
        self._strips: dict[int, Strip] = {}
        self._styles: dict[Style, RichStyle] = {}

    @property
    def content(self) -> Content:
        return self._content

    def update(self, content: Content) -> None:
        self._content = content
        self._lines = content.split("\n")
        self._strips.clear()
        self.refresh(layout=True)

    def note_style(self) -> str:
        """The muted colour as the theme has it now, for styles inside the text."""
        color = self.get_component_rich_style("figures--note").color
        return "" if color is None else Color.from_rich_color(color).hex

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()  # a new theme: the same text in other colours
        self._styles.clear()

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self._lines)

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return max((line.cell_length for line in self._lines), default=0)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        strip = self._strips.get(y)
        if strip is None:
            strip = self._strips[y] = self._strip(y)
        return strip.crop_extend(0, width, self.rich_style)

    def _strip(self, y: int) -> Strip:
        if y >= len(self._lines):
            return Strip.blank(0)
        base, styles = self.visual_style, self._styles
        segments = []
        for text, style in self._lines[y].render(base, end="", parse_style=self._get_style):
            rich = styles.get(style)
            if rich is None:
                rich = styles[style] = (base + style).rich_style
            segments.append(Segment(text, rich))
        return Strip(segments)
