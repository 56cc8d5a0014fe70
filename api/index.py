"""`_index.json`: the summary list of one store folder, read, patched and rebuilt safely.

One `SessionIndex` exists per folder in a process (`index_for`), so every thread shares its lock
and its cache (`api.indexcache`). The cache is what makes a save cost what the format costs: the
parsed rows are reused while the file on disk is still the file they came from.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import threading
import time
from collections.abc import Iterable, Set
from pathlib import Path

from api.atomic import (
    PRIVATE_MODE,
    atomic_write,
    commit,
    discard,
    sweep_stale_temps,
    temp_path,
    write_temp,
)
from api.indexcache import IndexCache
from api.listing import (
    LISTING_MAX_AGE,
    SAVING_PREFIX,
    Listing,
    SharedNames,
    ghost_names,
    pending,
    session_ids,
)
from api.locks import StoreLock
from api.records import Record, Row, is_safe_id, row_from_record, updated_key
from api.rowmemory import quiet_gc
from api.rowtable import RowTable, table_of_scan
from api.scan import SUFFIX, FileSig, Scanned, file_sig, read_row
from api.scan import CorruptSession as CorruptSession  # re-exported: api.models, api.search
from api.scan import read_session_file as read_session_file
from api.scan import session_id_of as session_id_of
from api.scanpool import scan_folder

INDEX_NAME = "_index.json"
LOCK_NAME = "_index.lock"


class SessionIndex:
    """The index of one folder. All writes happen under `lock`; reads never wait for it (only,
    at most, for another thread's parse of the same new version)."""

    def __init__(self, directory: Path, index_path: Path) -> None:
        self.directory = directory
        self.index_path = index_path
        self.lock = StoreLock(directory / LOCK_NAME)
        self._cache = IndexCache(directory, index_path, self._forget_files)
        self._cache_lock = self._cache.lock
        self._reader_names = SharedNames(directory)
        # Rows of files the index does not list (written by a tool that skipped the index),
        # remembered by file version so `rows()` reads each such file once.
        self._orphans: dict[str, Scanned] = {}
        # The folder's names as our last save left them (saves only, under `lock`).
        self._listing: Listing | None = None
        # Every session file's row, by file version, while the index is unusable (`rows()`).
        self._files: dict[str, Scanned] = {}

    # ── reading ─────────────────────────────────────────────────────────────

    def _load(self) -> RowTable | None:
        """The index file as it is now, or None if it is missing or unusable."""
        return self._cache.load()

    def index_size_limit(self, size: int) -> int | None:
        """`listing.index_size_limit` of this folder."""
        return self._cache.size_limit(size)

    def _names(self) -> set[str]:
        """Every name in the folder: one listdir, no stat. Set arithmetic against the table's
        file names then finds ghosts and unlisted files at C speed."""
        return set(os.listdir(self.directory))

    def _folder_listing(self, *, fresh: bool = False) -> Listing:
        """The folder's names for a save (under `lock`, before the save changes anything):
        the cached listing while the folder's mtime says nothing changed it since our last
        save, else (or when `fresh`) a listdir (the mtime taken first: a change during the
        listdir then shows as a newer mtime next time)."""
        try:
            mtime: int | None = os.stat(self.directory).st_mtime_ns
        except OSError:
            mtime = None
        cached = self._listing
        if (not fresh and cached is not None and mtime is not None and cached.mtime == mtime
                and time.monotonic() - cached.taken < LISTING_MAX_AGE):
            return cached
        self._listing = None
        taken = time.monotonic()
        return Listing(self._names(), mtime, taken)

    def _listed_after(self, listing: Listing, table: RowTable, added: str | None,
                      cleared: Iterable[str]) -> None:
        """Remember the folder as this save left it: `listing` less the marks it cleared,
        plus the session file it added, and the folder's mtime now."""
        gone = {SAVING_PREFIX + sid for sid in cleared} & listing.names
        names = listing.names
        if gone or (added is not None and added not in names):
            names = (names | ({added} if added is not None else set())) - gone
        unlisted = {n for n in listing.unlisted if n not in table.by_name and n not in gone}
        try:
            mtime = os.stat(self.directory).st_mtime_ns
        except OSError:
            self._listing = None
            return
        self._listing = Listing(names, mtime, listing.taken, table, frozenset(), unlisted)

    def rows(self) -> list[Row]:
        """Every session's row, newest first: the index, less ghosts, plus unlisted files.

        Returns a new list (the caller may sort or filter it). Reading never writes: with a
        missing or corrupt index the rows come from the session files, in memory, and the next
        save writes the index. A store folder that is gone raises FileNotFoundError: an empty
        list would hide that from the user.
        """
        if not os.path.isdir(self.directory):
            raise FileNotFoundError(errno.ENOENT, "the store folder is gone", str(self.directory))
        asked = time.monotonic()
        table = self._load()
        if table is None:
            return self._rows_from_files()
        # A listing begun once this call began and the table was current is as good as ours.
        cached_at = self._cache.set_at(table)
        names = self._names() if cached_at is None else self._reader_names.since(
            max(asked, cached_at))
        result = list(table.rows)
        ghosts = ghost_names(table, names)
        if ghosts:
            gone = {table.by_name[name]["session_id"] for name in ghosts}
            result = [row for row in result if row["session_id"] not in gone]
        unlisted = names.difference(table.by_name)  # marks and temp files are among these
        missing = session_ids(unlisted)
        marked = pending(unlisted) - missing
        if marked:
            fresh = {row["session_id"]: row for row in self._read_rows(marked)}
            result = [{**row, **fresh[row["session_id"]]} if row["session_id"] in fresh else row
                      for row in result]
        if missing or marked:
            result.extend(self._orphan_rows(missing))
            result.sort(key=updated_key)
        return result

    def _rows_from_files(self) -> list[Row]:
        """Every session's row read from its file (a file unchanged since the last call is not
        read again), newest first, without writing anything."""
        with self._cache_lock:
            previous = self._files
        scanned = self._scan_all(previous)
        with self._cache_lock:
            self._files = scanned
        return sorted((s.row for s in scanned.values() if s.row is not None), key=updated_key)

    def _table_from_files(self, records: Iterable[Record] = ()) -> RowTable:
        """The index the session files make (under `lock`: no save runs meanwhile), with
        `records` laid over their rows; what a save writes when the index is unusable."""
        with quiet_gc():  # as in `rebuild`
            return table_of_scan(self._scan_all({}, encode=True), records)

    def _read_rows(self, sids: Iterable[str]) -> list[Row]:
        """Fresh rows of these sessions, read from their files (unreadable ones left out)."""
        rows = []
        for sid in sids:
            scanned = self._scan_one(sid, None)
            if scanned is not None and scanned.row is not None:
                rows.append(scanned.row)
        return rows

    def _orphan_rows(self, sids: Iterable[str]) -> list[Row]:
        with self._cache_lock:
            known = dict(self._orphans)
        fresh: dict[str, Scanned] = {}
        for sid in sids:
            scanned = self._scan_one(sid, known.get(sid))
            if scanned is not None:
                fresh[sid] = scanned
        with self._cache_lock:
            self._orphans = fresh
        return [s.row for s in fresh.values() if s.row is not None]

    def _scan_one(self, sid: str, previous: Scanned | None) -> Scanned | None:
        if previous is not None and self._unchanged(sid, previous):
            return previous
        return read_row(os.path.join(self.directory, sid + SUFFIX), sid)

    def _unchanged(self, sid: str, previous: Scanned) -> bool:
        try:
            return file_sig(os.lstat(os.path.join(self.directory, sid + SUFFIX))) == previous.sig
        except OSError:
            return False

    # ── writing ─────────────────────────────────────────────────────────────

    def patch(self, records: list[Record]) -> None:
        """Put these sessions' rows into the index, keeping every other row as it is.

        Also drops rows whose file is gone and adds files that have no row: so it lists the
        folder afresh. Its callers (a batch, the trash, `_write_session_index`) follow changes
        made beside the save path, which the folder's mtime may not show (a change in the same
        clock tick as our last save leaves it as it was). A missing or unusable index falls
        back to a full rebuild, whose slow scan runs outside the lock.
        """
        with self.lock.hold():
            listing = self._folder_listing(fresh=True)
            table = self._load()
            if table is not None:
                listing = listing.against(table)
                patched = self._patched(listing, records)
                self._write(patched)
                cleared = pending(listing.unlisted)
                self.clear_marks(cleared)
                self._listed_after(listing, patched, None, cleared)
                return
        self.rebuild(records)

    def _patched(self, listing: Listing, records: list[Record],
                 present: Set[str] = frozenset()) -> RowTable:
        """A copy of `listing.table` with these records patched in; each moves with a binary
        search, so a save at 100,000 sessions costs little more than writing the file. Rows
        left stale by a saver that was killed (its mark is still there) are re-read first.
        `present`: files that exist though the listing was taken before they were written."""
        assert listing.table is not None
        cached = listing.table
        table = cached.copy()
        table.drop(listing.ghosts - present)
        unlisted = listing.unlisted - present
        saving = {r.get("session_id") for r in records}
        for row in self._read_rows(pending(unlisted) - saving):
            table.put({**table.by_name.get(f"{row['session_id']}{SUFFIX}", {}), **row})
        for record in records:
            sid = record.get("session_id")
            name = f"{sid}{SUFFIX}"
            if is_safe_id(sid) and (name in listing.names or name in present):
                table.put(row_from_record(record, base=table.by_name.get(name)))
        for row in self._orphan_rows(session_ids(unlisted - table.by_name.keys())):
            table.put(row)
        return table

    def rebuild(self, records: Iterable[Record] = ()) -> list[Row]:
        """Rebuild the index from the session files, then lay `records` over it.

        The read of every file happens first, without the lock; under the lock only the files
        that changed meanwhile are read again, so a save that raced the scan is not undone.
        """
        before = self._index_sig()
        try:
            names: set[str] | None = self._names()
        except OSError:
            names = None
        if names is not None:
            sweep_stale_temps(self.directory, names=names)
        # No cyclic collection until the scan's results are freed: one would walk 100,000 of
        # them for nothing (~0.1 s); the rows they leave are not tracked by the collector.
        with quiet_gc():
            scanned = self._scan_all({}, names, encode=True)
            with self.lock.hold():
                names = self._names()
                # Every locked save rewrites the index after its session file: if the index is
                # as it was, no save ran meanwhile; otherwise re-read what changed.
                if self._index_sig() != before:
                    scanned = self._scan_all(scanned, names, encode=True)
                marks = pending(names)
                for sid in marks:  # a saver killed during the scan: its file may be newer
                    fresh = self._scan_one(sid, None)
                    if fresh is not None:
                        scanned[sid] = fresh
                table = table_of_scan(scanned, records)
                del scanned
                self._listing = None
                with contextlib.suppress(OSError):  # a read-only store still lists
                    self._write(table)
                    self.clear_marks(marks)
        return list(table.rows)  # a copy: the cached list must stay as the file has it

    def _scan_all(self, previous: dict[str, Scanned], names: set[str] | None = None, *,
                  encode: bool = False) -> dict[str, Scanned]:
        """Every session file's row; a file unchanged since `previous` is not read again.
        `names`: the folder's names, when just listed. `encode`: for an index to be written
        (`scanpool.scan_folder`)."""
        try:
            sids = session_ids(self._names() if names is None else names)
        except OSError:
            return {}
        kept = {s: p for s in sids & previous.keys() if self._unchanged(s, p := previous[s])}
        found = scan_folder(str(self.directory), sids - kept.keys(), encode=encode)
        found.update(kept)  # into the scan's own dict: a copy of 100,000 entries saved
        return found

    def save_session(
        self, path: Path, data: bytes, record: Record, *, existing: bool = False
    ) -> os.stat_result:
        """Replace one session file and its index row as nearly together as POSIX allows.

        Both new files are written and fsynced before either is renamed into place, so a full
        disk or a read-only folder changes nothing. The mark covers the instant between the two
        renames: if we die there, the next reader re-reads this session from its file.

        `existing`: the file was there when the session was loaded. If it is gone by the time
        both files are written (Hermes deletes without our lock, and the fsyncs take
        milliseconds), FileNotFoundError: a deleted session is not brought back.
        """
        sid = record["session_id"]
        with self.lock.hold():
            self._check_index_replaceable()
            listing = self._folder_listing()
            self.mark_saving(sid)
            try:
                tmp, st = write_temp(path, data)
            except BaseException:
                self.clear_marks([sid])
                raise
            try:
                # No usable index: the one the files make, written like any other (both files
                # fsynced before either is renamed), so that this save repairs it.
                table = self._load() or self._table_from_files()
                listing = listing.against(table)
                patched = self._patched(listing, [record], {path.name})
                index_bytes = patched.to_json()
                index_tmp, index_st = write_temp(self.index_path, index_bytes)
            except BaseException:
                discard(tmp)
                self.clear_marks([sid])
                raise
            had_file = os.path.lexists(path)
            if existing and not had_file:
                discard(tmp)
                if table is not None:
                    discard(index_tmp)
                self.clear_marks([sid])
                raise FileNotFoundError(
                    errno.ENOENT, "the session was deleted by another program", str(path))
            backup = _hard_link_backup(path) if had_file else None  # the old file, kept reachable
            try:
                try:
                    commit(tmp, path)
                except BaseException:
                    discard(index_tmp)
                    self.clear_marks([sid])
                    raise
                try:
                    commit(index_tmp, self.index_path)
                except BaseException:
                    # Put the old session file back, so the store is exactly as it was.
                    if backup is not None:
                        os.replace(backup, path)
                        backup = None
                    elif not had_file:
                        os.unlink(path)
                    else:  # no way back (no hard links): the mark makes readers trust the file
                        raise
                    self.clear_marks([sid])
                    raise
            finally:
                if backup is not None:
                    discard(backup)
            self._remember_written(patched, index_bytes, index_st)
            cleared = pending(listing.unlisted - {path.name}) | {sid}
            self.clear_marks(cleared)
            self._listed_after(listing, patched, path.name, cleared)
            return st

    def _check_index_replaceable(self) -> None:
        """A directory where the index belongs cannot be renamed over: say so before the save
        changes anything (a FIFO, device or symlink there is replaced, never written into)."""
        try:
            st = os.lstat(self.index_path)
        except FileNotFoundError:
            return
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError(errno.EISDIR, "the index is a directory, not a file",
                                    str(self.index_path))

    def mark_saving(self, sid: str) -> None:
        """Note, before a session file is replaced, that its row is about to go stale."""
        fd = os.open(os.path.join(self.directory, SAVING_PREFIX + sid),
                     os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0),
                     PRIVATE_MODE)
        os.close(fd)

    def clear_marks(self, sids: Iterable[str]) -> None:
        for sid in sids:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(self.directory, SAVING_PREFIX + sid))

    def _index_sig(self) -> FileSig | None:
        try:
            return file_sig(os.stat(self.index_path))
        except OSError:
            return None

    def _write(self, table: RowTable) -> None:
        data = table.to_json()
        self._remember_written(table, data, atomic_write(self.index_path, data))

    def _remember_written(self, table: RowTable, data: bytes, st: os.stat_result) -> None:
        """Cache the table just written, unless some row of it reads back changed: then the
        next read parses the file, so that the cache is always what the file says."""
        if table.exact:
            self._cache.set(table, table.layout(), file_sig(st))
        else:
            self._cache.forget()

    def _forget_files(self) -> None:
        """The index changed (under `_cache_lock`): rows read from files are stale."""
        self._orphans = {}
        self._files = {}


def _hard_link_backup(path: Path) -> Path | None:
    """A second name for the current file (no data copied), to restore it if the save cannot
    finish. None when there is no file yet, or the filesystem has no hard links."""
    backup = temp_path(path)
    try:
        os.link(path, backup, follow_symlinks=False)
    except OSError:
        return None
    return backup


_registry: dict[tuple[Path, Path], SessionIndex] = {}
_registry_lock = threading.Lock()


def index_for(directory: Path, index_path: Path | None = None) -> SessionIndex:
    """The one `SessionIndex` of a folder in this process, so its threads share a lock."""
    directory = Path(directory)
    index_path = Path(index_path) if index_path is not None else directory / INDEX_NAME
    key = (directory.absolute(), index_path.absolute())
    with _registry_lock:
        index = _registry.get(key)
        if index is None:
            index = _registry[key] = SessionIndex(directory, index_path)
        return index
