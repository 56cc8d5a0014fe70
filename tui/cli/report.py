"""`session-browser stats`, `session-browser open` and `--print-config`: figures, hand-off and
settings for the shell, sharing `api.stats`, `tui.handoff` and `tui.config` with the app.

    session-browser stats [QUERY ...] [--json] [--all] [STORE]
    session-browser open SESSION_ID [--webui URL] [STORE]
    session-browser --print-config [--webui URL]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from api.stats import Stats
from tui.cli.commands import (
    PROG,
    CommandError,
    _reason,
    add_store_argument,
    command_session_id,
    existing_store,
    subcommand,
)

REPORT_COMMANDS = ("stats", "open")
#: The clock and time zone the figures use; tests replace them. A None zone is the system's
#: own, with its daylight-saving changes.
clock: Callable[[], float] = time.time
zone: dt.tzinfo | None = None
#: How many groups of each kind the text output lists (--json gives them all).
TOP = 10
_SPARK = "▁▂▃▄▅▆▇█"


def report_parser(command: str) -> argparse.ArgumentParser:
    if command == "stats":
        parser = subcommand(
            "stats",
            usage="%(prog)s [-h] [--json] [--all] [QUERY ...] [STORE]",
            description="Print sessions and messages per day over the last 90 days, tokens "
            "and cost by model, project and workspace (largest first), totals and the "
            "busiest days, for the sessions QUERY matches (the app's search line: words, "
            "model:, project:, workspace:, is:). A last argument that is a folder is STORE. "
            "Figures come from the index alone; a session counts on the day of its last "
            "message; missing usage is left blank, never counted as 0.",
        )
        parser.add_argument("words", nargs="*", metavar="QUERY",
                            help="what the search line would hold (default: every session)")
        parser.add_argument("--json", action="store_true", help="print the figures as JSON")
        parser.add_argument("--all", action="store_true",
                            help="include archived sessions (as is:archived does alone)")
        return parser
    parser = subcommand(
        "open",
        description="Open a session in Hermes WebUI in your browser "
        "(http(s)://HOST:PORT/session/ID). The link is printed too; where no browser can be "
        "started (SSH, no display) open it yourself.",
    )
    parser.add_argument("session_id", metavar="SESSION_ID")
    parser.add_argument("--webui", metavar="URL",
                        help="the WebUI's address (default: webui_url in the config file, "
                        "else HERMES_WEBUI_HOST/PORT, else http://127.0.0.1:8787)")
    add_store_argument(parser)
    return parser


# ── stats ───────────────────────────────────────────────────────────────────


def run_stats(args: argparse.Namespace) -> int:
    from api.projects import load_projects
    from api.stats import compute
    from tui.query import Query
    from tui.rows import SessionRows

    words: list[str] = list(args.words)
    store_path = None
    if words and Path(words[-1]).expanduser().is_dir():
        store_path = Path(words.pop())
    store = existing_store(store_path)
    query = Query.parse(" ".join(words))
    try:
        projects = load_projects(store.directory)
        rows = SessionRows(store.list_rows(), show_archived=args.all, query=query,
                           projects=projects)
    except OSError as exc:
        raise CommandError(f"cannot read the store: {_reason(exc)}") from exc
    names = {pid: project.name for pid, project in projects.items()}
    stats = compute(rows, now=clock(), tz=zone, project_names=names)
    if args.json:
        json.dump(stats.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(stats_text(stats))
    return 0


def stats_text(stats: Stats) -> str:
    """The figures as plain text for a terminal: aligned columns, blank where unknown."""
    from api.stats import format_cost, format_tokens
    from tui.text import inert

    totals = stats.totals
    lines = [
        f"Sessions {totals.sessions:,}   Messages {totals.messages:,}   "
        f"Tokens {format_tokens(totals.tokens) or '-'}   Cost {format_cost(totals.cost) or '-'}",
        f"  input {format_tokens(totals.input_tokens) or '-'}, "
        f"output {format_tokens(totals.output_tokens) or '-'}, "
        f"cache read {format_tokens(totals.cache_read_tokens) or '-'}, "
        f"cache write {format_tokens(totals.cache_write_tokens) or '-'}",
        "",
        f"Sessions per day, last {len(stats.days)} days (by last message), oldest first:",
        f"  {spark([d.sessions for d in stats.days]).rstrip()}",
    ]
    for title, groups in (("model", stats.by_model), ("project", stats.by_project),
                          ("workspace", stats.by_workspace)):
        lines += ["", f"By {title}"]
        width = min(48, max((len(g.label) for g in groups[:TOP]), default=0))
        for group in groups[:TOP]:
            t = group.totals
            label = inert(group.label)
            label = label if len(label) <= width else f"{label[:width - 1]}…"
            lines.append(f"  {label:<{width}}  {format_tokens(t.tokens):>7}  "
                         f"{format_cost(t.cost):>9}  {_sessions(t.sessions)}")
        if len(groups) > TOP:
            lines.append(f"  … {len(groups) - TOP} more (--json lists them all)")
    lines += ["", "Busiest days"]
    lines += [f"  {d.date.isoformat()}  {_sessions(d.sessions)}  {d.messages:>7,} messages"
              for d in stats.busiest] or ["  (no sessions in these days)"]
    return "\n".join(lines) + "\n"


def _sessions(count: int) -> str:
    return f"{count:>7,} session{'' if count == 1 else 's'}"


def spark(values: list[int]) -> str:
    """A one-line bar chart: an empty day is a space, the busiest a full block."""
    top = max(values, default=0)
    if top <= 0:
        return " " * len(values)
    steps = len(_SPARK) - 1
    return "".join(" " if v <= 0 else _SPARK[min(steps, v * steps // top)] for v in values)


# ── open ────────────────────────────────────────────────────────────────────


def run_open(args: argparse.Namespace) -> int:
    from tui.handoff import open_session

    sid = command_session_id(args.session_id)
    store = existing_store(args.store)
    if not store.has_session(sid):
        raise CommandError(f"no session {sid} in {store.directory}")
    opened = open_session(webui_address(args.webui), sid)
    print(opened.url)
    if not opened.opened:
        print(f"{PROG} open: {opened.message}", file=sys.stderr)
    return 0


def webui_address(override: str | None) -> str:
    """The WebUI's base URL: `--webui`, else the config file / environment, else the
    default; a bad address is a usage error naming it."""
    from api.handoff import webui_base
    from tui.config import load

    try:
        if override:
            return webui_base(url=override)
        return webui_base(url=load().settings.webui_url)
    except ValueError as exc:
        raise CommandError(str(exc), 2) from exc


# ── dispatch ────────────────────────────────────────────────────────────────


def run_report(argv: list[str]) -> int:
    """Run `stats` or `open` (argv[0]) with the list/export commands' error conventions."""
    command = argv[0]
    args = report_parser(command).parse_intermixed_args(argv[1:])
    try:
        return run_stats(args) if command == "stats" else run_open(args)
    except CommandError as exc:
        print(f"{PROG} {command}: error: {exc}", file=sys.stderr)
        return exc.status
    except BrokenPipeError:  # `session-browser stats | head`: the reader left
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def print_config(webui: str | None) -> int:
    """`--print-config`: the settings in effect and where each came from."""
    from api.handoff import webui_base
    from tui.config import COMMAND_LINE, describe, load

    loaded = load()
    if webui:
        try:
            webui_base(url=webui)
        except ValueError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return 2
        loaded = loaded.with_values(COMMAND_LINE, webui_url=webui.strip())
    sys.stdout.write(describe(loaded))
    return 0
