"""The search line's language, and finding what it matched.

`Query.parse` turns what was typed into words and qualifiers, once per keystroke:

- plain words must all occur (case-insensitive, anywhere) in the title, workspace or model;
- `project:NAME`, `model:TEXT`, `workspace:TEXT` narrow to one field (a substring, so `model:gpt`
  matches `openai/gpt-5`; a project matches by name or id); quote a value with spaces:
  `project:"data team"`;
- `is:pinned`, `is:archived` (a prefix is enough: `is:p`); `is:archived` shows archived sessions
  even while they are hidden;
- `-` before any of these excludes instead: `-is:pinned`, `-model:mini`, `-draft`.

A qualifier still being typed (`model:` with no value, a lone `-`) changes nothing, so the list
does not flicker empty between keystrokes. Anything else with a colon (`http://x`) is a word.

`find_spans` finds the words in a piece of visible text for highlighting.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from api.records import Row

_TOKEN = re.compile(r'(-)?(?:(project|model|workspace|is):)?("[^"]*"?|\S*)', re.IGNORECASE)


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

    @classmethod
    def parse(cls, text: str) -> Query:
        words: list[str] = []
        not_words: list[str] = []
        fts: list[str] = []
        include: list[tuple[str, str]] = []
        exclude: list[tuple[str, str]] = []
        pinned: bool | None = None
        archived: bool | None = None
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
            (exclude if negate else include).append((qualifier, low))
        return cls(text, tuple(words), tuple(not_words), tuple(include), tuple(exclude),
                   pinned, archived, tuple(fts))

    @property
    def empty(self) -> bool:
        return self == EMPTY

    def values(self, name: str) -> tuple[str, ...]:
        """The (positive) values given for one field, for highlighting that column."""
        return tuple(value for key, value in self.include if key == name)

    def refines(self, other: Query) -> bool:
        """True when every row matching `self` also matches `other`, so `self` can filter
        `other`'s result instead of every row (typing one more letter, the common case)."""
        if (self.include, self.exclude, self.pinned, self.archived) != (
            other.include, other.exclude, other.pinned, other.archived
        ):
            return False
        if not set(other.not_words) <= set(self.not_words):
            return False
        return all(any(old in new for new in self.words) for old in other.words)


EMPTY = Query()


def haystack(row: Row) -> str:
    """What plain words are matched against: title, workspace and model, lowercased. Computed
    once per row (off the UI thread where it counts), so a keystroke only runs `in` on it."""
    return f"{row['title']}\n{row['workspace']}\n{row['model']}".lower()


def project_names(projects: Mapping[str, Any]) -> dict[str, str]:
    """project_id -> what `project:` matches (name and id, lowercased)."""
    return {pid: f"{getattr(p, 'name', pid)}\n{pid}".lower() for pid, p in projects.items()}


def field_matcher(
    query: Query, projects: Mapping[str, Any]
) -> Callable[[Row], bool] | None:
    """A predicate for the qualifiers of `query` (None when it has none). Archived visibility
    is the caller's: it also depends on whether archived sessions are shown."""
    if not (query.include or query.exclude or query.pinned is not None):
        return None
    names = project_names(projects)

    def text_of(row: Row, name: str) -> str:
        if name == "project":
            pid = row.get("project_id")
            if not pid:
                return ""
            return names.get(pid) or str(pid).lower()
        value = row.get(name)
        return value.lower() if isinstance(value, str) else ""

    include, exclude, pinned = query.include, query.exclude, query.pinned

    def match(row: Row) -> bool:
        if pinned is not None and row["pinned"] is not pinned:
            return False
        for name, value in include:
            if value not in text_of(row, name):
                return False
        return all(value not in text_of(row, name) for name, value in exclude)

    return match


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
