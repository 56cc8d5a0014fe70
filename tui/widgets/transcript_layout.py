"""Where each block of a transcript sits in the virtual list: heights, offsets, and the moves
that keep the view from jumping.

Pure (no Textual): the view hands over a `render` function (a block -> its lines) and the size
of its page, and gets back line positions, which it applies to its scroll position. Blocks never
rendered keep an estimated height (`estimate`), so opening costs the same at 10 messages as at
5,000; a block's height becomes exact when it is rendered (`measure`), and its lines are kept in
a small cache for the current width.

Estimates are corrected without the view jumping: the top line of the view only depends on the
blocks above it, so rendering what is on screen never moves it; moving by lines (`moved`) walks
from a known place, measuring every block it passes, so the line it lands on is exact however
wrong the estimates were; jumps (`reveal`) place the target block first and the view is filled
from there (`fill`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable
from itertools import accumulate
from typing import Generic, Literal, TypeVar

from tui.widgets.transcript_model import HEADER, LIVE_KINDS, Entry, Transcript, estimate

L = TypeVar("L")

#: Rendered blocks kept (per width); the rest are rendered again when they come back.
CACHE_BLOCKS = 600

#: How `reveal` brings an entry into view: its start at the top; or the least scroll that shows
#: it, its start ("down") or its end ("up") first when it is taller than the view.
Reveal = Literal["top", "down", "up"]


class TranscriptLayout(Generic[L]):
    """The heights and offsets of one transcript's blocks at one width, and its rendered
    blocks' lines (`L`: whatever the view draws a line as)."""

    def __init__(self, render: Callable[[int], list[L]], cache_blocks: int = CACHE_BLOCKS) -> None:
        self._render = render
        self._cache_blocks = cache_blocks
        self.transcript: Transcript | None = None
        #: Entries (tool calls, tool results, reasoning) shown expanded.
        self.expanded: set[int] = set()
        #: The content width heights were measured at (0: not yet).
        self.width = 0
        #: Content blocks rendered since the transcript or the width last changed: what
        #: opening or scrolling cost.
        self.rendered = 0
        self._hidden: list[bool] = []
        self._heights: list[int] = []
        self._measured: list[bool] = []
        self._offsets: list[int] = [0]
        self._offsets_dirty = False
        self._cache: OrderedDict[int, list[L]] = OrderedDict()

    @property
    def entries(self) -> list[Entry]:
        return self.transcript.entries if self.transcript is not None else []

    @property
    def ready(self) -> bool:
        """A transcript with blocks, measured at a width: there is something to place."""
        return self.transcript is not None and bool(self._heights) and bool(self.width)

    @property
    def block_count(self) -> int:
        return len(self._heights)

    # ── the transcript, the width ───────────────────────────────────────────

    def reset(self, transcript: Transcript | None, expanded: set[int] | None = None) -> None:
        """Hold `transcript` (None: nothing), `expanded` entries open; nothing measured yet
        (`width` is 0 until `reflow`)."""
        self.transcript = transcript
        self.expanded = set(expanded or ())
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
        self.width = 0
        self._offsets_dirty = True

    def reflow(self, width: int) -> None:
        """Estimate every height again at `width` (what was rendered was for another width)."""
        assert self.transcript is not None
        self.width = width
        self._cache.clear()
        self.rendered = 0
        blocks = self.transcript.blocks
        hidden = self._hidden
        self._measured = [block.kind in LIVE_KINDS for block in blocks]
        self._heights = [
            0 if hidden[i] else estimate(block, width) for i, block in enumerate(blocks)
        ]
        self._offsets_dirty = True

    def forget_lines(self) -> None:
        """Drop every rendered block (their look changed); heights stay."""
        self._cache.clear()

    def set_expanded(self, entry: int, expand: bool) -> None:
        """Show or hide the content of a toggle entry; its blocks keep what is known of
        their height (exact if still cached, else an estimate)."""
        assert self.transcript is not None
        e = self.entries[entry]
        if expand:
            self.expanded.add(entry)
        else:
            self.expanded.discard(entry)
        for block in range(e.first + 1, e.end):
            self._hidden[block] = not expand
            if not expand:
                self._heights[block] = 0
            elif self._measured[block] and block in self._cache:
                self._heights[block] = len(self._cache[block])
            else:
                self._measured[block] = False
                self._heights[block] = estimate(self.transcript.blocks[block], self.width)
        self._offsets_dirty = True

    # ── heights and positions ───────────────────────────────────────────────

    def _offsets_list(self) -> list[int]:
        if self._offsets_dirty:
            self._offsets = [0, *accumulate(self._heights)]
            self._offsets_dirty = False
        return self._offsets

    def offset(self, block: int) -> int:
        """The virtual line `block` starts on (estimates for blocks not yet measured)."""
        return self._offsets_list()[block]

    @property
    def total(self) -> int:
        return self._offsets_list()[-1]

    def locate(self, y: int) -> tuple[int, int]:
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

    def measure(self, block: int) -> int:
        """The exact height of `block` (rendering it if needed); 0 while it is hidden."""
        if self._hidden[block]:
            return 0
        if not self._measured[block]:
            self.lines(block)
        return self._heights[block]

    def lines(self, block: int) -> list[L]:
        """The rendered lines of a content block, from the cache or rendered now."""
        cache = self._cache
        lines = cache.get(block)
        if lines is None:
            self.rendered += 1
            lines = self._render(block)
            cache[block] = lines
            if len(cache) > self._cache_blocks:
                cache.popitem(last=False)
        else:
            cache.move_to_end(block)
        if not self._measured[block] or self._heights[block] != len(lines):
            self._measured[block] = True
            if not self._hidden[block] and self._heights[block] != len(lines):
                self._heights[block] = len(lines)
                self._offsets_dirty = True
        return lines

    def walk(self, block: int, line: int, delta: int) -> tuple[int, int]:
        """Move `delta` lines from (block, line), measuring every block passed, so the
        result is exact however wrong the estimates of those blocks were."""
        line += delta
        while line < 0:
            if block == 0:
                line = 0
                break
            block -= 1
            line += self.measure(block)
        last = len(self._heights) - 1
        while True:
            height = self.measure(block)
            if line < height:
                break
            if block >= last:
                # Past the end: back to the last visible line.
                line = max(0, height - 1)
                while height == 0 and block > 0:
                    block -= 1
                    height = self.measure(block)
                    line = max(0, height - 1)
                break
            line -= height
            block += 1
        return block, line

    def line_of(self, block: int, line: int) -> int:
        """The exact virtual line of (block, line), the blocks there measured."""
        block, line = self.walk(block, line, 0)
        return self.offset(block) + line

    def moved(self, y: int, delta: int) -> int:
        """The virtual line `delta` lines from `y`, exactly (see `walk`)."""
        block, line = self.locate(y)
        block, line = self.walk(block, line, delta)
        return self.offset(block) + line

    def fill(self, top: int, page: int) -> int | None:
        """Measure what a view of `page` lines from `top` shows. If the end leaves a gap at
        the bottom: the top that fills the view (walked back up, exact); else None."""
        block, line = self.locate(top)
        covered = -line
        index = block
        count = len(self._heights)
        while index < count and covered < page:
            covered += self.measure(index)
            index += 1
        if covered < page and top > 0:
            block, line = self.walk(block, line, covered - page)
            return self.offset(block) + line
        return None

    def measure_last(self, page: int) -> None:
        """Measure the last `page` lines, so a view of the end is exact."""
        covered, block = 0, len(self._heights) - 1
        while block >= 0 and covered < page:
            covered += self.measure(block)
            block -= 1

    # ── entries ─────────────────────────────────────────────────────────────

    def span(self, entry: int) -> tuple[int, int]:
        """Virtual lines [start, end) of an entry (estimates for blocks not yet seen)."""
        e = self.entries[entry]
        return self.offset(e.first), self.offset(e.end)

    def measure_entry(self, entry: int, limit: int, from_end: bool = False) -> None:
        """Measure an entry's blocks until `limit` lines are known (from its end or start)."""
        e = self.entries[entry]
        blocks = range(e.end - 1, e.first - 1, -1) if from_end else range(e.first, e.end)
        covered = 0
        for block in blocks:
            covered += self.measure(block)
            if covered >= limit:
                break

    def reveal(self, entry: int, how: Reveal, top: int, page: int) -> int:
        """The top of a view of `page` lines (now at `top`) that shows `entry` as `how` says."""
        if how == "top":
            return self.span(entry)[0]
        if how == "down":
            self.measure_entry(entry, page)
            start, end = self.span(entry)
            return max(top, min(start, end - page)) if start >= top else start
        self.measure_entry(entry, page, from_end=True)
        start, end = self.span(entry)
        if end > top + page:
            return max(start, end - page)
        return min(top, max(start, end - page))

    def is_gap(self, block: int, line: int) -> bool:
        """Is this line the blank between two messages (above a header)?"""
        assert self.transcript is not None
        b = self.transcript.blocks[block]
        return line == 0 and b.kind == HEADER and b.gap

    def entry_at(self, y: int) -> int | None:
        """The entry drawn on virtual line `y` (None on a spacer)."""
        if self.transcript is None or not self._heights:
            return None
        block, line = self.locate(y)
        if self.is_gap(block, line):
            return None
        return self.transcript.blocks[block].entry

    def first_visible_entry(self, top: int, page: int) -> int | None:
        for y in range(top, top + page):
            entry = self.entry_at(y)
            if entry is not None:
                return entry
        return None

    def top_entry(self, top: int, page: int) -> int | None:
        """The first entry that starts in the view (else the one at its top)."""
        entry = self.entry_at(top)
        first = entry
        while entry is not None and self.span(entry)[0] < top:
            entry += 1
            if entry >= len(self.entries) or self.span(entry)[0] >= top + page:
                entry = first
                break
        return entry

    def place(self, y: int) -> tuple[tuple[int, int], int]:
        """Virtual line `y` in terms a reload keeps: (its entry's key, lines into the entry)."""
        assert self.transcript is not None
        block, line = self.locate(y)
        entry = self.transcript.blocks[block].entry
        into = self.offset(block) + line - self.offset(self.transcript.entries[entry].first)
        return self.transcript.entry_key(entry), into
