"""What a session record and an index row look like, and how to trust them.

Everything here is pure (no I/O): session ids, the compact index row derived from a session
record, and the coercion that makes rows written by any tool safe to sort and display.
"""

from __future__ import annotations

import re
from sys import intern
from typing import Any, TypeGuard

from api.rowmemory import make_row, row_shape, share_values

Record = dict[str, Any]
Row = dict[str, Any]

# No leading "_": in a store folder, names starting with "_" are not sessions (`_index.json`).
_SAFE_ID = re.compile(r"[A-Za-z0-9-][A-Za-z0-9_-]{0,127}")
_safe_id_match = _SAFE_ID.fullmatch

#: The keys every index row carries, in the order Hermes WebUI writes them.
ROW_KEYS: tuple[str, ...] = (
    "session_id",
    "title",
    "workspace",
    "model",
    "model_provider",
    "message_count",
    "created_at",
    "updated_at",
    "last_message_at",
    "pinned",
    "archived",
    "project_id",
    "profile",
)

#: Usage Hermes WebUI writes into each session file and its index row. A row carries each one
#: the file has (as a finite number); one the file lacks stays missing, never 0, so "unknown"
#: is not shown as "free".
USAGE_KEYS: tuple[str, ...] = (
    "input_tokens",
    "output_tokens",
    "estimated_cost",
    "cache_read_tokens",
    "cache_write_tokens",
)

#: Keys kept out of index rows: they are the bulk of a session, not its summary.
BULKY_KEYS = frozenset(
    {
        "messages",
        "tool_calls",
        "context_messages",
        "anchor_activity_scenes",
        "anchor_scene_index",
        "pending_attachments",
        "composer_draft",
    }
)

#: Metadata keys a new session starts with, in file order (metadata first, `messages` last).
NEW_SESSION_DEFAULTS: tuple[tuple[str, Any], ...] = (
    ("title", "Untitled"),
    ("workspace", None),
    ("model", None),
    ("model_provider", None),
    ("created_at", None),
    ("updated_at", None),
    ("pinned", False),
    ("archived", False),
    ("project_id", None),
    ("profile", None),
)

#: Keys of `NEW_SESSION_DEFAULTS` a new session leaves out rather than write as null: Hermes
#: fills in its own default when they are absent, and its `Session.load` fails on a null
#: workspace (`Path(None)`).
OMIT_WHEN_NONE = frozenset({"workspace", "model"})


#: Hermes WebUI trims titles to this length on rename; we do the same.
MAX_TITLE = 80


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_title(title: str) -> str:
    """The title a rename stores: whitespace runs (newlines too) folded, lone surrogates (pasted
    undecodable bytes, which no UTF-8 file can hold) made U+FFFD, trimmed to MAX_TITLE.
    Public so a UI can show exactly what will be saved before the save lands."""
    return " ".join(_SURROGATE.sub("\ufffd", title).split())[:MAX_TITLE].strip()


def is_safe_id(session_id: object) -> bool:
    return type(session_id) is str and _safe_id_match(session_id) is not None


def check_session_id(session_id: object) -> str:
    """Return a usable id or raise `ValueError`: the id becomes a file name, so `../x` must not."""
    if not is_safe_id(session_id):
        raise ValueError(
            f"invalid session id {session_id!r}: use 1-128 of [A-Za-z0-9_-], not starting with _"
        )
    return session_id  # type: ignore[return-value]


def _finite_float(value: object) -> TypeGuard[float]:
    """A float that sorts: not NaN, not an infinity (either makes `x - x` NaN)."""
    return type(value) is float and value - value == 0.0


def _number(value: object, default: float) -> float:
    """`value` itself when it is a finite float, else it as a finite number, else `default`."""
    if _finite_float(value):
        return value
    if isinstance(value, bool):
        return default
    if not isinstance(value, int | str):
        return default
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return default
    # NaN and infinities would make the index unsortable.
    return number if number == number and abs(number) != float("inf") else default


#: Counts past 2**53 are garbage; past 2**64 they would not even survive the index's JSON
#: (orjson reads such an int back as a float).
MAX_COUNT = 2**53


def _count(value: object) -> int:
    return min(max(0, int(_number(value, 0.0))), MAX_COUNT)


def _text(value: object) -> str:
    if type(value) is str:
        return value
    return "" if value is None else str(value)


def message_time(message: object) -> float | None:
    """A message's timestamp (`timestamp` or Hermes' `_ts`), when it has a usable one."""
    if not isinstance(message, dict):
        return None
    for key in ("timestamp", "_ts"):
        value = message.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool):
            stamp = _number(value, float("nan"))
            if stamp == stamp:
                return stamp
    return None


def message_text(message: object) -> str:
    """The searchable (and displayable) text of a message: a string, or a list of parts."""
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(parts)
    return ""


def last_message_at(messages: object, fallback: float) -> float:
    """Time of the last non-tool message, else `fallback` (Hermes' definition)."""
    if isinstance(messages, list):
        for message in reversed(messages):
            if isinstance(message, dict) and message.get("role") != "tool":
                stamp = message_time(message)
                if stamp is not None:
                    return stamp
    return fallback


def text_field_is_float(record: Record) -> bool:
    """Is one of the fields a row shows as text (`_text`, `_optional_text`) a float? orjson
    reads an integer past 64 bits as one, whose digits the row shows: a reader that parsed the
    record with orjson parses it again exactly (`jsonio.loads_exact`) or not at all."""
    get = record.get
    return float in (type(get("title")), type(get("workspace")), type(get("model")),
                     type(get("model_provider")), type(get("project_id")), type(get("profile")))


_INFINITY = float("inf")


def message_count(record: Record) -> int:
    """The count Hermes WebUI shows: the file's `message_count` where it is a count (Hermes
    writes it into the head so that a reader need not parse the messages, and trusts it),
    else the messages counted."""
    stated: Any = record.get("message_count")
    if type(stated) in (int, float) and 0 <= stated < _INFINITY:  # Hermes: int(stated)
        return min(int(stated), MAX_COUNT)
    messages = record.get("messages")
    return len(messages) if isinstance(messages, list) else _count(stated)


def row_from_record(record: Record, base: Row | None = None) -> Row:
    """The index row for a session record.

    `base` is the row already in the index: keys we do not derive (Hermes writes 55 a row) are
    kept, and refreshed from the record where the record holds them, so they never go stale.

    Written out flat, each field's usual type taken inline and anything else handed to the
    helper that judges it, and the row made at once in its compact form (`rowmemory`): a
    rebuild runs this for every file, and the calls of a plainer version were half of it.
    """
    get = record.get
    updated = get("updated_at")
    if type(updated) is not float or updated - updated != 0.0:
        updated = _number(updated, 0.0)
    created = get("created_at")
    if type(created) is not float or created - created != 0.0:
        created = _number(created, updated)
    last = _INFINITY
    messages = get("messages")
    if type(messages) is list and messages:  # the last message is nearly always the answer
        message = messages[-1]
        if type(message) is dict and message.get("role") != "tool":
            stamp = message.get("timestamp")
            if type(stamp) is float and stamp - stamp == 0.0:
                last = stamp
    if last == _INFINITY:
        last = last_message_at(messages, updated)
    count = get("message_count")
    if type(count) is not int or not 0 <= count <= MAX_COUNT:
        count = message_count(record)
    title, workspace, model = get("title"), get("workspace"), get("model")
    provider, project, profile = get("model_provider"), get("project_id"), get("profile")
    values = (
        get("session_id"),
        title if type(title) is str else _text(title),
        intern(workspace) if type(workspace) is str else _text(workspace),
        intern(model) if type(model) is str else _text(model),
        None if provider is None else intern(provider) if type(provider) is str else str(provider),
        count,
        created,
        updated,
        updated if last == updated else last,  # one float held, not two
        bool(get("pinned")),
        bool(get("archived")),
        None if project is None else intern(project) if type(project) is str else str(project),
        None if profile is None else intern(profile) if type(profile) is str else str(profile),
    )
    if _USAGE_SET.isdisjoint(record):  # one C pass over the keys: most files have none
        row = _BASE_ROW(*values).__dict__ if _BASE_ROW else make_row(ROW_KEYS, values)
    else:
        usage = [(key, value) for key in USAGE_KEYS if _usage_number(value := get(key))]
        row = make_row(ROW_KEYS + tuple(key for key, _ in usage),
                       values + tuple(value for _, value in usage))
    if base:
        merged = dict(base)
        for key in base.keys() - row.keys() - BULKY_KEYS:
            if key in record:
                merged[key] = record[key]
        merged.update(row)
        return merged
    return row


_USAGE_SET = frozenset(USAGE_KEYS)
#: The compact row class of `ROW_KEYS` (`rowmemory.make_row`), called directly: nearly every
#: row has exactly these keys.
_BASE_ROW = row_shape(ROW_KEYS)


def _usage_number(value: object) -> bool:
    """A token count or cost worth keeping: an int (not a bool) or a finite float."""
    return (type(value) is int and 0 <= value <= MAX_COUNT) or _finite_float(value)


def _optional_text(value: object) -> str | None:
    if value is None or type(value) is str:
        return value
    return str(value)


def sanitize_row(row: object) -> Row | None:
    """Make a row from another tool safe to sort and show, or `None` if it cannot be trusted.

    A well-formed row comes back with every key it had, only compacted (`share_values`); a row
    with a wrong-typed field is fixed too. The first test is one expression because it runs
    for every row of a 100,000-row index while the user waits for the first frame.
    """
    if type(row) is not dict:
        return None
    get = row.get
    sid = get("session_id")
    if type(sid) is not str or _safe_id_match(sid) is None:
        return None
    if (
        type(updated := get("updated_at")) is float
        and updated - updated == 0.0  # finite: NaN or infinity would break sorting
        and type(created := get("created_at")) is float
        and created - created == 0.0
        and type(last := get("last_message_at")) is float
        and last - last == 0.0
        and type(get("title")) is str
        and type(get("workspace")) is str
        and type(get("model")) is str
        and type(count := get("message_count")) is int
        and 0 <= count <= MAX_COUNT
        and type(get("pinned")) is bool
        and type(get("archived")) is bool
        and ((project := get("project_id")) is None or type(project) is str)
        and ((provider := get("model_provider")) is None or type(provider) is str)
        and ((profile := get("profile")) is None or type(profile) is str)
    ):
        return share_values(row)
    return share_values(_fixed_row(row))


def _fixed_row(row: Row) -> Row:
    fixes: Row = {}
    updated = _number(row.get("updated_at"), 0.0)
    if updated is not row.get("updated_at"):
        fixes["updated_at"] = updated
    for key in ("created_at", "last_message_at"):
        if not _finite_float(row.get(key)):
            fixes[key] = _number(row.get(key), updated)
    for key in ("title", "workspace", "model"):
        if type(row.get(key)) is not str:
            fixes[key] = _text(row.get(key))
    count = row.get("message_count")
    if type(count) is not int or not 0 <= count <= MAX_COUNT:
        fixes["message_count"] = _count(count)
    for key in ("pinned", "archived"):
        if type(row.get(key)) is not bool:
            fixes[key] = bool(row.get(key))
    for key in ("project_id", "model_provider", "profile"):
        value = row.get(key)
        if value is not None and type(value) is not str:
            fixes[key] = _optional_text(value)
    return {**row, **fixes}


def updated_key(row: Row) -> float:
    """Sort key of the index: newest `updated_at` first (rows are sanitised, so a float)."""
    return -row["updated_at"]
