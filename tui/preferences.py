"""The config file in the running app: applied as it starts, written back as the person
changes things (theme chosen in the palette, sort `s`, columns `c`, archived shown `A`).

Owned by the app (`SessionBrowser.preferences`); owns its save worker. The file is read once,
before the first frame (a few hundred bytes); writes go to a thread, one at a time, the newest
values winning. A broken file or a failed write is one message, never a crash.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.command import CommandPalette

from tui import keys as key_table
from tui.config import (
    DEFAULT,
    DEFAULT_THEME,
    NAMES,
    Loaded,
    Settings,
    load,
    save_settings,
    unknown_names,
)
from tui.messages import SettingsSaveFailed
from tui.order import ORDER_NAMES

if TYPE_CHECKING:
    from tui.app import SessionBrowser


def binding_ids() -> set[str]:
    """Every binding id a keymap may name (`tui.keys`)."""
    ids: set[str] = set()
    for name in dir(key_table):
        table = getattr(key_table, name)
        if name.isupper() and isinstance(table, tuple):
            ids |= {k.id for k in table if isinstance(k, key_table.Key) and k.action}
    return ids


def loaded_from(path: Path | None, webui_url: str | None = None) -> Loaded:
    """The settings of the file at `path` (None: the defaults, nothing read), with the
    command line's `--webui` over them."""
    if path is None:
        loaded = Loaded(Settings(), Path("(no config file)"), dict.fromkeys(NAMES, DEFAULT))
    else:
        loaded = load(path)
    return loaded.with_values("command line", webui_url=webui_url)


class Preferences:
    """The settings in effect; `path` None: nothing is written (tests, `--demo`)."""

    def __init__(self, app: SessionBrowser, loaded: Loaded, path: Path | None) -> None:
        self.app, self.loaded, self.path = app, loaded, path
        self.settings = loaded.settings
        self._pending: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._applying = False
        self._theme_pending = False  # the theme changed while a command palette was open

    def apply_to_list(self) -> None:
        """Before the first read of the store: the default sort, archived shown, columns."""
        main = self.app.main
        main.rows.order = ORDER_NAMES.get(self.settings.sort, main.rows.order)
        main.rows.show_archived = self.settings.show_archived
        main.session_list.usage = self.settings.columns

    def apply_to_app(self) -> None:
        """As the app mounts: theme and keys (checked against what the app has), then the
        one message about the file, if any."""
        app, settings = self.app, self.settings
        problem = unknown_names(self.loaded, themes=app.available_themes,
                                binding_ids=binding_ids())
        self._applying = True
        try:
            if settings.theme in app.available_themes:
                app.theme = settings.theme
            elif settings.theme != DEFAULT_THEME:
                self.settings = replace(settings, theme=DEFAULT_THEME)
        finally:
            self._applying = False
        known = binding_ids()
        keymap = {bid: keys for bid, keys in settings.keys.items() if bid in known}
        if keymap:
            app.set_keymap(keymap)
        message = self.loaded.error or problem
        if message:
            app.notify(message, title="Config file", severity="warning", markup=False,
                       timeout=15)
        app.watch(app, "theme", self._theme_changed, init=False)
        app.screen_change_signal.subscribe(app, self._screen_changed)

    def _palette_open(self) -> bool:
        return any(isinstance(screen, CommandPalette) for screen in self.app.screen_stack)

    def _theme_changed(self, theme: str) -> None:
        """Remember a theme the person chose, not each one a palette shows on the way: while
        a command palette is open a change of theme may be a preview (moving through the
        list), so what stands once the palette is gone is what is remembered."""
        if self._applying:
            return
        if self._palette_open():
            self._theme_pending = True
            return
        self.remember("theme", theme)

    def _screen_changed(self, _screen: object) -> None:
        if self._theme_pending and not self._palette_open():
            self._theme_pending = False
            if self.app.theme != self.settings.theme:
                self.remember("theme", self.app.theme)

    def remember(self, name: str, value: Any) -> None:
        """The person changed `name`: keep it, and write it (in a worker) when there is a
        file to write to."""
        self.settings = replace(self.settings, **{name: value})
        if self.path is None:
            return
        with self._lock:
            self._pending[name] = value
        self.app.run_worker(self._save, thread=True, group="preferences",
                            exit_on_error=False)

    def _save(self) -> None:
        assert self.path is not None
        with self._lock:  # one write at a time; the later one takes the newest values
            changes, self._pending = self._pending, {}
            if not changes:
                return
            try:
                save_settings(self.path, **changes)
            except (OSError, ValueError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
                self.app.post_message(SettingsSaveFailed(f"{self.path}: not saved ({reason})"))
