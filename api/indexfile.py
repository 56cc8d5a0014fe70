"""The bytes of `_index.json` made into a `RowTable`: by their changes from the last version read
in the same layout (`api.splice`), else row by row, else parsed whole; rows made trustworthy
(`records.sanitize_row`) and, where a row is the same JSON as one already held, that very row.
"""

from __future__ import annotations

import orjson

from api import jsonio
from api.records import Row, sanitize_row, updated_key
from api.rowtable import RowTable
from api.scan import SUFFIX
from api.splice import Layout, parse_rows, splice


def parse_index(
    data: bytes, base: RowTable | None, base_layout: Layout | None,
    other: tuple[RowTable, Layout] | None,
) -> tuple[RowTable | None, Layout | None]:
    """The table of the index bytes `data`, and its layout when its rows are the file's rows
    one for one: by its changes from the last version read in the same layout, else row by
    row, else whole. (None, None) when it is no list."""
    for old, old_layout in ((base, base_layout), other or (None, None)):
        if old is None or old_layout is None:
            continue
        spliced = splice_table(old, old_layout, data)
        if spliced is not None:
            return spliced
    parsed = parse_rows(data, sanitize_row)
    if parsed is not None:
        items, layout = parsed
        table, aligned = clean_rows(items, base, checked=True)
        return table, layout if aligned else None
    try:
        raw = jsonio.loads(data)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(raw, list):
        return None, None
    return clean_rows(raw, base)[0], None


def splice_table(base: RowTable, layout: Layout, data: bytes) -> tuple[RowTable, Layout] | None:
    """The table of `data`, a new version of the index `base` was read from, made by parsing
    only the rows that differ; None when it takes a full parse (see `api.splice`)."""
    change = splice(layout, data)
    if change is None:
        return None
    if change.first == change.stop and not change.items:
        return base, change.layout  # the same bytes again: the same table
    rows = []
    for item in change.items:
        row = sanitize_row(item)
        if row is None:
            return None  # the full parse drops it, and knows the rows no longer match the file
        rows.append(row)
    table = base.spliced(change.first, change.stop, rows)
    return None if table is None else (table, change.layout)


def clean_rows(
    raw: list[object], previous: RowTable | None = None, *, checked: bool = False
) -> tuple[RowTable, bool]:
    """Rows from disk made trustworthy: bad rows dropped, one row per id, newest first. The
    flag says whether the rows are the file's rows, one for one and in the same order.
    `checked`: `raw` holds rows `sanitize_row` made already (None for a bad one).

    A row identical to the `previous` table's (same JSON, so same types and key order) is
    that very object: readers tell changed rows by identity, and a file rewritten in another
    layout (Hermes' indent after ours) then changes only the rows that did change."""
    rows: list[Row] = []
    by_name: dict[str, Row] = {}
    needs_sort = False
    last = float("inf")
    before = previous.by_name if previous is not None else {}
    for item in raw:
        old = before.get(f"{item.get('session_id')}{SUFFIX}") if type(item) is dict else None
        # The same JSON as a row already checked: that row, and no need to check it again.
        if old is not None and _same_json(old, item):
            row = old
        else:
            row = item if checked else sanitize_row(item)  # type: ignore[assignment]
        if row is None:
            continue
        name = row["session_id"] + SUFFIX
        if name in by_name:
            continue  # the first is the newest in a sorted index
        by_name[name] = row
        stamp = row["updated_at"]
        if stamp > last:
            needs_sort = True
        last = stamp
        rows.append(row)
    if needs_sort:
        rows.sort(key=updated_key)
    return RowTable(rows, by_name=by_name), len(rows) == len(raw) and not needs_sort


def _same_json(a: Row, b: object) -> bool:
    """Equal as JSON text: unlike `==`, 1 and 1.0 (or True) differ, and so does key order.
    (orjson directly: this runs for every row of a re-read index.)"""
    try:
        return a == b and orjson.dumps(a) == orjson.dumps(b)
    except TypeError:  # orjson cannot write one of them: say "not the same", and check it
        return False
