"""The child's side of `api.scanpool`: a second process that reads session files from the back
of the list until the parent's claims reach it.

A forked child runs `work` straight away. A spawned one (a fresh Python) imports this module
alone, so that it loads only what reading takes (not `subprocess` and the parent's side): its
start-up is time the parent reads alone.

The wire format. A spawned child is first sent two frames, each `CLAIM` bytes of length then
`marshal` data: the parent's `sys.path`, then the job (folder, names, whether to encode, chunk
size); a forked one has them already. Then the parent sends claims, `CLAIM`-byte integers: "I
read every file before this one". The child sends frames of `LENGTH` bytes of length then
`marshal` data: an int announces the chunk it takes ([that, the last one it took)); a tuple
(new key shapes, rows) delivers it.
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
    """A spawned child (`scanpool._CHILD` runs this once its `sys.path` is set): the job comes
    on stdin, then the claims; the frames go to stdout."""
    directory, sids, encode, chunk = marshal.loads(_read_frame(0))
    work(directory, sids, encode, chunk, 0, 1)


def work(directory: str, sids: list[str], encode: bool, chunk: int, claims_fd: int,
         out_fd: int) -> None:
    """Chunks from the end of the list until the parent's claims (read from `claims_fd`)
    reach ours, each announced, then sent (to `out_fd`)."""
    os.set_blocking(claims_fd, False)
    shapes: dict[tuple[str, ...], int] = {}
    claims = _Claims(claims_fd)
    hi = len(sids)
    with quiet_gc():
        while True:
            low = max(claims.latest(), hi - chunk)
            if low >= hi or claims.ended:
                return
            _send(out_fd, low)
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
            _send(out_fd, (new, sent))
            hi = low


class _Claims:
    """The parent's claims as the child reads them: the latest, without waiting."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.value = 0
        self.ended = False
        self._partial = b""

    def latest(self) -> int:
        while not self.ended:
            try:
                data = os.read(self.fd, 1 << 16)
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


def _send(fd: int, message: Any) -> None:
    data = marshal.dumps(message)
    view = memoryview(len(data).to_bytes(LENGTH, "little") + data)
    while view:
        view = view[os.write(fd, view):]
