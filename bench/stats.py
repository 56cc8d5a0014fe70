"""Statistics speed (prints figures, asserts nothing): `api.stats.compute` over 10,000 and
100,000 index rows shaped like Hermes' (60 models, 40 projects, 200 workspaces, usage on nine
rows in ten, last messages spread over 200 days), best of 5 runs each. The statistics screen
must open within 300 ms at 10,000 sessions and 1 s at 100,000.

Run: python bench/stats.py
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.stats import compute

NOW = 1_795_000_000.0


def make_rows(n: int) -> list[dict[str, Any]]:
    rng = random.Random(15)
    rows = []
    for i in range(n):
        stamp = NOW - rng.random() * 200 * 86_400
        row: dict[str, Any] = {
            "session_id": f"s{i:08d}", "title": f"session {i}", "model": f"model-{i % 60}",
            "workspace": f"/work/{i % 200}", "project_id": f"p{i % 40}" if i % 3 else None,
            "message_count": rng.randrange(1, 200), "created_at": stamp,
            "updated_at": stamp, "last_message_at": stamp, "pinned": False, "archived": False,
        }
        if i % 10:
            row.update(input_tokens=rng.randrange(100_000), output_tokens=rng.randrange(20_000),
                       estimated_cost=rng.random(), cache_read_tokens=0, cache_write_tokens=0)
        rows.append(row)
    return rows


def main() -> None:
    names = {f"p{k}": f"Project {k}" for k in range(40)}
    for n, budget in ((10_000, 0.3), (100_000, 1.0)):
        rows = make_rows(n)
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            compute(rows, now=NOW, tz=dt.UTC, project_names=names)
            best = min(best, time.perf_counter() - start)
        print(f"{n:>7,} rows: {best * 1000:7.1f} ms  ({best / budget:.0%} of the {budget:g} s "
              "the screen may take)")


if __name__ == "__main__":
    main()
