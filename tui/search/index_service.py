"""The message index's life cycle: built the first time the search line opens, by a child
process (`tui.search.indexer`: checking every session is a second of Python at 100,000, which
in a thread would slow every keystroke meanwhile), then kept up to date after each change of
the store, for the sessions that changed, by a thread worker.

One refresh runs at a time; what is asked meanwhile is remembered (`pending`) and refreshed
next. Progress and the end come back as `IndexProgress` and `IndexRefreshed` messages to the
owner (the search panel), which hands them to `progressed` and `refreshed`.
"""

from __future__ import annotations

import enum
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual.dom import DOMNode
from textual.worker import get_current_worker

from api.store import SessionStore
from tui.errors import describe_error
from tui.messages import IndexProgress, IndexRefreshed

if TYPE_CHECKING:
    from api.search import SearchIndex

#: How often the message index's build reports progress on screen.
PROGRESS_SECONDS = 0.1

#: Every session (in `pending`).
EVERY = None


class IndexState(enum.Enum):
    COLD = "cold"  # never refreshed in this app: the first refresh builds it
    BUILDING = "building"  # the first refresh: progress is shown, searches wait for it
    REFRESHING = "refreshing"  # a quiet refresh of the sessions a live update saw change
    READY = "ready"


class IndexCancelled(Exception):
    """Raised in the worker's progress callback to stop a build (the app is quitting)."""


class MessageIndex:
    """The message index of one store and the work that keeps it up to date.

    `cache_root`: where the index lives (default: the user's cache folder); `in_child`: check
    every session in a child process, not in a thread of this one; `command`: the child's
    command line (None: `tui.search.indexer.command`)."""

    def __init__(
        self, owner: DOMNode, store: SessionStore, cache_root: Path | None = None, *,
        in_child: bool = True,
    ) -> None:
        self.owner = owner
        self.store = store
        self.cache_root = cache_root
        self.in_child = in_child
        self.command: list[str] | None = None
        self.state = IndexState.COLD
        #: (done, total) of the build, once it reported.
        self.progress: tuple[int, int] | None = None
        #: Why the last refresh failed, as a sentence.
        self.error: str | None = None
        #: The child process of the build, once started.
        self.process: subprocess.Popen[str] | None = None
        # Asked while a refresh runs: nothing (False), these sessions, or every one (EVERY).
        self._pending: set[str] | bool | None = False
        self._index: SearchIndex | None = None
        self._closed = threading.Event()  # set as the app closes: a stopped child is no error

    @property
    def index(self) -> SearchIndex:
        """The store's message index (made on first use: sqlite3 is not imported for a
        session that never searches)."""
        if self._index is None:
            from api.search import SearchIndex

            self._index = SearchIndex(self.store.directory, self.cache_root)
        return self._index

    @property
    def building(self) -> bool:
        return self.state is IndexState.BUILDING

    @property
    def status(self) -> str:
        """How the index is doing, for the search line ("" when there is nothing to say)."""
        if self.error:
            return "message search unavailable"
        if self.state is IndexState.BUILDING:
            if self.progress is None or not self.progress[1]:
                return "indexing messages…"
            done, total = self.progress
            return f"indexing {done:,}/{total:,} sessions ({done * 100 // total}%)"
        return ""

    def refresh(self, only: Iterable[str] | None = EVERY) -> None:
        """Bring the index up to date in the background (the first time builds it). `only`:
        just these sessions (those a live update saw change); checking every file costs half
        a second at 100,000 sessions."""
        if self.state in (IndexState.BUILDING, IndexState.REFRESHING):  # once this one ends
            pending = self._pending
            if pending is EVERY or only is EVERY:
                self._pending = EVERY
            elif pending is False:
                self._pending = set(only)
            else:
                assert isinstance(pending, set)
                pending.update(only)
            return
        first = self.state is IndexState.COLD
        self.state = IndexState.BUILDING if first else IndexState.REFRESHING
        self._pending = False
        if first:
            self.progress = None
            only = EVERY
        sessions = None if only is None else set(only)
        self.owner.run_worker(lambda: self._refresh(sessions), thread=True, group="index",
                              exit_on_error=False, description="indexing messages")

    def progressed(self, message: IndexProgress) -> bool:
        """A build reported progress; True for its first report (the index exists now, so
        searches can run)."""
        if self.state is not IndexState.BUILDING:
            return False  # an incremental refresh: quiet
        first = self.progress is None
        self.progress = (message.done, message.total)
        return first

    def refreshed(self, message: IndexRefreshed) -> str | None:
        """A refresh ended; starts the next one if one was asked meanwhile. Returns the error
        to tell the user about (a failed build; a failed quiet refresh shows in the status)."""
        was_building = self.state is IndexState.BUILDING
        self.state = IndexState.READY
        self.progress = None
        self.error = None if message.error is None else \
            describe_error(message.error, "index messages")
        pending = self._pending
        if pending is not False:
            self.refresh(pending if isinstance(pending, set) else EVERY)
        return self.error if was_building else None

    def close(self) -> None:
        """The app closes: stop the child (what it committed stays; the next start goes on
        from there), and let a build in this process stop at its next report."""
        self._closed.set()
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()

    def _refresh(self, only: set[str] | None) -> None:
        """Worker thread. Quitting stops the child process, or, in this process, cancels the
        worker, and the next progress report (every 200 sessions) then stops the build: a
        thread cannot be killed, and Python waits for it at exit, so the app would otherwise
        hang until a first build of 100,000 sessions finished."""
        worker = get_current_worker()
        last = 0.0

        def progress(done: int, total: int) -> None:
            nonlocal last
            if worker.is_cancelled:
                raise IndexCancelled
            now = time.monotonic()
            if now - last >= PROGRESS_SECONDS or done >= total:  # a few a second is plenty
                last = now
                self.owner.post_message(IndexProgress(done, total))

        try:
            if only is None and self.in_child:  # every file: a second or more of CPU
                from tui.search.indexer import IndexerUnavailable, command, refresh_in_child

                args = self.command or command(self.store.directory, self.cache_root)
                try:
                    refresh_in_child(args, progress, started=self._started)
                except IndexerUnavailable:
                    self.index.refresh(progress=progress)
            else:  # a few sessions a live update saw change: quicker than starting a child
                self.index.refresh(progress=progress, only=only)
        except IndexCancelled:
            return
        except Exception as exc:
            if not self._closed.is_set():
                self.owner.post_message(IndexRefreshed(exc))
        else:
            self.owner.post_message(IndexRefreshed(None))

    def _started(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        if self._closed.is_set():  # closed while it started
            process.terminate()
