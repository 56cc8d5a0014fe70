"""Saving a session: atomic, private, lossless, and refusing what it must refuse."""

from __future__ import annotations

import errno
import itertools
import json
import os
import stat
from pathlib import Path

import pytest

import api.models as models
from api.models import CorruptSession, Session
from api.store import SessionStore


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_save_writes_private_files_and_no_temp(store_dir: Path) -> None:
    Session(session_id="abc", title="Hello", messages=[{"role": "user", "content": "hi"}]).save()
    assert sorted(p.name for p in store_dir.iterdir()) == ["_index.json", "_index.lock", "abc.json"]
    assert _mode(store_dir / "abc.json") == 0o600
    assert _mode(store_dir / "_index.json") == 0o600
    record = json.loads((store_dir / "abc.json").read_text())
    assert record["title"] == "Hello"


def test_new_file_puts_metadata_first_and_messages_last(store_dir: Path) -> None:
    Session(session_id="abc", title="T", messages=[], tool_calls=[], workspace="/w").save()
    keys = list(json.loads((store_dir / "abc.json").read_text()))
    assert keys[0] == "session_id"
    assert keys.index("message_count") < keys.index("messages")
    assert keys.index("workspace") < keys.index("messages")
    assert keys[-2:] == ["messages", "tool_calls"]
    # Hermes reads metadata from the head: two-space indent like Hermes writes.
    assert (store_dir / "abc.json").read_text().startswith('{\n  "session_id": "abc"')


def test_unknown_fields_and_key_order_survive_load_and_save(hermes_store: SessionStore) -> None:
    path = hermes_store.directory / "a1b2c3d4e5f6.json"
    before = json.loads(path.read_text())
    session = hermes_store.load("a1b2c3d4e5f6")
    session.title = "Renamed"
    hermes_store.save(session)
    after = json.loads(path.read_text())
    assert list(after) == list(before)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {"title", "updated_at"}


def test_save_touches_updated_at_unless_told_not_to(store_dir: Path) -> None:
    s = Session(session_id="abc", title="T", updated_at=100.0, created_at=50.0)
    s.save(touch_updated_at=False)
    assert json.loads((store_dir / "abc.json").read_text())["updated_at"] == 100.0
    s.save()
    on_disk = json.loads((store_dir / "abc.json").read_text())
    assert on_disk["updated_at"] > 100.0
    assert on_disk["created_at"] == 50.0
    assert models.all_sessions()[0]["updated_at"] == on_disk["updated_at"]


@pytest.mark.parametrize(
    "bad", ["../x", "a/b", "", "a\x00b", "x" * 129, "a.b", "ü", " a", "_index", "_x"]
)
def test_hostile_ids_raise_and_write_nothing(store_dir: Path, bad: str) -> None:
    outside_before = sorted(p.name for p in store_dir.parent.iterdir())
    with pytest.raises(ValueError):
        Session(session_id=bad, title="x").save()
    with pytest.raises(ValueError):
        Session.load(bad)
    with pytest.raises(ValueError):
        SessionStore(store_dir).rename(bad, "x")
    assert list(store_dir.iterdir()) == []
    assert sorted(p.name for p in store_dir.parent.iterdir()) == outside_before


def test_longest_legal_id_round_trips(store_dir: Path) -> None:
    sid = "a-Z_9" * 25 + "abc"
    assert len(sid) == 128
    Session(session_id=sid, title="long id").save()
    assert Session.load(sid).title == "long id"


def test_save_that_cannot_write_raises_and_changes_nothing(store_dir: Path) -> None:
    Session(session_id="abc", title="Old").save()
    other = Session(session_id="other", title="Other")
    other.save()
    file_before = (store_dir / "abc.json").read_bytes()
    index_before = (store_dir / "_index.json").read_bytes()

    def full_disk(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    s = Session.load("abc")
    s.title = "New"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "write", full_disk)
        with pytest.raises(OSError, match="No space"):
            s.save()
    assert (store_dir / "abc.json").read_bytes() == file_before
    assert (store_dir / "_index.json").read_bytes() == index_before
    assert sorted(p.name for p in store_dir.iterdir()) == [
        "_index.json", "_index.lock", "abc.json", "other.json"
    ]


def test_read_only_folder_raises_permission_error(store_dir: Path) -> None:
    Session(session_id="abc", title="Old").save()
    s = Session.load("abc")
    s.title = "New"
    store_dir.chmod(0o500)
    monkeypatch = pytest.MonkeyPatch()
    if os.access(store_dir, os.W_OK):
        # Root ignores the mode bits: refuse creating files there, as the kernel would for a user.
        real_open = os.open

        def refusing_open(path: object, flags: int, *args: object, **kw: object) -> int:
            if flags & os.O_CREAT and Path(str(path)).parent == store_dir:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_open(path, flags, *args, **kw)  # type: ignore[arg-type]

        monkeypatch.setattr(os, "open", refusing_open)
    try:
        with pytest.raises(PermissionError):
            s.save()
    finally:
        monkeypatch.undo()
        store_dir.chmod(0o700)
    assert json.loads((store_dir / "abc.json").read_text())["title"] == "Old"
    assert models.all_sessions()[0]["title"] == "Old"


def test_load_reports_missing_and_corrupt_files(store_dir: Path) -> None:
    with pytest.raises(FileNotFoundError):
        Session.load("nope")
    (store_dir / "bad.json").write_text("{not json")
    with pytest.raises(CorruptSession):
        Session.load("bad")
    (store_dir / "list.json").write_text("[1, 2]")
    with pytest.raises(CorruptSession, match="not a JSON object"):
        Session.load("list")
    (store_dir / "other.json").write_text(json.dumps({"session_id": "someone_else"}))
    with pytest.raises(CorruptSession, match="someone_else"):
        Session.load("other")


def test_concurrent_edit_by_another_tool_is_merged_not_lost(store: SessionStore) -> None:
    """We rename while the agent appended a message: both survive."""
    store.save(store.new_session(session_id="abc", title="Old", messages=[]))
    ours = store.load("abc")
    theirs = json.loads((store.directory / "abc.json").read_text())
    theirs["messages"].append({"role": "user", "content": "written meanwhile"})
    theirs["new_field_from_hermes"] = {"x": 1}
    (store.directory / "abc.json").write_text(json.dumps(theirs, indent=2))
    ours.title = "Ours"
    store.save(ours)
    on_disk = json.loads((store.directory / "abc.json").read_text())
    assert on_disk["title"] == "Ours"
    assert on_disk["messages"] == [{"role": "user", "content": "written meanwhile"}]
    assert on_disk["message_count"] == 1
    assert on_disk["new_field_from_hermes"] == {"x": 1}
    assert store.list_rows()[0]["message_count"] == 1


def test_saving_a_loaded_session_whose_file_was_deleted_fails(store: SessionStore) -> None:
    store.save(store.new_session(session_id="abc", title="Old"))
    session = store.load("abc")
    (store.directory / "abc.json").unlink()
    session.title = "New"
    with pytest.raises(FileNotFoundError, match="deleted by another program"):
        store.save(session)
    assert not (store.directory / "abc.json").exists()
    assert store.list_rows() == []


def test_symlinked_session_is_replaced_not_written_through(store: SessionStore) -> None:
    outside = store.directory.parent / "outside.json"
    outside.write_text(json.dumps({"session_id": "abc", "title": "outside"}))
    (store.directory / "abc.json").symlink_to(outside)
    with pytest.raises(CorruptSession):
        store.load("abc")
    assert store.list_rows() == []  # a link is not read as a session
    store.save(store.new_session(session_id="abc", title="inside"))
    assert json.loads(outside.read_text())["title"] == "outside"
    assert not (store.directory / "abc.json").is_symlink()


def test_store_edits_go_through_locked_read_modify_write(store: SessionStore) -> None:
    store.save(store.new_session(session_id="abc", title="Old", updated_at=10.0, created_at=5.0))
    row = store.rename("abc", "  New\n title  " + "x" * 100)
    assert row["title"] == ("New title " + "x" * 100)[:80]
    assert json.loads((store.directory / "abc.json").read_text())["manual_title"] is True
    pinned = store.set_pinned("abc", True)
    assert pinned["pinned"] is True
    archived = store.set_archived("abc", True)
    assert archived["archived"] is True
    assert archived["updated_at"] == pinned["updated_at"], "archive must not move updated_at"
    with pytest.raises(ValueError, match="empty"):
        store.rename("abc", " \t ")
    assert json.loads((store.directory / "abc.json").read_text())["title"] == row["title"]


def test_store_sessions_never_touch_module_globals(store: SessionStore, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    other = SessionStore(elsewhere)
    other.save(other.new_session(session_id="abc", title="There"))
    assert [r["title"] for r in other.list_rows()] == ["There"]
    assert store.list_rows() == []
    assert not (store.directory / "abc.json").exists()
    assert "abc" not in models.SESSIONS


def test_change_token_moves_on_any_change_by_anyone(store: SessionStore) -> None:
    tokens = [store.change_token()]
    store.save(store.new_session(session_id="abc", title="T"))
    tokens.append(store.change_token())
    store.rename("abc", "U")
    tokens.append(store.change_token())
    other = store.directory / "from_hermes.json"
    tmp = store.directory / "x.tmp"
    tmp.write_text(json.dumps({"session_id": "from_hermes"}))
    os.utime(store.directory, ns=(0, 0))  # so the rename below must move the folder's mtime
    tokens.append(store.change_token())
    os.replace(tmp, other)
    tokens.append(store.change_token())
    # Each differs from the one before, as the app compares them. (Not all from each other:
    # with coarse timestamps the rename in the same tick as ours gives the mtime back.)
    assert all(a != b for a, b in itertools.pairwise(tokens))
    assert store.change_token() == tokens[-1]


def test_integers_past_64_bits_from_another_tool_survive_a_rename(store: SessionStore) -> None:
    """orjson reads such a number as a float; the file written back must still hold it."""
    big, small = 2**64 + 1, -(2**63) - 1
    text = (
        '{\n  "session_id": "big",\n  "title": "Counts",\n  "updated_at": 1.0,\n'
        f'  "ledger_id": {big},\n  "offset": {small},\n  "note": "id 12345678901234567890",\n'
        '  "messages": []\n}'
    )
    path = store.directory / "big.json"
    path.write_text(text)
    store.rename("big", "Renamed")
    saved = json.loads(path.read_text())
    assert saved["title"] == "Renamed"
    assert (saved["ledger_id"], saved["offset"]) == (big, small)
    assert type(saved["ledger_id"]) is int
    assert saved["note"] == "id 12345678901234567890"


def test_update_reports_what_it_replaced_and_can_remove_a_field(store: SessionStore) -> None:
    """What an undo needs: the fields as the file had them, ABSENT where it had none."""
    from api.store import ABSENT

    store.save(store.new_session(session_id="s1", title="Auto title", manual_title=False,
                                 updated_at=1.5e9), touch=False)
    replaced: dict[str, object] = {}
    store.rename("s1", "Mine", replaced=replaced)  # moves updated_at: recorded too
    assert replaced == {"title": "Auto title", "manual_title": False, "updated_at": 1.5e9}
    store.save(store.new_session(session_id="s2", title="Auto", updated_at=1.6e9), touch=False)
    replaced = {}
    store.rename("s2", "Mine", replaced=replaced)
    assert replaced == {"title": "Auto", "manual_title": ABSENT, "updated_at": 1.6e9}
    store.update("s2", replaced, touch=False)  # the undo: as it was, updated_at too
    record = json.loads((store.directory / "s2.json").read_text())
    assert record["title"] == "Auto" and "manual_title" not in record
    assert record["updated_at"] == 1.6e9
    replaced = {}
    store.set_archived("s2", True)  # archive keeps updated_at: nothing of it to record
    store.update("s2", {"archived": False}, touch=False, replaced=replaced)
    assert replaced == {"archived": True}
