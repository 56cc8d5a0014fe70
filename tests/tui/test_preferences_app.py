"""The config file in the app: each setting changes what the app shows, a broken file is one
message and the defaults, a key override moves the action, and what the person changes is in
the file afterwards. Every test uses a file under tmp_path (never the real ~/.config)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tui_helpers import loaded, make_app, notifications, row_lines, shown_ids, wait_until
from usage_helpers import config_file

from api.store import SessionStore
from tui.screens.handoff import CopyMenu


async def test_each_setting_changes_the_app(store: SessionStore, tmp_path: Path) -> None:
    path = config_file(tmp_path, """\
theme = "nord"
sort = "title"
show_archived = true
columns = ["cost"]
webui_url = "http://box:9000"
trash_days = 7
""")
    app = make_app(store, config_path=path)
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        assert app.theme == "nord"
        assert "by title" in str(app.main.counts.render())
        assert "aaaa00000006" in shown_ids(app)  # archived, shown
        header = row_lines(app)[0]
        assert "Cost" in header and "Tokens" not in header
        assert app.preferences.settings.trash_days == 7
        assert notifications(app) == []  # a good file: nothing to say
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, CopyMenu))
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: app.clipboard.startswith("http://box:9000/session/"))


async def test_no_file_means_defaults(store: SessionStore, tmp_path: Path) -> None:
    app = make_app(store, config_path=tmp_path / "none" / "config.toml")
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        assert app.theme == "textual-dark"
        assert "by last updated" in str(app.main.counts.render())
        assert "aaaa00000006" not in shown_ids(app)
        assert notifications(app) == []
    assert not (tmp_path / "none").exists()  # nothing changed: nothing written


async def test_broken_file_one_message_and_defaults(store: SessionStore, tmp_path: Path) -> None:
    path = config_file(tmp_path, 'theme = "nord"\nsort = \n')
    app = make_app(store, config_path=path)
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        said = notifications(app)
        assert len(said) == 1
        assert said[0].startswith(f"{path}:2: ") and "using the defaults" in said[0]
        assert app.theme == "textual-dark"  # the whole file is ignored


async def test_unknown_theme_and_binding_are_said(store: SessionStore, tmp_path: Path) -> None:
    path = config_file(tmp_path, 'theme = "no-such-theme"\n')
    app = make_app(store, config_path=path)
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        assert app.theme == "textual-dark"
        assert notifications(app)[0].startswith(f"{path}:1: no theme 'no-such-theme'")
    path = config_file(tmp_path, '[keys]\n"main.nothing" = "x"\n')
    app = make_app(store, config_path=path)
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        assert "'main.nothing'" in notifications(app)[0]


async def test_key_override(store: SessionStore, tmp_path: Path) -> None:
    """`main.toggle_pin` moved to x: x pins, p no longer does."""
    path = config_file(tmp_path, '[keys]\n"main.toggle_pin" = "x"\n')
    app = make_app(store, config_path=path)
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j")  # aaaa00000001, not pinned
        await pilot.press("p")
        await app.workers.wait_for_complete()
        assert not app.main.rows.get("aaaa00000001")["pinned"]  # type: ignore[index]
        await pilot.press("x")
        await wait_until(pilot, lambda: app.main.rows.get("aaaa00000001")["pinned"])  # type: ignore[index]
        assert notifications(app) == []


async def test_changes_are_remembered(store: SessionStore, tmp_path: Path) -> None:
    path = config_file(tmp_path, "# mine\ntrash_days = 9  # a week and two days\n")
    app = make_app(store, config_path=path)
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("s", "c", "A")
        app.theme = "nord"  # as the palette's theme command does
        await pilot.pause()
        await app.workers.wait_for_complete()
    text = path.read_text()
    assert tomllib.loads(text) == {
        "trash_days": 9, "sort": "last_message", "columns": ["tokens", "cost"],
        "show_archived": True, "theme": "nord",
    }
    assert "# a week and two days" in text  # the person's comments are kept
    app = make_app(store, config_path=path)  # next time: as it was left
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        assert app.theme == "nord" and app.main.rows.order.name == "last_message"
        assert "Tokens" in row_lines(app)[0] and app.main.rows.show_archived


async def test_save_error_is_a_message(store: SessionStore, tmp_path: Path) -> None:
    """The person is halfway through editing the file when `s` is pressed: the file is left
    as they have it, the app says it did not save, and keeps the new order."""
    path = config_file(tmp_path, 'sort = "updated"\n')
    app = make_app(store, config_path=path)
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        path.write_text('sort = "title\n')
        await pilot.press("s")
        await wait_until(pilot, lambda: bool(notifications(app)), what="the message")
        assert notifications(app)[0].startswith(f"{path}: not saved (")
        assert app.main.rows.order.name == "last_message"  # the change itself stands
    assert path.read_text() == 'sort = "title\n'
