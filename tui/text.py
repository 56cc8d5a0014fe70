"""Turning untrusted row fields into exactly-sized, inert cells of terminal text.

Everything in a row came from a file some other program wrote, so nothing in it may reach the
terminal as a control sequence (`\\x1b[2J`, OSC 52 clipboard writes, bidi overrides) or as
Textual markup. These helpers are pure and cheap: the list calls them for each visible line on
every redraw, so they must cost microseconds, not milliseconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, tzinfo

from rich.cells import cell_len, set_cell_size, split_text

from api.export import CONTROL_PICTURES

ELLIPSIS = "…"

#: Where "now" comes from: `time.time` in the app, a frozen value in tests and screenshots.
Clock = Callable[[], float]

#: Control characters become visible stand-ins of one cell, so a title can neither drive the
#: terminal nor change the width of its column. C0 controls map to the Unicode "control
#: pictures" (ESC shows as ␛), DEL to ␡, C1 controls and the bidi / line-separator formatting
#: characters (which can reorder or break a terminal line) to the replacement character.
_INERT: dict[int, int] = {**CONTROL_PICTURES, 0x09: 0x2409, 0x0A: 0x240A}


def inert(text: str) -> str:
    """`text` with every character that could act on a terminal replaced by a visible one."""
    return text.translate(_INERT)


#: What a session without a title is called, everywhere (as Hermes WebUI calls it).
UNTITLED = "Untitled"


def shown_title(title: object) -> str:
    """A session's title as every view shows it: inert, and "Untitled" when it is missing,
    empty or blank (one rule for the list, the messages, the transcript and the toasts)."""
    if not isinstance(title, str) or not title.strip():
        return UNTITLED
    return inert(title)


def fit(text: str, width: int) -> str:
    """Exactly `width` cells: padded with spaces, or cut with an ellipsis at the end.

    Measured in terminal cells, not characters, so CJK and emoji titles keep columns aligned.
    """
    if width <= 0:
        return ""
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    return set_cell_size(text, width - 1) + ELLIPSIS


def fit_left(text: str, width: int) -> str:
    """Exactly `width` cells, cut at the start when too long: for paths, whose end says most."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    # Graphemes (a ZWJ emoji is one) are never split: half of a wide one becomes a space.
    _, tail = split_text(text, length - (width - 1))
    return ELLIPSIS + tail


def fit_right(text: str, width: int) -> str:
    """Exactly `width` cells, right-aligned (numbers), cut with an ellipsis when too long."""
    length = cell_len(text)
    if length <= width:
        return " " * (width - length) + text
    return fit(text, width)


def relative_time(stamp: float, now: float, tz: tzinfo | None = None) -> str:
    """When something happened, the way a person says it: "just now", "3 min ago", "5 h ago",
    "yesterday", "4 days ago", then the date ("2024-03-02").

    `now` and `tz` are parameters (not read from the system) so screenshots and tests are
    deterministic; `tz=None` means the local time zone.
    """
    delta = now - stamp
    if -60 < delta < 60:
        return "just now"
    try:
        then = datetime.fromtimestamp(stamp, tz)
        today = datetime.fromtimestamp(now, tz).date()
    except (OverflowError, OSError, ValueError):
        return "?"
    if delta < 0:  # a clock in the future: say the date rather than pretend
        return then.strftime("%Y-%m-%d")
    if delta < 3600:
        return f"{int(delta // 60)} min ago"
    day = then.date()
    if day == today:
        return f"{int(delta // 3600)} h ago"
    if day == today - timedelta(days=1):
        return "yesterday"
    days = (today - day).days
    if days < 7:
        return f"{days} days ago"
    return then.strftime("%Y-%m-%d")


def quote(title: str, limit: int = 40) -> str:
    """A title for a message: inert, and short enough for a toast."""
    title = shown_title(title)
    return f"“{title if len(title) <= limit else title[: limit - 1] + '…'}”"
