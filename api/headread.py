"""A session file's row read without parsing its messages, where the file's layout proves it.

A full rebuild parses every session file, and in a real session nearly all the bytes are the
messages, of which a row needs only their number and the time of the last one. Hermes WebUI
and this store write session files with 2-space indent (`json.dumps(indent=2)`, orjson's
`OPT_INDENT_2`). In that layout a raw newline is always whitespace between tokens (JSON strings
cannot hold one), a line's indent is twice its depth, and so:

  - `\\n  "` starts a top-level key, and `\\n  "messages": [\\n    {` the messages array;
  - its first `\\n  ]` closes that array;
  - each message that is a non-empty object starts with `\\n    {\\n      "`, nothing else in
    the array does: counting that pattern counts the messages, which must agree with the head's
    `message_count` (Hermes and we write it as `len(messages)`);
  - the last few messages are the slice from the K-th last `\\n    {` to the array's close.

`row_record` parses only the keys outside the bulky ones (`BULKY_KEYS`: messages, tool calls,
...) and the last few messages, and returns a record that `row_from_record` turns into exactly
the row the whole file gives. It returns None, and the caller parses the whole file, on any
doubt: another layout (compact JSON, tabs, CRLF, a trailing newline), no `message_count` or one
that disagrees with the count, an empty or non-object message, a `messages` key twice, a part
orjson refuses (NaN, a lone surrogate), a text field holding a number, an integer past 64 bits
in a field the row reads, no timestamp in the last messages (then the messages alone are parsed).

What it cannot see, being a proof from the layout and not a parse: a file that is *not* valid
JSON inside its messages (a corrupt byte in a message's text) still gets a row here, where a
whole parse would list no row; opening that session then reports the file as corrupt.
"""

from __future__ import annotations

from typing import Any

import orjson

from api.records import BULKY_KEYS, USAGE_KEYS, Record, last_message_at

_MESSAGES = b'\n  "messages": [\n    {\n      "'
#: Where the array's content starts, from the start of `_MESSAGES`.
_CONTENT = len(b'\n  "messages": [')
_MESSAGE = b'\n    {\n      "'
_ELEMENT = b"\n    {"
_LAST_CLOSE = b"\n    }"
_ARRAY_END = b"\n  ]"
#: The messages array's end: its last message (a non-empty object) closed, then the array.
_CLOSE = _LAST_CLOSE + _ARRAY_END
_KEY = b'\n  "'
#: Messages parsed from the end to find the last one's time (Hermes scans 8; tool results
#: after the last reply are usually one to three).
TAIL = 1
#: Files smaller than this are parsed whole: for them orjson is as quick as finding the parts.
MIN_SIZE = 4096

_BULKY = frozenset(key.encode() for key in BULKY_KEYS)
#: Row fields written as text: a number there is read again exactly by the whole parse.
_TEXT_FIELDS = ("title", "workspace", "model", "model_provider", "project_id", "profile")
#: Row fields read as numbers: an integer past 64 bits is a float to orjson, but exact to the
#: standard library, which parses a file orjson refuses elsewhere (in a message we skipped).
_NUMBER_FIELDS = ("created_at", "updated_at", *USAGE_KEYS)
_BIG = float(2**63)
#: `last_message_at`'s answer when no message has a time: this very object comes back.
_NONE = float("nan")


def row_record(data: bytes) -> Record | None:
    """The record a row needs from a session file's bytes, its messages list holding only the
    last few messages (the rest None, so that its length is the count), or None when the layout
    does not prove it (the caller then parses the file whole)."""
    if len(data) < MIN_SIZE or not data.startswith(b'{\n  "') or not data.endswith(b"\n}"):
        return None
    start = data.find(_MESSAGES)
    if start < 0:
        return None
    first = start + _CONTENT
    close = data.find(_CLOSE, first)
    if close < 0:
        return None
    close += len(_LAST_CLOSE)
    members = _keys_after(data, close + len(_ARRAY_END))
    if members is None:
        return None
    record = _outside(data[1:start], members)
    if record is None:
        return None
    count = record.get("message_count")
    if type(count) is not int or count < 1 or data.count(_MESSAGE, first, close) != count:
        return None
    messages = _last_messages(data, first, close, count)
    if messages is None:
        return None
    record["messages"] = messages
    return record


def _keys_after(data: bytes, after: int) -> list[bytes] | None:
    """The text of the members after the messages array (which ends just before `after`) that
    are not bulky, found from the end of the file back; None when the bytes there are not
    members in this layout."""
    members: list[bytes] = []
    at = len(data) - 2  # the final "\n}"
    while at > after + 1:
        key = data.rfind(_KEY, after, at)
        if key < 0:
            return None
        name = data[key + len(_KEY):data.find(b'"', key + len(_KEY), at)]
        if name == b"messages":
            return None  # a second `messages`: a whole parse keeps the last one
        if name not in _BULKY:
            members.append(data[key + 3:at].removesuffix(b","))
        at = key
    if at != after and not (at == after + 1 and data.startswith(b",", after)):
        return None
    members.reverse()
    return members


def _outside(head: bytes, after: list[bytes]) -> Record | None:
    """Every top-level key but the bulky ones, parsed: the head (the members before
    `messages`) and the members after the messages array."""
    members = [head.removesuffix(b","), *after] if head else after
    try:
        record: Any = orjson.loads(b"{" + b",".join(members) + b"}")
    except orjson.JSONDecodeError:
        return None
    if "messages" in record or not _exact(record):
        return None  # `messages` spelt with escapes: the last one a whole parse keeps may be it
    return record


def _exact(record: Record) -> bool:
    """Does a whole parse read this record's row fields the same, whichever parser it uses?"""
    get = record.get
    if any(type(get(key)) is float for key in _TEXT_FIELDS):
        return False
    for key in _NUMBER_FIELDS:
        value = get(key)
        if type(value) is float and not -_BIG < value < _BIG:
            return False
    return True


def _last_messages(data: bytes, first: int, close: int, count: int) -> list[Any] | None:
    """The messages list for the row: the last `TAIL` parsed, before them `None`s; or all of
    them parsed when none of the last few has a time (the row's time may be further back)."""
    at = close
    want = min(TAIL, count)
    for _ in range(want):
        at = data.rfind(_ELEMENT, first, at)
        if at < 0:
            return None
    tail = _parse_list(b"[" + data[at:close] + b"]", want)
    if tail is None:
        return None
    if any(type(message) is not dict for message in tail):
        return None
    if count > want and last_message_at(tail, _NONE) is _NONE:  # the time is further back
        return _parse_list(b"[" + data[first:close] + b"]", count)
    return [None] * (count - want) + tail


def _parse_list(text: bytes, length: int) -> list[Any] | None:
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return value if type(value) is list and len(value) == length else None
