"""Reading the store's rows off the UI thread: the first read (with a quick preview of a big
store) and every reload after a change, one at a time.

The first read orders and indexes every row in the worker (100,000 take about a hundred ms),
so the UI thread never waits for the index. A reload hands over only the rows that changed
since the last read (`diff_rows`), or, after a big change, a list built anew. Results come
back as `RowsLoaded` messages to the owner (the main screen), which lays them into the list
(`tui.live.reconcile`).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from functools import partial

from textual.dom import DOMNode

from api.projects import Project, load_projects
from api.rowmemory import quiet_gc
from api.store import SessionStore
from tui.live.diff import diff_rows
from tui.live.malloc import fix_mmap_threshold
from tui.live.watcher import StoreWatcher
from tui.messages import RowsLoaded, RowsPreview, StoreChanged
from tui.query import EMPTY, Query
from tui.rows import DEFAULT_ORDER, Order, Row, SessionRows

#: From this many sessions on, the rows are moved out of the garbage collector's sight.
FREEZE_ROWS = 5_000

#: Up to this many changed rows, a live update puts them into the list on the UI thread (well
#: under a millisecond each at 100,000); more, and the worker builds the list anew instead.
MAX_DELTA = 256

#: Rows in the first-frame preview of a big store: more than any screen shows.
PREVIEW_ROWS = 200
#: How long the loader lets the preview's frame go first before the full read.
PREVIEW_WAIT_SECONDS = 0.5


class RowsSync:
    """The loader worker of one list, and its coalescing: one read at a time; a change seen
    meanwhile reads once more when it is done.

    `epoch` gives the edit controller's count of landed saves (see `RowsLoaded.epoch`)."""

    def __init__(self, owner: DOMNode, store: SessionStore, epoch: Callable[[], int]) -> None:
        fix_mmap_threshold()  # before the first read: see tui.live.malloc
        self.owner = owner
        self.store = store
        self.epoch = epoch
        self.watcher = StoreWatcher(store)
        #: True once the first whole read is on screen.
        self.loaded = False
        #: A reload failed and said so (said once, until one succeeds).
        self.failed = False
        self._reading = False
        self._again = False
        # The last read's rows (None: nothing read yet, so the next read is a whole one).
        self._seen: list[Row] | None = None
        self._whole = False  # the read asked for while one runs must be a whole one

    @property
    def reading(self) -> bool:
        """Is a read running?"""
        return self._reading

    def read(self, view: SessionRows, *, whole: bool = False) -> None:
        """Read the rows again, in the view `view` has (one read at a time; asked while one
        runs, it reads once more after). `whole`: build the list anew rather than apply what
        changed since the last read: for after the app itself put rows on screen that the
        store may no longer have (a batch's rows put back), which no diff of reads can see."""
        if self._reading:
            self._again = True
            self._whole = self._whole or whole
            return
        self._reading = True
        self._again = False
        whole, self._whole = whole or self._whole, False
        before = self._seen if self.loaded and not whole else None
        # A description of our own: Textual's default is the repr of the arguments, and
        # `before` holds every row (half a second of repr at 100,000, on the UI thread).
        self.owner.run_worker(
            partial(self._load, view.show_archived, view.order, view.query, self.epoch(),
                    self.loaded, before),
            thread=True, group="load", exit_on_error=False, description="reading the store",
        )

    def finished(self, message: RowsLoaded, view: SessionRows) -> None:
        """The owner has shown `message`: remember what was read; read again if the store
        changed meanwhile."""
        self._reading = False
        if message.error is None and (message.rows is not None or message.delta is not None):
            self._seen = message.seen
        if self._again:
            self.read(view)

    def poll(self) -> None:
        """Has anyone changed the store? (Two stats, in a thread.)"""
        self.owner.run_worker(self._check, thread=True, group="poll", exit_on_error=False,
                              description="checking the store for changes")

    def _check(self) -> None:
        if self.watcher.changed():
            self.owner.post_message(StoreChanged())

    def _load(
        self, show_archived: bool, order: Order, query: Query, epoch: int, reload: bool,
        before: list[Row] | None,
    ) -> None:
        """Worker thread. With `before` (the last read's rows, which nothing changes any
        more), a few changed rows are handed over as they are; otherwise every row is ordered
        and indexed here, in the view the UI had when this started."""
        post = self.owner.post_message
        try:
            if not self.store.directory.is_dir():
                raise FileNotFoundError(
                    2, "the store folder does not exist", str(self.store.directory)
                )
            if not reload:
                self.watcher.prime()  # changes from now on are noticed by the poller
            projects = load_projects(self.store.directory)
            if not reload and order == DEFAULT_ORDER and query == EMPTY:
                self._preview(show_archived, projects)
            with quiet_gc():
                listed = self.store.list_rows()
                delta = None if before is None else diff_rows(before, listed, MAX_DELTA)
                if delta is not None:
                    post(RowsLoaded(None, None, delta=delta, seen=listed, projects=projects,
                                    epoch=epoch, reload=reload))
                    return
                rows = SessionRows(listed, show_archived=show_archived, order=order,
                                   query=query, projects=projects)
                if rows.total >= FREEZE_ROWS:
                    gc.freeze()
        except Exception as exc:  # shown as a message; a bad store must not crash the app
            post(RowsLoaded(None, exc, epoch=epoch, reload=reload))
        else:
            post(RowsLoaded(rows, None, seen=listed, projects=projects, epoch=epoch,
                            reload=reload))

    def _preview(self, show_archived: bool, projects: dict[str, Project]) -> None:
        """At 100,000 sessions the full read takes half a second or more; the newest and pinned
        rows (`SessionStore.preview_rows`) take a tenth of that. Small stores skip this: their
        full read is as quick."""
        preview = self.store.preview_rows(newest=PREVIEW_ROWS)
        if preview is not None and len(preview) >= PREVIEW_ROWS:
            rows = SessionRows(preview, show_archived=show_archived, projects=projects)
            shown = threading.Event()
            self.owner.post_message(RowsPreview(rows, projects, shown))
            # The full read holds the GIL for most of its time: let the preview's frame be
            # drawn first, or the two only slow each other down.
            shown.wait(PREVIEW_WAIT_SECONDS)
