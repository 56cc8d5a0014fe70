"""Every key of the app in one table: the bindings (of the list, the main screen, the app, the
transcript screen, the search line), the footer, the help screen and the command palette are
all built from it, so they cannot drift apart.

Each binding has an `id` (`scope.action`), so a Textual keymap can rebind it.
"""

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
    #: Who binds it: "list" (the session list and the message results), "main" (the main
    #: screen), "app" (every screen), "transcript", "search" (the search line); "" for
    #: help-only rows.
    scope: str = ""
    #: How the key shows in footers, when not as Textual writes it.
    display: str | None = None

    @property
    def id(self) -> str:
        """The binding's id, for keymaps: "main.rename", "app.undo"..."""
        name = self.action.replace("('", ".").replace("')", "")  # choose('retry') → choose.retry
        return f"{self.scope}.{name}"

    def binding(self) -> Binding:
        return Binding(self.keys, self.action, self.label, show=self.footer,
                       priority=self.priority, id=self.id, key_display=self.display)


def bindings(keys: tuple[Key, ...]) -> list[Binding]:
    """The bindings of these keys (help-only rows left out)."""
    return [key.binding() for key in keys if key.action]


#: Bound on the list (they move its cursor) and on the message results.
LIST_KEYS: tuple[Key, ...] = (
    Key("up,k", "↑  k", "cursor_up", "Previous session", "Move the cursor up one line.",
        scope="list"),
    Key("down,j", "↓  j", "cursor_down", "Next session", "Move the cursor down one line.",
        scope="list"),
    Key("pageup", "PgUp", "page_up", "Page up", "Move the cursor up one screen.",
        scope="list"),
    Key("pagedown", "PgDn", "page_down", "Page down", "Move the cursor down one screen.",
        scope="list"),
    Key("home", "Home", "first", "First session", "Jump to the first line.", scope="list"),
    Key("end", "End", "last", "Last session", "Jump to the last line.", scope="list"),
)

#: Help-only: what the mouse does.
MOUSE_KEYS: tuple[Key, ...] = (
    Key("", "wheel", "", "Scroll", "Scroll the list."),
    Key("", "click", "", "Select", "Put the cursor on the clicked line."),
    Key("", "double-click", "", "Open", "Open the clicked session or message."),
)

#: Marks and what acts on many sessions (scope "main"; listed in the help after export).
BULK_KEYS: tuple[Key, ...] = (
    Key("space", "Space", "toggle_mark", "Mark",
        "Mark or unmark the session; p a d m e then act on all marked ones.",
        scope="main"),
    Key("asterisk", "*", "mark_all", "Mark all", "Mark every session the search shows.",
        scope="main"),
    Key("d,delete", "d  Del", "delete", "Delete",
        "Move the session(s) to the trash, after asking; u undoes it.",
        scope="main"),
    Key("m", "m", "move", "Move to project",
        "Move the session(s) to a project, or to a new one.", scope="main"),
    Key("T", "T", "trash", "Trash",
        "Show deleted sessions: restore them, or delete them for good.", scope="main"),
)

#: The keys about sessions, in the order the help lists them: the main screen binds those of
#: scope "main" (so they are live only while it is on top), the app those of scope "app"
#: (they work over a transcript too).
SESSION_KEYS: tuple[Key, ...] = (
    Key("enter", "Enter", "open", "Open", "Open the session's transcript.", footer=True,
        scope="main"),
    # A priority key: it opens the line as it arrives, so the keys typed right behind it
    # ("/login" pasted, or sent in one burst over a slow link) go into the line, not the list.
    Key(
        "slash", "/", "search", "Search",
        "Search: filter sessions as you type; find what was said in them.", footer=True,
        priority=True, scope="main",
    ),
    Key("r,f2", "r  F2", "rename", "Rename", "Rename the session inline.", footer=True,
        priority=True, scope="main"),  # a priority key too: "rNew title" in one burst
    Key("p", "p", "toggle_pin", "Pin", "Pin the session to the top, or unpin it.", footer=True,
        scope="main"),
    Key(
        "a", "a", "toggle_archive", "Archive",
        "Archive the session (it keeps its place), or unarchive it.", footer=True, scope="main",
    ),
    Key(
        "A", "A", "toggle_show_archived", "Show archived",
        "Show archived sessions (dimmed, marked ⊖), or hide them again.", scope="main",
    ),
    Key(
        "s", "s", "cycle_sort", "Sort",
        "Sort: updated, last message, created, title, count, tokens, cost.",
        footer=True, scope="main",
    ),
    Key(
        "u,ctrl+z", "u  ctrl+z", "undo", "Undo",
        "Undo the last edit, batch or delete; again for the one before.", footer=True,
        scope="app",
    ),
    Key(
        "e", "e", "export", "Export",
        "Export the session to a Markdown file in the current folder.", footer=True,
        scope="app",
    ),
    Key(
        "escape", "Esc", "clear_search", "Clear search",
        "Close the search; else clear the marks; else show every session.",
        scope="main",
    ),
    *BULK_KEYS,
    Key("question_mark", "?", "help", "Help", "Show this list of keys.", footer=True,
        scope="app"),
    Key("q", "q", "quit", "Quit", "Quit, once pending saves are written.", footer=True,
        scope="app"),
)
#: Handing a session on, its usage, the statistics (issue 15): `o` and `y` work over a
#: transcript too.
SESSION_KEYS += (
    Key("o", "o", "open_webui", "Open in WebUI",
        "Open the session in Hermes WebUI (or show its link).", scope="app"),
    Key("y", "y", "copy", "Copy",
        "Copy the id, WebUI link, title or whole session (a menu).", scope="app"),
    Key("c", "c", "toggle_usage", "Usage columns",
        "Show or hide the Tokens and Cost columns.", scope="main"),
    Key("S", "S", "statistics", "Statistics",
        "Statistics of the sessions shown, by day, model and project.", scope="main"),
)
MAIN_KEYS = tuple(key for key in SESSION_KEYS if key.scope == "main")
APP_KEYS = tuple(key for key in SESSION_KEYS if key.scope == "app")

#: Bound on the message results (besides the moving keys).
RESULT_KEYS: tuple[Key, ...] = (
    Key("enter", "Enter", "open_result", "Open", "Open the transcript at this message.",
        footer=True, scope="results"),
)

#: The search line's keys (the first two bound by its input), then help-only rows.
SEARCH_KEYS: tuple[Key, ...] = (
    Key("enter,down", "Enter  ↓", "leave", "To list",
        "Go to the filtered sessions, keeping the search.", footer=True, scope="search"),
    Key("escape", "Esc", "clear", "Clear", "Clear the search and go back to every session.",
        footer=True, scope="search"),
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
    Key("", "project:none", "", "No project", "Sessions in no project."),
    Key("", "older:30d", "", "Age",
        "Last active over 30 days ago (newer: under); h d w m y."),
    Key("", "before:DATE", "", "Date",
        "Last active before a day (after: from it on), e.g. 2026-05-01."),
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
    Key("escape", "Esc", "back", "Back", "Back to the list, the cursor where it was.",
        footer=True, scope="transcript", display="Esc"),
    Key("", "r p a  u e  o y", "", "Edit",
        "Rename, pin, archive, undo, export, open, copy: as in the list."),
)
#: Bound by the transcript screen besides `back` (the help's "r p a  u e" row says them).
TRANSCRIPT_EDIT_KEYS: tuple[Key, ...] = (
    Key("r,f2", "r  F2", "rename", "Rename", "Rename the session.", footer=True,
        scope="transcript"),
    Key("p", "p", "toggle_pin", "Pin", "Pin or unpin the session.", footer=True,
        scope="transcript"),
    Key("a", "a", "toggle_archive", "Archive", "Archive or unarchive the session.",
        footer=True, scope="transcript"),
)
#: Bound by the small dialogs (the copy menu, the link) and the statistics screen.
DIALOG_KEYS: tuple[Key, ...] = (
    Key("escape", "Esc", "close", "Close", "Close, doing nothing.", footer=True,
        scope="dialog"),
)
STATS_KEYS: tuple[Key, ...] = (
    Key("escape", "Esc", "back", "Back", "Back to the list.", footer=True, scope="stats"),
)
EDITOR_KEYS: tuple[Key, ...] = (
    Key("", "Enter", "", "Save", "Save the new title (an empty title is refused)."),
    Key("", "Esc", "", "Cancel", "Close the editor, keeping the old title."),
)
OTHER_KEYS: tuple[Key, ...] = (
    Key("", "ctrl+p", "", "Commands", "Search and run any action (command palette)."),
    Key("", "ctrl+q", "", "Quit", "Quit, once pending saves are written."),
)

#: The yes/no question before a delete (`tui.screens.confirm`).
CONFIRM_KEYS: tuple[Key, ...] = (
    Key("y,enter", "y  Enter", "confirm", "Yes", "Do it.", footer=True, scope="confirm"),
    Key("n,escape", "n  Esc", "cancel", "No", "Keep everything as it is.", footer=True,
        scope="confirm"),
)
#: What to do with an edit Hermes WebUI could not make (`tui.screens.webui_choice`).
WEBUI_CHOICE_KEYS: tuple[Key, ...] = (
    Key("r", "r", "choose('retry')", "Retry", "Send the edit to Hermes WebUI again.",
        footer=True, scope="webui"),
    Key("w", "w", "choose('write')", "Write the file anyway",
        "Save the edit to the file; Hermes WebUI may undo it when it next saves the session.",
        footer=True, scope="webui"),
    Key("escape,c", "Esc  c", "choose('cancel')", "Cancel", "Drop the edit: the row goes back.",
        footer=True, scope="webui", display="Esc"),
)
#: The trash view (`tui.screens.trash`).
TRASH_KEYS: tuple[Key, ...] = (
    Key("enter,r", "Enter  r", "restore", "Restore",
        "Put the deleted session back in the store.", footer=True, scope="trash"),
    Key("d,delete", "d  Del", "purge", "Delete for good",
        "Delete the session for good (asks again).", footer=True, scope="trash"),
    Key("escape", "Esc", "back", "Back", "Back to the list.", footer=True, scope="trash"),
)
#: The progress of a long batch (`tui.screens.progress`).
PROGRESS_KEYS: tuple[Key, ...] = (
    Key("escape", "Esc", "cancel", "Cancel",
        "Stop a long batch: what was done stays done.", footer=True, scope="progress"),
)
#: The project picker and its name question (`tui.screens.project_picker`).
PICKER_KEYS: tuple[Key, ...] = (
    Key("escape", "Esc", "cancel", "Cancel", "Close without moving anything.", footer=True,
        scope="picker"),
)
#: Sections of the help screen, in order.
HELP_SECTIONS: tuple[tuple[str, tuple[Key, ...]], ...] = (
    ("Moving", LIST_KEYS + MOUSE_KEYS),
    ("Sessions", SESSION_KEYS),
    ("In the search line", SEARCH_KEYS),
    ("Search syntax", SEARCH_SYNTAX),
    ("In a transcript", TRANSCRIPT_KEYS),
    ("While renaming", EDITOR_KEYS),
    ("In the trash (T)", TRASH_KEYS),
    ("Asked before a delete", CONFIRM_KEYS),
    ("During a long batch", PROGRESS_KEYS),
    ("Anywhere", OTHER_KEYS),
)

