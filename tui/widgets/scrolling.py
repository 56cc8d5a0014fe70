"""What the app's Line API lists share: their cursor keys, and changing how tall a list is
without laying out the whole screen again.

`virtual_size` is a layout reactive: setting it makes Textual lay out every widget, which costs
more than drawing the list itself (it would be most of a filter keystroke's time). A list's
height in lines does not move anything else on screen unless its scrollbar appears or goes,
so the size is set without the layout, the scrollbars are updated (Textual's own
`_scroll_update`, as `ScrollView._size_updated` does), and a layout is asked for only when the
scrollbar's presence changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.widget import Widget


def set_virtual_height(view: ScrollView, lines: int) -> None:
    size = Size(0, lines)
    if size == view.virtual_size:
        return
    had_scrollbar = view.show_vertical_scrollbar
    view.set_reactive(Widget.virtual_size, size)
    view._scroll_update(size)
    if view.show_vertical_scrollbar != had_scrollbar:
        view.refresh(layout=True)
    view.refresh()


def list_css(cursor: str) -> str:
    """The rules a list's DEFAULT_CSS starts with: its box, and its cursor line (the
    component class `cursor`) drawn as Textual draws a block cursor, dimmer while the list
    does not have the keyboard."""
    return f"""
        height: 1fr;
        overflow-x: hidden;
        scrollbar-size-vertical: 1;
        background: $surface;
        & > .{cursor} {{
            color: $block-cursor-blurred-foreground;
            background: $block-cursor-blurred-background;
            text-style: $block-cursor-blurred-text-style;
        }}
        &:focus > .{cursor} {{
            color: $block-cursor-foreground;
            background: $block-cursor-background;
            text-style: $block-cursor-text-style;
        }}
    """


if TYPE_CHECKING:
    _Mixin = ScrollView  # what the lists mix this into
else:
    _Mixin = object


class CursorKeys(_Mixin):
    """The moving keys of a list with a line cursor (the session list, the message results):
    each is a `move_to`, which the list defines, as it knows which lines can hold the cursor.
    Mixed into a `ScrollView` drawn line by line."""

    cursor: int

    def notify_style_update(self) -> None:
        """A theme or CSS change: every line is drawn again with the new styles."""
        super().notify_style_update()
        self.refresh()

    @property
    def page_rows(self) -> int:
        raise NotImplementedError

    def move_to(self, index: int) -> None:
        raise NotImplementedError

    def last_index(self) -> int:
        raise NotImplementedError

    def action_cursor_up(self) -> None:
        self.move_to(self.cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_to(self.cursor + 1)

    def action_page_up(self) -> None:
        self.move_to(self.cursor - self.page_rows)

    def action_page_down(self) -> None:
        self.move_to(self.cursor + self.page_rows)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(self.last_index())
