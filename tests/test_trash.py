"""Delete to a trash, restore, purge and empty: what ends up on disk, as Hermes WebUI reads it."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from helpers_store import make_store, session_names

import api.trash
from api import tombstones
from api.store import SessionStore
from api.trash import JOURNAL_NAME, TRASH_NAME, Trash


def _tombstone(folder: Path) -> list[str]:
    data = json.loads((folder / tombstones.DELETED_NAME).read_text())
    assert data["version"] == 1
    ids: list[str] = data["ids"]
    return ids


def _listed(store: SessionStore) -> set[str]:
    return {row["session_id"] for row in store.list_rows()}


def _index_ids(folder: Path) -> set[str]:
    return {row["session_id"] for row in json.loads((folder / "_index.json").read_bytes())}


def _three_and_a_bak(tmp_path: Path, sid: str, bak: bytes) -> tuple[SessionStore, Path, bytes]:
    """Three sessions, `sid` with a `<id>.json.bak` beside it (Hermes keeps one); the store,
    its folder and the bytes of `sid`'s file."""
    store = make_store(tmp_path / "sessions", 3)
    folder = store.directory
    (folder / f"{sid}.json.bak").write_bytes(bak)
    return store, folder, (folder / f"{sid}.json").read_bytes()


class _SameTick:
    """`os` for the trash, but each rename leaves the store folder's mtime as it was: what a
    kernel with coarse timestamps does with a change in the same clock tick as the last."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def __getattr__(self, name: str) -> object:
        return getattr(os, name)

    def rename(self, source: Path, target: Path) -> None:
        before = os.stat(self.folder)
        os.rename(source, target)
        os.utime(self.folder, ns=(before.st_atime_ns, before.st_mtime_ns))


def test_a_delete_in_the_same_clock_tick_as_a_save_leaves_no_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The save's listing of the folder must not be trusted after our own moves, whatever the
    folder's mtime says: the row stayed in the index, for Hermes to list."""
    store = make_store(tmp_path / "sessions", 3)
    store.delete_many(["s000"])  # the trash folder is there from now on
    store.rename("s001", "saved just before")  # its listing is the one a next save reuses
    monkeypatch.setattr(api.trash, "os", _SameTick(store.directory))
    assert store.delete_many(["s002"]).done == ["s002"]
    assert _index_ids(store.directory) == {"s001"}
    assert session_names(store.directory) == ["s001.json"]


def test_delete_moves_file_and_bak_to_the_trash_drops_the_row_and_tombstones(
    tmp_path: Path,
) -> None:
    store, folder, original = _three_and_a_bak(tmp_path, "s001", b'{"older": true}')
    original_inode = (folder / "s001.json").stat().st_ino

    result = store.delete_many(["s001"])

    assert result.done == ["s001"] and not result.skipped
    assert not (folder / "s001.json").exists() and not (folder / "s001.json.bak").exists()
    assert "s001" not in _index_ids(folder) and "s001" not in _listed(store)
    assert _tombstone(folder) == ["s001"]
    [entry] = store.trash.entries()
    assert entry.session_id == "s001" and entry.row is not None
    assert entry.row["title"] == json.loads(original)["title"]
    assert entry.path.read_bytes() == original  # the very file, not a copy
    assert entry.path.with_name(entry.path.name + ".bak").read_bytes() == b'{"older": true}'
    assert entry.path.parent == folder / TRASH_NAME
    assert entry.path.stat().st_ino == original_inode  # renamed, never copied
    assert stat.S_IMODE(os.stat(folder / TRASH_NAME).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(folder / tombstones.DELETED_NAME).st_mode) == 0o600
    assert not (folder / TRASH_NAME / JOURNAL_NAME).exists()
    assert sorted(session_names(folder)) == ["s000.json", "s002.json"]


def test_restore_puts_back_every_byte_the_row_and_clears_the_tombstones(
    tmp_path: Path,
) -> None:
    store, folder, original = _three_and_a_bak(tmp_path, "s002", b"{}")
    tombstones.save_ids(folder / tombstones.PRUNED_NAME, ["s002", "zzz"], tombstones.PRUNED_CAP)
    store.delete_many(["s002", "s000"])
    assert _tombstone(folder) == ["s000", "s002"]

    result = store.restore_many(["s002"])

    assert result.done == ["s002"]
    assert (folder / "s002.json").read_bytes() == original
    assert (folder / "s002.json.bak").read_bytes() == b"{}"
    assert "s002" in _index_ids(folder) and "s002" in _listed(store)
    assert _tombstone(folder) == ["s000"]
    assert tombstones.load_ids(folder / tombstones.PRUNED_NAME) == {"zzz"}
    assert [e.session_id for e in store.trash.entries()] == ["s000"]
    assert len(os.listdir(folder / TRASH_NAME)) == 1  # the restored entry is gone

    store.restore_many(["s000"])
    assert not (folder / tombstones.DELETED_NAME).exists()  # empty: removed, as Hermes does


def test_restore_refuses_over_a_session_that_came_back_and_unknown_ids(tmp_path: Path) -> None:
    store = make_store(tmp_path / "sessions", 2)
    folder = store.directory
    store.delete_many(["s000"])
    (folder / "s000.json").write_bytes((folder / "s001.json").read_bytes().replace(
        b'"s001"', b'"s000"'))

    result = store.restore_many(["s000", "nope", "../x"])

    assert result.done == []
    assert result.skipped["s000"] == "a session with this id is in the store again"
    assert result.skipped["nope"] == "not in the trash"
    assert [e.session_id for e in store.trash.entries()] == ["s000"]


def test_delete_skips_what_is_not_a_session_and_says_why(tmp_path: Path) -> None:
    store = make_store(tmp_path / "sessions", 1)
    os.symlink(store.directory / "s000.json", store.directory / "link.json")
    result = store.delete_many(["missing", "bad/id", "link"])
    assert result.skipped == {"missing": "no such session", "bad/id": "not a session id",
                              "link": "not a session file"}
    assert (store.directory / "s000.json").exists()


def test_tombstone_keeps_hermes_format_and_cap(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    tombstones.add_deleted(folder, [f"id{n:04d}" for n in range(1005)])
    text = (folder / tombstones.DELETED_NAME).read_text()
    ids = _tombstone(folder)
    # Hermes keeps the last 1,000 in sorted order (`sorted_ids[-CAP:]`), indented by two.
    assert ids == [f"id{n:04d}" for n in range(5, 1005)]
    assert text.startswith('{\n  "version": 1,\n  "ids": [\n    "id0005",')


def test_messaging_sessions_are_not_tombstoned_as_hermes_does(tmp_path: Path) -> None:
    store = make_store(tmp_path / "sessions", 2)
    store.update("s000", {"source": "Telegram"})
    store.delete_many(["s000", "s001"])
    assert _tombstone(store.directory) == ["s001"]


def test_purge_and_empty_remove_for_good_by_age(tmp_path: Path) -> None:
    store = make_store(tmp_path / "sessions", 3)
    trash = store.trash
    store.delete_many(["s000", "s001", "s002"])
    entries = {e.session_id: e for e in trash.entries()}
    # Age one entry by renaming it to an older deletion time (the time is in its name).
    old = entries["s000"].path
    os.rename(old, old.with_name("s000@1000000.json"))

    assert trash.purge(["s001", "s009"]).skipped == {"s009": "not in the trash"}
    assert trash.empty(older_than_days=30, now=entries["s002"].deleted_at + 1) == ["s000"]
    assert [e.session_id for e in trash.entries()] == ["s002"]
    assert trash.empty(older_than_days=30, now=entries["s002"].deleted_at + 1) == []
    assert sorted(os.listdir(store.directory / TRASH_NAME)) == [entries["s002"].path.name]


def test_progress_cancels_between_sessions_and_the_done_part_is_consistent(
    tmp_path: Path,
) -> None:
    store = make_store(tmp_path / "sessions", 5)
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < 2

    result = store.delete_many([f"s00{n}" for n in range(5)], progress)

    assert result.cancelled and result.done == ["s000", "s001"]
    assert seen == [(1, 5), (2, 5)]
    assert _index_ids(store.directory) == {"s002", "s003", "s004"}
    assert _tombstone(store.directory) == ["s000", "s001"]


@pytest.mark.parametrize("stage", ["journal", "moved", "bak", "restored-half"])
def test_recovery_finishes_a_batch_killed_at_each_stage(tmp_path: Path, stage: str) -> None:
    """The states a SIGKILL can leave (test_trash_crash.py kills for real), made by hand."""
    store = make_store(tmp_path / "sessions", 2)
    folder, trash = store.directory, Trash(store.directory)
    (folder / "s000.json.bak").write_bytes(b"{}")
    os.mkdir(folder / TRASH_NAME)
    (folder / TRASH_NAME / JOURNAL_NAME).write_text('{"ids": ["s000"]}')
    entry = folder / TRASH_NAME / "s000@5.json"
    if stage in ("moved", "bak"):
        os.rename(folder / "s000.json", entry)
    if stage in ("bak", "restored-half"):
        os.rename(folder / "s000.json.bak", entry.with_name(entry.name + ".bak"))

    trash.recover()

    deleted = stage in ("moved", "bak")
    assert (folder / "s000.json").exists() is not deleted
    assert (folder / "s000.json.bak").exists() is not deleted
    assert ("s000" in _index_ids(folder)) is not deleted
    assert tombstones.load_ids(folder / tombstones.DELETED_NAME) == ({"s000"} if deleted else set())
    expected = ["s000@5.json", "s000@5.json.bak"] if deleted else []
    assert sorted(os.listdir(folder / TRASH_NAME)) == expected


def test_a_lone_backup_left_by_a_killed_purge_is_removed(tmp_path: Path) -> None:
    store = make_store(tmp_path / "sessions", 1)
    (store.directory / "s000.json.bak").write_bytes(b"{}")
    store.delete_many(["s000"])
    [entry] = store.trash.entries()
    os.unlink(entry.path)  # the purge's first unlink, then the kill
    store.trash.recover()
    assert os.listdir(store.directory / TRASH_NAME) == []


def test_a_remote_delete_links_first_and_takes_the_links_back_when_it_fails(
    tmp_path: Path,
) -> None:
    store = make_store(tmp_path / "sessions", 2)
    folder = store.directory
    (folder / "s000.json.bak").write_bytes(b"{}")
    before = (folder / "s000.json").read_bytes()

    def refusing(sid: str) -> None:
        raise RuntimeError("503: Session busy")

    result = store.delete_many(["s000"], remote=refusing)
    assert result.skipped == {"s000": "Hermes WebUI did not delete it: 503: Session busy"}
    assert (folder / "s000.json").read_bytes() == before
    assert (folder / "s000.json").stat().st_nlink == 1 and os.listdir(folder / TRASH_NAME) == []

    def hermes(sid: str) -> None:  # what its delete route does to the folder
        os.unlink(folder / f"{sid}.json")
        (folder / f"{sid}.json.bak").unlink(missing_ok=True)

    assert store.delete_many(["s000"], remote=hermes).done == ["s000"]
    [entry] = store.trash.entries()
    assert entry.path.read_bytes() == before and entry.path.stat().st_nlink == 1
    assert entry.path.with_name(entry.path.name + ".bak").read_bytes() == b"{}"
    assert _tombstone(folder) == ["s000"] and "s000" not in _index_ids(folder)


def test_recovery_takes_back_the_links_of_a_remote_delete_killed_before_hermes_acted(
    tmp_path: Path,
) -> None:
    store = make_store(tmp_path / "sessions", 1)
    folder = store.directory
    (folder / "s000.json.bak").write_bytes(b"{}")
    os.mkdir(folder / TRASH_NAME)
    (folder / TRASH_NAME / JOURNAL_NAME).write_text('{"ids": ["s000"]}')
    os.link(folder / "s000.json", folder / TRASH_NAME / "s000@5.json")
    os.link(folder / "s000.json.bak", folder / TRASH_NAME / "s000@5.json.bak")
    store.trash.recover()
    assert os.listdir(folder / TRASH_NAME) == []
    assert (folder / "s000.json").stat().st_nlink == 1 and "s000" in _index_ids(folder)
