"""Pilot tests, one or more per key: each checks what the screen shows and what is on disk."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets.input import Selection
from tui_helpers import (
    NOW,
    build_store,
    cursor_id,
    lines,
    list_y,
    loaded,
    make_app,
    notifications,
    read_record,
    row_lines,
    screen_text,
    settled,
    shown_ids,
    wait_until,
)

from api.store import SessionStore
from tui.keys import HELP_SECTIONS
from tui.screens.help import HelpScreen
from tui.widgets.session_list import ARCHIVE_MARK, PIN_MARK

HELP_KEYS = [key for _, keys in HELP_SECTIONS for key in keys]

DEFAULT_ORDER = [
    "aaaa00000002",  # pinned
    "aaaa00000001",
    "aaaa00000003",
    "aaaa00000004",
    "aaaa00000005",
    "aaaa00000007",
    "aaaa00000008",
]


async def test_list_order_columns_and_status(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        assert shown_ids(app) == DEFAULT_ORDER
        screen = row_lines(app)
        assert screen[0].split() == ["Title", "Last", "active", "Msgs", "Model", "Workspace"]
        assert screen[1].startswith(PIN_MARK) and "Why is CI red on main?" in screen[1]
        assert "2 h ago" in screen[1] and "12" in screen[1]
        assert "3 min ago" in screen[2] and "openai/gpt-5" in screen[2]
        assert "yesterday" in screen[3]
        assert "3 days ago" in screen[4]
        assert "2026-05-02" in screen[6]  # 200 days before NOW: a date
        assert "…" in screen[6]  # long title cut with an ellipsis
        status = str(app.main.counts.render())
        assert "9 sessions" in status and "7 shown" in status
        assert cursor_id(app) == "aaaa00000002"


async def test_wide_titles_keep_columns_aligned(store: SessionStore) -> None:
    from rich.cells import cell_len

    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        screen = row_lines(app)
        cjk = next(line for line in screen if "日本語" in line)
        plain = next(line for line in screen if "Plan the Q3 roadmap" in line)
        width = app.main.session_list.scrollable_content_region.width
        assert cell_len(cjk) == cell_len(plain) == width
        # The "Last active" column starts at the same cell on both lines.
        assert cell_len(cjk[: cjk.index("5 days ago")]) == cell_len(
            plain[: plain.index("yesterday")]
        )


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        (("j",), 1),
        (("down",), 1),
        (("j", "j", "k"), 1),
        (("down", "down", "up"), 1),
        (("end",), 6),
        (("end", "home"), 0),
        (("pagedown",), 5),  # 6 lines high, less the header: 5 a page
        (("end", "pageup"), 1),
        (("k",), 0),  # clamped at the top
    ],
)
async def test_moving_keys(store: SessionStore, keys: tuple[str, ...], expected: int) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 8)) as pilot:  # status, 6 list lines, footer
        await loaded(pilot)
        assert app.main.session_list.page_rows == 5
        await pilot.press(*keys)
        assert app.main.session_list.cursor == expected
        assert cursor_id(app) == DEFAULT_ORDER[expected]
        # The cursor's line is on screen.
        listing = app.main.session_list
        line = listing.line_of(expected)
        assert round(listing.scroll_y) <= line < round(listing.scroll_y) + listing.page_rows


async def test_end_scrolls_and_draws_the_last_session(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 9)) as pilot:
        await loaded(pilot)
        await pilot.press("end")
        await pilot.pause()
        screen = row_lines(app)
        assert "Escape" in screen[-1]  # the last session is on the last line
        assert "Why is CI red" not in "".join(screen)  # the first scrolled away


async def test_click_selects_a_row(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        # Line 0 of the list is the header; group headings sit between the sessions.
        await pilot.click("#sessions", offset=(10, list_y(app, 2)))
        assert cursor_id(app) == DEFAULT_ORDER[2]
        await pilot.click("#sessions", offset=(10, 0))  # the header: no change
        assert cursor_id(app) == DEFAULT_ORDER[2]
        await pilot.click("#sessions", offset=(10, list_y(app, 2) - 1))  # a heading: no change
        assert lines(app)[list_y(app, 2) - 1].startswith("── Yesterday")
        assert cursor_id(app) == DEFAULT_ORDER[2]


async def test_mouse_wheel_scrolls_and_carries_the_cursor(tmp_path: Any) -> None:
    many = [
        (f"w{i:011d}", f"Session {i}", -i * 60.0, 2, "m", "/w", False, False) for i in range(60)
    ]
    store = build_store(tmp_path / "sessions", many)
    app = make_app(store)
    async with app.run_test(size=(100, 12)) as pilot:
        await loaded(pilot)
        listing = app.main.session_list
        for _ in range(3):
            listing.post_message(
                events.MouseScrollDown(listing, 5, 5, 0, 1, 0, False, False, False)
            )
            await pilot.pause()
        assert listing.scroll_y > 0
        # Pulled along: the first session on screen (all are "Today": one heading, line 0).
        assert listing.line_of(listing.cursor) == round(listing.scroll_y)
        assert "Session 0 " not in "".join(lines(app))


async def test_rename_with_r(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j")  # "Plan the Q3 roadmap"
        await pilot.press("r")
        editor = app.main.editor
        assert editor.is_open and editor.has_focus
        assert editor.value == "Plan the Q3 roadmap"
        assert editor.selection == Selection(0, len("Plan the Q3 roadmap"))  # all selected
        region = app.main.session_list.title_region(2)
        assert region is not None and editor.region.y == region.y  # over the row
        await pilot.press(*"Q4 plan")  # typing replaces the selection
        assert editor.value == "Q4 plan"
        await pilot.press("enter")
        # On screen at once, before the save lands: it moved to the top of the unpinned rows
        # (rename moves updated_at) and the cursor went with it.
        assert not editor.is_open and app.main.session_list.has_focus
        assert cursor_id(app) == "aaaa00000003"
        assert app.main.rows[1]["title"] == "Q4 plan"
        assert "Q4 plan" in row_lines(app)[2]
        await settled(pilot)
        record = read_record(store, "aaaa00000003")
        assert record["title"] == "Q4 plan"
        assert record["updated_at"] > NOW  # a rename touches updated_at
        assert record["extra_field_from_hermes"] == {"kept": True}
        assert {r["session_id"]: r["title"] for r in store.list_rows()}["aaaa00000003"] == (
            "Q4 plan"
        )
        assert "Q4 plan" in row_lines(app)[2]


async def test_rename_with_f2_and_escape_cancels(store: SessionStore) -> None:
    app = make_app(store)
    before = read_record(store, "aaaa00000002")
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("f2")
        assert app.main.editor.is_open and app.main.editor.value == "Why is CI red on main?"
        await pilot.press(*"something else", "escape")
        assert not app.main.editor.is_open
        assert app.main.session_list.has_focus
        assert "Why is CI red on main?" in row_lines(app)[1]
        await settled(pilot)
        assert read_record(store, "aaaa00000002") == before


async def test_empty_title_is_refused(store: SessionStore) -> None:
    app = make_app(store)
    before = read_record(store, "aaaa00000002")
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("r", "backspace", "space", "space", "enter")
        assert app.main.editor.is_open  # still editing: nothing was saved
        assert any("cannot be empty" in text for text in notifications(app))
        await pilot.press("escape")
        await settled(pilot)
        assert read_record(store, "aaaa00000002") == before
        assert "Why is CI red on main?" in row_lines(app)[1]


async def test_unchanged_title_writes_nothing(store: SessionStore, monkeypatch: Any) -> None:
    calls: list[str] = []
    monkeypatch.setattr(store, "rename", lambda sid, title, **kwargs: calls.append(title))
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("r", "enter")
        await settled(pilot)
    assert calls == []


async def test_pin_with_p_moves_row_and_cursor_follows(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("end")  # the oldest: "Escape ... stays inert"
        assert cursor_id(app) == "aaaa00000008"
        await pilot.press("p")
        # At once: pinned, now first (the newest pin), cursor still on it.
        assert shown_ids(app)[0] == "aaaa00000008"
        assert cursor_id(app) == "aaaa00000008"
        assert row_lines(app)[1].startswith(PIN_MARK)
        await settled(pilot)
        record = read_record(store, "aaaa00000008")
        assert record["pinned"] is True and record["updated_at"] > NOW
        assert cursor_id(app) == "aaaa00000008"
        await pilot.press("p")  # and unpin
        await settled(pilot)
        assert read_record(store, "aaaa00000008")["pinned"] is False
        # Unpinned, it is the newest unpinned session (pinning moved updated_at): line 2.
        assert shown_ids(app)[:2] == ["aaaa00000002", "aaaa00000008"]
        assert "Escape" in row_lines(app)[2] and not row_lines(app)[2].startswith(PIN_MARK)
        assert cursor_id(app) == "aaaa00000008"


async def test_archive_with_a_hides_row_and_keeps_updated_at(store: SessionStore) -> None:
    app = make_app(store)
    before = read_record(store, "aaaa00000003")
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j")
        assert cursor_id(app) == "aaaa00000003"
        await pilot.press("a")
        assert "aaaa00000003" not in shown_ids(app)
        assert cursor_id(app) == "aaaa00000004"  # the cursor stays at that place in the list
        assert "Plan the Q3 roadmap" not in "".join(lines(app))
        await settled(pilot)
        after = read_record(store, "aaaa00000003")
        assert after["archived"] is True
        assert after["updated_at"] == before["updated_at"]  # archive does not reorder
        assert "6 shown" in str(app.main.counts.render())


async def test_show_archived_with_shift_a(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("j")
        await pilot.press("A")
        assert app.main.rows.show_archived
        assert len(app.main.rows) == 9
        assert cursor_id(app) == "aaaa00000001"  # the cursor stayed on its session
        screen = row_lines(app)
        archived = next(line for line in screen if "Old archived experiment" in line)
        assert archived.startswith(" " + ARCHIVE_MARK)
        both = next(line for line in screen if "Archived but pinned" in line)
        assert both.startswith(PIN_MARK + ARCHIVE_MARK)
        assert "9 shown" in str(app.main.counts.render())
        # Unarchive one while shown, then hide archived again: it stays.
        app.main.session_list.move_to(app.main.rows.index_of("aaaa00000006") or 0)
        await pilot.press("a")
        await settled(pilot)
        assert read_record(store, "aaaa00000006")["archived"] is False
        await pilot.press("A")
        assert not app.main.rows.show_archived
        assert "aaaa00000006" in shown_ids(app)
        assert "aaaa00000009" not in shown_ids(app)


async def test_help_with_question_mark(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(110, 90)) as pilot:
        await loaded(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.pause()
        text = screen_text(app)
        for key in HELP_KEYS:
            assert key.shown in text and key.help in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_quit_with_q_waits_for_pending_saves(store: SessionStore, monkeypatch: Any) -> None:
    gate = threading.Event()
    real = store.set_pinned

    def slow_pin(sid: str, pinned: bool) -> dict[str, Any]:
        assert gate.wait(60)
        return real(sid, pinned)

    monkeypatch.setattr(store, "set_pinned", slow_pin)
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "p", "q")
        await pilot.pause()
        assert app.is_running  # waiting for the save
        assert read_record(store, "aaaa00000001")["pinned"] is False
        gate.set()
        await app.edits.wait_idle()
        await pilot.pause()
    assert read_record(store, "aaaa00000001")["pinned"] is True
    assert app.return_code == 0


async def test_quit_with_nothing_pending_is_immediate(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_export_from_the_command_palette(store: SessionStore, tmp_path: Path) -> None:
    """The palette's commands act on the screen under it: Export writes the session the
    list's cursor is on."""
    app = make_app(store, export_dir=tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "ctrl+p")
        await pilot.pause()
        await pilot.press(*"Export")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: any(tmp_path.glob("*.md")), what="the export")
    assert [p.name for p in tmp_path.glob("*.md")] == [
        "fix-the-login-redirect-loop-aaaa00000001.md"]


async def test_a_keymap_rebinds_a_key_by_its_id(store: SessionStore) -> None:
    """Every binding has an id (tui.keys), so a Textual keymap can move it: here pin to x."""
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        app.set_keymap({"main.toggle_pin": "x"})
        await pilot.press("j", "x")
        await settled(pilot)
        assert read_record(store, "aaaa00000001")["pinned"] is True


async def test_command_palette_has_every_action_that_can_run(store: SessionStore) -> None:
    from tui.keys import LIST_KEYS, SESSION_KEYS

    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for key in SESSION_KEYS + LIST_KEYS:
            if key.action != "clear_search":
                assert key.label in titles
        assert "Clear search" not in titles  # nothing to clear: its key does nothing either
        assert titles.count("Quit") == 1
        # Run one from the palette, as a person would.
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Pin")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("enter")
        await settled(pilot)
        assert read_record(store, "aaaa00000002")["pinned"] is False  # it was pinned


async def test_saves_run_off_the_ui_thread(store: SessionStore, monkeypatch: Any) -> None:
    threads: list[threading.Thread] = []
    for name in ("rename", "set_pinned", "set_archived"):
        real = getattr(store, name)

        def spy(*args: Any, _real: Any = real, **kwargs: Any) -> Any:
            threads.append(threading.current_thread())
            return _real(*args, **kwargs)

        monkeypatch.setattr(store, name, spy)
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        ui_thread = threading.current_thread()
        await pilot.press("p", "r", *"x", "enter", "a")
        await settled(pilot)
    assert len(threads) == 3
    assert all(thread is not ui_thread for thread in threads)
    assert all(thread is not threading.main_thread() for thread in threads)


async def test_two_quick_edits_land_in_order(store: SessionStore, monkeypatch: Any) -> None:
    """The first save is held back; the second must still land after it, not before."""
    gate = threading.Event()
    order: list[str] = []
    real = store.rename

    def rename(sid: str, title: str, **kwargs: Any) -> dict[str, Any]:
        if title == "first":
            assert gate.wait(60)
        order.append(title)
        return real(sid, title, **kwargs)

    monkeypatch.setattr(store, "rename", rename)
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "r", *"first", "enter", "r", *"second", "enter")
        assert app.main.rows[app.main.session_list.cursor]["title"] == "second"  # on screen at once
        gate.set()
        await settled(pilot)
        assert order == ["first", "second"]
        assert read_record(store, "aaaa00000001")["title"] == "second"
        assert app.main.rows.get("aaaa00000001")["title"] == "second"  # type: ignore[index]


async def test_pin_then_rename_quickly_both_kept(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j", "p", "r", *"renamed", "enter", "a")
        await settled(pilot)
        record = read_record(store, "aaaa00000003")
        assert (record["pinned"], record["title"], record["archived"]) == (True, "renamed", True)


async def test_editor_follows_its_row_when_the_list_reorders(
    store: SessionStore, monkeypatch: Any
) -> None:
    """A pin that fails while another session is being renamed moves rows under the editor:
    the editor moves with its session's row, and the rename lands on that session."""
    gate = threading.Event()

    def failing_pin(sid: str, pinned: bool) -> dict[str, Any]:
        assert gate.wait(60)
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(store, "set_pinned", failing_pin)
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j", "p")  # pin "Plan the Q3 roadmap": it jumps to the top
        assert shown_ids(app)[0] == "aaaa00000003"
        await pilot.press("j", "j")
        assert cursor_id(app) == "aaaa00000001"
        await pilot.press("r")
        before = app.main.editor.region.y
        gate.set()  # the pin fails: "Plan the Q3 roadmap" goes back below, rows shift up
        await app.edits.wait_idle()
        await pilot.pause()
        await pilot.pause()
        index = app.main.rows.index_of("aaaa00000001")
        region = app.main.session_list.title_region(index or 0)
        assert region is not None and app.main.editor.region.y == region.y == before - 1
        assert app.main.editor.is_open and app.main.editor.value == "Fix the login redirect loop"
        await pilot.press(*"moved", "enter")
        await settled(pilot)
        assert read_record(store, "aaaa00000001")["title"] == "moved"
        assert read_record(store, "aaaa00000003")["title"] == "Plan the Q3 roadmap"


async def test_editor_follows_a_terminal_resize(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "r")
        await pilot.resize_terminal(70, 20)
        await pilot.pause()
        await pilot.pause()
        region = app.main.session_list.title_region(1)
        assert region is not None
        editor = app.main.editor
        assert (editor.region.x, editor.region.y, editor.region.width) == (
            region.x, region.y, region.width
        )
