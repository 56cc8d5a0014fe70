"""Crash safety of the trash and of batch edits: SIGKILL a process that loops deleting,
restoring and archiving batches, at random instants, many times; check the disk each time.

After every kill, and the recovery the next opener runs (`Trash.recover()`), every session is
either fully in the store (its file and its `.bak`) or fully in the trash, never both and never
neither, with the bytes it had (a delete or restore moves, never rewrites, a file; an archive
rewrites it whole); the index lists exactly the sessions in the store, and the listing the
archived flag their file has; Hermes' tombstone names exactly the sessions in the trash; no
journal is left. The number of kills is `SB_TRASH_CRASH_KILLS` (default 120, ~10 s here).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import select
import signal
import time
from pathlib import Path

from helpers_store import index_problems, listing_problems, make_store

from api import tombstones
from api.store import SessionStore
from api.trash import JOURNAL_NAME, TRASH_NAME, Trash

KILLS = int(os.environ.get("SB_TRASH_CRASH_KILLS", "120"))
SEED = int(os.environ.get("SB_CRASH_SEED", "20251124"))
SESSIONS = 24
#: A watchdog, not a timing assertion: a child that reports nothing for this long is hung.
HANG_SECONDS = 60.0
FORK = multiprocessing.get_context("fork")


def _child(folder: str, seed: int, wfd: int) -> None:
    """Loop batches forever (until killed), telling the parent after each one."""
    rng = random.Random(seed)
    store = SessionStore(folder)
    ids = [f"s{n:03d}" for n in range(SESSIONS)]
    while True:
        batch = rng.sample(ids, rng.randint(1, 8))
        kind = rng.choice(("delete", "restore", "archive"))
        if kind == "delete":
            store.delete_many(batch)
        elif kind == "restore":
            store.restore_many(batch)
        else:
            store.set_archived_many(batch, rng.random() < 0.5)
        os.write(wfd, b".")


def _bak_bytes(sid: str) -> bytes:
    return json.dumps({"backup_of": sid}).encode()


def _check(folder: Path, originals: dict[str, bytes]) -> list[str]:
    problems: list[str] = []
    trash_names = set(os.listdir(folder / TRASH_NAME)) if (folder / TRASH_NAME).exists() else set()
    in_trash: set[str] = set()
    for sid, original in originals.items():
        here = (folder / f"{sid}.json").exists()
        entries = sorted(n for n in trash_names if n.startswith(f"{sid}@") and n.endswith(".json"))
        if here + len(entries) != 1:
            problems.append(f"{sid}: in the store {here}, in the trash {len(entries)} times")
            continue
        main = folder / f"{sid}.json" if here else folder / TRASH_NAME / entries[0]
        bak = folder / f"{sid}.json.bak" if here else main.with_name(main.name + ".bak")
        record = json.loads(main.read_bytes())
        if {k: v for k, v in record.items() if k != "archived"} != {
                k: v for k, v in json.loads(original).items() if k != "archived"}:
            problems.append(f"{sid}: its content changed")
        if not bak.exists() or bak.read_bytes() != _bak_bytes(sid):
            problems.append(f"{sid}: its .bak is not beside it")
        if here and any(n.startswith(f"{sid}@") for n in trash_names):
            problems.append(f"{sid}: in the store, and something of it in the trash")
        if not here:
            in_trash.add(sid)
            if (folder / f"{sid}.json.bak").exists():
                problems.append(f"{sid}: in the trash, its .bak in the store")
    index = {row["session_id"]: row for row in json.loads((folder / "_index.json").read_bytes())}
    if set(index) != set(originals) - in_trash:
        problems.append(f"index lists {sorted(set(index) ^ (set(originals) - in_trash))} wrongly")
    tomb = tombstones.load_ids(folder / tombstones.DELETED_NAME)
    if tomb != in_trash:
        problems.append(f"tombstone differs from the trash: {sorted(tomb ^ in_trash)}")
    if JOURNAL_NAME in trash_names:
        problems.append("the journal is still there after recovery")
    problems += index_problems(folder)
    # A batch edit killed before its index write leaves `_saving` marks: the listing trusts
    # those files over their rows (as after a single save), and the next write repairs them.
    rows = SessionStore(folder).list_rows()
    problems += listing_problems(folder, rows)
    for row in rows:
        on_disk = json.loads((folder / f"{row['session_id']}.json").read_bytes())["archived"]
        if row["archived"] != on_disk:
            problems.append(f"{row['session_id']}: archived differs between listing and file")
    return problems


def test_sigkill_at_random_points_of_delete_restore_and_batches(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    make_store(folder, SESSIONS)
    for n in range(SESSIONS):
        (folder / f"s{n:03d}.json.bak").write_bytes(_bak_bytes(f"s{n:03d}"))
    originals = {f"s{n:03d}": (folder / f"s{n:03d}.json").read_bytes() for n in range(SESSIONS)}
    rng = random.Random(SEED)
    mid_batch = 0
    for round_ in range(KILLS):
        rfd, wfd = os.pipe()
        child = FORK.Process(target=_child, args=(str(folder), SEED + round_, wfd))
        child.start()
        os.close(wfd)
        try:
            # Let it finish a few batches, then kill it at a random instant of the next.
            for _ in range(rng.randint(1, 4)):
                ready, _, _ = select.select([rfd], [], [], HANG_SECONDS)
                assert ready and os.read(rfd, 1) == b".", "the child hung or died"
            time.sleep(rng.random() * 0.004)
        finally:
            assert child.pid is not None
            os.kill(child.pid, signal.SIGKILL)
            child.join(HANG_SECONDS)
            os.close(rfd)
        if (folder / TRASH_NAME / JOURNAL_NAME).exists():
            mid_batch += 1
        Trash(folder).recover()  # what the next opener does
        problems = _check(folder, originals)
        assert not problems, f"after kill {round_ + 1}: {problems}"
    # The kills must land inside batches, not only between them, for this test to mean much.
    assert mid_batch >= KILLS // 10, f"only {mid_batch} of {KILLS} kills landed mid-batch"
