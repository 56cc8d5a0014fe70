"""The session browser app: a shell around its screens.

It holds the store, the clock, the edit controller (every rename, pin, archive and undo, see
`tui.editing`), the signal that tells screens which rows changed, export, help, quitting and
the command palette. The list, the search line and their layout are the `MainScreen`
(`get_default_screen`); a session's messages are a `TranscriptScreen` pushed over it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import SystemCommand
from textual.binding import BindingType
from textual.command import CommandPalette
from textual.screen import Screen
from textual.signal import Signal

from api.store import SessionStore
from tui.editing.controller import EditController
from tui.editing.route import EditRoute, watch_route
from tui.editing.saver import SaverFor
from tui.errors import describe_error
from tui.exporting import export_session
from tui.handoff_actions import Handoff
from tui.keys import APP_KEYS, LIST_KEYS, MAIN_KEYS, Key, bindings
from tui.live.watcher import POLL_SECONDS
from tui.messages import (
    BrowserDone,
    CopyReady,
    ExportDone,
    RowChanged,
    SaveFinished,
    SettingChanged,
    SettingsSaveFailed,
)
from tui.preferences import Preferences, loaded_from
from tui.rows import Row
from tui.screens import as_transcript
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.text import Clock, quote
from tui.widgets.command_palette import GuardedPaletteApp

if TYPE_CHECKING:
    from tui.screens.transcript import TranscriptScreen


class SessionBrowser(GuardedPaletteApp[None]):
    """Browse, search, read, rename, pin, archive and export the sessions of one store."""

    TITLE = "session-browser"
    #: The main screen's layout. On the app, not the screen: Textual reads a screen's
    #: CSS_PATH when it is pushed, never for the default screen.
    CSS_PATH = "screens/main.tcss"
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(APP_KEYS))

    def __init__(
        self,
        store: SessionStore,
        *,
        clock: Clock = time.time,
        tz: tzinfo | None = None,
        store_label: str | None = None,
        banner: str | None = None,
        poll_interval: float | None = POLL_SECONDS,
        cache_root: Path | None = None,
        export_dir: Path | None = None,
        index_in_child: bool = True,
        saver_for: SaverFor | None = None,
        route: EditRoute | None = None,
        config_path: Path | None = None,
        webui_url: str | None = None,
    ) -> None:
        """`clock` and `tz` decide what "3 min ago" means (tests freeze them); `store_label`
        replaces the store path in the status line; `banner` is a notice shown above the list
        (for example that the demo store was opened because no store was found).

        `poll_interval`: seconds between checks for changes by other programs (None: never).
        `cache_root`: where the message search index lives (default: the user's cache folder).
        `export_dir`: where `e` writes Markdown files (default: the current folder).
        `index_in_child`: check every session for the message index in a child process (see
        `tui.search.indexer`), not in a thread of this one. `route`: which way edits go
        (`tui.editing.route`; default: always to the files). `saver_for`: what saves an edit
        of a session instead of the route (tests spy on saves with it).

        `config_path`: the config file to read and to write what the person changes (None:
        the defaults, nothing written: tests, never the real ~/.config); `webui_url`: the
        command line's WebUI address, over the file's."""
        super().__init__()
        self.store = store
        self.clock = clock
        self.tz = tz
        self.export_dir = export_dir
        #: Rows changed by an edit or by another program: screens showing them subscribe.
        self.row_changed: Signal[RowChanged] = Signal(self, "row-changed")
        #: Which way edits go: through a Hermes WebUI serving this store, else to the files.
        self.route = route if route is not None else EditRoute(store, None)
        self.edits = EditController(self, store, clock, self._row_of, self.row_changed,
                                    saver_for or (lambda _session_id: self.route))
        #: The list's screen, always at the bottom of the stack.
        self.main = MainScreen(
            store, self.edits, self.row_changed, clock=clock, tz=tz,
            store_label=store_label if store_label is not None else str(store.directory),
            banner=banner, poll_interval=poll_interval, cache_root=cache_root,
            index_in_child=index_in_child, edits_via=lambda: self.route.status_text,
        )
        self._quitting = False
        self.preferences = Preferences(self, loaded_from(config_path, webui_url), config_path)
        self.preferences.apply_to_list()
        self.handoff = Handoff(self)

    def get_default_screen(self) -> Screen[None]:
        return self.main

    def on_mount(self) -> None:
        # The status line says where edits go, checked now and then (a WebUI may start or
        # stop while the app is open).
        watch_route(self, self.route, self.main.update_status)
        self.preferences.apply_to_app()

    def _row_of(self, session_id: str) -> Row | None:
        return self.main.rows.get(session_id)

    def refresh_bindings(self) -> None:
        """As Textual's, but harmless while the app closes: an open editor then loses focus,
        closes, and asks for the footer to change when there are no screens any more."""
        if self.screen_stack:
            super().refresh_bindings()

    def _top(self) -> Screen[object] | None:
        """The screen the user acts on: the top one, or the one under the command palette
        (its commands act there). None while the app closes."""
        for screen in reversed(self.screen_stack):
            if not isinstance(screen, CommandPalette):
                return screen
        return None

    def _session_on_top(self) -> str | None:
        """The session the top screen shows (a transcript's) or points at (the list's
        cursor); None on any other screen, or while a title is being typed."""
        top = self._top()
        transcript = as_transcript(top)
        if transcript is not None:
            return transcript.session_id
        row = self.main.highlighted if top is self.main else None
        return row["session_id"] if row is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No undo while a title is being typed (here or in a transcript); export needs a
        session (dimmed without one, or while a big store's preview is on screen)."""
        top = self._top()
        transcript = as_transcript(top)
        typing = self.main.editor.is_open or (transcript is not None and transcript.editor.is_open)
        if action == "undo":
            return not typing
        if action in ("export", "open_webui", "copy"):
            if self.main.editor.is_open:
                return False
            if not self.main.loaded:
                return None
            if top is not self.main:
                return transcript is not None
            return None if self.main.highlighted is None else True
        return True

    # ── edits from a transcript ─────────────────────────────────────────────

    def on_transcript_screen_edit_requested(self, message: TranscriptScreen.EditRequested) -> None:
        """r, p or a pressed in a transcript: the same edit as from the list. (Found by name,
        not `@on`, so the transcript's module is not imported before it is needed.)"""
        sid = message.session_id
        if message.action == "rename":
            if message.title is not None:
                self.edits.rename(sid, message.title)
        elif message.action == "toggle_pin":
            self.edits.toggle_pin(sid)
        elif message.action == "toggle_archive":
            self.edits.toggle_archive(sid)

    @on(SaveFinished)
    def _save_finished(self, message: SaveFinished) -> None:
        self.edits.save_finished(message)

    def action_undo(self) -> None:
        """`u`, ctrl+z: set back what the last edit changed."""
        if not self.main.editor.is_open:
            self.edits.undo()

    # ── export ──────────────────────────────────────────────────────────────

    def action_export(self) -> None:
        """`e`: the highlighted session (or the open transcript's) to a Markdown file."""
        sid = self._session_on_top()
        if sid is None:
            return
        row = self.main.rows.get(sid)
        title = row["title"] if row is not None else sid
        folder = self.export_dir if self.export_dir is not None else Path.cwd()
        if self._top() is self.main and self.main.marked:  # every marked session
            self.main.bulk.export(self.main.targets(), folder)
            return
        self._export(sid, title, folder)

    @work(thread=True, group="export", exit_on_error=False)
    def _export(self, session_id: str, title: str, folder: Path) -> None:
        try:
            path = export_session(self.store, session_id, folder)
        except Exception as exc:
            self.post_message(ExportDone(title, None, exc))
        else:
            self.post_message(ExportDone(title, path, None))

    @on(ExportDone)
    def _export_done(self, message: ExportDone) -> None:
        if message.path is None:
            error = message.error or RuntimeError("unknown error")
            self.notify(
                describe_error(error, f"export {quote(message.title)}",
                               denied="permission denied (the folder is read-only)",
                               missing="the session file was deleted by another program"),
                title="Not exported", severity="error", markup=False, timeout=8,
            )
            return
        self.notify(f"{quote(message.title)} → {message.path}", title="Exported",
                    markup=False, timeout=10)

    # ── hand-off and preferences (issue 15: see tui.handoff_actions, tui.preferences) ──

    def action_open_webui(self) -> None:
        """`o`: the session on top in Hermes WebUI, in the browser (or its link, shown)."""
        sid = self._session_on_top()
        if sid is not None:
            self.handoff.open(sid)

    def action_copy(self) -> None:
        """`y`: a menu of what to copy of the session on top."""
        sid = self._session_on_top()
        if sid is not None:
            self.handoff.copy(sid, self.main.rows.get(sid))

    @on(BrowserDone)
    def _browser_done(self, message: BrowserDone) -> None:
        self.handoff.opened(message)

    @on(CopyReady)
    def _copy_ready(self, message: CopyReady) -> None:
        self.handoff.copied(message)

    @on(SettingChanged)
    def _setting_changed(self, message: SettingChanged) -> None:
        self.preferences.remember(message.name, message.value)

    @on(SettingsSaveFailed)
    def _settings_save_failed(self, message: SettingsSaveFailed) -> None:
        self.notify(message.reason, title="Settings not saved", severity="warning",
                    markup=False, timeout=10)

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # ── quitting ────────────────────────────────────────────────────────────

    async def action_quit(self) -> None:
        """Quit once every queued save is on disk; a second `q` while waiting quits at once."""
        if not self.edits.busy or self._quitting:
            self.exit()
            return
        self._quitting = True
        self.notify(
            "Writing pending edits before quitting… (press q again to quit now)",
            title="Quit", markup=False,
        )
        self.run_worker(self._quit_when_saved(), group="quit", exclusive=True)

    async def _quit_when_saved(self) -> None:
        await self.edits.wait_idle()
        self.exit()

    # ── command palette ─────────────────────────────────────────────────────

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Textual's own commands (theme, keys...) and ours that can run now: those of the
        app, and on the main screen those of the screen and its list (each one the screen's
        `check_action` allows, as its key would be)."""
        for command in super().get_system_commands(screen):
            if command.title != "Quit":  # ours waits for pending saves
                yield command
        yield from self._commands(self, APP_KEYS)
        if screen is self.main:
            yield from self._commands(self.main, MAIN_KEYS)
            yield from self._commands(self.main.session_list, LIST_KEYS)

    def _commands(self, node: object,
                  keys: tuple[Key, ...]) -> Iterable[SystemCommand]:
        check = getattr(node, "check_action", None)
        for key in keys:
            if check is not None and not check(key.action, ()):
                continue
            yield SystemCommand(
                key.label, f"{key.help} ({key.shown})", getattr(node, f"action_{key.action}")
            )
