"""The search line's time qualifiers and `project:none`, against an injected clock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tui.query import Query, field_matcher

NOW = datetime(2026, 6, 15, 12, 0).timestamp()
DAY = 86400.0


def _row(sid: str, *, days_ago: float, last_message: bool = True,
         project: str | None = None) -> dict[str, Any]:
    stamp = NOW - days_ago * DAY
    return {"session_id": sid, "title": sid, "workspace": "", "model": "", "pinned": False,
            "archived": False, "project_id": project,
            # updated_at moves on a rename; activity is the last message when there is one
            "updated_at": NOW if last_message else stamp,
            "last_message_at": stamp if last_message else None}


ROWS = [
    _row("today", days_ago=0.1),
    _row("week", days_ago=6, project="p1"),
    _row("month", days_ago=31),
    _row("old", days_ago=400, last_message=False),
]


def _ids(text: str) -> list[str]:
    query = Query.parse(text)
    assert query.error is None
    match = field_matcher(query, {}, clock=lambda: NOW)
    assert match is not None
    return [row["session_id"] for row in ROWS if match(row)]


@pytest.mark.parametrize(("text", "expected"), [
    ("older:30d", ["month", "old"]),
    ("newer:2w", ["today", "week"]),
    ("older:1y", ["old"]),
    ("newer:12h", ["today"]),
    ("older:1m", ["month", "old"]),
    ("older:2w newer:6m", ["month"]),
    ("-older:30d", ["today", "week"]),
    ("before:2026-06-01", ["month", "old"]),
    ("after:2026-06-09", ["today", "week"]),
    ("-before:2026-06-09", ["today", "week"]),
    ("after:2025-06-01 before:2026-06-01", ["month"]),
    ("before:2026-06-15T09:00", ["week", "month", "old"]),
    ("project:none", ["today", "month", "old"]),
    ("-project:none", ["week"]),
    ("project:none older:30d", ["month", "old"]),
])
def test_time_qualifiers_select_by_last_activity(text: str, expected: list[str]) -> None:
    assert _ids(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("older:banana", "older:banana: not an age; give a number and a unit, as in 12h, 30d, "
                     "2w, 6m or 1y"),
    ("newer:30", "newer:30: not an age"),
    ("before:2026-13-01", "before:2026-13-01: not a date; give one as 2026-05-01"),
    ("after:yesterday", "after:yesterday: not a date"),
])
def test_bad_values_give_a_message_and_never_raise(text: str, message: str) -> None:
    query = Query.parse(f"draft {text} is:pinned")
    assert query.error is not None and query.error.startswith(message)
    assert query.words == ("draft",) and query.pinned is True  # the rest still applies
    assert query.times == ()


def test_a_time_value_still_being_typed_changes_nothing() -> None:
    assert Query.parse("older:") == Query.parse("")
    assert Query.parse("older:").error is None


def test_refines_only_with_the_same_time_qualifiers() -> None:
    assert Query.parse("older:30d fix").refines(Query.parse("older:30d fi"))
    assert not Query.parse("older:30d fix").refines(Query.parse("fix"))
    assert not Query.parse("project:none a").refines(Query.parse("a"))
