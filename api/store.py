"""A session store bound to one folder: the whole interface the UI uses.

It wraps `Session` and the folder's `SessionIndex` so that callers never touch the module
globals of `api.models`, and gives edits as locked read-modify-writes: the session is read
fresh from disk under the store lock, changed, and saved, so an edit never overwrites what
another program wrote a moment before.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from api.batch import BatchResult, Progress, edit_many, setter
from api.index import INDEX_NAME, FileSig, SessionIndex, file_sig, index_for
from api.models import Session
from api.preview import preview_rows
from api.projects import ProjectError, project_profile, same_profile
from api.records import MAX_TITLE, Row, check_session_id, clean_title
from api.rowtable import file_name
from api.trash import RemoteDelete, Trash

__all__ = ["ABSENT", "MAX_TITLE", "BatchResult", "ProjectError", "SessionStore", "clean_title"]


class _Absent:
    """The value of a field a session file does not have."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


class SessionStore:
    """One store folder. Every method that writes may raise `OSError` and then leaves the
    disk as it was; all of them do blocking I/O and belong in a worker thread."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory).expanduser().absolute()
        self.index_path = self.directory / INDEX_NAME

    @property
    def _index(self) -> SessionIndex:
        return index_for(self.directory, self.index_path)

    def list_rows(self) -> list[Row]:
        """Every session's row (archived too), newest `updated_at` first. Rows are shared with
        the index cache: treat them as read-only."""
        return list(self._index.rows())

    def preview_rows(self, newest: int = 200) -> list[Row] | None:
        """The pinned and the `newest` newest rows, read in a fraction of `list_rows()`'s time
        at 100,000 sessions: enough for a first frame. Unchecked against the folder, so always
        follow it with `list_rows()`. None when the index is missing or unreadable."""
        return preview_rows(self.index_path, newest, self._index.index_size_limit)

    def rebuild(self) -> list[Row]:
        """Rebuild `_index.json` from the session files."""
        return self._index.rebuild()

    def index_signature(self) -> FileSig | None:
        """A cheap token that changes whenever `_index.json` is rewritten, for polling."""
        try:
            return file_sig(os.stat(self.index_path))
        except OSError:
            return None

    def change_token(self) -> tuple[FileSig | None, int | None]:
        """Changes whenever a session is added, removed or saved by anyone: the index's version
        (Hermes and we rewrite it on every save) and the folder's mtime (a file created,
        renamed or deleted by a tool that skips the index). Two stats: cheap enough to poll
        twice a second, and unlike inotify it works on network filesystems too."""
        try:
            folder: int | None = os.stat(self.directory).st_mtime_ns
        except OSError:
            folder = None
        return self.index_signature(), folder

    def has_session(self, session_id: str) -> bool:
        """Is there a session file of this id? One stat, where a listing reads every row."""
        return (self.directory / file_name(check_session_id(session_id))).is_file()

    def load(self, session_id: str) -> Session:
        return Session.load(check_session_id(session_id), directory=self.directory)

    def new_session(self, **fields: Any) -> Session:
        """A session bound to this folder, not yet saved."""
        session = Session(**fields)
        object.__setattr__(session, "_directory", self.directory)
        return session

    def save(self, session: Session, *, touch: bool = True) -> Row:
        if session._directory != self.directory:
            object.__setattr__(session, "_directory", self.directory)
        session.save(touch_updated_at=touch)
        return session.compact()

    def modify(
        self, session_id: str, change: Callable[[Session], None], *, touch: bool = True
    ) -> Row:
        """Load, change and save one session under the store lock (threads and processes), so
        no other locked writer can slip in between and nothing it wrote is overwritten."""
        check_session_id(session_id)
        with self._index.lock.hold():
            session = self.load(session_id)
            change(session)
            session.save(touch_updated_at=touch)
            return session.compact()

    def update(
        self, session_id: str, changes: dict[str, Any], *, touch: bool = True,
        replaced: dict[str, Any] | None = None,
    ) -> Row:
        """Set fields of one session on disk, keeping every other field as the file has it.

        A value of `ABSENT` removes the field. `replaced`, when given, receives each changed
        field as the file had it (`ABSENT` where it had none), `updated_at` too when the save
        moves it: what an undo sets back (with `touch=False`)."""

        def change(session: Session) -> None:
            fields = session.__dict__
            if replaced is not None:
                replaced.update({key: fields.get(key, ABSENT) for key in changes})
                if touch:
                    replaced.setdefault("updated_at", fields.get("updated_at", ABSENT))
            for key, value in changes.items():
                if value is ABSENT:
                    fields.pop(key, None)
                else:
                    fields[key] = value

        return self.modify(session_id, change, touch=touch)

    def rename(
        self, session_id: str, title: str, *, replaced: dict[str, Any] | None = None
    ) -> Row:
        """Retitle a session, marking the title as the user's (`manual_title`, which keeps
        Hermes from naming the session itself). `replaced`: see `update`."""
        clean = clean_title(title)
        if not clean:
            raise ValueError("a title cannot be empty")
        return self.update(session_id, {"title": clean, "manual_title": True},
                           replaced=replaced)

    def set_pinned(self, session_id: str, pinned: bool) -> Row:
        return self.update(session_id, {"pinned": bool(pinned)})

    def set_archived(self, session_id: str, archived: bool) -> Row:
        # Archive keeps updated_at, so the list does not reorder under the user.
        return self.update(session_id, {"archived": bool(archived)}, touch=False)

    # ── many sessions at once (see api.batch and api.trash) ────────────────

    @property
    def trash(self) -> Trash:
        """Deleted sessions: list, restore, purge, empty (see `api.trash`)."""
        return Trash(self.directory, self._index)

    def set_pinned_many(self, ids: Iterable[str], pinned: bool,
                        progress: Progress | None = None) -> BatchResult:
        """Pin or unpin many sessions: each file written once, the index once."""
        return edit_many(self._index, self.directory, ids, setter({"pinned": bool(pinned)}),
                         touch=True, progress=progress)

    def set_archived_many(self, ids: Iterable[str], archived: bool,
                          progress: Progress | None = None) -> BatchResult:
        """Archive or unarchive many sessions, keeping their `updated_at`."""
        return edit_many(self._index, self.directory, ids,
                         setter({"archived": bool(archived)}), touch=False, progress=progress)

    def set_project_many(self, ids: Iterable[str], project_id: str | None,
                         progress: Progress | None = None) -> BatchResult:
        """Move many sessions to a project (None: to no project). Refused as a whole, with
        `ProjectError`, when the project is unknown or some session is of another profile
        than the project's: Hermes' rule that a project belongs to one profile."""
        ids = list(ids)
        self.check_project(ids, project_id)
        return edit_many(self._index, self.directory, ids,
                         setter({"project_id": project_id or None}), touch=True,
                         progress=progress)

    def check_project(self, ids: list[str], project_id: str | None) -> None:
        """Raise `ProjectError` unless every one of these sessions may move to the project
        (it exists, and it is of their profile); no project (None) fits every session."""
        if not project_id:
            return
        owner = project_profile(self.directory, project_id)
        rows = {row["session_id"]: row for row in self.list_rows()}
        others = [sid for sid in ids
                  if sid in rows and not same_profile(rows[sid].get("profile"), owner)]
        if others:
            shown = ", ".join(others[:5]) + (" ..." if len(others) > 5 else "")
            raise ProjectError(
                f"the project belongs to profile {owner!r}; {len(others)} of the sessions "
                f"belong to another profile ({shown}): move them within their profile")

    def delete_many(self, ids: Iterable[str], progress: Progress | None = None, *,
                    remote: RemoteDelete | None = None) -> BatchResult:
        """Move sessions to the trash, as Hermes deletes them but undoably. `remote`: while
        Hermes WebUI serves the store, what asks it to delete (see `Trash.delete`)."""
        return self.trash.delete(ids, progress, remote=remote)

    def restore_many(self, ids: Iterable[str],
                     progress: Progress | None = None) -> BatchResult:
        """Bring sessions back from the trash."""
        return self.trash.restore(ids, progress)
