"""Store speed, printed as figures and ratios taken in one run (asserts nothing).

For each size N it builds a synthetic store of N sessions, then measures:
  - a full rebuild of `_index.json` from the session files;
  - `all_sessions()` (warm: index cached; cold: a fresh process-view of the same file);
  - `Session.save()` p50/p99, next to the floor of the format: the same index rows serialised
    with orjson, written, fsynced and renamed, which any correct save must at least pay.

Run: python bench/store.py [N ...]   (default: 10000 100000)
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api import models
from api.atomic import atomic_write
from api.index import SessionIndex
from api.models import Session

WORDS = [
    "fix", "auth", "flow", "refactor", "index", "cache", "deploy", "plan", "roadmap", "review",
    "test", "bug", "parser",
]


def make_store(folder: Path, n: int, seed: int = 1) -> None:
    """N session files of a realistic shape (metadata, then six messages)."""
    rng = random.Random(seed)
    base = time.time() - 365 * 86400
    for i in range(n):
        sid = f"{i:012x}"
        updated = base + rng.random() * 365 * 86400
        messages = [
            {"role": ("user", "assistant")[k % 2], "content": " ".join(rng.choices(WORDS, k=40)),
             "timestamp": updated - 60 * (6 - k)}
            for k in range(6)
        ]
        record = Session(
            session_id=sid, title=" ".join(rng.choices(WORDS, k=5)), messages=messages,
            workspace=f"/home/dev/{rng.choice(WORDS)}", model="anthropic/claude-sonnet-4.5",
            created_at=updated - 3600, updated_at=updated,
        ).__dict__
        (folder / f"{sid}.json").write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2))


def timed(fn: object, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - t0)
    return out


def ms(x: float) -> str:
    return f"{x * 1000:8.1f} ms"


def bench(n: int, saves: int) -> None:
    with tempfile.TemporaryDirectory(prefix="sb-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        make_store(folder, n)
        print(f"\n== N = {n:,} sessions (built in {time.perf_counter() - t0:.1f} s)")
        models.SESSION_DIR = folder
        models.SESSION_INDEX_FILE = folder / "_index.json"

        rebuild = timed(lambda: SessionIndex(folder, folder / "_index.json").rebuild(), 3)
        print(f"full rebuild           {ms(min(rebuild))}  (best of 3)")
        models._write_session_index(None)
        warm = timed(models.all_sessions, 5)
        cold = timed(lambda: SessionIndex(folder, folder / "_index.json").rows(), 3)
        print(f"all_sessions() warm    {ms(statistics.median(warm))}")
        print(f"all_sessions() cold    {ms(statistics.median(cold))}  (parse of _index.json)")

        rows = models.all_sessions()
        payload_target = folder / "_floor.json"
        sids = [r["session_id"] for r in rows]
        rng = random.Random(2)
        sessions = [Session.load(sid) for sid in rng.sample(sids, min(saves, len(sids)))]

        save_t: list[float] = []
        floor_t: list[float] = []
        # Interleave save and floor so that machine noise hits both alike.
        for i, session in enumerate(sessions):
            session.title = f"renamed {i}"
            t0 = time.perf_counter()
            session.save()
            save_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            atomic_write(payload_target, orjson.dumps(rows))
            floor_t.append(time.perf_counter() - t0)
        os.unlink(payload_target)
        s50, f50 = statistics.median(save_t), statistics.median(floor_t)
        s99 = sorted(save_t)[int(len(save_t) * 0.99) - 1]
        print(f"floor (dumps+write+fsync+rename of the index)  p50 {ms(f50)}")
        print(f"Session.save()                                  p50 {ms(s50)}  p99 {ms(s99)}")
        print(f"save / floor (p50)     {s50 / f50:8.2f}x   (reach: <= 1.5x)")
        print(f"index size             {os.path.getsize(folder / '_index.json') / 1e6:8.1f} MB")
        reread(folder, sessions)


def reread(folder: Path, sessions: list[Session]) -> None:
    """What a second program (the open app) pays to follow a save made by someone else: its
    `rows()` re-reads the rewritten index. Compared with a full parse of the same file, in
    our layout and in Hermes' (2-space indent, which Hermes rewrites on every save)."""
    index_path = folder / "_index.json"
    for layout in ("ours", "hermes"):
        if layout == "hermes":
            rows = orjson.loads(index_path.read_bytes())
            atomic_write(index_path, orjson.dumps(rows, option=orjson.OPT_INDENT_2))
        reader = SessionIndex(folder, index_path)
        reader.rows()
        follow: list[float] = []
        full: list[float] = []
        for i, session in enumerate(sessions[:10]):
            if layout == "ours":
                session.title = f"saved elsewhere {i}"
                session.save()
            else:  # Hermes retitles the newest session and rewrites the whole index
                rows[0]["title"] = f"saved by hermes {i}"
                atomic_write(index_path, orjson.dumps(rows, option=orjson.OPT_INDENT_2))
            t0 = time.perf_counter()
            reader.rows()
            follow.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            SessionIndex(folder, index_path).rows()
            full.append(time.perf_counter() - t0)
        f50, p50 = statistics.median(follow), statistics.median(full)
        print(f"re-read after a save elsewhere ({layout:6}) p50 {ms(f50)}  vs full parse "
              f"{ms(p50)}: {f50 / p50:5.2f}x")


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 100_000]
    for n in sizes:
        bench(n, saves=60 if n <= 20_000 else 30)


if __name__ == "__main__":
    main()
