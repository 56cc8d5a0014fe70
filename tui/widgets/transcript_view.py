"""The transcript view: a session's messages in a virtual list on Textual's Line API.

A stock `Markdown` widget per message builds a DOM subtree each and takes seconds at 5,000
messages. This widget keeps the transcript as a flat list of blocks (`transcript_model`),
placed by a `TranscriptLayout` (heights, offsets: `transcript_layout`), moved through by its
keys (`transcript_keys`), and renders a block (`transcript_lines`) only when it scrolls into
view, caching its lines for the current width.

Every segment it draws carries a style: Textual's line filters (NO_COLOR's monochrome, the dim
filter) read each segment's colours and fail on a segment without a style.
"""

from __future__ import annotations

import time
from datetime import tzinfo
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.strip import Strip

from tui.text import Clock, inert
from tui.widgets.transcript_keys import TranscriptKeys
from tui.widgets.transcript_lines import (
    CURSOR_BAR,
    GUTTER,
    header_line,
    render_block,
    toggle_line,
)
from tui.widgets.transcript_model import HEADER, TOGGLE, Transcript


class TranscriptView(TranscriptKeys, can_focus=True):
    """Every message of one session; a cursor on a message or on one of its tool lines."""

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
        self.placeholder = "Loading the transcript…"
        self.placeholder_is_error = False
        self._overlays: dict[str, Style] = {}

    # ── data ────────────────────────────────────────────────────────────────

    @property
    def transcript(self) -> Transcript | None:
        return self.flow.transcript

    @property
    def expanded(self) -> set[int]:
        """Entries (tool calls, tool results, reasoning) shown expanded."""
        return self.flow.expanded

    @property
    def rendered_blocks(self) -> int:
        """Content blocks rendered since the transcript or the width last changed: what
        opening or scrolling cost (tests check it stays what is on screen)."""
        return self.flow.rendered

    def set_transcript(
        self, transcript: Transcript, *, message_index: int | None = None, keep: bool = False
    ) -> None:
        """Show `transcript`, the cursor on message `message_index` scrolled to the top (else
        the first message). With `keep` (a reload of the same session), the cursor, the
        expanded lines and the top of the view stay on the same messages."""
        old = self.flow.transcript
        expanded_keys: set[tuple[int, int]] = set()
        cursor_key: tuple[int, int] | None = None
        top: tuple[tuple[int, int], int] | None = None  # (entry key, lines into the entry)
        if keep and old is not None and old.entries and self.flow.width:
            expanded_keys = {old.entry_key(e) for e in self.flow.expanded}
            cursor_key = old.entry_key(self.cursor)
            top = self.flow.place(self.scroll_offset.y)
        self.flow.reset(transcript, {
            e for e in range(len(transcript.entries))
            if expanded_keys and transcript.entry_key(e) in expanded_keys
        })
        self.cursor = 0
        self._pending = None
        if cursor_key is not None:
            found = transcript.entry_for_key(cursor_key)
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
            found = transcript.entry_for_key(top[0])
            if found is not None:
                self._set_top(self.flow.line_of(transcript.entries[found].first, top[1]))
                self._fill()
        self.refresh()

    def show_placeholder(self, text: str, *, error: bool = False) -> None:
        """Show a message instead of a transcript (loading, or why it could not be read)."""
        self.flow.reset(None)
        self.placeholder = text
        self.placeholder_is_error = error
        self._set_virtual_height(0)
        self.refresh()

    def visible_lines(self) -> list[str]:
        """What the view shows, line by line, as plain text (tests, debugging)."""
        return [self.render_line(y).text for y in range(self.scrollable_content_region.height)]

    # ── mouse, style ────────────────────────────────────────────────────────

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        transcript = self.flow.transcript
        if offset is None or transcript is None:
            return
        y = self.scroll_offset.y + offset.y
        if y >= self.flow.total:
            return
        block, line = self.flow.locate(y)
        if self.flow.is_gap(block, line):
            return
        entry = transcript.blocks[block].entry
        self.cursor = entry
        if transcript.blocks[block].kind == TOGGLE:
            self.toggle(entry)
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._overlays.clear()
        self.flow.forget_lines()  # styles are baked into rendered lines; heights stay
        self.refresh()

    def on_focus(self, event: events.Focus) -> None:
        self._overlays.clear()  # `:focus` rules change the cursor's look
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self._overlays.clear()
        self.refresh()

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

    # ── drawing ─────────────────────────────────────────────────────────────

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        base = self.rich_style
        transcript = self.flow.transcript
        if transcript is None or not transcript.entries:
            return self._placeholder_line(y, width, base)
        if not self.flow.width:
            return Strip.blank(width, base)
        virtual = self.scroll_offset.y + y
        if virtual >= self.flow.total:
            return Strip.blank(width, base)
        block, line = self.flow.locate(virtual)
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
            body = header_line(
                transcript.entries[index], body_width, line_style, self._style, self.clock,
                self.tz,
            )
        elif kind == TOGGLE:
            body = toggle_line(
                transcript.entries[index], index in self.flow.expanded, body_width, line_style,
                self._style, self.clock, self.tz,
            )
        else:
            strips = self.flow.lines(block)
            body = strips[line] if line < len(strips) else Strip.blank(body_width)
            body = body.adjust_cell_length(body_width)
        gutter = (
            Segment(CURSOR_BAR, line_style + self._style("transcript--cursor"))
            if selected
            else Segment(" " * GUTTER, base)
        )
        return Strip([gutter, *body], width).apply_style(base)

    def _placeholder_line(self, y: int, width: int, base: Style) -> Strip:
        transcript = self.flow.transcript
        text = self.placeholder
        if transcript is not None and not transcript.entries:
            text = transcript.notice or "This session has no messages."
        error = self.placeholder_is_error or (
            transcript is not None and transcript.notice is not None
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

    def _code_theme(self) -> str:
        try:
            dark = self.app.current_theme.dark
        except Exception:  # no app theme (a bare console): the dark default
            dark = True
        return "monokai" if dark else "default"

    def _render_block(self, index: int) -> list[Strip]:
        transcript = self.flow.transcript
        assert transcript is not None
        block = transcript.blocks[index]
        return render_block(
            block, transcript.entries[block.entry], self.flow.width or self._content_width,
            self.app.console, self._style, self._code_theme(),
        )
