"""Marks and the edits that act on many sessions: the main screen's `BulkEdits` component.

Marks are session ids (so they survive live reloads, which replace the row objects); the list
draws them (`SessionList.marked`). Pin, archive, delete and move act on the marked sessions,
else on the highlighted one, as one `Batch` (`tui.editing.batch`): shown at once, saved in
this component's worker through the saver the edit controller chooses, undone by one `u`. A
batch over `PROGRESS_MIN` sessions shows a `ProgressScreen`, and Esc there cancels it; what
the store did not do is put back on screen, and the list is read again so it matches the store.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from textual import on
from textual.widget import Widget

from api.batch import BatchResult
from tui.editing.batch import Batch, delete_batch, field_batch
from tui.errors import describe_error
from tui.exporting import export_session
from tui.messages import BatchDone, BatchProgress
from tui.rows import Row
from tui.screens.confirm import ConfirmScreen, naming
from tui.screens.progress import ProgressScreen
from tui.text import quote

if TYPE_CHECKING:
    from api.store import SessionStore
    from tui.editing.controller import EditController

#: Batches of more sessions than this show a progress bar that can cancel them.
PROGRESS_MIN = 100


class BulkView(Protocol):
    """What the component needs of the main screen."""

    def targets(self) -> list[Row]: ...

    def show_rows(self, rows: dict[str, Row | None]) -> None: ...

    def reload_rows(self, *, whole: bool = False) -> None: ...


class BulkEdits(Widget):
    """Runs batches one at a time, off the UI thread; invisible."""

    DEFAULT_CSS = "BulkEdits { display: none; }"

    def __init__(self, view: BulkView, edits: EditController, store: SessionStore,
                 clock: Callable[[], float], **options: Any) -> None:
        super().__init__(**options)
        self.view, self.edits, self.clock = view, edits, clock
        self.edits_store = store  # what exports read
        self.running: Batch | None = None
        self.progress_screen: ProgressScreen | None = None
        #: Called in the worker before each progress report (a test holds it to cancel at a
        #: known point).
        self.progress_hook: Callable[[int, int], None] | None = None

    # ── what the keys ask for ───────────────────────────────────────────────

    def set_field(self, name: str, what_on: str, what_off: str) -> None:
        """Pin/archive the targets: set when any of them is not set, else clear."""
        rows = self.view.targets()
        if not rows:
            return
        value = not all(row[name] for row in rows)
        self.run(field_batch(rows, name, value, what_on if value else what_off, self.clock()))

    def move(self, project_id: str | None) -> None:
        rows = self.view.targets()
        if rows:
            self.run(field_batch(rows, "project_id", project_id, "move", self.clock()))

    def delete(self) -> None:
        """Ask first, naming what goes; then move the targets to the trash."""
        rows = self.view.targets()
        if not rows:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.run(delete_batch(rows))

        what = naming([row["title"] for row in rows])
        self.app.push_screen(
            ConfirmScreen("Delete", f"Move {what} to the trash? (u undoes it)"), answered)

    def export(self, rows: list[Row], folder: Path) -> None:
        """e with sessions marked: each to its Markdown file, one message for all."""
        self.run_worker(lambda: self._export(rows, folder), thread=True, group="export",
                        exit_on_error=False, description="exporting marked sessions")

    def _export(self, rows: list[Row], folder: Path) -> None:
        """Worker thread."""
        failed: list[str] = []
        for row in rows:
            try:
                export_session(self.edits_store, row["session_id"], folder)
            except Exception as exc:  # told once below, with the first reason
                failed.append(describe_error(exc, f"export {quote(row['title'])}"))
        done = len(rows) - len(failed)
        text = f"{_count(done)} → {folder}" + (f"; {len(failed)} failed: {failed[0]}"
                                                if failed else "")
        self.app.call_from_thread(self.notify, text, title="Exported", markup=False,
                                  severity="error" if failed else "information", timeout=10)

    # ── running ─────────────────────────────────────────────────────────────

    def run(self, batch: Batch) -> None:
        if self.running is not None:
            self.notify("Another batch is still being saved: try again when it is done.",
                        title="Busy", severity="warning", markup=False)
            return
        self.running = batch
        self.view.show_rows(batch.after)
        if len(batch.ids) > PROGRESS_MIN:
            self.progress_screen = ProgressScreen(batch.what.capitalize(), len(batch.ids),
                                                  batch.cancel)
            self.app.push_screen(self.progress_screen)
        self.run_worker(self._after_saves(batch), group="batch", exit_on_error=False,
                        description=f"{batch.what} of many sessions")

    async def _after_saves(self, batch: Batch) -> None:
        """Single edits made before the batch reach the disk first (the user's order)."""
        await self.edits.wait_idle()
        await asyncio.to_thread(self._save, batch)

    def _save(self, batch: Batch) -> None:
        """Worker thread."""
        saver = self.edits.saver_for(batch.ids[0]) if batch.ids else None

        def progress(done: int, total: int) -> bool:
            if self.progress_hook is not None:
                self.progress_hook(done, total)
            self.post_message(BatchProgress(done, total))
            return not batch.cancel.is_set()

        try:
            result = batch.call(saver, progress) if saver is not None else BatchResult()
        except Exception as exc:  # shown; a batch must never kill the app
            self.post_message(BatchDone(batch, None, exc))
        else:
            self.post_message(BatchDone(batch, result, None))

    @on(BatchProgress)
    def _progress(self, message: BatchProgress) -> None:
        if self.progress_screen is not None:
            self.progress_screen.advance(message.done)

    @on(BatchDone)
    def _done(self, message: BatchDone) -> None:
        batch = message.batch
        assert isinstance(batch, Batch)
        self.running = None
        if self.progress_screen is not None:
            if self.progress_screen.is_attached:
                self.progress_screen.dismiss()
            self.progress_screen = None
        result = message.result if isinstance(message.result, BatchResult) else BatchResult()
        done = set(result.done)
        back = {sid: row for sid, row in batch.before.items() if sid not in done}
        if back:
            self.view.show_rows(dict(back))
        self._tell(batch, result, message.error)
        undo = batch.undo
        if result.done and undo is not None:
            self.edits.undo_stack.push_batch(
                batch.what, result.done, lambda ids: self._undo(undo(BatchResult(done=ids))))
        # The list as the store has it now, read whole: a row put back above may be of a
        # session another program deleted meanwhile, which a diff of two reads never sees.
        self.view.reload_rows(whole=True)

    def _undo(self, batch: Batch) -> None:
        self.run(batch)

    def _tell(self, batch: Batch, result: BatchResult, error: BaseException | None) -> None:
        if error is not None:
            self.notify(describe_error(error, f"{batch.what} {_count(len(batch.ids))}"),
                        title="Not saved", severity="error", markup=False, timeout=8)
            return
        text = _said(batch.what, _count(len(result.done)))
        if batch.undo is not None and result.done:
            text += " (u undoes it)"
        if result.cancelled:
            text += f"; cancelled before the other {len(batch.ids) - len(result.done):,}"
        if result.skipped:
            sid, reason = next(iter(result.skipped.items()))
            text += f"; {len(result.skipped):,} skipped ({quote(sid)}: {reason})"
        self.notify(text + ".", title="Undo" if batch.undo is None else "Done", markup=False,
                    severity="warning" if result.skipped else "information", timeout=6)


#: How a batch says what it did.
_PAST = {"archive": "Archived", "unarchive": "Unarchived", "pin": "Pinned", "unpin": "Unpinned",
         "move": "Moved", "restore": "Restored"}


def _said(what: str, count: str) -> str:
    """"Archived 12 sessions", "Moved 3 sessions to the trash", "Undid the pin of 2 sessions"."""
    if what == "delete":
        return f"Moved {count} to the trash"
    if what.startswith("undo the "):
        return f"Undid{what.removeprefix('undo')} {count}"
    return f"{_PAST.get(what, what.capitalize())} {count}"


def _count(n: int) -> str:
    return "1 session" if n == 1 else f"{n:,} sessions"
