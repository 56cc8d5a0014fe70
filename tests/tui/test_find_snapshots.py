"""Snapshots of finding and ordering: the filter with its highlights, message search results,
the grouped list with project names, a cycled sort order. Deterministic like the others: fixed
times, frozen clock, UTC, a fixed store label; the message index is waited for, never slept
on. After a deliberate change of the look: `pytest tests/tui --snapshot-update`, then look at
every changed SVG."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from tui_helpers import loaded, make_app, settled, wait_until

from api.store import SessionStore

SnapCompare = Callable[..., bool]

PROJECTS = [
    {"project_id": "proj0000aaaa", "name": "auth-service", "color": "#e06c75"},
    {"project_id": "proj0000bbbb", "name": "planning", "color": "#61afef"},
    {"project_id": "proj0000cccc", "name": "infra", "color": "#98c379"},
]
ASSIGNED = {"aaaa00000001": "proj0000aaaa", "aaaa00000003": "proj0000bbbb",
            "aaaa00000002": "proj0000cccc", "aaaa00000005": "proj0000cccc",
            "aaaa00000008": "proj0000gone"}  # a project projects.json does not name


def with_projects(store: SessionStore) -> SessionStore:
    (store.directory.parent / "projects.json").write_text(json.dumps(PROJECTS))
    for sid, pid in ASSIGNED.items():
        store.update(sid, {"project_id": pid}, touch=False)
    return store


def with_messages(store: SessionStore) -> SessionStore:
    said = {
        "aaaa00000001": ["Why does login loop?", "The redirect loops because the session "
                         "cookie is dropped: set SameSite=Lax on the cookie and it sticks."],
        "aaaa00000003": ["Where does the cookie banner go?",
                         "The cookie banner ships in Q3, after the consent work."],
        "aaaa00000004": ["Is this title shown as markup?", "No: [b]cookie[/b] stays text."],
    }
    for sid, texts in said.items():
        row = next(r for r in store.list_rows() if r["session_id"] == sid)
        messages = [{"role": ("user", "assistant")[i % 2], "content": text,
                     "timestamp": row["updated_at"] - (len(texts) - i) * 120}
                    for i, text in enumerate(texts)]
        store.update(sid, {"messages": messages}, touch=False)
    return store


def searching(text: str, *keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Load, type `text` in the search line, wait for the message search, press `keys`."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = await loaded(pilot)
        await pilot.press("slash", *text)
        await wait_until(pilot, lambda: app.main.search_panel.settled,
                         what="message search results")
        app.main.search_bar.input.cursor_blink = False
        await pilot.press(*keys)
        await settled(pilot)

    return run_before


def pressing(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press(*keys)
        await settled(pilot)

    return run_before


def test_filter_with_highlights(snap_compare: SnapCompare, store: SessionStore) -> None:
    """`/the o`: titles, workspaces and models holding both "the" and "o"; every match is
    highlighted in each column; the headings stay; Enter put the focus back in the list."""
    assert snap_compare(make_app(store), terminal_size=(110, 18),
                        run_before=searching("the o", "enter"))


def test_message_search_results(snap_compare: SnapCompare, store: SessionStore) -> None:
    """`/cookie`: no title says it, three sessions' messages do; the results pane lists each
    message with its session, role, time and a snippet, the match highlighted; Tab Tab puts
    the cursor in it."""
    assert snap_compare(make_app(with_messages(store)), terminal_size=(110, 18),
                        run_before=searching("cookie", "tab", "tab"))


def test_grouped_list_with_projects(snap_compare: SnapCompare, store: SessionStore) -> None:
    """The default order: Pinned / Today / Yesterday / This week / Older headings with their
    counts; each row's project in its color (an unknown project id shown as is)."""
    assert snap_compare(make_app(with_projects(store)), terminal_size=(130, 20),
                        run_before=pressing())


def test_sort_cycled_to_title(snap_compare: SnapCompare, store: SessionStore) -> None:
    """`s` three times: by title (pinned still first), no headings, Title marked ▾, the
    status line says the order; the cursor stayed on its session."""
    assert snap_compare(make_app(store), terminal_size=(110, 16),
                        run_before=pressing("j", "s", "s", "s"))


def test_sort_cycled_to_created(snap_compare: SnapCompare, store: SessionStore) -> None:
    """`s` twice: by creation time; the time column says "Created" and headings group by it."""
    assert snap_compare(make_app(store), terminal_size=(110, 18),
                        run_before=pressing("s", "s"))
