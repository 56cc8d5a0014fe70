"""Delete to a trash, restore, purge: Hermes WebUI's delete, minus the destruction.

A delete does to the store what Hermes' `/api/session/delete` does (the session file and its
`<id>.json.bak` leave the folder, the index row goes, the id joins `_deleted_webui_sessions.json`)
but the files are renamed to `_trash/<id>@<deleted ms>.json` (and `.json.bak`) instead of
unlinked. Hermes lists
only `*.json` directly in the sessions folder and skips names starting with `_`, so it never
sees the trash; a rename within one filesystem is atomic, so there is no copy to lose.

Crash safety. Where `<id>.json` is decides where the session is: in the folder or in the
trash, moved by one rename (the commit point), so it is never in both nor in neither; its
`.bak` follows it by a second rename. Around
that rename, a batch is bracketed by `_trash/_journal.json` (the ids it works on): written
before the first rename, removed once the index and the tombstone are written. `recover()`,
run before every trash operation and by whoever opens the store, finishes a batch that was
killed: a `.bak` follows its session file, the index drops or regains the rows and the
tombstone is made to match where each file is. A purge unlinks the session file, then its
`.bak`; a `.bak` left alone in the trash outside a batch is a killed purge's, and goes.
(Flat files, not a folder per entry: a `rmdir` costs a millisecond here.)
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from api import jsonio, tombstones
from api.atomic import atomic_write
from api.batch import BatchResult, Progress, run_each, unique_ids
from api.index import CorruptSession, SessionIndex, index_for, read_session_file
from api.records import Record, Row, is_safe_id, row_from_record

TRASH_NAME = "_trash"
JOURNAL_NAME = "_journal.json"
DEFAULT_KEEP_DAYS = 30.0
_ENTRY = re.compile(r"(?P<sid>[A-Za-z0-9-][A-Za-z0-9_-]{0,127})@(?P<ms>\d{1,16})\.json")
#: Hermes does not tombstone sessions of these chat sources (`_is_messaging_session_record`).
MESSAGING_SOURCES = frozenset(
    {"discord", "email", "wecom", "wecom_callback", "slack", "telegram", "weixin", "matrix"}
)


#: Asks a running Hermes WebUI to delete one session; raises when it does not.
RemoteDelete = Callable[[str], None]


@dataclass(frozen=True)
class TrashEntry:
    """One deleted session: `path` is its file in the trash, `row` its summary (None if the
    file is unreadable)."""

    session_id: str
    deleted_at: float
    path: Path
    row: Row | None


class Trash:
    """The trash of one store folder. Every method takes the store lock and may raise
    `OSError` (a read-only folder); all do blocking I/O and belong in a worker thread."""

    def __init__(self, directory: Path | str, index: SessionIndex | None = None) -> None:
        self.directory = Path(directory).expanduser().absolute()
        self.folder = self.directory / TRASH_NAME
        self.index = index if index is not None else index_for(self.directory)

    # ── reading ────────────────────────────────────────────────────────────

    def entries(self) -> list[TrashEntry]:
        """Every deleted session, the most recently deleted first."""
        found = []
        for name, sid, deleted_at in self._names():
            path = self.folder / name
            try:
                record, _, _ = read_session_file(path)
            except FileNotFoundError:
                continue  # purged meanwhile
            except (OSError, CorruptSession):
                record = None
            row = row_from_record(record) if record is not None else None
            found.append(TrashEntry(sid, deleted_at, path, row))
        found.sort(key=lambda e: e.deleted_at, reverse=True)
        return found

    def _names(self) -> list[tuple[str, str, float]]:
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return []
        out = []
        for name in names:
            m = _ENTRY.fullmatch(name)
            if m is not None:
                out.append((name, m.group("sid"), int(m.group("ms")) / 1000))
        return out

    def _entries_of(self, sids: set[str]) -> dict[str, list[Path]]:
        """The session's files in the trash, by session id, newest first."""
        found: dict[str, list[tuple[float, Path]]] = {}
        for name, sid, deleted_at in self._names():
            if sid in sids:
                found.setdefault(sid, []).append((deleted_at, self.folder / name))
        return {sid: [p for _, p in sorted(items, reverse=True)] for sid, items in found.items()}

    # ── delete and restore ─────────────────────────────────────────────────

    def delete(self, ids: Iterable[str], progress: Progress | None = None, *,
               remote: RemoteDelete | None = None) -> BatchResult:
        """Move these sessions to the trash (as Hermes deletes them, but kept).

        A running Hermes WebUI keeps every session it has served in memory and lists it from
        there whatever the folder holds, so while it serves the store, pass `remote`: a
        function asking it to delete one session (its `POST /api/session/delete`, raising
        on failure). Each session's files are then hard-linked into the trash first (no data
        copied) and Hermes deletes its own names, forgetting the session in memory too."""
        todo = unique_ids(ids)
        with self.index.lock.hold():
            self.recover()
            self._begin(todo)
            stamp = int(time.time() * 1000)
            try:
                return run_each(todo, lambda sid: self._delete_one(sid, stamp, remote),
                                progress)
            finally:
                self.recover()  # the index and the tombstone for what moved; drops the journal

    def _delete_one(self, sid: str, stamp: int, remote: RemoteDelete | None) -> str | None:
        if not is_safe_id(sid):
            return "not a session id"
        main = self.directory / f"{sid}.json"
        try:
            if not main.is_file() or main.is_symlink():
                return "no such session" if not os.path.lexists(main) else "not a session file"
        except OSError as exc:
            return str(exc)
        entry = self.folder / f"{sid}@{stamp}.json"
        while os.path.lexists(entry) or os.path.lexists(_bak(entry)):
            stamp += 1
            entry = self.folder / f"{sid}@{stamp}.json"
        bak = self.directory / f"{sid}.json.bak"
        if remote is not None:
            return self._delete_remotely(sid, main, bak, entry, remote)
        os.rename(main, entry)  # the commit point: now it is in the trash
        _move_if_there(bak, _bak(entry))
        return None

    def _delete_remotely(
        self, sid: str, main: Path, bak: Path, entry: Path, remote: RemoteDelete,
    ) -> str | None:
        """Link the files into the trash, then let Hermes unlink its names (the commit point
        is its unlink of `main`); if it does not, take the links back."""
        os.link(main, entry, follow_symlinks=False)
        if os.path.lexists(bak):
            os.link(bak, _bak(entry), follow_symlinks=False)
        try:
            remote(sid)
        except Exception as exc:
            reason = f"Hermes WebUI did not delete it: {exc}"
        else:
            if not os.path.lexists(main):
                _drop_same(bak, _bak(entry))  # Hermes unlinks the backup after the file
                return None
            reason = "Hermes WebUI did not delete it"
        if os.path.lexists(main):
            _drop_same(_bak(entry), bak)
            _drop_same(entry, main)
            return reason
        return None

    def restore(self, ids: Iterable[str], progress: Progress | None = None) -> BatchResult:
        """Put these sessions back where Hermes lists them, off its tombstone, with their
        index rows (from their files, every field as it was)."""
        todo = unique_ids(ids)
        with self.index.lock.hold():
            self.recover()
            entries = self._entries_of(set(todo))
            self._begin(todo)
            try:
                return run_each(todo, lambda sid: self._restore_one(sid, entries.get(sid, [])),
                                progress)
            finally:
                self.recover()

    def _restore_one(self, sid: str, entries: list[Path]) -> str | None:
        main = self.directory / f"{sid}.json"
        if not entries:
            return "not in the trash"
        if os.path.lexists(main):
            return "a session with this id is in the store again"
        os.rename(entries[0], main)  # the commit point: back in the store
        _move_if_there(_bak(entries[0]), self.directory / f"{sid}.json.bak")
        return None

    # ── purge ──────────────────────────────────────────────────────────────

    def purge(self, ids: Iterable[str]) -> BatchResult:
        """Delete these sessions' trash entries for good."""
        todo = unique_ids(ids)
        result = BatchResult()
        with self.index.lock.hold():
            self.recover()
            entries = self._entries_of(set(todo))
            for sid in todo:
                if sid not in entries:
                    result.skipped[sid] = "not in the trash"
                    continue
                for entry in entries[sid]:
                    self._remove_entry(entry)
                result.done.append(sid)
        return result

    def empty(self, older_than_days: float = DEFAULT_KEEP_DAYS,
              now: float | None = None) -> list[str]:
        """Purge what was deleted more than `older_than_days` ago; the ids purged."""
        now = time.time() if now is None else now
        cutoff = now - older_than_days * 86400
        with self.index.lock.hold():
            self.recover()
            old = [sid for _, sid, at in self._names() if at <= cutoff]
            if not old:
                return []
            entries = self._entries_of(set(old))
            for sid in old:
                for entry in entries.get(sid, []):
                    if _deleted_at(entry) <= cutoff:
                        self._remove_entry(entry)
        return unique_ids(old)

    def _remove_entry(self, entry: Path) -> None:
        """The session file first: a kill between the two leaves a lone `.bak`, which
        `recover()` removes."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(_bak(entry))

    # ── the journal and recovery ───────────────────────────────────────────

    def _ensure_folder(self) -> None:
        with contextlib.suppress(FileExistsError):
            os.mkdir(self.folder, 0o700)

    def _begin(self, sids: list[str]) -> None:
        self._ensure_folder()
        atomic_write(self.folder / JOURNAL_NAME, jsonio.dumps_compact({"ids": sids}))

    def recover(self) -> None:
        """Finish whatever batch was killed midway (see the module's docstring). Cheap when
        there is nothing to do: one stat and one listdir of the trash."""
        with self.index.lock.hold():
            try:
                names = os.listdir(self.folder)
            except FileNotFoundError:
                return
            journal = self.folder / JOURNAL_NAME
            sids = _journal_ids(journal)
            if sids is not None:
                self._settle(set(sids))
            busy = set(sids or ())
            for name in names:  # lone backups: a purge killed between its two unlinks
                m = _ENTRY.fullmatch(name[: -len(".bak")]) if name.endswith(".bak") else None
                if m is not None and m.group("sid") not in busy and name[:-4] not in names:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self.folder / name)
            if sids is None:
                return
            _fsync_dir(self.folder)
            _fsync_dir(self.directory)
            os.unlink(journal)

    def _settle(self, sids: set[str]) -> None:
        """Make the trash, the index and the tombstone agree with where each file is."""
        trashed: list[str] = []
        back: list[Record] = []
        entries = self._entries_of(sids)
        lone = self._lone_backups(sids)
        for sid in sids:
            main = self.directory / f"{sid}.json"
            bak = self.directory / f"{sid}.json.bak"
            in_store = os.path.lexists(main)
            if in_store:  # a restore killed between its two renames
                for entry in lone.get(sid, []):
                    _move_if_there(_bak(entry), bak)
                for entry in entries.get(sid, []):  # links of a remote delete that did not end
                    _drop_same(_bak(entry), bak)
                    _drop_same(entry, main)
            elif entries.get(sid):  # a delete killed between its two renames
                _drop_same(bak, _bak(entries[sid][0]))
                _move_if_there(bak, _bak(entries[sid][0]))
                trashed.append(sid)
            if in_store:
                with contextlib.suppress(OSError, CorruptSession):
                    back.append(read_session_file(main)[0])
        self.index.patch(back)  # drops the rows of files gone, lays the restored ones in
        tombstones.clear(self.directory, sids - set(trashed))
        tombstones.add_deleted(self.directory, [
            sid for sid in trashed if _tombstoned(entries[sid][0])])

    def _lone_backups(self, sids: set[str]) -> dict[str, list[Path]]:
        """Backups in the trash whose session file is not beside them, by session id."""
        found: dict[str, list[Path]] = {}
        for name in os.listdir(self.folder):
            if not name.endswith(".bak"):
                continue
            m = _ENTRY.fullmatch(name[:-4])
            if m is not None and m.group("sid") in sids and not (self.folder / name[:-4]).exists():
                found.setdefault(m.group("sid"), []).append(self.folder / name[:-4])
        return found


def _tombstoned(path: Path) -> bool:
    """Hermes tombstones a deleted session unless it came from a messaging channel."""
    try:
        return not _is_messaging(read_session_file(path)[0])
    except (OSError, CorruptSession):
        return True


def _is_messaging(record: Record) -> bool:
    if record.get("session_source") == "messaging":
        return True
    for key in ("raw_source", "source_tag", "source", "source_label"):
        value = record.get(key)
        text = str(value).strip() if value is not None else ""
        if text:
            return text.lower() in MESSAGING_SOURCES
    return False


def _journal_ids(path: Path) -> list[str] | None:
    try:
        raw = jsonio.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return []  # unreadable: there is nothing to finish, only the journal to drop
    ids = raw.get("ids") if isinstance(raw, dict) else None
    return [sid for sid in ids if is_safe_id(sid)] if isinstance(ids, list) else []


def _bak(entry: Path) -> Path:
    return entry.with_name(entry.name + ".bak")


def _deleted_at(entry: Path) -> float:
    m = _ENTRY.fullmatch(entry.name)
    return int(m.group("ms")) / 1000 if m is not None else 0.0


def _drop_same(name: Path, other: Path) -> None:
    """Unlink `name` when it is a second name (a hard link) of the file `other` names."""
    with contextlib.suppress(OSError):
        if os.path.samefile(name, other) and os.lstat(name).st_nlink > 1:
            os.unlink(name)


def _move_if_there(source: Path, target: Path) -> None:
    """Rename `source` to `target` when there is one and `target` is free."""
    if os.path.lexists(source) and not os.path.lexists(target):
        os.rename(source, target)


def _fsync_dir(path: Path) -> None:
    """Make the renames in a folder durable (a power cut after we return keeps them)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
