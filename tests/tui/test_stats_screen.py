"""The statistics screen (`S`) from the user's side: the figures of what the list shows, drawn
to the terminal's width and in the theme's colours, its key line, and a failure said on screen.
Its look is the snapshot in test_usage_snapshots.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_helpers import loaded, make_app, screen_text, wait_until
from usage_helpers import usage_store

from tui.app import SessionBrowser
from tui.screens.stats import Figures, StatsScreen


async def open_stats(pilot: Pilot[None]) -> StatsScreen:
    await pilot.press("S")
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    await wait_until(pilot, lambda: "Busiest days" in figures_text(screen), what="the figures")
    await pilot.pause()
    return screen


def figures_text(screen: StatsScreen) -> str:
    return str(screen.query_one(Figures).content)


def bar_line(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"  {label}"))


async def test_the_figures_are_those_of_the_sessions_the_list_shows(tmp_path: Path) -> None:
    app = make_app(usage_store(tmp_path / "sessions"))
    async with app.run_test(size=(110, 44)) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"openai", "enter")
        await wait_until(pilot, lambda: len(app.main.rows) == 2, what="the filter")
        await open_stats(pilot)
        text = screen_text(app)
        assert "Statistics · 2 of 9 sessions matching “openai”" in text
        assert "2 sessions · 8 messages · 12.0k in + 400 out = 12.4k tokens · $0.37" in text
        assert "openai/gpt-5 " in text and "openai/gpt-5-mini" in text
        assert "qwen" not in text  # another model's session: not in the filter
        await pilot.press("escape")
        assert not isinstance(app.screen, StatsScreen)


async def test_the_figures_follow_the_width_and_the_theme(tmp_path: Path) -> None:
    app = make_app(usage_store(tmp_path / "sessions"))
    async with app.run_test(size=(110, 44)) as pilot:
        await loaded(pilot)
        screen = await open_stats(pilot)
        wide = figures_text(screen)
        assert "estimated cost" in wide  # the big digits' labels
        assert bar_line(wide, "qwen/qwen3-coder").endswith("1 sess.")
        assert len(bar_line(wide, "qwen/qwen3-coder")) == 106  # 110, less padding and scrollbar
        muted = screen.query_one(Figures).note_style()
        await pilot.resize_terminal(70, 44)
        await wait_until(pilot, lambda: figures_text(screen) != wide, what="a new layout")
        narrow = figures_text(screen)
        assert "estimated cost" not in narrow  # too narrow for big digits: one line of totals
        assert len(bar_line(narrow, "qwen/qwen3-coder")) == 66
        app.theme = "textual-light"
        await wait_until(pilot, lambda: screen.query_one(Figures).note_style() != muted,
                         what="the muted colour of the light theme")
        await wait_until(pilot, lambda: painted_colour(screen) == muted_now(screen),
                         what="the totals redrawn in the new muted colour")
        assert muted_now(screen) != muted


def muted_now(screen: StatsScreen) -> str:
    return screen.query_one(Figures).note_style().lower()


def painted_colour(screen: StatsScreen) -> str:
    """The colour the first line of the figures (the muted totals) is drawn in."""
    segment = next(iter(screen.query_one(Figures).render_line(0)))
    color = segment.style.color if segment.style else None
    return "" if color is None or color.triplet is None else color.triplet.hex.lower()


async def test_the_key_line_shows_the_keys_as_configured(tmp_path: Path) -> None:
    app = make_app(usage_store(tmp_path / "sessions"))
    async with app.run_test(size=(110, 44)) as pilot:
        await loaded(pilot)
        app.set_keymap({"stats.back": "b"})
        await open_stats(pilot)
        keys = screen_text(app).splitlines()[-1]
        assert keys.startswith(" b Back ") and keys.rstrip().endswith("^p palette")
        await pilot.press("b")
        assert not isinstance(app.screen, StatsScreen)


async def test_a_failure_is_said_on_the_screen(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("a row nobody expected")

    monkeypatch.setattr("tui.screens.stats.compute", broken)
    app: SessionBrowser = make_app(usage_store(tmp_path / "sessions"))
    async with app.run_test(size=(110, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("S")
        await wait_until(pilot, lambda: "Could not compute" in screen_text(app),
                         what="the message")
        assert "Could not compute the figures: a row nobody expected" in screen_text(app)


def bar_colours(screen: StatsScreen) -> set[str]:
    """The colours of the sparklines' full blocks as drawn."""
    figures_widget = screen.query_one(Figures)
    colours = set()
    for y in range(figures_widget.size.height):
        for segment in figures_widget.render_line(y):
            color = segment.style.color if segment.style else None
            if "█" in segment.text and color is not None and color.triplet is not None:
                colours.add(color.triplet.hex)
    return colours


async def test_another_dark_theme_recolours_the_charts(tmp_path: Path) -> None:
    app = make_app(usage_store(tmp_path / "sessions"))
    async with app.run_test(size=(110, 44)) as pilot:
        await loaded(pilot)
        screen = await open_stats(pilot)
        before = bar_colours(screen)
        assert before
        app.theme = "nord"
        await wait_until(pilot, lambda: bar_colours(screen) not in (before, set()),
                         what="the charts in nord's colours")
