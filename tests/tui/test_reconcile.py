"""`reconcile`: what the list shows after another program changed the store, tested on plain
rows without Textual (the app's live tests cover the same through the screen)."""

from __future__ import annotations

from typing import Any

from tui.editing.ledger import Edit, EditLedger
from tui.live.diff import RowsDelta, diff_rows
from tui.live.reconcile import reconcile
from tui.order import ORDERS
from tui.query import Query
from tui.rows import SessionRows


def row(sid: str, updated: float, **fields: Any) -> dict[str, Any]:
    base = {"session_id": sid, "title": sid, "updated_at": updated, "pinned": False,
            "archived": False, "message_count": 0, "model": "", "workspace": ""}
    base.update(fields)
    return base


def ids(rows: SessionRows) -> list[str]:
    return [r["session_id"] for r in rows]


def test_a_delta_is_put_into_the_rows_on_screen() -> None:
    old = SessionRows([row("a", 3), row("b", 2), row("c", 1)])
    delta = RowsDelta([row("c", 9, title="c again"), row("d", 5)], frozenset({"a"}))
    result = reconcile(old, delta, set(), EditLedger())
    assert result.rows is old  # changed in place: a few rows cost the same at any size
    assert ids(old) == ["c", "d", "b"] and old.get("c")["title"] == "c again"  # type: ignore[index]
    assert result.held == []


def test_pending_edits_are_laid_over_the_stores_row() -> None:
    old = SessionRows([row("a", 3), row("b", 2)])
    ledger = EditLedger()
    old.put(ledger.begin(old.get("b"), Edit("b", {"pinned": True}, "pin")))  # type: ignore[arg-type]
    delta = RowsDelta([row("b", 2, title="renamed elsewhere")], frozenset())
    result = reconcile(old, delta, set(), ledger)
    shown = result.rows.get("b")
    assert shown is not None and (shown["title"], shown["pinned"]) == ("renamed elsewhere", True)
    assert ids(result.rows) == ["b", "a"]


def test_a_session_whose_save_landed_since_the_read_keeps_its_row() -> None:
    """The read may be older than our save that landed meanwhile: the row on screen stays,
    and the store's row is handed back to be read again next time."""
    mine = row("a", 7, title="my title")
    old = SessionRows([mine, row("b", 2)])
    stale = row("a", 3, title="before my save")
    result = reconcile(old, RowsDelta([stale], frozenset()), {"a"}, EditLedger())
    assert result.rows.get("a") is mine and result.held == [stale]


def test_a_whole_read_takes_the_view_and_keeps_recent_and_pending_rows() -> None:
    old = SessionRows([row("a", 3), row("b", 2, archived=True), row("c", 1)],
                      order=ORDERS[3])
    old.show_archived = True
    old.query = Query.parse("a")
    mine = old.get("a")
    ledger = EditLedger()
    edited = ledger.begin(old.get("c"), Edit("c", {"title": "ca"}, "rename"))  # type: ignore[arg-type]
    old.put(edited)
    fresh = SessionRows([row("a", 1), row("b", 2, archived=True), row("c", 3), row("x", 4)])
    result = reconcile(old, fresh, {"a"}, ledger)
    rows = result.rows
    assert rows is fresh
    assert (rows.show_archived, rows.order, rows.query) == (True, ORDERS[3], old.query)
    assert rows.get("a") is mine and [r["session_id"] for r in result.held] == ["a"]
    assert rows.get("c")["title"] == "ca"  # type: ignore[index]
    assert ids(rows) == ["a", "c"]  # by title, filtered by "a", archived shown


def test_reconcile_after_diff_rows_matches_a_fresh_read() -> None:
    before = [row(f"s{i}", float(100 - i)) for i in range(50)]
    after = list(before)
    after[10] = row("s10", 200.0, title="moved to the top")
    del after[20]
    after.append(row("new", 0.5))
    after.sort(key=lambda r: -r["updated_at"])
    old = SessionRows(before)
    delta = diff_rows(before, after, 256)
    assert delta is not None
    result = reconcile(old, delta, set(), EditLedger())
    assert ids(result.rows) == ids(SessionRows(after))
