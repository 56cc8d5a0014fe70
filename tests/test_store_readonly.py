"""Reading never writes the store, a corrupt index of any size is read in bounded memory, and a
save that cannot write the index changes nothing (issue 12, items 6 and 7)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.store import SessionStore

ROOT = Path(__file__).resolve().parent.parent


def _store(folder: Path, n: int = 3) -> SessionStore:
    folder.mkdir(parents=True, exist_ok=True)
    store = SessionStore(folder)
    for i in range(n):
        store.save(store.new_session(session_id=f"s{i}", title=f"T{i}", messages=[]))
    return store


def _entries(folder: Path) -> dict[str, tuple[int, int]]:
    return {e.name: (e.stat(follow_symlinks=False).st_ino,
                     e.stat(follow_symlinks=False).st_mtime_ns)
            for e in os.scandir(folder) if e.name != "_index.lock"}


@pytest.mark.parametrize("garbage", [b"THIS IS NOT JSON {{{", b"", b"[{]", b'{"a": 1}'])
def test_reading_a_store_with_a_corrupt_index_writes_nothing(tmp_path: Path,
                                                              garbage: bytes) -> None:
    store = _store(tmp_path / "sessions")
    store.index_path.write_bytes(garbage)
    before = _entries(store.directory)
    assert sorted(r["title"] for r in store.list_rows()) == ["T0", "T1", "T2"]
    assert sorted(r["title"] for r in SessionStore(store.directory).list_rows()) == [
        "T0", "T1", "T2"]
    assert store.preview_rows() is None
    assert _entries(store.directory) == before
    assert store.index_path.read_bytes() == garbage
    store.rename("s1", "saved")  # a save repairs the index
    rows = json.loads(store.index_path.read_bytes())
    assert sorted(r["title"] for r in rows) == ["T0", "T2", "saved"]


def test_list_command_leaves_a_corrupt_index_as_it_is(tmp_path: Path) -> None:
    store = _store(tmp_path / "sessions")
    store.index_path.write_bytes(b"\x00garbage" * 1000)
    before = _entries(store.directory)
    done = subprocess.run([sys.executable, "-m", "tui", "list", str(store.directory)],
                          capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "T1" in done.stdout
    assert _entries(store.directory) == before


# The peak is this process's VmHWM (ru_maxrss would count the forked parent's before exec).
_HUGE_INDEX = """
import sys
sys.path.insert(0, sys.argv[2])
from api.store import SessionStore
store = SessionStore(sys.argv[1])
rows = store.list_rows()
preview = store.preview_rows()
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(len(rows), preview, peak)
"""


def test_a_huge_corrupt_index_is_not_read_whole(tmp_path: Path) -> None:
    """A 200 MB index beside three small sessions could not have come from them: it is judged
    corrupt without being read (the reader's peak memory stays far below its size)."""
    store = _store(tmp_path / "sessions")
    with open(store.index_path, "wb") as f:
        f.truncate(200 << 20)  # sparse: costs no disk
        f.seek(0)
        f.write(b"[" + b"x" * 1000)
    done = subprocess.run([sys.executable, "-c", _HUGE_INDEX, str(store.directory), str(ROOT)],
                          capture_output=True, text=True, timeout=120, check=True)
    count, preview, peak_kb = done.stdout.split()
    assert (count, preview) == ("3", "None")
    assert int(peak_kb) < 120 << 10, f"peak {int(peak_kb) >> 10} MB for a 200 MB index"
    assert os.path.getsize(store.index_path) == 200 << 20  # and it was left alone


def test_a_pin_with_a_directory_for_an_index_fails_and_changes_nothing(tmp_path: Path) -> None:
    store = _store(tmp_path / "sessions")
    store.index_path.unlink()
    store.index_path.mkdir()
    before = {p.name: p.read_bytes() for p in store.directory.iterdir() if p.is_file()
              and p.name != "_index.lock"}
    with pytest.raises(OSError):
        store.set_pinned("s1", True)
    after = {p.name: p.read_bytes() for p in store.directory.iterdir() if p.is_file()
             and p.name != "_index.lock"}
    assert after == before  # no `_saving.` mark, no temp file, the session as it was
    assert not any(n.startswith("_saving.") or ".tmp." in n
                   for n in os.listdir(store.directory))
    assert store.index_path.is_dir()
