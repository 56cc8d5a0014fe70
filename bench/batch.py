"""Batch edits, printed as figures taken in one run (asserts nothing).

Builds a store of N sessions (default 100,000; the files in Hermes' shape, the index built
once), then times, each on K sessions (default 1,000) picked at random:
  - `set_archived_many` (the issue's reach: 1,000 archived in a 100,000-session store in 3 s),
  - `set_pinned_many`, `delete_many` (to the trash) and `restore_many`,
and, for comparison, K single `set_archived` calls on a slice of them (each rewrites the index),
scaled to K.

Run: python bench/batch.py [N] [K]
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.store import SessionStore
from bench.store import make_store

REACH_SECONDS = 3.0


def timed(label: str, fn: object, k: int) -> float:
    t0 = time.perf_counter()
    result = fn()  # type: ignore[operator]
    took = time.perf_counter() - t0
    done = len(getattr(result, "done", ())) if result is not None else k
    print(f"{label:<34} {took:7.2f} s  ({took / max(k, 1) * 1000:6.2f} ms a session, "
          f"{done:,} done)")
    return took


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    with tempfile.TemporaryDirectory(prefix="sb-bench-batch-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        make_store(folder, n)
        store = SessionStore(folder)
        store.rebuild()
        print(f"== N = {n:,} sessions (built in {time.perf_counter() - t0:.1f} s), K = {k:,}")
        ids = random.Random(2).sample([f"{i:012x}" for i in range(n)], k)
        archive = timed("set_archived_many (archive)",
                        lambda: store.set_archived_many(ids, True), k)
        timed("set_archived_many (unarchive)", lambda: store.set_archived_many(ids, False), k)
        timed("set_pinned_many", lambda: store.set_pinned_many(ids, True), k)
        timed("delete_many (to the trash)", lambda: store.delete_many(ids), k)
        timed("restore_many", lambda: store.restore_many(ids), k)
        few = ids[: max(1, k // 50)]
        t0 = time.perf_counter()
        for sid in few:
            store.set_archived(sid, True)
        single = (time.perf_counter() - t0) / len(few) * k
        print(f"{'K single set_archived (scaled)':<34} {single:7.2f} s")
        print(f"archive batch vs the {REACH_SECONDS:.0f} s reach: {archive / REACH_SECONDS:.2f}x "
              f"of the budget; {single / archive:.1f}x faster than one save at a time")


if __name__ == "__main__":
    main()
