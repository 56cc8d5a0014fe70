"""Edits of many sessions at once (marked rows): what one batch changes, how it is saved, and
the batch that undoes it.

A `Batch` carries the rows before (to put back what the store did not do) and the rows to show
at once (None: the row leaves the list), and `call`, the saver's batch method bound to its
arguments: it runs in one worker thread and reports progress between sessions. Its undo is
another batch made from what was really done (`BatchResult.done`), so `u` sets back exactly
that, as one step. The runner is `tui.bulk.BulkEdits`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from api.batch import BatchResult, Progress
from tui.editing.saver import Saver
from tui.rows import Row

#: Runs a batch with the saver chosen for it and a progress callback.
BatchCall = Callable[[Saver, Progress], BatchResult]
#: A saver's batch method for one field: (saver, ids, value, progress).
FieldSetter = Callable[[Saver, list[str], Any, Progress], BatchResult]

SETTERS: dict[str, FieldSetter] = {
    "pinned": lambda saver, ids, value, progress: saver.set_pinned_many(ids, value, progress),
    "archived": lambda saver, ids, value, progress: saver.set_archived_many(ids, value, progress),
    "project_id": lambda saver, ids, value, progress: saver.set_project_many(
        ids, value, progress),
}
#: Fields whose batch stamps `updated_at` (as the store's setters do).
TOUCHES = frozenset({"pinned", "project_id"})


@dataclass(eq=False)
class Batch:
    """One edit of many sessions. `what` names it in messages ("archive", "delete"...)."""

    what: str
    ids: list[str]
    call: BatchCall
    before: dict[str, Row]
    after: dict[str, Row | None]
    #: The batch that sets back what was done; None: nothing to undo (an undo itself).
    undo: Callable[[BatchResult], Batch] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)


def _merged(parts: list[BatchResult]) -> BatchResult:
    result = BatchResult()
    for part in parts:
        result.done += part.done
        result.skipped.update(part.skipped)
        result.cancelled = result.cancelled or part.cancelled
    return result


def _shifted(progress: Progress, base: int, total: int) -> Progress:
    """A group's progress as a part of the whole batch's."""
    return lambda done, _total: progress(base + done, total)


def _grouped_call(groups: dict[Any, list[str]], setter: FieldSetter) -> BatchCall:
    """One call for several values (an undo sets each session back to its own): the groups
    run one after another under one progress count, and stop together when cancelled."""
    total = sum(len(ids) for ids in groups.values())

    def call(saver: Saver, progress: Progress) -> BatchResult:
        parts: list[BatchResult] = []
        offset = 0
        for value, ids in groups.items():
            part = setter(saver, ids, value, _shifted(progress, offset, total))
            parts.append(part)
            offset += len(ids)
            if part.cancelled:
                break
        return _merged(parts)

    return call


def field_batch(rows: list[Row], name: str, value: Any, what: str, now: float) -> Batch:
    """Set field `name` to `value` on every row; its undo sets each back to what it was."""
    stamp = {"updated_at": now} if name in TOUCHES else {}
    before = {row["session_id"]: row for row in rows}
    after: dict[str, Row | None] = {sid: {**row, name: value, **stamp}
                                    for sid, row in before.items()}

    def undo(result: BatchResult) -> Batch:
        groups: dict[Any, list[str]] = {}
        for sid in result.done:
            groups.setdefault(before[sid].get(name), []).append(sid)
        undone = {sid: after[sid] or before[sid] for sid in result.done}
        back: dict[str, Row | None] = {sid: {**before[sid], **stamp} for sid in result.done}
        return Batch(f"undo the {what} of", list(result.done),
                     _grouped_call(groups, SETTERS[name]), undone, back)

    return Batch(what, list(before), _grouped_call({value: list(before)}, SETTERS[name]),
                 before, after, undo)


def delete_batch(rows: list[Row]) -> Batch:
    """Move the sessions to the trash; its undo restores those that went."""
    before = {row["session_id"]: row for row in rows}

    def undo(result: BatchResult) -> Batch:
        back: dict[str, Row | None] = {sid: before[sid] for sid in result.done}
        return Batch("undo the delete of", list(result.done),
                     lambda saver, progress: saver.restore_many(result.done, progress),
                     {}, back)

    return Batch("delete", list(before),
                 lambda saver, progress: saver.delete_many(list(before), progress),
                 before, dict.fromkeys(before), undo)


def restore_batch(ids: list[str]) -> Batch:
    """Bring sessions back from the trash (the trash view); their rows come with the reload."""
    return Batch("restore", list(ids),
                 lambda saver, progress: saver.restore_many(ids, progress), {}, {})
