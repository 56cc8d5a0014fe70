"""The session list: a virtualised table on Textual's Line API.

Stock `DataTable` and `OptionList` build an object per row and take seconds at 100,000
sessions. This widget keeps no per-session state at all: it draws from a `SessionRows` (a
sorted list of the store's row dicts), and `render_line` builds a `Strip` only for the lines on
screen. A cursor move refreshes two lines; scrolling refreshes one screenful. The cost of any
frame is what is visible, whatever the store holds.

Every cell is built from `Segment`s of plain strings passed through `inert()`: nothing from a
row is parsed as markup or reaches the terminal as a control sequence.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import tzinfo
from functools import lru_cache
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.keys import LIST_KEYS
from tui.rows import Row, SessionRows
from tui.text import Clock, fit, fit_left, fit_right, inert, relative_time, short_model

PIN_MARK = "★"
ARCHIVE_MARK = "⊖"


@dataclass(frozen=True)
class Columns:
    """Cell widths of each column for one widget width (0 = column hidden)."""

    width: int
    marker: int
    title: int
    when: int
    count: int
    model: int
    workspace: int


@lru_cache(maxsize=16)
def columns_for(width: int) -> Columns:
    """Share the width out: fixed columns first, the title takes the rest; on narrow
    terminals the workspace goes first, then the model narrows, so titles stay readable."""
    marker, when, count = 3, 11, 5
    for model, workspace in ((22, 28), (18, 20), (14, 14), (12, 0), (0, 0)):
        fixed = marker + (when + 1) + (count + 1)
        fixed += (model + 1) if model else 0
        fixed += (workspace + 1) if workspace else 0
        title = width - fixed - 1
        if title >= max(16, width // 3) or (model, workspace) == (0, 0):
            return Columns(width, marker, max(title, 1), when, count, model, workspace)
    raise AssertionError("unreachable")  # pragma: no cover


class SessionList(ScrollView, can_focus=True):
    """All sessions of a store, one line each, with a cursor. Line 0 is the column header."""

    BINDINGS: ClassVar[list[BindingType]] = [key.binding() for key in LIST_KEYS]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "session-list--header",
        "session-list--cursor",
        "session-list--pin",
        "session-list--archived",
        "session-list--meta",
        "session-list--placeholder",
    }

    DEFAULT_CSS = """
    SessionList {
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        background: $surface;
        color: $foreground;
        & > .session-list--header {
            text-style: bold;
            color: $text-muted;
            background: $panel;
        }
        & > .session-list--cursor {
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .session-list--cursor {
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }
        & > .session-list--pin { color: $warning; }
        & > .session-list--archived { color: $text-disabled; text-style: italic; }
        & > .session-list--meta { color: $text-muted; }
        & > .session-list--placeholder { color: $text-muted; text-style: italic; }
    }
    """

    def __init__(
        self,
        *,
        clock: Clock = time.time,
        tz: tzinfo | None = None,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.clock = clock
        self.tz = tz
        self.rows: SessionRows = SessionRows()
        self.cursor = 0
        self.placeholder = "Loading sessions…"

    # ── data ────────────────────────────────────────────────────────────────

    @property
    def highlighted(self) -> Row | None:
        """The row under the cursor, if any."""
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    def set_rows(self, rows: SessionRows, *, keep: str | None = None) -> None:
        """Show a new set of rows, the cursor on session `keep` when it is shown."""
        self.rows = rows
        self.rows_changed(keep=keep)

    def rows_changed(self, *, keep: str | None = None) -> None:
        """The rows were edited in place: resize, put the cursor back on session `keep` (it may
        have moved), or keep its position when that session has left the view."""
        index = self.rows.index_of(keep) if keep is not None else None
        self.virtual_size = Size(0, len(self.rows) + 1)
        self.cursor = index if index is not None else self._clamp(self.cursor)
        self.refresh()
        self.call_after_refresh(self.scroll_to_cursor)

    def _clamp(self, index: int) -> int:
        return max(0, min(index, len(self.rows) - 1))

    # ── cursor ──────────────────────────────────────────────────────────────

    @property
    def page_rows(self) -> int:
        """How many session lines fit on screen (the header takes one)."""
        return max(1, self.scrollable_content_region.height - 1)

    def move_to(self, index: int) -> None:
        """Put the cursor on row `index` (clamped) and scroll it into view."""
        if not len(self.rows):
            return
        index = self._clamp(index)
        if index != self.cursor:
            self.refresh_line(self.cursor + 1)
            self.cursor = index
            self.refresh_line(index + 1)
        self.scroll_to_cursor()

    def scroll_to_cursor(self) -> None:
        """Scroll the least that shows the cursor's line."""
        top = round(self.scroll_y)
        page = self.page_rows
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False)
        elif self.cursor >= top + page:
            self.scroll_to(y=self.cursor - page + 1, animate=False)

    def row_region(self, index: int) -> Region | None:
        """Where row `index` is on screen, or None when it is scrolled out of view."""
        line = index - round(self.scroll_y)
        if not 0 <= line < self.page_rows:
            return None
        region = self.scrollable_content_region
        return Region(region.x, region.y + 1 + line, region.width, 1)

    def title_region(self, index: int) -> Region | None:
        """The screen region of row `index`'s title cell (where the rename editor opens)."""
        row = self.row_region(index)
        if row is None:
            return None
        cols = columns_for(row.width)
        return Region(row.x + cols.marker, row.y, cols.title + 1, 1)

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_to(self.cursor - self.page_rows)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + self.page_rows)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.rows) - 1)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        index = round(self.scroll_y) + offset.y - 1
        if 0 <= index < len(self.rows):
            self.move_to(index)

    class Resized(Message):
        """The list's size changed (so did its columns): whatever sits over a row moves."""

    def on_resize(self, event: events.Resize) -> None:
        self.scroll_to_cursor()
        self.post_message(self.Resized())

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.call_after_refresh(self._cursor_into_view)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.call_after_refresh(self._cursor_into_view)

    def _cursor_into_view(self) -> None:
        """The wheel scrolled (run after the scroll is applied): carry the cursor along when it
        would leave the screen, so the next key moves from what the user is looking at."""
        if not len(self.rows):
            return
        top = round(self.scroll_y)
        inside = max(top, min(self.cursor, top + self.page_rows - 1))
        if inside != self.cursor:
            self.refresh_line(self.cursor + 1)
            self.cursor = self._clamp(inside)
            self.refresh_line(self.cursor + 1)

    # ── drawing ─────────────────────────────────────────────────────────────

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._header(width)
        index = round(self.scroll_y) + y - 1
        if not len(self.rows):
            if y == 2:
                style = base + self.get_component_rich_style("session-list--placeholder")
                return Strip([Segment(fit("  " + inert(self.placeholder), width), style)], width)
            return Strip.blank(width, base)
        if index >= len(self.rows):
            return Strip.blank(width, base)
        return self._row(self.rows[index], width, index == self.cursor)

    def _header(self, width: int) -> Strip:
        cols = columns_for(width)
        style = self.rich_style + self.get_component_rich_style("session-list--header")
        text = " " * cols.marker + fit("Title", cols.title) + " " + fit("Last active", cols.when)
        text += " " + fit_right("Msgs", cols.count)
        if cols.model:
            text += " " + fit("Model", cols.model)
        if cols.workspace:
            text += " " + fit("Workspace", cols.workspace)
        return Strip([Segment(fit(text, width), style)], width)

    def _row(self, row: Row, width: int, selected: bool) -> Strip:
        cols = columns_for(width)
        style = self.rich_style
        if selected:
            style += self.get_component_rich_style("session-list--cursor")
        archived = row["archived"]
        main = style + self._style("session-list--archived") if archived else style
        meta = main + self._style("session-list--meta")
        marker = (PIN_MARK if row["pinned"] else " ") + (ARCHIVE_MARK if archived else " ") + " "
        segments = [
            Segment(marker, style + self._style("session-list--pin")),
            Segment(fit(inert(row["title"]), cols.title), main),
            Segment(" " + fit(relative_time(row["updated_at"], self.clock(), self.tz), cols.when)
                    + " " + fit_right(str(row["message_count"]), cols.count), meta),
        ]
        used = cols.marker + cols.title + cols.when + cols.count + 2
        if cols.model:
            segments.append(Segment(" " + short_model(inert(row["model"]), cols.model), meta))
            used += cols.model + 1
        if cols.workspace:
            segments.append(Segment(" " + fit_left(inert(row["workspace"]), cols.workspace), meta))
            used += cols.workspace + 1
        if used < width:
            segments.append(Segment(" " * (width - used), style))
        elif used > width:  # narrower than the fixed columns: cut, never overflow
            return Strip(segments, used).crop(0, width)
        return Strip(segments, width)

    def _style(self, component: str) -> Style:
        """A component's own style, to lay over the line's base style."""
        return self.get_component_rich_style(component, partial=True)
