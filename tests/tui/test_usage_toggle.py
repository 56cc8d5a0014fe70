"""`c` hides the usage columns shown and brings back the ones last shown: a person whose config
shows only Cost gets Cost back, never Tokens they did not ask for; with nothing configured,
both."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tui_helpers import loaded, make_app, row_lines
from usage_helpers import config_file, usage_store

from tui.app import SessionBrowser


def header(app: SessionBrowser) -> tuple[bool, bool]:
    """(Tokens shown, Cost shown) in the list's column header."""
    line = row_lines(app)[0]
    return "Tokens" in line, "Cost" in line


async def test_only_cost_configured_toggles_only_cost(tmp_path: Path) -> None:
    path = config_file(tmp_path, 'columns = ["cost"]  # no tokens for me\n')
    app = make_app(usage_store(tmp_path / "sessions"), config_path=path)
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        assert header(app) == (False, True)
        await pilot.press("c")
        assert header(app) == (False, False)
        await pilot.press("c")
        assert header(app) == (False, True)  # Cost again, not Tokens too
        await app.workers.wait_for_complete()
    text = path.read_text()
    assert tomllib.loads(text) == {"columns": ["cost"]} and "# no tokens for me" in text


async def test_with_nothing_configured_c_shows_both(tmp_path: Path) -> None:
    app = make_app(usage_store(tmp_path / "sessions"))
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        assert header(app) == (False, False)
        for shown in ((True, True), (False, False), (True, True)):
            await pilot.press("c")
            assert header(app) == shown


async def test_hidden_in_the_config_brings_back_both(tmp_path: Path) -> None:
    """Hidden is remembered as `columns = []`; the next `c` shows both (what was shown before
    is not in the file)."""
    path = config_file(tmp_path, 'columns = ["tokens"]\n')
    app = make_app(usage_store(tmp_path / "sessions"), config_path=path)
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("c")
        await app.workers.wait_for_complete()
    assert tomllib.loads(path.read_text()) == {"columns": []}
    app = make_app(usage_store(tmp_path / "sessions2"), config_path=path)
    async with app.run_test(size=(130, 24)) as pilot:
        await loaded(pilot)
        assert header(app) == (False, False)
        await pilot.press("c")
        assert header(app) == (True, True)
