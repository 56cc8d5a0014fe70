"""Every edit the user makes, in one object: rename, pin, archive and their undo.

An edit is shown at once (the `EditLedger` keeps the row the store confirmed and the edits
still in flight), its save is queued on the `SaveQueue` (one worker, in the order the edits
were made), and an `UndoEntry` carrying its own revert goes on the `UndoStack`. What changed
on screen is published on the app's `row_changed` signal (`RowChanged`): the main screen
puts the row in its list, an open transcript in its header; the controller knows neither.

What writes an edit is a `Saver` chosen per edit by `saver_for` (the store by default; the
app's is `tui.editing.route.EditRoute`). When a Hermes WebUI serving the store cannot make an
edit (`WebUIBlocked`), the edit is not written behind its back: the person chooses to retry,
write the file anyway, or cancel (`WebUIChoice`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.signal import Signal

from api.store import SessionStore, clean_title
from api.webui import WebUIBlocked
from tui.editing.ledger import Edit, EditLedger
from tui.editing.queue import SaveQueue
from tui.editing.saver import Saver, SaverFor
from tui.editing.undo import Revert, UndoStack
from tui.errors import describe_error, session_gone
from tui.messages import RowChanged, SaveFinished
from tui.rows import Row
from tui.screens.webui_choice import WebUIChoice
from tui.text import Clock, quote


class EditController:
    """The optimistic ledger, the ordered save queue and the undo stack of one app.

    `rows` finds the row now on screen of a session (None: it is not in the store any more);
    `changed` is the signal edits are published on; `saver_for` picks what saves an edit of
    a session (default: the store itself)."""

    def __init__(
        self,
        app: App[Any],
        store: SessionStore,
        clock: Clock,
        rows: Callable[[str], Row | None],
        changed: Signal[RowChanged],
        saver_for: SaverFor | None = None,
    ) -> None:
        self.app = app
        self.clock = clock
        self.rows = rows
        self.saver_for: SaverFor = saver_for or (lambda session_id: store)
        self.ledger = EditLedger()
        self.saves = SaveQueue(app)
        self.undo_stack = UndoStack()
        self.changed = changed
        # Landed saves are counted, so a live reload that read the store before a save landed
        # does not put the old row back on screen (see `landed_since`).
        self._epoch = 0
        self._landed: dict[str, int] = {}

    # ── state ───────────────────────────────────────────────────────────────

    @property
    def pending(self) -> int:
        """How many edits are still waiting for their save."""
        return len(self.ledger)

    @property
    def busy(self) -> bool:
        return self.saves.busy

    async def wait_idle(self) -> None:
        """Wait until every queued save is written."""
        await self.saves.wait_idle()

    @property
    def epoch(self) -> int:
        """The count of landed saves (a reload remembers it as it starts)."""
        return self._epoch

    def landed_since(self, epoch: int) -> set[str]:
        """Sessions whose saves landed after `epoch`; forgets them (asked once per reload)."""
        recent = {sid for sid, landed in self._landed.items() if landed > epoch}
        self._landed.clear()
        return recent

    # ── edits ───────────────────────────────────────────────────────────────

    def _row(self, session_id: str) -> Row | None:
        row = self.rows(session_id)
        if row is None:
            self.app.notify("This session is no longer in the store.", severity="warning",
                            markup=False)
        return row

    def _edit(self, row: Row, changes: Row, what: str, call: Callable[[Saver], Row]) -> Edit:
        """Show an edit at once and queue its save, with the saver chosen for it."""
        sid = row["session_id"]
        edit = Edit(sid, changes, what)
        shown = self.ledger.begin(row, edit)
        saver = self.saver_for(sid)
        self.saves.submit(edit, lambda: call(saver))
        self.changed.publish(RowChanged(sid, shown))
        return edit

    def rename(self, session_id: str, title: str) -> None:
        """Retitle (whitespace folded as the store will); the undo sets back the title, the
        `manual_title` mark and `updated_at` as the file had them, so the row returns to its
        place in the list."""
        row = self._row(session_id)
        if row is None:
            return
        title = clean_title(title)
        if not title:
            self.app.notify("A title cannot be empty.", title="Rename", severity="warning",
                            markup=False)
            return
        if title == row["title"]:
            return
        before, updated = row["title"], row["updated_at"]
        replaced: dict[str, Any] = {}  # filled by the rename's save, which runs before the undo
        edit = self._edit(row, {"title": title, "updated_at": self.clock()}, "rename",
                          lambda saver: saver.rename(session_id, title, replaced=replaced))

        def revert(saver: Saver) -> Row:
            manual = {k: v for k, v in replaced.items() if k == "manual_title"}
            return saver.update(session_id, {"title": before, "updated_at": updated, **manual},
                                touch=False)

        self.undo_stack.push(edit, Revert({"title": before, "updated_at": updated}, revert))

    def toggle_pin(self, session_id: str) -> None:
        row = self._row(session_id)
        if row is None:
            return
        pinned, updated = not row["pinned"], row["updated_at"]
        edit = self._edit(row, {"pinned": pinned, "updated_at": self.clock()},
                          "pin" if pinned else "unpin",
                          lambda saver: saver.set_pinned(session_id, pinned))
        # The undo puts `updated_at` back too, so the row returns to its place (a Hermes
        # WebUI cannot: its pin moves it to now, which the row shows once the undo lands).
        back = {"pinned": not pinned, "updated_at": updated}
        self.undo_stack.push(edit, Revert(
            back, lambda saver: saver.update(session_id, back, touch=False),
        ))

    def toggle_archive(self, session_id: str) -> None:
        row = self._row(session_id)
        if row is None:
            return
        archived = not row["archived"]
        edit = self._edit(row, {"archived": archived}, "archive" if archived else "unarchive",
                          lambda saver: saver.set_archived(session_id, archived))
        self.undo_stack.push(edit, Revert(
            {"archived": not archived}, lambda saver: saver.set_archived(session_id, not archived),
        ))

    def undo(self) -> None:
        """Set back what the last edit changed, as a new edit (saved in order after
        everything before it)."""
        entry = self.undo_stack.pop()
        if entry is None:
            self.app.notify("Nothing to undo.", title="Undo", markup=False, timeout=3)
            return
        if entry.run is not None:  # a batch (tui.editing.batch): undone as one step
            entry.run(list(entry.ids))
            return
        row = self.rows(entry.session_id)
        if row is None:
            self.app.notify("That session is no longer in the store.", title="Undo",
                            severity="warning", markup=False)
            return
        what, revert = entry.edit.what, entry.revert
        changes = dict(revert.changes)
        if revert.touch:
            changes["updated_at"] = self.clock()
        self._edit(row, changes, f"undo the {what} of", revert.save)
        self.app.notify(f"Undid the {what} of {quote(row['title'])}.", title="Undo",
                        markup=False, timeout=4)

    # ── saves landing ───────────────────────────────────────────────────────

    def save_finished(self, message: SaveFinished) -> None:
        """A save landed or failed: show the row as the store has it (with the later edits
        on top); a failure says why and leaves nothing to undo."""
        edit = message.edit
        sid = edit.session_id
        self._epoch += 1
        self._landed[sid] = self._epoch
        row = self.ledger.settle(edit, message.row)
        if session_gone(message.error, sid):  # putting the row back would show a ghost
            self._gone(edit, row)
            return
        self.changed.publish(RowChanged(sid, row if self.rows(sid) is not None else None))
        if isinstance(message.error, WebUIBlocked):  # the person chooses: neither written
            self._ask_about_webui(edit, message.error)  # behind the WebUI's back nor dropped
        elif message.error is not None:
            self.undo_stack.discard(edit)
            self.app.notify(
                describe_error(message.error, f"{edit.what} {quote(row['title'])}"),
                title="Not saved", severity="error", markup=False, timeout=8,
            )

    def _gone(self, edit: Edit, row: Row) -> None:
        """Another program deleted the session: its row leaves the list, as after a batch."""
        self.undo_stack.discard(edit)
        self.changed.publish(RowChanged(edit.session_id, None, gone=True))
        self.app.notify(
            f"Could not {edit.what} {quote(row['title'])}: the session was deleted by another "
            "program, so it is no longer listed.",
            title="Not saved", severity="error", markup=False, timeout=8,
        )

    def _ask_about_webui(self, edit: Edit, error: WebUIBlocked) -> None:
        """Retry through the WebUI, write the file anyway, or cancel (the row is back already,
        and so stays). A retried or written edit is the same edit: its undo entry holds."""

        def chosen(choice: str | None) -> None:
            call = error.retry if choice == "retry" else error.write_file
            row = self.rows(edit.session_id)
            if choice not in ("retry", "write") or call is None or row is None:
                self.undo_stack.discard(edit)
                return
            shown = self.ledger.begin(row, edit)
            self.saves.submit(edit, call)
            self.changed.publish(RowChanged(edit.session_id, shown))

        shown = self.rows(edit.session_id)
        title = shown["title"] if shown is not None else edit.session_id
        self.app.push_screen(WebUIChoice(edit.what, title, str(error)), chosen)
