"""How 100,000 index rows fit in little memory: each row a dict with a key table shared with
every other row of its keys, its repeated text (models, workspaces) one string for all rows.

The app holds every row for as long as it runs, so a row's size is the app's size. Nothing
here changes what a row says; a row made here is an ordinary dict to everything that reads it.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from keyword import iskeyword
from sys import intern
from typing import Any

Row = dict[str, Any]

#: Row values that repeat from session to session (a few models, workspaces, profiles): each is
#: kept once (`share_values`), not once a row: 25 MB at 100,000 rows.
SHARED_KEYS = frozenset({"workspace", "model", "model_provider", "profile", "project_id"})

#: Rows with more keys than this are plain dicts: CPython shares at most 30 keys between
#: the dicts of one class's instances.
MAX_SHARED_SHAPE = 30
#: How many distinct key lists (in order) get a shared key table; rows of any other are plain
#: dicts (a crafted index cannot make a class a row).
MAX_SHAPES = 64
_shapes: dict[tuple[str, ...], type] = {}


def new_row(keys: tuple[str, ...]) -> Row:
    """An empty dict that will hold `keys` (in that order) in the least memory CPython has for
    it: the `__dict__` of an instance of a class of their own, whose key table is stored once
    for all such rows (PEP 412: 176 bytes a 13-key row, against 464 for a plain dict). It is
    an ordinary dict in every other way (its instance is dropped at once), so nothing that
    reads a row can tell; where sharing does not apply it is simply a plain dict."""
    shape = _shape(keys)
    if shape is None:
        return {}
    empty: Row = object.__new__(shape).__dict__  # no `__init__`: it wants the values
    return empty


def make_row(keys: tuple[str, ...], values: tuple[Any, ...]) -> Row:
    """The row of `keys` holding `values` (in order), as compact as `new_row` makes it, in one
    call: the shape's `__init__` stores them as attributes, which CPython specialises, in a
    third of the time of as many item assignments (a rebuild makes 100,000 rows)."""
    shape = _shape(keys)
    if shape is not None and "__init__" in shape.__dict__:
        row: Row = shape(*values).__dict__
        return row
    row = new_row(keys)
    for key, value in zip(keys, values, strict=True):
        row[key] = value
    return row


def row_shape(keys: tuple[str, ...]) -> Callable[..., Any] | None:
    """The class whose `shape(*values).__dict__` is `make_row(keys, values)`, for a caller that
    makes many rows of these keys; None where `make_row` makes them another way."""
    shape = _shape(keys)
    return shape if shape is not None and "__init__" in shape.__dict__ else None


def _shape(keys: tuple[str, ...]) -> type | None:
    if len(keys) > MAX_SHARED_SHAPE:
        return None
    shape = _shapes.get(keys)
    if shape is None:
        if len(_shapes) >= MAX_SHAPES:
            return None
        shape = _shapes.setdefault(keys, _new_shape(keys))
    return shape


def _new_shape(keys: tuple[str, ...]) -> type:
    """A class for rows of `keys`. When every key is a plain name (`ROW_KEYS`, the usage
    keys), it gets an `__init__` that stores its arguments under them, written as source and
    compiled as `dataclasses` and `namedtuple` make theirs: a name can hold no code, and a
    dunder (`__class__`) is no plain name here."""
    namespace: dict[str, Any] = {}
    if keys and all(k.isidentifier() and not iskeyword(k) and not k.startswith("__")
                    for k in keys):
        params = ", ".join(f"v{i}" for i in range(len(keys)))
        body = "".join(f"    self.{key} = v{i}\n" for i, key in enumerate(keys))
        exec(f"def __init__(self, {params}):\n{body}", {}, namespace)
    return type("RowShape", (), namespace)


def share_values(row: Row) -> Row:
    """A copy of `row` as small as CPython keeps a dict of its keys (`new_row`), its
    repeated text the one string all rows share (`sys.intern`: freed when no row holds it any
    more), and its last-message time the very float of `updated_at` when equal. 100,000 rows
    are held by the app for as long as it runs."""
    shared = make_row(tuple(row), tuple(
        intern(value) if key in SHARED_KEYS and type(value) is str else value
        for key, value in row.items()))
    last = shared.get("last_message_at")
    if type(last) is float and last == shared.get("updated_at"):
        shared["last_message_at"] = shared["updated_at"]
    return shared


@contextlib.contextmanager
def quiet_gc() -> Iterator[None]:
    """No cyclic garbage collection while 100,000 rows are made (a rebuild, the app's load).

    Each full collection walks every live object: with the rows of a big store that is ~100 ms
    holding the GIL, several times while they are made (12% of a 100,000-file rebuild). Rows
    hold no reference cycles (plain dicts of strings and numbers; refcounting frees them).
    The app's loader then freezes them (`gc.freeze()`), so later collections skip them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
