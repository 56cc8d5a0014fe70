"""`o` and `y` in the app: open the session on top in Hermes WebUI, or copy something of it.

Owned by the app (`SessionBrowser.handoff`); owns its workers. Opening a browser runs in a
thread (`webbrowser` may wait on a launcher) and in a child process whose stdout and stderr
are /dev/null: a browser started from a terminal app inherits the terminal, and its chatter
("Opening in existing browser session.", GTK warnings) would be written over the app's screen.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from api.export import session_markdown
from api.handoff import webui_base
from tui.handoff import Opened, copied_message, copy_text, open_session
from tui.messages import BrowserDone, CopyReady
from tui.screens.handoff import CopyMenu, LinkDialog

if TYPE_CHECKING:
    from tui.app import SessionBrowser

#: How long a browser launcher may take before the link is shown instead.
LAUNCH_SECONDS = 15.0
_CHILD = ("import sys, webbrowser; "
          "sys.exit(0 if webbrowser.open(sys.argv[1], new=2) else 1)")


class QuietBrowser:
    """A `webbrowser` controller run in a child process with no terminal to write on."""

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        try:
            done = subprocess.run(
                [sys.executable, "-c", _CHILD, url], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                timeout=LAUNCH_SECONDS, check=False,
            )
        except subprocess.TimeoutExpired:
            return False
        return done.returncode == 0


def open_quietly(base: str, session_id: str) -> Opened:
    return open_session(base, session_id, env=os.environ, get_browser=QuietBrowser)


class Handoff:
    """The app's `o` and `y`. `opener` is `open_quietly` unless a test gives another."""

    def __init__(self, app: SessionBrowser,
                 opener: Callable[[str, str], Opened] = open_quietly) -> None:
        self.app, self.opener = app, opener

    def base(self) -> str | None:
        """The WebUI's address (config file, environment, `--webui`), or None after saying
        why it is wrong."""
        try:
            return webui_base(os.environ, url=self.app.preferences.settings.webui_url)
        except ValueError as exc:
            self.app.notify(str(exc), title="WebUI address", severity="error", markup=False)
            return None

    def open(self, session_id: str) -> None:
        base = self.base()
        if base is not None:
            self.app.run_worker(lambda: self._open(base, session_id), thread=True,
                                group="handoff-open", exit_on_error=False)

    def _open(self, base: str, session_id: str) -> None:
        try:
            opened = self.opener(base, session_id)
        except ValueError as exc:  # an id that cannot be in a URL
            opened = Opened("", False, str(exc))
        self.app.post_message(BrowserDone(opened))

    def opened(self, message: BrowserDone) -> None:
        opened = message.opened
        if opened.opened:
            self.app.notify(opened.message, title="Hermes WebUI", markup=False)
        elif opened.url:
            self.app.push_screen(LinkDialog(opened.url, opened.message))
        else:
            self.app.notify(opened.message, title="Hermes WebUI", severity="error",
                            markup=False)

    def copy(self, session_id: str, row: dict[str, Any] | None) -> None:
        """Ask what to copy, then copy it (the Markdown is read in a worker)."""
        row = dict(row) if row is not None else {"session_id": session_id, "title": ""}

        def chosen(kind: str | None) -> None:
            if kind is None:
                return
            base = self.base()
            if base is None:
                return
            if kind == "markdown":
                self.app.run_worker(lambda: self._markdown(session_id), thread=True,
                                    group="handoff-copy", exit_on_error=False)
                return
            self.copied(CopyReady(kind, copy_text(kind, row, base), None))

        self.app.push_screen(CopyMenu(str(row.get("title") or session_id)), chosen)

    def _markdown(self, session_id: str) -> None:
        try:
            text = session_markdown(self.app.store.load(session_id))
        except Exception as exc:  # said in a toast: a vanished or unreadable file
            self.app.post_message(CopyReady("markdown", None, exc))
        else:
            self.app.post_message(CopyReady("markdown", text, None))

    def copied(self, message: CopyReady) -> None:
        if message.text is None:
            self.app.notify(f"Nothing copied: {message.error}", title="Copy",
                            severity="error", markup=False)
            return
        self.app.copy_to_clipboard(message.text)
        self.app.notify(copied_message(message.kind, message.text), title="Copied",
                        markup=False)
