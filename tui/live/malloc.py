"""Keeping the C allocator from holding on to the big buffers a load frees.

Reading 100,000 rows allocates large blocks and frees them again: the index read in 4 MB
pieces, lists of every row growing, a filter's tuple per keystroke. glibc serves a block of
128 KB or more with its own mapping and unmaps it when freed, but after the first such block is
freed it raises that threshold to the block's size (up to 32 MB), so later ones come from the
thread's heap instead, where what is freed stays resident behind what is still in use. The
loader runs in worker threads, each with a heap of its own: at 100,000 sessions that held
8-10 MB of freed memory for as long as the app ran (`bench/memory.py`). Fixing the threshold at
glibc's own starting value keeps every large block in a mapping of its own, given back when
freed. Elsewhere (not glibc) this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

#: mallopt(3) parameter number, and the value: glibc's default before it starts adjusting.
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024

_done = False


def fix_mmap_threshold() -> bool:
    """Stop glibc from raising its mmap threshold (once per process). True when it took."""
    global _done
    if _done:
        return True
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    _done = mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
    return _done
