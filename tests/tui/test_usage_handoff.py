"""Issue 15 in the app: `y` copies (what reached the clipboard, what the app says), `o` opens
the WebUI page or shows its link, the Tokens and Cost columns (`c`, sorted with `s`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList, TextArea
from tui_helpers import line_of, loaded, make_app, notifications, row_lines, wait_until
from usage_helpers import config_file, usage_store

from api.store import SessionStore
from tui.handoff import Opened
from tui.screens.handoff import CopyMenu, LinkDialog


@pytest.fixture
def ustore(tmp_path: Path) -> SessionStore:
    return usage_store(tmp_path / "sessions")


async def test_copy_menu_copies_what_is_chosen(ustore: SessionStore, tmp_path: Path) -> None:
    """Each entry of the menu: what copy_to_clipboard got, and the toast saying so."""
    path = config_file(tmp_path, 'webui_url = "http://box:9000"\n')
    app = make_app(ustore, config_path=path)
    async with app.run_test(size=(110, 24)) as pilot:
        await loaded(pilot)
        sid = app.main.session_list.highlighted["session_id"]  # type: ignore[index]
        expected = {
            0: (sid, f"Copied session id: {sid}"),
            1: (f"http://box:9000/session/{sid}",
                f"Copied WebUI link: http://box:9000/session/{sid}"),
            2: ("Why is CI red on main?", "Copied title: Why is CI red on main?"),
        }
        for down, (text, said) in expected.items():
            await pilot.press("y")
            await wait_until(pilot, lambda: isinstance(app.screen, CopyMenu), what="menu")
            await pilot.press(*["down"] * down, "enter")
            await wait_until(pilot, lambda: not isinstance(app.screen, CopyMenu))
            assert app.clipboard == text
            assert notifications(app)[-1] == said
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, CopyMenu))
        await pilot.press("down", "down", "down", "enter")
        await wait_until(pilot, lambda: app.clipboard.startswith("# "), what="markdown")
        assert "Why is CI red on main?" in app.clipboard.splitlines()[0]
        assert notifications(app)[-1].startswith("Copied the whole session as Markdown (")
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, CopyMenu))
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, CopyMenu))
        assert app.clipboard.startswith("# ")  # Esc copies nothing


async def test_copy_from_the_transcript(ustore: SessionStore) -> None:
    app = make_app(ustore)
    async with app.run_test(size=(110, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "TranscriptScreen")
        await pilot.press("y")
        await wait_until(pilot, lambda: isinstance(app.screen, CopyMenu))
        assert isinstance(app.screen.query_one(OptionList), OptionList)
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.clipboard == "aaaa00000002")


async def test_open_without_a_browser_shows_the_link(
    ustore: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    app = make_app(ustore)
    async with app.run_test(size=(110, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("o")
        await wait_until(pilot, lambda: isinstance(app.screen, LinkDialog), what="the link")
        area = app.screen.query_one("#link", TextArea)
        assert area.text == "http://127.0.0.1:8787/session/aaaa00000002"
        assert area.read_only
        await pilot.press("escape")
        await wait_until(pilot, lambda: app.screen is app.main)


async def test_open_with_a_browser_says_so(ustore: SessionStore) -> None:
    asked: list[tuple[str, str]] = []

    def opener(base: str, sid: str) -> Opened:
        asked.append((base, sid))
        return Opened(f"{base}/session/{sid}", True, f"Opened {base}/session/{sid}")

    app = make_app(ustore, webui_url="https://hermes.lan:8443")
    async with app.run_test(size=(110, 24)) as pilot:
        await loaded(pilot)
        app.handoff.opener = opener
        await pilot.press("j", "o")
        await wait_until(pilot, lambda: bool(asked) and bool(notifications(app)))
        assert asked == [("https://hermes.lan:8443", "aaaa00000001")]
        assert notifications(app)[-1] == "Opened https://hermes.lan:8443/session/aaaa00000001"
        assert app.screen is app.main


async def test_usage_columns_toggle_and_sort(ustore: SessionStore) -> None:
    app = make_app(ustore)
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        assert "Tokens" not in row_lines(app)[0]
        await pilot.press("c")
        header = row_lines(app)[0]
        assert "Tokens" in header and "Cost" in header
        assert "12.4k" in line_of(app, "aaaa00000001")
        assert "$0.37" in line_of(app, "aaaa00000001")
        assert "<$0.01" in line_of(app, "aaaa00000003")
        no_usage = line_of(app, "aaaa00000004")
        assert "$" not in no_usage and " 0 " not in no_usage  # missing is blank, never 0
        for _ in range(5):
            await pilot.press("s")
        assert app.main.rows.order.name == "tokens"
        ids = [row["session_id"] for row in app.main.rows]
        # pinned first, then the most tokens; sessions without usage last
        assert ids[:4] == ["aaaa00000002", "aaaa00000005", "aaaa00000001", "aaaa00000003"]
        await pilot.press("s")
        assert app.main.rows.order.name == "cost"
        await pilot.press("c")  # hidden: no order on a column not shown
        assert app.main.rows.order.name == "updated"
        assert "Tokens" not in row_lines(app)[0]


async def test_palette_offers_them(ustore: SessionStore) -> None:
    """Ctrl+P: Open in WebUI and Copy over the list and a transcript; Statistics and Usage
    columns over the list."""
    app = make_app(ustore)
    async with app.run_test(size=(110, 24)) as pilot:
        await loaded(pilot)
        titles = {c.title for c in app.get_system_commands(app.main)}
        assert {"Open in WebUI", "Copy", "Statistics", "Usage columns"} <= titles
        await pilot.press("enter")
        await wait_until(pilot, lambda: type(app.screen).__name__ == "TranscriptScreen")
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {"Open in WebUI", "Copy"} <= commands.keys()
        assert "Statistics" not in commands
        commands["Copy"].callback()
        await wait_until(pilot, lambda: isinstance(app.screen, CopyMenu), what="the menu")
