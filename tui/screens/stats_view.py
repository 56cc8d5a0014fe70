"""What the statistics screen shows, as one `Content`: the totals in big digits, sessions and
messages per day as sparklines, bars of tokens and cost by model, project and workspace, and
the busiest days. Pure (no widgets): the screen puts it in one `Static`, tests read its text.

One piece of text rather than a widget per figure: each widget mounted costs a style pass, a
layout and a render of its own (Textual's `Digits` and `Sparkline`, a `Horizontal` of
`Vertical`s...), which at the size of this screen cost more than the figures themselves. The
big digits and the sparklines are drawn here as Textual's own renderables draw them (its digit
glyphs, its bucketing of a series into the width, its colour ramp from `$primary 30%` to
`$primary`), with theme variables left in the styles, so a change of theme recolours them.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.content import Content
from textual.renderables.digits import Digits as DigitsRenderable
from textual.renderables.sparkline import Sparkline as SparklineRenderable

from api.stats import Day, Group, Stats, Totals, format_cost, format_tokens
from tui.text import fit, fit_right, inert

BAR = "█"
#: Groups shown per chart: the rest are summed on one "others" line.
TOP = 8


def _measure(totals: Totals, by_tokens: bool) -> float:
    if by_tokens:
        return float(totals.tokens or 0)
    return float(totals.sessions)


def bars(groups: tuple[Group, ...], width: int) -> str:
    """One line per group, largest first: label, a bar, tokens, cost and sessions. Bars are
    of tokens when any group has them, else of sessions (a store with no usage at all)."""
    if not groups:
        return "  (none)"
    by_tokens = any(g.totals.tokens is not None for g in groups)
    shown = list(groups[:TOP])
    largest = max(_measure(g.totals, by_tokens) for g in shown) or 1.0
    label_w, figures_w = 22, 30
    bar_w = max(4, width - label_w - figures_w - 4)
    lines = []
    for group in shown:
        totals = group.totals
        size = round(bar_w * _measure(totals, by_tokens) / largest)
        bar = BAR * size if size or not _measure(totals, by_tokens) else "▏"
        figures = (fit_right(format_tokens(totals.tokens), 8) + " "
                   + fit_right(format_cost(totals.cost), 10) + " "
                   + fit_right(f"{totals.sessions:,} sess.", 10))
        lines.append(f"  {fit(inert(group.label) or '(none)', label_w)} {fit(bar, bar_w)} "
                     f"{figures}")
    rest = groups[TOP:]
    if rest:
        lines.append(f"  … and {len(rest)} more")
    return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    return noun if count == 1 else f"{noun}s"


def busiest(days: tuple[Day, ...], count: int = 5) -> str:
    if not days:
        return "  (no session in the last 90 days)"
    return "\n".join(
        f"  {day.date:%a %d %b %Y}  {day.sessions:>5,} {_plural(day.sessions, 'session')}"
        f"  {day.messages:>7,} {_plural(day.messages, 'message')}"
        for day in days[:count]
    )


def totals_line(stats: Stats) -> str:
    """The totals as one line (under the big digits, or alone when they do not fit)."""
    t = stats.totals
    parts = [f"{t.sessions:,} sessions", f"{t.messages:,} messages"]
    if t.tokens is not None:
        parts.append(f"{format_tokens(t.input_tokens)} in + {format_tokens(t.output_tokens)} "
                     f"out = {format_tokens(t.tokens)} tokens")
    if t.cost is not None:
        parts.append(f"{format_cost(t.cost)} estimated")
    return " · ".join(parts)


def day_range(stats: Stats) -> str:
    if not stats.days:
        return ""
    first, last = stats.days[0].date, stats.days[-1].date
    peak = max(d.sessions for d in stats.days)
    return f"{first:%d %b} – {last:%d %b %Y} · at most {peak:,} a day"


# ── the whole screen as one piece of text ───────────────────────────────────

HEADING = "bold $text-accent"
#: The big digits' colour (Textual's `Digits` as this screen styled it).
DIGITS = "$text-accent"
#: Under this many cells of width the totals are one line of text, not big digits.
DIGITS_WIDTH = 86
SPARK_HEIGHT = 3
SPARK_MARGIN = 2
_SPARK_BARS = SparklineRenderable.BARS


def big_digits(text: str) -> list[str]:
    """`text` in Textual's 3x3 digit glyphs: three lines."""
    segments = DigitsRenderable(text).render(RichStyle())
    return [s.text for s in segments if isinstance(s, Segment) and s.text != "\n"]


def _totals_digits(stats: Stats, width: int, note: str) -> list[Content]:
    """Sessions, tokens and cost side by side in big digits, each under its label."""
    totals = stats.totals
    figures = [("sessions", f"{totals.sessions}"),
               ("tokens", format_tokens(totals.tokens) or "-"),
               ("estimated cost", format_cost(totals.cost) or "-")]
    column = width // len(figures)
    labels = "".join(fit(label, column) for label, _ in figures)
    glyphs = [big_digits(value) for _, value in figures]
    rows = ["".join(fit(lines[row], column) for lines in glyphs) for row in range(3)]
    return [Content.styled(labels, note), *(Content.styled(row, DIGITS) for row in rows)]


def sparkline(data: Sequence[int], width: int, height: int = SPARK_HEIGHT) -> list[Content]:
    """`data` as Textual's `Sparkline` draws it in `width` x `height` cells (its widget's
    algorithm, bucket for bucket), coloured from `$primary 30%` (the least) to `$primary`."""
    if width <= 0:
        return [Content("") for _ in range(height)]
    if len(data) < 2:
        char, share = ("█", 1.0) if data else ("▁", 0.0)
        top = [Content(" " * width)] * (height - 1) if not data else []
        body = [Content.styled(char * width, _ramp(share))] * (height - len(top))
        return [*top, *body]
    steps = len(_SPARK_BARS)
    minimum, maximum = min(data), max(data)
    extent = maximum - minimum or 1
    buckets = tuple(SparklineRenderable._buckets(list(data), num_buckets=width))
    ratios = [(max(bucket) - minimum) / extent for bucket in buckets]
    step, at, columns = len(buckets) / width, 0.0, []
    for _ in range(width):  # stepped as Textual steps, float for float
        columns.append(ratios[int(at)])
        at += step
    lines = []
    for row in reversed(range(height)):
        low, high = row * steps, (row + 1) * steps
        cells: list[tuple[str, str]] = []
        for ratio in columns:
            index = int(ratio * (steps * height - 1))
            if index < low:
                cells.append((" ", ""))
            else:
                cells.append(("█" if index >= high else _SPARK_BARS[index % steps],
                              _ramp(ratio)))
        lines.append(_runs(cells))
    return lines


def _ramp(ratio: float) -> str:
    """The colour of a bar `ratio` of the way from the least value to the most: Textual's
    blend of `$primary 30%` into `$primary` is `$primary` at 30% to 100% opacity."""
    return f"$primary {round(30 + 70 * ratio)}%"


def _runs(cells: list[tuple[str, str]]) -> Content:
    """Cells of (character, style) as one line, a span per run of one style ("" unstyled)."""
    runs: list[tuple[str, str]] = []
    for char, style in cells:
        if runs and runs[-1][1] == style:
            runs[-1] = (runs[-1][0] + char, style)
        else:
            runs.append((char, style))
    return Content.assemble(*(text if not style else (text, style) for text, style in runs))


def wrap_parts(text: str, width: int, separator: str = " · ") -> list[str]:
    """`text` made of parts joined by `separator`, broken between parts into lines of at
    most `width` cells (a part longer than that alone on its line)."""
    lines: list[str] = []
    for part in text.split(separator):
        if lines and cell_len(lines[-1] + separator + part) <= width:
            lines[-1] += separator + part
        else:
            lines.append(part)
    return lines


def figures(stats: Stats, width: int, note: str = "") -> Content:
    """Everything the screen shows below its title, in lines of at most `width` cells (the
    widget cuts, never wraps); `note` is the style of the muted lines (labels, totals)."""
    lines: list[Content] = []
    if width >= DIGITS_WIDTH:
        lines += _totals_digits(stats, width, note)
    lines += [Content.styled(line, note) for line in wrap_parts(totals_line(stats), width)]
    indent = Content(" " * SPARK_MARGIN)
    spark_width = width - 2 * SPARK_MARGIN
    for heading, series in (
        (f"Sessions per day · {day_range(stats)}", [d.sessions for d in stats.days]),
        ("Messages per day", [d.messages for d in stats.days]),
    ):
        lines.append(Content(""))
        lines += [Content.styled(line, HEADING) for line in wrap_parts(heading, width)]
        lines += [indent + line for line in sparkline(series, spark_width)]
    for title, groups in (("model", stats.by_model), ("project", stats.by_project),
                          ("workspace", stats.by_workspace)):
        lines += [Content(""), Content.styled(f"Tokens and cost by {title}", HEADING)]
        lines += [Content(line) for line in bars(groups, width).split("\n")]
    lines += [Content(""), Content.styled("Busiest days", HEADING)]
    lines += [Content(line) for line in busiest(stats.busiest).split("\n")]
    return Content("\n").join(lines)
