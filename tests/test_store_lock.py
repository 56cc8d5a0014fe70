"""The store lock's file: the lock granted must be on the file at the lock's path.

flock locks an open file, not a name. A writer that waited on `_index.lock` while another
program deleted or replaced it would, if it kept the lock it was granted, hold a lock on a file
no one else can open any more: a second writer opening the path gets the new file, locks it at
once, and both write the store together. So a granted lock is checked against the path and
taken again when the file changed.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from api.index import LOCK_NAME
from api.locks import StoreLock

WAIT = 10.0  # seconds any step may take before the test fails (each is milliseconds)


def _replace(path: Path) -> None:
    """Another program puts a new lock file at the path (as a cleanup tool might)."""
    fresh = path.with_name("new-lock-file")
    fresh.write_bytes(b"")
    os.replace(fresh, path)


def _delete(path: Path) -> None:
    path.unlink()


def _locked_by_someone(path: Path) -> bool:
    """What another process finds when it opens the lock path and tries to lock it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the probe's own lock, if it got one
    return False


@pytest.mark.parametrize("change", [_replace, _delete], ids=["replaced", "deleted"])
def test_a_lock_file_changed_while_we_waited_is_locked_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: Callable[[Path], None]
) -> None:
    path = tmp_path / LOCK_NAME
    first, second = StoreLock(path), StoreLock(path)
    waiting = threading.Event()  # the second writer is blocked in flock
    holding = threading.Event()
    done = threading.Event()
    errors: list[BaseException] = []
    real_flock = fcntl.flock

    def flock(fd: Any, operation: int) -> Any:
        if threading.current_thread() is writer and operation == fcntl.LOCK_EX:
            waiting.set()
        return real_flock(fd, operation)

    def second_writer() -> None:
        try:
            with second.hold():
                holding.set()
                done.wait(WAIT)
        except BaseException as exc:
            errors.append(exc)

    monkeypatch.setattr(fcntl, "flock", flock)
    writer = threading.Thread(target=second_writer, daemon=True)
    with first.hold():
        writer.start()
        assert waiting.wait(WAIT), "the second writer never asked for the lock"
        assert not holding.is_set(), "the second writer got the lock while the first held it"
        change(path)
    try:
        assert holding.wait(WAIT), f"the second writer never got the lock: {errors}"
        assert _locked_by_someone(path), (
            "the lock granted is on a file no longer at the lock's path: another process "
            "opening the path takes the store lock at the same time"
        )
    finally:
        done.set()
        writer.join(WAIT)
    assert not writer.is_alive(), "the second writer did not finish"
    assert not errors, errors
    assert not _locked_by_someone(path), "the lock was not released"


def test_a_lock_file_that_cannot_be_created_degrades_to_threads_only(tmp_path: Path) -> None:
    """A read-only store still reads: the lock then only orders this process's threads."""
    missing = tmp_path / "gone" / LOCK_NAME  # its folder is missing: open fails with ENOENT
    lock = StoreLock(missing)
    with lock.hold(), lock.hold():  # re-entrant all the same
        pass
    assert not missing.exists()
