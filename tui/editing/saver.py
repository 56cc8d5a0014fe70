"""The seam between an edit and the disk: what saves it.

The edit controller asks, per edit, for a `Saver`: any object with the store's edit methods.
The default is the `SessionStore` itself (a locked read-modify-write of the session file); the
app's is `tui.editing.route.EditRoute`, which sends each edit through a running Hermes WebUI
while it serves the store (it may then raise `api.webui.WebUIBlocked`), else to the store.
The bulk edits (`*_many`) are the store's batches, with the same choice of way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

from api.batch import BatchResult, Progress
from tui.rows import Row


class Saver(Protocol):
    """The edit methods of `api.store.SessionStore`; each blocks (it runs in the save
    queue's worker thread) and returns the session's new index row, or raises."""

    def rename(
        self, session_id: str, title: str, *, replaced: dict[str, Any] | None = None
    ) -> Row: ...

    def set_pinned(self, session_id: str, pinned: bool) -> Row: ...

    def set_archived(self, session_id: str, archived: bool) -> Row: ...

    def update(
        self, session_id: str, changes: dict[str, Any], *, touch: bool = True,
        replaced: dict[str, Any] | None = None,
    ) -> Row: ...

    # Many sessions at once: each returns what was done and what skipped, and why; `progress`
    # is called between sessions and may cancel (see `api.batch`).

    def set_pinned_many(self, ids: Iterable[str], pinned: bool,
                        progress: Progress | None = None) -> BatchResult: ...

    def set_archived_many(self, ids: Iterable[str], archived: bool,
                          progress: Progress | None = None) -> BatchResult: ...

    def set_project_many(self, ids: Iterable[str], project_id: str | None,
                         progress: Progress | None = None) -> BatchResult: ...

    def delete_many(self, ids: Iterable[str],
                    progress: Progress | None = None) -> BatchResult: ...

    def restore_many(self, ids: Iterable[str],
                     progress: Progress | None = None) -> BatchResult: ...


#: Chooses the saver of one edit, given the session it edits.
SaverFor = Callable[[str], Saver]
