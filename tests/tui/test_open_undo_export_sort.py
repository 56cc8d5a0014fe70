"""Opening transcripts (and editing from them), undo, export, sorting and grouping, projects:
each through the keys, checking the screen and the files on disk."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from tui_helpers import (
    DAY,
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

from api.store import SessionStore
from tui.screens.transcript import TranscriptScreen
from tui.widgets.session_list import PIN_MARK

# ── the transcript ─────────────────────────────────────────────────────────────


async def open_transcript(pilot: Any) -> TranscriptScreen:
    app = pilot.app
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, TranscriptScreen)
                     and app.screen.loaded, what="the transcript to load")
    screen = app.screen
    assert isinstance(screen, TranscriptScreen)
    return screen


async def test_enter_opens_the_transcript_and_escape_comes_back(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j", "j")
        screen = await open_transcript(pilot)
        assert screen.session_id == "aaaa00000004" and screen.message_index is None
        assert screen.title_text == "[b]not bold[/b] and [@click=app.quit]not a link[/]"
        # The list's keys do nothing underneath while the transcript is on top.
        await pilot.press("s", "slash", "A")
        assert app.main.rows.order.name == "updated" and not app.main.search_bar.is_open
        assert not app.main.rows.show_archived
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert cursor_id(app) == "aaaa00000004" and app.main.session_list.has_focus


async def test_double_click_opens_the_transcript(store: SessionStore) -> None:
    from tui_helpers import list_y

    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.click("#sessions", offset=(10, list_y(app, 2)), times=2)
        await wait_until(pilot, lambda: isinstance(app.screen, TranscriptScreen),
                         what="the transcript")
        assert app.screen.session_id == "aaaa00000003"  # type: ignore[attr-defined]


async def test_pin_archive_and_undo_from_the_transcript(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j")
        screen = await open_transcript(pilot)
        for key, field in (("p", "pinned"), ("a", "archived")):
            await pilot.press(key)
            row = app.main.rows.get("aaaa00000001")
            assert row is not None and row[field] is True  # at once, in the list's rows
            await settled(pilot)
            assert read_record(store, "aaaa00000001")[field] is True
            assert screen.header[field] is True  # the header was told (show_row)
            await pilot.press("u")  # undo works from the transcript too
            await settled(pilot)
            assert read_record(store, "aaaa00000001")[field] is False
            assert screen.header[field] is False
        await pilot.press("escape")
        await pilot.pause()
        assert cursor_id(app) == "aaaa00000001"


async def test_rename_from_the_transcript(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        screen = await open_transcript(pilot)
        await pilot.press("r", *"CI green", "enter")
        assert screen.title_text == "CI green"  # shown at once
        await settled(pilot)
        assert read_record(store, "aaaa00000002")["title"] == "CI green"
        await pilot.press("escape")
        await pilot.pause()
        assert "CI green" in line_of(app, "aaaa00000002")


async def test_failed_edit_in_the_transcript_rolls_the_header_back(
    store: SessionStore, monkeypatch: Any
) -> None:
    def refuse(sid: str, pinned: bool) -> dict[str, Any]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store, "set_pinned", refuse)
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j")
        screen = await open_transcript(pilot)
        await pilot.press("p")
        await settled(pilot)
        assert screen.header["pinned"] is False
        assert any("Could not pin" in m for m in notifications(app))


# ── undo ───────────────────────────────────────────────────────────────────────


async def test_undo_several_levels(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        original = read_record(store, "aaaa00000003")
        await pilot.press("j", "j")  # "Plan the Q3 roadmap"
        await pilot.press("r", *"Roadmap", "enter", "p", "a")
        await settled(pilot)
        record = read_record(store, "aaaa00000003")
        assert (record["title"], record["pinned"], record["archived"]) == ("Roadmap", True, True)
        assert record["manual_title"] is True  # Hermes will not rename it on its own now
        await pilot.press("u")  # the archive
        await settled(pilot)
        assert read_record(store, "aaaa00000003")["archived"] is False
        assert "aaaa00000003" in shown_ids(app)
        await pilot.press("ctrl+z")  # the pin
        await settled(pilot)
        assert read_record(store, "aaaa00000003")["pinned"] is False
        await pilot.press("u")  # the rename
        await settled(pilot)
        record = read_record(store, "aaaa00000003")
        assert record["title"] == "Plan the Q3 roadmap"
        # ... and may again: the undo puts back manual_title as it was (here: no such field)
        assert record.get("manual_title", "absent") == original.get("manual_title", "absent")
        assert record["extra_field_from_hermes"] == {"kept": True}
        assert "Plan the Q3 roadmap" in line_of(app, "aaaa00000003")
        assert not line_of(app, "aaaa00000003").startswith(PIN_MARK)
        await pilot.press("u")
        await pilot.pause()
        assert any("Nothing to undo" in m for m in notifications(app))


async def test_undo_of_a_rename_puts_the_row_back_where_it_was(store: SessionStore) -> None:
    """A rename moves the session to "just now"; its undo puts `updated_at` back as the file
    had it, so the session returns to its place, on screen and on disk."""
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        before = read_record(store, "aaaa00000003")["updated_at"]
        order = shown_ids(app)
        await pilot.press("j", "j", "r", *"Roadmap", "enter")
        await settled(pilot)
        assert shown_ids(app)[1] == "aaaa00000003"  # renamed just now: first after the pin
        await pilot.press("u")
        assert shown_ids(app) == order  # at once
        await settled(pilot)
        assert shown_ids(app) == order
        assert read_record(store, "aaaa00000003")["updated_at"] == before


async def test_edits_go_through_the_saver_the_app_chooses(store: SessionStore) -> None:
    """`saver_for` picks what writes each edit (the WebUI route plugs in here): every edit and
    every undo goes through it, with the store's own edit methods."""
    calls: list[tuple[str, str]] = []

    class Spy:
        def __getattr__(self, name: str) -> Any:
            method = getattr(store, name)

            def call(sid: str, *args: Any, **kwargs: Any) -> Any:
                calls.append((name, sid))
                return method(sid, *args, **kwargs)

            return call

    app = make_app(store, saver_for=lambda sid: Spy())
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "p", "r", *"New", "enter", "u")
        await settled(pilot)
        await pilot.press("a")
        await settled(pilot)
    assert calls == [("set_pinned", "aaaa00000001"), ("rename", "aaaa00000001"),
                     ("update", "aaaa00000001"), ("set_archived", "aaaa00000001")]
    assert read_record(store, "aaaa00000001")["title"] == "Fix the login redirect loop"


async def test_undo_is_shown_at_once_and_saved_in_order(
    store: SessionStore, monkeypatch: Any
) -> None:
    """Undo right after the edit, while its save is held back: the screen shows the undo at
    once, and the disk gets the edit then the undo, never the other way round."""
    gate = threading.Event()
    order: list[bool] = []
    real = store.update  # the pin's save and its undo's both end here

    def held(sid: str, changes: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        if not order:
            assert gate.wait(60)
        order.append(changes["pinned"])
        return real(sid, changes, **kwargs)

    monkeypatch.setattr(store, "update", held)
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "p", "u")
        assert app.main.rows.get("aaaa00000001")["pinned"] is False  # type: ignore[index]
        gate.set()
        await settled(pilot)
        assert order == [True, False]
        assert read_record(store, "aaaa00000001")["pinned"] is False


async def test_an_edit_that_failed_is_not_undone(store: SessionStore, monkeypatch: Any) -> None:
    def refuse(sid: str, archived: bool) -> dict[str, Any]:
        raise OSError(28, "No space left on device")

    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "p")
        await settled(pilot)
        monkeypatch.setattr(store, "set_archived", refuse)
        await pilot.press("a")  # fails and is put back
        await settled(pilot)
        await pilot.press("u")  # so this undoes the pin, the last edit that happened
        await settled(pilot)
        record = read_record(store, "aaaa00000001")
        assert (record["pinned"], record["archived"]) == (False, False)


# ── export ─────────────────────────────────────────────────────────────────────


async def test_export_writes_markdown_and_never_overwrites(
    store: SessionStore, tmp_path: Path
) -> None:
    out = tmp_path / "exports"
    out.mkdir()
    app = make_app(store, export_dir=out)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "e")
        await settled(pilot)
        first = out / "fix-the-login-redirect-loop-aaaa00000001.md"
        assert first.is_file()
        text = first.read_text()
        assert text.startswith("# Fix the login redirect loop\n")
        assert "- **Session:** aaaa00000001" in text and "message 5" in text
        assert os.stat(first).st_mode & 0o777 == 0o600
        assert any(str(first) in m for m in notifications(app))  # the path is shown
        await pilot.press("e")
        await settled(pilot)
        second = out / "fix-the-login-redirect-loop-aaaa00000001-2.md"
        assert second.read_text() == text and first.read_text() == text
        # Titles that make no file name: wide characters, escape sequences.
        for sid in ("aaaa00000005", "aaaa00000008"):
            app.main.session_list.move_to(app.main.rows.index_of(sid) or 0)
            await pilot.press("e")
        await settled(pilot)
    assert sorted(p.name for p in out.glob("*.md"))[:2] == [
        "escape-2j-52-c-agk-stays-inert-aaaa00000008.md",
        "fix-the-login-redirect-loop-aaaa00000001-2.md",
    ]
    assert (out / "session-aaaa00000005.md").is_file()


async def test_export_failure_is_a_notification(
    store: SessionStore, tmp_path: Path, read_only: Any
) -> None:
    out = tmp_path / "ro"
    out.mkdir()
    app = make_app(store, export_dir=out)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        read_only(out)
        await pilot.press("e")
        await settled(pilot)
        assert any("Could not export" in m and "read-only" in m for m in notifications(app))
    assert list(out.iterdir()) == []


# ── sorting, grouping, projects ────────────────────────────────────────────────


async def test_s_cycles_the_order_and_the_cursor_stays(store: SessionStore) -> None:
    for sid, created, last in (("aaaa00000001", 5 * DAY, 3.0), ("aaaa00000003", 1.0, 1.0),
                               ("aaaa00000004", 2 * DAY, 4 * DAY)):
        store.update(sid, {"created_at": NOW - created}, touch=False)
        store.update(sid, {"messages": [{"role": "user", "content": "x",
                                         "timestamp": NOW - last}]}, touch=False)
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j", "j")
        assert cursor_id(app) == "aaaa00000004"
        seen = []
        for _ in range(5):
            await pilot.press("s")
            seen.append((app.main.rows.order.name, shown_ids(app)))
            assert cursor_id(app) == "aaaa00000004"
            assert f"by {app.main.rows.order.label}" in str(app.main.counts.render())
        assert [name for name, _ in seen] == ["last_message", "created", "title", "messages",
                                              "updated"]
        orders = dict(seen)
        assert orders["last_message"][:4] == ["aaaa00000002", "aaaa00000003", "aaaa00000001",
                                              "aaaa00000004"]
        assert orders["created"][:2] == ["aaaa00000002", "aaaa00000003"]
        titles = [app.main.rows.get(sid)["title"] for sid in orders["title"][1:]]  # type: ignore[index]
        assert titles == sorted(titles, key=str.casefold)
        counts = [app.main.rows.get(sid)["message_count"] for sid in orders["messages"][1:]]  # type: ignore[index]
        assert counts == sorted(counts, reverse=True)
        assert orders["updated"][0] == "aaaa00000002"  # pinned first in every order
        assert all(ids[0] == "aaaa00000002" for ids in orders.values())


async def test_time_column_and_headings_follow_the_order(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        assert lines(app)[0].split()[:3] == ["Title", "Last", "active"]
        await pilot.press("s")
        assert "Last msg▾" in lines(app)[0]
        await pilot.press("s")
        assert "Created▾" in lines(app)[0]
        assert any(line.startswith("── Today") for line in lines(app))  # grouped by created
        await pilot.press("s")
        assert lines(app)[0].split()[0] == "Title▾"
        assert not any(line.startswith("──") for line in lines(app))  # not a time order
        await pilot.press("s")
        assert "Msgs▾" in lines(app)[0]


async def test_groups_in_the_default_order(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        assert "Project" not in lines(app)[0]  # no projects.json: no project column
        headings = [line.split()[1] + (" week" if "This week" in line else "")
                    for line in lines(app) if line.startswith("──")]
        assert headings == ["Pinned", "Today", "Yesterday", "This week", "Older"]
        text = lines(app)
        assert text[1].startswith("── Pinned") and text[1].rstrip().endswith("1")
        assert text[3].startswith("── Today")
        assert text[7].startswith("── This week") and text[7].rstrip().endswith("2")
        # The cursor skips headings: down from the pinned row lands on the next session.
        await pilot.press("j")
        assert cursor_id(app) == "aaaa00000001"
        await pilot.press("j", "j", "j", "j", "j", "j")
        assert cursor_id(app) == "aaaa00000008"
        await pilot.press("home")
        assert round(app.main.session_list.scroll_y) == 0  # the first heading shows too


async def test_project_names_in_their_color(hermes_store: SessionStore) -> None:
    app = make_app(hermes_store)
    async with app.run_test(size=(150, 20)) as pilot:
        await loaded(pilot)
        listing = app.main.session_list
        index = app.main.rows.index_of("a1b2c3d4e5f6")
        assert index is not None
        strip = listing.render_line(listing.line_of(index) - round(listing.scroll_y) + 1)
        cell = next(seg for seg in strip if seg.text.startswith("auth-service"))
        assert cell.style is not None and cell.style.color is not None
        assert cell.style.color.triplet is not None
        assert cell.style.color.triplet.hex == "#e06c75"
        await pilot.press("A")
        assert "planning" in line_of(app, "20251102_141502_9c1d2e")


async def test_projects_json_changes_are_picked_up(hermes_store: SessionStore) -> None:
    app = make_app(hermes_store)
    async with app.run_test(size=(150, 20)) as pilot:
        await loaded(pilot)
        path = hermes_store.directory.parent / "projects.json"
        path.write_text('[{"project_id": "proj0000aaaa", "name": "identity", "color": "#00ff00"}]')
        app.main.poll_store()
        await wait_until(pilot, lambda: "identity" in line_of(app, "a1b2c3d4e5f6"),
                         what="the new project name")


def test_app_keys_are_unique() -> None:
    from tui.keys import APP_KEYS, LIST_KEYS

    keys = [k for key in APP_KEYS + LIST_KEYS for k in key.keys.split(",")]
    assert len(keys) == len(set(keys))


async def test_ctrl_z_while_renaming_does_not_undo(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("p")  # unpin CI (something to undo)
        await settled(pilot)
        await pilot.press("r", "ctrl+z")
        assert app.main.editor.is_open
        assert read_record(store, "aaaa00000002")["pinned"] is False
        await pilot.press("escape", "ctrl+z")
        await settled(pilot)
        assert read_record(store, "aaaa00000002")["pinned"] is True


def test_help_for_the_transcript_matches_its_bindings() -> None:
    """The help screen's transcript section is written in tui.keys; the bindings live in the
    transcript's own module: every key the help names must be bound to that action there."""
    from textual.binding import Binding

    from tui.keys import TRANSCRIPT_KEYS
    from tui.widgets.transcript_view import TranscriptView

    bound: dict[str, set[str]] = {}
    for binding in [*TranscriptScreen.BINDINGS, *TranscriptView.BINDINGS]:
        assert isinstance(binding, Binding)
        for key in binding.key.split(","):
            bound.setdefault(binding.action, set()).add(key.strip())
    for key in TRANSCRIPT_KEYS:
        if key.action:
            assert set(key.keys.split(",")) <= bound.get(key.action, set()), key
