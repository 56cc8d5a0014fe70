"""The session list's usage cells (Tokens, Cost): "12.4k", "$0.37", blank when the session
file had no figure (a blank is not a zero: Hermes may not have counted it)."""

from __future__ import annotations

from collections.abc import Callable

from api.stats import format_cost, format_tokens
from tui.order import row_cost, row_tokens
from tui.rows import Row
from tui.text import fit_right
from tui.widgets.session_columns import Columns


def usage_header(cols: Columns, order: str, label: Callable[[str, bool, int], str]) -> str:
    """The headings of the shown usage columns (`label` adds the sort mark)."""
    text = ""
    if cols.tokens:
        text += " " + fit_right(label("Tokens", order == "tokens", cols.tokens), cols.tokens)
    if cols.cost:
        text += " " + fit_right(label("Cost", order == "cost", cols.cost), cols.cost)
    return text


def usage_cells(row: Row, cols: Columns) -> str:
    """One row's usage cells, each after a space (plain ASCII: their width is their length)."""
    text = ""
    if cols.tokens:
        text += " " + fit_right(format_tokens(row_tokens(row)), cols.tokens)
    if cols.cost:
        text += " " + fit_right(format_cost(row_cost(row)), cols.cost)
    return text
