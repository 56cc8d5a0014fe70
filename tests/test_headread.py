"""The head read (`api.headread.row_record`) gives exactly the row of a whole parse, or gives up.

Sessions in Hermes' 2-space layout whose text is made to look like the layout's markers
(`\\n  "`, `\\n    {`, `\\n  ]`), escaped quotes, unicode, tool messages last, messages without
a time, empty messages, one huge message, keys after the messages; and the Hermes-written
fixture store. The test also checks the head read is taken where it should be, so that it
cannot pass by always giving up.
"""

from __future__ import annotations

import json
import os
from typing import Any

import orjson
from helpers_store import need_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api import headread
from api.headread import row_record
from api.records import row_from_record
from api.scan import _parse_for_row

SETTINGS = settings(
    max_examples=int(os.environ.get("SB_HYPOTHESIS_EXAMPLES", "300")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MARKERS = ['\n  "', '\n  "messages": [', "\n    {", '\n    {\n      "', "\n  ]", "\n    }\n  ]",
           '\\"', '"', "\\", "日本語 🚀", "\u2028", "{", "}", "[", "]", ","]
TEXT = st.lists(st.sampled_from(MARKERS) | st.text(max_size=8), max_size=6).map("".join)
STAMP = st.floats(0, 2e9) | st.integers(0, 2**31) | st.none() | st.just("soon")


@st.composite
def message(draw: st.DrawFn) -> Any:
    shape = draw(st.integers(0, 29))
    if shape == 0:
        return draw(st.sampled_from([{}, None, "text", 7, []]))
    msg: dict[str, Any] = {"role": draw(st.sampled_from(["user", "assistant", "tool", "tool"]))}
    msg["content"] = draw(TEXT | st.lists(st.fixed_dictionaries(
        {"type": st.just("text"), "text": TEXT}), max_size=2))
    if shape == 1:
        msg["content"] = "x" * 20_000  # one huge message
    for key in draw(st.lists(st.sampled_from(["timestamp", "_ts"]), max_size=2, unique=True)):
        msg[key] = draw(STAMP)
    if draw(st.booleans()):
        msg["tool_calls"] = [{"id": "c1", "function": {"name": "x", "arguments": "{}"}}]
    return msg


@st.composite
def session(draw: st.DrawFn) -> dict[str, Any]:
    rec: dict[str, Any] = {"session_id": "a1b2c3d4e5f6", "title": draw(TEXT),
                           "workspace": draw(TEXT), "model": "m",
                           "created_at": draw(STAMP), "updated_at": draw(STAMP),
                           "pinned": draw(st.booleans()), "input_tokens": draw(STAMP),
                           "pending_attachments": draw(st.lists(TEXT, max_size=2))}
    messages = draw(st.lists(message(), max_size=12))
    count = draw(st.sampled_from(["right"] * 4 + ["absent", "wrong"]))
    if count != "absent":
        rec["message_count"] = len(messages) + (count == "wrong")
    rec["messages"] = messages
    for key in draw(st.lists(st.sampled_from(["tool_calls", "context_messages", "title",
                                              "updated_at", "extra", "output_tokens"]),
                             max_size=3, unique=True)):
        rec.pop(key, None)
        rec[key] = draw(TEXT | STAMP | st.lists(message(), max_size=2))
    return rec


def whole_row(data: bytes) -> dict[str, Any] | None:
    record = _parse_for_row(data)
    return None if record is None else row_from_record(record)


def same(a: object, b: object) -> bool:
    """Equal as JSON (so 1 and 1.0, or True and 1, differ)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def head_read(data: bytes) -> dict[str, Any] | None:
    """`row_record` with its size threshold lifted (a speed choice: small files are parsed
    whole), so that small generated files take the head read too."""
    saved, headread.MIN_SIZE = headread.MIN_SIZE, 0
    try:
        return row_record(data)
    finally:
        headread.MIN_SIZE = saved


@SETTINGS
@given(rec=session(), layout=st.sampled_from(["orjson", "hermes", "escaped", "compact"]))
def test_a_head_read_row_is_the_whole_parse_row(rec: dict[str, Any], layout: str) -> None:
    if layout == "orjson":
        data = orjson.dumps(rec, option=orjson.OPT_INDENT_2)
    elif layout == "compact":
        data = orjson.dumps(rec)
    else:
        data = json.dumps(rec, indent=2, ensure_ascii=layout == "escaped").encode()
    record = head_read(data)
    if record is not None:
        assert same(row_from_record(record), whole_row(data)), data[:3000]
    if (layout != "compact" and rec.get("message_count") == len(rec["messages"]) > 0
            and all(type(m) is dict and m for m in rec["messages"])
            and not any(type(rec.get(key)) is float for key in ("title", "workspace"))):
        assert record is not None, data[:3000]  # the layout proves the row: no giving up


def test_the_hermes_fixture_sessions_are_read_by_their_heads() -> None:
    folder = need_shared("fixtures/hermes-webui/sessions")
    paths = [p for p in sorted(folder.glob("*.json")) if not p.name.startswith("_")]
    assert paths
    for path in paths:
        data = path.read_bytes()
        record = head_read(data)
        assert record is not None, path.name
        assert same(row_from_record(record), whole_row(data)), path.name
