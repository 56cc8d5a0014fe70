"""Times on screen come from the app's clock alone: tests freeze it (`tui_helpers.NOW`), so
"3 min ago" and the Today / Yesterday headings never depend on when the suite runs."""

from __future__ import annotations

import time

import pytest
from tui_helpers import DAY, line_of, lines, loaded, make_app

from api.store import SessionStore


@pytest.mark.parametrize("real_offset", [-400 * DAY, 0.0, 400 * DAY])
async def test_relative_times_follow_the_apps_clock_not_the_system_clock(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch, real_offset: float
) -> None:
    """The system clock is moved far from the app's frozen one: nothing on screen moves."""
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + real_offset)
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        assert "3 min ago" in line_of(app, "aaaa00000001")
        assert "yesterday" in line_of(app, "aaaa00000003")
        headings = [line.split()[1] for line in lines(app) if line.startswith("──")]
        assert headings[:3] == ["Pinned", "Today", "Yesterday"]
