"""A big session file in Hermes WebUI's layout gives its row from its head and tail
(`api.sessionhead`), and that row is the row of the whole file's exact parse; whatever the
layout does not prove (keys after the messages, a wrong count, tool messages or messages
without a time at the end, truncation, another tool's layout) gives the same row too, read
whole. Hermes' own save writes a file the fast path reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest
from helpers_store import need_shared, property_settings
from hypothesis import given
from hypothesis import strategies as st
from test_scan_rows import whole_row  # the oracle: a parse of the whole file

from api import sessionhead
from api.scan import read_row

SETTINGS = property_settings(200)
SID = "a1b2c3d4e5f6"
#: Text that looks like the layout's landmarks, as JSON strings hold it (escaped newlines).
TRICKY = st.sampled_from(['\n  "tool_calls": [', "\n    {", "\n    }\n  ],", '"messages": [',
                          "\\", '"', "日本語 ✓", "\u2028", "x" * 3000])
TEXT = st.text(max_size=40) | TRICKY
STAMP = st.floats(1e9, 2e9) | st.integers(10**9, 2 * 10**9)
# What `message` and `hermes_record` draw from, made once, not again in every draw (the same
# examples, in a fraction of the time).
ROLE = st.sampled_from(["user", "assistant", "tool"])
TIME_KEY = st.sampled_from(["timestamp", "_ts"])
ZERO_TO_3, ZERO_TO_5, BOOL = st.integers(0, 3), st.integers(0, 5), st.booleans()
TOKENS = st.integers(0, 10**6) | st.none()
COST = st.floats(0, 9) | st.none()
TOOL_CALLS = st.lists(st.fixed_dictionaries({"id": TEXT}), max_size=3)
KEYS_AFTER = st.lists(st.sampled_from(["last_usage", "title", "updated_at", "x"]), max_size=2,
                      unique=True)


@st.composite
def message(draw: st.DrawFn) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": draw(ROLE),
                           "content": draw(TEXT) + " pad" * 300}
    if draw(ZERO_TO_3):
        msg[draw(TIME_KEY)] = draw(STAMP)
    if draw(ZERO_TO_5) == 0:
        msg["attachments"] = [{"name": draw(TEXT), "meta": {"nested": [{"k": 1}]}}]
    return msg


MESSAGES = st.lists(message(), min_size=14, max_size=40)
CONTEXT_MESSAGES = st.lists(message(), max_size=2)


@st.composite
def hermes_record(draw: st.DrawFn) -> dict[str, Any]:
    """Keys in Hermes' order: metadata, `message_count`, `anchor_scene_index`, the messages,
    then `tool_calls`, `anchor_activity_scenes`, `context_messages` and others' keys."""
    messages = draw(MESSAGES)
    rec: dict[str, Any] = {
        "session_id": SID, "title": draw(TEXT), "workspace": "/w", "model": draw(TEXT),
        "model_provider": None, "created_at": draw(STAMP), "updated_at": draw(STAMP),
        "pinned": draw(BOOL), "archived": False, "project_id": None,
        "profile": "default", "input_tokens": draw(TOKENS),
        "estimated_cost": draw(COST), "composer_draft": draw(TEXT),
    }
    rec["message_count"] = draw(st.sampled_from([len(messages)] * 4 + [len(messages) + 3, 0]))
    rec["anchor_scene_index"] = {"count": 0}
    rec["messages"] = messages
    rec["tool_calls"] = draw(TOOL_CALLS)
    rec["anchor_activity_scenes"] = {}
    rec["context_messages"] = draw(CONTEXT_MESSAGES)
    for key in draw(KEYS_AFTER):
        rec.pop(key, None)  # moved after the messages, where the head does not hold it
        rec[key] = draw(TEXT)
    return rec


def fast_record(path: Path) -> dict[str, Any] | None:
    fd = os.open(path, os.O_RDONLY)
    try:
        return sessionhead.row_record(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)


def check(path: Path, data: bytes) -> dict[str, Any] | None:
    path.write_bytes(data)
    read = read_row(str(path), SID)
    assert read is not None
    expected = whole_row(path)
    assert json.dumps(read[1], sort_keys=True) == json.dumps(expected, sort_keys=True)
    return read[1]


@SETTINGS
@given(rec=hermes_record(), ours=st.booleans(),
       cut=st.sampled_from([None, None, None, 1, 2, 9, 100, 4000]))
def test_rows_from_head_and_tail_equal_the_whole_parse(
    tmp_path: Path, rec: dict[str, Any], ours: bool, cut: int | None
) -> None:
    data = (orjson.dumps(rec, option=orjson.OPT_INDENT_2) if ours
            else json.dumps(rec, ensure_ascii=False, indent=2).encode())
    if cut is not None:
        data = data[:-cut]  # a file cut short: no row, whichever way it is read
    check(tmp_path / f"{SID}.json", data)


def plain_session(messages: int = 40) -> dict[str, Any]:
    chat = [{"role": ("user", "assistant")[k % 2], "content": "words " * 120,
             "timestamp": 1_800_000_000.0 + k} for k in range(messages)]
    chat.append({"role": "tool", "content": "ok"})
    return {"session_id": SID, "title": "plain", "updated_at": 1_800_000_100.0,
            "created_at": 1_700_000_000.0, "message_count": len(chat),
            "anchor_scene_index": {}, "messages": chat, "tool_calls": [],
            "anchor_activity_scenes": {}, "context_messages": []}


def test_a_plain_hermes_file_is_read_from_head_and_tail(tmp_path: Path) -> None:
    path = tmp_path / f"{SID}.json"
    row = check(path, json.dumps(plain_session(), ensure_ascii=False, indent=2).encode())
    assert row is not None
    assert (row["message_count"], row["last_message_at"]) == (41, 1_800_000_039.0)
    assert fast_record(path) is not None, "the fast path did not answer for Hermes' layout"


def test_the_head_count_is_trusted_as_hermes_trusts_it(tmp_path: Path) -> None:
    rec = plain_session()
    rec["message_count"] = 7  # what Hermes' sidebar shows for this file too
    row = check(tmp_path / f"{SID}.json", json.dumps(rec, indent=2).encode())
    assert row is not None and row["message_count"] == 7


@pytest.mark.parametrize("change", ["compact", "messages last", "small", "no timed message"])
def test_what_the_layout_does_not_prove_is_read_whole(tmp_path: Path, change: str) -> None:
    rec = plain_session()
    if change == "messages last":
        for key in ("tool_calls", "anchor_activity_scenes", "context_messages"):
            del rec[key]
    elif change == "small":
        rec = plain_session(messages=3)
    elif change == "no timed message":
        for msg in rec["messages"][-12:]:
            msg.pop("timestamp", None)
    data = (orjson.dumps(rec) if change == "compact"
            else json.dumps(rec, ensure_ascii=False, indent=2).encode())
    path = tmp_path / f"{SID}.json"
    row = check(path, data)
    assert row is not None and row["message_count"] == len(rec["messages"])
    assert fast_record(path) is None


def test_a_file_hermes_itself_saved_is_read_from_head_and_tail(tmp_path: Path) -> None:
    """Hermes WebUI's own `Session.save`, run in a child process on a session of 40
    messages: the fast path answers for the bytes it wrote, with the whole parse's row."""
    hermes = need_shared("hermes-webui")
    state = tmp_path / "state"
    (state / "sessions").mkdir(parents=True)
    script = (
        "import sys; sys.path.insert(0, sys.argv[1]);"
        "from api.models import Session;"
        "msgs=[{'role': ('user','assistant')[k%2], 'content': 'w '*400,"
        " 'timestamp': 1.8e9+k} for k in range(40)];"
        f"s=Session(session_id={SID!r}, title='from hermes', messages=msgs);"
        "s.save(skip_index=True)"
    )
    env = {**os.environ, "HERMES_WEBUI_STATE_DIR": str(state), "HERMES_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", script, str(hermes)], env=env, check=True,
                   cwd=tmp_path, timeout=60, capture_output=True)
    path = state / "sessions" / f"{SID}.json"
    row = check(path, path.read_bytes())
    assert row is not None and (row["message_count"], row["title"]) == (40, "from hermes")
    assert row["last_message_at"] == 1.8e9 + 39
    assert fast_record(path) is not None
