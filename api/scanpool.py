"""A folder's session files read on two cores: this process from the front of the list, a child
process from the back, until they meet.

A full rebuild reads every session file, and at 100,000 files that is seconds of one core,
nearly all of it per-file Python work (open, read, parse, make the row) that threads cannot
share: the GIL lets one of them run at a time, and two threads were slower than one. So a big
scan has a second process read with the very same `scan.scan_rows` (`api.scanprocess` starts
it and speaks to it, `api.scanchild` is its side).

Neither side's share is fixed in advance. A spawned child starts ~80 ms late, and on a shared
machine either process may run slower than the other at any moment; so each takes `CHUNK` files
at a time from its own end of the list and says so before reading them, and they stop where
they meet (`scanprocess.Split`). Claims that cross in the pipes cost at most one chunk read twice.

Rows come back in `marshal`'s format, a chunk at a time: the standard library's fastest, it
carries exactly the types a row holds (big ints, floats, lone surrogates) and runs no code when
read, unlike pickle. Each row travels as its keys' index and a tuple of values (marshal reads
tuples four times as fast as dicts), and, for a rebuild, with its index bytes encoded by the
child too.

Anything that goes wrong with the child (no interpreter, a crash, a stall, output that does not
parse) costs only time: what it has not delivered is read here, so the result never depends on it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from api.rowmemory import quiet_gc
from api.scan import Scanned, scan_rows
from api.scanprocess import Child, Split

#: Below this many files a child's start (~80 ms spawned, ~1 ms forked) costs more than it saves.
PARALLEL_MIN = 4000
#: Files either process takes at a time: the most that both may read when claims cross, and
#: how often each looks at what the other has claimed (one system call a chunk).
CHUNK = 64


def scan_folder(directory: str, sids: Iterable[str], *, encode: bool = False) -> dict[str, Scanned]:
    """`scan.scan_rows(directory, sids)`, on two cores when there are many files.

    `encode`: rows the child reads come with their index bytes (`Scanned.blob`), for a rebuild
    that writes them; a reader that only wants rows leaves them out (they would be held)."""
    sids = list(sids)
    with quiet_gc():
        if len(sids) < PARALLEL_MIN or _cores() < 2:
            return scan_rows(directory, sids, encode)
        child = Child.start(directory, sids, encode, CHUNK)
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


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
