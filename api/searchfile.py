"""The message search's SQLite file: where it lives, and opening it only when it is whole and
current.

Several makers may find it missing at once: the app's search threads and its indexer child
(`tui.search.indexer`) all open it at start, and two apps may share a store. So it is made
whole in a temporary file, under a lock, and renamed into place: no one ever opens a half-made
one, and no maker takes another's fresh file for broken and deletes it. A file that is corrupt
or of another schema is replaced the same way; a busy or unreadable one is never taken for
broken.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

from api.locks import StoreLock

#: Made anew when it changes: 2, Chinese and Japanese characters are tokens of their own
#: (`api.search` indexes the text so).
SCHEMA_VERSION = "2"
_SCHEMA = """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE files (
        num INTEGER PRIMARY KEY, session_id TEXT UNIQUE NOT NULL,
        mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL
    );
    CREATE TABLE info (rowid INTEGER PRIMARY KEY, role TEXT, ts REAL);
    CREATE VIRTUAL TABLE messages USING fts5(
        content, tokenize = 'unicode61 remove_diacritics 2'
    );
"""


def default_cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "session-browser"


class CacheUnwritable(Exception):
    """The search cache's folder cannot be made or written. The message names that folder,
    which is not the store's: "the store folder is read-only" would send a person to the wrong
    place. (No errno on purpose: it is reported by its message, across the indexer's pipe too.)
    """

    def __init__(self, folder: Path, error: OSError) -> None:
        reason = (error.strerror or str(error)).lower()
        state = "is not writable" if folder.is_dir() else "cannot be made"
        super().__init__(f"the search cache folder {folder} {state} ({reason}; "
                         "set $XDG_CACHE_HOME to a writable folder)")
        self.folder = folder


class SearchFile:
    """The cache file of one store's message index (under `cache_root`, default the user's
    cache folder), keyed by the store's path."""

    def __init__(self, store_dir: Path, cache_root: Path | None = None) -> None:
        self.store_dir = store_dir
        root = default_cache_root() if cache_root is None else Path(cache_root)
        key = hashlib.sha256(str(store_dir).encode("utf-8", "surrogateescape")).hexdigest()
        self.path = root / f"{key[:24]}.sqlite3"
        #: Held to make the file, across threads and processes (the store's kind of lock).
        self._making = StoreLock(root / f"{key[:24]}.lock")

    @contextlib.contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """An open, current database; one that is missing, corrupt or of another schema is
        made anew."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            conn = self._open_current()
            if conn is None:
                # One maker at a time; each looks again first, so only the first makes it.
                with self._making.hold():
                    conn = self._open_current()
                    if conn is None:
                        self._make()
                        conn = self._open_current()
                    if conn is None:
                        raise sqlite3.DatabaseError("the search cache just made is unusable")
        except sqlite3.OperationalError:  # "unable to open database file": say why, if we can
            self._check_writable()
            raise
        except OSError as exc:
            raise CacheUnwritable(self.path.parent, exc) from exc
        try:
            yield conn
        finally:
            conn.close()

    def _open_current(self) -> sqlite3.Connection | None:
        """The database, or None when there is none or it cannot be used as it is (corrupt,
        another version or store). Never creates the file: only `_make` does, whole."""
        if not self.path.exists():
            return None
        # Bytes, so a folder name that is not UTF-8 is quoted too; mode=rw never creates.
        uri = "file:" + urllib.parse.quote(os.fsencode(self.path)) + "?mode=rw"
        try:
            conn = sqlite3.connect(uri, uri=True, timeout=30, isolation_level=None)
        except sqlite3.OperationalError:
            if not self.path.exists():  # deleted meanwhile, by a maker replacing it
                return None
            raise
        current = False
        try:
            conn.execute("PRAGMA synchronous=NORMAL")
            current = self._is_current(conn)
        except sqlite3.OperationalError:  # locked, or the disk: no sign that the file is bad
            raise
        except sqlite3.DatabaseError:  # corrupt: made anew
            pass
        finally:
            if not current:
                conn.close()
        return conn if current else None

    def _is_current(self, conn: sqlite3.Connection) -> bool:
        """This schema, for this store? (False for an empty file or an older schema too.)"""
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            store = conn.execute("SELECT value FROM meta WHERE key = 'store'").fetchone()
            conn.execute("SELECT count(*) FROM files").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):  # empty, or of an old schema
                return False
            raise
        return row == (SCHEMA_VERSION,) and store == (str(self.store_dir),)

    def _make(self) -> None:
        """A new, empty database, made whole in a private temporary file and then put in the
        place of whatever was there: no one ever opens a half-made one. (Under `_making`.)"""
        for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):  # makers that died
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        # Private before a byte is in it: it will hold every transcript's text.
        os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600))
        try:
            conn = sqlite3.connect(temp, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode=WAL")  # kept in the file: set once, here
                conn.executescript(_SCHEMA)
                conn.execute("INSERT INTO meta VALUES ('schema', ?), ('store', ?)",
                             (SCHEMA_VERSION, str(self.store_dir)))
            finally:
                conn.close()  # the last connection: its WAL is folded into the file
            self._discard()
            os.rename(temp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise

    def _check_writable(self) -> None:
        """Raise CacheUnwritable if no file can be made in the cache's folder."""
        probe = self.path.with_name(f".probe.{os.getpid()}")
        try:
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError as exc:
            raise CacheUnwritable(self.path.parent, exc) from exc
        os.unlink(probe)

    def _discard(self) -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{self.path}{suffix}")

