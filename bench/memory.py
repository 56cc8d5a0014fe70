"""The app's resident memory with a big store open (prints; asserts nothing).

For each size it builds the same synthetic store as bench/tui.py (small sessions, the index in
Hermes WebUI's 2-space layout), starts the real app (`python -m tui STORE`) in a pty, waits until
the status line shows every session loaded and the app has gone quiet, then reads the app
process's peak resident set (VmHWM) and current one (VmRSS) from /proc. Then it renames the
newest session the way a user does (`r`, two letters, Enter), waits for the new title on screen
and for the app to go quiet, and reads them again: the first save keeps every row's JSON for
the next one, so an app that has saved holds more than one that has only read. The app is then
asked to quit, and the store put back as it was for the next start. Reach (issue 13): 120 MB
peak with 100,000 sessions open.

Run: python bench/memory.py [N ...]   (default: 10000 100000)
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
import tempfile
import time
from pathlib import Path

from pty_terminal import Terminal

ROOT = Path(__file__).resolve().parent.parent


def _build_store() -> object:
    """bench/tui.py's store builder (loaded by path: `import tui` would find the package)."""
    spec = importlib.util.spec_from_file_location("bench_tui", Path(__file__).with_name("tui.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_store


def memory_kb(pid: int) -> dict[str, int]:
    """VmHWM (peak) and VmRSS (now) of a process, in kB."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            found[key] = int(value.split()[0])
    return found


def measure(store: Path, cache: Path, n: int) -> tuple[dict[str, int], dict[str, int]]:
    """(memory once loaded, memory after one rename) of one start of the app."""
    term = Terminal([sys.executable, "-m", "tui", store], cwd=ROOT,
                    env={"XDG_CACHE_HOME": str(cache)})
    try:
        term.wait_for(f"{n:,} sessions ·".encode(), timeout=120)
        term.quiet(1.0, at_most=10.0)
        loaded = memory_kb(term.proc.pid)
        term.key(b"r")  # rename the newest session (the cursor starts on it)
        term.quiet(0.3, at_most=2.0)
        for letter in b"zq":
            term.key(bytes([letter]))
        mark = len(term.out)
        term.key(b"\r")
        term.wait_for(b"zq", mark, timeout=120)
        term.quiet(1.0, at_most=10.0)
        return loaded, memory_kb(term.proc.pid)
    finally:
        term.close()


def _kept(store: Path) -> dict[Path, bytes]:
    """What a rename changes (the index and the newest session's file), to put back after."""
    newest = store / f"{0:012x}.json"  # bench/tui.py's builder names session i by i in hex
    return {path: path.read_bytes() for path in (store / "_index.json", newest)}


def _put_back(kept: dict[Path, bytes]) -> None:
    for path, data in kept.items():
        path.write_bytes(data)


def main(sizes: list[int]) -> None:
    build_store = _build_store()
    print(f"session-browser memory bench: Python {sys.version.split()[0]}")
    for n in sizes:
        tmp = Path(tempfile.mkdtemp(prefix="sb-mem-bench-"))
        try:
            t0 = time.perf_counter()
            build_store(tmp / "sessions", n)  # type: ignore[operator]
            built = time.perf_counter() - t0
            kept = _kept(tmp / "sessions")
            runs = []
            for _ in range(2):
                runs.append(measure(tmp / "sessions", tmp / "cache", n))
                _put_back(kept)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        for label, k in (("open", 0), ("after one rename", 1)):
            peak = min(r[k]["VmHWM"] for r in runs) / 1024
            now = min(r[k]["VmRSS"] for r in runs) / 1024
            print(f"{n:>9,} sessions, {label:16}: peak RSS {peak:6.1f} MB, RSS {now:6.1f} MB"
                  f"   (best of 2 starts; store built in {built:.1f} s)")
    print("reach: peak <= 120 MB at 100,000 sessions")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000])
