"""The demo store (opened when a person has no store) carries usage as Hermes writes it, and
projects, so its Tokens and Cost columns and its statistics show something worth seeing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tui_helpers import DAY, NOW, loaded, make_app, row_lines, screen_text, wait_until

from api.projects import load_projects
from api.stats import compute
from tui.demo import PRICES, USAGE_SINCE_DAYS, build_demo_store
from tui.screens.stats import Figures, StatsScreen


def test_demo_sessions_carry_usage_and_projects(tmp_path: Path) -> None:
    store = build_demo_store(tmp_path / "sessions", now=NOW)
    rows = store.list_rows()
    recent = [r for r in rows if NOW - r["updated_at"] < USAGE_SINCE_DAYS * DAY]
    assert len(recent) > len(rows) * 0.6
    for row in recent:
        assert row["input_tokens"] > row["output_tokens"] > 0
        assert 0 <= row["cache_read_tokens"] < row["input_tokens"]
        priced = PRICES[row["model"]] is not None
        assert ("estimated_cost" in row) == priced  # a local model: tokens, no price
        assert not priced or row["estimated_cost"] > 0
    old = [r for r in rows if r not in recent]
    assert old and not any("input_tokens" in r for r in old)  # before Hermes counted usage
    projects = load_projects(store.directory)
    names = {pid: p.name for pid, p in projects.items()}
    stats = compute(rows, now=NOW, tz=dt.UTC, project_names=names)
    labels = [g.label for g in stats.by_project]
    assert len(labels) == len(projects) + 1 and "(no project)" in labels
    assert set(names.values()) <= set(labels)
    assert len({g.totals.cost for g in stats.by_model}) == len(stats.by_model)  # all differ


async def test_the_demo_in_the_app_shows_cost_and_statistics(tmp_path: Path) -> None:
    app = make_app(build_demo_store(tmp_path / "sessions", now=NOW))
    async with app.run_test(size=(140, 40)) as pilot:
        await loaded(pilot)
        await pilot.press("c")
        lines = row_lines(app)
        assert "Tokens" in lines[0] and "Cost" in lines[0]
        assert sum("$" in line for line in lines[1:]) > len(lines) // 2
        await pilot.press("S")
        screen = app.screen
        assert isinstance(screen, StatsScreen)
        await wait_until(pilot, lambda: screen.stats is not None, what="the figures")
        await pilot.pause()
        assert "Data pipeline" in str(screen.query_one(Figures).content)
        assert "estimated" in screen_text(app)
