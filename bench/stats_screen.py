"""The statistics screen as a person meets it (prints figures, asserts nothing): the app runs in
a pseudo-terminal over a store of N sessions (the synthetic rows of `bench/stats.py`: 60
models, 40 named projects, 200 workspaces, usage on nine sessions in ten), and each run times
from writing `S` to the end of the frame that shows the figures (the bars' first heading:
the worker has computed, the widgets are mounted, laid out and painted, the bytes are out),
then `Esc` back to the list. The first `S` of a start is counted too (it imports the screen).
The budget: 300 ms at 10,000 sessions, 1 s at 100,000.

Run: python bench/stats_screen.py [N ...]              (default: 10000 100000)
     python bench/stats_screen.py --profile N          (cProfile of one `S` in a headless app:
                                                        where the time goes, top 25 by own time)
"""

from __future__ import annotations

import asyncio
import cProfile
import datetime as dt
import json
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson
from pty_terminal import SYNC_END, Terminal, ms
from stats import NOW, make_rows  # bench/stats.py

ROOT = Path(__file__).resolve().parent.parent
STARTS = 2  # app starts per size
PRESSES = 6  # `S` per start
BUDGET = {10_000: 0.3, 100_000: 1.0}
#: Text of the frame that shows the figures (the first heading of the bars).
FIGURES = b"Tokens and cost by model"


def build_store(folder: Path, n: int) -> None:
    """N small session files, their index and `projects.json`, written directly (the store's
    own save would take minutes at 100,000); last messages within the last 200 days of now."""
    folder.mkdir(parents=True)
    shift = time.time() - NOW
    rows = make_rows(n)
    for row in rows:
        for key in ("created_at", "updated_at", "last_message_at"):
            row[key] += shift
        record = {**row, "messages": [{"role": "user", "content": "hi"}]}
        (folder / f"{row['session_id']}.json").write_bytes(orjson.dumps(record))
    (folder / "_index.json").write_bytes(orjson.dumps(rows, option=orjson.OPT_INDENT_2))
    projects = [{"project_id": f"p{k}", "name": f"Project {k}", "color": None}
                for k in range(40)]
    (folder.parent / "projects.json").write_text(json.dumps(projects), encoding="utf-8")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def presses(store: Path, home: Path) -> list[tuple[float, float]]:
    """One app start: PRESSES times `S` -> figures drawn, `Esc` between. Each press gives the
    time to the figures' frame and the CPU the app used meanwhile (on a loaded box the first
    grows with the load, the second hardly)."""
    term = Terminal([sys.executable, "-m", "tui", store], cwd=ROOT,
                    env={"XDG_CACHE_HOME": str(home / "cache"),
                         "XDG_CONFIG_HOME": str(home / "config")})
    try:
        term.wait_for(b" shown", timeout=120)  # the status line: the rows are in
        term.quiet(0.5, at_most=10)
        times = []
        for _ in range(PRESSES):
            cpu = cpu_seconds(term.proc.pid)
            took = term.key_until(b"S", FIGURES, timeout=30)
            times.append((took, cpu_seconds(term.proc.pid) - cpu))
            term.quiet(0.2, at_most=2)
            _sent, mark = term.send(b"\x1b")
            term.wait_for(SYNC_END, mark)
        return times
    finally:
        term.close()


def measure(sizes: list[int]) -> None:
    for n in sizes:
        tmp = Path(tempfile.mkdtemp(prefix="sb-stats-bench-"))
        try:
            started = time.perf_counter()
            build_store(tmp / "state" / "sessions", n)
            print(f"\n== {n:,} sessions (store built in {time.perf_counter() - started:.1f} s)")
            runs = [presses(tmp / "state" / "sessions", tmp) for _ in range(STARTS)]
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        every = sorted(t for run in runs for t, _cpu in run)
        cpu = sorted(c for run in runs for _t, c in run)
        budget = BUDGET.get(n)
        of = f"  ({max(every) / budget:.0%} of {budget:g} s at worst)" if budget else ""
        print(f"S -> figures drawn: p50 {ms(statistics.median(every))}  max {ms(every[-1])}"
              f"  min {ms(every[0])}{of}")
        print(f"app CPU meanwhile:  p50 {ms(statistics.median(cpu))}  max {ms(cpu[-1])}"
              f"   (load now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
        print("  first S of each start: " + ", ".join(f"{run[0][0] * 1000:.0f}" for run in runs)
              + " ms; all: " + ", ".join(f"{t * 1000:.0f}" for run in runs for t, _c in run))


async def _profile_once(n: int) -> None:
    sys.path.insert(0, str(ROOT))
    from api.store import SessionStore
    from tui.app import SessionBrowser
    from tui.screens.stats import StatsScreen

    with tempfile.TemporaryDirectory() as tmp:
        app = SessionBrowser(SessionStore(Path(tmp)), clock=lambda: NOW, tz=dt.UTC,
                             poll_interval=None)
        rows = tuple(make_rows(n))
        names = {f"p{k}": f"Project {k}" for k in range(40)}
        async with app.run_test(size=(120, 35)) as pilot:
            await app.workers.wait_for_complete()
            profiler = cProfile.Profile()
            started = time.perf_counter()
            profiler.enable()
            screen = StatsScreen(rows, now=NOW, tz=dt.UTC, project_names=names, what="bench")
            await app.push_screen(screen)
            while screen.stats is None:
                await pilot.pause(0.001)
            await pilot.pause()
            profiler.disable()
            print(f"{n:,} rows, headless: {(time.perf_counter() - started) * 1000:.0f} ms "
                  "(under the profiler)")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


def main(argv: list[str]) -> None:
    if argv[:1] == ["--profile"]:
        asyncio.run(_profile_once(int(argv[1]) if len(argv) > 1 else 10_000))
        return
    sizes = [int(arg) for arg in argv] or [10_000, 100_000]
    print(f"statistics screen bench: {STARTS} starts x {PRESSES} presses of S per size")
    measure(sizes)


if __name__ == "__main__":
    main(sys.argv[1:])
