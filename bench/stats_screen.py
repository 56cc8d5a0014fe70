"""The statistics screen, end to end (prints figures, asserts nothing): from pushing the
screen to its figures drawn (worker computing, widgets mounted, a frame rendered), over the
synthetic rows of `bench/stats.py`, best of 3 each. The budget: 300 ms at 10,000 sessions,
1 s at 100,000.

Run: python bench/stats_screen.py
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stats import NOW, make_rows  # bench/stats.py

from api.store import SessionStore
from tui.app import SessionBrowser
from tui.screens.stats import StatsScreen


async def once(rows: list[dict[str, object]], folder: Path) -> float:
    app = SessionBrowser(SessionStore(folder), clock=lambda: NOW, tz=dt.UTC,
                         poll_interval=None)
    names = {f"p{k}": f"Project {k}" for k in range(40)}
    async with app.run_test(size=(120, 50)) as pilot:
        await app.workers.wait_for_complete()
        start = time.perf_counter()
        screen = StatsScreen(tuple(rows), now=NOW, tz=dt.UTC, project_names=names,
                             what=f"{len(rows):,} sessions")
        await app.push_screen(screen)
        while screen.stats is None:
            await pilot.pause(0.002)
        await pilot.pause()
        return time.perf_counter() - start


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for n, budget in ((10_000, 0.3), (100_000, 1.0)):
            rows = make_rows(n)
            best = min(asyncio.run(once(rows, Path(tmp))) for _ in range(3))
            print(f"{n:>7,} sessions: {best * 1000:7.1f} ms to the figures on screen "
                  f"({best / budget:.0%} of {budget:g} s)")


if __name__ == "__main__":
    main()
