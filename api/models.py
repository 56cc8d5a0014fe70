"""Sessions and the session index: the names other code (and the acceptance tests) import.

`SESSION_DIR` and `SESSION_INDEX_FILE` are read at call time, so a test or a tool can point them
at another folder. Code that works on a chosen folder (the app) uses `api.store.SessionStore`,
which binds sessions to its folder and never touches these globals.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from api import jsonio
from api.index import (
    INDEX_NAME,
    CorruptSession,
    FileSig,
    SessionIndex,
    file_sig,
    index_for,
    read_session_file,
)
from api.paths import default_sessions_dir
from api.records import (
    BULKY_KEYS,
    NEW_SESSION_DEFAULTS,
    OMIT_WHEN_NONE,
    Record,
    Row,
    check_session_id,
    row_from_record,
)

__all__ = [
    "LOCK",
    "SESSIONS",
    "SESSION_DIR",
    "SESSION_INDEX_FILE",
    "CorruptSession",
    "Session",
    "_write_session_index",
    "all_sessions",
]

SESSION_DIR: Path = default_sessions_dir()
SESSION_INDEX_FILE: Path = SESSION_DIR / INDEX_NAME

#: Sessions loaded or saved through the module-level folder, by id.
SESSIONS: dict[str, Session] = {}

#: Guards `SESSIONS`. Index writes are guarded by the per-folder `SessionIndex.lock`.
LOCK = threading.RLock()


def _module_index() -> SessionIndex:
    return index_for(Path(SESSION_DIR), Path(SESSION_INDEX_FILE))


class Session:
    """One chat session. `__dict__` is exactly the JSON record on disk, every key kept.

    What is not part of the record (the folder it belongs to, the file version it was loaded
    from) lives in slots, outside `__dict__`, so `json.dumps(s.__dict__)` stays a valid file.
    """

    __slots__ = ("__dict__", "_base", "_directory")

    _directory: Path | None
    _base: tuple[FileSig, bytes] | None

    def __init__(
        self,
        session_id: str | None = None,
        title: str = "Untitled",
        messages: list[dict[str, Any]] | None = None,
        **fields: Any,
    ) -> None:
        object.__setattr__(self, "_directory", None)
        object.__setattr__(self, "_base", None)
        now = time.time()
        messages = [] if messages is None else messages
        record: Record = {
            "session_id": uuid.uuid4().hex[:12] if session_id is None else session_id
        }
        for key, default in NEW_SESSION_DEFAULTS:
            value = fields.pop(key, default)
            if value is not None or key not in OMIT_WHEN_NONE:
                record[key] = value
        record["title"] = title
        if record["created_at"] is None:
            record["created_at"] = now
        if record["updated_at"] is None:
            record["updated_at"] = record["created_at"]
        bulky = {key: fields.pop(key) for key in list(fields) if key in BULKY_KEYS}
        record.update(fields)
        record["message_count"] = len(messages)
        record["messages"] = messages
        record.update(bulky)
        self.__dict__.update(record)

    @classmethod
    def _from_record(
        cls, record: Record, directory: Path | None, base: tuple[FileSig, bytes] | None
    ) -> Session:
        session = cls.__new__(cls)
        object.__setattr__(session, "_directory", directory)
        object.__setattr__(session, "_base", base)
        session.__dict__.update(record)
        return session

    def __repr__(self) -> str:
        return f"Session({self.__dict__.get('session_id')!r}, title={self.__dict__.get('title')!r})"

    def __getattr__(self, name: str) -> Any:
        # Only reached for keys the record lacks: a file from another tool may omit any of them.
        if name.startswith("__"):
            raise AttributeError(name)
        return None

    # ── where it lives ─────────────────────────────────────────────────────

    @property
    def directory(self) -> Path:
        return self._directory if self._directory is not None else Path(SESSION_DIR)

    @property
    def path(self) -> Path:
        return self.directory / f"{check_session_id(self.session_id)}.json"

    def _index(self) -> SessionIndex:
        if self._directory is None:
            return _module_index()
        return index_for(self._directory)

    # ── load / save ────────────────────────────────────────────────────────

    @classmethod
    def load(cls, sid: str, directory: Path | None = None) -> Session:
        """Read a session from disk (never from the cache: another process may have saved it).

        Raises ValueError for an unsafe id, FileNotFoundError when the file is gone and
        CorruptSession when it is not a session.
        """
        check_session_id(sid)
        folder = Path(SESSION_DIR) if directory is None else Path(directory)
        record, data, sig = read_session_file(folder / f"{sid}.json")
        if record.get("session_id") != sid:
            raise CorruptSession(f"{sid}.json holds session id {record.get('session_id')!r}")
        session = cls._from_record(record, directory, (sig, data))
        if directory is None:
            with LOCK:
                SESSIONS[sid] = session
        return session

    def save(self, touch_updated_at: bool = True) -> None:
        """Write the session atomically and patch its index row, under the store lock.

        `touch_updated_at=False` is for archive, which must not move the session in the list.
        If another process changed the file since it was loaded, the fields this object changed
        are laid over the file's new content, so neither side's edits are lost. A loaded session
        whose file was deleted meanwhile raises FileNotFoundError rather than resurrecting it.
        """
        path = self.path  # validates the id before anything is written
        index = self._index()
        with index.lock.hold():
            if touch_updated_at:
                self.__dict__["updated_at"] = time.time()
            self._merge_with_disk(path)
            if isinstance(self.__dict__.get("messages"), list):
                self.__dict__["message_count"] = len(self.__dict__["messages"])
            data = jsonio.dumps_session(self.__dict__)
            try:
                st = index.save_session(path, data, self.__dict__,
                                        existing=self._base is not None)
            except FileNotFoundError:
                if not path.parent.is_dir():
                    raise FileNotFoundError(
                        2, "the store folder is gone", str(path.parent)
                    ) from None
                raise
            object.__setattr__(self, "_base", (file_sig(st), data))
        if self._directory is None:
            with LOCK:
                SESSIONS[self.session_id] = self

    def _merge_with_disk(self, path: Path) -> None:
        if self._base is None:
            return
        base_sig, base_data = self._base
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            raise FileNotFoundError(
                2, "the session was deleted by another program", str(path)
            ) from None
        if file_sig(st) == base_sig:
            return
        try:
            theirs, _, _ = read_session_file(path)
        except CorruptSession:
            return  # nothing to keep from an unreadable file: ours replaces it
        base = jsonio.loads_exact(base_data)
        ours = self.__dict__
        merged = dict(theirs)
        for key, value in ours.items():
            if key not in base or base[key] != value:
                merged[key] = value
        for key in base.keys() - ours.keys():
            merged.pop(key, None)
        ours.clear()
        ours.update(merged)

    def compact(self) -> Row:
        """The session's index row."""
        return row_from_record(self.__dict__)


def _write_session_index(updates: list[Session] | None = None) -> None:
    """Patch the index with these sessions' rows, or rebuild it from the files (`None`)."""
    index = _module_index()
    if updates is None:
        index.rebuild()
    else:
        index.patch([s.__dict__ for s in updates])


def all_sessions() -> list[Row]:
    """Every session's index row, newest first, without ghosts, with unlisted files found."""
    return _module_index().rows()
