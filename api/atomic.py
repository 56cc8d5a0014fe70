"""Crash-safe file writes, and sweeping up after writers that died.

Every byte the store puts on disk goes through `atomic_write`: a unique temp file in the same
folder, fsync, then `os.replace`, so a reader (or a crash) only ever sees the old file or the new
one. Temp files carry the writer's pid so that ones left by a crashed process can be told from
ones a live writer is still filling (`sweep_stale_temps`). The store's lock is in `api.locks`.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import threading
import time
from collections.abc import Iterable
from pathlib import Path

#: Session files and the index are private: chat transcripts hold secrets.
PRIVATE_MODE = 0o600

# "<name>.tmp.<pid>.<token>": the same shape Hermes WebUI uses ("<name>.tmp.<pid>.<tid>"), so
# one sweep recognises both tools' leftovers, and never a "*.json" name that could pass for a
# session.
_TEMP_RE = re.compile(r"^(?P<target>.+)\.tmp\.(?P<pid>\d+)\.(?P<token>[0-9A-Za-z]+)$")

#: A temp file this old is abandoned whatever its pid says (pids get reused).
STALE_TEMP_AGE = 3600.0


def is_temp_name(name: str) -> bool:
    """True for a temp file of ours or of Hermes WebUI, which must never be read as a session."""
    return _TEMP_RE.match(name) is not None


def temp_path(path: Path) -> Path:
    """A fresh name beside `path` that the sweep recognises (and removes once we are dead)."""
    token = f"{threading.get_ident():x}{time.monotonic_ns() & 0xFFFFFF:x}"
    return path.with_name(f"{path.name}.tmp.{os.getpid()}.{token}")


def write_temp(path: Path, data: bytes, *, mode: int = PRIVATE_MODE) -> tuple[Path, os.stat_result]:
    """Write `data` to a new temp file beside `path` and fsync it; `commit` puts it in place.

    Split from the rename so a save can make both its files durable before either replaces
    anything: if the second write fails, nothing on disk has changed. Returns the temp path and
    its stat (inode, size and mtime survive the rename).
    """
    tmp = temp_path(path)
    # O_EXCL + O_NOFOLLOW: never reuse or follow whatever might already sit at the temp name.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, mode)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
            st = os.fstat(fd)
        finally:
            os.close(fd)
    except BaseException:
        discard(tmp)
        raise
    return tmp, st


def commit(tmp: Path, path: Path) -> None:
    """Rename a temp file from `write_temp` over `path` (a symlink there is replaced, never
    followed), or remove it and raise."""
    try:
        os.replace(tmp, path)
    except BaseException:
        discard(tmp)
        raise


def discard(tmp: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(tmp)


def atomic_write(path: Path, data: bytes, *, mode: int = PRIVATE_MODE) -> os.stat_result:
    """Replace `path` with `data` all at once, or leave it untouched and raise `OSError`.

    A symlink at `path` is replaced by a regular file rather than written through, so a link
    planted in the store can never make us write outside it. Returns the new file's stat, taken
    before the rename: afterwards another writer may already have replaced it.
    """
    tmp, st = write_temp(path, data, mode=mode)
    commit(tmp, path)
    return st


def read_regular(path: Path | str, limit: int | None = None) -> tuple[bytes, os.stat_result]:
    """A regular file's bytes and stat, refusing anything else without blocking on it.

    O_NOFOLLOW: a symlink planted in the store is not read through. O_NONBLOCK: a FIFO planted
    under a session's name opens at once (then is refused) instead of hanging the reader.
    Raises FileNotFoundError when there is no file and NotRegularFile for anything else, or
    for a file of more than `limit` bytes (never read whole: a gigabyte of garbage where the
    index belongs must not take gigabytes of memory).
    """
    data, st, fd = read_regular_open(path, limit)
    os.close(fd)
    return data, st


def read_regular_open(
    path: Path | str, limit: int | None = None
) -> tuple[bytes, os.stat_result, int]:
    """`read_regular`, leaving the file open: its descriptor is the caller's to close."""
    fd, st = open_regular(path, limit)
    try:
        return read_all(fd, st, limit), st, fd
    except BaseException:
        os.close(fd)
        raise


def open_regular(path: Path | str, limit: int | None = None) -> tuple[int, os.stat_result]:
    """An open regular file and its stat, checked as `read_regular` checks it, not read yet:
    the descriptor is the caller's to close."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        name = os.path.basename(path)
        raise NotRegularFile(f"{name}: cannot be opened ({exc.strerror})") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotRegularFile(f"{os.path.basename(path)}: not a regular file")
        if limit is not None and st.st_size > limit:
            raise NotRegularFile(f"{os.path.basename(path)}: too large ({st.st_size} bytes)")
    except BaseException:
        os.close(fd)
        raise
    return fd, st


def read_all(fd: int, st: os.stat_result, limit: int | None = None) -> bytes:
    """The bytes of the open file `fd` (of stat `st`) from where it stands to its end."""
    data = os.read(fd, st.st_size + 1)
    if len(data) != st.st_size:  # a short read, or the file grew: read on until EOF
        chunks = [data]
        size = len(data)
        while chunks[-1]:
            if limit is not None and size > limit:
                raise NotRegularFile(f"{st.st_ino}: too large (it grew)")
            chunks.append(os.read(fd, 1 << 20))
            size += len(chunks[-1])
        data = b"".join(chunks)
    return data


class NotRegularFile(ValueError):
    """A directory, FIFO, device or symlink where a data file was expected."""


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_temps(directory: Path, *, now: float | None = None,
                      names: Iterable[str] | None = None) -> list[str]:
    """Delete temp files left behind by writers that died; returns the names removed.

    A temp file is stale when its pid no longer runs, or when it is older than an hour. Our own
    process's temp files are in flight and never touched. `names`: the folder's names when the
    caller has just listed it (a rebuild), so that 100,000 names are not listed twice.
    """
    now = time.time() if now is None else now
    removed: list[str] = []
    try:
        listed = os.listdir(directory) if names is None else names
    except OSError:
        return removed
    for name in [n for n in listed if ".tmp." in n]:
        m = _TEMP_RE.match(name)
        if m is None:
            continue
        pid = int(m.group("pid"))
        path = os.path.join(directory, name)
        try:
            age = now - os.lstat(path).st_mtime
        except OSError:
            continue
        if pid == os.getpid() or (_pid_alive(pid) and age < STALE_TEMP_AGE):
            continue
        with contextlib.suppress(OSError):
            os.unlink(path)
            removed.append(name)
    return removed
