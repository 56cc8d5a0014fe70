"""What the app's parts tell each other: small dataclasses carried by Textual messages and
signals, so no part needs to know who listens."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from api.projects import Project
from tui.live.diff import RowsDelta
from tui.rows import Row, SessionRows

if TYPE_CHECKING:
    from api.search import Hit
    from api.stats import Stats
    from tui.editing.ledger import Edit
    from tui.handoff import Opened


@dataclass(frozen=True)
class RowChanged:
    """Published on the app's `row_changed` signal: the row of `session_id` to show now.

    `row` is None when the session is not in the list (only the count of pending saves
    changed). `reread`: another program changed the session, so its messages may have
    changed too (an open transcript reads it again); otherwise it is the user's edit.
    `gone`: a save found the session deleted by another program: its row leaves the list."""

    session_id: str
    row: Row | None
    reread: bool = False
    gone: bool = False


@dataclass
class SaveFinished(Message):
    """A queued save finished, posted from the save queue's worker thread. Exactly one of
    `row` (the store's new index row) and `error` is set."""

    edit: Edit
    row: Row | None
    error: BaseException | None


@dataclass
class RowsLoaded(Message):
    """A read of the store finished (`tui.live.sync`): every row in display order (`rows`),
    or only what changed since the last read (`delta`), or the `error` that stopped it.

    `seen` is the store's rows as read (a list of our own), to find the next read's changes;
    `epoch` the count of landed saves when the read started (rows of sessions whose saves
    landed after it may be older than what is on screen); `reload`: not the first read."""

    rows: SessionRows | None
    error: BaseException | None
    delta: RowsDelta | None = None
    seen: list[Row] = field(default_factory=list)
    projects: dict[str, Project] = field(default_factory=dict)
    epoch: int = 0
    reload: bool = False


@dataclass
class RowsPreview(Message):
    """The first screenful of a big store (pinned and newest rows), read before the whole
    index: shown read-only until `RowsLoaded` replaces it. `shown` is set once it is drawn."""

    rows: SessionRows
    projects: dict[str, Project]
    shown: threading.Event


class StoreChanged(Message):
    """The poller saw the store change."""


@dataclass
class SearchDone(Message):
    """A message search finished (`generation` tells a stale one from the current one)."""

    generation: int
    hits: list[Hit]
    error: BaseException | None


@dataclass
class IndexProgress(Message):
    """The message index's build checked `done` of `total` sessions."""

    done: int
    total: int


@dataclass
class IndexRefreshed(Message):
    """A refresh of the message index ended (`error`: why it failed)."""

    error: BaseException | None


@dataclass
class ExportDone(Message):
    """An export ended: the file written (`path`), or the `error` that stopped it."""

    title: str
    path: Path | None
    error: BaseException | None


@dataclass
class BatchProgress(Message):
    """A batch edit (`tui.editing.batch`) has done `done` of `total` sessions."""

    done: int
    total: int


@dataclass
class BatchDone(Message):
    """A batch edit ended: `result` is what the store did (None when `error` stopped it)."""

    batch: object  # a tui.editing.batch.Batch (not imported: it imports this module)
    result: object | None  # an api.batch.BatchResult
    error: BaseException | None


# ── issue 15: hand-off, statistics, preferences ─────────────────────────────


@dataclass
class SettingChanged(Message):
    """The person changed a setting the app remembers (`tui.config.SAVED`): sort, columns,
    show_archived, theme. The app's `Preferences` writes it to the config file."""

    name: str
    value: object


@dataclass
class SettingsSaveFailed(Message):
    """Writing the config file failed: one line saying why."""

    reason: str


@dataclass
class BrowserDone(Message):
    """`o` tried to open a session's WebUI page: `opened` says how it went."""

    opened: Opened


@dataclass
class CopyReady(Message):
    """The text `y` copies, read off the UI thread (the whole session as Markdown), or the
    `error` that stopped it."""

    kind: str
    text: str | None
    error: BaseException | None


@dataclass
class TrashEmptied(Message):
    """The startup upkeep of the trash ended: the sessions it purged, or why it failed."""

    purged: list[str]
    error: BaseException | None


@dataclass
class StatsReady(Message):
    """The statistics screen's figures, computed in a worker."""

    stats: Stats | None
    error: BaseException | None
