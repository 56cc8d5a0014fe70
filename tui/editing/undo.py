"""What `u` (and ctrl+z) undoes: the user's renames, pins and archives, newest first.

Each entry carries its own revert: the fields to set back on screen and the save that sets
them back on disk. Undoing is a new edit made of that revert, through the same optimistic path
and save queue as any edit (so it reaches the disk in order, and can fail and roll back the
same way). An edit whose save failed was already put back on screen, so its entry is dropped.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from tui.editing.ledger import Edit
from tui.rows import Row

if TYPE_CHECKING:
    from tui.editing.saver import Saver

#: How many edits can be undone.
UNDO_LEVELS = 100


@dataclass(frozen=True)
class Revert:
    """How to set back one edit: `changes` shown at once, `save` run by the save queue with
    the saver chosen for the undo (it runs after the edit's own save, so whatever that save
    reported, such as the fields it replaced, is there by then). `touch`: the undo's save
    stamps `updated_at` anew (as a pin does), so the row on screen takes the clock's time."""

    changes: Row
    save: Callable[[Saver], Row]
    touch: bool = False


@dataclass(frozen=True)
class UndoEntry:
    edit: Edit  # the edit this entry undoes
    revert: Revert
    #: A batch's undo (`tui.editing.batch`): run instead of `revert`, as one step, on the
    #: sessions of `ids` (those the batch did that are still to set back).
    run: Callable[[list[str]], None] | None = None
    ids: tuple[str, ...] = ()

    @property
    def session_id(self) -> str:
        return self.edit.session_id


class UndoStack:
    def __init__(self, levels: int = UNDO_LEVELS) -> None:
        self._entries: deque[UndoEntry] = deque(maxlen=levels)

    def __len__(self) -> int:
        return len(self._entries)

    def push(self, edit: Edit, revert: Revert) -> None:
        self._entries.append(UndoEntry(edit, revert))

    def push_batch(self, what: str, ids: list[str], run: Callable[[list[str]], None]) -> None:
        """A batch of many sessions (`ids`: those it did): one step, undone by `run(ids)`."""
        edit = Edit("", {}, what)
        self._entries.append(UndoEntry(edit, Revert({}, _no_save), run, tuple(ids)))

    def pop(self) -> UndoEntry | None:
        return self._entries.pop() if self._entries else None

    def retire_deletes(self, restored: Collection[str]) -> None:
        """Sessions came back from the trash another way (the trash view): a delete's undo
        no longer covers them, and one that covered only them is gone (else `u` would
        answer "not in the trash" for what is plainly back)."""
        if not restored:
            return
        for at, entry in enumerate(list(self._entries)):
            if entry.edit.what == "delete":
                left = tuple(sid for sid in entry.ids if sid not in restored)
                self._entries[at] = replace(entry, ids=left)
        for entry in [e for e in self._entries if e.edit.what == "delete" and not e.ids]:
            self._entries.remove(entry)

    def discard(self, edit: Edit) -> None:
        """The edit's save failed: there is nothing left to undo for it."""
        for entry in list(self._entries):
            if entry.edit is edit:
                self._entries.remove(entry)


def _no_save(saver: Saver) -> Row:
    raise AssertionError("a batch's undo runs its own batch")  # pragma: no cover
