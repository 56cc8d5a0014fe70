"""The rows the list shows, kept sorted.

`SessionRows` holds plain index-row dicts from `SessionStore.list_rows()` in display order
(pinned first, then the chosen `Order`: newest `updated_at` by default) and the filtered view
the list draws from (archived hidden unless asked for, narrowed by the search line's query).
There is no object per session besides the row the store gave us and its haystack string: an
edit replaces one row with a bisect, so it costs the same at 10 and at 100,000 sessions.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from datetime import time as day_start
from itertools import compress
from operator import and_, not_, or_
from typing import Any

from api.records import Row
from tui.order import DEFAULT_ORDER, Order, SortKey, display_order, key_for, sort_key, time_of
from tui.query import EMPTY, Places, Query, field_matcher, haystack, title_hay

#: The rows a view shows and their haystacks: a list, or a tuple for a query's result.
View = list[Row] | tuple[Row, ...]
Hays = list[str] | tuple[str, ...]


#: How many recent queries' results are kept (so backspace costs nothing).
MEMO_SIZE = 16


def _locate(rows: View, row: Row, key: Callable[[Row], SortKey] = sort_key) -> int:
    """Where this exact row object is in a sorted list (rows with equal keys are scanned)."""
    i = bisect_left(rows, key(row), key=key)
    while i < len(rows) and rows[i] is not row:
        i += 1
    if i < len(rows):
        return i
    for j, other in enumerate(rows):  # out of place (should not happen): the slow way
        if other is row:
            return j
    raise LookupError(row["session_id"])


class LazyHays:
    """The haystacks of a query's view, made only when an edit needs them as a sequence:
    those of `source` (haystacks, or another `LazyHays`) that `keep` keeps. The next word typed
    filters them as they stream out of `compress`, so a keystroke never copies them."""

    __slots__ = ("_keep", "_made", "_source")

    def __init__(self, source: Hays | LazyHays, keep: list[bool]) -> None:
        self._source = source
        self._keep = keep
        self._made: Hays | None = None

    def __iter__(self) -> Iterator[str]:
        if self._made is not None:
            return iter(self._made)
        return compress(self._source, self._keep)

    def __call__(self) -> Hays:
        if self._made is None:
            self._made = tuple(self)
            self._source, self._keep = (), []
        return self._made

    def shallow(self) -> Hays | LazyHays:
        """Itself, or made when it stands on another `LazyHays`: streaming through a chain
        of them would pass over all the rows on every keystroke."""
        return self() if isinstance(self._source, LazyHays) else self


def hays_of(hays: Hays | LazyHays) -> Hays:
    return hays() if isinstance(hays, LazyHays) else hays


@dataclass(frozen=True)
class Group:
    """A heading in the list: rows `start` to `end` (exclusive) of the shown view."""

    label: str
    start: int
    end: int


def day_starts(now: float, tz: tzinfo | None) -> tuple[float, float, float]:
    """When today, yesterday and the 7-day week began (local midnight, DST-safe)."""
    today = datetime.fromtimestamp(now, tz).date()

    def midnight(days: int) -> float:
        return datetime.combine(today - timedelta(days=days), day_start(), tzinfo=tz).timestamp()

    return midnight(0), midnight(1), midnight(6)


class SessionRows:
    """All sessions in display order, and the view the list shows: archived ones hidden unless
    `show_archived`, narrowed by the search line's `query`.

    Three sorted lists, each the one before filtered: every row (`_all`), the rows the archive
    setting lets through (`_base`), and those the query keeps too (`_shown`). A list that
    filters nothing is the very list before it. Beside each list runs a parallel list of
    haystacks (the title lowercased, `title_hay`), computed once per row when the rows are
    built (in the loader's thread); the few distinct workspaces and models are `Places`. A
    keystroke of the search line then only filters `_base` by words, a C-speed pass of `in`
    over strings (and one over the rows' places when the word is in one); a word typed on top
    of the last one filters the previous `_shown` instead. An edit replaces one row in each
    list by bisection.

    What the query keeps is a tuple, not a list: the garbage collector stops looking into a
    tuple of plain rows and strings after its first pass, while it walks every element of a
    list in each full collection. With the results of recent queries kept for backspace,
    those walks were a pause of 10 to 30 ms at 100,000 sessions, every few keystrokes. A
    tuple view becomes a list again only when an edit changes it.
    """

    def __init__(
        self,
        rows: Iterable[Row] = (),
        *,
        show_archived: bool = False,
        order: Order = DEFAULT_ORDER,
        query: Query = EMPTY,
        projects: Mapping[str, Any] | None = None,
    ) -> None:
        self._order = order
        self._key = key_for(order)
        self._all = display_order(rows, order)
        self._hays = [title_hay(row) for row in self._all]
        self._places = Places(self._all)
        self._by_id = {row["session_id"]: row for row in self._all}
        self._show_archived = show_archived
        self._projects: Mapping[str, Any] = projects or {}
        self._query = query
        self._matcher = field_matcher(query, self._projects)
        self._base, self._base_hays = self._archive_filter()
        self._shown, self._shown_hays = self._query_filter(self._base, self._base_hays)
        # Recent queries' results (backspace goes back to one); emptied by any change.
        self._memo: OrderedDict[Query, tuple[View, Hays | LazyHays]] = OrderedDict()

    # ── the filters ─────────────────────────────────────────────────────────

    def _hides_archived(self, query: Query) -> bool | None:
        """True: archived rows are left out; False: only archived ones are kept; None: both."""
        if query.archived is True:
            return False
        if query.archived is False or not self._show_archived:
            return True
        return None

    def _archive_filter(self) -> tuple[list[Row], list[str]]:
        """`_all` less what the archive setting hides (`_all` itself when it hides nothing)."""
        hides = self._hides_archived(self._query)
        if hides is None:
            return self._all, self._hays
        keep = [row["archived"] is not hides for row in self._all]
        if all(keep):  # nothing to hide: no copy of every row (`put` makes one when needed)
            return self._all, self._hays
        return list(compress(self._all, keep)), list(compress(self._hays, keep))

    def _split_base(self, row: Row) -> None:
        """Give `_base` a list of its own before `row`, which the archive setting hides, goes
        into `_all`: while it hid nothing, it was `_all` itself."""
        if self._base is not self._all or self._in_base(row):
            return
        shown_is_base = self._shown is self._base
        self._base, self._base_hays = list(self._all), list(self._hays)
        if shown_is_base:
            self._shown, self._shown_hays = self._base, self._base_hays

    @property
    def _narrows(self) -> bool:
        """Does the query filter beyond the archive setting?"""
        query = self._query
        return bool(query.words or query.not_words or self._matcher is not None)

    def _query_filter(self, rows: View, hays: Hays | LazyHays) -> tuple[View, Hays | LazyHays]:
        """The rows of `rows` (`_base`, or a `_shown` being narrowed) the query keeps: a new
        tuple, or `_base` itself when the query filters nothing. Their haystacks are made
        only when asked for (`LazyHays`): that is half the work, and most views never are."""
        if not self._narrows:
            return self._base, self._base_hays
        query = self._query
        matcher = self._matcher
        if isinstance(hays, LazyHays):
            hays = hays.shallow()
        for word in query.words:
            places = self._places.mask(word, rows)
            if places is True:
                continue  # in every row's workspace or model: every row stays
            keep = [word in hay for hay in hays]
            if places is not None:
                keep = list(map(or_, keep, places))
            rows, hays = tuple(compress(rows, keep)), LazyHays(hays, keep)
        for word in query.not_words:
            places = self._places.mask(word, rows)
            if places is True:
                keep = [False] * len(rows)
            else:
                keep = [word not in hay for hay in hays]
                if places is not None:
                    keep = list(map(and_, keep, map(not_, places)))
            rows, hays = tuple(compress(rows, keep)), LazyHays(hays, keep)
        if matcher is not None:
            keep = [matcher(row) for row in rows]
            rows, hays = tuple(compress(rows, keep)), LazyHays(hays, keep)
        return rows, hays

    def _in_base(self, row: Row) -> bool:
        hides = self._hides_archived(self._query)
        return hides is None or row["archived"] is not hides

    def _in_shown(self, row: Row, hay: str) -> bool:
        """Would the filters keep this row? (`hay`: its whole `haystack`.)"""
        if not self._in_base(row):
            return False
        query = self._query
        if not all(word in hay for word in query.words):
            return False
        if any(word in hay for word in query.not_words):
            return False
        return self._matcher is None or self._matcher(row)

    def _levels(self) -> list[tuple[list[Row], list[str], Callable[[Row, str], bool]]]:
        """The distinct lists, each with what decides whether a row belongs in it, ready to
        be changed (a query's tuple view is made a list)."""
        levels: list[tuple[list[Row], list[str], Callable[[Row, str], bool]]] = [
            (self._all, self._hays, lambda row, hay: True)
        ]
        if self._base is not self._all:
            levels.append((self._base, self._base_hays, lambda row, hay: self._in_base(row)))
        if self._shown is not self._base:
            shown, hays = self._shown, self._shown_hays
            if not isinstance(shown, list) or not isinstance(hays, list):
                shown, hays = list(shown), list(hays_of(hays))
                self._shown, self._shown_hays = shown, hays
            levels.append((shown, hays, self._in_shown))
        return levels

    def _refilter(self) -> None:
        """Filter anew from every row (the archive setting or the order changed)."""
        self._memo.clear()
        self._base, self._base_hays = self._archive_filter()
        self._shown, self._shown_hays = self._query_filter(self._base, self._base_hays)

    # ── reading ─────────────────────────────────────────────────────────────

    def __len__(self) -> int:
        return len(self._shown)

    def __getitem__(self, index: int) -> Row:
        return self._shown[index]

    def __iter__(self) -> Iterator[Row]:
        return iter(self._shown)

    @property
    def total(self) -> int:
        """Every session in the store, archived included."""
        return len(self._all)

    def all_rows(self) -> list[Row]:
        """Every row in display order (a copy)."""
        return list(self._all)

    @property
    def show_archived(self) -> bool:
        return self._show_archived

    @show_archived.setter
    def show_archived(self, value: bool) -> None:
        if value == self._show_archived:
            return
        self._show_archived = value
        self._refilter()

    @property
    def query(self) -> Query:
        return self._query

    @query.setter
    def query(self, query: Query) -> None:
        old = self._query
        self._query = query  # an equal query may be typed differently: keep the text
        if query == old:
            return
        self._matcher = field_matcher(query, self._projects)
        if self._hides_archived(query) != self._hides_archived(old):
            self._refilter()
        elif query in self._memo:
            self._memo.move_to_end(query)
            self._shown, self._shown_hays = self._memo[query]
        elif query.refines(old) and self._shown is not self._base:
            self._shown, self._shown_hays = self._query_filter(self._shown, self._shown_hays)
        else:
            self._shown, self._shown_hays = self._query_filter(self._base, self._base_hays)
        if self._shown is not self._base:
            self._memo[query] = (self._shown, self._shown_hays)
            if len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)

    @property
    def projects(self) -> Mapping[str, Any]:
        return self._projects

    @projects.setter
    def projects(self, projects: Mapping[str, Any]) -> None:
        self._projects = projects
        self._memo.clear()
        self._matcher = field_matcher(self._query, projects)
        if self._matcher is not None:
            self._shown, self._shown_hays = self._query_filter(self._base, self._base_hays)

    @property
    def order(self) -> Order:
        return self._order

    @order.setter
    def order(self, order: Order) -> None:
        if order != self._order:
            self._reorder(order)

    def _reorder(self, order: Order) -> None:
        """Sort every row anew (their haystacks follow them) and filter again."""
        hay_of = {id(row): hay for row, hay in zip(self._all, self._hays, strict=True)}
        self._order, self._key = order, key_for(order)
        self._all = display_order(self._all, order)
        self._hays = [hay_of[id(row)] for row in self._all]
        self._refilter()

    def get(self, session_id: str) -> Row | None:
        return self._by_id.get(session_id)

    def matches(self, row: Row) -> bool:
        """Does this row pass the view's qualifiers and archive setting (words aside)? For
        message hits: their words are matched in the messages, not the title."""
        return self._in_base(row) and (self._matcher is None or self._matcher(row))

    def index_of(self, session_id: str) -> int | None:
        """The session's position in the shown view, or None when it is not shown."""
        row = self._by_id.get(session_id)
        if row is None:
            return None
        if self._shown is not self._all and not self._in_shown(row, haystack(row)):
            return None
        return _locate(self._shown, row, self._key)

    def groups(self, now: float, tz: tzinfo | None) -> list[Group]:
        """The headings of the shown view in a time order (none in the others): Pinned, then
        Today / Yesterday / This week / Older by the order's time; empty ones left out."""
        shown = self._shown
        if not self._order.grouped or not shown:
            return []
        pinned = bisect_left(shown, True, key=lambda row: not row["pinned"])
        name = self._order.field

        def minus_time(row: Row) -> float:
            return -time_of(row, name)

        bounds = [("Pinned", 0, pinned)]
        start = pinned
        labels = ("Today", "Yesterday", "This week")
        for label, since in zip(labels, day_starts(now, tz), strict=True):
            end = bisect_right(shown, -since, lo=start, key=minus_time)
            bounds.append((label, start, end))
            start = end
        bounds.append(("Older", start, len(shown)))
        return [Group(label, a, b) for label, a, b in bounds if b > a]

    # ── changing ────────────────────────────────────────────────────────────

    def put(self, row: Row) -> None:
        """Insert `row`, replacing the row of the same session; every list stays sorted."""
        self.remove(row["session_id"])
        self._memo.clear()
        key = self._key
        hay, whole = title_hay(row), haystack(row)
        new_key = key(row)
        self._by_id[row["session_id"]] = row
        self._places.add(row)
        self._split_base(row)
        for rows, hays, belongs in self._levels():
            if belongs(row, whole):
                i = bisect_right(rows, new_key, key=key)
                rows.insert(i, row)
                hays.insert(i, hay)

    def remove(self, session_id: str) -> Row | None:
        """Take a session out of every list (it was deleted); returns its row."""
        old = self._by_id.pop(session_id, None)
        if old is None:
            return None
        self._memo.clear()  # remembered results hold the old row
        old_hay = haystack(old)
        for rows, hays, belongs in self._levels():
            if belongs(old, old_hay):
                i = _locate(rows, old, self._key)
                del rows[i]
                del hays[i]
        return old
