"""A session file read for its row by the rebuild (`api.scan.read_row`: orjson, no search for long
digit runs; `api.scan.scan_rows`, its loop over a folder) gives exactly the row of the exact
parse a session load does, for files as Hermes and we write them and for every way they can
differ: missing or wrong `message_count`, keys after the messages, unicode escapes, huge heads,
tool messages and messages without a time at the end, duplicate keys, NaN, integers past 64
bits, lone surrogates, other layouts, truncation."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson
from helpers_store import property_settings
from hypothesis import example, given
from hypothesis import strategies as st

from api.records import row_from_record
from api.scan import CorruptSession, read_row, read_session_file, scan_rows

SETTINGS = property_settings(300)

SID = "a1b2c3d4e5f6"
# Every character UTF-8 can encode: all but the surrogates (`codec="utf-8"` would say the same,
# but makes each worker first try to encode every code point, seconds, for its charmap cache).
TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=30) | \
    st.sampled_from(["", "messages", '"messages": [', "\n  ]", ",\n    {", "日本語", "\\u00e9"])
STAMP = st.floats(0, 2e9) | st.integers(0, 2**31) | st.none() | st.just("soon")
NUMBER_OR_JUNK = st.integers(0, 60) | st.floats(0, 60) | st.none() | st.text(max_size=3) \
    | st.booleans()

# The strategies `message` and `record` draw from, made once: a strategy built inside a draw is
# built (and checked) again for every example, which was most of this file's run time. The
# draws, and so the examples, are the same.
ODD_MESSAGE = st.none() | st.integers(-(2**53), 2**53) | TEXT \
    | st.lists(st.integers(-9, 9), max_size=2)
ROLE = st.sampled_from(["user", "assistant", "tool", "system"])
CONTENT = TEXT | st.lists(st.fixed_dictionaries({"type": st.just("text"), "text": TEXT}),
                          max_size=2)
ONE_IN_20, ONE_IN_10, BOOL = st.integers(0, 19), st.integers(0, 9), st.booleans()
TIME_KEYS = st.lists(st.sampled_from(["timestamp", "_ts"]), max_size=2, unique=True)


@st.composite
def message(draw: st.DrawFn) -> Any:
    if draw(ONE_IN_20) == 0:
        return draw(ODD_MESSAGE)
    msg: dict[str, Any] = {"role": draw(ROLE)}
    content = draw(CONTENT)
    msg["content"] = content
    for key in draw(TIME_KEYS):
        msg[key] = draw(STAMP)
    if draw(BOOL):
        msg["tool_calls"] = [{"id": "c1", "function": {"name": "x", "arguments": "{}"}}]
    return msg


MESSAGE = message()
META_KEYS = ["title", "workspace", "model", "model_provider", "created_at", "updated_at",
             "pinned", "archived", "project_id", "profile", "input_tokens"]
KEY_ORDER = st.permutations(META_KEYS)
HOW_MANY_KEYS = st.integers(0, len(META_KEYS))
FLAG = st.booleans() | st.none() | st.integers(0, 1)
META_VALUE = TEXT | st.none() | st.integers(0, 9)
HUGE = st.integers(60_000, 80_000)
MESSAGES = st.lists(MESSAGE, max_size=30)
HOW = st.sampled_from(["right", "right", "right", "absent", "wrong", "junk"])
OFF_BY = st.sampled_from([-1, 1, 5])
KEYS_AFTER = st.lists(st.sampled_from(["tool_calls", "title", "updated_at", "extra",
                                       "message_count", "pinned"]), max_size=3, unique=True)
VALUE_AFTER = TEXT | STAMP | st.lists(MESSAGE, max_size=2)
RECORD_SID = st.sampled_from([SID, SID, "other"])


@st.composite
def record(draw: st.DrawFn) -> dict[str, Any]:
    rec: dict[str, Any] = {"session_id": draw(RECORD_SID)}
    for key in draw(KEY_ORDER)[: draw(HOW_MANY_KEYS)]:
        if key in ("created_at", "updated_at"):
            rec[key] = draw(STAMP)
        elif key in ("pinned", "archived"):
            rec[key] = draw(FLAG)
        else:
            rec[key] = draw(META_VALUE)
    if draw(ONE_IN_10) == 0:
        rec["huge"] = "x" * draw(HUGE)  # a head past 64 KB
    messages = draw(MESSAGES)
    how = draw(HOW)
    if how == "right":
        rec["message_count"] = len(messages)
    elif how == "wrong":
        rec["message_count"] = len(messages) + draw(OFF_BY)
    elif how == "junk":
        rec["message_count"] = draw(NUMBER_OR_JUNK)
    rec["messages"] = messages
    for key in draw(KEYS_AFTER):
        rec.pop(key, None) if key != "tool_calls" else None
        rec[key] = draw(VALUE_AFTER)  # after messages
    return rec


def encode(rec: dict[str, Any], layout: str) -> bytes:
    if layout == "ours":
        return orjson.dumps(rec, option=orjson.OPT_INDENT_2)
    if layout == "hermes":
        return json.dumps(rec, ensure_ascii=False, indent=2).encode()
    if layout == "escaped":
        return json.dumps(rec, indent=2).encode()  # every non-ASCII character as \\u escapes
    if layout == "compact":
        return orjson.dumps(rec)
    return json.dumps(rec, indent=4).encode()


def whole_row(path: Path) -> dict[str, Any] | None:
    """The oracle: the row of a parse of the whole file (None: not a usable session)."""
    try:
        rec, _, _ = read_session_file(path)
    except CorruptSession:
        return None
    return row_from_record(rec) if rec.get("session_id") == SID else None


def same(a: object, b: object) -> bool:
    """Equal as JSON (so 1 and 1.0, or True and 1, differ), NaN equal to NaN."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def check(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / f"{SID}.json"
    path.write_bytes(data)
    read = read_row(str(path), SID)
    assert read is not None
    assert same(read[1], whole_row(path)), data[:2000]


@SETTINGS
@given(rec=record(), layout=st.sampled_from(["ours", "hermes", "escaped", "compact", "indent4"]),
       cut=st.none() | st.floats(0, 1))
@example(rec={"session_id": SID, "message_count": 1, "messages": [{"role": "user"}],
              "title": "after"}, layout="ours", cut=None)
def test_head_read_rows_equal_whole_parse_rows(tmp_path: Path, rec: dict[str, Any],
                                               layout: str, cut: float | None) -> None:
    data = encode(rec, layout)
    if cut is not None:
        data = data[: int(len(data) * cut)]  # a truncated file
    check(tmp_path, data)


@SETTINGS
@given(rec=record(), where=st.sampled_from(["head", "after"]),
       key=st.sampled_from(["title", "updated_at", "messages", "message_count", "session_id"]),
       value=st.sampled_from(['"dup"', "7", "[]", '[{"role": "user", "timestamp": 5.0}]',
                              "NaN", "123456789012345678901234", '"\\ud800"']))
def test_duplicate_keys_and_values_only_the_exact_parser_reads(
    tmp_path: Path, rec: dict[str, Any], where: str, key: str, value: str,
) -> None:
    """Raw JSON text the dict encoders cannot write: a key twice (the last one wins), NaN,
    integers past 64 bits and lone surrogates, before or after the messages."""
    data = orjson.dumps(rec, option=orjson.OPT_INDENT_2)
    member = f'  "{key}": {value}'.encode()
    if where == "head":
        data = b"{\n" + member + b",\n" + data[2:]
    else:
        data = data.rstrip()[:-1].rstrip() + b",\n" + member + b"\n}"
    check(tmp_path, data)


def test_a_real_session_gives_its_count_and_last_time(tmp_path: Path) -> None:
    messages = [{"role": ("user", "assistant")[k % 2], "content": f"m{k} " * 50,
                 "timestamp": 1000.0 + k} for k in range(40)]
    messages.append({"role": "tool", "content": "ok"})
    rec = {"session_id": SID, "title": 12345678901234567890123, "updated_at": 2000.0,
           "message_count": 41, "messages": messages, "tool_calls": [{"id": "x"}]}
    for layout in ("ours", "hermes"):
        data = json.dumps(rec, indent=2).encode() if layout == "hermes" else encode(
            {**rec, "title": "t"}, layout)
        check(tmp_path, data)
        row = read_row(str(tmp_path / f"{SID}.json"), SID)
        assert row is not None and row[1] is not None
        assert (row[1]["message_count"], row[1]["last_message_at"]) == (41, 1039.0)
    assert row[1]["title"] == "12345678901234567890123"  # the digits, not a float's


def scan_matches_read_row(folder: Path, sids: list[str]) -> None:
    """`scan_rows` (the rebuild's inline loop) answers for every file exactly as `read_row`."""
    scanned = scan_rows(str(folder), sids)
    careful = {sid: read for sid in sids
               if (read := read_row(str(folder / f"{sid}.json"), sid)) is not None}
    assert scanned.keys() == careful.keys()
    for sid, read in scanned.items():
        assert read.sig == careful[sid].sig, sid
        assert same(read.row, careful[sid].row), sid


@SETTINGS
@given(files=st.lists(st.tuples(record(), st.sampled_from(["ours", "hermes", "compact"]),
                                st.none() | st.floats(0, 1)), min_size=1, max_size=5))
def test_a_folder_read_at_once_gives_each_file_its_own_row(
    tmp_path: Path, files: list[tuple[dict[str, Any], str, float | None]],
) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    sids = [f"{i:012x}" for i in range(len(files))]
    for sid, (rec, layout, cut) in zip(sids, files, strict=True):
        data = encode({**rec, "session_id": sid} if rec["session_id"] == SID else rec, layout)
        (folder / f"{sid}.json").write_bytes(data[: int(len(data) * cut)] if cut else data)
    scan_matches_read_row(folder, [*sids, "0123456789ab"])  # the last one has no file


def test_odd_entries_are_read_the_careful_way(tmp_path: Path) -> None:
    """What the inline loop leaves to `read_row`: not a regular file, no JSON object, a number
    orjson refuses, a text field the exact parser must read again, another session's id."""
    good = {"session_id": "good", "title": "ok", "messages": [{"role": "user"}]}
    texts = {
        "good": orjson.dumps(good),
        "nan": b'{"session_id": "nan", "updated_at": NaN, "messages": []}',
        "bigint": b'{"session_id": "bigint", "title": 123456789012345678901234567890}',
        "surrogate": b'{"session_id": "surrogate", "title": "\\ud800"}',
        "empty": b"",
        "list": b"[1, 2]",
        "other": orjson.dumps({**good, "session_id": "someone-else"}),
        "deep": b"[" * 2000 + b"]" * 2000,
    }
    for sid, data in texts.items():
        (tmp_path / f"{sid}.json").write_bytes(data)
    (tmp_path / "link.json").symlink_to(tmp_path / "good.json")
    (tmp_path / "folder.json").mkdir()
    os.mkfifo(tmp_path / "fifo.json")
    sids = [*texts, "link", "folder", "fifo", "gone"]
    scan_matches_read_row(tmp_path, sids)
    rows = {sid: read.row for sid, read in scan_rows(str(tmp_path), sids).items()}
    assert rows["bigint"] is not None
    assert rows["bigint"]["title"] == "123456789012345678901234567890"
    assert rows["nan"] is not None and rows["surrogate"] is not None
    assert [sid for sid, row in rows.items() if row is None] == [
        "empty", "list", "other", "deep", "link", "folder", "fifo"]
    assert "gone" not in rows
