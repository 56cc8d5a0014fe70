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


#: (model, workspace, project) widths to try, widest first.
_LAYOUTS = ((22, 28), (18, 20), (14, 14), (12, 0), (0, 0))
_PROJECT_LAYOUTS = ((22, 28, 14), (18, 20, 12), (14, 14, 12), (12, 0, 10), (0, 0, 10), (0, 0, 0))


@lru_cache(maxsize=32)
def columns_for(width: int, project: bool = False) -> Columns:
    """Share the width out: fixed columns first, the title takes the rest; on narrow
    terminals the workspace goes first, then the model narrows (then the project column,
    shown only when the store has projects), so titles stay readable."""
    marker, when, count = 3, 11, 5
    layouts = _PROJECT_LAYOUTS if project else tuple((m, w, 0) for m, w in _LAYOUTS)
    for model, workspace, proj in layouts:
        fixed = marker + (when + 1) + (count + 1)
        fixed += (model + 1) if model else 0
        fixed += (workspace + 1) if workspace else 0
        fixed += (proj + 1) if proj else 0
        title = width - fixed - 1
        if title >= max(16, width // 3) or (model, workspace, proj) == (0, 0, 0):
            return Columns(width, marker, max(title, 1), when, count, model, workspace, proj)
    raise AssertionError("unreachable")  # pragma: no cover
