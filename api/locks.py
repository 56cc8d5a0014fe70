"""The store's lock: one writer at a time per store folder, across threads and processes.

Across processes it is `fcntl.flock` on a lock file beside the index. flock is chosen over the
`filelock` package because it is in the standard library, is released by the kernel when a
process dies (no stale lock files to break), and we only target POSIX. Within a process, threads
queue on a `FairRLock` first, so only one of them at a time waits in flock.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import threading
from collections import deque
from collections.abc import Iterator
from pathlib import Path

from api.atomic import PRIVATE_MODE


class FairRLock:
    """A re-entrant lock that threads get in the order they asked for it.

    `threading.RLock` lets whichever thread the scheduler wakes first have it: under eight
    saving threads one of them could wait behind a dozen later saves (a save's p99 near a
    second). Here the releasing thread hands the lock to the longest waiter."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._owner: int | None = None
        self._depth = 0
        self._waiters: deque[tuple[int, threading.Lock]] = deque()

    def acquire(self) -> None:
        me = threading.get_ident()
        with self._mutex:
            if self._owner == me:
                self._depth += 1
                return
            if self._owner is None and not self._waiters:
                self._owner, self._depth = me, 1
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append((me, gate))
        try:
            gate.acquire()  # opened by `release`, which has made us the owner
        except BaseException:  # interrupted while waiting: leave the queue, or pass the lock on
            with self._mutex:
                if self._owner != me:
                    self._waiters.remove((me, gate))
                    raise
            self.release()
            raise

    def release(self) -> None:
        with self._mutex:
            if self._owner != threading.get_ident():
                raise RuntimeError("cannot release a lock this thread does not hold")
            self._depth -= 1
            if self._depth:
                return
            if self._waiters:
                self._owner, gate = self._waiters.popleft()
                self._depth = 1
                gate.release()
            else:
                self._owner = None

    def __enter__(self) -> FairRLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class StoreLock:
    """Mutual exclusion for one store folder, across threads and across processes.

    Re-entrant within a thread (a locked read-modify-write calls `save`, which locks again).
    The flock is taken once, when the outermost holder enters; the thread lock makes the depth
    counter safe. When the folder is read-only and the lock file cannot be created, the lock
    degrades to threads only: nothing can be written there anyway, and reading must still work.
    """

    def __init__(self, lock_path: Path) -> None:
        self.lock_path = lock_path
        self._rlock = FairRLock()
        self._depth = 0
        self._fd: int | None = None

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        with self._rlock:
            if self._depth == 0:
                self._fd = self._acquire_file_lock()
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0 and self._fd is not None:
                    fd, self._fd = self._fd, None
                    with contextlib.suppress(OSError):
                        fcntl.flock(fd, fcntl.LOCK_UN)
                    os.close(fd)

    def _acquire_file_lock(self) -> int | None:
        """The locked lock file, or None when the folder cannot be written.

        The file locked must be the one at the path when the lock is granted: a lock file
        deleted or replaced meanwhile would let two processes each hold a lock on a different
        file. So it is checked, and on a mismatch taken again."""
        flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        while True:
            try:
                fd = os.open(self.lock_path, flags, PRIVATE_MODE)
            except OSError as exc:
                if exc.errno == errno.ELOOP and self._remove_planted_link():
                    continue
                if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOENT,
                                 errno.ELOOP):
                    return None
                raise
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                held = os.fstat(fd)
                try:
                    now = os.lstat(self.lock_path)
                except FileNotFoundError:
                    now = None
            except BaseException:
                os.close(fd)
                raise
            if now is not None and (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino):
                return fd
            os.close(fd)

    def _remove_planted_link(self) -> bool:
        """A symlink where the lock file belongs is never followed (it could point anywhere,
        and two processes following different links would not exclude each other): it is
        removed, which leaves its target alone. False when it cannot be (a read-only folder)."""
        try:
            os.unlink(self.lock_path)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return True
