"""What two acceptance tests mean, proven at the store's real write and read paths.

The acceptance file (tests/test_session_index.py, kept byte for byte) looks for leftover temp
files with `glob("*.tmp")`, but our temp files are `<name>.tmp.<pid>.<token>`: it would pass a
store that left one behind after every write. Its deadlock guard injects a read fault by
patching `Path.read_text`, which the store never calls, so its fallback is never taken. Here
the folder is compared whole after every kind of write, and the fault is injected at `os.open`
(what the store's reads go through), counted, and the fallback is seen running unlocked.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import api.models as models
from api.index import INDEX_NAME, LOCK_NAME
from api.models import Session, _write_session_index
from api.store import ABSENT, SessionStore

WAIT = 30.0  # a watchdog for a hang, not a timing: each call takes milliseconds


def _another_tool_rewrites(store: SessionStore, sid: str) -> None:
    path = store.directory / f"{sid}.json"
    record = json.loads(path.read_text())
    record["title"] = "changed by another tool"
    path.write_text(json.dumps(record))


def _another_tool_rewrites_the_index(store: SessionStore) -> None:
    """The same rows in a new file: the store's cached copy is stale, the next write reads it."""
    store.index_path.write_text(json.dumps(json.loads(store.index_path.read_text()), indent=1))


def _module_session(store: SessionStore) -> None:
    Session(session_id="mod", title="through api.models", messages=[]).save()


def _save_loaded(store: SessionStore) -> None:
    session = store.load("s1")
    session.title = "saved again"
    store.save(session)


def _save_merged(store: SessionStore) -> None:
    session = store.load("s1")
    _another_tool_rewrites(store, "s1")
    session.title = "merged"
    store.save(session)


def _save_without_index(store: SessionStore) -> None:
    store.index_path.unlink()
    _save_loaded(store)


def _save_over_corrupt_index(store: SessionStore) -> None:
    store.index_path.write_text("{not json")
    _save_loaded(store)


def _save_without_index(store: SessionStore) -> None:
    store.index_path.unlink()
    store.list_rows()  # reading never writes (rows come from the files in memory) ...
    assert not store.index_path.exists()
    store.set_pinned("s2", True)  # ... the next save writes the whole index back


def _patch_module_index(store: SessionStore) -> None:
    session = Session.load("s1")
    session.title = "patched"
    _write_session_index(updates=[session])


#: Every way the store writes a file. Each leaves the folder holding exactly the sessions,
#: the index and the lock file.
WRITES: dict[str, Callable[[SessionStore], None]] = {
    "save new": lambda s: s.save(s.new_session(session_id="new", title="New")),
    "save loaded": _save_loaded,
    "save merged with another tool's version": _save_merged,
    "save without an index": _save_without_index,
    "save over a corrupt index": _save_over_corrupt_index,
    "rename": lambda s: s.rename("s1", "Renamed"),
    "pin": lambda s: s.set_pinned("s1", True),
    "archive": lambda s: s.set_archived("s1", True),
    "update removing a field": lambda s: s.update("s1", {"tag": ABSENT}),
    "modify": lambda s: s.modify("s1", lambda session: session.messages.append({"x": 1})),
    "rebuild": lambda s: s.rebuild(),
    "a save writes a missing index back": _save_without_index,
    "Session.save (module folder)": _module_session,
    "_write_session_index patch": _patch_module_index,
    "_write_session_index rebuild": lambda s: _write_session_index(updates=None),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_no_temp_file_is_left_after_any_write(
    store: SessionStore, write: Callable[[SessionStore], None]
) -> None:
    for sid in ("s1", "s2"):
        store.save(store.new_session(session_id=sid, title=sid, messages=[], tag="t"))
    write(store)
    sessions = {f"{row['session_id']}.json" for row in store.list_rows()}
    assert sessions >= {"s1.json", "s2.json"}
    assert sorted(os.listdir(store.directory)) == sorted(sessions | {INDEX_NAME, LOCK_NAME}), (
        "the folder holds more than the sessions, the index and the lock file"
    )


def _lock_is_free(lock_path: Path, real_open: Callable[..., int]) -> bool:
    """Could another process take the store lock right now?"""
    fd = real_open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def _run_with_watchdog(call: Callable[[], Any]) -> None:
    """Run `call` in a thread; fail (never hang) if it does not finish."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(WAIT)
    assert not thread.is_alive(), "hung: a deadlock in the fallback after the read fault?"
    assert not errors, errors


def test_an_index_read_fault_falls_back_to_a_rebuild_outside_the_lock(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for sid in ("a", "b", "c"):
        store.save(store.new_session(session_id=sid, title=sid, messages=[]))
    models.SESSIONS.clear()
    session = Session.load("b")
    session.title = "b, saved after the fault"
    _another_tool_rewrites_the_index(store)
    folder = str(store.directory)
    faults: list[str] = []
    reads: list[tuple[str, bool]] = []  # (session file read after the fault, lock free then)
    real_open = os.open

    def spying_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        target = os.path.abspath(os.fspath(path))
        name = os.path.basename(target)
        if os.path.dirname(target) == folder and flags & os.O_ACCMODE == os.O_RDONLY:
            if name == INDEX_NAME and not faults:
                faults.append(name)
                raise OSError(errno.EIO, "injected: the index cannot be read", target)
            if faults and name.endswith(".json") and not name.startswith("_"):
                reads.append((name, _lock_is_free(store.directory / LOCK_NAME, real_open)))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", spying_open)
    _run_with_watchdog(lambda: _write_session_index(updates=[session]))
    monkeypatch.undo()

    assert faults == [INDEX_NAME], "the fault was never injected: how does the store read?"
    assert sorted(name for name, _ in reads) == ["a.json", "b.json", "c.json"], (
        "the fallback did not rebuild from the session files"
    )
    assert all(free for _, free in reads), f"the rebuild read files under the lock: {reads}"
    rows = json.loads(store.index_path.read_text())
    assert {row["session_id"]: row["title"] for row in rows} == {
        "a": "a", "b": "b, saved after the fault", "c": "c"
    }


def test_a_save_after_an_index_read_fault_completes_and_rebuilds(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save holds the lock from start to end (its file and the index go together), so its
    rebuild runs under that lock, which is re-entrant: it must finish, not wait on itself."""
    for sid in ("a", "b"):
        store.save(store.new_session(session_id=sid, title=sid, messages=[]))
    session = store.load("a")
    session.title = "saved after the fault"
    _another_tool_rewrites_the_index(store)
    folder = str(store.directory)
    faults: list[str] = []
    real_open = os.open

    def faulty_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        target = os.path.abspath(os.fspath(path))
        if (target == os.path.join(folder, INDEX_NAME) and not faults
                and flags & os.O_ACCMODE == os.O_RDONLY):
            faults.append(target)
            raise OSError(errno.EIO, "injected: the index cannot be read", target)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", faulty_open)
    _run_with_watchdog(lambda: store.save(session))
    monkeypatch.undo()
    assert len(faults) == 1, "the fault was never injected: how does the store read?"
    rows = json.loads(store.index_path.read_text())
    assert {row["session_id"]: row["title"] for row in rows} == {
        "a": "saved after the fault", "b": "b"
    }
