"""Every key of the app in one table: the bindings, the help screen and the command palette
are all built from it, so they cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    """One action and the keys that run it."""

    keys: str  # Textual key names, comma-separated ("" for help-only rows such as the mouse)
    shown: str  # how the help screen writes the keys
    action: str  # the action name ("" for help-only rows)
    label: str  # short: footer and command palette title
    help: str  # one sentence: help screen and command palette help
    footer: bool = False

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.label, show=self.footer)


#: Bound on the list (they move its cursor).
LIST_KEYS: tuple[Key, ...] = (
    Key("up,k", "↑  k", "cursor_up", "Previous session", "Move the cursor up one session."),
    Key("down,j", "↓  j", "cursor_down", "Next session", "Move the cursor down one session."),
    Key("pageup", "PgUp", "page_up", "Page up", "Move the cursor up one screen."),
    Key("pagedown", "PgDn", "page_down", "Page down", "Move the cursor down one screen."),
    Key("home", "Home", "first", "First session", "Jump to the first session."),
    Key("end", "End", "last", "Last session", "Jump to the last session."),
)

#: Help-only: what the mouse does.
MOUSE_KEYS: tuple[Key, ...] = (
    Key("", "wheel", "", "Scroll", "Scroll the list."),
    Key("", "click", "", "Select", "Put the cursor on the clicked session."),
)

#: Bound on the app.
APP_KEYS: tuple[Key, ...] = (
    Key("r,f2", "r  F2", "rename", "Rename", "Rename the session inline.", footer=True),
    Key("p", "p", "toggle_pin", "Pin", "Pin the session to the top, or unpin it.", footer=True),
    Key(
        "a", "a", "toggle_archive", "Archive",
        "Archive the session (it keeps its place), or unarchive it.", footer=True,
    ),
    Key(
        "A", "A", "toggle_show_archived", "Show archived",
        "Show archived sessions (dimmed, marked ⊖), or hide them again.", footer=True,
    ),
    Key("question_mark", "?", "help", "Help", "Show this list of keys.", footer=True),
    Key("q", "q", "quit", "Quit", "Quit, once pending saves are written.", footer=True),
)

#: Help-only: keys of the rename editor and Textual's own.
EDITOR_KEYS: tuple[Key, ...] = (
    Key("", "Enter", "", "Save", "Save the new title (an empty title is refused)."),
    Key("", "Esc", "", "Cancel", "Close the editor, keeping the old title."),
)
OTHER_KEYS: tuple[Key, ...] = (
    Key("", "ctrl+p", "", "Commands", "Search and run any action (command palette)."),
    Key("", "ctrl+q", "", "Quit", "Quit, once pending saves are written."),
)

#: Sections of the help screen, in order.
HELP_SECTIONS: tuple[tuple[str, tuple[Key, ...]], ...] = (
    ("Moving", LIST_KEYS + MOUSE_KEYS),
    ("Editing and view", APP_KEYS),
    ("While renaming", EDITOR_KEYS),
    ("Anywhere", OTHER_KEYS),
)
