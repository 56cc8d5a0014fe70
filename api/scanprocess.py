"""The helper process of a two-core scan (`api.scanpool`), seen from the parent: how it starts,
what is said to it, what it sends back, and how it is given up on.

It starts one of two ways. A process with no other thread forks: the copy has every module
and the job already and reads its first file within a millisecond. A process with threads (the
app: Textual's and its workers') must not fork, since another thread may hold a lock the copy
would wait on forever; it spawns a fresh Python (`subprocess`, not `multiprocessing`, whose
spawn re-imports the caller's `__main__`), which starts reading ~80 ms later. Either way the
child runs `api.scanchild.work` and talks over two pipes.

Nothing the child does can cost a row: it is never waited on for long (writes to it never
block, and its last chunk has a deadline), and anything that does not fit the protocol ends in
`give_up`, after which what it took and did not send is read by the parent.
"""

from __future__ import annotations

import contextlib
import fcntl
import marshal
import os
import select
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from api import scanchild
from api.rowmemory import make_row, row_shape
from api.scan import Scanned
from api.scanchild import CLAIM, LENGTH

#: How long the last chunk the child took may keep us waiting before we read it ourselves.
LAST_CHUNK_SECONDS = 10.0
#: How long a spawned child may take to read its job before it is given up on.
START_SECONDS = 10.0

_ROOT = str(Path(__file__).resolve().parent.parent)  # the folder that holds the `api` package
# -I -S: no user site, no PYTHON* variables, no site hooks; sys.path is the parent's, sent first.
# It imports `api.scanchild` alone: half the start-up time of the parent's side's imports.
_CHILD = (
    "import marshal, os, sys\n"
    "def read(n):\n"
    "    data = b''\n"
    "    while len(data) < n:\n"
    "        data += os.read(0, n - len(data)) or sys.exit(1)\n"
    "    return data\n"
    "sys.path[:] = marshal.loads(read(int.from_bytes(read(8), 'little')))\n"
    "from api.scanchild import serve\n"
    "serve()\n"
)


class ChildFailed(Exception):
    """The child said something that does not fit the protocol."""


class Split:
    """Who reads which of `n` files (the same list on both sides): this process [0, done); the
    child [covered, n), read and sent, and [announced, covered), taken and being read."""

    def __init__(self, n: int, chunk: int) -> None:
        self.chunk = chunk
        self.done = 0
        self.announced = n
        self.covered = n

    def take(self) -> int | None:
        """The end of this process's next chunk (which starts at `done`), or None when the rest
        is the child's."""
        stop = min(self.done + self.chunk, self.announced)
        return stop if stop > self.done else None

    def announce(self, low: int) -> None:
        """The child takes [low, covered)."""
        if type(low) is not int or not 0 <= low < self.covered or self.announced != self.covered:
            raise ChildFailed(f"a claim out of turn: {low!r}")
        self.announced = low

    def complete(self) -> None:
        """The child sent what it announced."""
        if self.announced == self.covered:
            raise ChildFailed("rows nobody claimed")
        self.covered = self.announced

    def give_up_child(self) -> None:
        """What the child took and did not send is ours again."""
        self.announced = self.covered

    def rest(self) -> range:
        """What neither side has read once both have stopped: the child's unsent chunk."""
        return range(self.done, max(self.done, self.covered))


class _Process(Protocol):
    """What the parent needs of the child's process: `subprocess.Popen` has it, `_Forked` too."""

    def poll(self) -> int | None: ...
    def kill(self) -> None: ...
    def wait(self) -> int: ...


class Child:
    """The other process: claims go down one pipe, frames come up the other; every failure ends
    in `give_up`, after which it is as if it had never been."""

    def __init__(self, sids: list[str], chunk: int, to_child: int, from_child: int) -> None:
        self.sids = sids
        self.chunk = chunk
        self.rows: dict[str, Scanned] = {}
        self.alive = True
        self.process: _Process | None = None
        self._to: int | None = to_child
        self._from: int | None = from_child
        self._buffer = bytearray()
        self._shapes: list[tuple[tuple[str, ...], Callable[..., Any] | None]] = []

    @classmethod
    def start(cls, directory: str, sids: list[str], encode: bool, chunk: int) -> Child | None:
        """A child reading `sids` from the back, or None when none could be started."""
        claims_in, claims_out = os.pipe()
        frames_in, frames_out = os.pipe()
        child = cls(sids, chunk, claims_out, frames_in)
        theirs = (claims_in, frames_out)
        try:
            if _can_fork():
                child.process = _fork(child, (directory, sids, encode, chunk), theirs)
            else:
                child.process = _spawn(theirs)
        finally:
            for fd in theirs:
                os.close(fd)
        if child.process is None:
            child.stop()
            return None
        for fd in (claims_out, frames_in):  # fewer, longer writes (Linux; else 64 KB)
            with contextlib.suppress(AttributeError, OSError):
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
            # Neither side ever waits on the other for long: a child that stops reading or
            # writing is given up on, not waited for.
            os.set_blocking(fd, False)
        if isinstance(child.process, subprocess.Popen):
            path = marshal.dumps([_ROOT, *sys.path])
            job = marshal.dumps((directory, sids, encode, chunk))
            if not child._write(len(path).to_bytes(CLAIM, "little") + path
                                + len(job).to_bytes(CLAIM, "little") + job, START_SECONDS):
                child.stop()  # it died at once, or does not read
                return None
        return child

    def claim(self, stop: int) -> None:
        """Tell the child that this process reads every file before `stop`. A claim that
        does not fit in the pipe now is left out: the next one says more."""
        if self.alive:
            self._write(stop.to_bytes(CLAIM, "little"), 0)

    def poll(self, split: Split, wait: float = 0.0) -> bool:
        """Take in every frame the child has sent (waiting up to `wait` seconds for one).
        False once it has nothing more to say."""
        if self._from is None:
            return False
        try:
            if wait and not _ready(self._from, select.POLLIN, wait):
                return True
            data = os.read(self._from, 1 << 22)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if not data:  # it has ended: what it took and did not send is ours
            self._close_from()
            split.give_up_child()
            return False
        self._buffer += data
        try:
            self._frames(split)
        except (ChildFailed, EOFError, ValueError, TypeError, IndexError, KeyError):
            self.give_up(split)
            return False
        return True

    def finish(self, split: Split) -> None:
        """This process has stopped: let the child end, and wait for the chunk it took."""
        self.claim(split.done)
        self._close_to()
        deadline = time.monotonic() + LAST_CHUNK_SECONDS
        while split.announced < split.covered and split.covered > split.done:
            left = deadline - time.monotonic()
            if left <= 0:  # its last chunk takes too long: read it here
                self.give_up(split)
                break
            if not self.poll(split, wait=left):
                break
        split.give_up_child()  # whatever it has not sent by now is read here

    def give_up(self, split: Split) -> None:
        """The child's trouble costs time, never a row: what it has not sent is read here."""
        self.stop()
        split.give_up_child()

    def stop(self) -> None:
        self.alive = False
        self._close_to()
        self._close_from()
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()

    def _frames(self, split: Split) -> None:
        buffer = self._buffer
        while len(buffer) >= LENGTH:
            size = int.from_bytes(buffer[:LENGTH], "little")
            if len(buffer) < LENGTH + size:
                return
            message = marshal.loads(buffer[LENGTH:LENGTH + size])  # a copy: no view held
            del buffer[:LENGTH + size]
            if type(message) is int:
                split.announce(message)
            else:
                self._rows(split, message)

    def _rows(self, split: Split, message: Any) -> None:
        """A chunk's rows: [(sid, sig, shape, values, blob)], shape -1 for a file that is no
        session; a shape is the index of its keys in the order they were first sent. Each is
        made by its shape's row class, found once (`rowmemory.row_shape`): the parent pays
        for every row the child sends, so this is kept to a few microseconds."""
        shapes, sent = message
        for keys in shapes:
            keys = tuple(keys)
            self._shapes.append((keys, row_shape(keys)))
        known = self._shapes
        allowed = set(self.sids[split.announced:split.covered])
        new = tuple.__new__  # `Scanned(...)` without a NamedTuple's Python-level `__new__`
        rows: dict[str, Scanned] = {}
        for sid, sig, shape, values, blob in sent:
            if sid not in allowed:
                raise ChildFailed(f"a row nobody asked for: {sid!r}")
            if shape < 0:
                rows[sid] = Scanned(sig, None)
                continue
            keys, maker = known[shape]
            # Values that do not fit the keys: a TypeError or ValueError, as any nonsense.
            row = maker(*values).__dict__ if maker is not None else make_row(keys, values)
            rows[sid] = new(Scanned, (sig, row, blob))
        split.complete()  # only once the whole chunk is known good
        self.rows.update(rows)

    def _write(self, data: bytes, seconds: float) -> bool:
        """Write all of `data` to the child unless it stops reading it for `seconds`."""
        if self._to is None:
            return False
        view = memoryview(data)
        deadline = time.monotonic() + seconds
        while view:
            try:
                view = view[os.write(self._to, view):]
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0 or not _ready(self._to, select.POLLOUT, left):
                    return False
            except OSError:
                self.alive = False  # it has gone: its frames so far still count
                return False
        return True

    def _close_to(self) -> None:
        if self._to is not None:
            os.close(self._to)
            self._to = None

    def _close_from(self) -> None:
        if self._from is not None:
            os.close(self._from)
            self._from = None


def _can_fork() -> bool:
    """Is a fork safe here? Only in a process with no other Python thread (see the module)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def _fork(child: Child, job: tuple[str, list[str], bool, int],
          theirs: tuple[int, int]) -> _Forked | None:
    try:
        pid = os.fork()
    except OSError:
        return None
    if pid == 0:  # the copy: it never returns into the caller's code, whatever happens
        code = 1
        try:
            for fd in (child._to, child._from):
                if fd is not None:
                    os.close(fd)
            scanchild.work(*job, *theirs)
            code = 0
        finally:
            os._exit(code)
    return _Forked(pid)


def _spawn(theirs: tuple[int, int]) -> subprocess.Popen[bytes] | None:
    if not sys.executable:
        return None
    try:
        return subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _CHILD],
            stdin=theirs[0], stdout=theirs[1], stderr=subprocess.DEVNULL, close_fds=True,
        )
    except OSError:
        return None


class _Forked:
    """A forked child, as much of `subprocess.Popen` as `Child` uses."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self._reap(os.WNOHANG)
        return self.returncode

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)

    def wait(self) -> int:
        while self.returncode is None:
            self._reap(0)
        return self.returncode

    def _reap(self, flags: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, flags)
        except ChildProcessError:  # reaped by someone else (a SIGCHLD handler)
            self.returncode = -1
            return
        if pid:
            self.returncode = os.waitstatus_to_exitcode(status)


def _ready(fd: int, event: int, seconds: float) -> bool:
    """Is `fd` ready for `event` within `seconds`? (`poll`, not `select`: any fd number.)"""
    poller = select.poll()
    poller.register(fd, event)
    return bool(poller.poll(max(0, int(seconds * 1000))))
