"""Threads and processes saving at once: afterwards every index row matches its file."""

from __future__ import annotations

import json
import multiprocessing as mp
import threading
import time
from pathlib import Path

from api.models import Session
from api.store import SessionStore

SHARED = 8  # sessions every writer edits, so the same session is saved from many places
SAVES = 25
WAIT = 120.0  # seconds any wait may take before the test fails (a watchdog, not a timing)


def _writer(folder: str, name: str, start: threading.Event | None = None) -> None:
    """Edit the shared sessions and create one of our own; top-level so `spawn` can import it."""
    if start is not None and not start.wait(WAIT):
        raise TimeoutError(f"{name} was never told to start")
    store = SessionStore(folder)
    for k in range(SAVES):

        def edit(session: Session, k: int = k) -> None:
            session.title = f"{name} edit {k}"
            session.messages = [*session.messages, {"role": "user", "content": f"{name}-{k}"}]

        store.modify(f"shared{k % SHARED}", edit)
    store.save(store.new_session(session_id=f"own_{name}", title=f"own {name}"))


def _check_index_matches_files(folder: Path) -> list[dict]:
    rows = json.loads((folder / "_index.json").read_text())
    files = {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")
             if not p.name.startswith("_")}
    assert sorted(r["session_id"] for r in rows) == sorted(files)
    for row in rows:
        record = files[row["session_id"]]
        assert row["title"] == record["title"], row["session_id"]
        assert row["updated_at"] == record["updated_at"], row["session_id"]
        assert row["message_count"] == len(record["messages"]), row["session_id"]
    assert [r["updated_at"] for r in rows] == sorted((r["updated_at"] for r in rows), reverse=True)
    return rows


def test_16_threads_and_4_processes_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    store = SessionStore(folder)
    for i in range(SHARED):
        store.save(store.new_session(session_id=f"shared{i}", title="start", messages=[]))

    ctx = mp.get_context("spawn")
    go = ctx.Event()
    procs = [ctx.Process(target=_writer, args=(str(folder), f"proc{i}", go), name=f"proc{i}")
             for i in range(4)]
    for proc in procs:
        proc.start()
    thread_go = threading.Event()
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            _writer(str(folder), name, thread_go)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(f"thread{i}",), name=f"thread{i}", daemon=True)
               for i in range(16)]
    for thread in threads:
        thread.start()
    go.set()
    thread_go.set()
    for thread in threads:
        thread.join(WAIT)
    for proc in procs:
        proc.join(WAIT)
    stuck = [t.name for t in threads if t.is_alive()] + [p.name for p in procs if p.is_alive()]
    for proc in procs:
        if proc.is_alive():
            proc.kill()
    assert not stuck, f"writers still running after {WAIT} s (a deadlock?): {stuck}"
    assert not errors, errors
    assert [p.exitcode for p in procs] == [0, 0, 0, 0]
    rows = _check_index_matches_files(folder)
    ids = {r["session_id"] for r in rows}
    assert {f"own_thread{i}" for i in range(16)} <= ids
    assert {f"own_proc{i}" for i in range(4)} <= ids
    # Every save appended one message through a locked load-modify-save: none was lost.
    total = sum(r["message_count"] for r in rows if r["session_id"].startswith("shared"))
    assert total == 20 * SAVES
    assert not [p for p in folder.iterdir() if ".tmp." in p.name]


def _try_lock(path: str, result: mp.Queue) -> None:  # type: ignore[type-arg]
    import fcntl
    import os

    fd = os.open(path, os.O_RDWR | os.O_NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        result.put("busy")
    else:
        result.put("got it")
    finally:
        os.close(fd)


def test_a_symlink_planted_as_the_lock_file_is_replaced_not_followed(tmp_path: Path) -> None:
    """Followed, the link would lock some other file (or none): two processes would each think
    they held the store. Replaced, the lock excludes another process as it should."""
    folder = tmp_path / "sessions"
    folder.mkdir()
    outside = tmp_path / "elsewhere.lock"
    outside.write_text("not ours")
    (folder / "_index.lock").symlink_to(outside)
    store = SessionStore(folder)
    store.save(store.new_session(session_id="one", title="One"))
    lock_file = folder / "_index.lock"
    assert not lock_file.is_symlink() and lock_file.is_file()
    assert outside.read_text() == "not ours"
    result: mp.Queue = mp.get_context("spawn").Queue()  # type: ignore[type-arg]
    with store._index.lock.hold():
        other = mp.get_context("spawn").Process(target=_try_lock, args=(str(lock_file), result))
        other.start()
        other.join(WAIT)
        assert other.exitcode == 0, "the process trying the lock did not finish"
    assert result.get(timeout=10) == "busy"
    other = mp.get_context("spawn").Process(target=_try_lock, args=(str(lock_file), result))
    other.start()
    other.join(WAIT)
    assert other.exitcode == 0, "the process trying the lock did not finish"
    assert result.get(timeout=10) == "got it"


def test_threads_get_the_store_lock_in_the_order_they_asked() -> None:
    """First come, first served: no save waits behind saves that asked after it."""
    from api.locks import FairRLock

    lock = FairRLock()
    order: list[int] = []
    threads = []

    def save(i: int) -> None:
        with lock, lock:  # re-entrant, as a locked edit that saves is
            order.append(i)

    lock.acquire()
    for i in range(6):
        thread = threading.Thread(target=save, args=(i,), daemon=True)
        thread.start()
        threads.append(thread)
        deadline = time.monotonic() + 10
        while len(lock._waiters) < i + 1:  # wait until it is queued behind the others
            assert time.monotonic() < deadline, f"thread {i} never queued for the lock"
            threading.Event().wait(0.001)
    lock.release()
    for thread in threads:
        thread.join(10)
    assert not [t for t in threads if t.is_alive()], "a thread never got the lock"
    assert order == list(range(6))
    assert lock._owner is None and not lock._waiters
