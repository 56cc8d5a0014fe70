"""One serial queue of saves per app, drained by a Textual thread worker.

Every store write does disk I/O and takes a cross-process lock, so it must never run on the UI
thread. Running each save in its own thread worker would let two quick edits of one session
reach the disk in either order; a single FIFO drained by one worker at a time keeps them in the
order the user made them. The worker exits when the queue is empty and a new one starts with
the next edit, so an idle app has no thread parked on a queue.
"""

from __future__ import annotations

import contextlib
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from textual.dom import DOMNode
from textual.worker import Worker

from tui.editing.ledger import Edit
from tui.messages import SaveFinished
from tui.rows import Row

SaveCall = Callable[[], Row]


@dataclass
class _Job:
    edit: Edit
    call: SaveCall


class SaveQueue:
    """Saves run one after another, in submission order, off the UI thread."""

    def __init__(self, owner: DOMNode) -> None:
        self._owner = owner
        self._jobs: deque[_Job] = deque()
        self._lock = threading.Lock()
        self._running = False
        self._worker: Worker[None] | None = None

    @property
    def busy(self) -> bool:
        """True while a save is queued or being written."""
        with self._lock:
            return self._running

    def submit(self, edit: Edit, call: SaveCall) -> None:
        """Queue `call` (a store method bound to its arguments); call from the UI thread."""
        with self._lock:
            self._jobs.append(_Job(edit, call))
            if self._running:
                return
            self._running = True
        self._worker = self._owner.run_worker(
            self._drain,
            name="save-queue",
            group="saves",
            description="writing edits to the session store",
            thread=True,
            exit_on_error=False,
        )

    def _drain(self) -> None:
        """Worker thread: run jobs until the queue is empty, reporting each one."""
        while True:
            with self._lock:
                if not self._jobs:
                    self._running = False
                    return
                job = self._jobs.popleft()
            row: Row | None = None
            error: BaseException | None = None
            try:
                row = job.call()
            except Exception as exc:  # reported on screen; a save must never kill the app
                error = exc
            self._owner.post_message(SaveFinished(job.edit, row, error))

    async def wait_idle(self) -> None:
        """Wait (without blocking the event loop) until every queued save has been written."""
        while True:
            with self._lock:
                running = self._running
            worker = self._worker
            if not running or worker is None:
                return
            # A worker that ended with its jobs reported; a new one may have started since.
            with contextlib.suppress(Exception):
                await worker.wait()
            if self._worker is worker:  # no new worker since: nothing is left to write
                return
