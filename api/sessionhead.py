"""A session file's row read from its first and last few kilobytes, as Hermes WebUI reads heads.

Nearly all of a real session file is its messages, and a row needs only their number and the
time of the last one. Hermes WebUI writes the number into the head (`message_count`, just
before `"messages"`) and trusts it there (`Session.compact`); so do we (`records.message_count`).
The time is in the last message, which in Hermes' key order sits right before `"tool_calls"`:

    {
      "session_id": ..., ...metadata..., "message_count": 40, "anchor_scene_index": {...},
      "messages": [
        {...},
        {...}          <- the last message: parsed alone
      ],
      "tool_calls": [...], "anchor_activity_scenes": {...}, ...other keys...
    }

In this 2-space layout a raw newline is whitespace between tokens (JSON strings cannot hold
one) and a line's indent is twice its depth, so `\\n  "` starts a top-level key and `\\n    {`
an element of a top-level array: the parts are found with byte searches, never a parse of the
middle. Reading 12 KB of a 28 KB file and parsing 3 of them costs a fifth of reading and
parsing it whole.

The one thing assumed, not proven: that `"tool_calls"` follows `"messages"` directly, as
Hermes' save writes them (another tool putting a list of objects between the two would give
the row that list's last element's time).

Anything the layout does not prove sends the caller to the whole file (None): another layout,
a small file, no `message_count`, no `"tool_calls"` key within the last bytes, a row field
after the messages that may repeat one in the head, no timed message among the last ones, a
part orjson refuses. What a head and tail cannot see is a corrupt byte in the middle: such a
file gets a row, as it does in Hermes' sidebar, and opening it reports the file as corrupt.
"""

from __future__ import annotations

import os
from typing import Any

import orjson

from api.records import BULKY_KEYS, USAGE_KEYS, Record, message_time, text_field_is_float

#: Files smaller than this are read and parsed whole: orjson is as quick as finding the parts.
MIN_SIZE = 16 * 1024
HEAD = 4 * 1024
#: Hermes reads metadata from the first 64 KB; a head that long is read a second time.
LONG_HEAD = 64 * 1024
TAIL = 8 * 1024
#: A tail that holds no timed message (a long last reply, tool output) is read this long once.
LONG_TAIL = 64 * 1024
#: Messages looked at from the end for a time (Hermes scans 8).
LAST_MESSAGES = 8

_MESSAGES = b',\n  "messages": [\n    {'
_KEY = b'\n  "'
_ELEMENT = b"\n    {"
_LAST_CLOSE = b"\n    }"
_MESSAGES_END = _LAST_CLOSE + b"\n  ],"
_AFTER_MESSAGES = b"tool_calls"
#: How Hermes ends the file of a session with no top-level tool calls, scenes or context
#: messages: the usual tail, known in one comparison instead of a walk over its keys.
_PLAIN_END = (_MESSAGES_END + b'\n  "tool_calls": [],\n  "anchor_activity_scenes": {},'
              b'\n  "context_messages": []\n}')
_COMMA = ord(",")

_USAGE = frozenset(USAGE_KEYS)
_BIG = float(2**63)
_NUMBERS = (int, float)
_BULKY = frozenset(key.encode() for key in BULKY_KEYS)


def row_record(fd: int, size: int) -> Record | None:
    """What a row needs of the session file open at `fd` (`size` bytes): its top-level keys
    but the bulky ones, `messages` holding only the last timed message. None when the file's
    layout does not prove it; the caller then reads the file whole."""
    if size < MIN_SIZE:
        return None
    head = os.pread(fd, HEAD, 0)
    if not head.startswith(b'{\n  "'):
        return None
    start = head.find(_MESSAGES)
    if start < 0:
        head = os.pread(fd, LONG_HEAD, 0)
        start = head.find(_MESSAGES)
        if start < 0:
            return None
    record = _parse_object(head[:start] + b"}")
    if record is None or not _usable(record):
        return None
    first_message = start + len(_MESSAGES) - len(_ELEMENT) + 1
    for window in (TAIL, LONG_TAIL):
        tail_at = size - window
        if tail_at <= first_message:
            return None  # the tail would reach back into the head: read the file whole
        tail = os.pread(fd, window, tail_at)
        # Not cut short meanwhile:
        end = _messages_end(tail) if len(tail) == window and tail.endswith(b"\n}") else None
        if end is None:
            return None
        close, after = end
        if after is not None:
            if after.keys() & record.keys() or "messages" in after:
                return None  # a key twice: the whole parse keeps the last one
            record.update(after)
            if not _usable(record):
                return None
        last = _last_timed(tail, close)
        if last is not None:
            record["messages"] = [last]
            return record
        for key in after or ():
            del record[key]  # the longer tail finds them again
    return None


def _parse_object(text: bytes) -> Record | None:
    try:
        value: Any = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if type(value) is dict else None


def _usable(record: Record) -> bool:
    """Does a whole parse read the row's fields the same? (No `messages` spelt with escapes,
    a count, no number orjson reads less exactly than the exact parse.) Written out for the
    fields every file has; the usage numbers only when there are any."""
    get = record.get
    count = get("message_count")
    if type(count) is not int or not 0 < count < _BIG or "messages" in record:
        return False
    if text_field_is_float(record):
        return False  # the exact parse of the whole file reads its digits
    created: Any = get("created_at")
    updated: Any = get("updated_at")
    if (type(created) in _NUMBERS and not -_BIG < created < _BIG) or (
            type(updated) in _NUMBERS and not -_BIG < updated < _BIG):
        return False
    if _USAGE.isdisjoint(record):
        return True
    for key in USAGE_KEYS:
        value: Any = get(key)
        if type(value) in _NUMBERS and not -_BIG < value < _BIG:
            return False
    return True


def _messages_end(tail: bytes) -> tuple[int, Record | None] | None:
    """Where the messages array's last element ends in `tail`, found by walking the top-level
    keys back from the file's end to `"tool_calls"`, and the small keys on the way, parsed.
    None when the walk leaves the tail or meets anything unexpected."""
    if tail.endswith(_PLAIN_END):
        return len(tail) - len(_PLAIN_END) + len(_LAST_CLOSE), None
    members: list[bytes] = []
    at = len(tail) - 2  # the final "\n}"
    while True:
        key = tail.rfind(_KEY, 0, at)
        if key < 0:
            return None
        name_at = key + len(_KEY)
        name = tail[name_at : tail.find(b'"', name_at, at)]
        if name == _AFTER_MESSAGES:
            break
        if name == b"messages":
            return None  # twice: the whole parse keeps this one
        if name not in _BULKY:
            members.append(tail[key + 3 : at].removesuffix(b","))
        at = key
    close = key - len(_MESSAGES_END)
    if close < 0 or not tail.startswith(_MESSAGES_END, close):
        return None
    after = None
    if members:
        after = _parse_object(b"{" + b",".join(reversed(members)) + b"}")
        if after is None:
            return None
    return close + len(_LAST_CLOSE), after


def _last_timed(tail: bytes, end: int) -> dict[str, Any] | None:
    """The last message that is not a tool's and has a time, parsed alone (Hermes'
    `last_message_at`); None when none of the last few in the tail has one."""
    for _ in range(LAST_MESSAGES):
        start = tail.rfind(_ELEMENT, 0, end)
        if start < 0:
            return None
        try:
            message: Any = orjson.loads(tail[start:end])
        except orjson.JSONDecodeError:
            return None
        if type(message) is not dict:
            return None
        if message.get("role") != "tool":
            stamp = message.get("timestamp")
            # A finite float, the usual case, is taken as it is; anything else is judged.
            if (type(stamp) is float and stamp - stamp == 0.0) or message_time(message) is not None:
                return message
        end = start - 1  # the comma before this message ends the one before it
        if tail[end] != _COMMA:
            return None
    return None
