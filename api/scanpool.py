"""A folder's session files read on two cores: half in this process, half in a child.

A full rebuild reads every session file, and at 100,000 files that is seconds of one core,
nearly all of it per-file Python work (open, read, parse, make the row) that threads cannot
share: the GIL lets one of them run at a time, and two threads were slower than one. So a big
scan starts a second Python (`subprocess`, not `multiprocessing`: its fork would copy a
process whose other threads may hold locks, and its spawn re-imports the caller's `__main__`)
that reads its half with the very same `scan.scan_rows` and sends the rows back in `marshal`'s
format: the standard library's fastest, it carries exactly the types a row holds (big ints,
floats, lone surrogates), and it runs no code when read, unlike pickle. What is left of the
gain is what this process pays for each row sent (reading it back, making it compact), a fifth
of what reading its file costs.

Anything that goes wrong with the child (no interpreter, a crash, a timeout, output that
does not parse) costs only time: its half is then read here, so the result never depends on it.
"""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from api.rowmemory import make_row, quiet_gc
from api.scan import FileSig, Scanned, scan_rows

#: Below this many files a child's start (~80 ms here) costs more than half the scan saves.
PARALLEL_MIN = 4000
#: The child's share: less than half, as it starts later.
CHILD_SHARE = 0.45
#: A child that takes longer than this per file, plus a minute, is given up on.
CHILD_SECONDS_PER_FILE = 0.005

_ROOT = str(Path(__file__).resolve().parent.parent)  # the folder that holds the `api` package
# -I -S: no user site, no PYTHON* variables, no site hooks; sys.path is the parent's.
_CHILD = (
    "import gc, marshal, sys\n"
    "gc.disable()\n"
    "path, directory, sids = marshal.loads(sys.stdin.buffer.read())\n"
    "sys.path[:] = path\n"
    "from api.scan import scan_rows\n"
    "shapes = {}\n"
    "sent = [(sid, sig, -1, None) if row is None else\n"
    "        (sid, sig, shapes.setdefault(tuple(row), len(shapes)), tuple(row.values()))\n"
    "        for sid, (sig, row) in scan_rows(directory, sids).items()]\n"
    "sys.stdout.buffer.write(marshal.dumps((list(shapes), sent)))\n"
)


def scan_folder(directory: str, sids: Iterable[str]) -> dict[str, Scanned]:
    """`scan.scan_rows(directory, sids)`, on two cores when there are many files."""
    sids = list(sids)
    with quiet_gc():
        if len(sids) < PARALLEL_MIN or _cores() < 2:
            return scan_rows(directory, sids)
        cut = int(len(sids) * CHILD_SHARE)
        theirs, ours = sids[:cut], sids[cut:]
        child = _start(directory, theirs)
        try:
            found = scan_rows(directory, ours)
        except BaseException:  # KeyboardInterrupt too: no child left behind
            if child is not None:
                _stop(child)
            raise
        sent = None if child is None else _collect(child, len(theirs))
        found.update(scan_rows(directory, theirs) if sent is None else sent)
        return found


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _start(directory: str, sids: list[str]) -> subprocess.Popen[bytes] | None:
    if not sys.executable:
        return None
    try:
        child = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _CHILD],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            close_fds=True,
        )
    except OSError:
        return None
    stdin, child.stdin = child.stdin, None  # written and closed here: `communicate` must not
    assert stdin is not None
    try:
        with stdin:
            stdin.write(marshal.dumps(([_ROOT, *sys.path], directory, sids)))
    except OSError:  # it died at once: nothing to wait for
        _stop(child)
        return None
    return child


def _collect(child: subprocess.Popen[bytes], files: int) -> dict[str, Scanned] | None:
    """The child's rows, made as compact as ours; None if it did not deliver them."""
    try:
        out, _ = child.communicate(timeout=60 + files * CHILD_SECONDS_PER_FILE)
        if child.returncode != 0:
            return None
        shapes: list[tuple[str, ...]]
        sent: list[tuple[str, FileSig, int, tuple[object, ...] | None]]
        shapes, sent = marshal.loads(out)
        # Each row as its keys' index and its values: marshal reads tuples four times as fast
        # as dicts, and the row is made compact here anyway (`make_row`).
        return {sid: Scanned(sig, None if values is None else make_row(shapes[shape], values))
                for sid, sig, shape, values in sent}
    except (subprocess.TimeoutExpired, OSError, EOFError, ValueError, TypeError, IndexError):
        _stop(child)
        return None


def _stop(child: subprocess.Popen[bytes]) -> None:
    child.kill()
    child.wait()
