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
    #: Checked as the key arrives, before it goes to the focused widget (see `search`).
    priority: bool = False

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.label, show=self.footer,
                       priority=self.priority)


#: Bound on the list (they move its cursor) and on the message results.
LIST_KEYS: tuple[Key, ...] = (
    Key("up,k", "↑  k", "cursor_up", "Previous session", "Move the cursor up one line."),
    Key("down,j", "↓  j", "cursor_down", "Next session", "Move the cursor down one line."),
    Key("pageup", "PgUp", "page_up", "Page up", "Move the cursor up one screen."),
    Key("pagedown", "PgDn", "page_down", "Page down", "Move the cursor down one screen."),
    Key("home", "Home", "first", "First session", "Jump to the first line."),
    Key("end", "End", "last", "Last session", "Jump to the last line."),
)

#: Help-only: what the mouse does.
MOUSE_KEYS: tuple[Key, ...] = (
    Key("", "wheel", "", "Scroll", "Scroll the list."),
    Key("", "click", "", "Select", "Put the cursor on the clicked line."),
    Key("", "double-click", "", "Open", "Open the clicked session or message."),
)

#: Bound on the app.
APP_KEYS: tuple[Key, ...] = (
    Key("enter", "Enter", "open", "Open", "Open the session's transcript.", footer=True),
    # A priority key: it opens the line as it arrives, so the keys typed right behind it
    # ("/login" pasted, or sent in one burst over a slow link) go into the line, not the list.
    Key(
        "slash", "/", "search", "Search",
        "Search: filter sessions as you type; find what was said in them.", footer=True,
        priority=True,
    ),
    Key("r,f2", "r  F2", "rename", "Rename", "Rename the session inline.", footer=True,
        priority=True),  # a priority key too: "rNew title" in one burst lands in the editor
    Key("p", "p", "toggle_pin", "Pin", "Pin the session to the top, or unpin it.", footer=True),
    Key(
        "a", "a", "toggle_archive", "Archive",
        "Archive the session (it keeps its place), or unarchive it.", footer=True,
    ),
    Key(
        "A", "A", "toggle_show_archived", "Show archived",
        "Show archived sessions (dimmed, marked ⊖), or hide them again.",
    ),
    Key(
        "s", "s", "cycle_sort", "Sort",
        "Sort by last updated, last message, created, title or message count.",
        footer=True,
    ),
    Key(
        "u,ctrl+z", "u  ctrl+z", "undo", "Undo",
        "Undo the last rename, pin or archive; again for the one before.", footer=True,
    ),
    Key(
        "e", "e", "export", "Export",
        "Export the session to a Markdown file in the current folder.", footer=True,
    ),
    Key(
        "escape", "Esc", "clear_search", "Clear search",
        "Clear the search and show every session.",
    ),
    Key("question_mark", "?", "help", "Help", "Show this list of keys.", footer=True),
    Key("q", "q", "quit", "Quit", "Quit, once pending saves are written.", footer=True),
)

#: Bound on the message results (besides the moving keys).
RESULT_KEYS: tuple[Key, ...] = (
    Key("enter", "Enter", "open_result", "Open", "Open the transcript at this message.",
        footer=True),
)

#: Help-only: keys of the search line and of the rename editor, and Textual's own.
SEARCH_KEYS: tuple[Key, ...] = (
    Key("", "Enter  ↓", "", "To the list", "Go to the filtered sessions, keeping the search."),
    Key("", "Esc", "", "Clear", "Clear the search and go back to every session."),
    Key("", "Tab", "", "Next pane",
        "Move between the search line, the sessions and the messages."),
    Key("", "Enter", "", "Open", "On a matching message: open the transcript at it."),
)
SEARCH_SYNTAX: tuple[Key, ...] = (
    Key("", "words", "", "Words",
        "Each must be in the title, workspace or model; messages with all are listed."),
    Key("", "project:NAME", "", "Project", "Sessions of a project (by name or id)."),
    Key("", "model:TEXT", "", "Model", "Sessions whose model contains TEXT."),
    Key("", "workspace:TEXT", "", "Workspace", "Sessions whose workspace contains TEXT."),
    Key("", "is:pinned", "", "Pinned", "Pinned sessions only."),
    Key("", "is:archived", "", "Archived", "Archived sessions only (shown even when hidden)."),
    Key("", "-word  -is:pinned", "", "Exclude", "A leading - excludes instead."),
    Key("", '"two words"', "", "Quote", 'Quote a value with spaces: project:"data team".'),
)
#: Help-only: the transcript screen's keys (bound by `tui.screens.transcript` and its view;
#: tests/tui/test_open_undo_export_sort.py checks every one of them is bound there).
TRANSCRIPT_KEYS: tuple[Key, ...] = (
    Key("n,right_square_bracket", "n  ]", "next_message", "Next message",
        "Jump to the next message."),
    Key("N,left_square_bracket", "N  [", "previous_message", "Previous message",
        "Jump to the previous message."),
    Key("enter,space", "Enter  Space", "toggle_entry", "Expand",
        "Expand or collapse the tool call or tool result under the cursor."),
    Key("escape", "Esc", "back", "Back", "Back to the list, the cursor where it was."),
    Key("", "r p a  u e", "", "Edit",
        "Rename, pin, archive, undo and export work here as in the list."),
)
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
    ("Sessions", APP_KEYS),
    ("In the search line", SEARCH_KEYS),
    ("Search syntax", SEARCH_SYNTAX),
    ("In a transcript", TRANSCRIPT_KEYS),
    ("While renaming", EDITOR_KEYS),
    ("Anywhere", OTHER_KEYS),
)
