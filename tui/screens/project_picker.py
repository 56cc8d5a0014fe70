"""`m`: the projects of `projects.json` (each name in its colour), "no project", and "new
project…", which asks for a name and creates the project as Hermes WebUI does.

Dismissed with the chosen project id, `NO_PROJECT`, or None (cancelled). Creating runs in a
worker under the store lock; a `ProjectError` (an empty name...) is said plainly in the dialog.
"""

from __future__ import annotations

from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from api.projects import Project, ProjectError, create_project
from api.store import SessionStore
from tui.errors import describe_error
from tui.keys import PICKER_KEYS, bindings
from tui.screens.dialog import Dialog
from tui.text import inert

#: What the picker returns for "no project".
NO_PROJECT = ""
_NEW = "\x00new"


class ProjectPicker(Dialog[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = list(bindings(PICKER_KEYS))

    DEFAULT_CSS = """
    ProjectPicker > #picker { width: 56; }
    ProjectPicker OptionList, ProjectPicker OptionList:focus {
        height: auto; max-height: 20; border: none;
    }
    ProjectPicker #name { display: none; }
    ProjectPicker #problem { color: $error; height: auto; }
    """

    def __init__(self, store: SessionStore, projects: dict[str, Project], what: str) -> None:
        super().__init__()
        self.store, self.projects, self.what = store, projects, what
        self.options = OptionList(*self._options(), id="projects")
        self.name_input = Input(placeholder="name of the new project", id="name")
        self.problem = Static("", id="problem")

    def _options(self) -> list[Option]:
        found = sorted(self.projects.values(), key=lambda p: p.name.casefold())
        options = [
            Option(Text(inert(p.name), style=Style(color=p.color) if p.color else ""),
                   id=p.project_id)
            for p in found
        ]
        options.append(Option(Text("no project", style="italic"), id="\x00none"))
        options.append(Option(Text("new project…", style="bold"), id=_NEW))
        return options

    def compose(self) -> ComposeResult:
        with Vertical(id="picker", classes="dialog-box") as box:
            box.border_title = f"Move {self.what} to"
            yield self.options
            yield self.name_input
            yield self.problem
        yield Footer()

    def on_mount(self) -> None:
        self.options.focus()

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        chosen = event.option.id
        if chosen == _NEW:
            self.name_input.display = True
            self.name_input.focus()
            return
        self.dismiss(NO_PROJECT if chosen == "\x00none" else chosen)

    @on(Input.Submitted)
    def _named(self, event: Input.Submitted) -> None:
        self.problem.update("")
        self._create(event.value)

    @work(thread=True, group="project", exclusive=True, exit_on_error=False)
    def _create(self, name: str) -> None:
        trash = self.store.trash  # its lock is the store's
        try:
            with trash.index.lock.hold():
                project = create_project(self.store.directory, name)
        except ProjectError as exc:
            self.app.call_from_thread(self._failed, f"Not created: {exc}.")
        except OSError as exc:
            self.app.call_from_thread(
                self._failed, describe_error(exc, "create the project").capitalize())
        else:
            self.app.call_from_thread(self.dismiss, str(project["project_id"]))

    def _failed(self, text: str) -> None:
        self.problem.update(Text(text))

    def action_cancel(self) -> None:
        self.dismiss(None)
