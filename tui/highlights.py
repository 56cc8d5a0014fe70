"""Fitting text to a column while keeping its highlighted parts (search matches) apart.

The same contract as `tui.text.fit` and `fit_left` (exactly `width` cells, an ellipsis where
text is cut, wide characters never split), but the text comes back as pieces, each flagged
highlighted or not, so a search match can be drawn in its own style. `spans` are character offsets
into `text`, sorted and not overlapping (as `tui.query.find_spans` gives them).
"""

from __future__ import annotations

from rich.cells import cell_len

from tui.text import ELLIPSIS, fit, fit_left

Pieces = list[tuple[str, bool]]


def split_marked(text: str, spans: list[tuple[int, int]]) -> Pieces:
    """`text` cut at the span edges: [(piece, marked), ...] (empty pieces left out)."""
    pieces: Pieces = []
    pos = 0
    for start, end in spans:
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        if start > pos:
            pieces.append((text[pos:start], False))
        pieces.append((text[start:end], True))
        pos = end
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


def _kept_chars(text: str, cells: int) -> int:
    """How many leading characters of `text` fit in `cells` cells."""
    used = 0
    for i, char in enumerate(text):
        used += cell_len(char)
        if used > cells:
            return i
    return len(text)


def _uncut(text: str, spans: list[tuple[int, int]], fitted: str, width: int) -> Pieces | None:
    """The pieces of a text that fits (padded to `fitted`), or of one without marks; None
    when the text was cut and its marks must be cut with it."""
    if not spans:
        return [(fitted, False)]
    if cell_len(text) <= width:
        return [*split_marked(text, spans), (fitted[len(text):], False)]
    return None


def fit_marked(text: str, spans: list[tuple[int, int]], width: int) -> Pieces:
    """`fit(text, width)` as marked pieces."""
    fitted = fit(text, width)
    whole = _uncut(text, spans, fitted, width)
    if whole is not None:
        return whole
    # Cut: `fit` kept the characters that fit in width-1 cells (a half-covered wide character
    # became a space), then the ellipsis.
    kept = _kept_chars(text, width - 1)
    if fitted[:kept] != text[:kept]:  # combining marks cut differently: keep the text exact
        return [(fitted, False)]
    pieces = split_marked(text[:kept], [s for s in spans if s[0] < kept])
    return [*pieces, (fitted[kept:], False)]


def fit_left_marked(text: str, spans: list[tuple[int, int]], width: int) -> Pieces:
    """`fit_left(text, width)` (cut at the start) as marked pieces."""
    fitted = fit_left(text, width)
    whole = _uncut(text, spans, fitted, width)
    if whole is not None:
        return whole
    # fit_left kept a tail of the text after the ellipsis (whole graphemes; a wide one may
    # have become a space): find where that tail starts in `text`.
    tail = fitted[len(ELLIPSIS):]
    start = len(text) - len(tail)
    if text[start:] != tail:  # the kept tail was adjusted: drop the marks, keep the text
        return [(fitted, False)]
    shifted = [(max(a - start, 0), b - start) for a, b in spans if b > start]
    return [(ELLIPSIS, False), *split_marked(tail, shifted)]
