"""The child's side of `api.scanpool`: a second Python that reads session files from the back
of the list until the parent's claims reach it.

A module of its own so that the child imports only what reading takes (not `subprocess` and the
parent's side): its start-up time is time the parent reads alone.

The wire format, both ways a frame at a time: the parent sends two frames (its `sys.path`, then
the job: folder, names, whether to encode, chunk size), each `CLAIM` bytes of length then
`marshal` data, then claims: `CLAIM`-byte integers, "I read every file before this one". The
child sends frames of `LENGTH` bytes of length then `marshal` data: an int announces the chunk
it takes ([that, the last one it took)); a tuple (new key shapes, rows) delivers it.
"""

from __future__ import annotations

import marshal
import os
from typing import Any

from api.rowmemory import quiet_gc
from api.scan import FileSig, scan_rows

LENGTH = 4  # bytes of a frame's length, child to parent
CLAIM = 8  # bytes of a claim, and of a frame's length parent to child


def serve() -> None:
    """Read the job from stdin, then chunks from the end of the list until the parent's claims
    reach ours, each announced, then sent."""
    directory, sids, encode, chunk = marshal.loads(_read_frame(0))
    os.set_blocking(0, False)
    shapes: dict[tuple[str, ...], int] = {}
    claims = _Claims()
    hi = len(sids)
    with quiet_gc():
        while True:
            low = max(claims.latest(), hi - chunk)
            if low >= hi or claims.ended:
                return
            _send(low)
            new: list[tuple[str, ...]] = []
            sent: list[tuple[str, FileSig, int, tuple[Any, ...] | None, bytes | None]] = []
            for sid, (sig, row, blob) in scan_rows(directory, sids[low:hi], encode).items():
                if row is None:
                    sent.append((sid, sig, -1, None, None))
                    continue
                keys = tuple(row)
                shape = shapes.get(keys)
                if shape is None:
                    shape = shapes[keys] = len(shapes)
                    new.append(keys)
                sent.append((sid, sig, shape, tuple(row.values()), blob))
            _send((new, sent))
            hi = low


class _Claims:
    """The parent's claims as the child reads them: the latest, without waiting."""

    def __init__(self) -> None:
        self.value = 0
        self.ended = False
        self._partial = b""

    def latest(self) -> int:
        while not self.ended:
            try:
                data = os.read(0, 1 << 16)
            except BlockingIOError:
                break
            if not data:
                self.ended = True  # the parent has stopped: so do we, after this chunk
                break
            data = self._partial + data
            whole = len(data) - len(data) % CLAIM
            if whole:
                self.value = int.from_bytes(data[whole - CLAIM:whole], "little")
            self._partial = data[whole:]
        return self.value


def _read_frame(fd: int) -> bytes:
    return _read_exact(fd, int.from_bytes(_read_exact(fd, CLAIM), "little"))


def _read_exact(fd: int, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            raise EOFError("the parent went away")
        data += more
    return bytes(data)


def _send(message: Any) -> None:
    data = marshal.dumps(message)
    view = memoryview(len(data).to_bytes(LENGTH, "little") + data)
    while view:
        view = view[os.write(1, view):]
