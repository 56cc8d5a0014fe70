"""A folder's session files read on two cores: this process from the front of the list, a child
process from the back, until they meet.

A full rebuild reads every session file, and at 100,000 files that is seconds of one core,
nearly all of it per-file Python work (open, read, parse, make the row) that threads cannot
share: the GIL lets one of them run at a time, and two threads were slower than one. So a big
scan starts a second Python (`subprocess`, not `multiprocessing`: its fork would copy a
process whose other threads may hold locks, and its spawn re-imports the caller's `__main__`)
that reads with the very same `scan.scan_rows` (`serve`).

Neither side's share is fixed in advance. The child starts ~100 ms late, and on a shared machine
either process may run slower than the other at any moment; so each takes `CHUNK` files at a
time from its own end of the list and says so before reading them, and they stop where they
meet (`Split`). Claims that cross in the pipes cost at most one chunk read twice.

Rows come back in `marshal`'s format, a chunk at a time: the standard library's fastest, it
carries exactly the types a row holds (big ints, floats, lone surrogates) and runs no code when
read, unlike pickle. Each row travels as its keys' index and a tuple of values (marshal reads
tuples four times as fast as dicts), and, for a rebuild, with its index bytes encoded by the
child too.

Anything that goes wrong with the child (no interpreter, a crash, a stall, output that does not
parse) costs only time: what it has not delivered is read here, so the result never depends on it.
"""

from __future__ import annotations

import contextlib
import fcntl
import marshal
import os
import select
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from api.rowmemory import make_row, quiet_gc, row_shape
from api.scan import Scanned, scan_rows
from api.scanchild import CLAIM, LENGTH

#: Below this many files a child's start (~100 ms here) costs more than it saves.
PARALLEL_MIN = 4000
#: Files either process takes at a time: the most that both may read when claims cross, and
#: how often each looks at what the other has claimed (one system call a chunk).
CHUNK = 64
#: How long the last chunk the child took may keep us waiting before we read it ourselves.
LAST_CHUNK_SECONDS = 10.0
#: How long a child may take to read its job before it is given up on.
START_SECONDS = 10.0

_ROOT = str(Path(__file__).resolve().parent.parent)  # the folder that holds the `api` package
# -I -S: no user site, no PYTHON* variables, no site hooks; sys.path is the parent's, sent first.
# It imports `api.scanchild` alone: half the start-up time of this module's imports.
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
    """The child said something that does not fit the protocol, or stopped mid-way."""


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


def scan_folder(directory: str, sids: Iterable[str], *, encode: bool = False) -> dict[str, Scanned]:
    """`scan.scan_rows(directory, sids)`, on two cores when there are many files.

    `encode`: rows the child reads come with their index bytes (`Scanned.blob`), for a rebuild
    that writes them; a reader that only wants rows leaves them out (they would be held)."""
    sids = list(sids)
    with quiet_gc():
        if len(sids) < PARALLEL_MIN or _cores() < 2:
            return scan_rows(directory, sids, encode)
        child = Child.start(directory, sids, encode)
        if child is None:
            return scan_rows(directory, sids, encode)
        try:
            return _shared(directory, sids, child, encode)
        finally:
            child.stop()


def _shared(directory: str, sids: list[str], child: Child, encode: bool) -> dict[str, Scanned]:
    split = Split(len(sids), child.chunk)
    found: dict[str, Scanned] = {}
    while True:
        child.poll(split)
        stop = split.take()
        if stop is None:
            break
        child.claim(stop)
        found.update(scan_rows(directory, sids[split.done:stop], encode))
        split.done = stop
    child.finish(split)
    rest = split.rest()
    found.update(scan_rows(directory, sids[rest.start:rest.stop], encode))
    theirs = child.rows
    theirs.update(found)  # a chunk both read (claims crossed): ours, the later read
    return theirs


def _ready(fd: int, event: int, seconds: float) -> bool:
    """Is `fd` ready for `event` within `seconds`? (`poll`, not `select`: any fd number.)"""
    poller = select.poll()
    poller.register(fd, event)
    return bool(poller.poll(max(0, int(seconds * 1000))))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Child:
    """The other Python, seen from this one: claims go to its stdin, frames come from its
    stdout; every failure ends in `give_up`, after which it is as if it had never been."""

    def __init__(self, process: subprocess.Popen[bytes], sids: list[str], chunk: int) -> None:
        self.process = process
        self.sids = sids
        self.chunk = chunk
        self.rows: dict[str, Scanned] = {}
        self.alive = True
        self._buffer = bytearray()
        self._shapes: list[tuple[tuple[str, ...], Callable[..., Any] | None]] = []
        assert process.stdin is not None and process.stdout is not None
        self._to = process.stdin.fileno()
        self._from = process.stdout.fileno()

    @classmethod
    def start(cls, directory: str, sids: list[str], encode: bool) -> Child | None:
        if not sys.executable:
            return None
        try:
            process = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _CHILD],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                close_fds=True, bufsize=0,
            )
        except OSError:
            return None
        child = cls(process, sids, CHUNK)
        for fd in (child._to, child._from):  # fewer, longer writes (Linux; else 64 KB)
            with contextlib.suppress(AttributeError, OSError):
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, 1 << 20)
        # Neither side ever waits on the other for long: a child that stops reading or
        # writing is given up on, not waited for.
        os.set_blocking(child._from, False)
        os.set_blocking(child._to, False)
        path = marshal.dumps([_ROOT, *sys.path])
        job = marshal.dumps((directory, sids, encode, child.chunk))
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
        if self.process.stdout is None or self.process.stdout.closed:
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
            self._close_output()
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
        self._close_input()
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
        self._close_input()
        self._close_output()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()

    def _frames(self, split: Split) -> None:
        buffer = self._buffer
        while len(buffer) >= LENGTH:
            size = int.from_bytes(buffer[:LENGTH], "little")
            if len(buffer) < LENGTH + size:
                return
            message = marshal.loads(memoryview(buffer)[LENGTH:LENGTH + size])
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

    def _close_input(self) -> None:
        stdin = self.process.stdin
        if stdin is not None and not stdin.closed:
            with contextlib.suppress(OSError):
                stdin.close()

    def _close_output(self) -> None:
        stdout = self.process.stdout
        if stdout is not None and not stdout.closed:
            stdout.close()
