"""Message search results: one line per matching message, under the session list.

Each line shows the session's title, the message's role and time, and a snippet with the match
highlighted. Like the session list it is drawn with the Line API from plain inert strings:
snippets are text other programs wrote, never markup or terminal control.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import tzinfo
from typing import TYPE_CHECKING, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.highlights import fit_marked
from tui.keys import LIST_KEYS, RESULT_KEYS
from tui.rows import Row
from tui.text import Clock, fit, inert, relative_time, shown_title
from tui.widgets.scrolling import CursorKeys, list_css, set_virtual_height

if TYPE_CHECKING:
    from api.search import Hit

_SPACE = re.compile(r"\s")


@dataclass(frozen=True)
class Result:
    """A matching message and the row of its session (for the title)."""

    hit: Hit
    row: Row


def snippet_text(hit: Hit) -> tuple[str, list[tuple[int, int]]]:
    """The hit's snippet on one line (every whitespace character a space, so the match offsets
    still hold), inert, with the matches' spans."""
    text, spans = hit.snippet_spans()
    return inert(_SPACE.sub(" ", text)), spans


class MessageResults(CursorKeys, ScrollView, can_focus=True):
    """The matching messages, with a cursor; Enter opens the transcript at the message."""

    BINDINGS: ClassVar[list[BindingType]] = [
        key.binding() for key in LIST_KEYS + RESULT_KEYS
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "message-results--cursor",
        "message-results--meta",
        "message-results--match",
        "message-results--placeholder",
    }

    DEFAULT_CSS = """
    MessageResults {
    """ + list_css("message-results--cursor") + """
        & > .message-results--meta { color: $text-muted; }
        & > .message-results--match { color: $text-warning; text-style: bold underline; }
        & > .message-results--placeholder { color: $text-muted; text-style: italic; }
    }
    """

    class Opened(Message):
        """Enter (or a double click) on a result."""

        def __init__(self, result: Result) -> None:
            super().__init__()
            self.result = result

    def __init__(
        self, *, clock: Clock = time.time, tz: tzinfo | None = None, id: str | None = None
    ) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.tz = tz
        self.results: list[Result] = []
        self.cursor = 0
        self.placeholder = ""

    @property
    def highlighted(self) -> Result | None:
        if 0 <= self.cursor < len(self.results):
            return self.results[self.cursor]
        return None

    def set_results(self, results: list[Result], *, placeholder: str = "") -> None:
        """Show new results; the cursor stays on the same message when it is still there."""
        current = self.highlighted
        self.results = results
        self.placeholder = placeholder
        self.cursor = 0
        if current is not None:
            key = (current.hit.session_id, current.hit.message_index)
            for i, result in enumerate(results):
                if (result.hit.session_id, result.hit.message_index) == key:
                    self.cursor = i
                    break
        set_virtual_height(self, len(results))
        self.refresh()
        self.call_after_refresh(self.scroll_to_cursor)

    # ── cursor ──────────────────────────────────────────────────────────────

    @property
    def page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def move_to(self, index: int) -> None:
        if not self.results:
            return
        index = max(0, min(index, len(self.results) - 1))
        if index != self.cursor:
            self.refresh_line(self.cursor - round(self.scroll_y))
            self.cursor = index
            self.refresh_line(index - round(self.scroll_y))
        self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        top = round(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + self.page_rows:
            self.scroll_to(y=self.cursor - self.page_rows + 1, animate=False)

    def last_index(self) -> int:
        return len(self.results) - 1

    def action_open_result(self) -> None:
        result = self.highlighted
        if result is not None:
            self.post_message(self.Opened(result))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = round(self.scroll_y) + offset.y
        if 0 <= index < len(self.results):
            self.move_to(index)
            if event.chain >= 2:
                self.action_open_result()

    def on_resize(self, event: events.Resize) -> None:
        self.scroll_to_cursor()

    # ── drawing ─────────────────────────────────────────────────────────────

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        index = round(self.scroll_y) + y
        if not self.results:
            if y == 0 and self.placeholder:
                style = base + self._style("message-results--placeholder")
                return Strip([Segment(fit("  " + inert(self.placeholder), width), style)], width)
            return Strip.blank(width, base)
        if index >= len(self.results):
            return Strip.blank(width, base)
        result = self.results[index]
        same = index > 0 and self.results[index - 1].hit.session_id == result.hit.session_id
        return self._line(result, width, index == self.cursor, same)

    def _line(self, result: Result, width: int, selected: bool, same_session: bool) -> Strip:
        style = self.rich_style
        if selected:
            style += self._style("message-results--cursor")
        meta = style + self._style("message-results--meta", selected)
        match = self._style("message-results--match")
        title_w = max(12, min(36, width // 3))
        role_w, when_w = 9, 11
        snippet_w = max(1, width - title_w - role_w - when_w - 5)
        hit = result.hit
        title = shown_title(result.row["title"])
        stamp = "" if hit.timestamp is None else relative_time(hit.timestamp, self.clock(),
                                                                self.tz)
        text, spans = snippet_text(hit)
        segments = [
            Segment("  ", style),
            Segment(fit(title, title_w), meta if same_session else style),
            Segment(" " + fit(inert(hit.role) or "?", role_w) + " " + fit(stamp, when_w) + " ",
                    meta),
        ]
        segments += [Segment(piece, style + match if marked else style)
                     for piece, marked in fit_marked(text, spans, snippet_w)]
        return Strip(segments).adjust_cell_length(width, style).crop(0, width)

    def _style(self, component: str, selected: bool = False) -> Style:
        """A component's style with its color blended over the background (see
        `SessionList._style`); on the cursor's line the cursor's colors win."""
        partial = self.get_component_rich_style(component, partial=True)
        if selected:
            return partial.without_color
        return partial + Style(color=self.get_component_rich_style(component).color)
