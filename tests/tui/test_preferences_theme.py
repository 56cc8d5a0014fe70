"""The theme in the config file is the one the person chose in the palette: not each theme the
palette shows on the way (a preview sets `app.theme` as the highlight moves), nor one they
backed out of with Escape."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from tui_helpers import loaded, make_app, wait_until
from usage_helpers import config_file

from api.store import SessionStore

CONFIG = '# my settings\nsort = "title"  # alphabetical\n'


async def found(pilot: Pilot[None], text: str) -> None:
    """Wait until the open palette lists `text` first (it searches in the background)."""
    def first_hit() -> str:
        hits = pilot.app.screen.query_one(CommandList)
        return str(hits.get_option_at_index(0).prompt) if hits.option_count else ""

    await wait_until(pilot, lambda: text in first_hit().lower(), what=f"{text!r} listed")


async def open_theme_list(pilot: Pilot[None]) -> CommandPalette:
    """ctrl+p, then Textual's own "Theme" command: the palette of themes."""
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
    first = pilot.app.screen
    await pilot.press(*"theme")
    await found(pilot, "theme")
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette)
                     and pilot.app.screen is not first, what="the list of themes")
    palette = pilot.app.screen
    assert isinstance(palette, CommandPalette)
    return palette


async def test_themes_passed_over_and_escaped_are_not_saved(store: SessionStore,
                                                            tmp_path: Path) -> None:
    path = config_file(tmp_path, CONFIG)
    app = make_app(store, config_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await open_theme_list(pilot)
        for theme in ("nord", "dracula", "gruvbox"):  # a preview, as the highlight moves
            app.theme = theme
            await pilot.pause()
        app.theme = "textual-dark"  # ...and back to the theme it had, on Escape
        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, CommandPalette))
        await app.workers.wait_for_complete()
        assert app.theme == "textual-dark"
    assert path.read_text() == CONFIG


async def test_the_chosen_theme_is_saved_and_the_file_kept(store: SessionStore,
                                                           tmp_path: Path) -> None:
    path = config_file(tmp_path, CONFIG)
    app = make_app(store, config_path=path)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await open_theme_list(pilot)
        app.theme = "dracula"  # passed over on the way
        await pilot.press(*"nord")
        await found(pilot, "nord")
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.theme == "nord", what="the chosen theme")
        await wait_until(pilot, lambda: "nord" in path.read_text(), what="the file saved")
        await app.workers.wait_for_complete()
    text = path.read_text()
    assert tomllib.loads(text) == {"sort": "title", "theme": "nord"}
    assert text.startswith("# my settings\nsort = \"title\"  # alphabetical\n")
