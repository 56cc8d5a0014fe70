"""Handing a session on: open it in Hermes WebUI, or give the person something to copy.

No widgets: the app's `o` and `y` keys, the palette and `session-browser open` all call these,
and say the `message` they get back.

Opening a browser from a terminal app is only tried where a graphical one can appear. Over SSH
or on a console (no `DISPLAY`/`WAYLAND_DISPLAY` on Linux and the BSDs) Python's `webbrowser`
would fall back to a text browser (lynx, w3m) that takes over the very terminal the app draws
in, or to nothing at all; there the link is shown instead, for the person to open where they
have a browser.
"""

from __future__ import annotations

import os
import sys
import webbrowser
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from api.handoff import session_url

#: What `y` offers to copy, in menu order: (kind, menu label).
COPY_KINDS: tuple[tuple[str, str], ...] = (
    ("id", "Session id"),
    ("link", "WebUI link"),
    ("title", "Title"),
    ("markdown", "Whole session as Markdown"),
)


class Controller(Protocol):
    """What `webbrowser.get()` returns: `open` says whether a browser took the URL."""

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool: ...


@dataclass(frozen=True)
class Opened:
    url: str
    #: True when a browser took the URL; False when the person has to open `url` themselves.
    opened: bool
    #: One sentence for the status line or stderr.
    message: str


def has_graphical_browser(env: Mapping[str, str] = os.environ,
                          platform: str = sys.platform) -> bool:
    """Can a graphical browser appear for this session? macOS and Windows always have one;
    elsewhere only with a display to draw on (an SSH login without X forwarding has none)."""
    if platform == "darwin" or platform.startswith(("win", "cygwin")):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def open_url(
    url: str,
    *,
    env: Mapping[str, str] = os.environ,
    platform: str = sys.platform,
    get_browser: Callable[[], Controller] | None = None,
) -> Opened:
    """Open `url` in the person's browser, or say why not and give the link instead.
    `get_browser` is `webbrowser.get` unless a test gives a stub controller."""
    if not has_graphical_browser(env, platform):
        return Opened(url, False, f"No browser can be started here (no display): open {url}")
    try:
        opened = bool((get_browser or webbrowser.get)().open(url, new=2))
    except (webbrowser.Error, OSError) as exc:
        reason = str(exc) or "no browser found"
        return Opened(url, False, f"Could not start a browser ({reason}): open {url}")
    if not opened:
        return Opened(url, False, f"No browser took the link: open {url}")
    return Opened(url, True, f"Opened {url} in the browser")


def open_session(base: str, session_id: str, **kwargs: Any) -> Opened:
    """Open a session's WebUI page (`base` from `api.handoff.webui_base`). ValueError for an
    id that cannot be a session's."""
    return open_url(session_url(base, session_id), **kwargs)


def copy_text(kind: str, row: Mapping[str, Any], base: str,
              markdown: Callable[[], str] | None = None) -> str:
    """The text `y` copies for one of `COPY_KINDS`. `markdown` is called only for that kind:
    it loads the whole session (`api.export.session_markdown(store.load(id))`), which can be
    megabytes, so the menu itself never does."""
    sid = str(row["session_id"])
    if kind == "id":
        return sid
    if kind == "link":
        return session_url(base, sid)
    if kind == "title":
        return str(row.get("title") or "")
    if kind == "markdown":
        if markdown is None:
            raise ValueError("no Markdown source given")
        return markdown()
    raise ValueError(f"nothing to copy called {kind!r}")


def copied_message(kind: str, text: str) -> str:
    """What the status line says once copied: what it was, and a glimpse of it."""
    label = dict(COPY_KINDS).get(kind, kind)
    if kind == "markdown":
        return f"Copied the whole session as Markdown ({len(text.splitlines())} lines)"
    glimpse = " ".join(text.split())
    glimpse = glimpse if len(glimpse) <= 60 else f"{glimpse[:59]}…"
    if not glimpse:
        return f"Copied an empty {label.lower()}"
    shown = label if "WebUI" in label else label.lower()  # a name keeps its capitals
    return f"Copied {shown}: {glimpse}"
