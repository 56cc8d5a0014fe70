"""Edits of many sessions at once: each file written once, the index once, under one lock.

Archiving 1,000 sessions one `SessionStore.update` at a time rewrites the 100,000-row index
1,000 times; here every file is written (atomically, fsynced) in one pass and the index once at
the end. A `_saving.<id>` mark is left before each file is replaced (as a single save does), so
a reader, or the next writer after a crash, trusts those files over their stale rows until the
index is written. A progress callback runs between sessions and may cancel: what was done
stays done, and the index is written for it before returning.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from api import jsonio
from api.atomic import commit, discard, write_temp
from api.index import CorruptSession, SessionIndex, read_session_file
from api.records import Record, is_safe_id

#: Called after each session with (done so far, total); returning False cancels the rest.
Progress = Callable[[int, int], bool | None]


@dataclass
class BatchResult:
    """What a batch did: `done` ids in order, `skipped` ids with the reason (one line each),
    and whether the progress callback cancelled it before the end."""

    done: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)
    cancelled: bool = False


def unique_ids(ids: Iterable[str]) -> list[str]:
    """The ids once each, in the order given."""
    return list(dict.fromkeys(ids))


def report(progress: Progress | None, done: int, total: int) -> bool:
    """Tell the caller how far we are; False when it asked to stop."""
    return progress is None or progress(done, total) is not False


def run_each(
    todo: list[str], one: Callable[[str], str | None], progress: Progress | None,
) -> BatchResult:
    """Do `one` for each id (it returns None when done, else why it skipped the id),
    reporting progress between ids and stopping when the callback asks."""
    result = BatchResult()
    for number, sid in enumerate(todo, 1):
        reason = one(sid)
        if reason is None:
            result.done.append(sid)
        else:
            result.skipped[sid] = reason
        if number < len(todo) and not report(progress, number, len(todo)):
            result.cancelled = True
            return result
    report(progress, len(todo), len(todo))
    return result


def edit_many(
    index: SessionIndex,
    directory: Path,
    ids: Iterable[str],
    change: Callable[[Record], bool],
    *,
    touch: bool,
    progress: Progress | None = None,
) -> BatchResult:
    """Apply `change` to each session's record (read fresh under the lock); a change that
    returns False needs no write (the session already is as asked) and counts as done.
    Writes what changed, then the index once, even when cancelled or failing midway.

    Files are saved in chunks by a pool of threads (see `_commit_chunk`); a cancel or a
    failure lets the chunk under way finish, and what it saved is indexed."""
    todo = unique_ids(ids)
    result = BatchResult()
    written: list[Record] = []
    gone: list[str] = []
    with index.lock.hold(), ThreadPoolExecutor(WRITERS) as pool:
        try:
            chunk: list[tuple[str, Record]] = []
            for number, sid in enumerate(todo, 1):
                record = _read(directory, sid, result)
                if record is not None and change(record):
                    if touch:
                        record["updated_at"] = time.time()
                    chunk.append((sid, record))
                if record is not None:
                    result.done.append(sid)
                if len(chunk) >= CHUNK:
                    _commit_chunk(index, directory, chunk, pool, written, gone)
                if number < len(todo) and not report(progress, number, len(todo)):
                    result.cancelled = True
                    break
            else:
                report(progress, len(todo), len(todo))
            _commit_chunk(index, directory, chunk, pool, written, gone)
        finally:
            if written:
                index.patch(written)
            for sid in gone:
                result.done.remove(sid)
                result.skipped[sid] = "deleted by another program meanwhile"
    return result


#: Sessions written per chunk, and threads writing them.
CHUNK = 128
WRITERS = 32


def _commit_chunk(
    index: SessionIndex, directory: Path, chunk: list[tuple[str, Record]],
    pool: ThreadPoolExecutor, written: list[Record], gone: list[str],
) -> None:
    """Save every session of the chunk, each in a thread: temp file, fsync, its `_saving`
    mark, rename. Threads because both the fsyncs and the renames over old files (about 2 ms
    each in a 100,000-file folder) wait on the disk, and do it together. Sessions that were
    saved go to `written` even when another fails, those deleted meanwhile to `gone`; then the
    first failure is raised."""
    jobs = [pool.submit(_save_file, index, directory, sid, record) for sid, record in chunk]
    failure: BaseException | None = None
    for job, (sid, record) in zip(jobs, chunk, strict=True):
        try:
            if job.result():
                written.append(record)
            else:
                gone.append(sid)
        except BaseException as exc:
            failure = failure or exc
    chunk.clear()
    if failure is not None:
        raise failure


def _save_file(index: SessionIndex, directory: Path, sid: str, record: Record) -> bool:
    """False, writing nothing, when another program deleted the session since it was read
    (Hermes deletes without our lock): a batch never brings a deleted session back."""
    if isinstance(record.get("messages"), list):
        record["message_count"] = len(record["messages"])
    path = directory / f"{sid}.json"
    tmp, _ = write_temp(path, jsonio.dumps_session(record))
    try:
        index.mark_saving(sid)
    except BaseException:
        discard(tmp)
        raise
    if not os.path.lexists(path):  # checked last: the window left is microseconds
        discard(tmp)
        index.clear_marks([sid])
        return False
    commit(tmp, path)
    return True


def _read(directory: Path, sid: str, result: BatchResult) -> Record | None:
    if not is_safe_id(sid):
        result.skipped[sid] = "not a session id"
        return None
    try:
        record, _, _ = read_session_file(os.path.join(directory, f"{sid}.json"))
    except FileNotFoundError:
        result.skipped[sid] = "no such session"
        return None
    except (OSError, CorruptSession) as exc:
        result.skipped[sid] = f"unreadable: {exc}"
        return None
    if record.get("session_id") != sid:
        result.skipped[sid] = "the file holds another session id"
        return None
    return record


def setter(fields: dict[str, Any]) -> Callable[[Record], bool]:
    """A change that sets `fields`, reporting whether anything differed."""

    def change(record: Record) -> bool:
        differs = any(record.get(key, _MISSING) != value or key not in record
                      for key, value in fields.items())
        record.update(fields)
        return differs

    return change


_MISSING = object()
