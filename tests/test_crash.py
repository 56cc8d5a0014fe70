"""Crash safety: SIGKILL processes that are saving, hundreds of times; check the disk each time.

Two ways to pick the moment of death, as database crash tests do:
  - injected: the child counts its own store syscalls (open, write, fsync, replace, flock) and
    SIGKILLs itself at the N-th one, N drawn at random, sometimes after writing half a buffer or
    just after a rename. This lands deterministically in every step of a save, including the
    window between the session file's rename and the index's;
  - external: the parent SIGKILLs the child once it has announced its K-th save, wherever the
    child then is.
Some rounds run two children at once on the same sessions, so one dies holding the store lock.

After every kill: every session file parses and is byte-for-byte the old version or a complete
version the children announced (never torn); no session is lost; a temp file is never listed;
`SessionStore.list_rows()` and `all_sessions()` list every session with the title (and
updated_at) on disk; `_index.json` always parses. Temp files left by the dead are swept by a
rebuild. The number of kills is `SB_CRASH_KILLS` (default 300, about 10 s on 2 cores; set it
higher for a long run).
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import random
import selectors
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers_store import (
    index_problems,
    listing_problems,
    make_store,
    read_json_file,
    session_names,
    temp_names,
)

import api.models as models
from api.atomic import STALE_TEMP_AGE, sweep_stale_temps
from api.store import SessionStore

KILLS = int(os.environ.get("SB_CRASH_KILLS", "300"))
SEED = int(os.environ.get("SB_CRASH_SEED", "20251124"))
#: A watchdog, not a timing assertion: a child that announces nothing for this long is hung.
HANG_SECONDS = 120.0
FORK = multiprocessing.get_context("fork")


# ── the child ───────────────────────────────────────────────────────────────


def _line(write: Callable[[int, bytes], int], wfd: int, *fields: str) -> None:
    # One write below PIPE_BUF is atomic: a kill never leaves half a line in the pipe.
    data = ("\t".join(f.replace("\t", " ").replace("\n", " ") for f in fields) + "\n").encode()
    write(wfd, data[:4000])


def _fd_name(fd: int) -> str:
    try:
        return os.path.basename(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return f"fd{fd}"


def _arm_kill_point(kill_at: int, rng: random.Random, wfd: int) -> None:
    """Make this process SIGKILL itself at its `kill_at`-th store syscall."""
    real_write, real_open, real_fsync = os.write, os.open, os.fsync
    real_replace, real_flock = os.replace, fcntl.flock
    calls = 0

    def die(phase: str, target: str) -> None:
        _line(real_write, wfd, "K", phase, target)
        os.kill(os.getpid(), signal.SIGKILL)

    def due() -> bool:
        nonlocal calls
        calls += 1
        return calls == kill_at

    def open_(path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
        if due():
            die("open", os.path.basename(os.fspath(path)))
        return real_open(path, flags, mode, **kw)

    def write(fd: int, data: Any) -> int:
        if fd != wfd and due():
            part = rng.randrange(len(data) + 1)
            if part:
                real_write(fd, bytes(data[:part]))
            die(f"write {part}/{len(data)}", _fd_name(fd))
        return real_write(fd, data)

    def fsync(fd: int) -> None:
        if due():
            die("fsync", _fd_name(fd))
        real_fsync(fd)

    def replace(src: Any, dst: Any, **kw: Any) -> None:
        if due():
            if rng.random() < 0.5:
                die("before replace", os.path.basename(os.fspath(dst)))
            real_replace(src, dst, **kw)
            die("after replace", os.path.basename(os.fspath(dst)))
        real_replace(src, dst, **kw)

    def flock(fd: int, op: int) -> None:
        if due():
            die("flock", _fd_name(fd))
        real_flock(fd, op)

    os.open, os.write, os.fsync, os.replace = open_, write, fsync, replace  # type: ignore[assignment]
    fcntl.flock = flock  # type: ignore[assignment]


def _clean_title(rng: random.Random, tag: str) -> str:
    # Titles of varying length (so file sizes vary) that `rename` keeps exactly as given.
    return f"{tag} {'x' * rng.randrange(0, 40)}".strip()[:80]


def saver(folder: str, wfd: int, seed: int, kill_at: int) -> None:
    """Save in a loop until killed. Announces `A<TAB>sid<TAB>title` before each save, so the
    parent knows every version that may be on disk. kill_at > 0: die at that store syscall."""
    write = os.write
    try:
        rng = random.Random(seed)
        store = SessionStore(folder)
        if kill_at > 0:
            _arm_kill_point(kill_at, rng, wfd)
        pid = os.getpid()
        for i in range(1, 1_000_000):
            ids = [name[: -len(".json")] for name in session_names(Path(folder))]
            sid = rng.choice(ids)
            title = _clean_title(rng, f"{sid} by {pid} #{i}")
            roll = rng.random()
            if roll < 0.08:
                sid = f"n{pid}_{i}"
                _line(write, wfd, "A", sid, title)
                session = store.new_session(
                    session_id=sid, title=title, messages=[{"role": "user", "content": title}]
                )
                store.save(session)
            elif roll < 0.5:
                _line(write, wfd, "A", sid, title)
                store.rename(sid, title)
            elif roll < 0.6:
                _line(write, wfd, "A", sid, "")  # archive: the title stays what it was
                store.set_archived(sid, rng.random() < 0.5)
            else:
                _line(write, wfd, "A", sid, title)
                session = store.load(sid)
                session.title = title
                messages = session.messages if isinstance(session.messages, list) else []
                session.messages = [*messages[-8:], {"role": "user", "content": title}]
                store.save(session)
        _line(write, wfd, "E", "the loop ended without being killed")
    except BaseException as exc:
        _line(write, wfd, "E", f"{type(exc).__name__}: {exc}")
        os._exit(3)


# ── the parent ──────────────────────────────────────────────────────────────


@dataclass
class Child:
    proc: Any
    rfd: int
    kill_after: int | None  # external kill after this many announced saves; None: injected
    lines: list[list[str]] = field(default_factory=list)
    buffer: bytes = b""
    signalled: bool = False

    @property
    def saves(self) -> int:
        return sum(1 for line in self.lines if line[0] == "A")

    def describe(self) -> str:
        kill = [" ".join(line[1:]) for line in self.lines if line[0] == "K"]
        how = f"killed at {kill[0]}" if kill else f"killed by parent after {self.saves} saves"
        errors = [line[1] for line in self.lines if line[0] == "E"]
        return f"pid {self.proc.pid}: {how}" + (f"; error: {errors}" if errors else "")


def start_child(folder: Path, seed: int, kill_at: int, kill_after: int | None) -> Child:
    rfd, wfd = os.pipe()
    proc = FORK.Process(target=saver, args=(str(folder), wfd, seed, kill_at), daemon=True)
    proc.start()
    os.close(wfd)
    return Child(proc, rfd, kill_after)


def run_until_dead(children: list[Child]) -> None:
    """Read every child's announcements until all of them are dead (EOF on every pipe)."""
    selector = selectors.DefaultSelector()
    for child in children:
        selector.register(child.rfd, selectors.EVENT_READ, child)
    try:
        while selector.get_map():
            events = selector.select(timeout=HANG_SECONDS)
            if not events:
                for child in children:
                    child.proc.kill()
                pytest.fail(f"no child made progress for {HANG_SECONDS}s (deadlock?)")
            for key, _ in events:
                child = key.data
                chunk = os.read(child.rfd, 65536)
                if not chunk:
                    selector.unregister(child.rfd)
                    os.close(child.rfd)
                    continue
                child.buffer += chunk
                *complete, child.buffer = child.buffer.split(b"\n")
                child.lines += [line.decode().split("\t") for line in complete]
                if (
                    child.kill_after is not None
                    and not child.signalled
                    and child.saves >= child.kill_after
                ):
                    os.kill(child.proc.pid, signal.SIGKILL)
                    child.signalled = True
    finally:
        selector.close()
    for child in children:
        child.proc.join(HANG_SECONDS)  # its pipe is closed: it is dead or about to be
        assert child.proc.exitcode == -signal.SIGKILL, (
            f"child did not die by SIGKILL (exit {child.proc.exitcode}): {child.describe()}"
        )


def is_complete_save(data: bytes) -> bool:
    """The bytes are exactly what one save writes: parsing and re-encoding gives them back."""
    try:
        return orjson.dumps(orjson.loads(data), option=orjson.OPT_INDENT_2) == data
    except orjson.JSONDecodeError:
        return False


def check_after_kill(
    store: SessionStore, before: dict[str, bytes], children: list[Child]
) -> list[str]:
    folder = store.directory
    where = "; ".join(child.describe() for child in children)
    announced: dict[str, set[str]] = {}
    for child in children:
        for line in child.lines:
            if line[0] == "A":
                announced.setdefault(line[1], set()).add(line[2])

    # Every session file is the old version or a complete announced one, and none is lost.
    now = session_names(folder)
    for name in sorted(before.keys() - set(now)):
        pytest.fail(f"{name} was lost after the kill ({where})")
    for name in now:
        sid = name[: -len(".json")]
        data = (folder / name).read_bytes()
        if data == before.get(name):
            continue
        assert sid in announced, f"{name} changed but no child saved it ({where})"
        assert is_complete_save(data), f"{name} is torn: {data[-80:]!r} ({where})"
        record = orjson.loads(data)
        old_title = orjson.loads(before[name]).get("title") if name in before else None
        assert record.get("session_id") == sid, f"{name} holds {record.get('session_id')!r}"
        assert record.get("title") in announced[sid] | {old_title}, (
            f"{name}: title {record.get('title')!r} is neither old nor announced ({where})"
        )

    # The index is never torn; temp files are the dead children's, never listed.
    try:
        index = read_json_file(folder / "_index.json")
    except ValueError as exc:
        pytest.fail(f"_index.json is torn after the kill ({where}): {exc}")
    assert isinstance(index, list), where
    dead = {str(child.proc.pid) for child in children}
    for name in temp_names(folder):
        assert name.split(".tmp.")[1].split(".")[0] in dead, f"temp {name} of a live writer?"

    # The next listing shows every session with the title on disk.
    problems = listing_problems(folder, store.list_rows())
    assert not problems, f"list_rows() after the kill ({where}):\n" + "\n".join(problems)
    problems = listing_problems(folder, models.all_sessions())
    assert not problems, f"all_sessions() after the kill ({where}):\n" + "\n".join(problems)
    return temp_names(folder)


def test_sigkill_during_saves_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "sessions"
    store = make_store(folder, 6)
    monkeypatch.setattr(models, "SESSION_DIR", folder)
    monkeypatch.setattr(models, "SESSION_INDEX_FILE", folder / "_index.json")
    rng = random.Random(SEED)
    kills = rounds = swept = 0
    while kills < KILLS:
        rounds += 1
        before = {name: (folder / name).read_bytes() for name in session_names(folder)}
        kind = rounds % 4
        if kind == 0:  # two at once: one dies by its own hand, the other by ours
            children = [
                start_child(folder, rng.getrandbits(32), rng.randint(1, 50), None),
                start_child(folder, rng.getrandbits(32), 0, rng.randint(1, 6)),
            ]
        elif kind == 1:
            children = [start_child(folder, rng.getrandbits(32), 0, rng.randint(1, 12))]
        else:
            children = [start_child(folder, rng.getrandbits(32), rng.randint(1, 70), None)]
        run_until_dead(children)
        kills += len(children)
        leftovers = check_after_kill(store, before, children)
        for child in children:
            phase = [line[1] for line in child.lines if line[0] == "K"]
            if phase and (phase[0].startswith(("write", "fsync", "before replace"))):
                # Died between creating its temp file and renaming it: the temp must be there.
                assert leftovers, f"no temp file left by {child.describe()}"
        if leftovers:
            store.rebuild()  # sweeps the temp files of dead pids
            assert temp_names(folder) == [], f"rebuild left {temp_names(folder)}"
            swept += len(leftovers)
            problems = index_problems(folder)
            assert not problems, "after the sweeping rebuild:\n" + "\n".join(problems)
    assert swept > 0, "no kill ever left a temp file: the kill points never hit a write"


def test_sweep_removes_only_dead_writers_temps(tmp_path: Path) -> None:
    """A temp file of a dead pid, or one older than STALE_TEMP_AGE, goes; a live writer's stays."""
    folder = tmp_path / "sessions"
    store = make_store(folder, 2)
    ready_r, ready_w = os.pipe()
    hold_r, hold_w = os.pipe()
    live = FORK.Process(target=_wait_on_pipe, args=(ready_w, hold_r), daemon=True)
    live.start()
    os.read(ready_r, 1)  # the live writer is running
    dead = FORK.Process(target=_wait_on_pipe, args=(-1, -1), daemon=True)
    dead.start()
    dead.join(HANG_SECONDS)
    assert dead.exitcode == 0, f"the short-lived child did not exit: {dead.exitcode}"
    names = {
        "dead": f"s000.json.tmp.{dead.pid}.abc",
        "live": f"s000.json.tmp.{live.pid}.abc",
        "mine": f"_index.json.tmp.{os.getpid()}.abc",
        "old": f"s001.json.tmp.{live.pid}.def",
    }
    for name in names.values():
        (folder / name).write_bytes(b'{"session_id": "s000", "title": "half')
    old = time.time() - STALE_TEMP_AGE - 60
    os.utime(folder / names["old"], (old, old))
    try:
        removed = sweep_stale_temps(folder)
        assert sorted(removed) == sorted([names["dead"], names["old"]])
        assert sorted(temp_names(folder)) == sorted([names["live"], names["mine"]])
        # A temp file is never a session, whatever it holds.
        listed = {row["session_id"] for row in store.list_rows()}
        assert listed == {"s000", "s001"}
        store.rebuild()
        assert sorted(temp_names(folder)) == sorted([names["live"], names["mine"]])
    finally:
        os.write(hold_w, b"x")
        live.join(HANG_SECONDS)
        for fd in (ready_r, ready_w, hold_r, hold_w):
            os.close(fd)
    assert live.exitcode == 0, f"the live writer did not exit when told: {live.exitcode}"


def _wait_on_pipe(ready_fd: int, hold_fd: int) -> None:
    if ready_fd >= 0:
        os.write(ready_fd, b"r")
        os.read(hold_fd, 1)
