"""Snapshots of issue 15's screens: the usage columns over the store Hermes wrote, the copy
menu, the link `o` shows without a browser, and the statistics screen (a frozen clock and a
fixed store: the chart is the same on every run)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from tui_helpers import loaded, make_app, wait_until
from usage_helpers import usage_store

from api.store import SessionStore
from tui.screens.stats import StatsScreen

SnapCompare = Callable[..., bool]


def then(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    async def run_before(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press(*keys)
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    return run_before


def test_usage_columns_hermes_store(snap_compare: SnapCompare,
                                    hermes_store: SessionStore) -> None:
    """`c` over the store Hermes wrote: Tokens and Cost as "1.5k" and "$0.01"."""
    assert snap_compare(make_app(hermes_store), terminal_size=(130, 12), run_before=then("c"))


def test_usage_columns_sorted_by_cost(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """Sorted on cost: the most expensive first, sessions with no figure last and blank."""
    app = make_app(usage_store(tmp_path / "sessions"))
    assert snap_compare(app, terminal_size=(130, 14),
                        run_before=then("c", "s", "s", "s", "s", "s", "s"))


def test_copy_menu(snap_compare: SnapCompare, tmp_path: Path) -> None:
    app = make_app(usage_store(tmp_path / "sessions"))
    assert snap_compare(app, terminal_size=(110, 16), run_before=then("y"))


def test_link_without_browser(snap_compare: SnapCompare, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    app = make_app(usage_store(tmp_path / "sessions"))

    async def run_before(pilot: Pilot[None]) -> None:
        await then("o")(pilot)
        await wait_until(pilot, lambda: type(pilot.app.screen).__name__ == "LinkDialog")

    assert snap_compare(app, terminal_size=(110, 16), run_before=run_before)


def test_statistics_screen(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """`S`: totals in big digits, sessions and messages per day, bars, busiest days."""
    app = make_app(usage_store(tmp_path / "sessions"))

    async def run_before(pilot: Pilot[None]) -> None:
        await then("S")(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, StatsScreen)
        await wait_until(pilot, lambda: screen.stats is not None, what="the figures")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(110, 44), run_before=run_before)
