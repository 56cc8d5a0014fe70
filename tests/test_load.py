"""Load: 8 threads and 4 processes saving at once, some on the same sessions, while another
thread keeps listing. Nothing may be lost: afterwards every index row matches its file, every
worker's last write to every shared session is there, and no listing along the way missed a
session or crashed. Saves per worker: `SB_LOAD_SAVES` (default 50).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from helpers_store import (
    disk_sessions,
    index_problems,
    listing_problems,
    load_worker,
    make_store,
    row_type_errors,
    temp_names,
)

from api.store import SessionStore

SAVES = int(os.environ.get("SB_LOAD_SAVES", "50"))
THREADS = 8
WAIT = 120.0  # a watchdog for a hang (the whole test takes ~10-20 s), not a timing
PROCESSES = 4
SHARED = [f"shared{i}" for i in range(4)]
SPAWN = multiprocessing.get_context("spawn")


def _process_main(folder: str, wid: str, saves: int, barrier: Any, results: Any) -> None:
    try:
        outcome = load_worker(folder, wid, saves, SHARED, barrier, seed=int(wid[1:]) + 100)
        results.put((wid, outcome))
    except BaseException:
        results.put((wid, {"error": traceback.format_exc()}))


class Reader(threading.Thread):
    """Lists the store over and over while the writers run, checking every listing."""

    def __init__(self, store: SessionStore, must_list: set[str], barrier: Any) -> None:
        super().__init__(daemon=True)
        self.store = store
        self.must_list = must_list
        self.barrier = barrier
        self.stop = threading.Event()
        self.listings = 0
        self.errors: list[str] = []

    def run(self) -> None:
        try:
            self.barrier.wait()
            while True:
                stopping = self.stop.is_set()  # one more listing after the writers are done
                self.check(self.store.list_rows())
                if stopping:
                    return
        except BaseException:
            self.errors.append(traceback.format_exc())

    def check(self, rows: list[dict[str, Any]]) -> None:
        self.listings += 1
        ids = [row["session_id"] for row in rows]
        if len(ids) != len(set(ids)):
            self.errors.append(f"listing {self.listings}: a session listed twice")
        if self.must_list - set(ids):
            self.errors.append(f"listing {self.listings}: lost {self.must_list - set(ids)}")
        stamps = [row["updated_at"] for row in rows]
        if stamps != sorted(stamps, reverse=True):
            self.errors.append(f"listing {self.listings}: not sorted newest first")
        for row in rows:
            if row_type_errors(row):
                self.errors.append(f"listing {self.listings}: {row_type_errors(row)}")


def test_threads_and_processes_lose_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    store = make_store(folder, 12)
    for sid in SHARED:
        store.save(store.new_session(session_id=sid, title=sid, messages=[]))
    before = set(disk_sessions(folder))

    barrier = SPAWN.Barrier(THREADS + PROCESSES + 1)
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(target=_process_main, args=(str(folder), f"p{n}", SAVES, barrier, results))
        for n in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    reader = Reader(store, before, barrier)
    reader.start()
    with ThreadPoolExecutor(THREADS) as pool:
        futures = {
            f"t{n}": pool.submit(load_worker, str(folder), f"t{n}", SAVES, SHARED, barrier, n)
            for n in range(THREADS)
        }
        outcomes: dict[str, dict[str, Any]] = {
            wid: f.result(timeout=WAIT) for wid, f in futures.items()
        }
    for _ in processes:
        wid, outcome = results.get(timeout=WAIT)  # a watchdog for a dead process
        outcomes[wid] = outcome
    for process in processes:
        process.join(WAIT)
        assert process.exitcode == 0, f"{process.name} did not finish: {process.exitcode}"
    reader.stop.set()
    reader.join(WAIT)
    assert not reader.is_alive(), "the reader never finished its last listing"

    errors = {wid: o["error"] for wid, o in outcomes.items() if "error" in o}
    assert not errors, errors
    assert not reader.errors, reader.errors[:5]
    assert reader.listings >= 1

    # Every index row matches its file; every session is listed; no temp file is left.
    problems = index_problems(folder)
    assert not problems, "\n".join(problems)
    assert not listing_problems(folder, store.list_rows())
    assert temp_names(folder) == []

    # No lost update: every worker's last value of its key in every shared session is there,
    # and every worker's own session holds the title it saved last.
    on_disk = disk_sessions(folder)
    assert set(on_disk) == before | {f"own_{wid}" for wid in outcomes}
    lost = []
    for wid, outcome in outcomes.items():
        for where, value in outcome["keys"].items():
            sid, key = where.split("/")
            if on_disk[sid].get(key) != value:
                lost.append(f"{wid}: {sid}.{key} is {on_disk[sid].get(key)!r}, saved {value}")
        for sid, title in outcome["titles"].items():
            if on_disk[sid]["title"] != title:
                lost.append(f"{wid}: {sid} title is {on_disk[sid]['title']!r}, saved {title!r}")
            if len(on_disk[sid]["messages"]) != outcome["own_messages"]:
                lost.append(f"{sid}: {len(on_disk[sid]['messages'])} messages, "
                            f"{outcome['own_messages']} appended")
    assert not lost, f"{len(lost)} lost updates:\n" + "\n".join(lost[:20])
