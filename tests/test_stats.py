"""Usage in index rows (rows we write carry what the file has), and the figures `api.stats`
draws from rows alone, with a fixed clock and time zone."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from api.records import USAGE_KEYS, row_from_record
from api.stats import DAYS, compute, format_cost, format_tokens
from api.store import SessionStore

UTC = dt.UTC
#: 2026-11-18 11:06:40 UTC
NOW = 1_795_000_000.0
DAY = 86_400.0


def index_rows(store: SessionStore) -> dict[str, dict[str, Any]]:
    rows = json.loads((store.directory / "_index.json").read_bytes())
    return {row["session_id"]: row for row in rows}


def file_record(store: SessionStore, sid: str) -> dict[str, Any]:
    return json.loads((store.directory / f"{sid}.json").read_bytes())


# ── usage in index rows ─────────────────────────────────────────────────────


def test_a_rebuilt_index_carries_usage_from_the_files(hermes_store: SessionStore) -> None:
    (hermes_store.directory / "_index.json").unlink()
    hermes_store.rebuild()
    rows = index_rows(hermes_store)
    assert len(rows) == 5
    for sid, row in rows.items():
        record = file_record(hermes_store, sid)
        assert {k: row[k] for k in USAGE_KEYS} == {k: record[k] for k in USAGE_KEYS}
    assert rows["a1b2c3d4e5f6"]["input_tokens"] == 1200
    assert rows["a1b2c3d4e5f6"]["estimated_cost"] == 0.0123


def test_our_save_writes_the_files_usage_into_the_row(hermes_store: SessionStore) -> None:
    # Hermes updated the file's usage (its draft autosave writes only the file); our save of
    # that session must put the file's figures in the row, not the index's stale ones.
    path = hermes_store.directory / "a1b2c3d4e5f6.json"
    record = json.loads(path.read_bytes())
    record.update(input_tokens=5000, output_tokens=700, estimated_cost=0.5)
    path.write_text(json.dumps(record, indent=2))
    hermes_store.rename("a1b2c3d4e5f6", "Renamed by us")
    row = index_rows(hermes_store)["a1b2c3d4e5f6"]
    assert row["title"] == "Renamed by us"
    assert (row["input_tokens"], row["output_tokens"], row["estimated_cost"]) == (5000, 700, 0.5)
    assert row["cache_read_tokens"] == 0


def test_a_save_with_no_index_row_to_start_from_keeps_usage(hermes_store: SessionStore) -> None:
    (hermes_store.directory / "_index.json").write_text("[]")
    hermes_store.rename("77aa88bb99cc", "Fresh row")
    row = index_rows(hermes_store)["77aa88bb99cc"]
    assert (row["input_tokens"], row["output_tokens"]) == (1203, 343)


def test_missing_usage_stays_missing_never_zero(store: SessionStore) -> None:
    session = store.new_session(session_id="fresh0000001", title="ours", messages=[])
    store.save(session)
    row = index_rows(store)["fresh0000001"]
    assert not set(USAGE_KEYS) & row.keys()
    # A value that is not a number (another tool's garbage) is not passed on as usage.
    built = row_from_record({"session_id": "x1", "input_tokens": "lots", "estimated_cost":
                             float("nan"), "output_tokens": True, "cache_read_tokens": 7})
    assert {k: built[k] for k in USAGE_KEYS if k in built} == {"cache_read_tokens": 7}


# ── the figures ─────────────────────────────────────────────────────────────


def row(sid: str, *, days_ago: float, model: str = "m", project: str | None = None,
        workspace: str = "/w", messages: int = 2, **usage: Any) -> dict[str, Any]:
    stamp = NOW - days_ago * DAY
    return {"session_id": sid, "title": sid, "workspace": workspace, "model": model,
            "model_provider": None, "message_count": messages, "created_at": stamp,
            "updated_at": stamp, "last_message_at": stamp, "pinned": False,
            "archived": False, "project_id": project, "profile": None, **usage}


def test_per_day_counts_sessions_and_messages_on_the_day_of_the_last_message() -> None:
    rows = [
        row("a", days_ago=0, messages=3),
        row("b", days_ago=0.1, messages=4),  # 08:42 the same day
        row("c", days_ago=1, messages=10),
        row("d", days_ago=89.3, messages=1),  # the first day of the window, 03:54
        row("e", days_ago=120, messages=50),  # before the window: only in the totals
        row("f", days_ago=-2, messages=50),  # a clock ahead: not a day of the chart
    ]
    stats = compute(rows, now=NOW, tz=UTC)
    assert len(stats.days) == DAYS
    assert stats.days[-1].date == dt.date(2026, 11, 18)
    assert stats.days[0].date == dt.date(2026, 8, 21)
    assert (stats.days[-1].sessions, stats.days[-1].messages) == (2, 7)
    assert (stats.days[-2].sessions, stats.days[-2].messages) == (1, 10)
    assert (stats.days[0].sessions, stats.days[0].messages) == (1, 1)
    assert sum(d.sessions for d in stats.days) == 4
    assert (stats.totals.sessions, stats.totals.messages) == (6, 118)
    assert [(d.date.day, d.sessions) for d in stats.busiest] == [(18, 2), (17, 1), (21, 1)]


def test_days_follow_the_time_zone_given() -> None:
    # 11:06 UTC on the 18th is still 2026-11-17 at UTC-12.
    west = dt.timezone(dt.timedelta(hours=-12))
    stats = compute([row("a", days_ago=0)], now=NOW, tz=west)
    assert stats.days[-1].date == dt.date(2026, 11, 17) and stats.days[-1].sessions == 1


def test_usage_by_model_project_and_workspace_largest_first() -> None:
    rows = [
        row("a", days_ago=1, model="opus", project="p1", workspace="/x",
            input_tokens=1000, output_tokens=200, estimated_cost=0.30),
        row("b", days_ago=2, model="opus", project="p2", workspace="/x",
            input_tokens=3000, output_tokens=100, estimated_cost=0.07),
        row("c", days_ago=3, model="mini", project="p1", workspace="/y",
            input_tokens=50_000, output_tokens=1, estimated_cost=0.01),
        row("d", days_ago=4, model="", project=None, workspace=""),  # no usage at all
    ]
    stats = compute(rows, now=NOW, tz=UTC, project_names={"p1": "Alpha"})
    assert [(g.label, g.totals.tokens) for g in stats.by_model] == [
        ("mini", 50_001), ("opus", 4_300), ("(no model)", None)]
    opus = stats.by_model[1].totals
    assert (opus.sessions, opus.input_tokens, opus.output_tokens) == (2, 4000, 300)
    assert round(opus.cost or 0, 6) == 0.37
    assert [(g.key, g.label, g.totals.tokens) for g in stats.by_project] == [
        ("p1", "Alpha", 51_201), ("p2", "p2", 3_100), ("", "(no project)", None)]
    assert [g.label for g in stats.by_workspace] == ["/y", "/x", "(no workspace)"]
    assert stats.totals.tokens == 54_301 and stats.totals.cache_read_tokens is None
    none = stats.by_model[2].totals
    assert none.cost is None and none.input_tokens is None and none.sessions == 1


def test_a_group_where_only_some_sessions_have_usage_sums_what_is_known() -> None:
    rows = [row("a", days_ago=1, estimated_cost=0.25), row("b", days_ago=1),
            row("c", days_ago=1, estimated_cost="free", input_tokens=-5)]
    totals = compute(rows, now=NOW, tz=UTC).totals
    assert totals.cost == 0.25 and totals.input_tokens is None and totals.sessions == 3


def test_no_rows_give_empty_figures_not_zero_usage() -> None:
    stats = compute([], now=NOW, tz=UTC)
    assert stats.totals.sessions == 0 and stats.totals.tokens is None
    assert stats.busiest == () and stats.by_model == () and len(stats.days) == DAYS
    assert json.loads(json.dumps(stats.to_json()))["totals"]["estimated_cost"] is None


def test_formatting_short_and_blank_when_unknown() -> None:
    assert [format_tokens(v) for v in (None, 0, 999, 1000, 12_400, 999_960, 3_140_000,
                                       2_500_000_000)] == [
        "", "0", "999", "1.0k", "12.4k", "1.0M", "3.1M", "2.5B"]
    assert [format_cost(v) for v in (None, 0.0, 0.004, 0.37, 1204.5)] == [
        "", "$0.00", "<$0.01", "$0.37", "$1,204.50"]


def test_rows_from_the_hermes_fixture(hermes_store: SessionStore) -> None:
    stats = compute(hermes_store.list_rows(), now=NOW + 10 * DAY, tz=UTC)
    assert stats.totals.sessions == 5
    assert stats.totals.input_tokens == 1200 + 1201 + 1202 + 1203 + 1204
    assert stats.by_model[0].label == "openai/gpt-5-mini"  # 1204 + 344, the most tokens
