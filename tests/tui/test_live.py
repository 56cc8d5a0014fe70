"""Live updates: another process writes the store while the app is open.

The writer is a real second process (`subprocess`, a fresh interpreter) that edits the store
through `api.store.SessionStore`, as Hermes WebUI or a second browser would. The app notices by
polling `change_token()` and merges what it reads: new sessions appear, changed titles update,
deleted ones go, the cursor stays on its session, edits not yet saved stay on screen, an open
rename editor is not disturbed.

A reload takes one of two paths: the few rows another program changed are put into the list on
screen (the usual case), or after a big change the whole list is built anew. The `reload_path`
fixture runs a test down each.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from typing import Any

import pytest
from tui_helpers import (
    HOUR,
    MIN,
    NOW,
    cursor_id,
    line_of,
    lines,
    loaded,
    make_app,
    notifications,
    read_record,
    settled,
    shown_ids,
    wait_until,
)

import tui.live.sync
from api.store import SessionStore
from tui.live.watcher import POLL_SECONDS
from tui.screens.transcript import TranscriptScreen

WRITER = r"""
import json, os, sys
from api.store import SessionStore

store = SessionStore(sys.argv[1])
for op in json.loads(sys.argv[2]):
    kind, sid = op[0], op[1]
    if kind == "add":
        title, updated = op[2], op[3]
        session = store.new_session(
            session_id=sid, title=title, model="hermes/agent", workspace="/srv/hermes",
            created_at=updated - 60, updated_at=updated, pinned=False, archived=False,
            messages=[{"role": "user", "content": "hello from the other process"}],
        )
        store.save(session, touch=False)
    elif kind == "update":  # fields, as Hermes writes them (explicit times: deterministic)
        store.update(sid, op[2], touch=False)
    elif kind == "say":  # the agent appends a message
        store.modify(sid, lambda s: s.messages.append({"role": "assistant", "content": op[2]}),
                     touch=False)
    elif kind == "delete":  # Hermes deletes the file; readers drop the row
        os.unlink(store.directory / (sid + ".json"))
"""


def other_process(store: SessionStore, *ops: Any) -> None:
    """Run `ops` in a second Python process writing through SessionStore; fail loudly."""
    done = subprocess.run(
        [sys.executable, "-c", WRITER, str(store.directory), json.dumps(ops)],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(params=["delta", "whole"])
def reload_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """"delta": changed rows are put into the list (what a small store always gets); "whole":
    every reload builds the list anew, as after a change of more than `MAX_DELTA` rows."""
    if request.param == "whole":
        monkeypatch.setattr(tui.live.sync, "MAX_DELTA", -1)
    return str(request.param)


async def test_second_process_edits_show_while_the_app_polls(store: SessionStore) -> None:
    app = make_app(store, poll_interval=POLL_SECONDS)  # the real poller, at its real pace
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j", "j")
        assert cursor_id(app) == "aaaa00000004"
        other_process(
            store,
            ("add", "bbbb00000001", "Brand new from Hermes", NOW - MIN),
            ("update", "aaaa00000003", {"title": "Renamed by Hermes"}),
            ("delete", "aaaa00000005"),
        )
        await wait_until(  # (how fast they show is measured in bench/tui.py, not here)
            pilot,
            lambda: "bbbb00000001" in shown_ids(app) and "aaaa00000005" not in shown_ids(app)
            and app.main.rows.get("aaaa00000003")["title"] == "Renamed by Hermes",  # type: ignore[index]
            timeout=30, what="the other process's edits on screen",
        )
        await pilot.pause()
        assert shown_ids(app) == ["aaaa00000002", "bbbb00000001", "aaaa00000001",
                                  "aaaa00000003", "aaaa00000004", "aaaa00000007",
                                  "aaaa00000008"]
        assert "Brand new from Hermes" in line_of(app, "bbbb00000001")
        assert "Renamed by Hermes" in line_of(app, "aaaa00000003")
        assert cursor_id(app) == "aaaa00000004"  # the cursor stayed on its session
        assert "9 sessions · 7 shown" in str(app.main.counts.render())
        # And the app still edits what is there now.
        await pilot.press("p")
        await settled(pilot)
        assert read_record(store, "aaaa00000004")["pinned"] is True


async def test_a_change_elsewhere_replaces_only_that_row(store: SessionStore) -> None:
    """Another process renames one session: that line changes, the cursor stays on its own
    session, and the list is updated where it is rather than rebuilt (every other session
    keeps the very row the store handed out before, which is what makes this cheap at
    100,000 sessions)."""
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j", "j")
        assert cursor_id(app) == "aaaa00000004"
        rows = app.main.rows
        before = {row["session_id"]: row for row in rows.all_rows()}
        other_process(store, ("update", "aaaa00000003", {"title": "Renamed by Hermes"}))
        app.main.poll_store()
        await wait_until(pilot, lambda: app.main.rows.get("aaaa00000003")["title"]  # type: ignore[index]
                         == "Renamed by Hermes", what="the rename")
        await pilot.pause()
        assert "Renamed by Hermes" in line_of(app, "aaaa00000003")
        assert cursor_id(app) == "aaaa00000004"
        assert app.main.rows is rows  # updated in place
        assert [sid for sid, row in before.items() if app.main.rows.get(sid) is not row] == [
            "aaaa00000003"
        ]
        assert "9 sessions · 7 shown" in str(app.main.counts.render())


async def test_a_session_deleted_elsewhere_goes_and_the_cursor_stays(
    store: SessionStore, reload_path: str
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j", "j")
        assert cursor_id(app) == "aaaa00000004"
        other_process(store, ("delete", "aaaa00000003"), ("delete", "aaaa00000007"))
        app.main.poll_store()
        await wait_until(pilot, lambda: "aaaa00000003" not in shown_ids(app), what="the delete")
        await pilot.pause()
        assert shown_ids(app) == ["aaaa00000002", "aaaa00000001", "aaaa00000004",
                                  "aaaa00000005", "aaaa00000008"]
        assert "Plan the Q3 roadmap" not in "\n".join(lines(app))
        assert cursor_id(app) == "aaaa00000004"
        assert "7 sessions · 5 shown" in str(app.main.counts.render())
        # Gone for good: the next change elsewhere does not bring it back.
        other_process(store, ("update", "aaaa00000005", {"title": "Still here"}))
        app.main.poll_store()
        await wait_until(pilot, lambda: app.main.rows.get("aaaa00000005")["title"]  # type: ignore[index]
                         == "Still here", what="the next reload")
        assert app.main.rows.get("aaaa00000003") is None and len(app.main.rows) == 5


async def test_the_list_does_not_jump_under_the_cursor(
    store: SessionStore, reload_path: str
) -> None:
    """Scrolled down, sessions arriving at the top keep the cursor's line where it was."""
    app = make_app(store)
    async with app.run_test(size=(120, 9)) as pilot:
        await loaded(pilot)
        await pilot.press("end", "k")
        listing = app.main.session_list
        assert cursor_id(app) == "aaaa00000007" and listing.scroll_y > 0
        screen_line = listing.line_of(listing.cursor) - round(listing.scroll_y)
        other_process(store, ("add", "bbbb00000001", "New one", NOW - MIN),
                      ("add", "bbbb00000002", "Newer one", NOW - 30))
        app.main.poll_store()
        await wait_until(pilot, lambda: "bbbb00000002" in shown_ids(app), what="the reload")
        await pilot.pause()
        assert cursor_id(app) == "aaaa00000007"
        assert listing.line_of(listing.cursor) - round(listing.scroll_y) == screen_line


async def test_pending_edit_stays_on_top_of_a_reload(
    store: SessionStore, monkeypatch: Any, reload_path: str
) -> None:
    """A pin still being saved while another process renames the same session: the screen
    shows both at once, and the disk ends with both."""
    gate = threading.Event()
    real = store.set_pinned

    def slow_pin(sid: str, pinned: bool) -> dict[str, Any]:
        assert gate.wait(60)
        return real(sid, pinned)

    monkeypatch.setattr(store, "set_pinned", slow_pin)
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "p")  # pin "Fix the login redirect loop": held back
        assert app.main.rows.get("aaaa00000001")["pinned"] is True  # type: ignore[index]
        other_process(store, ("update", "aaaa00000001", {"title": "Fixed by the agent"}),
                      ("say", "aaaa00000001", "done"))
        app.main.poll_store()
        await wait_until(pilot, lambda: app.main.rows.get("aaaa00000001")["title"]  # type: ignore[index]
                         == "Fixed by the agent", what="the reload")
        row = app.main.rows.get("aaaa00000001")
        assert row is not None and row["pinned"] is True  # the pending pin, re-applied
        assert row["message_count"] == 7  # the agent's new message counted
        assert cursor_id(app) == "aaaa00000001"
        assert "★" in line_of(app, "aaaa00000001")
        gate.set()
        await settled(pilot)
        record = read_record(store, "aaaa00000001")
        assert (record["pinned"], record["title"]) == (True, "Fixed by the agent")
        assert record["messages"][-1]["content"] == "done"


async def test_open_rename_editor_is_not_disturbed(store: SessionStore, reload_path: str) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j", "r", *"My new plan")
        editor = app.main.editor
        assert editor.session_id == "aaaa00000003"
        before_y = editor.region.y
        # Another process adds a session above it (rows move down) and the agent writes in
        # the very session being renamed.
        other_process(
            store,
            ("add", "bbbb00000001", "Arrived meanwhile", NOW - MIN),
            ("say", "aaaa00000003", "the agent's new message"),
        )
        app.main.poll_store()
        await wait_until(pilot, lambda: "bbbb00000001" in shown_ids(app), what="the reload")
        await pilot.pause()
        assert editor.is_open and editor.has_focus
        assert editor.value == "My new plan"  # what was typed is still there
        index = app.main.rows.index_of("aaaa00000003")
        region = app.main.session_list.title_region(index or 0)
        assert region is not None and editor.region.y == region.y == before_y + 1
        await pilot.press("enter")
        await settled(pilot)
        record = read_record(store, "aaaa00000003")
        assert record["title"] == "My new plan"
        assert record["messages"][-1]["content"] == "the agent's new message"  # kept


async def test_editor_on_a_deleted_session_closes_and_says_so(
    store: SessionStore, reload_path: str
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "r")
        other_process(store, ("delete", "aaaa00000001"))
        app.main.poll_store()
        await wait_until(pilot, lambda: "aaaa00000001" not in shown_ids(app),
                         what="the deleted session to go")
        await pilot.pause()
        assert not app.main.editor.is_open and app.main.session_list.has_focus
        assert any("deleted" in m for m in notifications(app))
        assert cursor_id(app) == "aaaa00000003"  # the row that took its place


async def test_a_reload_read_before_a_save_landed_does_not_undo_it(
    store: SessionStore, monkeypatch: Any, reload_path: str
) -> None:
    """The reload worker reads the store, then a save lands, then the reload's (older) rows
    arrive: the saved pin must stay on screen."""
    gate = threading.Event()
    real = store.list_rows
    calls = 0

    def stale_rows() -> list[dict[str, Any]]:
        nonlocal calls
        calls += 1
        rows = real()
        if calls > 1:  # a reload: read now, hand over later
            assert gate.wait(60)
        return rows

    monkeypatch.setattr(store, "list_rows", stale_rows)
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        app.main.reload_rows()
        await wait_until(pilot, lambda: calls == 2, what="the reload to read the store")
        await pilot.press("j", "p")
        await app.edits.wait_idle()
        await pilot.pause()
        assert read_record(store, "aaaa00000001")["pinned"] is True
        gate.set()
        await wait_until(pilot, lambda: not app.main.sync.reading, what="the reload")
        await pilot.pause()
        assert app.main.rows.get("aaaa00000001")["pinned"] is True  # type: ignore[index]
        assert shown_ids(app)[0] == "aaaa00000001"


async def test_a_row_held_back_for_a_landing_save_is_shown_next_time(
    store: SessionStore, monkeypatch: Any, reload_path: str
) -> None:
    """A reload starts; our pin lands; then another process renames the same session; then
    the reload reads the store. The reload keeps our saved row on screen (it cannot tell the
    two apart), so the rename must come with the next reload, even though the store hands
    back the very row the held-back reload already read."""
    gate = threading.Event()
    real = store.list_rows
    calls = 0

    def late_rows() -> list[dict[str, Any]]:
        nonlocal calls
        calls += 1
        if calls == 2:  # the first reload: wait, then read
            assert gate.wait(60)
        return real()

    monkeypatch.setattr(store, "list_rows", late_rows)
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        app.main.reload_rows()
        await wait_until(pilot, lambda: calls == 2, what="the reload to start")
        await pilot.press("j", "p")
        await app.edits.wait_idle()
        await pilot.pause()
        other_process(store, ("update", "aaaa00000001", {"title": "Renamed meanwhile"}))
        gate.set()
        await wait_until(pilot, lambda: not app.main.sync.reading, what="the held-back reload")
        app.main.poll_store()
        await wait_until(pilot, lambda: app.main.rows.get("aaaa00000001")["title"]  # type: ignore[index]
                         == "Renamed meanwhile", what="the rename")
        await pilot.pause()
        line = line_of(app, "aaaa00000001")
        assert "Renamed meanwhile" in line and "★" in line
        assert cursor_id(app) == "aaaa00000001"


async def test_transcript_header_follows_another_process(
    store: SessionStore, reload_path: str
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TranscriptScreen)
                         and app.screen.loaded, what="the transcript")
        screen = app.screen
        assert isinstance(screen, TranscriptScreen)
        other_process(store, ("update", "aaaa00000001",
                              {"title": "Retitled elsewhere", "updated_at": NOW - HOUR}),
                      ("say", "aaaa00000001", "a late reply"))
        app.main.poll_store()
        await wait_until(pilot, lambda: screen.title_text == "Retitled elsewhere",
                         what="the header to follow")
        await wait_until(pilot, lambda: screen.view.transcript is not None
                         and screen.view.transcript.message_count == 7,
                         what="the transcript to reload")
        await pilot.press("escape")
        await pilot.pause()
        assert cursor_id(app) == "aaaa00000001"
        assert "Retitled elsewhere" in line_of(app, "aaaa00000001")


async def test_store_that_appears_later_is_loaded(tmp_path: Any) -> None:
    """The folder was missing at start (an error on screen); once it exists, the poller loads
    it."""
    from tui_helpers import build_store

    folder = tmp_path / "late" / "sessions"
    app = make_app(SessionStore(folder))
    async with app.run_test(size=(120, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert not app.main.loaded
        build_store(folder)
        app.main.poll_store()
        await wait_until(pilot, lambda: app.main.loaded, what="the store to load")
        assert len(app.main.rows) == 7


def footer_key_enabled(app: Any, action: str) -> bool:
    from textual.widgets._footer import FooterKey

    keys = [key for key in app.screen.query(FooterKey) if key.action == action]
    assert keys, f"no {action} key in the footer"
    return not keys[0].has_class("-disabled")


async def test_the_footer_follows_a_live_change_only_when_its_keys_do(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A session renamed elsewhere changes no key the footer offers: the footer is left as it
    is (Textual rebuilds all of it on `refresh_bindings`). Every session deleted elsewhere
    leaves none under the cursor: the keys that act on one are dimmed at once."""
    app = make_app(store)
    async with app.run_test(size=(160, 24)) as pilot:
        await loaded(pilot)
        assert footer_key_enabled(app, "rename")
        refreshes: list[object] = []
        real = app.main.refresh_bindings
        monkeypatch.setattr(app.main, "refresh_bindings", lambda: (refreshes.append(1), real()))
        other_process(store, ("update", "aaaa00000003", {"title": "Renamed by Hermes"}))
        app.main.poll_store()
        await wait_until(pilot, lambda: app.main.rows.get("aaaa00000003")["title"]  # type: ignore[index]
                         == "Renamed by Hermes", what="the rename")
        await pilot.pause()
        assert refreshes == []
        other_process(store, *[("delete", sid) for sid in shown_ids(app)])
        app.main.poll_store()
        await wait_until(pilot, lambda: not shown_ids(app), what="every shown session gone")
        await pilot.pause()
        assert refreshes and not footer_key_enabled(app, "rename")
