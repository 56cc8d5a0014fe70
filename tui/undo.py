"""What `u` (and ctrl+z) undoes: the user's renames, pins and archives, newest first.

An entry remembers the field one edit changed and the value it had before. Undoing is a new
edit that sets that value back, through the same optimistic path and save queue as any edit
(so it reaches the disk through `Session.save()` in order, and can fail and roll back the same
way). An edit whose save failed was already put back on screen, so its entry is dropped.
"""

from __future__ import annotations

import dataclasses
from collections import deque
from dataclasses import dataclass
from typing import Any

from tui.rows import Edit

#: How many edits can be undone.
UNDO_LEVELS = 100


@dataclass(frozen=True)
class UndoEntry:
    edit: Edit  # the edit this entry undoes
    field: str  # "title", "pinned" or "archived"
    before: Any  # the field's value before the edit
    #: Fields of the file the edit's save replaced, as they were (filled in by the save, in
    #: the save worker): a rename also sets `manual_title`, which its undo puts back.
    replaced: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def session_id(self) -> str:
        return self.edit.session_id


class UndoStack:
    def __init__(self, levels: int = UNDO_LEVELS) -> None:
        self._entries: deque[UndoEntry] = deque(maxlen=levels)

    def __len__(self) -> int:
        return len(self._entries)

    def push(
        self, edit: Edit, field: str, before: Any, replaced: dict[str, Any] | None = None
    ) -> None:
        self._entries.append(UndoEntry(edit, field, before, {} if replaced is None else replaced))

    def pop(self) -> UndoEntry | None:
        return self._entries.pop() if self._entries else None

    def discard(self, edit: Edit) -> None:
        """The edit's save failed: there is nothing left to undo for it."""
        for entry in list(self._entries):
            if entry.edit is edit:
                self._entries.remove(entry)
