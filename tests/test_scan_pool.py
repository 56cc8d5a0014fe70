"""A big folder read on two cores (`api.scanpool.scan_folder`): the child's half comes back
exactly as this process reads it (`scan.scan_rows`), its rows as compact in memory as ours, a
rebuild writes the same index either way, and a child that cannot run or talks nonsense costs
time, never a row."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import orjson
import pytest

from api import scanpool
from api.index import SessionIndex
from api.scan import Scanned, scan_rows


def varied_folder(folder: Path) -> list[str]:
    """Session files of every kind a scan meets, and some that are no session at all."""
    texts = {
        "bigint": b'{"session_id": "bigint", "title": 123456789012345678901234567890}',
        "surrogate": b'{"session_id": "surrogate", "title": "\\ud800", "updated_at": 3}',
        "nan": b'{"session_id": "nan", "updated_at": NaN, "messages": []}',
        "empty": b"",
        "list": b"[1, 2]",
        "other": b'{"session_id": "someone-else"}',
    }
    for i in range(40):
        rec = {"session_id": f"s{i:03}", "title": f"t\u00e9 {i}", "workspace": f"/w/{i % 3}",
               "model": "m", "updated_at": 1000.0 + i, "created_at": 900 + i,
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
    """Every scan goes parallel, on any machine."""
    monkeypatch.setattr(scanpool, "PARALLEL_MIN", 1)
    monkeypatch.setattr(scanpool, "_cores", lambda: 2)


def test_the_child_reads_its_half_as_this_process_would(
    tmp_path: Path, two_cores: None, monkeypatch: pytest.MonkeyPatch,
) -> None:
    sids = varied_folder(tmp_path)
    expected = scan_rows(str(tmp_path), sids)
    read_here: list[str] = []

    def spy(directory: str, some: list[str]) -> dict[str, Scanned]:
        read_here.extend(some)
        return scan_rows(directory, some)

    monkeypatch.setattr(scanpool, "scan_rows", spy)
    found = scanpool.scan_folder(str(tmp_path), sids)
    assert found == expected
    assert "gone" not in found and found["list"].row is None and found["s001"].row is not None
    assert found["bigint"].row is not None
    assert found["bigint"].row["title"] == "123456789012345678901234567890"
    child_half = set(sids) - set(read_here)
    assert len(child_half) == int(len(sids) * scanpool.CHILD_SHARE)  # read by the child alone
    for sid in child_half & expected.keys():
        theirs, ours = found[sid].row, expected[sid].row
        if ours is not None:
            assert sys.getsizeof(theirs) == sys.getsizeof(ours), sid  # as compact as ours


@pytest.mark.parametrize("child", ["none", "missing", "fails", "babbles"])
def test_a_child_that_cannot_help_changes_nothing_but_the_time(
    tmp_path: Path, two_cores: None, monkeypatch: pytest.MonkeyPatch, child: str,
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    sids = varied_folder(store)
    babbler = tmp_path / "babbler"
    babbler.write_text("#!/bin/sh\ncat >/dev/null\necho 'not marshal'\n")
    babbler.chmod(0o755)
    executable = {"none": "", "missing": str(tmp_path / "no-python"), "fails": "/bin/false",
                  "babbles": str(babbler)}[child]
    expected = scan_rows(str(store), sids)
    monkeypatch.setattr(scanpool.sys, "executable", executable)
    assert scanpool.scan_folder(str(store), sids) == expected


def test_a_rebuild_writes_the_same_index_on_two_cores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    varied_folder(tmp_path)
    index = tmp_path / "_index.json"
    one_core = SessionIndex(tmp_path, index).rebuild()
    index.unlink()
    monkeypatch.setattr(scanpool, "PARALLEL_MIN", 1)
    monkeypatch.setattr(scanpool, "_cores", lambda: 2)
    two_cores = SessionIndex(tmp_path, index).rebuild()
    # Rows of the same time come in the order the files were read: compare by id.
    assert by_id(two_cores) == by_id(one_core)
    assert by_id(json.loads(index.read_bytes())) == by_id(one_core)  # orjson refuses \ud800
    assert [row["updated_at"] for row in two_cores] == [row["updated_at"] for row in one_core]
    assert len(one_core) == 43  # 40 sessions, the big integer, the lone surrogate and NaN


def by_id(rows: list[dict[str, object]]) -> list[dict[str, object]]:
    return sorted(rows, key=lambda row: str(row["session_id"]))
