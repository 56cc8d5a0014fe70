"""Helpers shared by the app's tests: stores with fixed times, the app with a frozen clock,
waiting for work to finish (never sleeping), and reading what the list shows."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from api.models import Session
from api.store import SessionStore
from tui.app import SessionBrowser

#: "Now" for every test: relative times ("3 min ago") and snapshots never depend on the clock.
NOW = 1_795_000_000.0  # 2026-11-18 08:26:40 UTC
MIN, HOUR, DAY = 60.0, 3600.0, 86400.0

#: The store path the status line shows in snapshots (the real one is a random tmp path).
LABEL = "~/.hermes/webui/sessions"


#: (id, title, updated_at offset from NOW, messages, model, workspace, pinned, archived)
SESSIONS: tuple[tuple[str, str, float, int, str, str, bool, bool], ...] = (
    ("aaaa00000001", "Fix the login redirect loop", -3 * MIN, 6, "openai/gpt-5",
     "/home/dev/code/auth-service", False, False),
    ("aaaa00000002", "Why is CI red on main?", -2 * HOUR, 12, "anthropic/claude-sonnet-4.5",
     "/home/dev/project", True, False),
    ("aaaa00000003", "Plan the Q3 roadmap", -26 * HOUR, 4, "google/gemini-2.5-pro",
     "/home/dev/notes", False, False),
    ("aaaa00000004", "[b]not bold[/b] and [@click=app.quit]not a link[/]", -3 * DAY, 2,
     "openai/gpt-5-mini", "/home/dev/project", False, False),
    ("aaaa00000005", "日本語のタイトルと絵文字 🚀 の列揃え", -5 * DAY, 8, "qwen/qwen3-coder",
     "/srv/infra", False, False),
    ("aaaa00000006", "Old archived experiment", -40 * DAY, 30, "deepseek/deepseek-chat",
     "/home/dev/scratch", False, True),
    ("aaaa00000007", "A very long title that keeps going well past the width of any title "
     "column we could give it", -200 * DAY, 240, "anthropic/claude-opus-4.1",
     "/home/dev/code/a/deeply/nested/workspace/path", False, False),
    ("aaaa00000008", "Escape \x1b[2J\x1b]52;c;aGk=\x07 stays inert", -300 * DAY, 3,
     "local/llama-3.1-8b", "/home/dev/scratch", False, False),
    ("aaaa00000009", "Archived but pinned", -10 * DAY, 5, "openai/gpt-5",
     "/home/dev/project", True, True),
)


def make_session(
    sid: str, title: str, offset: float, messages: int, model: str, workspace: str,
    pinned: bool, archived: bool,
) -> Session:
    updated = NOW + offset
    return Session(
        session_id=sid,
        title=title,
        messages=[
            {"role": ("user", "assistant")[i % 2], "content": f"message {i}",
             "timestamp": updated - (messages - i) * 10}
            for i in range(messages)
        ],
        workspace=workspace,
        model=model,
        created_at=updated - HOUR,
        updated_at=updated,
        pinned=pinned,
        archived=archived,
        extra_field_from_hermes={"kept": True},
    )


def build_store(folder: Path, sessions: Any = SESSIONS) -> SessionStore:
    folder.mkdir(parents=True, exist_ok=True)
    store = SessionStore(folder)
    for spec in sessions:
        store.save(make_session(*spec), touch=False)
    return store


def make_app(store: SessionStore, **kwargs: Any) -> SessionBrowser:
    """The app with a frozen clock, UTC, and a fixed store label (deterministic screens).

    The store is not polled for changes unless asked (`poll_interval=...`): a test of live
    updates says so, and calls `app.main.poll_store()` or waits for the poller; every other test
    sees only its own edits, whatever the timing."""
    kwargs.setdefault("clock", lambda: NOW)
    kwargs.setdefault("tz", UTC)
    kwargs.setdefault("store_label", LABEL)
    kwargs.setdefault("poll_interval", None)
    return SessionBrowser(store, **kwargs)


def read_record(store: SessionStore, sid: str) -> dict[str, Any]:
    """A session file as it is on disk now."""
    return dict(store.load(sid).__dict__)




async def loaded(pilot: Pilot[None]) -> SessionBrowser:
    """Wait until the rows are loaded and drawn; returns the app."""
    app = pilot.app
    assert isinstance(app, SessionBrowser)
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert app.main.loaded
    return app


async def settled(pilot: Pilot[None]) -> SessionBrowser:
    """Wait until every queued save is on disk and its result is on screen."""
    app = pilot.app
    assert isinstance(app, SessionBrowser)
    await app.edits.wait_idle()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()
    return app


def lines(app: SessionBrowser) -> list[str]:
    """The list's lines as a person sees them (line 0 is the column header; group headings
    such as "── Today ──" are lines too)."""
    listing = app.main.session_list
    return [listing.render_line(y).text for y in range(listing.size.height)]


def row_lines(app: SessionBrowser) -> list[str]:
    """The column header, then the sessions' lines on screen (group headings left out)."""
    return [line for line in lines(app) if not line.startswith("──")]


def line_of(app: SessionBrowser, sid: str) -> str:
    """The line on screen showing session `sid` (fails loudly when it is not on screen)."""
    listing = app.main.session_list
    index = app.main.rows.index_of(sid)
    assert index is not None, f"{sid} is not in the view"
    y = listing.line_of(index) - round(listing.scroll_y) + 1
    assert 1 <= y < listing.size.height, f"{sid} is scrolled out of view"
    return listing.render_line(y).text


def list_y(app: SessionBrowser, index: int) -> int:
    """The widget-relative y of row `index` (for clicks)."""
    listing = app.main.session_list
    return listing.line_of(index) - round(listing.scroll_y) + 1


async def wait_until(
    pilot: Pilot[None], condition: Callable[[], bool], timeout: float = 30.0, what: str = ""
) -> None:
    """Let the app run until `condition()` holds; fail loudly after `timeout` seconds. (It
    returns as soon as the condition holds: the timeout is for a loaded two-core machine,
    where the message indexer's child, at a lower priority, or a Hermes server answering
    over HTTP can take several seconds.)"""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}")
        await pilot.pause(0.02)


def screen_text(app: SessionBrowser) -> str:
    """The whole screen as plain text, line by line, as the compositor last drew it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def shown_ids(app: SessionBrowser) -> list[str]:
    return [row["session_id"] for row in app.main.rows]


def cursor_id(app: SessionBrowser) -> str | None:
    row = app.main.session_list.highlighted
    return None if row is None else row["session_id"]


def notifications(app: SessionBrowser) -> list[str]:
    return [n.message for n in app._notifications]
