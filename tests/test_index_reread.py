"""Re-reading an index another program rewrote: only the changed rows are parsed, and what comes
out is exactly what a full read of the new file gives (`api/splice.py`)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import jsonio
from api.index import SessionIndex
from api.indexfile import clean_rows
from api.records import row_from_record
from api.splice import common_prefix, common_suffix, parse_rows, splice
from api.store import SessionStore


def _row(sid: str, stamp: float, title: str = "t", **extra: Any) -> dict[str, Any]:
    return {**row_from_record({"session_id": sid, "title": title, "updated_at": stamp,
                               "created_at": 1.0}), **extra}


def _write(path: Path, rows: list[dict[str, Any]], layout: str) -> None:
    """Write an index the way another program would: Hermes (2-space indent), ours (one
    compact row a line) or a single line."""
    if layout == "hermes":
        text = json.dumps(rows, indent=2, ensure_ascii=False)
    elif layout == "ours":
        text = "[\n" + ",\n".join(json.dumps(r, separators=(",", ":")) for r in rows) + "\n]"
    else:
        text = json.dumps(rows)
    tmp = path.with_name("other.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _full_read(path: Path) -> list[dict[str, Any]] | None:
    """The oracle: the whole file parsed at once, as the index did before it read by rows."""
    try:
        raw = jsonio.loads(path.read_bytes())
    except (ValueError, RecursionError):
        return None
    return clean_rows(raw)[0].rows if isinstance(raw, list) else None


# Titles that look like the row starts and separators the splice looks for, and nested values.
TITLES = st.sampled_from([
    "plain", "},\n  {", '},{"session_id":"x"}', "\n{", "[\n]", "ünïcödé ✓", "", "a" * 300,
])
EXTRA = st.sampled_from([
    {}, {"tags": [{"a": 1}, {"b": [2, {"c": None}]}]}, {"meta": {"nested": {"deep": [1, 2]}}},
    {"note": "line\nbreak"},
])


@st.composite
def histories(draw: st.DrawFn) -> list[list[dict[str, Any]]]:
    """A first index and a few later versions, each one edit away from the one before."""
    count = draw(st.integers(1, 12))
    rows = [_row(f"s{i}", 1000.0 - i, draw(TITLES), **draw(EXTRA)) for i in range(count)]
    versions = [list(rows)]
    next_id = count
    for _ in range(draw(st.integers(1, 6))):
        rows = list(rows)
        kind = draw(st.sampled_from(["retitle", "touch", "add", "delete", "extra"]))
        if not rows:
            kind = "add"
        i = draw(st.integers(0, len(rows) - 1)) if rows else 0
        if kind == "retitle":
            rows[i] = {**rows[i], "title": draw(TITLES)}
        elif kind == "touch":  # a save moves the row to the top
            row = rows.pop(i)
            rows.insert(0, {**row, "updated_at": rows[0]["updated_at"] + 1 if rows else 2000.0})
        elif kind == "add":
            stamp = (rows[0]["updated_at"] + 1) if rows else 2000.0
            rows.insert(0, _row(f"n{next_id}", stamp, draw(TITLES)))
            next_id += 1
        elif kind == "delete":
            del rows[i]
        else:
            rows[i] = {**rows[i], **draw(EXTRA), "extra_field": draw(TITLES)}
        versions.append(rows)
    return versions


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories(), layouts=st.lists(st.sampled_from(["hermes", "ours", "line"]),
                                             min_size=8, max_size=8))
def test_every_reread_equals_a_full_read(
    tmp_path: Path, history: list[list[dict[str, Any]]], layouts: list[str]
) -> None:
    folder = tmp_path / f"s{os.urandom(4).hex()}"
    folder.mkdir()
    path = folder / "_index.json"
    index = SessionIndex(folder, path)
    for rows, layout in zip(history, layouts, strict=False):
        _write(path, rows, layout)
        table = index._load()
        assert table is not None
        assert table.rows == _full_read(path)
        assert [r["session_id"] for r in table.rows] == [r["session_id"] for r in rows]


FRAGMENTS = st.sampled_from([
    b"", b",", b"\n", b"\n{", b"\n  {", b"}", b"{", b"]", b"[", b'"', b"\\", b'"x"', b"1",
    b'{"session_id":"zz","updated_at":1.5}', b",\n{", b"NaN", b"18446744073709551616", b"\xff",
])


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(TITLES, min_size=1, max_size=6), layout=st.sampled_from(["hermes", "ours"]),
       edits=st.lists(st.tuples(st.floats(0, 1), st.integers(0, 40), FRAGMENTS),
                      min_size=1, max_size=4))
def test_byte_edits_read_as_a_full_parse_reads_them(
    tmp_path: Path, rows: list[str], layout: str,
    edits: list[tuple[float, int, bytes]],
) -> None:
    """Any bytes another program might leave, one edit at a time: each read equals a parse of
    the whole file (or both fail)."""
    folder = tmp_path / f"b{os.urandom(4).hex()}"
    folder.mkdir()
    path = folder / "_index.json"
    _write(path, [_row(f"s{i}", 100.0 - i, t) for i, t in enumerate(rows)], layout)
    index = SessionIndex(folder, path)
    index._load()
    data = path.read_bytes()
    for where, length, fragment in edits:
        at = int(where * len(data))
        data = data[:at] + fragment + data[at + length:]
        tmp = folder / "other.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, path)
        table = index._load()
        expected = _full_read(path)
        assert (None if table is None else [repr(r) for r in table.rows]) == (
            None if expected is None else [repr(r) for r in expected])


def test_unchanged_rows_stay_the_same_objects_after_hermes_rewrites_one(
    hermes_store: SessionStore,
) -> None:
    """What lets the app redraw only the changed row: everything else is the row it has."""
    path = hermes_store.index_path
    before = hermes_store.list_rows()
    rows = json.loads(path.read_text())
    target = rows[2]["session_id"]
    rows[2]["title"] = "Renamed by Hermes"
    _write(path, rows, "hermes")
    after = hermes_store.list_rows()
    by_id = {r["session_id"]: r for r in before}
    changed = [r for r in after if by_id.get(r["session_id"]) is not r]
    assert [r["session_id"] for r in changed] == [target]
    assert changed[0]["title"] == "Renamed by Hermes"
    assert changed[0]["input_tokens"] == rows[2]["input_tokens"]  # every field Hermes wrote


def test_a_rewrite_that_breaks_the_file_is_never_spliced(store: SessionStore) -> None:
    for i in range(5):
        store.save(store.new_session(session_id=f"s{i}", title=f"T{i}"))
    path = store.index_path
    first = store.list_rows()
    text = path.read_text()
    # Another program's broken index: the middle row lost its closing brace.
    lines = text.split("\n")
    middle = next(i for i, line in enumerate(lines) if '"title":"T2"' in line)
    lines[middle] = lines[middle].replace("},", ",")  # the row lost its closing brace
    broken = "\n".join(lines)
    tmp = path.with_name("x.tmp")
    tmp.write_text(broken)
    os.replace(tmp, path)
    again = store.list_rows()  # read from the session files, not half-read
    assert sorted(r["title"] for r in again) == sorted(r["title"] for r in first)
    assert path.read_text() == broken  # reading never writes
    store.rename("s0", "T0 again")  # the next save writes a whole index
    assert sorted(r["title"] for r in json.loads(path.read_text())) == [
        "T0 again", "T1", "T2", "T3", "T4"]


def test_rows_are_found_only_where_each_piece_is_one_row() -> None:
    rows = [_row("a", 2.0, "},\n  {"), _row("b", 1.0, extra={"x": [{"y": 1}]})]
    hermes = json.dumps(rows, indent=2).encode()
    parsed = parse_rows(hermes)
    assert parsed is not None and parsed[0] == rows
    layout = parsed[1]
    assert layout.marker == b"\n  {"
    assert [hermes[s : s + 4] for s in layout.starts[:-1]] == [b"\n  {", b"\n  {"]
    assert parse_rows(json.dumps(rows).encode()) is None  # one line: no row starts
    assert parse_rows(json.dumps(rows, indent=0).encode()) is None  # nested "{" at column 0


def _compact(sid: str, extra: str = "") -> str:
    return json.dumps(_row(sid, 5.0), separators=(",", ":"))[:-1] + extra + "}"


# A crafted file: a nested object placed where a row would start, while two real rows share a
# line, so that the row starts found by bytes are as many as the rows, but not theirs.
MISALIGNED = ("[\n" + _compact("a", ',"x":[\n' + _compact("z1") + ",\n" + _compact("z2") + "]")
              + ", " + _compact("b") + ", " + _compact("c") + "\n]")


@pytest.mark.parametrize("versions", [
    pytest.param([MISALIGNED, MISALIGNED.replace('"z1"', '"z9"')], id="misaligned starts"),
    pytest.param([MISALIGNED, MISALIGNED[:MISALIGNED.index(_compact("z2"))
                                         + len(_compact("z2"))] + "\n]"],
                 id="misaligned, then not JSON"),
    pytest.param(["[\n" + _compact("a", ',"x":NaN') + ",\n" + _compact("b", ',"big":1') + "\n]",
                  "[\n" + _compact("a", ',"x":NaN') + ",\n"
                  + _compact("b", ',"big":18446744073709551616') + "\n]"],
                 id="NaN elsewhere, then a big integer"),
    pytest.param(["[\n" + _compact("a") + ",\n" + _compact("b") + "\n]",
                  "[\n" + _compact("a") + ",\n"
                  + _compact("b", ',"x":' + "[" * 1023 + "]" * 1023) + "\n]"],
                 id="a row nested as deep as orjson goes"),
])
def test_crafted_rewrites_read_as_a_full_parse_reads_them(
    tmp_path: Path, versions: list[str]
) -> None:
    """Counterexamples an adversarial review found in a first version of the splice."""
    path = tmp_path / "_index.json"
    index = SessionIndex(tmp_path, path)
    for text in versions:
        tmp = tmp_path / "other.tmp"
        tmp.write_text(text)
        os.replace(tmp, path)
        table = index._load()
        fresh = _full_read(path)
        assert (None if table is None else table.rows) == fresh
        if table is not None and fresh is not None:  # same values, same types
            assert [repr(r) for r in table.rows] == [repr(r) for r in fresh]


def test_our_own_write_of_a_number_orjson_cannot_read_back_is_not_spliced(
    store: SessionStore,
) -> None:
    """A row holding an integer past 64 bits is written by the standard library, and orjson
    reads it back as a float: the cached rows are then not the file's, so no splicing."""
    store.save(store.new_session(session_id="s1", title="one", updated_at=1.0), touch=False)
    store.save(store.new_session(session_id="s2", title="two", updated_at=2.0), touch=False)
    path = store.index_path
    rows = json.loads(path.read_text())
    rows[1]["tokens"] = 1  # a key the index row carries, refreshed from the file on save
    _write(path, rows, "ours")
    store.list_rows()
    record = json.loads((store.directory / "s1.json").read_text())
    record["tokens"] = 2**64 + 1
    (store.directory / "s1.json").write_text(json.dumps(record))
    store.save(store.load("s1"), touch=False)
    rows = json.loads(path.read_text())
    assert [r["session_id"] for r in rows] == ["s2", "s1"]
    rows[0]["title"] = "two, retitled elsewhere"  # the other row: s1's stays as written
    _write(path, rows, "ours")
    assert [repr(r) for r in store.list_rows()] == [repr(r) for r in _full_read(path) or []]


def test_numbers_past_a_double_read_as_null_like_orjson_writes_them(tmp_path: Path) -> None:
    path = tmp_path / "_index.json"
    text = json.dumps([_row("a", 2.0), _row("b", 1.0)], separators=(",", ":"))
    path.write_text(text.replace('"updated_at":2.0', '"updated_at":1e400'))
    index = SessionIndex(tmp_path, path)
    table = index._load()
    assert table is not None
    assert [(r["session_id"], r["updated_at"]) for r in table.rows] == [("b", 1.0), ("a", 0.0)]
    index._write(table.copy())
    assert [repr(r) for r in index._load().rows] == [repr(r) for r in _full_read(path) or []]


def test_a_difference_at_either_end_is_found_at_any_offset() -> None:
    base = bytes(range(256)) * 9000
    for at in (0, 1, 255, 65536, len(base) // 2, len(base) - 1):
        changed = bytearray(base)
        changed[at] ^= 0xFF
        assert common_prefix(base, bytes(changed)) == at
        assert common_suffix(base, bytes(changed), len(base)) == len(base) - at - 1
    assert common_prefix(base, base + b"x") == len(base)


@pytest.mark.parametrize("layout", ["hermes", "ours"])
def test_only_the_edited_row_is_parsed(tmp_path: Path, layout: str) -> None:
    path = tmp_path / "_index.json"
    rows = [_row(f"s{i:03}", 1000.0 - i) for i in range(300)]
    _write(path, rows, layout)
    parsed = parse_rows(path.read_bytes())
    assert parsed is not None
    old = parsed[1]
    rows[150] = {**rows[150], "title": "changed"}
    _write(path, rows, layout)
    change = splice(old, path.read_bytes())
    assert change is not None
    assert (change.first, change.stop) == (150, 151)
    assert change.items == [rows[150]]


def test_a_rewrite_in_another_layout_keeps_the_unchanged_rows(store: SessionStore) -> None:
    """We write one row a line, Hermes indents: after each switch the rows that did not change
    are still the same objects, so the app redraws one row, not 100,000."""
    for i in range(6):
        store.save(store.new_session(session_id=f"s{i}", title=f"T{i}", updated_at=10.0 + i),
                   touch=False)
    rows = [{**r, "cost": 1} for r in json.loads(store.index_path.read_text())]
    _write(store.index_path, rows, "ours")
    before = store.list_rows()
    rows[3]["title"] = "Changed by Hermes"
    rows[4]["cost"] = 1.0  # equal to 1 in Python, not in the file: a change too
    _write(store.index_path, rows, "hermes")
    after = store.list_rows()
    old = {r["session_id"]: r for r in before}
    changed = [r["session_id"] for r in after if old[r["session_id"]] is not r]
    assert changed == [rows[3]["session_id"], rows[4]["session_id"]]
    assert [repr(r) for r in after] == [repr(r) for r in _full_read(store.index_path) or []]


def test_hermes_and_we_taking_turns_never_costs_a_whole_read(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """We write one row a line, Hermes indents. When both write, each new version is compared
    with the last one in its own layout, so no turn parses the whole index again."""
    import api.indexfile

    for i in range(6):
        store.save(store.new_session(session_id=f"s{i}", title=f"T{i}", updated_at=10.0 + i),
                   touch=False)
    path = store.index_path
    rows = json.loads(path.read_text())
    _write(path, rows, "hermes")
    store.list_rows()  # read once in Hermes' layout (a whole read: the layout changed)

    def no_whole_read(data: bytes) -> None:
        raise AssertionError("the index was read whole")

    monkeypatch.setattr(api.indexfile, "parse_rows", no_whole_read)
    for turn in range(3):
        store.rename("s1", f"Ours {turn}")  # we write our layout
        rows = json.loads(path.read_text())
        rows[-1]["title"] = f"Hermes {turn}"  # Hermes writes its own, with our change in it
        _write(path, rows, "hermes")
        listed = {r["session_id"]: r["title"] for r in store.list_rows()}
        assert (listed["s1"], listed["s0"]) == (f"Ours {turn}", f"Hermes {turn}")
    monkeypatch.undo()
    assert [repr(r) for r in store.list_rows()] == [repr(r) for r in _full_read(path) or []]


@settings(max_examples=60, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titles=st.lists(TITLES, min_size=1, max_size=12), extra=EXTRA,
       layout=st.sampled_from(["hermes", "ours", "line"]), block=st.sampled_from([5, 64, 700]),
       edit=st.integers(0, 11))
def test_a_first_read_streamed_in_blocks_gives_the_whole_read_and_diffs_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, titles: list[str], extra: dict[str, Any],
    layout: str, block: int, edit: int,
) -> None:
    """A big index is first read block by block (never held whole), rows cut anywhere by the
    blocks; the layout then keeps the open file, from which the next version is diffed."""
    import api.indexcache
    import api.splice

    monkeypatch.setattr(api.indexcache, "STREAM_MIN", 0)
    monkeypatch.setattr(api.splice, "STREAM_BLOCK", block)
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    path = folder / "_index.json"
    rows = [_row(f"s{i}", 100.0 - i, title, **extra) for i, title in enumerate(titles)]
    for row in rows:
        (folder / f"{row['session_id']}.json").write_text("{}")
    _write(path, rows, layout)
    index = SessionIndex(folder, path)
    assert index.rows() == _full_read(path)
    rows[edit % len(rows)] = {**rows[edit % len(rows)], "title": "edited elsewhere"}
    _write(path, rows, layout)
    assert index.rows() == _full_read(path)


def test_two_threads_reading_a_new_version_at_once_share_one_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The app's loader and its check of where edits go both list the store at startup: the
    second waits for the first's parse and gets the very same rows, instead of building a
    second copy of every row beside it (the app's memory peak at 100,000 sessions)."""
    import threading

    import api.indexcache

    folder = tmp_path / "sessions"
    folder.mkdir()
    rows = [_row(f"s{i}", 100.0 - i) for i in range(5)]
    for row in rows:
        (folder / f"{row['session_id']}.json").write_text("{}")
    _write(folder / "_index.json", rows, "hermes")
    index = SessionIndex(folder, folder / "_index.json")
    parsing, release = threading.Event(), threading.Event()
    parses: list[int] = []
    real_parse = api.indexcache.parse_index

    def slow_parse(*args: Any) -> Any:
        parses.append(1)
        parsing.set()
        assert release.wait(30), "the test never let the parse finish"
        return real_parse(*args)

    monkeypatch.setattr(api.indexcache, "parse_index", slow_parse)
    results: dict[str, list[dict[str, Any]]] = {}
    first = threading.Thread(target=lambda: results.update(first=index.rows()))
    second = threading.Thread(target=lambda: results.update(second=index.rows()))
    first.start()
    assert parsing.wait(30), "the first reader never parsed"
    second.start()
    second.join(0.2)  # it waits for the parse (had it parsed, it would be stuck in it too)
    release.set()
    first.join(30)
    second.join(30)
    assert len(parses) == 1
    assert results["first"] == _full_read(folder / "_index.json")
    assert all(a is b for a, b in zip(results["first"], results["second"], strict=True))
