"""The index a rebuild writes comes from one orjson call for all rows (`RowTable.to_json`), then
split into the rows a later save re-joins. Whatever the rows hold, the file and the rows kept
are exactly what encoding each row alone gives (`api.splice.join_rows`), and the kept rows take
about what their text takes."""

from __future__ import annotations

import tracemalloc
from typing import Any

from helpers_store import property_settings
from hypothesis import example, given
from hypothesis import strategies as st

from api.records import row_from_record
from api.rowtable import RowTable
from api.splice import join_rows

SETTINGS = property_settings(200)

VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False)
    | st.text(max_size=20) | st.sampled_from(['},{"session_id":', "\ud800", "\n", ",\n{"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.lists(st.fixed_dictionaries({"session_id": inner}), max_size=3)  # rows inside rows
    | st.dictionaries(st.sampled_from(["session_id", "title", "x"]), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def row(draw: st.DrawFn) -> dict[str, Any]:
    extra = draw(st.dictionaries(st.sampled_from(["forks", "title", "note"]), VALUE, max_size=2))
    sid = {"session_id": draw(st.sampled_from(["a", "b", "c"]))}
    first, then = (sid, extra) if draw(st.integers(0, 9)) else (extra, sid)  # some not first
    return {**first, **then, "updated_at": draw(st.floats(0, 10))}


FORKS = {"session_id": "a", "forks": [{"session_id": 1}, {"session_id": 2}], "updated_at": 1.0}


@SETTINGS
@given(rows=st.lists(row(), max_size=6))
@example(rows=[FORKS, {"session_id": "b", "updated_at": 0.0}])  # two row starts inside a row
@example(rows=[FORKS, {"title": "x", "session_id": "b", "updated_at": 0.0}])  # one, one not
def test_the_file_and_kept_rows_are_as_each_row_encoded_alone(rows: list[dict[str, Any]]) -> None:
    at_once, one_by_one = RowTable(list(rows)), RowTable(list(rows))
    assert at_once.to_json() == join_rows(one_by_one.blobs)
    assert at_once.blobs == one_by_one.blobs
    assert at_once.exact == one_by_one.exact


def test_rows_split_from_the_file_take_about_what_their_text_takes() -> None:
    rows = [row_from_record({"session_id": f"s{i:05d}", "title": f"session {i}",
                             "updated_at": 2000.0 - i, "created_at": 1.0}) for i in range(2000)]
    table = RowTable(rows)
    tracemalloc.start()
    try:
        data = table.to_json()
        held = tracemalloc.get_traced_memory()[0] - len(data)
    finally:
        tracemalloc.stop()
    assert table.blobs == RowTable(rows).blobs
    text = sum(len(blob) for blob in table.blobs)
    assert held < 1.5 * text + 100 * len(rows)
