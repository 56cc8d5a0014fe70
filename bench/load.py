"""Store throughput under load, printed as figures (asserts nothing).

8 threads and 4 processes each save 500 times into a store of 1,000 sessions while a reader
thread keeps listing it, as the app's list refreshes do. A quarter of the saves go to four "hot"
sessions every writer shares (lock contention and merges); the rest to sessions drawn at random.
Saves alternate between the store's locked read-modify-write (`SessionStore.update`, what
rename/pin/archive use) and load-change-save (`Session.save`, which merges with the disk).

Prints saves per second, p50/p99 save latency (overall, threads, processes), the reader's
listings per second and p50/p99 listing latency, and a final check that every index row matches
its file.

Run: python bench/load.py [--sessions N] [--saves N] [--threads N] [--processes N]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.store import SessionStore

HOT = [f"hot{i}" for i in range(4)]
WORDS = "fix auth flow refactor index cache deploy plan roadmap review test bug parser".split()


def build(folder: Path, n: int) -> SessionStore:
    store = SessionStore(folder)
    rng = random.Random(1)
    base = time.time() - 30 * 86400
    ids = [f"{i:012x}" for i in range(n - len(HOT))] + HOT
    for sid in ids:
        updated = base + rng.random() * 30 * 86400
        messages = [
            {"role": ("user", "assistant")[k % 2], "content": " ".join(rng.choices(WORDS, k=30)),
             "timestamp": updated - 60 * (6 - k)}
            for k in range(6)
        ]
        session = store.new_session(
            session_id=sid, title=" ".join(rng.choices(WORDS, k=5)), messages=messages,
            workspace="/home/dev/project", model="anthropic/claude-sonnet-4.5",
            created_at=updated - 3600, updated_at=updated,
        )
        store.save(session, touch=False)
    return store


def writer(folder: str, wid: str, saves: int, barrier: Any) -> list[float]:
    """Save `saves` times; returns each save's latency in seconds. Top level: spawn imports it."""
    store = SessionStore(folder)
    rng = random.Random(wid)
    ids = [row["session_id"] for row in store.list_rows()]
    latencies: list[float] = []
    barrier.wait()
    for i in range(saves):
        sid = rng.choice(HOT) if rng.random() < 0.25 else rng.choice(ids)
        t0 = time.perf_counter()
        if i % 2:
            store.update(sid, {"title": f"{wid} #{i}", f"k_{wid}": i})
        else:
            session = store.load(sid)
            session.title = f"{wid} merge #{i}"
            session.__dict__[f"k_{wid}"] = i
            store.save(session)
        latencies.append(time.perf_counter() - t0)
    return latencies


def _process_main(folder: str, wid: str, saves: int, barrier: Any, out: Any) -> None:
    out.put(writer(folder, wid, saves, barrier))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def check(folder: Path) -> str:
    rows = json.loads((folder / "_index.json").read_bytes())
    bad = 0
    for row in rows:
        record = json.loads((folder / f"{row['session_id']}.json").read_bytes())
        if (row["title"], row["updated_at"]) != (record["title"], record["updated_at"]):
            bad += 1
    files = sum(1 for n in os.listdir(folder) if n.endswith(".json") and not n.startswith("_"))
    missing = files - len(rows)
    return "OK" if not bad and not missing else f"{bad} stale rows, {missing} missing rows"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--saves", type=int, default=500)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--no-reader", action="store_true", help="no concurrent listing")
    args = parser.parse_args()

    ctx = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="sb-bench-load-") as tmp:
        folder = Path(tmp) / "sessions"
        folder.mkdir()
        store = build(folder, args.sessions)
        # The floor: the same saves by one writer with nobody else about.
        alone = writer(str(folder), "solo", 200, threading.Barrier(1))
        barrier = ctx.Barrier(args.threads + args.processes + 1)
        out = ctx.Queue()
        procs = [
            ctx.Process(target=_process_main, args=(str(folder), f"p{n}", args.saves, barrier, out))
            for n in range(args.processes)
        ]
        for proc in procs:
            proc.start()

        thread_lat: list[list[float]] = [[] for _ in range(args.threads)]

        def run_thread(n: int) -> None:
            thread_lat[n] = writer(str(folder), f"t{n}", args.saves, barrier)

        threads = [threading.Thread(target=run_thread, args=(n,)) for n in range(args.threads)]
        for thread in threads:
            thread.start()

        stop = threading.Event()
        reads: list[float] = []

        def reader() -> None:
            while not stop.is_set():
                t0 = time.perf_counter()
                store.list_rows()
                reads.append(time.perf_counter() - t0)

        barrier.wait()  # everyone is loaded and ready: the clock starts now
        start = time.perf_counter()
        read_thread = threading.Thread(target=reader)
        if not args.no_reader:
            read_thread.start()
        for thread in threads:
            thread.join()
        proc_lat = [out.get() for _ in procs]
        wall = time.perf_counter() - start
        stop.set()
        if not args.no_reader:
            read_thread.join()
        for proc in procs:
            proc.join()

        t_all = [x for lat in thread_lat for x in lat]
        p_all = [x for lat in proc_lat for x in lat]
        every = t_all + p_all
        print(f"store                {args.sessions} sessions; {args.threads} threads + "
              f"{args.processes} processes x {args.saves} saves; "
              f"{'no reader' if args.no_reader else '1 reader thread listing in a loop'}")
        print(f"saves                {len(every)} in {wall:.2f} s = {len(every) / wall:8.0f} /s")
        for label, values in (("save latency", every), ("  threads", t_all),
                              ("  processes", p_all), ("one writer alone", alone)):
            print(f"{label:<20} p50 {ms(statistics.median(values))}   p99 {ms(pct(values, .99))}")
        if reads:
            print(f"listings             {len(reads)} = {len(reads) / wall:8.0f} /s   "
                  f"p50 {ms(statistics.median(reads))}   p99 {ms(pct(reads, .99))}")
        print(f"index vs files       {check(folder)}")
        print(f"cpus                 {os.cpu_count()}")


if __name__ == "__main__":
    main()
