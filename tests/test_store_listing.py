"""Saves reuse their listing of the folder while only their own writes changed it, and still see
every file another program adds or deletes (ghost rows go, unlisted files come in)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers_store import in_a_later_tick, property_settings
from hypothesis import example, given
from hypothesis import strategies as st

import api.index as index_module
from api.listing import SAVING_PREFIX, pending, session_ids
from api.records import is_safe_id
from api.scan import session_id_of
from api.store import SessionStore


def _ids(folder: Path) -> list[str]:
    return [row["session_id"] for row in json.loads((folder / "_index.json").read_bytes())]


def _saved(store: SessionStore, *sids: str) -> None:
    for sid in sids:
        store.save(store.new_session(session_id=sid, title=sid, messages=[]))


def test_saves_in_a_row_list_the_folder_once(store: SessionStore,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [index_module.time.monotonic()]  # still: fsyncs on a busy disk take no second
    monkeypatch.setattr(index_module.time, "monotonic", lambda: clock[0])
    _saved(store, "a", "b", "c")
    calls = []
    real = os.listdir
    monkeypatch.setattr(index_module.os, "listdir", lambda p: calls.append(p) or real(p))
    for title in ("one", "two", "three", "four"):
        store.rename("b", title)
    assert calls == []  # the last of the saves above listed it
    assert sorted(_ids(store.directory)) == ["a", "b", "c"]


def test_a_file_deleted_or_added_by_another_program_is_seen_by_the_next_save(
    store: SessionStore,
) -> None:
    _saved(store, "a", "b", "c")
    store.rename("a", "cached listing")  # a save whose listing the next one may reuse
    os.unlink(store.directory / "b.json")  # another program deletes b (and not its row)
    in_a_later_tick(store.directory)
    store.rename("a", "after the delete")
    assert sorted(_ids(store.directory)) == ["a", "c"]  # the ghost row went on the fast path
    # Another tool writes a session file without touching the index.
    record = {"session_id": "d", "title": "from elsewhere", "updated_at": 5.0, "messages": []}
    (store.directory / "d.json").write_text(json.dumps(record))
    in_a_later_tick(store.directory)
    store.rename("c", "after the add")
    assert sorted(_ids(store.directory)) == ["a", "c", "d"]


def test_a_change_hidden_from_the_mtime_is_seen_once_the_listing_is_old(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kernel with coarse timestamps can give another program's change the same mtime as our
    last one: saves then see it once their listing is LISTING_MAX_AGE old."""
    clock = [index_module.time.monotonic()]
    monkeypatch.setattr(index_module.time, "monotonic", lambda: clock[0])
    _saved(store, "a", "b")
    store.rename("a", "cached listing")
    folder = os.stat(store.directory)
    os.unlink(store.directory / "b.json")
    os.utime(store.directory, ns=(folder.st_atime_ns, folder.st_mtime_ns))  # as if same tick
    clock[0] += index_module.LISTING_MAX_AGE + 0.1
    store.rename("a", "a while after")
    assert _ids(store.directory) == ["a"]


def test_readers_at_once_share_one_listing_and_a_later_reader_lists_afresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The app's loader and its check of where edits go read the store at the same moment:
    one listdir serves both (12 MB at 100,000 files). Once no reader holds it, the next one
    sees the folder as it is now: a file deleted meanwhile is gone from its listing."""
    import time

    import api.listing
    from api.listing import SharedNames

    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "b.json").write_text("{}")
    calls = []
    real = os.listdir
    monkeypatch.setattr(api.listing.os, "listdir", lambda p: calls.append(p) or real(p))
    shared = SharedNames(tmp_path)
    asked = time.monotonic()
    first = shared.since(asked)
    assert shared.since(asked) is first and len(calls) == 1
    assert shared.since(time.monotonic()) is not first and len(calls) == 2  # asked after it began
    (tmp_path / "b.json").unlink()
    del first
    assert shared.since(asked) == {"a.json"} and len(calls) == 3


NAME_PART = st.sampled_from(["a", "Z9", "-", "_", ".", ".json", ".tmp.", "\n", "\r", "é", " ",
                             "x" * 127, "_saving.", ".json.tmp.12.ab"])


@property_settings(300)
@given(names=st.lists(st.lists(NAME_PART, min_size=1, max_size=4).map("".join), max_size=8))
@example(names=["a.json", "b\nc.json", "_saving.a"])  # a name with a line break of its own
def test_a_folders_sessions_and_marks_are_what_each_name_says(names: list[str]) -> None:
    """`session_ids` and `pending` search all names at once; each answer is the one name by
    name gives (`session_id_of`; a mark is `_saving.` and a safe id)."""
    assert session_ids(names) == {sid for n in names if (sid := session_id_of(n)) is not None}
    cut = len(SAVING_PREFIX)
    assert pending(names) == {n[cut:] for n in names
                              if n.startswith(SAVING_PREFIX) and is_safe_id(n[cut:])}
