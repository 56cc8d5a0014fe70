"""JSON encoding for the store.

orjson is several times faster than the standard library at both ends and its `OPT_INDENT_2`
writes the same 2-space layout Hermes WebUI does. The standard library stays as a fallback for
the rare file orjson refuses (NaN, numbers past a double), so such a file still loads and saves.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def loads(data: bytes | str) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return _stdlib_loads(data)


def _finite(text: str) -> float | None:
    number = float(text)
    return number if number - number == 0.0 else None


def _stdlib_loads(data: bytes | str) -> Any:
    """What orjson refuses, read by the standard library. NaN, Infinity and numbers past a
    double (1e400) become null, as orjson would write them: they would break sorting, and a
    value that changes when written and read back would make a cached index disagree with
    its file."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")  # UnicodeDecodeError is a ValueError: callers catch both
    return json.loads(data, parse_constant=lambda _constant: None, parse_float=_finite)


#: Every digit as "0", everything else as a space: a run of 19 zeros then marks a run of 19
#: digits, found by two C passes over the bytes (a regex takes five times as long).
_DIGITS = bytes(ord("0") if ord("0") <= i <= ord("9") else ord(" ") for i in range(256))
#: 2**63 has 19 digits: an integer written with fewer always fits in orjson's 64 bits.
_LONG_RUN = b"0" * 19


def loads_exact(data: bytes) -> Any:
    """For session files, which a save writes back: orjson reads an integer past 64 bits as a
    float, without a word, and the save would then change another tool's number. A run of 19
    digits anywhere (rare: in such a number, or inside a string) sends the file to the
    standard library, whose integers are exact; any other file costs two quick passes more."""
    if data.translate(_DIGITS).find(_LONG_RUN) < 0:
        return loads(data)
    return _stdlib_loads(data)


def dumps_session(record: dict[str, Any]) -> bytes:
    """A session file: 2-space indent and key order kept, as Hermes WebUI writes it."""
    try:
        return orjson.dumps(record, option=orjson.OPT_INDENT_2)
    except TypeError:
        # ensure_ascii: a lone surrogate (valid in JSON text, not in UTF-8) stays a \u escape.
        return _stdlib(record, indent=2, separators=None)


def dumps_compact(value: Any) -> bytes:
    """An index row or the whole index: compact, never indented (a third fewer bytes)."""
    return dumps_exact(value) or _stdlib(value, indent=None, separators=(",", ":"))


def dumps_exact(value: Any) -> bytes | None:
    """Compact JSON that orjson reads back as the same value, or None when orjson cannot write
    it (an integer past 64 bits, a lone surrogate, ...): the standard library's text for it
    would come back from orjson changed."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return None


def row_bytes(row: Any) -> bytes | None:
    """An index row's line (`dumps_exact`), or None when orjson cannot write it exactly.

    A copy the size of its text: the bytes orjson returns keep the buffer they were written
    into, which, held for every row of the index, was 400 MB at 100,000 rows."""
    blob = dumps_exact(row)
    return None if blob is None else bytes(memoryview(blob))


def _stdlib(value: Any, indent: int | None, separators: tuple[str, str] | None) -> bytes:
    try:
        return json.dumps(value, indent=indent, separators=separators).encode("ascii")
    except RecursionError:
        # Another tool's value nested deeper than Python's encoder goes (orjson reads 1,024
        # levels): a ValueError, which a save reports, rather than a RecursionError.
        raise ValueError("a value is nested too deeply to be written as JSON") from None
