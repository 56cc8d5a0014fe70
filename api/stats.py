"""Where the sessions, messages, tokens and money went: figures from index rows alone.

Pure (no I/O, no UI): the statistics screen and `session-browser stats` both call `compute`,
with the clock and time zone injected so a test (or a chart snapshot) is stable. Only index
rows are read, never session files: at 100,000 sessions the rows are already in memory, the
files are gigabytes.

What a row cannot say is not made up:
- index rows hold no per-message times, so a session and all its messages count on the day of
  its last message (`last_message_at`, which Hermes derives, falling back to `updated_at`);
- a session without a usage field adds nothing to that field's sum, and a sum that no session
  contributed to stays `None` (shown blank), never 0: "unknown" must not read as "free".
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from api.records import USAGE_KEYS

Row = dict[str, Any]

#: How many days the per-day figures cover, today included.
DAYS = 90
#: How many of the busiest days are listed.
BUSIEST = 5
NO_MODEL = "(no model)"
NO_PROJECT = "(no project)"
NO_WORKSPACE = "(no workspace)"

# Positions in an accumulator list: sessions, messages, then per usage key its sum and how
# many rows had it (a list of ints and floats is the cheapest thing to add to in a hot loop).
_SESSIONS, _MESSAGES, _FIRST_USAGE = 0, 1, 2
_WIDTH = _FIRST_USAGE + 2 * len(USAGE_KEYS)


@dataclass(frozen=True)
class Totals:
    """Counts and usage sums of a set of sessions; a usage sum is None when no session had it."""

    sessions: int = 0
    messages: int = 0
    input_tokens: int | None = None
    output_tokens: int | None = None
    estimated_cost: float | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None

    @property
    def tokens(self) -> int | None:
        """Input plus output tokens; None when neither is known. Cache reads and writes are
        not added: Hermes' `input_tokens` is its agent's `session_prompt_tokens`, which counts
        them already (hermes-webui api/usage.py, api/streaming.py)."""
        if self.input_tokens is None and self.output_tokens is None:
            return None
        return (self.input_tokens or 0) + (self.output_tokens or 0)

    @property
    def cost(self) -> float | None:
        return self.estimated_cost

    def to_json(self) -> dict[str, Any]:
        return {
            "sessions": self.sessions, "messages": self.messages, "tokens": self.tokens,
            **{key: getattr(self, key) for key in USAGE_KEYS},
        }


@dataclass(frozen=True)
class Group:
    """One bar of a "by model / project / workspace" chart. `key` is what rows hold (a project
    id, a model name; "" when none), `label` what to show."""

    key: str
    label: str
    totals: Totals


@dataclass(frozen=True)
class Day:
    date: dt.date
    sessions: int
    messages: int


@dataclass(frozen=True)
class Stats:
    """Everything the statistics screen and `session-browser stats` show."""

    now: float
    #: One entry per day, oldest first, the last one today (in the injected time zone).
    days: tuple[Day, ...]
    by_model: tuple[Group, ...]
    by_project: tuple[Group, ...]
    by_workspace: tuple[Group, ...]
    totals: Totals
    #: The days of `days` with the most sessions (then messages), busiest first; no empty day.
    busiest: tuple[Day, ...]

    def to_json(self) -> dict[str, Any]:
        def groups(items: tuple[Group, ...]) -> list[dict[str, Any]]:
            return [{"key": g.key, "label": g.label, **g.totals.to_json()} for g in items]

        def days(items: tuple[Day, ...]) -> list[dict[str, Any]]:
            return [{"date": d.date.isoformat(), "sessions": d.sessions,
                     "messages": d.messages} for d in items]

        return {
            "totals": self.totals.to_json(),
            "by_model": groups(self.by_model),
            "by_project": groups(self.by_project),
            "by_workspace": groups(self.by_workspace),
            "busiest_days": days(self.busiest),
            "days": days(self.days),
        }


def day_bounds(
    now: float, tz: dt.tzinfo | None, days: int = DAYS
) -> tuple[list[float], list[dt.date]]:
    """The epoch seconds at which each of the last `days` local days starts (oldest first, plus
    the start of tomorrow as the end), and their dates. Each midnight is computed on its own:
    across a DST change a day is 23 or 25 hours long. `tz` None is the system's local time."""
    today = dt.datetime.fromtimestamp(now, tz).date()
    dates = [today - dt.timedelta(days=back) for back in range(days - 1, -1, -1)]
    edges = [*dates, today + dt.timedelta(days=1)]
    return [dt.datetime.combine(d, dt.time(), tz).timestamp() for d in edges], dates


def compute(
    rows: Iterable[Row],
    *,
    now: float,
    tz: dt.tzinfo | None,
    project_names: Mapping[str, str] | None = None,
    days: int = DAYS,
) -> Stats:
    """The figures for `rows` (sanitised index rows: what `SessionStore.list_rows` gives, or
    the subset a filter shows). `project_names` maps project ids to names for the labels.

    One pass over the rows, adding into one accumulator per (model, project, workspace): far
    fewer combinations than rows, folded into the three groupings at the end.
    """
    edges, dates = day_bounds(now, tz, days)
    first, end = edges[0], edges[-1]
    per_day = [[0, 0] for _ in dates]
    combos: dict[tuple[Any, Any, Any], list[Any]] = {}
    usage = tuple(enumerate(USAGE_KEYS))
    locate = bisect.bisect_right
    for row in rows:
        get = row.get
        count = get("message_count", 0)
        key = (get("model"), get("project_id"), get("workspace"))
        acc = combos.get(key)
        if acc is None:
            acc = combos[key] = [0] * _WIDTH
        acc[_SESSIONS] += 1
        acc[_MESSAGES] += count
        for i, name in usage:
            value = get(name)
            if value is not None and _usable(value):
                slot = _FIRST_USAGE + 2 * i
                acc[slot] += value
                acc[slot + 1] += 1
        stamp = get("last_message_at", 0.0)
        if first <= stamp < end:
            day = per_day[locate(edges, stamp) - 1]
            day[0] += 1
            day[1] += count
    return _fold(combos, per_day, dates, now, project_names or {})


def _usable(value: object) -> bool:
    """A usage figure to add: a non-negative int (not a bool) or finite float. Rows from other
    tools are sanitised for the keys the list sorts on, not for these."""
    kind = type(value)
    if kind is int:
        return value >= 0  # type: ignore[operator]
    return kind is float and value - value == 0.0 and value >= 0  # type: ignore[operator]


def _fold(
    combos: dict[tuple[Any, Any, Any], list[Any]],
    per_day: list[list[int]],
    dates: list[dt.date],
    now: float,
    project_names: Mapping[str, str],
) -> Stats:
    by: list[dict[str, list[Any]]] = [{}, {}, {}]
    total = [0] * _WIDTH
    for key, acc in combos.items():
        for position, value in enumerate(key):
            name = value if isinstance(value, str) else ""
            into = by[position].get(name)
            if into is None:
                into = by[position][name] = [0] * _WIDTH
            _add(into, acc)
        _add(total, acc)
    labels = (
        lambda k: k or NO_MODEL,
        lambda k: project_names.get(k, k) if k else NO_PROJECT,
        lambda k: k or NO_WORKSPACE,
    )
    model, project, workspace = (
        _ranked([Group(k, label(k), _totals(acc)) for k, acc in groups.items()])
        for groups, label in zip(by, labels, strict=True)
    )
    day_list = tuple(Day(d, s, m) for d, (s, m) in zip(dates, per_day, strict=True))
    busiest = sorted((d for d in day_list if d.sessions),
                     key=lambda d: (-d.sessions, -d.messages, -d.date.toordinal()))
    return Stats(now, day_list, model, project, workspace, _totals(total),
                 tuple(busiest[:BUSIEST]))


def _add(into: list[Any], acc: list[Any]) -> None:
    for i, value in enumerate(acc):
        into[i] += value


def _totals(acc: list[Any]) -> Totals:
    sums: dict[str, Any] = {}
    for i, name in enumerate(USAGE_KEYS):
        slot = _FIRST_USAGE + 2 * i
        sums[name] = acc[slot] if acc[slot + 1] else None
    return Totals(acc[_SESSIONS], acc[_MESSAGES], **sums)


def _ranked(groups: list[Group]) -> tuple[Group, ...]:
    """Largest first: by tokens, then cost, then sessions; unknown usage after any known."""
    def size(group: Group) -> tuple[float, float, int, str]:
        totals = group.totals
        tokens = -1 if totals.tokens is None else totals.tokens
        cost = -1.0 if totals.cost is None else totals.cost
        return (-tokens, -cost, -totals.sessions, group.label)

    return tuple(sorted(groups, key=size))


# ── formatting ──────────────────────────────────────────────────────────────


def format_tokens(value: int | float | None) -> str:
    """"12.4k", "3.1M", "850"; blank when unknown (never "0" for a missing count)."""
    if value is None:
        return ""
    number = float(value)
    if abs(number) < 1000:
        return f"{int(number)}"
    for limit, suffix in ((1e3, "k"), (1e6, "M"), (1e9, "B")):
        scaled = number / limit
        # 999,960 is "1.0M", not "1000.0k".
        if abs(round(scaled, 1)) < 1000 or suffix == "B":
            return f"{scaled:.1f}{suffix}"
    raise AssertionError("unreachable")


def format_cost(value: float | None) -> str:
    """"$0.37", "$1,204.50", "<$0.01" for a real but tiny cost; blank when unknown."""
    if value is None:
        return ""
    if 0 < value < 0.005:
        return "<$0.01"
    return f"${value:,.2f}"
