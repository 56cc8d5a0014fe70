"""At startup: finish a delete or restore that a crash cut short (`Trash.recover`), then
empty what was deleted more than `TRASH_DAYS` days ago, and say what went.

A component of the main screen owning its worker: the UI thread never waits for it.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.widget import Widget

from api.store import SessionStore
from tui.config import DEFAULT_TRASH_DAYS
from tui.errors import describe_error
from tui.messages import TrashEmptied
from tui.text import Clock

#: Sessions deleted longer ago than this are emptied from the trash at startup. The config's
#: `trash_days` replaces it: the app sets `MainScreen.trash_upkeep.days` before the screen mounts.
TRASH_DAYS = float(DEFAULT_TRASH_DAYS)


class TrashUpkeep(Widget):
    DEFAULT_CSS = "TrashUpkeep { display: none; }"

    def __init__(self, store: SessionStore, clock: Clock, days: float = TRASH_DAYS,
                 **options: Any) -> None:
        super().__init__(**options)
        self.store, self.clock, self.days = store, clock, days

    def on_mount(self) -> None:
        self.run_worker(self._upkeep, thread=True, group="trash-upkeep", exit_on_error=False,
                        description="emptying old sessions from the trash")

    def _upkeep(self) -> None:
        try:
            trash = self.store.trash
            trash.recover()
            purged = trash.empty(self.days, now=self.clock())
        except Exception as exc:  # said once; the app works without it
            self.post_message(TrashEmptied([], exc))
        else:
            self.post_message(TrashEmptied(purged, None))

    @on(TrashEmptied)
    def _emptied(self, message: TrashEmptied) -> None:
        if message.error is not None:
            if not isinstance(message.error, PermissionError):  # a read-only store: no news
                self.notify(describe_error(message.error, "empty the trash"), title="Trash",
                            severity="warning", markup=False)
            return
        count = len(message.purged)
        if count:
            what = "1 session" if count == 1 else f"{count:,} sessions"
            self.notify(f"Emptied {what} deleted over {self.days:g} days ago from the trash.",
                        title="Trash", markup=False, timeout=8)
