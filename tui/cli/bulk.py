"""The shell's bulk edits and trash, for scripts and cron:

    session-browser archive|unarchive|pin|unpin|delete QUERY [--dry-run] [--yes]
                    [--webui URL | --no-webui] [STORE]
    session-browser trash [list] [STORE]
    session-browser trash restore SESSION_ID [STORE]
    session-browser trash empty [--older-than DAYS] [STORE]

QUERY is the search line's language (`older:30d -is:pinned`). Archived sessions are acted on
only when QUERY says `is:archived` (as the app shows them), except by `unarchive`, which acts
only on them. Without `--yes` a terminal is asked once; with no terminal to ask, nothing is
done. Statuses as `tui.cli.commands`: 2 for a usage error, 1 when the work failed.

The edits go as the app's do (`tui.editing.route`): through a running Hermes WebUI while it
serves the store (else it would undo them from its memory, or keep listing what was deleted),
otherwise to the files in one batch.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from api.batch import BatchResult
from api.records import is_safe_id
from api.trash import DEFAULT_KEEP_DAYS
from api.webui import WebUIBlocked
from tui.cli.commands import (
    PROG,
    CommandError,
    _reason,
    add_store_argument,
    add_webui_options,
    edit_route,
    existing_store,
    subcommand,
)
from tui.editing.saver import Saver
from tui.query import Query, field_matcher, haystack
from tui.text import inert

Row = dict[str, Any]
Clock = Callable[[], float]

#: command -> (the field set, its value, past tense for the report)
EDITS: dict[str, tuple[str, bool, str]] = {
    "archive": ("archived", True, "archived"),
    "unarchive": ("archived", False, "unarchived"),
    "pin": ("pinned", True, "pinned"),
    "unpin": ("pinned", False, "unpinned"),
    "delete": ("", True, "moved to the trash"),
}
COMMANDS = (*EDITS, "trash")
TRASH_ACTIONS = ("list", "restore", "empty")


def build_parser(command: str) -> argparse.ArgumentParser:
    if command == "trash":
        parser = subcommand(
            "trash",
            description="List deleted sessions (the newest deletion first), restore one, or "
            "delete for good what was deleted more than DAYS days ago.",
        )
        parser.add_argument("action", nargs="?", choices=TRASH_ACTIONS,
                            default="list")
        parser.add_argument("args", nargs="*", metavar="SESSION_ID|STORE",
                            help="restore: the session id, then optionally STORE; "
                            "list and empty: optionally STORE")
        parser.add_argument("--older-than", type=float, default=DEFAULT_KEEP_DAYS,
                            metavar="DAYS", help="empty: the age in days (default: 30)")
        return parser
    what = EDITS[command][2]
    parser = subcommand(
        command,
        description=f"{command.capitalize()} every session QUERY matches ({what}). QUERY is "
        "the search line's language, e.g. 'older:30d -is:pinned', 'project:none', "
        "'before:2026-01-01 model:gpt'.",
    )
    parser.add_argument("query", metavar="QUERY")
    add_store_argument(parser)
    parser.add_argument("--dry-run", action="store_true",
                        help="print what would change, change nothing")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    add_webui_options(parser)
    return parser


def select(rows: list[Row], query: Query, command: str, projects: dict[str, Any],
           clock: Clock) -> list[Row]:
    """The rows QUERY matches that the command would change."""
    name, value, _ = EDITS[command]
    match = field_matcher(query, projects, clock)
    chosen = []
    for row in rows:
        archived = row["archived"] is True
        if command == "unarchive" or query.archived is not None:
            wanted = True if command == "unarchive" else query.archived
            if archived is not wanted:
                continue
        elif archived:
            continue
        if name and row.get(name) is value:
            continue  # already as asked
        hay = haystack(row)
        if not all(word in hay for word in query.words):
            continue
        if any(word in hay for word in query.not_words):
            continue
        if match is None or match(row):
            chosen.append(row)
    return chosen


def confirm(prompt: str) -> bool:
    """Ask once on the terminal; False unless the answer is yes."""
    sys.stderr.write(f"{prompt} [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    return answer.strip().lower() in ("y", "yes")


def run_edit(command: str, args: argparse.Namespace, clock: Clock) -> int:
    from api.projects import load_projects

    query = Query.parse(args.query)
    if query.error:
        raise CommandError(query.error, 2)
    if query.empty or not args.query.strip():
        raise CommandError("give a QUERY; it selects the sessions to change", 2)
    store = existing_store(args.store)
    try:
        route = edit_route(store, args)
    except ValueError as exc:
        raise CommandError(str(exc), 2) from exc
    try:
        rows = store.list_rows()
        projects = dict(load_projects(store.directory))
    except OSError as exc:
        raise CommandError(f"cannot read the store: {_reason(exc)}") from exc
    chosen = select(rows, query, command, projects, clock)
    verb = EDITS[command][2]
    if args.dry_run:
        for row in chosen:
            print(f"would {command}\t{row['session_id']}\t{inert(row['title'])}")
        print(f"{len(chosen)} sessions would be {verb}", file=sys.stderr)
        return 0
    if not chosen:
        print(f"no session to change: 0 sessions {verb}", file=sys.stderr)
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandError(f"{command} of {len(chosen)} sessions needs --yes when there "
                               "is no terminal to ask (see --dry-run for the list)", 2)
        if not confirm(f"{command.capitalize()} {len(chosen)} sessions?"):
            print("nothing changed", file=sys.stderr)
            return 1
    ids = [row["session_id"] for row in chosen]
    try:
        result = _apply(route, command, ids)
    except WebUIBlocked as exc:  # a password it lacks: nothing was done
        raise CommandError(f"{exc}; nothing changed (--no-webui writes the files anyway, "
                           "which Hermes WebUI may undo)") from exc
    except OSError as exc:
        raise CommandError(f"stopped: {_reason(exc)} (what was done before stays done)") from exc
    return _report(result, verb)


def _apply(saver: Saver, command: str, ids: list[str]) -> BatchResult:
    if command == "delete":
        return saver.delete_many(ids)
    name, value, _ = EDITS[command]
    if name == "archived":
        return saver.set_archived_many(ids, value)
    return saver.set_pinned_many(ids, value)


def _report(result: BatchResult, verb: str) -> int:
    for sid in result.done:
        print(sid)
    for sid, reason in result.skipped.items():
        print(f"{PROG}: skipped {inert(sid)}: {reason}", file=sys.stderr)
    print(f"{len(result.done)} sessions {verb}", file=sys.stderr)
    return 1 if result.skipped else 0


def run_trash(args: argparse.Namespace, clock: Clock) -> int:
    rest: list[str] = list(args.args)
    sid = rest.pop(0) if args.action == "restore" and rest else None
    if args.action == "restore" and (sid is None or not is_safe_id(sid)):
        raise CommandError("restore needs a SESSION_ID (see `trash list`)", 2)
    if len(rest) > 1:
        raise CommandError(f"unexpected arguments: {' '.join(rest[1:])}", 2)
    store = existing_store(Path(rest[0]) if rest else None)
    trash = store.trash
    try:
        if args.action == "list":
            for entry in trash.entries():
                title = entry.row["title"] if entry.row else "(unreadable)"
                stamp = datetime.fromtimestamp(entry.deleted_at).strftime("%Y-%m-%d %H:%M")
                print(f"{entry.session_id}\t{stamp}\t{inert(str(title))}")
            return 0
        if args.action == "restore":
            assert sid is not None
            return _report(trash.restore([sid]), "restored")
        if args.older_than < 0:
            raise CommandError("--older-than takes a number of days, 0 or more", 2)
        purged = trash.empty(args.older_than, now=clock())
    except OSError as exc:
        raise CommandError(f"cannot change the trash: {_reason(exc)}") from exc
    for gone in purged:
        print(gone)
    print(f"{len(purged)} sessions deleted for good (in the trash for more than "
          f"{args.older_than:g} days)", file=sys.stderr)
    return 0


def main(argv: Sequence[str], clock: Clock = time.time) -> int:
    """Run one bulk or trash command; `clock` is "now" for ages (a test gives its own)."""
    command, rest = argv[0], list(argv[1:])
    if command == "trash" and rest and rest[0] not in TRASH_ACTIONS and rest[0][:1] != "-":
        rest.insert(0, "list")  # `trash STORE`
    args = build_parser(command).parse_intermixed_args(rest)
    try:
        if command == "trash":
            return run_trash(args, clock)
        return run_edit(command, args, clock)
    except CommandError as exc:
        print(f"{PROG} {command}: error: {exc}", file=sys.stderr)
        return exc.status
