"""`_index.json`: the summary list of one store folder, read, patched and rebuilt safely.

One `SessionIndex` exists per folder in a process (`index_for`), so every thread shares its lock
and its cache. The cache is what makes a save cost what the format costs: the parsed rows are kept
with the (inode, size, mtime) of the file they came from, and reused while the file on disk is
still that file. Any other writer replaces the file (a new inode), which invalidates the cache.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import orjson

from api import jsonio
from api.atomic import (
    PRIVATE_MODE,
    NotRegularFile,
    atomic_write,
    commit,
    discard,
    is_temp_name,
    read_regular,
    sweep_stale_temps,
    temp_path,
    write_temp,
)
from api.locks import StoreLock
from api.records import Record, Row, is_safe_id, row_from_record, sanitize_row, updated_key
from api.rowtable import RowTable
from api.splice import Layout, parse_rows, splice

INDEX_NAME = "_index.json"
LOCK_NAME = "_index.lock"
SUFFIX = ".json"
#: "_saving.<sid>" exists while a save of <sid> is between writing its file and the index. One
#: left behind (the saver was killed) tells the next reader which rows to re-read from disk: the
#: cheap alternative to comparing every file's mtime with the index's.
SAVING_PREFIX = "_saving."

FileSig = tuple[int, int, int]


def file_sig(st: os.stat_result) -> FileSig:
    """What tells one version of a file from another without reading it."""
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def session_id_of(name: str) -> str | None:
    """The session id a directory entry holds, or None for anything that is not a session file."""
    if not name.endswith(SUFFIX) or name.startswith("_") or is_temp_name(name):
        return None
    sid = name[: -len(SUFFIX)]
    return sid if is_safe_id(sid) else None


class CorruptSession(ValueError):
    """A session file that exists but is not a usable session (not JSON, not an object, ...)."""


def read_session_file(path: Path | str) -> tuple[Record, bytes, FileSig]:
    """Parse one session file; symlinks are refused so the store never reads outside itself.

    Raises FileNotFoundError when it is gone, CorruptSession when it is unusable. Plain `os`
    calls on a str path: a full rebuild runs this once per file, and pathlib costs a third.
    """
    name = os.path.basename(path)
    try:
        data, st = read_regular(path)
    except NotRegularFile as exc:
        raise CorruptSession(str(exc)) from exc
    if not data.strip():
        raise CorruptSession(f"{name}: empty file")
    try:
        record = jsonio.loads_exact(data)
    except (ValueError, RecursionError) as exc:
        raise CorruptSession(f"{name}: not valid JSON") from exc
    if not isinstance(record, dict):
        raise CorruptSession(f"{name}: not a JSON object")
    return record, data, file_sig(st)


@dataclass
class _Scanned:
    sig: FileSig
    row: Row | None  # None: the file is not a valid session (kept so it is not re-read)


class SessionIndex:
    """The index of one folder. All writes happen under `lock`; reads never wait for it."""

    def __init__(self, directory: Path, index_path: Path) -> None:
        self.directory = directory
        self.index_path = index_path
        self.lock = StoreLock(directory / LOCK_NAME)
        self._cache_lock = threading.Lock()
        self._table: RowTable | None = None
        self._table_sig: FileSig | None = None
        # The bytes the cached table was read from or written as, and where each row starts,
        # when its rows are the file's rows one for one: what lets the next version another
        # program writes be read by parsing only its changed rows (`api.splice`).
        self._layout: Layout | None = None
        # The last version read in another layout than the cached one, with its table: Hermes
        # indents, we write a row a line, so when both write, each version is diffed against
        # the last one the same program wrote (see `_load`).
        self._other: tuple[RowTable, Layout] | None = None
        # Rows of files the index does not list (written by a tool that skipped the index),
        # remembered by file version so `rows()` reads each such file once.
        self._orphans: dict[str, _Scanned] = {}

    # ── reading ─────────────────────────────────────────────────────────────

    def _load(self) -> RowTable | None:
        """The index file as it is now, or None if it is missing or unusable."""
        try:
            sig = file_sig(os.stat(self.index_path))
        except OSError:
            return None
        with self._cache_lock:
            if self._table is not None and sig == self._table_sig:
                return self._table
            base, base_layout, other = self._table, self._layout, self._other
        try:
            data, st = read_regular(self.index_path)
        except (OSError, NotRegularFile):
            return None
        sig = file_sig(st)  # of the file read: it may have been replaced since the stat
        for old, old_layout in ((base, base_layout), other or (None, None)):
            if old is None or old_layout is None:
                continue
            spliced = _splice(old, old_layout, data)
            if spliced is not None:
                self._set_cache(*spliced, sig)
                return spliced[0]
        parsed = parse_rows(data)
        if parsed is not None:
            items, layout = parsed
            table, aligned = _clean_rows(items, base)
            self._set_cache(table, layout if aligned else None, sig)
            return table
        try:
            raw = jsonio.loads(data)
        except (ValueError, RecursionError):
            return None
        if not isinstance(raw, list):
            return None
        table = _clean_rows(raw, base)[0]
        self._set_cache(table, None, sig)
        return table

    def _names(self) -> set[str]:
        """Every name in the folder: one listdir, no stat. Set arithmetic against the table's
        file names then finds ghosts and unlisted files at C speed (it runs on every save)."""
        return set(os.listdir(self.directory))

    def rows(self) -> list[Row]:
        """Every session's row, newest first: the index, less ghosts, plus unlisted files.

        Returns a new list (the caller may sort or filter it). A missing or corrupt index is
        rebuilt, and written back only when the folder can be written. A store folder that is
        gone raises FileNotFoundError: an empty list would hide that from the user.
        """
        if not os.path.isdir(self.directory):
            raise FileNotFoundError(errno.ENOENT, "the store folder is gone", str(self.directory))
        table = self._load()
        if table is None:
            return list(self.rebuild())
        names = self._names()
        result = list(table.rows)
        ghosts = table.by_name.keys() - names
        if ghosts:
            gone = {table.by_name[name]["session_id"] for name in ghosts}
            result = [row for row in result if row["session_id"] not in gone]
        unlisted = names - table.by_name.keys()  # marks and temp files are among these
        missing = _session_ids(unlisted)
        pending = _pending(unlisted) - missing
        if pending:
            fresh = {row["session_id"]: row for row in self._read_rows(pending)}
            result = [{**row, **fresh[row["session_id"]]} if row["session_id"] in fresh else row
                      for row in result]
        if missing or pending:
            result.extend(self._orphan_rows(missing))
            result.sort(key=updated_key)
        return result

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
        fresh: dict[str, _Scanned] = {}
        for sid in sids:
            scanned = self._scan_one(sid, known.get(sid))
            if scanned is not None:
                fresh[sid] = scanned
        with self._cache_lock:
            self._orphans = fresh
        return [s.row for s in fresh.values() if s.row is not None]

    def _scan_one(self, sid: str, previous: _Scanned | None) -> _Scanned | None:
        path = os.path.join(self.directory, sid + SUFFIX)
        try:
            sig = file_sig(os.lstat(path))
        except OSError:
            return None
        if previous is not None and previous.sig == sig:
            return previous
        try:
            record, _, sig = read_session_file(path)
        except FileNotFoundError:
            return None
        except (OSError, CorruptSession):
            return _Scanned(sig, None)
        if record.get("session_id") != sid:
            # A file whose id disagrees with its name cannot be loaded or saved as either.
            return _Scanned(sig, None)
        return _Scanned(sig, row_from_record(record))

    # ── writing ─────────────────────────────────────────────────────────────

    def patch(self, records: list[Record]) -> None:
        """Put these sessions' rows into the index, keeping every other row as it is.

        Also drops rows whose file is gone and adds files that have no row. A missing or
        unusable index falls back to a full rebuild, whose slow scan runs outside the lock.
        """
        with self.lock.hold():
            table = self._load()
            if table is not None:
                names = self._names()
                self._write(self._patched(table, records, names))
                self.clear_marks(_pending(names - table.by_name.keys()))
                return
        self.rebuild(records)

    def _patched(self, cached: RowTable, records: list[Record], names: set[str]) -> RowTable:
        """A copy of the table with these records patched in; each moves with a binary search,
        so a save at 100,000 sessions costs little more than writing the file. Rows left stale
        by a saver that was killed (its mark is still there) are re-read first."""
        table = cached.copy()
        table.drop(table.by_name.keys() - names)
        saving = {r.get("session_id") for r in records}
        for row in self._read_rows(_pending(names - cached.by_name.keys()) - saving):
            table.put({**table.by_name.get(f"{row['session_id']}{SUFFIX}", {}), **row})
        for record in records:
            sid = record.get("session_id")
            if is_safe_id(sid) and f"{sid}{SUFFIX}" in names:
                table.put(row_from_record(record, base=table.by_name.get(f"{sid}{SUFFIX}")))
        for row in self._orphan_rows(_session_ids(names - table.by_name.keys())):
            table.put(row)
        return table

    def rebuild(self, records: Iterable[Record] = ()) -> list[Row]:
        """Rebuild the index from the session files, then lay `records` over it.

        The read of every file happens first, without the lock; under the lock only the files
        that changed meanwhile are read again, so a save that raced the scan is not undone.
        """
        sweep_stale_temps(self.directory)
        before = self._index_sig()
        scanned = self._scan_all({})
        with self.lock.hold():
            # Every locked save rewrites the index after its session file: if the index is as
            # it was, no save ran meanwhile; otherwise re-read what changed.
            if self._index_sig() != before:
                scanned = self._scan_all(scanned)
            marks = _pending(self._names())
            for sid in marks:  # a saver killed during the scan: its file may be newer
                fresh = self._scan_one(sid, None)
                if fresh is not None:
                    scanned[sid] = fresh
            by_id = {sid: s.row for sid, s in scanned.items() if s.row is not None}
            for record in records:
                rid = record.get("session_id")
                if isinstance(rid, str) and rid in by_id:
                    by_id[rid] = row_from_record(record, base=by_id[rid])
            table = RowTable(sorted(by_id.values(), key=updated_key))
            with contextlib.suppress(OSError):  # a read-only store still lists
                self._write(table)
                self.clear_marks(marks)
        return list(table.rows)  # a copy: the cached list must stay as the file has it

    def _scan_all(self, previous: dict[str, _Scanned]) -> dict[str, _Scanned]:
        try:
            sids = _session_ids(self._names())
        except OSError:
            return {}
        result: dict[str, _Scanned] = {}
        for sid in sids:
            scanned = self._scan_one(sid, previous.get(sid))
            if scanned is not None:
                result[sid] = scanned
        return result

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
            self.mark_saving(sid)
            try:
                tmp, st = write_temp(path, data)
            except BaseException:
                self.clear_marks([sid])
                raise
            try:
                table = self._load()
                if table is not None:
                    names = self._names() | {path.name}
                    patched = self._patched(table, [record], names)
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
                    if table is not None:
                        discard(index_tmp)
                    self.clear_marks([sid])
                    raise
                if table is None:  # no usable index: rebuild it, now that the file is in place
                    self.rebuild([record])
                    return st
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
            self.clear_marks(_pending(names - patched.by_name.keys()))
            return st

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
            self._set_cache(table, table.layout(data), file_sig(st))
        else:
            with self._cache_lock:
                self._table = self._layout = self._table_sig = None

    def _set_cache(self, table: RowTable, layout: Layout | None, sig: FileSig) -> None:
        with self._cache_lock:
            old_table, old_layout = self._table, self._layout
            if layout is None:
                self._other = None
            elif (old_table is not None and old_layout is not None
                    and old_layout.marker != layout.marker):
                self._other = (old_table, old_layout)
            elif self._other is not None and self._other[1].marker == layout.marker:
                self._other = None  # a newer version of its layout is the cached one now
            self._table, self._layout, self._table_sig = table, layout, sig
            self._orphans = {}


def _hard_link_backup(path: Path) -> Path | None:
    """A second name for the current file (no data copied), to restore it if the save cannot
    finish. None when there is no file yet, or the filesystem has no hard links."""
    backup = temp_path(path)
    try:
        os.link(path, backup, follow_symlinks=False)
    except OSError:
        return None
    return backup


def _pending(names: Iterable[str]) -> set[str]:
    """Sessions whose saver marked them and has not yet brought the index up to date.

    A Python loop: callers pass the names the index does not list (`names - by_name.keys()`,
    a set difference at C speed), among which the marks are, not all 100,000."""
    cut = len(SAVING_PREFIX)
    return {n[cut:] for n in names if n.startswith(SAVING_PREFIX) and is_safe_id(n[cut:])}


def _session_ids(names: Iterable[str]) -> set[str]:
    return {sid for name in names if (sid := session_id_of(name)) is not None}


def _splice(base: RowTable, layout: Layout, data: bytes) -> tuple[RowTable, Layout] | None:
    """The table of `data`, a new version of the index `base` was read from, made by parsing
    only the rows that differ; None when it takes a full parse (see `api.splice`)."""
    change = splice(layout, data)
    if change is None:
        return None
    if change.first == change.stop and not change.items:
        return base, change.layout  # the same bytes again: the same table
    rows = []
    for item in change.items:
        row = sanitize_row(item)
        if row is None:
            return None  # the full parse drops it, and knows the rows no longer match the file
        rows.append(row)
    table = base.spliced(change.first, change.stop, rows)
    return None if table is None else (table, change.layout)


def _clean_rows(
    raw: list[object], previous: RowTable | None = None
) -> tuple[RowTable, bool]:
    """Rows from disk made trustworthy: bad rows dropped, one row per id, newest first. The
    flag says whether the rows are the file's rows, one for one and in the same order.

    A row identical to the `previous` table's (same JSON, so same types and key order) is
    that very object: readers tell changed rows by identity, and a file rewritten in another
    layout (Hermes' indent after ours) then changes only the rows that did change."""
    rows: list[Row] = []
    by_name: dict[str, Row] = {}
    needs_sort = False
    last = float("inf")
    before = previous.by_name if previous is not None else {}
    for item in raw:
        old = before.get(f"{item.get('session_id')}{SUFFIX}") if type(item) is dict else None
        # The same JSON as a row already checked: that row, and no need to check it again.
        row = old if old is not None and _same_json(old, item) else sanitize_row(item)
        if row is None:
            continue
        name = row["session_id"] + SUFFIX
        if name in by_name:
            continue  # the first is the newest in a sorted index
        by_name[name] = row
        stamp = row["updated_at"]
        if stamp > last:
            needs_sort = True
        last = stamp
        rows.append(row)
    if needs_sort:
        rows.sort(key=updated_key)
    return RowTable(rows, by_name=by_name), len(rows) == len(raw) and not needs_sort


def _same_json(a: Row, b: object) -> bool:
    """Equal as JSON text: unlike `==`, 1 and 1.0 (or True) differ, and so does key order.
    (orjson directly: this runs for every row of a re-read index.)"""
    try:
        return a == b and orjson.dumps(a) == orjson.dumps(b)
    except TypeError:  # orjson cannot write one of them: say "not the same", and check it
        return False


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
