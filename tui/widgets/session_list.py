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
from bisect import bisect_right
from collections.abc import Mapping
from datetime import tzinfo
from functools import lru_cache
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.color import ColorParseError
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.geometry import Region
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.highlights import Pieces, fit_left_marked, fit_marked
from tui.keys import LIST_KEYS
from tui.query import find_spans
from tui.rows import Group, Row, SessionRows
from tui.text import Clock, fit, fit_right, inert, relative_time, shown_title
from tui.widgets.scrolling import CursorKeys, list_css, set_virtual_height
from tui.widgets.session_columns import Columns, columns_for
from tui.widgets.usage_cells import usage_cells, usage_header

PIN_MARK = "★"
ARCHIVE_MARK = "⊖"
#: Drawn in the marker column of a marked session (space marks, see `tui.bulk`).
SELECT_MARK = "●"
SORT_MARK = "▾"


@lru_cache(maxsize=256)
def _color_style(color: str | None) -> Style:
    if not color:
        return Style()
    try:
        return Style(color=color)
    except ColorParseError:
        return Style()


class SessionList(CursorKeys, ScrollView, can_focus=True):
    """All sessions of a store, one line each, with a cursor. Line 0 is the column header
    (it stays put); below it, in a time order, group headings (Pinned, Today, ...) sit
    between the rows. The cursor is a row index and never lands on a heading."""

    BINDINGS: ClassVar[list[BindingType]] = [key.binding() for key in LIST_KEYS]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "session-list--header",
        "session-list--cursor",
        "session-list--pin",
        "session-list--archived",
        "session-list--meta",
        "session-list--placeholder",
        "session-list--group",
        "session-list--match",
        "session-list--marked",
    }

    DEFAULT_CSS = """
    SessionList {
    """ + list_css("session-list--cursor") + """
        color: $foreground;
        & > .session-list--header {
            text-style: bold;
            color: $text-muted;
            background: $panel;
        }
        & > .session-list--pin { color: $warning; }
        & > .session-list--archived { color: $text-disabled; text-style: italic; }
        & > .session-list--meta { color: $text-muted; }
        & > .session-list--placeholder { color: $text-muted; text-style: italic; }
        & > .session-list--group { color: $text-accent; text-style: bold; }
        & > .session-list--match { color: $text-warning; text-style: bold underline; }
        & > .session-list--marked { color: $text-accent; text-style: bold; }
    }
    """

    def __init__(
        self, *, clock: Clock = time.time, tz: tzinfo | None = None, **options: Any
    ) -> None:
        """`clock` and `tz` decide what "3 min ago" means; `options` are the widget's own
        (`id`, `classes`...)."""
        super().__init__(**options)
        self.clock, self.tz = clock, tz
        self.rows: SessionRows = SessionRows()
        self.cursor = 0
        self.placeholder = "Loading sessions…"
        #: project_id -> api.projects.Project (name, color), from projects.json
        self.projects: Mapping[str, Any] = {}
        self.groups: list[Group] = []
        self._group_starts: list[int] = []  # first row of each group
        self._group_lines: list[int] = []  # the line each group's heading is on
        #: Ids of the marked sessions (kept by id: they survive reloads).
        self.marked: set[str] = set()
        #: The usage columns shown ("tokens", "cost"), toggled with `c`.
        self.usage: tuple[str, ...] = ()

    # ── data ────────────────────────────────────────────────────────────────

    @property
    def highlighted(self) -> Row | None:
        """The row under the cursor, if any."""
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor]
        return None

    def set_rows(self, rows: SessionRows, *, keep: str | None = None, anchor: bool = False) -> None:
        """Show a new set of rows, the cursor on session `keep` when it is shown. With
        `anchor`, the cursor's line also stays where it was on screen (a live reload: rows
        appearing above it must not make the list jump)."""
        offset = self.line_of(self.cursor) - round(self.scroll_y) if anchor else None
        self.rows = rows
        self.rows_changed(keep=keep, offset=offset)

    def rows_changed(self, *, keep: str | None = None, offset: int | None = None) -> None:
        """The rows were edited in place: resize, put the cursor back on session `keep` (it may
        have moved), or keep its position when that session has left the view."""
        index = self.rows.index_of(keep) if keep is not None else None
        self._regroup()
        set_virtual_height(self, self.line_count + 1)
        self.cursor = index if index is not None else self._clamp(self.cursor)
        self.refresh()
        if offset is not None and index is not None:
            target = max(0, self.line_of(index) - offset)
            self.scroll_to(y=target, animate=False, immediate=True)
        self.call_after_refresh(self.scroll_to_cursor)

    def _regroup(self) -> None:
        self.groups = self.rows.groups(self.clock(), self.tz)
        self._group_starts = [group.start for group in self.groups]
        self._group_lines = [group.start + k for k, group in enumerate(self.groups)]

    def tick(self) -> None:
        """The clock moved on: relative times and (past midnight) the groups change."""
        groups = self.rows.groups(self.clock(), self.tz)
        if groups != self.groups:
            self.rows_changed(keep=None if self.highlighted is None
                              else self.highlighted["session_id"])
        else:
            self.refresh()

    def _clamp(self, index: int) -> int:
        return max(0, min(index, len(self.rows) - 1))

    # ── lines: rows and group headings ──────────────────────────────────────

    @property
    def line_count(self) -> int:
        return len(self.rows) + len(self.groups)

    def line_of(self, index: int) -> int:
        """The content line (0 = first line under the column header) of row `index`."""
        return index + bisect_right(self._group_starts, index)

    def item_at(self, line: int) -> tuple[Group | None, int | None]:
        """What content line `line` holds: (a group heading, None) or (None, a row index)."""
        k = bisect_right(self._group_lines, line)
        if k and self._group_lines[k - 1] == line:
            return self.groups[k - 1], None
        index = line - k
        return None, (index if 0 <= index < len(self.rows) else None)

    # ── cursor ──────────────────────────────────────────────────────────────

    @property
    def page_rows(self) -> int:
        """How many lines fit on screen below the column header."""
        return max(1, self.scrollable_content_region.height - 1)

    def move_to(self, index: int) -> None:
        """Put the cursor on row `index` (clamped) and scroll it into view."""
        if not len(self.rows):
            return
        index = self._clamp(index)
        if index != self.cursor:
            self._refresh_row(self.cursor)
            self.cursor = index
            self._refresh_row(index)
        self.scroll_to_cursor()

    def _refresh_row(self, index: int) -> None:
        line = self.line_of(index) - round(self.scroll_y)
        if 0 <= line < self.page_rows:
            self.refresh_line(line + 1)

    def scroll_to_cursor(self) -> None:
        """Scroll the least that shows the cursor's line (and its group's heading, when the
        cursor is on the group's first row)."""
        top = round(self.scroll_y)
        page = self.page_rows
        line = self.line_of(self.cursor)
        first = line - 1 if self.cursor in self._group_starts else line
        if first < top:
            self.scroll_to(y=first, animate=False)
        elif line >= top + page:
            self.scroll_to(y=line - page + 1, animate=False)

    def row_region(self, index: int) -> Region | None:
        """Where row `index` is on screen, or None when it is scrolled out of view."""
        line = self.line_of(index) - round(self.scroll_y)
        if not 0 <= line < self.page_rows:
            return None
        region = self.scrollable_content_region
        return Region(region.x, region.y + 1 + line, region.width, 1)

    def title_region(self, index: int) -> Region | None:
        """The screen region of row `index`'s title cell (where the rename editor opens)."""
        row = self.row_region(index)
        if row is None:
            return None
        cols = self.columns(row.width)
        return Region(row.x + cols.marker, row.y, cols.title + 1, 1)

    def columns(self, width: int) -> Columns:
        return columns_for(width, bool(self.projects), self.usage)

    def last_index(self) -> int:
        return len(self.rows) - 1

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y == 0:
            return
        _, index = self.item_at(round(self.scroll_y) + offset.y - 1)
        if index is not None:
            self.move_to(index)
            if event.chain >= 2:
                self.post_message(self.Opened(self.rows[index]["session_id"]))

    class Opened(Message):
        """A double click on a session."""

        def __init__(self, session_id: str) -> None:
            super().__init__()
            self.session_id = session_id

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
        bottom = top + self.page_rows - 1
        line = self.line_of(self.cursor)
        if line < top:
            _, index = self.item_at(top)
            target = index if index is not None else self.item_at(top + 1)[1]
        elif line > bottom:
            _, index = self.item_at(bottom)
            target = index if index is not None else self.item_at(bottom - 1)[1]
        else:
            return
        if target is not None and target != self.cursor:
            self._refresh_row(self.cursor)
            self.cursor = self._clamp(target)
            self._refresh_row(self.cursor)

    # ── drawing ─────────────────────────────────────────────────────────────

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        if y == 0:
            return self._header(width)
        if not len(self.rows):
            if y == 2:
                style = base + self.get_component_rich_style("session-list--placeholder")
                return Strip([Segment(fit("  " + inert(self.placeholder), width), style)], width)
            return Strip.blank(width, base)
        group, index = self.item_at(round(self.scroll_y) + y - 1)
        if group is not None:
            return self._group(group, width)
        if index is None:
            return Strip.blank(width, base)
        return self._row(self.rows[index], width, index == self.cursor)

    def _header(self, width: int) -> Strip:
        cols = self.columns(width)
        order = self.rows.order
        style = self.rich_style + self.get_component_rich_style("session-list--header")

        def label(text: str, sorted_on: bool, width: int) -> str:
            """A heading, marked when the list is sorted on it (and the mark fits)."""
            marked = text + SORT_MARK
            return marked if sorted_on and cell_len(marked) <= width else text

        text = " " * cols.marker + fit(label("Title", order.name == "title", cols.title),
                                       cols.title)
        if cols.project:
            text += " " + fit("Project", cols.project)
        text += " " + fit(label(order.column, order.grouped, cols.when), cols.when)
        text += " " + fit_right(label("Msgs", order.name == "messages", cols.count), cols.count)
        text += usage_header(cols, order.name, label)
        if cols.model:
            text += " " + fit("Model", cols.model)
        if cols.workspace:
            text += " " + fit("Workspace", cols.workspace)
        return Strip([Segment(fit(text, width), style)], width)

    def _group(self, group: Group, width: int) -> Strip:
        style = self.rich_style + self.get_component_rich_style("session-list--group")
        meta = self.rich_style + self.get_component_rich_style("session-list--meta")
        label = f" {group.label} "
        count = f" {group.end - group.start:,} "
        rule = max(0, width - 2 - cell_len(label) - cell_len(count))
        segments = [Segment("──", meta), Segment(label, style),
                    Segment("─" * rule, meta), Segment(count, meta)]
        return Strip(segments, width).crop(0, width)

    def _pieces(self, pieces: Pieces, style: Style, match: Style) -> list[Segment]:
        return [Segment(text, style + match if marked else style) for text, marked in pieces]

    def _row(self, row: Row, width: int, selected: bool) -> Strip:
        cols = self.columns(width)
        query = self.rows.query
        style = self.rich_style
        if selected:
            style += self.get_component_rich_style("session-list--cursor")
        archived = row["archived"]
        dim = self._style("session-list--archived", selected) if archived else None
        main = style + dim if dim else style
        meta = style + self._style("session-list--meta", selected)
        if dim:
            meta += dim  # an archived row is dimmed all along
        match = self._style("session-list--match")
        marker = (PIN_MARK if row["pinned"] else " ") + (ARCHIVE_MARK if archived else " ") + " "
        title = shown_title(row["title"])
        segments = [Segment(marker, style + self._style("session-list--pin"))]
        if row["session_id"] in self.marked:  # the marker's last cell: one set lookup a line
            segments = [Segment(marker[:2], segments[0].style),
                        Segment(SELECT_MARK, style + self._style("session-list--marked"))]
            main += self._style("session-list--marked", selected)
        segments += self._pieces(
            fit_marked(title, find_spans(title, query.words), cols.title), main, match
        )
        used = cols.marker + cols.title
        if cols.project:
            segments.append(Segment(" ", meta))
            segments += self._project_cell(row, cols.project, meta, match)
            used += cols.project + 1
        stamp = row.get(self.rows.order.time_field)
        if not isinstance(stamp, int | float):
            stamp = row["updated_at"]
        segments.append(Segment(
            " " + fit(relative_time(stamp, self.clock(), self.tz), cols.when)
            + " " + fit_right(str(row["message_count"]), cols.count), meta))
        used += cols.when + cols.count + 2
        if cols.tokens or cols.cost:
            cells = usage_cells(row, cols)
            segments.append(Segment(cells, meta))
            used += len(cells)
        if cols.model:
            model = inert(row["model"])
            if cell_len(model) > cols.model and "/" in model:
                model = model.rsplit("/", 1)[1]  # the provider prefix goes first
            spans = find_spans(model, query.words + query.values("model"))
            segments.append(Segment(" ", meta))
            segments += self._pieces(fit_marked(model, spans, cols.model), meta, match)
            used += cols.model + 1
        if cols.workspace:
            workspace = inert(row["workspace"])
            spans = find_spans(workspace, query.words + query.values("workspace"))
            segments.append(Segment(" ", meta))
            segments += self._pieces(fit_left_marked(workspace, spans, cols.workspace), meta, match)
            used += cols.workspace + 1
        if used < width:
            segments.append(Segment(" " * (width - used), style))
        elif used > width:  # narrower than the fixed columns: cut, never overflow
            return Strip(segments, used).crop(0, width)
        return Strip(segments, width)

    def _project_cell(self, row: Row, width: int, meta: Style, match: Style) -> list[Segment]:
        pid = row.get("project_id")
        if not pid:
            return [Segment(" " * width, meta)]
        project = self.projects.get(pid)
        name = inert(project.name if project is not None else str(pid))
        color = _color_style(project.color if project is not None else None)
        spans = find_spans(name, self.rows.query.values("project"))
        return self._pieces(fit_marked(name, spans, width), meta + color, match)

    def _style(self, component: str, selected: bool = False) -> Style:
        """A component's own style, to lay over the line's base style. Its color comes from
        the full style, blended over the list's background (a partial style cannot resolve
        the transparency of $text-muted or $text-disabled, and would draw them at full
        strength); on the cursor's line the cursor's colors win."""
        partial = self.get_component_rich_style(component, partial=True)
        if selected:
            return partial.without_color
        return partial + Style(color=self.get_component_rich_style(component).color)
