"""The session list's columns: how a terminal's width is shared out among them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Columns:
    """Cell widths of each column for one widget width (0 = column hidden)."""

    width: int
    marker: int
    title: int
    when: int
    count: int
    model: int
    workspace: int
    project: int = 0
    tokens: int = 0  # the usage columns (`c`), right after the message count
    cost: int = 0


#: (model, workspace, project) widths to try, widest first.
_LAYOUTS = ((22, 28), (18, 20), (14, 14), (12, 0), (0, 0))
_PROJECT_LAYOUTS = ((22, 28, 14), (18, 20, 12), (14, 14, 12), (12, 0, 10), (0, 0, 10), (0, 0, 0))


#: Widths of the usage columns: "999.9M" and "$1234.56" fit, with their sort mark.
USAGE_WIDTHS = {"tokens": 7, "cost": 8}


@lru_cache(maxsize=32)
def columns_for(width: int, project: bool = False, usage: tuple[str, ...] = ()) -> Columns:
    """Share the width out: fixed columns first, the title takes the rest; on narrow
    terminals the workspace goes first, then the model narrows (then the project column,
    shown only when the store has projects), so titles stay readable."""
    marker, when, count = 3, 11, 5
    tokens = USAGE_WIDTHS["tokens"] if "tokens" in usage else 0
    cost = USAGE_WIDTHS["cost"] if "cost" in usage else 0
    layouts = _PROJECT_LAYOUTS if project else tuple((m, w, 0) for m, w in _LAYOUTS)
    for model, workspace, proj in layouts:
        fixed = marker + (when + 1) + (count + 1)
        fixed += (tokens + 1 if tokens else 0) + (cost + 1 if cost else 0)
        fixed += (model + 1) if model else 0
        fixed += (workspace + 1) if workspace else 0
        fixed += (proj + 1) if proj else 0
        title = width - fixed - 1
        if title >= max(16, width // 3) or (model, workspace, proj) == (0, 0, 0):
            return Columns(width, marker, max(title, 1), when, count, model, workspace, proj,
                           tokens, cost)
    raise AssertionError("unreachable")  # pragma: no cover
