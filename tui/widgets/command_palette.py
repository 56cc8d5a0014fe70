"""Textual's command palette, guarded against two key bursts that crash Textual 8.2.8.

Both happen to people on a fast keyboard or a laggy SSH link, where keys arrive in one read:

- `ctrl+p` then `PageDown` before the first results are laid out: `OptionList._move_page`
  looks the highlighted option up in its line table, which is still empty while the list has
  no size (`KeyError: 0`). A page is meaningless before there is a page to move by, so the key
  does nothing until the list is drawn (`OptionList.scroll_to_highlight` tolerates the same
  state in the same way).
- `ctrl+p Enter Enter`: each Enter selects, and each selection calls `dismiss()`. The first
  pops the palette; the second pops whatever is under it (our transcript screen, silently) or,
  over the main screen, raises `ScreenStackError`. A palette that is no longer the active
  screen has nothing left to dismiss, and runs no second command.
- `ctrl+p` while the palette just closed is still being removed (found by the monkey test):
  the new one gets the same id (`DuplicateIds`). Ours has none.
- A palette closed while its search still runs (found by the monkey test): the search's last
  step fills a command list that is gone (`NoMatches` for `CommandList`, from a worker, which
  kills the app). A list no longer in the palette is not filled.
- A palette removed as its "No matches found" countdown ends (found by the monkey test): the
  countdown's end looks for the list, gone already (`NoMatches`, from a timer). The palette's
  timers run their callbacks only while its list is there.

`GuardedPaletteApp` opens this palette wherever Textual opens its own: `ctrl+p`, and the
palettes of commands and of themes that its commands open.

Upstream (Textualize/textual at 8.2.8, its newest release) has neither guard; the repros and
the suggested fixes are in the report of issue #12.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from textual import on
from textual.app import App
from textual.await_complete import AwaitComplete
from textual.command import CommandList, CommandListItem, CommandPalette, SimpleProvider
from textual.theme import ThemeProvider
from textual.timer import Timer, TimerCallback
from textual.widgets import Button, Input, LoadingIndicator


class GuardedCommandPalette(CommandPalette):
    """`CommandPalette` that ignores keys arriving before it can act on them, or after it
    has already closed."""

    def _action_command_list(self, action: str) -> None:
        if action in ("page_up", "page_down"):
            commands = self.query_one(CommandList)
            if commands.highlighted not in commands._index_to_line:
                return  # not laid out yet: there is no page to move by
        super()._action_command_list(action)

    @on(Input.Submitted)
    @on(Button.Pressed)
    def _select_or_command(self, event: Input.Submitted | Button.Pressed | None = None) -> None:
        if event is not None:
            # Textual dispatches the base class's handler of the same message too: this one
            # calls it (or not), so the base's must not run again.
            event.prevent_default()
        if not self.is_active:  # closed by an earlier key of the same burst: run nothing
            if event is not None:
                event.stop()
            return
        super()._select_or_command(event)

    def _refresh_command_list(
        self, command_list: CommandList, commands: list[Any], clear_current: bool
    ) -> None:
        if command_list.is_attached:  # else: closed while the search ran
            super()._refresh_command_list(command_list, commands, clear_current)

    def _watch__list_visible(self) -> None:
        if self.query(CommandList):
            super()._watch__list_visible()

    def _watch__show_busy(self) -> None:  # type: ignore[override]
        # Textual's own watcher is async but does only this; an async watcher's coroutine is
        # dropped unawaited (a RuntimeWarning) when the palette closes before it runs.
        lists, spinners = self.query(CommandList), self.query(LoadingIndicator)
        if lists and spinners:
            spinners.first().set_class(self._show_busy, "--visible")
            lists.first().set_class(self._show_busy, "--populating")

    def set_timer(self, delay: float, callback: TimerCallback | None = None, *,
                  name: str | None = None, pause: bool = False) -> Timer:
        """Textual's countdowns ("No matches found", the busy spinner) look for the list when
        they end: with none left (the palette is being removed), they do nothing."""
        if callback is None:
            return super().set_timer(delay, name=name, pause=pause)
        run = callback

        def when_listed() -> Any:
            return run() if self.query(CommandList) else None

        return super().set_timer(delay, when_listed, name=name, pause=pause)

    def dismiss(self, result: Any = None) -> AwaitComplete:
        if not self.is_active:  # popping again would pop the screen under the palette
            return AwaitComplete.nothing()
        return super().dismiss(result)


ReturnType = TypeVar("ReturnType")


class GuardedPaletteApp(App[ReturnType]):
    """An app whose every command palette is a `GuardedCommandPalette` (Textual builds its
    own in these three methods)."""

    def action_command_palette(self) -> None:
        # No fixed id (Textual gives it "--command-palette"): a palette just closed is still
        # being removed for a moment, and a ctrl+p then would make a second one with its id
        # (DuplicateIds, found by the monkey test).
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(GuardedCommandPalette())

    def search_commands(
        self, commands: Sequence[CommandListItem], placeholder: str = "Search for commands…"
    ) -> Any:
        # A provider instance where the type says a class: as Textual's own method does.
        provider: Any = SimpleProvider(self.screen, list(commands))
        return self.push_screen(GuardedCommandPalette(providers=[provider],
                                                      placeholder=placeholder))

    def search_themes(self) -> None:
        self.push_screen(GuardedCommandPalette(providers=[ThemeProvider],
                                               placeholder="Search for themes…"))
