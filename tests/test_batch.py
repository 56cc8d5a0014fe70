"""Batch edits: every file written once, the index once, under one lock; cancel keeps the done
part consistent; projects refused across profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers_store import index_problems, make_store

from api import atomic
from api.index import SessionIndex
from api.projects import ProjectError, create_project, load_projects
from api.store import SessionStore


def _rows(folder: Path) -> dict[str, dict[str, object]]:
    return {row["session_id"]: row for row in json.loads((folder / "_index.json").read_bytes())}


def _file(folder: Path, sid: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((folder / f"{sid}.json").read_bytes())
    return data


def test_archive_many_writes_each_file_once_and_the_index_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = make_store(tmp_path / "sessions", 6)
    folder = store.directory
    store.update("s003", {"custom_key": {"kept": [1, 2]}})
    before = {sid: _file(folder, sid)["updated_at"] for sid in ("s001", "s003")}
    writes: list[str] = []
    real = atomic.write_temp

    def counting(path: Path, data: bytes, **kw: int) -> tuple[Path, object]:
        writes.append(path.name)
        return real(path, data, **kw)

    monkeypatch.setattr("api.batch.write_temp", counting)
    monkeypatch.setattr("api.index.atomic_write",
                        lambda p, d, **kw: writes.append(p.name) or atomic.atomic_write(p, d))

    result = store.set_archived_many(["s001", "s003", "s001", "nope"], True)

    assert result.done == ["s001", "s003"] and result.skipped == {"nope": "no such session"}
    assert sorted(writes) == ["_index.json", "s001.json", "s003.json"]
    rows = _rows(folder)
    for sid in ("s001", "s003"):
        assert _file(folder, sid)["archived"] is True and rows[sid]["archived"] is True
        assert _file(folder, sid)["updated_at"] == before[sid]  # archive keeps it
    assert _file(folder, "s003")["custom_key"] == {"kept": [1, 2]}
    assert rows["s000"]["archived"] is False
    assert index_problems(folder) == []
    assert not [n for n in folder.iterdir() if n.name.startswith("_saving.")]


def test_a_session_deleted_by_another_program_during_a_batch_is_not_brought_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hermes deletes without our lock: a file it removes after the batch read it (here, while
    the batch writes its new version) stays deleted; the batch says so and indexes the rest."""
    store = make_store(tmp_path / "sessions", 4)
    folder = store.directory
    real = atomic.write_temp

    def hermes_deletes_s002(path: Path, data: bytes, **kw: int) -> tuple[Path, object]:
        written = real(path, data, **kw)
        if path.name == "s002.json":
            path.unlink()  # as Hermes' delete does, between our read and our rename
        return written

    monkeypatch.setattr("api.batch.write_temp", hermes_deletes_s002)
    result = store.set_pinned_many(["s001", "s002", "s003"], True)

    assert result.done == ["s001", "s003"]
    assert result.skipped == {"s002": "deleted by another program meanwhile"}
    assert not (folder / "s002.json").exists()
    rows = _rows(folder)
    assert "s002" not in rows and rows["s001"]["pinned"] is True and rows["s003"]["pinned"]
    assert index_problems(folder) == []
    leftovers = [n.name for n in folder.iterdir() if n.name.startswith("_saving.")
                 or ".tmp." in n.name]
    assert leftovers == []


def test_pin_many_skips_what_is_already_so_and_touches_updated_at(tmp_path: Path) -> None:
    store = make_store(tmp_path / "sessions", 3)
    store.set_pinned("s000", True)
    stamp = _file(store.directory, "s000")["updated_at"]
    result = store.set_pinned_many(["s000", "s001"], True)
    assert result.done == ["s000", "s001"]
    assert _file(store.directory, "s000")["updated_at"] == stamp  # no write: it was pinned
    assert _rows(store.directory)["s001"]["pinned"] is True
    assert store.set_pinned_many(["s001"], False).done == ["s001"]
    assert _rows(store.directory)["s001"]["pinned"] is False


def test_cancel_between_sessions_indexes_the_done_part(tmp_path: Path) -> None:
    store = make_store(tmp_path / "sessions", 5)
    ids = [f"s00{n}" for n in range(5)]
    result = store.set_archived_many(ids, True, lambda done, total: done < 3)
    assert result.cancelled and result.done == ids[:3]
    rows = _rows(store.directory)
    assert [sid for sid in ids if rows[sid]["archived"]] == ids[:3]
    assert [sid for sid in ids if _file(store.directory, sid)["archived"]] == ids[:3]


def test_a_failed_write_leaves_the_index_matching_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = make_store(tmp_path / "sessions", 4)
    real = atomic.write_temp

    def failing(path: Path, data: bytes, **kw: int) -> tuple[Path, object]:
        if path.name == "s002.json":
            raise OSError(28, "No space left on device", str(path))
        return real(path, data, **kw)

    monkeypatch.setattr("api.batch.write_temp", failing)
    with pytest.raises(OSError, match="No space"):
        store.set_archived_many(["s000", "s001", "s002", "s003"], True)
    for sid in ("s000", "s001", "s002", "s003"):
        assert _rows(store.directory)[sid]["archived"] == _file(store.directory, sid)["archived"]
    assert _file(store.directory, "s002")["archived"] is False
    assert index_problems(store.directory) == []


def test_one_lock_for_the_whole_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(tmp_path / "sessions", 3)
    holds: list[str] = []
    lock = store._index.lock
    real_hold = lock.hold

    def counting_hold():  # type: ignore[no-untyped-def]
        holds.append("hold")
        return real_hold()

    monkeypatch.setattr(lock, "hold", counting_hold)
    monkeypatch.setattr(SessionIndex, "patch",
                        lambda self, records: holds.append("patch"))
    store.set_archived_many(["s000", "s001", "s002"], True)
    assert holds == ["hold", "patch"]


def test_create_project_as_hermes_does_and_keep_other_rows(hermes_store: SessionStore) -> None:
    projects_path = hermes_store.directory.parent / "projects.json"
    before = json.loads(projects_path.read_text())
    before[0]["unknown_key"] = "kept"
    projects_path.write_text(json.dumps(before))

    project = create_project(hermes_store.directory, "  Data team " + "x" * 200,
                             color="#a1b2c3", profile="work", now=1700000000.5)

    assert list(project) == ["project_id", "name", "color", "profile", "created_at"]
    assert len(project["project_id"]) == 12 and int(project["project_id"], 16) >= 0
    assert project["name"] == ("Data team " + "x" * 200)[:128]
    assert project["profile"] == "work" and project["created_at"] == 1700000000.5
    after = json.loads(projects_path.read_text())
    assert after[:-1] == before and after[-1] == project
    assert projects_path.stat().st_mode & 0o777 == 0o600
    assert project["project_id"] in load_projects(hermes_store.directory)


@pytest.mark.parametrize(("name", "color", "profile", "message"), [
    ("  ", None, None, "a project needs a name"),
    ("x", "red", None, "'red' is not a colour"),
    ("x", None, "Bad Profile", "'Bad Profile' is not a profile name"),
])
def test_create_project_refuses_what_hermes_refuses(
    tmp_path: Path, name: str, color: str | None, profile: str | None, message: str,
) -> None:
    (tmp_path / "sessions").mkdir()
    with pytest.raises(ProjectError, match=message):
        create_project(tmp_path / "sessions", name, color=color, profile=profile)
    assert not (tmp_path / "projects.json").exists()


def test_move_to_a_project_of_another_profile_is_refused(tmp_path: Path) -> None:
    store = make_store(tmp_path / "sessions", 3)
    store.update("s002", {"profile": "work"})
    home = create_project(store.directory, "Home")  # the default profile
    work = create_project(store.directory, "Work", profile="work")

    with pytest.raises(ProjectError, match=r"belongs to profile 'default'; 1 of the sessions "
                                           r"belong to another profile \(s002\)"):
        store.set_project_many(["s000", "s002"], home["project_id"])
    assert all(_file(store.directory, sid)["project_id"] is None for sid in ("s000", "s002"))

    assert store.set_project_many(["s000", "s001"], home["project_id"]).done == ["s000", "s001"]
    assert store.set_project_many(["s002"], work["project_id"]).done == ["s002"]
    assert _rows(store.directory)["s001"]["project_id"] == home["project_id"]
    assert _file(store.directory, "s002")["project_id"] == work["project_id"]
    with pytest.raises(ProjectError, match="no project 'nope'"):
        store.set_project_many(["s000"], "nope")
    assert store.set_project_many(["s000"], None).done == ["s000"]
    assert _file(store.directory, "s000")["project_id"] is None
