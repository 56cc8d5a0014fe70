"""The main screen's keys about usage (issue 15): `c` the Tokens and Cost columns, `S` the
statistics of what the list shows, and which orders `s` offers. A mixin of `MainScreen`,
kept apart so that screen stays readable."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from tui.config import COLUMNS
from tui.messages import SettingChanged
from tui.order import ORDERS, USAGE_ORDERS, Order

if TYPE_CHECKING:
    from tui.screens.main import MainScreen


class UsageActions:
    """Mixed into `MainScreen` only (each method sees itself as one)."""

    #: The usage columns `c` brings back: the set last shown (both, until one was).
    usage_to_show: tuple[str, ...] = COLUMNS

    def sort_orders(self) -> list[Order]:
        """What `s` cycles through: the usage orders only while their column is shown."""
        shown = cast("MainScreen", self).session_list.usage
        return [o for o in ORDERS if o.name not in USAGE_ORDERS or o.name in shown]

    def action_toggle_usage(self) -> None:
        """`c`: hide the usage columns shown, or show again the ones last shown (a person
        whose config shows only Cost gets Cost back, not Tokens too). Sorted on usage, hiding
        them goes back to the default order: no list sorted on a column it does not show."""
        main = cast("MainScreen", self)
        if main.editor.is_open:
            return
        listing = main.session_list
        if listing.usage:
            self.usage_to_show = listing.usage
            listing.usage = ()
        else:
            listing.usage = self.usage_to_show
        keep = main.cursor_id()
        if main.rows.order not in main.sort_orders():
            main.rows.order = ORDERS[0]
            main.post_message(SettingChanged("sort", main.rows.order.name))
        listing.rows_changed(keep=keep)
        main.update_status()
        main.post_message(SettingChanged("columns", listing.usage))

    def action_statistics(self) -> None:
        """`S`: the figures of the sessions the list shows now (computed off this thread)."""
        from tui.screens.stats import StatsScreen

        main = cast("MainScreen", self)
        if not main.loaded:
            return
        rows = main.rows
        what = f"{len(rows):,} of {rows.total:,} sessions"
        if not rows.query.empty:
            what += f" matching “{rows.query.text.strip()}”"
        if rows.show_archived:
            what += " (with archived)"
        names = {pid: project.name for pid, project in main.projects.items()}
        main.app.push_screen(StatsScreen(tuple(rows), now=main.clock(), tz=main.tz,
                                         project_names=names, what=what))
