"""Found by the monkey test (issue #12): a session Hermes deleted while we were saving it came
back. Hermes deletes without our lock; the file was checked when the save began, then both new
files were written and fsynced (milliseconds), then renamed into place over nothing."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from helpers_store import index_problems, make_store, temp_names

import api.index


def test_a_session_deleted_during_its_save_stays_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = make_store(tmp_path / "s", 3)
    session = store.load("s001")
    path = tmp_path / "s" / "s001.json"
    real_write_temp = api.index.write_temp

    def write_temp_while_hermes_deletes(target: Path, data: bytes, **kw: Any) -> Any:
        written = real_write_temp(target, data, **kw)
        if target == path:
            os.unlink(path)  # Hermes' delete lands while we fsync
        return written

    monkeypatch.setattr(api.index, "write_temp", write_temp_while_hermes_deletes)
    session.title = "renamed"
    with pytest.raises(FileNotFoundError, match="deleted by another program"):
        session.save()
    monkeypatch.undo()
    assert not path.exists()
    assert temp_names(tmp_path / "s") == []
    assert not [n for n in os.listdir(tmp_path / "s") if n.startswith("_saving.")]
    # The index still lists it (Hermes would prune it); our next save of another session does.
    store.save(store.load("s000"))
    assert index_problems(tmp_path / "s") == []


def test_a_new_session_is_still_created(tmp_path: Path) -> None:
    store = make_store(tmp_path / "s", 1)
    store.save(store.new_session(session_id="fresh", title="new", messages=[]))
    assert (tmp_path / "s" / "fresh.json").exists()
