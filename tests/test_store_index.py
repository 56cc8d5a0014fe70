"""`_index.json`: patched in place, rebuilt when it must be, never trusted blindly."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from helpers_store import in_a_later_tick

import api.models as models
from api.atomic import sweep_stale_temps
from api.models import Session, _write_session_index
from api.store import SessionStore

ROW_KEYS = {
    "session_id", "title", "workspace", "model", "message_count", "created_at", "updated_at",
    "last_message_at", "pinned", "archived", "project_id",
}


def _index(folder: Path) -> list[dict]:
    return json.loads((folder / "_index.json").read_text())


def _write_file(folder: Path, record: dict) -> None:
    (folder / f"{record['session_id']}.json").write_text(json.dumps(record, indent=2))


def test_rows_carry_the_documented_keys_and_derived_values(store_dir: Path) -> None:
    messages = [
        {"role": "user", "content": "q", "timestamp": 10.0},
        {"role": "assistant", "content": [{"type": "text", "text": "a"}], "_ts": 20.0},
        {"role": "tool", "content": "out", "timestamp": 30.0},
    ]
    Session(session_id="abc", title="T", messages=messages, project_id="p1").save()
    [row] = _index(store_dir)
    assert row.keys() >= ROW_KEYS
    assert row["message_count"] == 3
    assert row["last_message_at"] == 20.0, "tool messages do not count as activity"
    assert row["project_id"] == "p1"
    assert "messages" not in row


def test_patching_a_hermes_row_keeps_its_other_keys(hermes_store: SessionStore) -> None:
    index_path = hermes_store.index_path
    before = {r["session_id"]: r for r in json.loads(index_path.read_text())}
    hermes_store.rename("a1b2c3d4e5f6", "Renamed")
    after = {r["session_id"]: r for r in json.loads(index_path.read_text())}
    assert after.keys() == before.keys()
    row_before, row_after = before["a1b2c3d4e5f6"], after["a1b2c3d4e5f6"]
    assert row_after.keys() == row_before.keys(), "Hermes' 55 keys stay"
    assert len(row_after) > len(ROW_KEYS)
    assert row_after["title"] == "Renamed"
    # last_message_at comes from the messages, so a rename leaves it alone.
    changed = {k for k in row_before if row_before[k] != row_after[k]}
    assert changed == {"title", "updated_at", "manual_title"}
    for sid in before.keys() - {"a1b2c3d4e5f6"}:
        assert after[sid] == before[sid], f"row {sid} must be untouched"
    assert next(r["session_id"] for r in json.loads(index_path.read_text())) == "a1b2c3d4e5f6"


def test_hermes_store_lists_as_hermes_indexed_it(hermes_store: SessionStore) -> None:
    hermes = json.loads(hermes_store.index_path.read_text())
    rows = hermes_store.list_rows()
    assert [r["session_id"] for r in rows] == [r["session_id"] for r in hermes]
    assert [r["title"] for r in rows] == [r["title"] for r in hermes]
    assert {r["session_id"] for r in rows if r["archived"]} == {"20251102_141502_9c1d2e"}
    assert {r["session_id"] for r in rows if r["pinned"]} == {"0f9e8d7c6b5a"}
    # A rebuild from the files agrees with what Hermes wrote on every key it derives.
    rebuilt = {r["session_id"]: r for r in hermes_store.rebuild()}
    for row in hermes:
        for key in ROW_KEYS:
            assert rebuilt[row["session_id"]][key] == row[key], (row["session_id"], key)


def test_sessions_without_a_row_are_found_without_reading_every_file(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(5):
        Session(session_id=f"s{i}", title=f"T{i}", updated_at=float(i)).save(
            touch_updated_at=False
        )
    _write_file(store_dir, {"session_id": "hermes_new", "title": "From Hermes",
                            "updated_at": 99.0, "messages": []})
    import api.index

    read: list[str] = []
    real = api.index.read_row

    def counting(path: str, sid: str) -> object:
        read.append(os.path.basename(path))
        return real(path, sid)

    monkeypatch.setattr(api.index, "read_row", counting)
    rows = models.all_sessions()
    assert [r["session_id"] for r in rows] == ["hermes_new", "s4", "s3", "s2", "s1", "s0"]
    assert read == ["hermes_new.json"]
    models.all_sessions()
    assert read == ["hermes_new.json"], "an unchanged unlisted file is read once"


def test_ghost_rows_are_dropped_from_listing_and_on_next_save(store_dir: Path) -> None:
    Session(session_id="keep", title="Keep").save()
    Session(session_id="gone", title="Gone").save()
    (store_dir / "gone.json").unlink()
    in_a_later_tick(store_dir)
    assert [r["session_id"] for r in models.all_sessions()] == ["keep"]
    Session(session_id="other", title="Other").save()
    assert {r["session_id"] for r in _index(store_dir)} == {"keep", "other"}


def test_a_session_written_beside_us_in_the_same_clock_tick_gets_its_row(store_dir: Path) -> None:
    """`_write_session_index(updates=[C])` right after one of our saves, C's file written by
    the caller in the same clock tick (a coarse kernel leaves the folder's mtime as our save
    left it): C's row was dropped, its file missing from the save's cached listing."""
    Session(session_id="a", title="A").save()
    before = os.stat(store_dir)
    c = Session(session_id="c", title="C", messages=[])
    c.path.write_text(json.dumps(c.__dict__))
    os.utime(store_dir, ns=(before.st_atime_ns, before.st_mtime_ns))
    _write_session_index(updates=[c])
    assert {r["session_id"] for r in _index(store_dir)} == {"a", "c"}


@pytest.mark.parametrize(
    "content",
    ["", "[", "{}", '{"a": 1}', "null", '"text"', "\x00\xff", '[{"session_id": 5}, 3, "x"]'],
)
def test_unusable_index_is_rebuilt_from_files(store_dir: Path, content: str) -> None:
    _write_file(store_dir, {"session_id": "abc", "title": "From file", "updated_at": 5.0})
    (store_dir / "_index.json").write_text(content, errors="surrogateescape")
    rows = models.all_sessions()
    assert [r["title"] for r in rows] == ["From file"]
    Session(session_id="new", title="New").save()
    assert [r["session_id"] for r in _index(store_dir)] == ["new", "abc"]


def test_bad_rows_are_dropped_and_wrong_types_coerced(store_dir: Path) -> None:
    for sid in ("ok", "typed", "dup"):
        _write_file(store_dir, {"session_id": sid, "title": sid})
    rows = [
        "not a row", 7, None, {"title": "no id"}, {"session_id": 12}, {"session_id": "../x"},
        {"session_id": "typed", "title": ["a"], "updated_at": "12.5", "created_at": None,
         "message_count": "3", "pinned": "yes", "archived": 0, "model": None, "workspace": 4},
        {"session_id": "ok", "title": "OK", "updated_at": 20.0},
        {"session_id": "dup", "title": "first", "updated_at": 10.0},
        {"session_id": "dup", "title": "second", "updated_at": 9.0},
    ]
    (store_dir / "_index.json").write_text(json.dumps(rows))
    listed = models.all_sessions()
    assert [r["session_id"] for r in listed] == ["ok", "typed", "dup"]
    typed = listed[1]
    assert typed["title"] == "['a']"
    assert typed["updated_at"] == 12.5
    assert typed["created_at"] == 12.5
    assert typed["message_count"] == 3
    assert typed["pinned"] is True and typed["archived"] is False
    assert typed["model"] == "" and typed["workspace"] == "4"
    assert listed[2]["title"] == "first"


def test_rebuild_skips_unusable_files_and_coerces_fields(store_dir: Path) -> None:
    (store_dir / "empty.json").write_text("")
    (store_dir / "junk.json").write_bytes(b"\x89PNG\r\n")
    (store_dir / "list.json").write_text("[]")
    (store_dir / "mismatch.json").write_text(json.dumps({"session_id": "other"}))
    (store_dir / "bad id.json").write_text(json.dumps({"session_id": "bad id"}))
    (store_dir / "_pruned_webui_orphans.json").write_text(json.dumps({"session_id": "x"}))
    (store_dir / "abc.json.bak").write_text(json.dumps({"session_id": "abc"}))
    (store_dir / "abc.json.tmp.1.2").write_text(json.dumps({"session_id": "abc"}))
    _write_file(store_dir, {"session_id": "abc", "title": 42, "updated_at": "soon",
                            "created_at": [1], "messages": "not a list", "message_count": "7"})
    _write_session_index(None)
    [row] = _index(store_dir)
    assert row["session_id"] == "abc"
    assert row["title"] == "42"
    assert row["updated_at"] == 0.0 and row["created_at"] == 0.0
    assert row["message_count"] == 7


def test_rebuild_sweeps_temp_files_of_dead_writers_only(store_dir: Path) -> None:
    dead = store_dir / "abc.json.tmp.999999999.dead"  # no such pid
    alive = store_dir / f"abc.json.tmp.{os.getppid()}.live"
    old_alive = store_dir / f"_index.json.tmp.{os.getppid()}.old"
    for path in (dead, alive, old_alive):
        path.write_text("{}")
    os.utime(old_alive, (time.time() - 7200, time.time() - 7200))
    _write_session_index(None)
    assert not dead.exists()
    assert alive.exists(), "a live writer's temp file is left alone"
    assert not old_alive.exists(), "an hour-old temp file is abandoned whatever its pid"
    assert sweep_stale_temps(store_dir) == []


def test_index_written_by_another_tool_is_reread(store_dir: Path) -> None:
    Session(session_id="abc", title="Ours").save()
    assert models.all_sessions()[0]["title"] == "Ours"
    rows = _index(store_dir)
    rows[0]["title"] = "Theirs"
    tmp = store_dir / "x.tmp"
    tmp.write_text(json.dumps(rows, indent=2))
    os.replace(tmp, store_dir / "_index.json")
    assert models.all_sessions()[0]["title"] == "Theirs"


def test_index_is_one_compact_row_a_line_sorted_newest_first(store_dir: Path) -> None:
    for i, stamp in enumerate([5.0, 50.0, 20.0]):
        Session(session_id=f"s{i}", title="line\nbreak", updated_at=stamp).save(
            touch_updated_at=False
        )
    text = (store_dir / "_index.json").read_text()
    lines = text.split("\n")
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 5
    assert all(line.startswith('{"session_id":') and ", " not in line for line in lines[1:-1])
    assert [r["updated_at"] for r in json.loads(text)] == [50.0, 20.0, 5.0]


def test_a_store_that_vanishes_says_so(store_dir: Path) -> None:
    Session(session_id="abc", title="T").save()
    for path in store_dir.iterdir():
        path.unlink()
    store_dir.rmdir()
    with pytest.raises(FileNotFoundError, match="store folder is gone"):
        models.all_sessions()
    with pytest.raises(FileNotFoundError, match="store folder is gone"):
        Session(session_id="abc", title="T").save()


def test_row_left_stale_by_a_killed_saver_is_repaired(store_dir: Path) -> None:
    """A saver killed between its file and the index leaves a mark; readers trust the file."""
    Session(session_id="abc", title="Old").save()
    Session(session_id="other", title="Other").save()
    import api.index

    index = api.index.index_for(store_dir, store_dir / "_index.json")
    index.mark_saving("abc")  # what Session.save does first, then it "dies" after the file:
    record = json.loads((store_dir / "abc.json").read_text())
    record["title"] = "New"
    (store_dir / "abc.json").write_text(json.dumps(record))
    assert {r["session_id"]: r["title"] for r in models.all_sessions()} == {
        "abc": "New", "other": "Other"
    }
    assert (store_dir / "_saving.abc").exists(), "a reader repairs in memory, writes nothing"
    in_a_later_tick(store_dir)  # the killed saver was another process, a tick ago at least
    Session.load("other").save()
    assert {r["session_id"]: r["title"] for r in _index(store_dir)} == {
        "abc": "New", "other": "Other"
    }
    assert not (store_dir / "_saving.abc").exists()


def test_preview_holds_pinned_and_newest_rows_as_the_full_list_does(
    store: SessionStore, hermes_store: SessionStore
) -> None:
    for i in range(50):
        store.save(store.new_session(session_id=f"s{i:02}", title=f"T {i}", updated_at=float(i),
                                     pinned=i in (3, 17)), touch=False)
    preview = store.preview_rows(newest=5)
    assert preview is not None
    assert [r["session_id"] for r in preview] == ["s49", "s48", "s47", "s46", "s45", "s17", "s03"]
    full = {r["session_id"]: r for r in store.list_rows()}
    assert all(full[r["session_id"]] == r for r in preview)
    # Hermes writes its index indented, with 55 keys a row: the preview reads that too.
    hermes = hermes_store.preview_rows(newest=1)
    assert hermes is not None
    assert [(r["session_id"], r["pinned"]) for r in hermes] == [
        ("dd11ee22ff33", False), ("0f9e8d7c6b5a", True)
    ]


@pytest.mark.parametrize("content", ["", "{}", "[", '[{"session_id": "a"', "\xff", "[1, 2"])
def test_preview_of_an_unusable_index_is_none_or_partial(store_dir: Path, content: str) -> None:
    (store_dir / "_index.json").write_bytes(content.encode("utf-8", "surrogateescape"))
    preview = SessionStore(store_dir).preview_rows()
    assert preview is None or preview == []


def test_preview_reads_the_index_in_blocks_and_finds_pinned_rows_across_them(
    store_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The preview never holds the whole index (bounded memory); a pinned row cut by the end of
    a block is found in the next one."""
    import api.preview

    monkeypatch.setattr(api.preview, "BLOCK", 2048)
    monkeypatch.setattr(api.preview, "OVERLAP", 700)
    rows = [{"session_id": f"s{i:03}", "title": f"T {i} é", "workspace": "", "model": "",
             "message_count": 0, "created_at": 1.0, "updated_at": float(1000 - i),
             "last_message_at": 1.0, "pinned": i % 37 == 5, "archived": False}
            for i in range(300)]
    (store_dir / "_index.json").write_text(json.dumps(rows, indent=2, ensure_ascii=False))
    preview = SessionStore(store_dir).preview_rows(newest=3)
    assert preview is not None
    pinned = [r["session_id"] for r in rows if r["pinned"]]
    assert [r["session_id"] for r in preview] == ["s000", "s001", "s002", *pinned]


def test_the_rows_kept_for_the_next_save_take_about_what_their_text_takes() -> None:
    """A save keeps every row's JSON so that the next one re-encodes only what changed. Each
    must cost about its own length: orjson's bytes keep a 4 KB buffer, which, held for every
    row of a 100,000-session store, was 400 MB after the app's first edit."""
    import tracemalloc

    from api.records import row_from_record
    from api.rowtable import RowTable

    rows = [row_from_record({"session_id": f"s{i:05d}", "title": f"session {i}",
                             "updated_at": 2000.0 - i, "created_at": 1.0}) for i in range(2000)]
    table = RowTable(rows)
    tracemalloc.start()
    try:
        blobs = table.blobs
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    text = sum(len(blob) for blob in blobs)
    assert held < 1.5 * text + 100 * len(blobs)
