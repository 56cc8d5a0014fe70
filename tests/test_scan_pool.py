"""A big folder read on two cores (`api.scanpool.scan_folder`): what the child reads comes back
exactly as this process reads it (`scan.scan_rows`), forked or spawned, its rows as compact in
memory as ours; a rebuild writes the same index either way; a process with threads never forks;
and a child that cannot run, stalls, dies or talks nonsense costs time, never a row."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api import scanchild, scanpool, scanprocess
from api.index import SessionIndex
from api.jsonio import row_bytes
from api.scan import Scanned, scan_rows


def varied_folder(folder: Path, title_pad: int = 0) -> list[str]:
    """Session files of every kind a scan meets, and some that are no session at all; the
    sessions' titles `title_pad` characters longer."""
    texts = {
        "bigint": b'{"session_id": "bigint", "title": 123456789012345678901234567890}',
        "surrogate": b'{"session_id": "surrogate", "title": "\\ud800", "updated_at": 3}',
        "nan": b'{"session_id": "nan", "updated_at": NaN, "messages": []}',
        "empty": b"",
        "list": b"[1, 2]",
        "other": b'{"session_id": "someone-else"}',
    }
    for i in range(40):
        rec = {"session_id": f"s{i:03}", "title": f"t\u00e9 {i}" + "x" * title_pad,
               "workspace": f"/w/{i % 3}", "model": "m",
               "updated_at": 1000.0 + i, "created_at": 900 + i,
               "pinned": i % 5 == 0, "message_count": i,
               "messages": [{"role": "user", "content": "x" * (i * 500), "timestamp": 950.0}],
               **({"input_tokens": i, "estimated_cost": 0.5} if i % 2 else {})}
        texts[rec["session_id"]] = orjson.dumps(rec, option=orjson.OPT_INDENT_2)
    for sid, data in texts.items():
        (folder / f"{sid}.json").write_bytes(data)
    (folder / "link.json").symlink_to(folder / "s001.json")
    (folder / "dir.json").mkdir()
    os.mkfifo(folder / "fifo.json")
    return [*texts, "link", "dir", "fifo", "gone"]


@pytest.fixture
def two_cores(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every scan goes parallel, on any machine, in chunks small enough for many turns."""
    monkeypatch.setattr(scanpool, "PARALLEL_MIN", 1)
    monkeypatch.setattr(scanpool, "_cores", lambda: 2)
    monkeypatch.setattr(scanpool, "CHUNK", 4)


@pytest.fixture(params=["forked", "spawned"])
def how(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The child forked (as in a process with no other thread) or spawned (as in the app)."""
    monkeypatch.setattr(scanprocess, "_can_fork", lambda: request.param == "forked")
    return str(request.param)


def test_the_child_reads_files_as_this_process_would(
    tmp_path: Path, two_cores: None, how: str,
) -> None:
    """A child left to read every file (this process claims none): its rows are ours, as
    compact in memory, and its index bytes are the ones this process would write."""
    sids = varied_folder(tmp_path)
    expected = scan_rows(str(tmp_path), sids)
    child = scanprocess.Child.start(str(tmp_path), sids, True, scanpool.CHUNK)
    assert child is not None
    assert isinstance(child.process, scanprocess._Forked) == (how == "forked")
    split = scanprocess.Split(len(sids), child.chunk)
    try:
        while split.covered > 0:
            assert child.poll(split, wait=60), "the child stopped before reading every file"
    finally:
        child.stop()
    assert {sid: (read.sig, read.row) for sid, read in child.rows.items()} == {
        sid: (read.sig, read.row) for sid, read in expected.items()}
    assert child.rows["bigint"].row is not None
    assert child.rows["bigint"].row["title"] == "123456789012345678901234567890"
    for sid, read in child.rows.items():
        if read.row is not None:
            assert sys.getsizeof(read.row) == sys.getsizeof(expected[sid].row), sid
            assert read.blob == row_bytes(expected[sid].row), sid  # None: orjson refuses it
    assert child.rows["surrogate"].blob is None and child.rows["s001"].blob is not None


#: Titles so long that a chunk of the child's rows (4, each title sent twice: as a value and in
#: the row's bytes) is more than a pipe holds (1 MB once enlarged, else 64 KB): the child then
#: waits for this process to read each chunk before it can send the next, so it cannot take
#: every file before this process takes its first, however the two are scheduled.
OVER_A_PIPE = 1 << 18


def test_both_processes_read_and_every_file_once(
    tmp_path: Path, two_cores: None, how: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    sids = varied_folder(tmp_path, title_pad=OVER_A_PIPE)
    expected = scan_rows(str(tmp_path), sids)
    read_here: list[str] = []

    def spy(directory: str, some: list[str], encode: bool) -> dict[str, Scanned]:
        read_here.extend(some)
        return scan_rows(directory, some, encode)

    monkeypatch.setattr(scanpool, "scan_rows", spy)
    real_poll = scanprocess.Child.poll

    def patient_poll(self: scanprocess.Child, split: scanprocess.Split, wait: float = 0) -> bool:
        """This process waits for the child's next chunk before each of its own."""
        covered = split.covered
        while split.covered == covered and real_poll(self, split, wait=60):
            pass  # until the child has sent a chunk or ended
        return real_poll(self, split, wait)

    monkeypatch.setattr(scanprocess.Child, "poll", patient_poll)
    found = scanpool.scan_folder(str(tmp_path), sids)
    assert found == expected
    assert 0 < len(read_here) < len(sids) - 4  # each read some, the child in chunks of 4
    assert len(read_here) == len(set(read_here))


CHILDREN = ["none", "missing", "fails", "babbles", "dies", "strays", "stalls", "deaf"]


@pytest.mark.parametrize("child", CHILDREN)
def test_a_spawned_child_that_cannot_help_changes_nothing_but_the_time(
    tmp_path: Path, two_cores: None, monkeypatch: pytest.MonkeyPatch, child: str,
) -> None:
    """No interpreter, none there, one that fails or talks nonsense, one that takes a chunk and
    dies, one that sends a row of a file it did not take, one that takes a chunk and never
    sends it, one that never reads the job it is sent: every file is read here instead."""
    store = tmp_path / "store"
    store.mkdir()
    sids = varied_folder(store)
    if child == "deaf":  # a job longer than a pipe holds (1 MB): writing it waits on the child
        sids += [f"missing-{i:05}-{'x' * 230}" for i in range(6000)]
    monkeypatch.setattr(scanprocess, "_can_fork", lambda: False)
    monkeypatch.setattr(scanprocess, "START_SECONDS", 0.2)
    monkeypatch.setattr(scanprocess, "LAST_CHUNK_SECONDS", 0.2)
    fakes = {"babbles": "#!/bin/sh\ncat >/dev/null\necho 'not marshal'\n",
             "dies": FAKE_CHILD + "send(len(sids) - 1)\n",
             "strays": FAKE_CHILD + "send(len(sids) - 1)\nsend(([], [('s000', (1, 2, 3), -1, "
                                    "None, None)]))\nos.read(0, 1)\n",
             "stalls": FAKE_CHILD + "send(len(sids) - 1)\nimport time\ntime.sleep(600)\n",
             "deaf": "#!/bin/sh\nsleep 600\n"}
    executable = {"none": "", "missing": str(tmp_path / "no-python"), "fails": "/bin/false"}
    if child in fakes:
        fake = tmp_path / child
        fake.write_text(fakes[child])
        fake.chmod(0o755)
        executable[child] = str(fake)
    expected = scan_rows(str(store), sids)
    monkeypatch.setattr(scanprocess.sys, "executable", executable[child])
    assert scanpool.scan_folder(str(store), sids) == expected


@pytest.mark.parametrize("trouble", ["crashes", "stalls"])
def test_a_forked_child_in_trouble_changes_nothing_but_the_time(
    tmp_path: Path, two_cores: None, monkeypatch: pytest.MonkeyPatch, trouble: str,
) -> None:
    """The fork inherits this process's `scanchild`: one whose reading raises once it has
    taken a chunk, or never ends: every file is read here instead."""
    sids = varied_folder(tmp_path)
    expected = scan_rows(str(tmp_path), sids)
    monkeypatch.setattr(scanprocess, "_can_fork", lambda: True)
    monkeypatch.setattr(scanprocess, "LAST_CHUNK_SECONDS", 0.2)

    def troubled(*args: object) -> dict[str, Scanned]:
        if trouble == "crashes":
            raise MemoryError("in the child")
        threading.Event().wait()  # forever: the parent's deadline ends it
        raise AssertionError("unreachable")

    monkeypatch.setattr(scanchild, "scan_rows", troubled)
    assert scanpool.scan_folder(str(tmp_path), sids) == expected


def test_a_process_with_threads_spawns_its_child(
    tmp_path: Path, two_cores: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A fork copies only the calling thread: any lock another thread holds stays held in the
    copy. So with a second thread running, the child is a fresh Python."""
    sids = varied_folder(tmp_path)
    started: list[str] = []
    real_fork, real_spawn = scanprocess._fork, scanprocess._spawn
    monkeypatch.setattr(scanprocess, "_fork",
                        lambda *a: started.append("forked") or real_fork(*a))
    monkeypatch.setattr(scanprocess, "_spawn",
                        lambda *a: started.append("spawned") or real_spawn(*a))
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        found = scanpool.scan_folder(str(tmp_path), sids)
    finally:
        release.set()
        other.join()
    assert started == ["spawned"] and found == scan_rows(str(tmp_path), sids)


def test_a_process_alone_forks_its_child(tmp_path: Path) -> None:
    """A command-line run (one thread): the child is a fork, which reads at once."""
    sids = varied_folder(tmp_path)
    script = (
        "import sys, json; sys.path.insert(0, sys.argv[1])\n"
        "from api import scan, scanpool, scanprocess\n"
        "scanpool.PARALLEL_MIN, scanpool.CHUNK = 1, 4\n"
        "scanpool._cores = lambda: 2\n"
        "started = []\n"
        "real = scanprocess._fork\n"
        "scanprocess._fork = lambda *a: started.append('forked') or real(*a)\n"
        "sids = json.loads(sys.argv[3])\n"
        "same = scanpool.scan_folder(sys.argv[2], sids) == scan.scan_rows(sys.argv[2], sids)\n"
        "print(started, same)\n"
    )
    root = str(Path(scanpool.__file__).resolve().parent.parent)
    out = subprocess.run([sys.executable, "-c", script, root, str(tmp_path), json.dumps(sids)],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.split() == ["['forked']", "True"]


#: A child that speaks the protocol (`scanchild.serve`) as far as its last lines go.
FAKE_CHILD = f"""#!{sys.executable}
import marshal, os
def read(n):
    data = b""
    while len(data) < n:
        data += os.read(0, n - len(data))
    return data
def frame():
    return read(int.from_bytes(read(8), "little"))
def send(message):
    data = marshal.dumps(message)
    os.write(1, len(data).to_bytes(4, "little") + data)
frame()
directory, sids, encode, chunk = marshal.loads(frame())
"""


@settings(max_examples=300, deadline=None)
@given(n=st.integers(0, 40), chunk=st.integers(1, 6), turns=st.lists(st.booleans()),
       dies_after=st.none() | st.integers(0, 40))
def test_the_split_reads_every_file_and_at_most_a_chunk_twice(
    n: int, chunk: int, turns: list[bool], dies_after: int | None,
) -> None:
    """`_shared`'s loop and `serve`'s, each a step at a time in any interleaving (what one
    decides, the other may not have seen yet), the child dying at any step: every file is
    read, and no more than one chunk twice."""
    split = scanprocess.Split(n, chunk)
    reads: list[int] = []
    claims: list[int] = []  # what the child's stdin holds
    mailbox: list[int | None] = []  # what ours holds: an announced low, or None: its rows
    parent = {"step": "take", "stop": 0}
    child = {"step": "decide", "hi": n, "low": 0, "steps": 0}

    def poll() -> None:
        while mailbox:
            message = mailbox.pop(0)
            if message is None:
                split.complete()
            else:
                split.announce(message)

    def parent_step() -> bool:
        """False once it has stopped."""
        if parent["step"] == "take":
            poll()
            stop = split.take()
            if stop is None:
                return False
            parent.update(step="claim", stop=stop)
        elif parent["step"] == "claim":
            claims.append(parent["stop"])
            parent["step"] = "read"
        else:
            reads.extend(range(split.done, parent["stop"]))
            split.done = parent["stop"]
            parent["step"] = "take"
        return True

    def child_step(parent_done: bool = False) -> bool:
        """False once it has ended (or died)."""
        child["steps"] += 1
        if child["step"] == "end" or (dies_after is not None and child["steps"] > dies_after):
            child["step"] = "end"
            return False
        if child["step"] == "decide":
            low = max(claims[-1] if claims else 0, child["hi"] - chunk)
            child.update(step="end" if low >= child["hi"] or parent_done else "announce",
                         low=low)
        elif child["step"] == "announce":
            mailbox.append(child["low"])
            child["step"] = "read"
        else:
            reads.extend(range(child["low"], child["hi"]))
            mailbox.append(None)
            child.update(step="decide", hi=child["low"])
        return True

    for ours in turns:
        if not (parent_step() if ours else child_step()):
            break
    while parent_step():  # the child may be slower than we are, or dead
        pass
    # `finish`: our last claim, then the child's chunk in flight, if it lives to send it.
    claims.append(split.done)
    while child_step(parent_done=True):
        pass
    poll()
    split.give_up_child()
    reads.extend(split.rest())
    assert sorted(set(reads)) == list(range(n))
    assert len(reads) - len(set(reads)) <= chunk


def test_a_rebuild_writes_the_same_index_on_two_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    varied_folder(tmp_path)
    index = tmp_path / "_index.json"
    one_core = SessionIndex(tmp_path, index).rebuild()
    index.unlink()
    monkeypatch.setattr(scanpool, "PARALLEL_MIN", 1)
    monkeypatch.setattr(scanpool, "_cores", lambda: 2)
    monkeypatch.setattr(scanpool, "CHUNK", 4)
    two_cores = SessionIndex(tmp_path, index).rebuild()
    # Rows of the same time come in the order the files were read: compare by id.
    assert by_id(two_cores) == by_id(one_core)
    assert by_id(json.loads(index.read_bytes())) == by_id(one_core)  # orjson refuses \ud800
    assert [row["updated_at"] for row in two_cores] == [row["updated_at"] for row in one_core]
    assert len(one_core) == 43  # 40 sessions, the big integer, the lone surrogate and NaN


def by_id(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return sorted(rows, key=lambda row: str(row["session_id"]))
