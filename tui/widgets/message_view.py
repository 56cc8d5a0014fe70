"""The transcript view: a session's messages in a virtual list on Textual's Line API.

A stock `Markdown` widget per message builds a DOM subtree each and takes seconds at 5,000
messages. This widget keeps the transcript as a flat list of blocks (`transcript_model`) and
renders a block (rich `Markdown`, `Syntax` or `Text` -> lines via `Console.render_lines`) only
when it scrolls into view, caching its `Strip`s for the current width. Blocks never seen keep an
estimated height, so opening costs the same at 10 messages as at 5,000.

Estimates are corrected as blocks are rendered, without the view jumping: the top line of the
view (its *anchor*) only depends on the blocks above it, so rendering what is on screen never
moves it; scrolling up walks line by line from the old anchor, rendering the blocks it enters,
and sets the exact new position; jumps (to a message, Home, End) place the target block first
and fill the screen from there.

Everything shown is inert: content goes through `clean_text` (control characters become
visible stand-ins) before rendering, every rendered segment again through `inert()`, and
styles lose their links and actions, so a Markdown link is plain text and nothing in a message
can reach the terminal as a control sequence or the app as an action.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from datetime import datetime, tzinfo
from itertools import accumulate
from typing import ClassVar

from rich.cells import cell_len
from rich.console import RenderableType
from rich.markdown import Markdown
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.text import Clock, fit, inert, relative_time
from tui.widgets.transcript_model import (
    CODE,
    HEADER,
    LIVE_KINDS,
    MARKDOWN,
    PLAIN,
    TOGGLE,
    Entry,
    Transcript,
    clean_text,
    estimate,
    pretty_json,
)

#: Cells left of every line: the cursor bar.
GUTTER = 2
#: Extra indent of a tool call's, tool result's or reasoning's content.
TOOL_INDENT = 2
#: Rendered blocks kept (per width); the rest are rendered again when they come back.
CACHE_BLOCKS = 600
#: A scroll by more than this many screens is a jump (placed by estimate), not a walk.
WALK_PAGES = 3

CURSOR_BAR = "▌ "
EXPANDED, COLLAPSED = "▾", "▸"
TOGGLE_LABELS = {"call": "tool call", "result": "tool result", "reasoning": "reasoning"}
ROLE_STYLES = {
    "user": "transcript--user",
    "assistant": "transcript--assistant",
    "system": "transcript--system",
    "developer": "transcript--system",
    "tool": "transcript--tool",
}


def when(stamp: float, now: float, tz: tzinfo | None, *, absolute: bool = True) -> str:
    """When, as "2026-11-18 08:20 · 6 min ago" (or only the relative part)."""
    relative = relative_time(stamp, now, tz)
    if not absolute:
        return relative
    try:
        shown = datetime.fromtimestamp(stamp, tz).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, OSError, ValueError):
        return relative
    return f"{shown} · {relative}"


class TranscriptView(ScrollView, can_focus=True):
    """Every message of one session; a cursor on a message or on one of its tool lines."""

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

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "transcript--cursor",
        "transcript--cursor-line",
        "transcript--user",
        "transcript--assistant",
        "transcript--system",
        "transcript--tool",
        "transcript--other",
        "transcript--meta",
        "transcript--toggle",
        "transcript--name",
        "transcript--output",
        "transcript--reasoning",
        "transcript--note",
        "transcript--placeholder",
        "transcript--error",
    }

    DEFAULT_CSS = """
    TranscriptView {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 1;
        background: $surface;
        color: $foreground;
        & > .transcript--cursor { color: $text-muted; }
        &:focus > .transcript--cursor { color: $accent; }
        & > .transcript--cursor-line { background: $boost; }
        &:focus > .transcript--cursor-line { background: $accent 15%; }
        & > .transcript--user { color: $text-accent; text-style: bold; }
        & > .transcript--assistant { color: $text-success; text-style: bold; }
        & > .transcript--system { color: $text-warning; text-style: bold; }
        & > .transcript--tool { color: $text-secondary; text-style: bold; }
        & > .transcript--other { color: $text-error; text-style: bold; }
        & > .transcript--meta { color: $text-muted; }
        & > .transcript--toggle { color: $text-secondary; }
        & > .transcript--name { text-style: bold; }
        & > .transcript--output { color: $foreground; }
        & > .transcript--reasoning { color: $text-muted; text-style: italic; }
        & > .transcript--note { color: $text-muted; text-style: italic; }
        & > .transcript--placeholder { color: $text-muted; text-style: italic; }
        & > .transcript--error { color: $text-error; }
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
        self.transcript: Transcript | None = None
        self.placeholder = "Loading the transcript…"
        self.placeholder_is_error = False
        #: The entry under the cursor.
        self.cursor = 0
        #: Entries (tool calls, tool results, reasoning) shown expanded.
        self.expanded: set[int] = set()
        self._hidden: list[bool] = []
        self._heights: list[int] = []
        self._measured: list[bool] = []
        self._offsets: list[int] = [0]
        self._offsets_dirty = False
        self._cache: OrderedDict[int, list[Strip]] = OrderedDict()
        self._width = 0  # the content width heights were measured at (0: not yet)
        self._adjusting = False  # setting scroll_y ourselves: the watcher must not walk
        self._pending: tuple[int, str] | None = None  # (entry, how) to show once sized
        #: Content blocks rendered since the transcript or the width last changed: what
        #: opening or scrolling cost (tests check it stays what is on screen).
        self.rendered_blocks = 0
        self._overlays: dict[str, Style] = {}

    # ── data ────────────────────────────────────────────────────────────────

    def set_transcript(
        self, transcript: Transcript, *, message_index: int | None = None, keep: bool = False
    ) -> None:
        """Show `transcript`, the cursor on message `message_index` scrolled to the top (else
        the first message). With `keep` (a reload of the same session), the cursor, the
        expanded lines and the top of the view stay on the same messages."""
        old = self.transcript
        expanded_keys: set[tuple[int, int]] = set()
        cursor_key: tuple[int, int] | None = None
        top: tuple[tuple[int, int], int] | None = None  # (entry key, lines into the entry)
        if keep and old is not None and old.entries and self._width:
            expanded_keys = {self._entry_key(old, e) for e in self.expanded}
            cursor_key = self._entry_key(old, self.cursor)
            block, line = self._locate(self.scroll_offset.y)
            top_entry = old.blocks[block].entry
            into = self._offset(block) + line - self._offset(old.entries[top_entry].first)
            top = (self._entry_key(old, top_entry), into)
        self.transcript = transcript
        self.expanded = {
            e for e in range(len(transcript.entries))
            if expanded_keys and self._entry_key(transcript, e) in expanded_keys
        }
        self._reset_blocks()
        self.cursor = 0
        self._pending = None
        if cursor_key is not None:
            found = self._entry_for_key(transcript, cursor_key)
            self.cursor = found if found is not None else 0
        elif message_index is not None:
            found = transcript.entry_of_message(message_index)
            if found is not None:
                self.cursor = found
                self._pending = (found, "top")
        if not self.size.width:
            return  # placed once the size is known (`on_resize` -> `_reflow`)
        self._reflow(force=True)
        if top is not None:
            found = self._entry_for_key(transcript, top[0])
            if found is not None:
                self._walk_set(transcript.entries[found].first, top[1])
                self._fill()
        self.refresh()

    def show_placeholder(self, text: str, *, error: bool = False) -> None:
        """Show a message instead of a transcript (loading, or why it could not be read)."""
        self.transcript = None
        self.placeholder = text
        self.placeholder_is_error = error
        self._reset_blocks()
        self._set_virtual_height(0)
        self.refresh()

    @property
    def entries(self) -> list[Entry]:
        return self.transcript.entries if self.transcript is not None else []

    @property
    def cursor_entry(self) -> Entry | None:
        entries = self.entries
        return entries[self.cursor] if 0 <= self.cursor < len(entries) else None

    @property
    def cursor_message(self) -> int | None:
        """The index (in the session's `messages`) of the message under the cursor."""
        entry = self.cursor_entry
        return entry.message if entry is not None else None

    def is_expanded(self, entry: int) -> bool:
        return entry in self.expanded

    def visible_lines(self) -> list[str]:
        """What the view shows, line by line, as plain text (tests, debugging)."""
        return [self.render_line(y).text for y in range(self.scrollable_content_region.height)]

    @staticmethod
    def _entry_key(transcript: Transcript, entry: int) -> tuple[int, int]:
        """An entry's identity across reloads: (message, its place among the message's)."""
        message = transcript.entries[entry].message
        return message, entry - transcript.message_entries[message]

    @staticmethod
    def _entry_for_key(transcript: Transcript, key: tuple[int, int]) -> int | None:
        message, nth = key
        if not 0 <= message < len(transcript.message_entries):
            return None
        entry = transcript.message_entries[message] + nth
        if entry < len(transcript.entries) and transcript.entries[entry].message == message:
            return entry
        return transcript.message_entries[message]

    # ── heights and positions ───────────────────────────────────────────────

    def _reset_blocks(self) -> None:
        transcript = self.transcript
        blocks = transcript.blocks if transcript is not None else []
        hidden = list(transcript.hidden) if transcript is not None else []
        for index in self.expanded:
            entry = self.entries[index]
            for b in range(entry.first + 1, entry.end):
                hidden[b] = False
        self._hidden = hidden
        self._measured = [block.kind in LIVE_KINDS for block in blocks]
        self._heights = [0] * len(blocks)
        self._cache.clear()
        self._width = 0
        self._offsets_dirty = True

    @property
    def _content_width(self) -> int:
        return max(1, self.scrollable_content_region.width - GUTTER)

    @property
    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _reflow(self, force: bool = False) -> None:
        """The width changed (or a new transcript): re-estimate every height, keep the top."""
        width = self._content_width
        if (width == self._width and not force) or self.transcript is None:
            return
        anchor: tuple[int, int] | None = None
        if self._width and self._heights:
            block, line = self._locate(self.scroll_offset.y)
            anchor = (block, line)
        self._width = width
        self._cache.clear()
        self.rendered_blocks = 0
        blocks = self.transcript.blocks
        hidden = self._hidden
        self._measured = [block.kind in LIVE_KINDS for block in blocks]
        self._heights = [
            0 if hidden[i] else estimate(block, width) for i, block in enumerate(blocks)
        ]
        self._offsets_dirty = True
        if self._pending is not None:
            entry, how = self._pending
            self._pending = None
            self._show_entry(entry, how)
            return
        if anchor is not None:
            block, line = anchor
            self._walk_set(block, min(line, max(0, self._measure(block) - 1)))
        else:
            self._set_top(0)
        self._fill()

    def _offsets_list(self) -> list[int]:
        if self._offsets_dirty:
            self._offsets = [0, *accumulate(self._heights)]
            self._offsets_dirty = False
        return self._offsets

    def _offset(self, block: int) -> int:
        return self._offsets_list()[block]

    @property
    def _total(self) -> int:
        return self._offsets_list()[-1]

    def _locate(self, y: int) -> tuple[int, int]:
        """(block, line in it) of virtual line `y` (clamped to the transcript)."""
        offsets = self._offsets_list()
        count = len(offsets) - 1
        if count <= 0:
            return 0, 0
        total = offsets[-1]
        if total <= 0:
            return 0, 0
        y = max(0, min(y, total - 1))
        block = bisect_right(offsets, y) - 1
        block = max(0, min(block, count - 1))
        return block, y - offsets[block]

    def _measure(self, block: int) -> int:
        """The exact height of `block` (rendering it if needed); 0 while it is hidden."""
        if self._hidden[block]:
            return 0
        if not self._measured[block]:
            self._strips(block)
        return self._heights[block]

    def _strips(self, block: int) -> list[Strip]:
        """The rendered lines of a content block, from the cache or rendered now."""
        cache = self._cache
        strips = cache.get(block)
        if strips is None:
            strips = self._render_block(block)
            cache[block] = strips
            if len(cache) > CACHE_BLOCKS:
                cache.popitem(last=False)
        else:
            cache.move_to_end(block)
        if not self._measured[block] or self._heights[block] != len(strips):
            self._measured[block] = True
            if not self._hidden[block] and self._heights[block] != len(strips):
                self._heights[block] = len(strips)
                self._offsets_dirty = True
        return strips

    def _walk(self, block: int, line: int, delta: int) -> tuple[int, int]:
        """Move `delta` lines from (block, line), measuring every block passed, so the
        result is exact however wrong the estimates of those blocks were."""
        line += delta
        while line < 0:
            if block == 0:
                line = 0
                break
            block -= 1
            line += self._measure(block)
        last = len(self._heights) - 1
        while True:
            height = self._measure(block)
            if line < height:
                break
            if block >= last:
                # Past the end: back to the last visible line.
                line = max(0, height - 1)
                while height == 0 and block > 0:
                    block -= 1
                    height = self._measure(block)
                    line = max(0, height - 1)
                break
            line -= height
            block += 1
        return block, line

    def _walk_set(self, block: int, line: int) -> None:
        block, line = self._walk(block, line, 0)
        self._set_top(self._offset(block) + line)

    def _set_virtual_height(self, total: int) -> None:
        if self.virtual_size.height != total:
            self.virtual_size = Size(0, total)

    def _set_top(self, y: int) -> None:
        """Put virtual line `y` at the top of the view (no walking: `y` is exact)."""
        self._set_virtual_height(self._total)
        y = max(0, min(y, self._total - self._page))
        self._adjusting = True
        try:
            self.scroll_target_y = self.scroll_y = y
        finally:
            self._adjusting = False

    def _fill(self) -> None:
        """Measure what the view shows from its top down; if the end leaves a gap at the
        bottom, walk back up so the view is full."""
        if self.transcript is None or not self._heights or not self._width:
            return
        top = self.scroll_offset.y
        page = self._page
        block, line = self._locate(top)
        covered = -line
        index = block
        count = len(self._heights)
        while index < count and covered < page:
            covered += self._measure(index)
            index += 1
        if covered < page and top > 0:
            block, line = self._walk(block, line, covered - page)
            self._set_top(self._offset(block) + line)
        else:
            self._set_virtual_height(self._total)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolled by something else (the wheel, the scrollbar): scrolling up walks from the
        old top so blocks whose estimate was wrong do not make the view jump."""
        if not self._adjusting and self.transcript is not None and self._width:
            if self._content_width != self._width:
                self._reflow()
            else:
                old, new = round(old_value), round(new_value)
                if new < old and old - new <= WALK_PAGES * self._page:
                    block, line = self._locate(old)
                    block, line = self._walk(block, line, new - old)
                    exact = self._offset(block) + line
                    if exact != new:
                        self._set_top(exact)  # its own watcher call refreshes
                        self._fill()
                        return
                self._fill()
        super().watch_scroll_y(old_value, new_value)

    # ── entries on screen ───────────────────────────────────────────────────

    def _span(self, entry: int) -> tuple[int, int]:
        """Virtual lines [start, end) of an entry (estimates for blocks not yet seen)."""
        e = self.entries[entry]
        return self._offset(e.first), self._offset(e.end)

    def _measure_entry(self, entry: int, limit: int, from_end: bool = False) -> None:
        """Measure an entry's blocks until `limit` lines are known (from its end or start)."""
        e = self.entries[entry]
        blocks = range(e.end - 1, e.first - 1, -1) if from_end else range(e.first, e.end)
        covered = 0
        for block in blocks:
            covered += self._measure(block)
            if covered >= limit:
                break

    def _show_entry(self, entry: int, how: str) -> None:
        """Scroll so `entry` is seen: "top" puts its start at the top; "down"/"up" scroll the
        least that shows it all, or its start ("down") / its end ("up") when it is taller
        than the view."""
        if self.transcript is None or not self.entries or not self._width:
            self._pending = (entry, how)
            return
        page = self._page
        top = self.scroll_offset.y
        if how == "top":
            self._set_top(self._span(entry)[0])
        elif how == "down":
            self._measure_entry(entry, page)
            start, end = self._span(entry)
            self._set_top(max(top, min(start, end - page)) if start >= top else start)
        else:
            self._measure_entry(entry, page, from_end=True)
            start, end = self._span(entry)
            if end > top + page:
                self._set_top(max(start, end - page))
            else:
                self._set_top(min(top, max(start, end - page)))
        self._fill()

    def _entry_at(self, y: int) -> int | None:
        """The entry drawn on virtual line `y` (None on a spacer)."""
        if self.transcript is None or not self._heights:
            return None
        block, line = self._locate(y)
        if self._is_gap(block, line):
            return None
        return self.transcript.blocks[block].entry

    def _is_gap(self, block: int, line: int) -> bool:
        """Is this line the blank between two messages (above a header)?"""
        assert self.transcript is not None
        b = self.transcript.blocks[block]
        return line == 0 and b.kind == HEADER and b.gap

    def _first_visible_entry(self) -> int | None:
        top = self.scroll_offset.y
        for y in range(top, top + self._page):
            entry = self._entry_at(y)
            if entry is not None:
                return entry
        return None

    def _cursor_into_view(self) -> None:
        """After the wheel or the scrollbar moved the view: the cursor comes along, so the
        next key acts on what the user is looking at."""
        if not self.entries:
            return
        start, end = self._span(self.cursor)
        top = self.scroll_offset.y
        if end <= top or start >= top + self._page:
            entry = self._first_visible_entry()
            if entry is not None:
                self.cursor = entry

    def _move_cursor(self, entry: int, how: str) -> None:
        entries = self.entries
        if not entries:
            return
        self.cursor = max(0, min(entry, len(entries) - 1))
        self._show_entry(self.cursor, how)
        self.refresh()

    def _scroll_lines(self, delta: int) -> bool:
        """Scroll by `delta` lines, exactly. False when already at that end."""
        top = self.scroll_offset.y
        block, line = self._locate(top)
        block, line = self._walk(block, line, delta)
        self._set_top(self._offset(block) + line)
        self._fill()
        self.refresh()
        return self.scroll_offset.y != top

    # ── actions ─────────────────────────────────────────────────────────────

    def action_cursor_down(self) -> None:
        """Next entry when this one is seen to its end, else scroll a line (a pager's j)."""
        if not self.entries:
            return
        self._cursor_into_view()
        _, end = self._span(self.cursor)
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
        start, _ = self._span(self.cursor)
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

    def _cursor_to_top_entry(self) -> None:
        """The cursor on the first entry that starts in view (else the one at the top)."""
        top = self.scroll_offset.y
        entry = self._entry_at(top)
        first = entry
        while entry is not None and self._span(entry)[0] < top:
            entry += 1
            if entry >= len(self.entries) or self._span(entry)[0] >= top + self._page:
                entry = first
                break
        if entry is not None:
            self.cursor = entry

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
        # Measure the last screenful from the end, so the bottom is exact.
        covered, block = 0, len(self._heights) - 1
        while block >= 0 and covered < self._page:
            covered += self._measure(block)
            block -= 1
        self._set_top(self._total - self._page)
        self._fill()
        self.refresh()

    def action_next_message(self) -> None:
        entry = self.cursor_entry
        if entry is None or self.transcript is None:
            return
        target = self.transcript.entry_of_message(entry.message + 1)
        if target is not None:
            self._move_cursor(target, "top")

    def action_previous_message(self) -> None:
        entry = self.cursor_entry
        if entry is None or self.transcript is None:
            return
        start = self.transcript.message_entries[entry.message]
        if self.cursor != start:
            self._move_cursor(start, "top")
            return
        target = self.transcript.entry_of_message(entry.message - 1)
        if target is not None:
            self._move_cursor(target, "top")

    def go_to_message(self, index: int) -> bool:
        """Cursor on message `index`, scrolled to the top of the view. False if none."""
        if self.transcript is None:
            return False
        target = self.transcript.entry_of_message(index)
        if target is None:
            return False
        self._move_cursor(target, "top")
        return True

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
        e = entries[entry]
        expand = entry not in self.expanded
        top = self.scroll_offset.y
        start = self._offset(e.first)
        if expand:
            self.expanded.add(entry)
        else:
            self.expanded.discard(entry)
        width = self._width
        for block in range(e.first + 1, e.end):
            self._hidden[block] = not expand
            if not expand:
                self._heights[block] = 0
            elif self._measured[block] and block in self._cache:
                self._heights[block] = len(self._cache[block])
            else:
                self._measured[block] = False
                assert self.transcript is not None
                self._heights[block] = estimate(self.transcript.blocks[block], width)
        self._offsets_dirty = True
        # The toggle line stays where it was (or comes to the top if it was above the view).
        self._set_top(start if start < top else top)
        if expand:
            self._show_entry(entry, "down")
        else:
            self._fill()
        self.refresh()
        return True

    # ── mouse, size, style ──────────────────────────────────────────────────

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or self.transcript is None:
            return
        y = self.scroll_offset.y + offset.y
        if y >= self._total:
            return
        block, line = self._locate(y)
        if self._is_gap(block, line):
            return
        entry = self.transcript.blocks[block].entry
        self.cursor = entry
        if self.transcript.blocks[block].kind == TOGGLE:
            self.toggle(entry)
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if self._content_width != self._width:
            self._reflow(force=True)
        else:
            self._fill()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._overlays.clear()
        self._cache.clear()  # styles are baked into rendered strips; heights stay
        self.refresh()

    # ── drawing ─────────────────────────────────────────────────────────────

    def render_lines(self, crop: Region) -> list[Strip]:
        if self.transcript is not None and self._content_width != self._width:
            self._reflow()
        strips = super().render_lines(crop)
        if self.transcript is not None and self._width:
            # Blocks first measured while drawing change the total (the scrollbar's size).
            self._set_virtual_height(self._total)
        return strips

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        transcript = self.transcript
        if transcript is None or not transcript.entries:
            return self._placeholder_line(y, width, base)
        if not self._width:
            return Strip.blank(width, base)
        virtual = self.scroll_offset.y + y
        if virtual >= self._total:
            return Strip.blank(width, base)
        block, line = self._locate(virtual)
        kind = transcript.blocks[block].kind
        index = transcript.blocks[block].entry
        if kind == HEADER and transcript.blocks[block].gap:
            if line == 0:
                return Strip.blank(width, base)
            line -= 1
        selected = index == self.cursor
        body_width = width - GUTTER
        line_style = base
        if selected and kind in (HEADER, TOGGLE):
            line_style = base + self._style("transcript--cursor-line")
        if kind == HEADER:
            body = self._header_line(transcript.entries[index], body_width, line_style)
        elif kind == TOGGLE:
            body = self._toggle_line(index, body_width, line_style)
        else:
            strips = self._strips(block)
            body = strips[line] if line < len(strips) else Strip.blank(body_width)
            body = body.adjust_cell_length(body_width)
        gutter = (
            Segment(CURSOR_BAR, line_style + self._style("transcript--cursor"))
            if selected
            else Segment(" " * GUTTER, base)
        )
        return Strip([gutter, *body], width).apply_style(base)

    def _style(self, component: str) -> Style:
        """A component's style to lay over a line's: its attributes and the colours it sets,
        blended with the background (a terminal has no alpha), nothing inherited."""
        style = self._overlays.get(component)
        if style is None:
            partial = self.get_component_rich_style(component, partial=True)
            full = self.get_component_rich_style(component)
            style = partial.without_color + Style(
                color=full.color if partial.color is not None else None,
                bgcolor=full.bgcolor if partial.bgcolor is not None else None,
            )
            self._overlays[component] = style
        return style

    def on_focus(self, event: events.Focus) -> None:
        self._overlays.clear()  # `:focus` rules change the cursor's look
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self._overlays.clear()
        self.refresh()

    def _placeholder_line(self, y: int, width: int, base: Style) -> Strip:
        text = self.placeholder
        if self.transcript is not None and not self.transcript.entries:
            text = self.transcript.notice or "This session has no messages."
        error = self.placeholder_is_error or (
            self.transcript is not None and self.transcript.notice is not None
        )
        style = base + self._style("transcript--error" if error else "transcript--placeholder")
        lines = self.app.console.render_lines(
            Text(inert(text), style=style),
            self.app.console.options.update_width(max(1, width - 4)).reset_height(),
        )
        if 1 <= y <= len(lines):
            # `render_lines` pads with unstyled spaces: every segment gets the base style,
            # as Textual's line filters (NO_COLOR's monochrome) need a style on each.
            return Strip([Segment("  ", base), *lines[y - 1]], width).apply_style(base)
        return Strip.blank(width, base)

    def _header_line(self, entry: Entry, width: int, base: Style) -> Strip:
        """A message's first line: role and when at the left, its number at the right."""
        role_style = ROLE_STYLES.get(entry.role, "transcript--other")
        meta = base + self._style("transcript--meta")
        role = (entry.role, base + self._style(role_style))
        number = [(f"#{entry.message + 1}", meta)]
        if entry.stamp is None:
            return _line([role], number, width, base)
        now = self.clock()
        for absolute in (True, False):
            stamp = (f"  {when(entry.stamp, now, self.tz, absolute=absolute)}", meta)
            if _fits([role, stamp, *number], width):
                return _line([role, stamp], number, width, base)
        return _line([role, stamp], [], width, base)

    def _toggle_line(self, index: int, width: int, base: Style) -> Strip:
        """A tool call, tool result or reasoning on one line: ▸ what, name, a preview; its
        size and time at the right while there is room."""
        entry = self.entries[index]
        meta = base + self._style("transcript--meta")
        icon = EXPANDED if index in self.expanded else COLLAPSED
        left: list[tuple[str, Style]] = [
            (f"{icon} {TOGGLE_LABELS[entry.kind]}", base + self._style("transcript--toggle"))
        ]
        name, preview, detail = entry.summary()
        if name:
            left.append((" " + name, base + self._style("transcript--name")))
        variants: list[str] = []
        if entry.stamp is not None:
            now = self.clock()
            full = when(entry.stamp, now, self.tz)
            relative = when(entry.stamp, now, self.tz, absolute=False)
            if detail:
                variants += [f"{detail} · {full}", f"{detail} · {relative}"]
            variants.append(relative)
        elif detail:
            variants.append(detail)
        # Keep some room for the preview before giving the right side any.
        need = [*left, ("  " + " " * 12, meta)]
        right: list[tuple[str, Style]] = []
        for variant in variants:
            if _fits([*need, (" " + variant, meta)], width):
                right = [(variant, meta)]
                break
        if preview:
            left.append(("  " + preview, meta))
        return _line(left, right, width, base)

    def _code_theme(self) -> str:
        try:
            dark = self.app.current_theme.dark
        except Exception:  # no app theme (a bare console): the dark default
            dark = True
        return "monokai" if dark else "default"

    def _render_block(self, index: int) -> list[Strip]:
        """Render one content block at the current width into inert strips."""
        assert self.transcript is not None
        self.rendered_blocks += 1
        block = self.transcript.blocks[index]
        entry = self.transcript.entries[block.entry]
        indent = TOOL_INDENT if entry.toggles else 0
        width = max(1, (self._width or self._content_width) - indent)
        renderable: RenderableType
        kind = block.kind
        if kind == MARKDOWN:
            renderable = Markdown(
                clean_text(block.text), code_theme=self._code_theme(), hyperlinks=False
            )
        elif kind == CODE:
            code = pretty_json(block.text) if block.pretty else block.text
            renderable = Syntax(
                clean_text(code), block.lexer or "text", theme=self._code_theme(),
                word_wrap=True,
            )
        elif kind == PLAIN:
            style = "transcript--reasoning" if entry.kind == "reasoning" else "transcript--output"
            renderable = Text(clean_text(block.text), style=self._style(style), overflow="fold")
        else:  # NOTE
            renderable = Text(
                clean_text(block.text), style=self._style("transcript--note"), overflow="fold"
            )
        console = self.app.console
        options = console.options.update_width(width).reset_height()
        lines = console.render_lines(renderable, options, pad=True)
        pad = [Segment(" " * indent)] if indent else []
        strips = [
            Strip([*pad, *_safe(line)]).adjust_cell_length(width + indent) for line in lines
        ]
        if block.gap:
            strips.append(Strip.blank(width + indent))
        return strips or [Strip.blank(width + indent)]


def _safe(segments: Iterable[Segment]) -> list[Segment]:
    """Segments that can only print text: control segments dropped, control characters made
    visible, links and actions (`@click` meta) removed from styles."""
    out: list[Segment] = []
    for text, style, control in segments:
        if control:
            continue
        if style is not None and (style.link or style.meta):
            style = style.clear_meta_and_links()
        out.append(Segment(inert(text), style))
    return out


def _fits(parts: list[tuple[str, Style]], width: int) -> bool:
    return sum(cell_len(text) for text, _ in parts) + len(parts) <= width


def _line(
    left: list[tuple[str, Style]], right: list[tuple[str, Style]], width: int, base: Style
) -> Strip:
    """One line of exactly `width` cells: `left` parts from the left (what overflows is cut
    with an ellipsis), `right` parts flush right (dropped when they do not fit)."""
    if width <= 0:
        return Strip([], 0)
    right_len = sum(cell_len(text) for text, _ in right)
    if right and right_len + 4 > width:
        right, right_len = [], 0
    room = width - right_len - (1 if right else 0)
    segments: list[Segment] = []
    used = 0
    for text, style in left:
        if used >= room:
            break
        length = cell_len(text)
        if used + length > room:
            text = fit(text, room - used)
            length = room - used
        segments.append(Segment(text, style))
        used += length
    if used < width - right_len:
        segments.append(Segment(" " * (width - right_len - used), base))
    segments.extend(Segment(text, style) for text, style in right)
    return Strip(segments, width)
