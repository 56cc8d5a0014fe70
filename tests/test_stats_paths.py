"""`api.stats.compute` adds up, for the totals and every group, what a plain reading of every
row figure by figure gives, whatever another tool left in the rows (text, bools, NaN,
infinity, negative numbers, missing keys); and the per-day figures do not depend on usage."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import pytest

from api.records import USAGE_KEYS
from api.stats import Totals, compute

NOW = 1_795_000_000.0
DAY = 86_400.0
#: What another tool may have written as a usage figure: good numbers and garbage.
VALUES: tuple[Any, ...] = (0, 7, 1_500, 0.0, 0.37, 12.5, -3, -0.5, True, False, float("nan"),
                           float("inf"), "12", None, [1])


def make_rows(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        stamp = NOW - rng.random() * 120 * DAY
        row: dict[str, Any] = {
            "session_id": f"s{i}", "model": rng.choice(("m1", "m2", "m3")),
            "workspace": rng.choice(("/a", "/b")), "message_count": rng.randrange(50),
            "last_message_at": stamp, "updated_at": stamp,
        }
        if rng.random() < 0.9:
            row["project_id"] = rng.choice((None, "p1", "p2"))
        kind = rng.random()
        for key in USAGE_KEYS:
            if kind < 0.6:  # Hermes' rows: every figure, a plain number
                row[key] = rng.choice((rng.randrange(100_000), rng.random() * 3))
            elif kind < 0.8:  # some figures, or none
                if rng.random() < 0.5:
                    row[key] = rng.randrange(1_000)
            else:  # anything at all
                row[key] = rng.choice(VALUES)
        rows.append(row)
    return rows


def plain_sums(rows: list[dict[str, Any]]) -> dict[str, float | None]:
    """Each usage figure summed row by row where it is a number the app accepts."""
    sums: dict[str, float | None] = dict.fromkeys(USAGE_KEYS)
    for row in rows:
        for key in USAGE_KEYS:
            value = row.get(key)
            good = (type(value) is int and value >= 0) or (
                type(value) is float and math.isfinite(value) and value >= 0)
            if good:
                sums[key] = (sums[key] or 0) + value
    return sums


def assert_totals(totals: Totals, rows: list[dict[str, Any]]) -> None:
    assert totals.sessions == len(rows)
    assert totals.messages == sum(r["message_count"] for r in rows)
    for key, expected in plain_sums(rows).items():
        got = getattr(totals, key)
        assert (got is None) == (expected is None), key
        if expected is not None:
            assert got == pytest.approx(expected), key


@pytest.mark.parametrize("seed", range(5))
def test_every_row_adds_up_as_read_figure_by_figure(seed: int) -> None:
    rows = make_rows(2_000, seed)
    stats = compute(rows, now=NOW, tz=dt.UTC)
    assert_totals(stats.totals, rows)
    for group in stats.by_model:
        assert_totals(group.totals, [r for r in rows if r["model"] == group.key])
    for group in stats.by_project:
        assert_totals(group.totals, [r for r in rows if (r.get("project_id") or "") == group.key])
    # Without usage: the same days, sessions and messages.
    bare = [{k: v for k, v in r.items() if k not in USAGE_KEYS} for r in rows]
    careful = compute(bare, now=NOW, tz=dt.UTC)
    assert careful.days == stats.days and careful.busiest == stats.busiest
    assert {(g.key, g.totals.sessions, g.totals.messages) for g in careful.by_workspace} == \
        {(g.key, g.totals.sessions, g.totals.messages) for g in stats.by_workspace}
