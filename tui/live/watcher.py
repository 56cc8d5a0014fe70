"""Noticing that another program changed the store, cheaply.

`StoreWatcher.changed()` is called by a short thread worker four times a second. It compares
the store's `change_token()` (the index file's version and the folder's mtime: two `stat`s,
which work on network filesystems too, unlike inotify) and the version of `projects.json`
with what it saw last. Only when they differ are the rows read again (`tui.live.sync`).
"""

from __future__ import annotations

import os
import threading

from api.paths import projects_file
from api.store import SessionStore

#: How often the store is polled while the app is open (seconds): three stats each time, so
#: polling often costs nothing. The wait for the next poll is most of the time a change made
#: elsewhere takes to show (reading and merging it takes ~0.1 s at 100,000 sessions).
POLL_SECONDS = 0.25


class StoreWatcher:
    def __init__(self, store: SessionStore) -> None:
        self.store = store
        self._projects = projects_file(store.directory)
        self._last: object = None
        self._busy = threading.Lock()

    def token(self) -> object:
        try:
            st = os.stat(self._projects)
            projects: tuple[int, int, int] | None = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            projects = None
        return self.store.change_token(), projects

    def prime(self) -> None:
        """Remember the store as it is now (call just before reading the rows)."""
        self._last = self.token()

    def changed(self) -> bool | None:
        """Did the store change since the last call (or `prime`)? None when another check is
        still running (a slow filesystem): that one will tell."""
        if not self._busy.acquire(blocking=False):
            return None
        try:
            token = self.token()
            if token == self._last:
                return False
            self._last = token
            return True
        finally:
            self._busy.release()
