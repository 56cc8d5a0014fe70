"""Store speed, printed as figures and ratios taken in one run (asserts nothing).

For each size N it builds a synthetic store of N small sessions (six messages), then measures:
  - a full rebuild of `_index.json` from the session files, on one core and on two (a child
    process reads part of the files, `api.scanpool`), beside the floor of a rebuild on one
    core: opening, reading and closing every file, nothing parsed;
  - `all_sessions()` (warm: index cached; cold: a fresh process-view of the same file);
  - `Session.save()` p50/p99, next to the floors of the format: one file (the same index rows
    serialised with orjson, written, fsynced and renamed) and two files (that, plus the session
    file, both fsynced before either is renamed), which is what a durable save must pay. The
    floor's files go to a folder of their own on the same disk, so they do not touch the store.
Then a store of 10,000 sessions of 40 messages (~28 KB each, as real sessions are): our full
rebuild against Hermes WebUI's own (`api.models._write_session_index(None)` from
../shared/hermes-webui, run in a child process; needs pyyaml), same files, same run, one of
each in turn for 5 rounds (`against_hermes`): the ratio is best against best, with the range
and median of the rounds' own ratios.

Each rebuild figure is the best of 3 in wall time and in CPU time (this process's and its
children's): on a shared machine the CPU time moves less with the load.

Run: python bench/store.py [N ...]   (default: 10000 100000; `--no-hermes` skips the 40-message
store; `--rebuild` prints only the rebuild figures: the N-session rebuilds, then ours against
Hermes')
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api import jsonio, models, scanpool
from api.atomic import atomic_write, commit, write_temp
from api.index import SessionIndex
from api.models import Session

ROOT = Path(__file__).resolve().parent.parent
HERMES = ROOT.parent / "shared" / "hermes-webui"
WORDS = [
    "fix", "auth", "flow", "refactor", "index", "cache", "deploy", "plan", "roadmap", "review",
    "test", "bug", "parser",
]


def make_store(folder: Path, n: int, seed: int = 1, messages: int = 6, words: int = 40) -> None:
    """N session files of a realistic shape (metadata, then the messages), as Hermes writes
    them (2-space indent, `message_count` before `messages`)."""
    rng = random.Random(seed)
    base = time.time() - 365 * 86400
    for i in range(n):
        sid = f"{i:012x}"
        updated = base + rng.random() * 365 * 86400
        chat = [
            {"role": ("user", "assistant")[k % 2], "content": " ".join(rng.choices(WORDS, k=words)),
             "timestamp": updated - 60 * (messages - k)}
            for k in range(messages)
        ]
        record = Session(
            session_id=sid, title=" ".join(rng.choices(WORDS, k=5)), messages=chat,
            workspace=f"/home/dev/{rng.choice(WORDS)}", model="anthropic/claude-sonnet-4.5",
            created_at=updated - 3600, updated_at=updated,
        ).__dict__
        # Hermes' key order around the messages (`Session.save` in its api/models.py).
        messages_ = record.pop("messages")
        record.update(anchor_scene_index={}, messages=messages_, tool_calls=[],
                      anchor_activity_scenes={}, context_messages=[])
        (folder / f"{sid}.json").write_bytes(orjson.dumps(record, option=orjson.OPT_INDENT_2))


def timed(fn: object, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        out.append(time.perf_counter() - t0)
    return out


def rebuild_times(folder: Path, repeat: int = 3, cores: int = 2) -> tuple[float, float]:
    """Our full rebuild of `folder`'s index: best wall time, best CPU time (ours and the
    child's that reads part of the files, `api.scanpool`). `cores=1`: no child."""
    wall, cpu = [], []
    saved = scanpool.PARALLEL_MIN
    scanpool.PARALLEL_MIN = saved if cores > 1 else sys.maxsize
    try:
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), _cpu()
            SessionIndex(folder, folder / "_index.json").rebuild()
            wall.append(time.perf_counter() - t0)
            cpu.append(_cpu() - c0)
    finally:
        scanpool.PARALLEL_MIN = saved
    return min(wall), min(cpu)


def _cpu() -> float:
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def read_floor(folder: Path, repeat: int = 3) -> float:
    """What any rebuild costs at least on one core: open, fstat, read and close every session
    file, nothing parsed (best wall time of `repeat`)."""
    paths = [e.path for e in os.scandir(folder) if e.name.endswith(".json")
             and not e.name.startswith("_")]
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for path in paths:
            fd = os.open(path, os.O_RDONLY)
            try:
                os.read(fd, os.fstat(fd).st_size + 1)
            finally:
                os.close(fd)
        best = min(best, time.perf_counter() - t0)
    return best


def print_rebuilds(folder: Path) -> float:
    """Our rebuild on one core and on two, beside the read floor; returns the two-core wall."""
    floor = read_floor(folder)
    one = rebuild_times(folder, cores=1)
    two = rebuild_times(folder)
    print(f"read every file        {ms(floor)}  wall  (the floor of a rebuild on one core)")
    print(f"full rebuild, 1 core   {ms(one[0])}  wall, {ms(one[1])} CPU  (best of 3; "
          f"{one[0] / floor:.2f}x the floor)")
    print(f"full rebuild           {ms(two[0])}  wall, {ms(two[1])} CPU  (best of 3; two "
          f"cores: {two[0] / floor:.2f}x the floor)")
    return two[0]


def ms(x: float) -> str:
    return f"{x * 1000:8.1f} ms"


def two_file_floor(floor_dir: Path, session: bytes, rows: list[object]) -> None:
    """What a durable save of this format costs at least: the session file and the whole
    index, each written and fsynced, and only then both renamed into place."""
    index = orjson.dumps(rows)
    tmp_s, _ = write_temp(floor_dir / "s.json", session)
    tmp_i, _ = write_temp(floor_dir / "_index.json", index)
    commit(tmp_s, floor_dir / "s.json")
    commit(tmp_i, floor_dir / "_index.json")


def bench(n: int, saves: int, rebuild_only: bool = False) -> None:
    with tempfile.TemporaryDirectory(prefix="sb-bench-") as tmp:
        folder = Path(tmp) / "sessions"
        floor_dir = Path(tmp) / "floor"
        folder.mkdir()
        floor_dir.mkdir()
        t0 = time.perf_counter()
        make_store(folder, n)
        print(f"\n== N = {n:,} sessions (built in {time.perf_counter() - t0:.1f} s)")
        models.SESSION_DIR = folder
        models.SESSION_INDEX_FILE = folder / "_index.json"

        print_rebuilds(folder)
        if rebuild_only:
            return
        models._write_session_index(None)
        warm = timed(models.all_sessions, 5)
        cold = timed(lambda: SessionIndex(folder, folder / "_index.json").rows(), 3)
        print(f"all_sessions() warm    {ms(statistics.median(warm))}")
        print(f"all_sessions() cold    {ms(statistics.median(cold))}  (parse of _index.json)")

        rows = models.all_sessions()
        sids = [r["session_id"] for r in rows]
        rng = random.Random(2)
        sessions = [Session.load(sid) for sid in rng.sample(sids, min(saves, len(sids)))]

        save_t: list[float] = []
        one_t: list[float] = []
        two_t: list[float] = []
        # Interleave save and floors so that machine noise hits all alike.
        for i, session in enumerate(sessions):
            session.title = f"renamed {i}"
            t0 = time.perf_counter()
            session.save()
            save_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            atomic_write(floor_dir / "_index.json", orjson.dumps(rows))
            one_t.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            two_file_floor(floor_dir, jsonio.dumps_session(session.__dict__), rows)
            two_t.append(time.perf_counter() - t0)
        s50, f50, t50 = (statistics.median(x) for x in (save_t, one_t, two_t))
        s99 = sorted(save_t)[int(len(save_t) * 0.99) - 1]
        print(f"floor, one file (the index: dumps+write+fsync+rename)     p50 {ms(f50)}")
        print(f"floor, two files (session + index, both fsynced, renamed) p50 {ms(t50)}")
        print(f"Session.save()                                  p50 {ms(s50)}  p99 {ms(s99)}")
        print(f"save / two-file floor (p50) {s50 / t50:6.2f}x   (reach: <= 1.2x)")
        print(f"save / one-file floor (p50) {s50 / f50:6.2f}x")
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


HERMES_REBUILD = """
import os, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import api.models as hm
folder = Path(sys.argv[2])
wall = cpu = float("inf")
for _ in range(int(sys.argv[3])):
    t0, c0 = time.perf_counter(), time.process_time()
    hm._write_session_index(updates=None, session_dir=folder,
                            session_index_file=folder / "_index.json")
    wall = min(wall, time.perf_counter() - t0)
    cpu = min(cpu, time.process_time() - c0)
print(wall, cpu)
"""


def hermes_rebuild(folder: Path, state: Path, repeat: int = 3) -> tuple[float, float] | None:
    """Hermes WebUI's own full rebuild of the same folder (best wall and CPU time of `repeat`),
    in a child process (its package is also named `api`); its state folder is a scratch one."""
    env = {**os.environ, "HERMES_WEBUI_STATE_DIR": str(state), "HERMES_HOME": str(state)}
    try:
        out = subprocess.run(
            [sys.executable, "-c", HERMES_REBUILD, str(HERMES), str(folder), str(repeat)],
            capture_output=True, text=True, env=env, timeout=600, check=True,
        ).stdout
        wall, cpu = out.split()[-2:]
        return float(wall), float(cpu)
    except (subprocess.SubprocessError, ValueError, IndexError, OSError) as exc:
        print(f"Hermes WebUI's rebuild could not run: {exc}")
        return None


def bench_real_sized(n: int = 10_000) -> None:
    with tempfile.TemporaryDirectory(prefix="sb-bench-") as tmp:
        folder = Path(tmp) / "sessions"
        folder.mkdir()
        t0 = time.perf_counter()
        make_store(folder, n, messages=40, words=100)
        size = sum(e.stat().st_size for e in os.scandir(folder)) / n / 1000
        print(f"\n== N = {n:,} sessions of 40 messages (~{size:.0f} KB each; built in "
              f"{time.perf_counter() - t0:.1f} s)")
        print_rebuilds(folder)
        rounds = against_hermes(folder, Path(tmp) / "hermes-state")
        if rounds is not None:
            ours, theirs = rounds
            print(f"in turn, {RATIO_ROUNDS} rounds: ours {ms(min(ours))}, Hermes "
                  f"{ms(min(theirs))}  wall  (best of each; Hermes: its own code)")
            ratios = sorted(h / o for o, h in zip(ours, theirs, strict=True))
            print(f"Hermes / ours          {min(theirs) / min(ours):8.1f}x wall   (reach: >= 10x;"
                  f" round by round {ratios[0]:.1f}-{ratios[-1]:.1f}x, median "
                  f"{statistics.median(ratios):.1f}x)")


#: Rounds of ours against Hermes' (one rebuild each in turn).
RATIO_ROUNDS = 5


def against_hermes(folder: Path, state: Path) -> tuple[list[float], list[float]] | None:
    """Our rebuild (two cores) and Hermes WebUI's, one run each in turn, `RATIO_ROUNDS` times
    (wall seconds). In turn, because this machine's speed drifts over seconds: all of ours
    and then all of Hermes' moved the ratio by a third from one run to the next."""
    ours: list[float] = []
    theirs: list[float] = []
    for _ in range(RATIO_ROUNDS):
        ours.append(rebuild_times(folder, repeat=1)[0])
        hermes = hermes_rebuild(folder, state, repeat=1)
        if hermes is None:
            return None
        theirs.append(hermes[0])
    return ours, theirs


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sizes = [int(a) for a in args] or [10_000, 100_000]
    for n in sizes:
        bench(n, saves=60 if n <= 20_000 else 30, rebuild_only="--rebuild" in sys.argv)
    if "--no-hermes" not in sys.argv:
        bench_real_sized()


if __name__ == "__main__":
    main()
