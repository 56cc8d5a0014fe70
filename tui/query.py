"""The search line's language, and finding what it matched.

`Query.parse` turns what was typed into words and qualifiers, once per keystroke:

- plain words must all occur (case-insensitive, anywhere) in the title, workspace or model;
- `project:NAME`, `model:TEXT`, `workspace:TEXT` narrow to one field (a substring, so `model:gpt`
  matches `openai/gpt-5`; a project matches by name or id); quote a value with spaces:
  `project:"data team"`;
- `is:pinned`, `is:archived` (a prefix is enough: `is:p`); `is:archived` shows archived sessions
  even while they are hidden;
- `project:none`: sessions in no project (`-project:none`: in some project);
- on last activity (`last_message_at`, else `updated_at`): `before:DATE` (before that day
  began), `after:DATE` (from that day on), DATE as `2026-05-01` or `2026-05-01T14:30` in local
  time; `older:AGE` / `newer:AGE`, AGE a number and a unit: `12h`, `30d`, `2w`, `6m` (30-day
  months), `1y` (365 days). `-older:30d` is `newer:30d`, `-before:D` is `after:D`;
- `-` before any of these excludes instead: `-is:pinned`, `-model:mini`, `-draft`.

A value that is not a date or an age (`older:banana`) sets `Query.error`, a line to show the
user; the rest of the query still applies.

A qualifier still being typed (`model:` with no value, a lone `-`) changes nothing, so the list
does not flicker empty between keystrokes. Anything else with a colon (`http://x`) is a word.

`find_spans` finds the words in a piece of visible text for highlighting.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter, or_
from typing import Any, Literal

from api.records import Row

_TOKEN = re.compile(
    r'(-)?(?:(project|model|workspace|is|before|after|older|newer):)?("[^"]*"?|\S*)',
    re.IGNORECASE,
)
_AGE = re.compile(r"(\d+(?:\.\d+)?)([hdwmy])")
_UNIT_SECONDS = {"h": 3600.0, "d": 86400.0, "w": 7 * 86400.0, "m": 30 * 86400.0,
                 "y": 365 * 86400.0}
#: Negating a time qualifier gives its opposite.
_OPPOSITE = {"before": "after", "after": "before", "older": "newer", "newer": "older"}


@dataclass(frozen=True)
class Query:
    """What the search line holds, parsed. Values are lowercased; `text` is as typed."""

    text: str = field(default="", compare=False)
    words: tuple[str, ...] = ()
    not_words: tuple[str, ...] = ()
    #: field -> values that must (include) or must not (exclude) occur in it
    include: tuple[tuple[str, str], ...] = ()
    exclude: tuple[tuple[str, str], ...] = ()
    pinned: bool | None = None
    archived: bool | None = None
    #: The words as typed (case kept), for the full-text search of message contents.
    fts_words: tuple[str, ...] = field(default=(), compare=False)
    #: Last activity bounds: ("before"|"after", epoch seconds) and ("older"|"newer", seconds).
    times: tuple[tuple[str, float], ...] = ()
    #: `project:none` (True) / `-project:none` (False)
    no_project: bool | None = None
    #: What was wrong with a value (`older:banana`), for the user; None when all is well.
    error: str | None = None

    @classmethod
    def parse(cls, text: str) -> Query:
        words: list[str] = []
        not_words: list[str] = []
        fts: list[str] = []
        include: list[tuple[str, str]] = []
        exclude: list[tuple[str, str]] = []
        pinned: bool | None = None
        archived: bool | None = None
        times: list[tuple[str, float]] = []
        no_project: bool | None = None
        error: str | None = None
        for match in _TOKEN.finditer(text):
            if not match.group(0):
                continue
            negate, qualifier, value = match.group(1), match.group(2), match.group(3)
            if value.startswith('"'):
                value = value[1:-1] if len(value) > 1 and value.endswith('"') else value[1:]
            low = value.lower()
            if qualifier is None:
                if not low:
                    continue
                if negate:
                    not_words.append(low)
                else:
                    words.append(low)
                    fts.append(value)
                continue
            qualifier = qualifier.lower()
            if not low:
                continue  # "model:" still being typed
            if qualifier == "is":
                wanted = negate is None
                if "pinned".startswith(low):
                    pinned = wanted
                elif "archived".startswith(low):
                    archived = wanted
                continue  # an unknown state narrows nothing
            if qualifier in _OPPOSITE:
                kind = _OPPOSITE[qualifier] if negate else qualifier
                bound = _time_bound(qualifier, value)
                if isinstance(bound, str):
                    error = error or bound
                else:
                    times.append((kind, bound))
                continue
            if qualifier == "project" and low == "none":
                no_project = negate is None
                continue
            (exclude if negate else include).append((qualifier, low))
        return cls(text, tuple(words), tuple(not_words), tuple(include), tuple(exclude),
                   pinned, archived, tuple(fts), tuple(times), no_project, error)

    @property
    def empty(self) -> bool:
        return self == EMPTY

    def values(self, name: str) -> tuple[str, ...]:
        """The (positive) values given for one field, for highlighting that column."""
        return tuple(value for key, value in self.include if key == name)

    def refines(self, other: Query) -> bool:
        """True when every row matching `self` also matches `other`, so `self` can filter
        `other`'s result instead of every row (typing one more letter, the common case)."""
        if (self.include, self.exclude, self.pinned, self.archived, self.times,
                self.no_project) != (other.include, other.exclude, other.pinned,
                                     other.archived, other.times, other.no_project):
            return False
        if not set(other.not_words) <= set(self.not_words):
            return False
        return all(any(old in new for new in self.words) for old in other.words)


EMPTY = Query()


def haystack(row: Row) -> str:
    """What plain words are matched against: title, workspace and model, lowercased."""
    return f"{row['title']}\n{row['workspace']}\n{row['model']}".lower()


def title_hay(row: Row) -> str:
    """The part of `haystack` a list keeps for every row: its title, lowercased (computed once
    per row, off the UI thread where it counts, so a keystroke only runs `in` on it). The
    workspace and model, the same few strings over and over, are `Places`: no word can match
    across the line breaks between the three, since words hold no whitespace."""
    return row["title"].lower()


#: The fields of `haystack` besides the title.
PLACE_KEYS = ("workspace", "model")


class Places:
    """The distinct workspaces and models of a list's rows, each lowercased once: a word is
    looked for in each value once, not once a row (keeping them in every row's haystack was
    5 MB at 100,000 rows). Values of rows since removed stay: they match no row."""

    def __init__(self, rows: Iterable[Row]) -> None:
        self._values: dict[str, dict[str, str]] = {key: {} for key in PLACE_KEYS}
        for row in rows:
            self.add(row)

    def add(self, row: Row) -> None:
        for key, lower in self._values.items():
            value = row[key]
            if value not in lower:
                lower[value] = value.lower()

    def mask(self, word: str, rows: Iterable[Row]) -> Iterator[bool] | Literal[True] | None:
        """For each of `rows` (iterated once, at C speed): is `word` in its workspace or
        model? None when it is in no value at all (typing a title's word: no pass); True when
        it is in every value of one of them (a first letter typed, often: no pass either)."""
        masks = []
        for key, lower in self._values.items():
            hits = {value for value, low in lower.items() if word in low}
            if hits and len(hits) == len(lower):
                return True  # every row has one of these values: rows of removed ones stay
            if hits:
                masks.append(map(hits.__contains__, map(itemgetter(key), rows)))
        if not masks:
            return None
        return masks[0] if len(masks) == 1 else map(or_, *masks)


def project_names(projects: Mapping[str, Any]) -> dict[str, str]:
    """project_id -> what `project:` matches (name and id, lowercased)."""
    return {pid: f"{getattr(p, 'name', pid)}\n{pid}".lower() for pid, p in projects.items()}


def field_matcher(
    query: Query, projects: Mapping[str, Any], clock: Callable[[], float] | None = None
) -> Callable[[Row], bool] | None:
    """A predicate for the qualifiers of `query` (None when it has none). Archived visibility
    is the caller's: it also depends on whether archived sessions are shown. Ages count back
    from `clock()` (default: the wall clock), read once here."""
    if not (query.include or query.exclude or query.pinned is not None or query.times
            or query.no_project is not None):
        return None
    window = activity_window(query, (clock or time.time)())
    names = project_names(projects)

    def text_of(row: Row, name: str) -> str:
        if name == "project":
            pid = row.get("project_id")
            if not pid:
                return ""
            return names.get(pid) or str(pid).lower()
        value = row.get(name)
        return value.lower() if isinstance(value, str) else ""

    include, exclude, pinned, no_project = (query.include, query.exclude, query.pinned,
                                            query.no_project)

    def match(row: Row) -> bool:
        if pinned is not None and row["pinned"] is not pinned:
            return False
        if no_project is not None and (not row.get("project_id")) is not no_project:
            return False
        if window is not None and not window[0] <= last_activity(row) < window[1]:
            return False
        for name, value in include:
            if value not in text_of(row, name):
                return False
        return all(value not in text_of(row, name) for name, value in exclude)

    return match


def last_activity(row: Row) -> float:
    """When a session was last active: its last message, else its last update."""
    for key in ("last_message_at", "updated_at"):
        value = row.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value:
            return float(value)
    return 0.0


def activity_window(query: Query, now: float) -> tuple[float, float] | None:
    """The [start, end) of last activity the time qualifiers allow, None when they set
    none; several of them narrow together."""
    if not query.times:
        return None
    start, end = float("-inf"), float("inf")
    for kind, value in query.times:
        if kind == "after":
            start = max(start, value)
        elif kind == "before":
            end = min(end, value)
        elif kind == "newer":
            start = max(start, now - value)
        else:  # older
            end = min(end, now - value)
    return start, end


def _time_bound(qualifier: str, value: str) -> float | str:
    """Seconds (an age) or an epoch (a date) from a value, or the error to show."""
    if qualifier in ("older", "newer"):
        m = _AGE.fullmatch(value.strip().lower())
        if m is None:
            return (f"{qualifier}:{value}: not an age; give a number and a unit, "
                    "as in 12h, 30d, 2w, 6m or 1y")
        return float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
    try:
        when = datetime.fromisoformat(value.strip().upper())
    except ValueError:
        return f"{qualifier}:{value}: not a date; give one as 2026-05-01 or 2026-05-01T14:30"
    if when.tzinfo is None:
        when = when.astimezone()  # local time, as the list shows it
    return when.timestamp()


def find_spans(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where any of `words` (lowercase) occurs in `text`, case-insensitively: sorted, merged
    (start, end) character offsets into `text`."""
    words = [w for w in words if w]
    if not words or not text:
        return []
    lower = text.lower()
    if len(lower) == len(text):
        index: list[int] | None = None
    else:  # a few characters lowercase to two ("İ"): map offsets back one char at a time
        parts = [c.lower() for c in text]
        lower = "".join(parts)
        index = []
        for i, part in enumerate(parts):
            index.extend([i] * len(part))
        index.append(len(text))
    spans: list[tuple[int, int]] = []
    for word in words:
        start = lower.find(word)
        while start >= 0:
            end = start + len(word)
            if index is None:
                spans.append((start, end))
            else:
                spans.append((index[start], index[end - 1] + 1))
            start = lower.find(word, end)
    return merge_spans(spans)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged
