"""What the list shows after another program changed the store: a function of what it showed,
what the read found, whose saves landed meanwhile and which edits are still being saved.

No Textual here: `reconcile` is tested on plain rows (tests/tui/test_reconcile.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tui.editing.ledger import EditLedger
from tui.live.diff import RowsDelta
from tui.rows import Row, SessionRows


@dataclass(frozen=True)
class Reconciled:
    """The rows to show, and the store's rows that were not shown (`held`: sessions whose
    saves landed after the read began, so the read may be older than the screen; the caller
    makes the next read report them again, see `tui.live.diff.forget`)."""

    rows: SessionRows
    held: list[Row]


def apply_view(rows: SessionRows, view: SessionRows) -> None:
    """Give rows built by a worker the view the UI has now (it may have changed since the
    worker started): archive setting, order, query."""
    rows.show_archived = view.show_archived
    rows.order = view.order
    rows.query = view.query


def reconcile(
    old: SessionRows, delta: RowsDelta | SessionRows, recent: set[str], ledger: EditLedger
) -> Reconciled:
    """Lay a read of the store over the rows on screen (`old`).

    `delta` is either the few rows that changed (put into `old`, which is changed in place and
    returned: a few rows cost the same at 10 and at 100,000 sessions) or, after a big change,
    every row anew (taken, with the view `old` has: archive setting, order, query). Either
    way, rows of sessions in `recent` (whose saves landed after the read began) stay as they
    are on screen, and edits still being saved are laid over the store's rows
    (`EditLedger.rebase`)."""
    changed: Iterable[Row]
    removed: Iterable[str]
    if isinstance(delta, SessionRows):
        rows = delta
        apply_view(rows, old)
        changed = [row for sid in recent.union(ledger.pending_ids())
                   if (row := rows.get(sid)) is not None]
        removed = ()
    else:
        rows, changed, removed = old, delta.changed, delta.removed
    held: list[Row] = []
    for fresh in changed:
        sid = fresh["session_id"]
        shown = old.get(sid)
        if sid in recent and shown is not None:
            held.append(fresh)
            row = shown
        else:
            row = ledger.rebase(sid, fresh)
        if row is not rows.get(sid):
            rows.put(row)
    for sid in removed:
        rows.remove(sid)
    return Reconciled(rows, held)
