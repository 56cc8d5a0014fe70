"""Bad input never reaches the screen as a traceback, markup or a terminal control sequence;
failed saves put the row back and say why; loading never blocks the first frame."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tui_helpers import (
    build_store,
    cursor_id,
    line_of,
    list_y,
    loaded,
    make_app,
    notifications,
    read_record,
    row_lines,
    screen_text,
    settled,
    shown_ids,
)

from api.store import SessionStore


def snapshot_files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "_index.lock"}


async def test_markup_in_titles_is_literal_text(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(150, 20)) as pilot:
        await loaded(pilot)
        row = app.main.rows.index_of("aaaa00000004")
        assert row is not None
        line = line_of(app, "aaaa00000004")
        assert "[b]not bold[/b] and [@click=app.quit]not a link[/]" in line
        # No segment carries a style link or an action: the text is inert.
        strip = app.main.session_list.render_line(list_y(app, row))
        assert all(not (seg.style and (seg.style.link or seg.style.meta)) for seg in strip)
        # Clicking the "link" only moves the cursor; the app keeps running.
        await pilot.click("#sessions", offset=(40, list_y(app, row)))
        await pilot.pause()
        assert app.is_running and cursor_id(app) == "aaaa00000004"
        # The rename editor shows the same literal text and saves it unchanged.
        await pilot.press("r")
        assert app.main.editor.value == "[b]not bold[/b] and [@click=app.quit]not a link[/]"
        await pilot.press("end", *" [i]x[/i]", "enter")
        await settled(pilot)
        title = read_record(store, "aaaa00000004")["title"]
        assert title == "[b]not bold[/b] and [@click=app.quit]not a link[/] [i]x[/i]"
        assert app.is_running


async def test_escape_sequences_render_inert(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        index = app.main.rows.index_of("aaaa00000008")
        assert index is not None
        strip = app.main.session_list.render_line(list_y(app, index))
        text = "".join(segment.text for segment in strip)
        assert "\x1b" not in text and "\x07" not in text
        assert "Escape ␛[2J␛]52;c;aGk=␇ stays inert" in text
        # Nothing on the whole screen holds a control character.
        assert not any(ord(c) < 32 and c != "\n" for c in screen_text(app))


async def test_read_only_store_puts_row_back_and_says_why(
    store: SessionStore, read_only: Callable[[Path], None]
) -> None:
    before = snapshot_files(store.directory)
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        read_only(store.directory)
        await pilot.press("j")  # "Fix the login redirect loop", unpinned
        await pilot.press("p")
        await settled(pilot)
        assert shown_ids(app)[:2] == ["aaaa00000002", "aaaa00000001"]  # put back
        assert app.main.rows.get("aaaa00000001")["pinned"] is False  # type: ignore[index]
        assert cursor_id(app) == "aaaa00000001"
        messages = notifications(app)
        assert any("Could not pin" in m and "read-only" in m for m in messages), messages
        # A rename fails the same way and is put back too; the app keeps working.
        await pilot.press("r", *"new", "enter")
        await settled(pilot)
        assert app.main.rows.get("aaaa00000001")["title"] == "Fix the login redirect loop"  # type: ignore[index]
        assert "Fix the login redirect loop" in row_lines(app)[2]
        assert len([m for m in notifications(app) if "read-only" in m]) == 2
        assert app.is_running
    assert snapshot_files(store.directory) == before  # nothing on disk changed


async def test_file_deleted_meanwhile(store: SessionStore) -> None:
    """A single edit of a session another program deleted: the row leaves the list (as after
    a batch), the message says why, and nothing is resurrected."""
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j")
        title = app.main.rows.get("aaaa00000003")["title"]  # type: ignore[index]
        os.unlink(store.directory / "aaaa00000003.json")
        await pilot.press("a")
        await settled(pilot)
        assert "aaaa00000003" not in shown_ids(app)
        assert app.main.rows.get("aaaa00000003") is None  # not only hidden: gone
        assert not any(title in line for line in row_lines(app))
        said = [m for m in notifications(app) if "deleted by another program" in m]
        assert said and title in said[0], notifications(app)
        assert not (store.directory / "aaaa00000003.json").exists()  # not resurrected
        # A rename of another deleted one goes the same way; the cursor stays in the list.
        os.unlink(store.directory / "aaaa00000001.json")
        app.main.session_list.move_to(app.main.rows.index_of("aaaa00000001") or 0)
        await pilot.press("r", *"new", "enter")
        await settled(pilot)
        assert "aaaa00000001" not in shown_ids(app)
        assert app.main.session_list.highlighted is not None
        assert not (store.directory / "aaaa00000001.json").exists()


async def test_a_failing_edit_does_not_undo_a_later_one(
    store: SessionStore, monkeypatch: Any
) -> None:
    real = store.set_pinned

    def flaky(sid: str, pinned: bool) -> dict[str, Any]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "set_pinned", flaky)
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "p", "r", *"kept", "enter")
        await settled(pilot)
        row = app.main.rows.get("aaaa00000001")
        assert row is not None and (row["pinned"], row["title"]) == (False, "kept")
        assert read_record(store, "aaaa00000001")["title"] == "kept"
        assert any("No space left on device" in m for m in notifications(app))
    monkeypatch.setattr(store, "set_pinned", real)


async def test_corrupt_files_and_index(tmp_path: Path) -> None:
    store = build_store(tmp_path / "sessions")
    folder = store.directory
    (folder / "_index.json").write_text("{not json")
    (folder / "bbbb00000001.json").write_text("")
    (folder / "bbbb00000002.json").write_text("[1, 2]")
    (folder / "bbbb00000003.json").write_bytes(b"\xff\xfe garbage")
    (folder / "bbbb00000004.json").write_text('{"session_id": "someone-else"}')
    (folder / "bbbb00000005.json").write_text(
        '{"session_id": "bbbb00000005", "title": 42, "updated_at": "soon", "pinned": "yes",'
        ' "messages": "not a list", "model": null}'
    )
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        assert "bbbb00000005" in shown_ids(app)  # coerced, shown
        assert len(app.main.rows) == 8
        assert "Traceback" not in screen_text(app)
        # Editing the coerced one works.
        app.main.session_list.move_to(app.main.rows.index_of("bbbb00000005") or 0)
        await pilot.press("r", *"fixed", "enter")
        await settled(pilot)
        assert read_record(store, "bbbb00000005")["title"] == "fixed"


async def test_vanished_store(tmp_path: Path) -> None:
    store = build_store(tmp_path / "sessions")
    for path in store.directory.iterdir():
        path.unlink()
    store.directory.rmdir()
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded_or_failed(pilot)
        assert any("does not exist" in m for m in notifications(app))
        assert "Could not read the store" in screen_text(app)
        await pilot.press("j", "r", "p", "a", "A")  # nothing to act on: no crash
        await pilot.pause()
        assert app.is_running


async def test_unreadable_store(tmp_path: Path, monkeypatch: Any) -> None:
    store = build_store(tmp_path / "sessions")

    def denied() -> list[dict[str, Any]]:
        raise PermissionError(13, "Permission denied", str(store.directory))

    monkeypatch.setattr(store, "list_rows", denied)
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded_or_failed(pilot)
        assert any("permission denied" in m for m in notifications(app))


async def loaded_or_failed(pilot: Any) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def hold_list_rows(store: SessionStore, monkeypatch: Any) -> threading.Event:
    """Make the store's full read wait until the returned event is set."""
    gate = threading.Event()
    real = store.list_rows

    def slow_rows() -> list[dict[str, Any]]:
        assert gate.wait(60)
        return real()

    monkeypatch.setattr(store, "list_rows", slow_rows)
    return gate


async def test_first_frame_does_not_wait_for_the_index(
    store: SessionStore, monkeypatch: Any
) -> None:
    gate = hold_list_rows(store, monkeypatch)
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await pilot.pause()
        # The UI is up and responsive while the rows load.
        assert "Loading sessions…" in screen_text(app)
        assert "loading…" in screen_text(app)
        await pilot.press("j", "question_mark")
        await pilot.pause()
        assert app.screen.id != "_default"
        await pilot.press("escape")
        gate.set()
        await loaded(pilot)
        assert shown_ids(app)[0] == "aaaa00000002"


async def test_empty_store(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    app = make_app(SessionStore(folder))
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        assert "No sessions in this store yet." in screen_text(app)
        assert "0 sessions · 0 shown" in screen_text(app)
        await pilot.press("r", "p", "a", "j", "end")
        await pilot.pause()
        assert not app.main.editor.is_open and app.is_running


async def test_hermes_written_store(hermes_store: SessionStore) -> None:
    app = make_app(hermes_store)
    async with app.run_test(size=(150, 20)) as pilot:
        await loaded(pilot)
        assert app.main.rows.total == 5
        text = screen_text(app)
        assert "[b]not bold[/b] and [@click=app.quit]not a link[/]" in text
        assert row_lines(app)[1].startswith("★")  # Hermes' pinned session first
        sid = cursor_id(app)
        assert sid is not None
        before = read_record(hermes_store, sid)
        await pilot.press("r", *"Renamed here", "enter")
        await settled(pilot)
        after = read_record(hermes_store, sid)
        assert after["title"] == "Renamed here"
        # Every field Hermes wrote is still there, in its order.
        assert list(after) == list(before)
        changed = ("title", "updated_at", "manual_title")
        assert {k: v for k, v in after.items() if k not in changed} == {
            k: v for k, v in before.items() if k not in changed
        }


async def test_big_store_shows_its_newest_and_pinned_rows_before_the_full_read(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """At 100,000 sessions the full read takes most of a second: a preview comes first."""
    from tui_helpers import wait_until

    store = SessionStore(tmp_path / "sessions")
    store.directory.mkdir()
    for i in range(260):
        store.save(store.new_session(session_id=f"s{i:04}", title=f"Session {i}",
                                     updated_at=1_000.0 + i, pinned=(i == 7)), touch=False)
    gate = hold_list_rows(store, monkeypatch)
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await wait_until(pilot, lambda: "Session 259" in screen_text(app), what="the preview")
        text = screen_text(app)
        assert text.index("Session 7") < text.index("Session 259"), "pinned first"
        assert "reading every session…" in text
        assert not app.main.loaded
        await pilot.press("j", "p", "r")  # looking works; editing waits for the full list
        await pilot.pause()
        assert not app.main.editor.is_open
        assert read_record(store, "s0259")["pinned"] is False
        gate.set()
        await loaded(pilot)
        assert app.main.loaded and "260 sessions" in screen_text(app)
        assert cursor_id(app) == "s0259", "the cursor stays where it was moved"
