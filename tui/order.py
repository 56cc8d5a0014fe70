"""The orders the list can be sorted in (`s` cycles through `ORDERS`), and sorting rows in
them fast: pinned first in every order, ties kept in the store's order (newest first)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from api.records import Row

SortKey = tuple[Any, ...]


@dataclass(frozen=True)
class Order:
    """One way to sort the list (`s` cycles through `ORDERS`)."""

    name: str
    label: str  # for the status line: "by last updated"
    field: str  # the row key sorted on
    column: str  # the time column's heading in this order
    grouped: bool  # a time order: rows fall under Today / Yesterday / ... headings

    @property
    def time_field(self) -> str:
        """The time the list shows (and groups by) in this order."""
        return self.field if self.grouped else "updated_at"


ORDERS: tuple[Order, ...] = (
    Order("updated", "last updated", "updated_at", "Last active", True),
    Order("last_message", "last message", "last_message_at", "Last msg", True),
    Order("created", "created", "created_at", "Created", True),
    Order("title", "title", "title", "Last active", False),
    Order("messages", "message count", "message_count", "Last active", False),
    Order("tokens", "tokens", "tokens", "Last active", False),
    Order("cost", "cost", "estimated_cost", "Last active", False),
)
#: Orders on usage: offered by `s` only while their column is shown (see `USAGE_COLUMNS`).
USAGE_ORDERS = frozenset({"tokens", "cost"})
DEFAULT_ORDER = ORDERS[0]
ORDER_NAMES = {order.name: order for order in ORDERS}


def sort_key(row: Row) -> SortKey:
    """Default order: pinned first, then newest `updated_at` (the store's rows are sanitised,
    so both fields have the right type)."""
    return (not row["pinned"], -row["updated_at"])


def time_of(row: Row, name: str) -> float:
    """The row's time field `name` (its `updated_at` where it has none)."""
    value = row.get(name)
    return value if isinstance(value, float | int) else row["updated_at"]


def key_for(order: Order) -> Callable[[Row], SortKey]:
    """The sort key of an order: pinned first in every order, then the order's field, then
    newest `updated_at` (so ties keep the store's order)."""
    if order.name == "updated":
        return sort_key
    if order.name == "title":
        return lambda row: (not row["pinned"], row["title"].casefold(), -row["updated_at"])
    if order.name == "messages":
        return lambda row: (not row["pinned"], -row["message_count"], -row["updated_at"])
    if order.name in USAGE_ORDERS:
        usage = _usage_key(order.name)
        return lambda row: (not row["pinned"], *usage(row), -row["updated_at"])
    name = order.field
    return lambda row: (not row["pinned"], -time_of(row, name), -row["updated_at"])


def row_tokens(row: Row) -> int | None:
    """Input plus output tokens of a row, None when it has neither (Hermes' input count
    already holds the cache reads and writes, see `api.stats.Totals.tokens`)."""
    given = [row.get(key) for key in ("input_tokens", "output_tokens")]
    numbers = [v for v in given if isinstance(v, int | float) and not isinstance(v, bool)]
    return int(sum(numbers)) if numbers else None


def row_cost(row: Row) -> float | None:
    value = row.get("estimated_cost")
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def _usage_key(order_name: str) -> Callable[[Row], tuple[bool, float]]:
    """Largest first, rows without usage last (missing is not 0)."""
    value_of: Callable[[Row], float | None] = row_tokens if order_name == "tokens" else row_cost

    def key(row: Row) -> tuple[bool, float]:
        value = value_of(row)
        return (value is None, -(value or 0))

    return key


def _is_sorted(rows: list[Row]) -> bool:
    """Newest first? (Sorting floats that already are in order is one C-speed pass.)"""
    stamps = [row["updated_at"] for row in rows]
    return stamps == sorted(stamps, reverse=True)


def display_order(rows: Iterable[Row], order: Order = DEFAULT_ORDER) -> list[Row]:
    """Rows in display order. The store already sorts newest first, so the default order is a
    stable partition of the pinned rows (a few ms at 100,000, where a keyed sort costs ~60);
    other orders are one stable sort on their field over that, which equals sorting by
    `key_for(order)` at a fraction of its cost."""
    rows = list(rows)
    if not _is_sorted(rows):
        rows.sort(key=lambda row: row["updated_at"], reverse=True)
    if order.name == "title":
        rows.sort(key=lambda row: row["title"].casefold())
    elif order.name == "messages":
        rows.sort(key=lambda row: row["message_count"], reverse=True)
    elif order.name in USAGE_ORDERS:
        rows.sort(key=_usage_key(order.name))
    elif order.name != "updated":
        name = order.field
        rows.sort(key=lambda row: time_of(row, name), reverse=True)
    pinned = [row for row in rows if row["pinned"]]
    if pinned:
        rows = pinned + [row for row in rows if not row["pinned"]]
    return rows
