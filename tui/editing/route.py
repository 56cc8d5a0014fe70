"""Which way each edit goes: through a Hermes WebUI that serves this store, else to the file.

Why: a running Hermes WebUI keeps the sessions it has served in memory and saves from that copy
(on every message, and on its composer-draft autosave while someone types in the browser), so
an edit written only to the file is reverted by its next save. `EditRoute` has the edit methods
of `api.store.SessionStore` and decides per edit: when a WebUI answers at the configured
address and proves it serves this folder (`api.webui_edits.WebUIEditor`), the edit goes through
its HTTP API; when nothing answers, or it serves another folder or profile, the edit is
`Session.save()` as before. It is checked at every edit (it may start or stop while the app is
open; a refused connection on this machine costs well under a millisecond).

When the WebUI serves this store but cannot make the edit (it needs a password we lack, refuses
ours, refuses the edit, does not answer), the edit is not written to the file behind its back:
the error (`api.webui.WebUIBlocked`) carries `retry` and `write_file`, and the app lets the
person choose.

Edits of many sessions (`set_pinned_many`, `delete_many`, ...) go the same way, one session
at a time through the WebUI while it serves the store (it has no batch endpoints), else as one
batch of the store's (each file written once, the index once). A session the WebUI cannot make
is skipped with its reason (`BatchResult.skipped`); a password it lacks, found at the first
session, raises `WebUIBlocked` before anything is done, its `retry` and `write_file` redoing
the whole batch.

Every method does blocking I/O: call them from a worker thread (the save queue does).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from textual.app import App

from api.batch import BatchResult, Progress, report, unique_ids
from api.records import Row
from api.store import SessionStore
from api.webui import (
    WebUIAddress,
    WebUIBlocked,
    WebUIClient,
    WebUIError,
    WebUINotThisStore,
    WebUIPasswordNeeded,
    WebUIUnreachable,
    WebUIWrongPassword,
)
from api.webui_edits import WebUIEditor

Way = Literal["files", "webui", "absent", "elsewhere", "blocked"]
#: One session's edit through the WebUI, in a batch.
OneEdit = Callable[[WebUIEditor, str], object]
#: The store's own batch for the sessions the WebUI does not hold.
InFiles = Callable[[list[str], Progress | None], BatchResult]
PASSWORD_TROUBLE = (WebUIPasswordNeeded, WebUIWrongPassword)


@dataclass(frozen=True)
class RouteState:
    """Where the last edit (or check) went, and why, in words for the status line."""

    way: Way
    text: str = ""


class EditRoute:
    """The store's edit methods (`rename`, `set_pinned`, `set_archived`, `update`), each sent
    through the WebUI at `address` when it serves this store, else to `store`.

    `address` None: edits always go to the files (`--no-webui`). `state` says where the last
    edit or `check()` went; it is replaced whole (safe to read from another thread)."""

    def __init__(
        self, store: SessionStore, address: WebUIAddress | None,
        env: Mapping[str, str] = os.environ,
    ) -> None:
        self.store = store
        self.webui = (
            None if address is None
            else WebUIEditor(store, WebUIClient.from_env(address, env))
        )
        self.state = RouteState("files" if address is None else "absent")
        self._probe: str | None = None

    @property
    def status_text(self) -> str:
        """What the status line says about edits ("" when there is nothing to say)."""
        return self.state.text

    # ── the store's edit methods ────────────────────────────────────────────

    def rename(
        self, session_id: str, title: str, *, replaced: dict[str, Any] | None = None
    ) -> Row:
        return self._edit("rename", session_id, title, replaced=replaced)

    def set_pinned(self, session_id: str, pinned: bool) -> Row:
        return self._edit("set_pinned", session_id, pinned)

    def set_archived(self, session_id: str, archived: bool) -> Row:
        return self._edit("set_archived", session_id, archived)

    def update(
        self, session_id: str, changes: dict[str, Any], *, touch: bool = True,
        replaced: dict[str, Any] | None = None,
    ) -> Row:
        return self._edit("update", session_id, changes, touch=touch, replaced=replaced)

    # ── routing ─────────────────────────────────────────────────────────────

    def _edit(self, method: str, session_id: str, *args: Any, **kwargs: Any) -> Row:
        def to_file() -> Row:
            row: Row = getattr(self.store, method)(session_id, *args, **kwargs)
            return row

        webui = self.webui
        if webui is None:
            return to_file()
        try:
            row: Row = getattr(webui, method)(session_id, *args, **kwargs)
        except (WebUIUnreachable, WebUINotThisStore) as exc:
            self._fell_back(exc)
            return to_file()
        except WebUIBlocked as exc:
            self._blocked(exc)

            def retry() -> Row:
                webui.client.retry_login()
                return self._edit(method, session_id, *args, **kwargs)

            exc.retry, exc.write_file = retry, to_file
            raise
        self._went_through(webui)
        return row

    # ── many sessions at once ───────────────────────────────────────────────

    def set_pinned_many(self, ids: Iterable[str], pinned: bool,
                        progress: Progress | None = None) -> BatchResult:
        return self._many(ids, progress, lambda web, sid: web.set_pinned(sid, pinned),
                          lambda todo, report: self.store.set_pinned_many(todo, pinned, report))

    def set_archived_many(self, ids: Iterable[str], archived: bool,
                          progress: Progress | None = None) -> BatchResult:
        return self._many(
            ids, progress, lambda web, sid: web.set_archived(sid, archived),
            lambda todo, report: self.store.set_archived_many(todo, archived, report),
        )

    def set_project_many(self, ids: Iterable[str], project_id: str | None,
                         progress: Progress | None = None) -> BatchResult:
        """As the store's: refused as a whole (`ProjectError`) across profiles, whichever
        way it goes."""
        todo = unique_ids(ids)
        self.store.check_project(todo, project_id)
        return self._many(
            todo, progress, lambda web, sid: web.update(sid, {"project_id": project_id or None}),
            lambda rest, report: self.store.set_project_many(rest, project_id, report),
        )

    def restore_many(self, ids: Iterable[str],
                     progress: Progress | None = None) -> BatchResult:
        """Always the store's: Hermes has no restore, and reads a restored file as it finds
        it (it never held the deleted session in memory after its own delete)."""
        return self.store.restore_many(ids, progress)

    def delete_many(self, ids: Iterable[str],
                    progress: Progress | None = None) -> BatchResult:
        """To the trash; while a WebUI serves the store, each session is deleted by it (so it
        forgets it in memory, see `api.trash`), the files kept in the trash by a hard link."""
        todo = unique_ids(ids)
        webui = self.webui
        if webui is None or not todo:
            return self.store.delete_many(todo, progress)
        try:
            webui.prove(todo[0])
        except (WebUIUnreachable, WebUINotThisStore) as exc:
            self._fell_back(exc)
            return self.store.delete_many(todo, progress)
        except WebUIBlocked as exc:
            raise self._batch_blocked(
                exc, lambda: self.delete_many(todo, progress),
                lambda: self.store.delete_many(todo, progress),
            ) from None
        except (OSError, ValueError):  # the first session is not here: the trash says so
            pass
        self._went_through(webui)
        return self.store.delete_many(todo, progress, remote=webui.delete)

    def _many(self, ids: Iterable[str], progress: Progress | None, one: OneEdit,
              in_files: InFiles) -> BatchResult:
        """Each session through the WebUI; those it does not hold (another folder's, one it
        cannot read), and all that are left once it stops answering, in one batch to the
        files."""
        todo = unique_ids(ids)
        webui = self.webui
        if webui is None:
            return in_files(todo, progress)
        result, total = BatchResult(), len(todo)
        files: list[str] = []  # written to the files, in one batch, at the end
        for number, sid in enumerate(todo, 1):
            try:
                one(webui, sid)
                result.done.append(sid)
                self._went_through(webui)
            except WebUIUnreachable as exc:
                self._fell_back(exc)
                files.extend(todo[number - 1:])
                break
            except WebUINotThisStore as exc:
                self._fell_back(exc)
                files.append(sid)
            except PASSWORD_TROUBLE as exc:
                if number == 1:  # nothing done yet: the person chooses, as for one edit
                    raise self._batch_blocked(
                        exc, lambda: self._many(todo, progress, one, in_files),
                        lambda: in_files(todo, progress),
                    ) from None
                result.skipped.update(dict.fromkeys(todo[number - 1:], str(exc)))
                break
            except (WebUIBlocked, OSError, ValueError) as exc:  # a refusal, a file gone
                result.skipped[sid] = str(exc) or type(exc).__name__
            if number < total and not report(progress, number, total):
                result.cancelled = True
                break
        if files:
            return _merged(result, in_files(files, _offset(progress, total - len(files), total)))
        if not result.cancelled:
            report(progress, total, total)  # as the store's batches end
        return result

    def _batch_blocked(self, exc: WebUIBlocked, retry: Callable[[], BatchResult],
                       write_file: Callable[[], BatchResult]) -> WebUIBlocked:
        self._blocked(exc)
        webui = self.webui

        def again() -> BatchResult:
            if webui is not None:
                webui.client.retry_login()
            return retry()

        exc.retry, exc.write_file = again, write_file
        return exc

    def _went_through(self, webui: WebUIEditor) -> None:
        self.state = RouteState("webui", f"edits via Hermes WebUI at {webui.label}")

    def check(self) -> RouteState:
        """Find out where the next edit would go (for the status line), by proving the WebUI
        against the newest session here. Never raises; never logs in after a refused password."""
        webui = self.webui
        if webui is None:
            return self.state
        try:
            probe = self._probe_id()
            if probe is not None:
                webui.prove(probe)
                self._went_through(webui)
            else:  # nothing to prove it by: say nothing until the first edit
                webui.client.get("/api/sessions")
        except (WebUIUnreachable, WebUINotThisStore) as exc:
            self._fell_back(exc)
        except (WebUIPasswordNeeded, WebUIWrongPassword) as exc:
            self._blocked(exc)
        except (WebUIBlocked, OSError, ValueError):
            pass  # a passing failure, or a session file gone: the next edit will tell
        return self.state

    def _probe_id(self) -> str | None:
        """A session to prove the WebUI by: the last one while its file is there (a check
        every few seconds must not list 100,000 rows to find one), else the newest."""
        sid = self._probe
        if sid is None or not self.store.has_session(sid):
            rows = self.store.list_rows()
            sid = self._probe = rows[0]["session_id"] if rows else None
        return sid

    def _fell_back(self, exc: Exception) -> None:
        if isinstance(exc, WebUIUnreachable):
            self.state = RouteState("absent")
        else:
            summary = exc.summary if isinstance(exc, WebUIError) else str(exc)
            self.state = RouteState("elsewhere", f"{summary}: edits go to the files")

    def _blocked(self, exc: WebUIBlocked) -> None:
        """A password problem lasts until it is fixed: the status line keeps saying so. A
        refused edit (a pin limit) says nothing about the next one."""
        if isinstance(exc, WebUIPasswordNeeded | WebUIWrongPassword):
            self.state = RouteState("blocked", exc.summary)


def _merged(result: BatchResult, more: BatchResult) -> BatchResult:
    result.done.extend(more.done)
    result.skipped.update(more.skipped)
    result.cancelled = result.cancelled or more.cancelled
    return result


def _offset(progress: Progress | None, before: int, total: int) -> Progress | None:
    """Progress of the rest of a batch, counted on from `before` of `total`."""
    if progress is None:
        return None
    return lambda done, _count: progress(before + done, total)


def route_for(
    store: SessionStore, webui: str | None, *, enabled: bool = True,
    env: Mapping[str, str] = os.environ,
) -> EditRoute:
    """The route the command line asks for: `--no-webui` (enabled False), `--webui URL`, or
    the WebUI's own settings from the environment. Raises ValueError for a bad address."""
    if not enabled:
        return EditRoute(store, None, env)
    address = WebUIAddress.from_url(webui, env) if webui else WebUIAddress.from_env(env)
    return EditRoute(store, address, env)


#: Seconds between checks of where edits go, while no edit tells: a WebUI may start or stop
#: while the app sits open, and the status line should say so. A check is one connection.
CHECK_SECONDS = 5.0


def watch_route(app: App[Any], route: EditRoute, changed: Callable[[], None]) -> None:
    """Check where edits go now and every CHECK_SECONDS, in a thread worker (a check waits on
    the network), and call `changed` on the UI thread when the answer is new."""
    if route.webui is None:
        return
    busy = threading.Event()

    def check() -> None:
        before = route.state
        try:
            route.check()
        finally:
            busy.clear()
        if route.state != before:
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                app.call_from_thread(changed)

    def start() -> None:
        if not busy.is_set():
            busy.set()
            app.run_worker(check, thread=True, group="webui-check", exit_on_error=False)

    start()
    app.set_interval(CHECK_SECONDS, start)
