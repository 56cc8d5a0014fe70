"""The transcript's keys and the scrolling they drive: a `ScrollView` over a `TranscriptLayout`,
with a cursor on an entry (a message, or one of its tool lines), and no drawing of its own
(`TranscriptView` draws).

Its scroll position is the view's top line. Everything that moves it goes through `_set_top`
(an exact line: the blocks on the way were measured) and `_fill` (no gap at the bottom); a
scroll by anything else (the wheel, the scrollbar) is made exact in `watch_scroll_y`, so
blocks whose estimated height was wrong never make the view jump.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.widgets.transcript_layout import Reveal, TranscriptLayout
from tui.widgets.transcript_lines import GUTTER
from tui.widgets.transcript_model import Entry

#: A scroll by more than this many screens is a jump (placed by estimate), not a walk.
WALK_PAGES = 3


class TranscriptKeys(ScrollView):
    """Moving through a transcript: the cursor keys, paging, messages, expanding tool lines."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("n,right_square_bracket", "next_message", "Next", key_display="n"),
        Binding(
            "N,left_square_bracket", "previous_message", "Previous", key_display="N", show=False
        ),
        Binding("enter,space", "toggle_entry", "Expand", key_display="↵"),
    ]

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        #: Where each block sits (heights, offsets, rendered lines).
        self.flow: TranscriptLayout[Strip] = TranscriptLayout(self._render_block)
        #: The entry under the cursor.
        self.cursor = 0
        self._adjusting = False  # setting scroll_y ourselves: the watcher must not walk
        self._pending: tuple[int, Reveal] | None = None  # (entry, how) to show once sized

    def _render_block(self, block: int) -> list[Strip]:
        """Render one content block at the flow's width (the subclass draws)."""
        raise NotImplementedError

    @property
    def entries(self) -> list[Entry]:
        return self.flow.entries

    @property
    def cursor_entry(self) -> Entry | None:
        entries = self.entries
        return entries[self.cursor] if 0 <= self.cursor < len(entries) else None

    @property
    def cursor_message(self) -> int | None:
        """The index (in the session's `messages`) of the message under the cursor."""
        entry = self.cursor_entry
        return entry.message if entry is not None else None

    @property
    def _content_width(self) -> int:
        return max(1, self.scrollable_content_region.width - GUTTER)

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height)

    # ── placing the view ────────────────────────────────────────────────────

    def _reflow(self, force: bool = False) -> None:
        """The width changed (or a new transcript): re-estimate every height, keep the top."""
        flow = self.flow
        width = self._content_width
        if (width == flow.width and not force) or flow.transcript is None:
            return
        anchor: tuple[int, int] | None = None
        if flow.width and flow.block_count:
            anchor = flow.locate(self.scroll_offset.y)
        flow.reflow(width)
        if self._pending is not None:
            entry, how = self._pending
            self._pending = None
            self._show_entry(entry, how)
            return
        if anchor is not None:
            block, line = anchor
            self._set_top(flow.line_of(block, min(line, max(0, flow.measure(block) - 1))))
        else:
            self._set_top(0)
        self._fill()

    def _set_virtual_height(self, total: int) -> None:
        if self.virtual_size.height != total:
            self.virtual_size = Size(0, total)

    def _set_top(self, y: int) -> None:
        """Put virtual line `y` at the top of the view (no walking: `y` is exact)."""
        total = self.flow.total
        self._set_virtual_height(total)
        y = max(0, min(y, total - self._page))
        self._adjusting = True
        try:
            self.scroll_target_y = self.scroll_y = y
        finally:
            self._adjusting = False

    def _fill(self) -> None:
        """Measure what the view shows from its top down; if the end leaves a gap at the
        bottom, walk back up so the view is full."""
        if not self.flow.ready:
            return
        top = self.flow.fill(self.scroll_offset.y, self._page)
        if top is not None:
            self._set_top(top)
        else:
            self._set_virtual_height(self.flow.total)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolled by something else (the wheel, the scrollbar): scrolling up walks from the
        old top so blocks whose estimate was wrong do not make the view jump."""
        flow = self.flow
        if not self._adjusting and flow.transcript is not None and flow.width:
            if self._content_width != flow.width:
                self._reflow()
            else:
                old, new = round(old_value), round(new_value)
                if new < old and old - new <= WALK_PAGES * self._page:
                    exact = flow.moved(old, new - old)
                    if exact != new:
                        self._set_top(exact)  # its own watcher call refreshes
                        self._fill()
                        return
                self._fill()
        super().watch_scroll_y(old_value, new_value)

    def _show_entry(self, entry: int, how: Reveal) -> None:
        """Scroll so `entry` is seen as `how` says (`TranscriptLayout.reveal`)."""
        if self.flow.transcript is None or not self.entries or not self.flow.width:
            self._pending = (entry, how)
            return
        self._set_top(self.flow.reveal(entry, how, self.scroll_offset.y, self._page))
        self._fill()

    def _scroll_lines(self, delta: int) -> bool:
        """Scroll by `delta` lines, exactly. False when already at that end."""
        top = self.scroll_offset.y
        self._set_top(self.flow.moved(top, delta))
        self._fill()
        self.refresh()
        return self.scroll_offset.y != top

    # ── the cursor ──────────────────────────────────────────────────────────

    def _cursor_into_view(self) -> None:
        """After the wheel or the scrollbar moved the view: the cursor comes along, so the
        next key acts on what the user is looking at."""
        if not self.entries:
            return
        start, end = self.flow.span(self.cursor)
        top = self.scroll_offset.y
        if end <= top or start >= top + self._page:
            entry = self.flow.first_visible_entry(top, self._page)
            if entry is not None:
                self.cursor = entry

    def _cursor_to_top_entry(self) -> None:
        entry = self.flow.top_entry(self.scroll_offset.y, self._page)
        if entry is not None:
            self.cursor = entry

    def _move_cursor(self, entry: int, how: Reveal) -> None:
        entries = self.entries
        if not entries:
            return
        self.cursor = max(0, min(entry, len(entries) - 1))
        self._show_entry(self.cursor, how)
        self.refresh()

    def action_cursor_down(self) -> None:
        """Next entry when this one is seen to its end, else scroll a line (a pager's j)."""
        if not self.entries:
            return
        self._cursor_into_view()
        _, end = self.flow.span(self.cursor)
        if end > self.scroll_offset.y + self._page:
            self._scroll_lines(1)
        elif self.cursor + 1 < len(self.entries):
            self._move_cursor(self.cursor + 1, "down")
        else:
            self._scroll_lines(1)

    def action_cursor_up(self) -> None:
        if not self.entries:
            return
        self._cursor_into_view()
        start, _ = self.flow.span(self.cursor)
        if start < self.scroll_offset.y:
            self._scroll_lines(-1)
        elif self.cursor > 0:
            self._move_cursor(self.cursor - 1, "up")
        else:
            self._scroll_lines(-1)

    def action_page_down(self) -> None:
        if not self.entries:
            return
        if not self._scroll_lines(self._page):
            self.cursor = len(self.entries) - 1
        else:
            self._cursor_to_top_entry()
        self.refresh()

    def action_page_up(self) -> None:
        if not self.entries:
            return
        if not self._scroll_lines(-self._page) or self.scroll_offset.y == 0:
            self.cursor = 0
        else:
            self._cursor_to_top_entry()
        self.refresh()

    def action_first(self) -> None:
        if self.entries:
            self.cursor = 0
            self._set_top(0)
            self._fill()
            self.refresh()

    def action_last(self) -> None:
        if not self.entries:
            return
        self.cursor = len(self.entries) - 1
        self.flow.measure_last(self._page)  # so the bottom is exact
        self._set_top(self.flow.total - self._page)
        self._fill()
        self.refresh()

    def action_next_message(self) -> None:
        entry = self.cursor_entry
        transcript = self.flow.transcript
        if entry is None or transcript is None:
            return
        target = transcript.entry_of_message(entry.message + 1)
        if target is not None:
            self._move_cursor(target, "top")

    def action_previous_message(self) -> None:
        entry = self.cursor_entry
        transcript = self.flow.transcript
        if entry is None or transcript is None:
            return
        start = transcript.message_entries[entry.message]
        if self.cursor != start:
            self._move_cursor(start, "top")
            return
        target = transcript.entry_of_message(entry.message - 1)
        if target is not None:
            self._move_cursor(target, "top")

    def go_to_message(self, index: int) -> bool:
        """Cursor on message `index`, scrolled to the top of the view. False if none."""
        if self.flow.transcript is None:
            return False
        target = self.flow.transcript.entry_of_message(index)
        if target is None:
            return False
        self._move_cursor(target, "top")
        return True

    # ── expanding ───────────────────────────────────────────────────────────

    def action_toggle_entry(self) -> None:
        if self.entries:
            self._cursor_into_view()
            self.toggle(self.cursor)

    def toggle(self, entry: int) -> bool:
        """Expand or collapse a tool call, tool result or reasoning line. False if `entry`
        is not one."""
        entries = self.entries
        if not 0 <= entry < len(entries) or not entries[entry].toggles:
            return False
        expand = entry not in self.flow.expanded
        top = self.scroll_offset.y
        start = self.flow.offset(entries[entry].first)
        self.flow.set_expanded(entry, expand)
        # The toggle line stays where it was (or comes to the top if it was above the view).
        self._set_top(start if start < top else top)
        if expand:
            self._show_entry(entry, "down")
        else:
            self._fill()
        self.refresh()
        return True

    # ── size ────────────────────────────────────────────────────────────────

    def on_resize(self, event: events.Resize) -> None:
        if self._content_width != self.flow.width:
            self._reflow(force=True)
        else:
            self._fill()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        flow = self.flow
        if flow.transcript is not None and self._content_width != flow.width:
            self._reflow()
        strips = super().render_lines(crop)
        if flow.transcript is not None and flow.width:
            # Blocks first measured while drawing change the total (the scrollbar's size).
            self._set_virtual_height(flow.total)
        return strips
