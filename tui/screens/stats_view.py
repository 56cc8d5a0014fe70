"""Text of the statistics screen: bars of tokens and cost by model, project and workspace,
and the busiest days. Pure (no widgets), so the screen stays small and tests can read it."""

from __future__ import annotations

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
