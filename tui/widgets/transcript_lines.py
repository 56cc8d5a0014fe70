"""How the transcript's lines are drawn: a message's header line, a tool line, and content blocks
rendered (rich `Markdown`, `Syntax` or `Text`) into lines of inert segments.

Everything drawn is inert: content goes through `clean_text` (control characters become
visible stand-ins) before rendering, every rendered segment again through `inert()`, and styles
lose their links and actions, so a Markdown link is plain text and nothing in a message can
reach the terminal as a control sequence or the app as an action.

Styles come from the view (`StyleOf`: a component class's look); nothing here knows the widget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo

from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.markdown import Markdown
from rich.segment import Segment
from rich.style import Style
from rich.syntax import Syntax
from rich.text import Text
from textual.strip import Strip

from tui.text import Clock, fit, inert, relative_time
from tui.widgets.transcript_model import CODE, MARKDOWN, PLAIN, Block, Entry
from tui.widgets.transcript_text import clean_text, pretty_json

#: Cells left of every line: the cursor bar.
GUTTER = 2
#: Extra indent of a tool call's, tool result's or reasoning's content.
TOOL_INDENT = 2

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

#: A component class's style, to lay over a line's (`TranscriptView._style`).
StyleOf = Callable[[str], Style]


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


def header_line(
    entry: Entry, width: int, base: Style, style_of: StyleOf, clock: Clock, tz: tzinfo | None
) -> Strip:
    """A message's first line: role and when at the left, its number at the right."""
    role_style = ROLE_STYLES.get(entry.role, "transcript--other")
    meta = base + style_of("transcript--meta")
    role = (entry.role, base + style_of(role_style))
    number = [(f"#{entry.message + 1}", meta)]
    if entry.stamp is None:
        return _line([role], number, width, base)
    now = clock()
    for absolute in (True, False):
        stamp = (f"  {when(entry.stamp, now, tz, absolute=absolute)}", meta)
        if _fits([role, stamp, *number], width):
            return _line([role, stamp], number, width, base)
    return _line([role, stamp], [], width, base)


def toggle_line(
    entry: Entry, expanded: bool, width: int, base: Style, style_of: StyleOf, clock: Clock,
    tz: tzinfo | None,
) -> Strip:
    """A tool call, tool result or reasoning on one line: ▸ what, name, a preview; its
    size and time at the right while there is room."""
    meta = base + style_of("transcript--meta")
    icon = EXPANDED if expanded else COLLAPSED
    left: list[tuple[str, Style]] = [
        (f"{icon} {TOGGLE_LABELS[entry.kind]}", base + style_of("transcript--toggle"))
    ]
    name, preview, detail = entry.summary()
    if name:
        left.append((" " + name, base + style_of("transcript--name")))
    variants: list[str] = []
    if entry.stamp is not None:
        now = clock()
        full = when(entry.stamp, now, tz)
        relative = when(entry.stamp, now, tz, absolute=False)
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


def render_block(
    block: Block, entry: Entry, width: int, console: Console, style_of: StyleOf, code_theme: str
) -> list[Strip]:
    """One content block rendered at `width` (the tool indent included) into inert lines."""
    indent = TOOL_INDENT if entry.toggles else 0
    width = max(1, width - indent)
    renderable: RenderableType
    kind = block.kind
    if kind == MARKDOWN:
        renderable = Markdown(clean_text(block.text), code_theme=code_theme, hyperlinks=False)
    elif kind == CODE:
        code = pretty_json(block.text) if block.pretty else block.text
        renderable = Syntax(
            clean_text(code), block.lexer or "text", theme=code_theme, word_wrap=True
        )
    elif kind == PLAIN:
        style = "transcript--reasoning" if entry.kind == "reasoning" else "transcript--output"
        renderable = Text(clean_text(block.text), style=style_of(style), overflow="fold")
    else:  # NOTE
        renderable = Text(
            clean_text(block.text), style=style_of("transcript--note"), overflow="fold"
        )
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
