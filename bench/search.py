"""Full-text search speed (prints figures, asserts nothing).

Builds a store of N sessions of M messages (default 10,000 x 20), then prints: the time to build
the FTS5 cache from nothing, an incremental refresh after touching 1% of the sessions, a no-op
refresh, a refresh of one named session (what a live update asks for), and query times
(p50/max over a set of one- and two-word queries).

Run: python bench/search.py [N] [M]
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.search import SearchIndex

WORDS = (
    "refactor auth flow token cache index deploy kubernetes migration schema parser lexer "
    "memory leak thread pool mutex deadlock retry backoff latency histogram budget roadmap "
    "review commit branch rebase pipeline docker image layer python rust golang typescript"
).split()


def make_store(folder: Path, n: int, m: int) -> None:
    rng = random.Random(3)
    for i in range(n):
        sid = f"{i:012x}"
        messages = [
            {"role": ("user", "assistant")[k % 2],
             "content": " ".join(rng.choices(WORDS, k=rng.randint(8, 60))),
             "timestamp": 1.7e9 + i * 100 + k}
            for k in range(m)
        ]
        record = {"session_id": sid, "title": f"session {i}", "updated_at": 1.7e9 + i,
                  "message_count": m, "messages": messages}
        (folder / f"{sid}.json").write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with tempfile.TemporaryDirectory() as tmp:
        store, cache = Path(tmp) / "sessions", Path(tmp) / "cache"
        store.mkdir()
        make_store(store, n, m)
        index = SearchIndex(store, cache_root=cache)
        t0 = time.perf_counter()
        stats = index.refresh()
        build = time.perf_counter() - t0
        print(f"sessions x messages     {n:,} x {m}")
        print(f"cache build (cold)      {build:8.2f} s   ({stats.reindexed:,} files)")
        for path in list(store.glob("*.json"))[: max(1, n // 100)]:
            path.write_bytes(path.read_bytes().replace(b"token", b"tokens"))
        t0 = time.perf_counter()
        stats = index.refresh()
        print(f"refresh, 1% changed     {time.perf_counter() - t0:8.2f} s   "
              f"({stats.reindexed:,} re-read)")
        t0 = time.perf_counter()
        index.refresh()
        print(f"refresh, nothing new    {time.perf_counter() - t0:8.2f} s")
        one = next(iter(store.glob("*.json")))
        one.write_bytes(one.read_bytes().replace(b"deadlock", b"deadlocks"))
        t0 = time.perf_counter()
        index.refresh(only=[one.stem])
        only = time.perf_counter() - t0
        t0 = time.perf_counter()
        index.refresh()
        full = time.perf_counter() - t0
        print(f"refresh of the one session a live update saw change: {only * 1000:.1f} ms "
              f"(a check of every file: {full * 1000:.0f} ms, {only / full:.3f}x)")
        queries = ["deadlock", "mutex retry", "kube", "auth token", "histogram budget", "zzz",
                   "python", "rebase pipeline", "lat", "memory leak"]
        times = []
        for q in queries * 3:
            t0 = time.perf_counter()
            index.search(q, limit=200)
            times.append(time.perf_counter() - t0)
        print(f"query p50 / max         {statistics.median(times) * 1000:8.1f} ms / "
              f"{max(times) * 1000:.1f} ms   (reach: < 100 ms)")
        print(f"cache size              {index.path.stat().st_size / 1e6:8.1f} MB")


if __name__ == "__main__":
    main()
