"""`session-browser [STORE] [--demo]`: find the store, then run the app; and two commands for
the shell and scripts:

    session-browser list [--json] [--all] [--sort ORDER] [STORE]
    session-browser export SESSION_ID [-o FILE|FOLDER] [--force] [STORE]

Errors a user can fix (a STORE that does not exist or is not a folder, a bad session id) are one
line on stderr and exit status 2, like argparse's own usage errors; failures of the work itself
(no such session, a file that cannot be written) are one line and status 1. Never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from api.paths import default_store_candidates
from api.store import SessionStore
from tui import __version__

if TYPE_CHECKING:
    from tui.editing.route import EditRoute

PROG = "session-browser"
COMMANDS = ("list", "export")
BULK_COMMANDS = ("archive", "unarchive", "pin", "unpin", "delete", "trash")


def build_parser() -> argparse.ArgumentParser:
    tried = ", ".join(str(path) for path in default_store_candidates())
    parser = argparse.ArgumentParser(
        prog=PROG,
        usage=(
            "%(prog)s [-h] [--demo] [--webui URL | --no-webui] [--version] [STORE]\n"
            "       %(prog)s list [--json] [--all] [--sort ORDER] [STORE]\n"
            "       %(prog)s export SESSION_ID [-o FILE] [--force] [STORE]\n"
            "       %(prog)s stats [QUERY ...] [--json] [--all] [STORE]\n"
            "       %(prog)s open SESSION_ID [--webui URL] [STORE]\n"
            "       %(prog)s --print-config [--webui URL]"
        ),
        description="Browse, search, read, rename, pin, archive and export the chat sessions "
        "of a Hermes WebUI store.",
        epilog=(
            "Without STORE the first existing folder of $HERMES_WEBUI_STATE_DIR/sessions, "
            "$HERMES_HOME/webui/sessions and ~/.hermes/webui/sessions is opened "
            f"(here: {tried}); when none exists, a demo store is opened instead. "
            "Press ? in the app for its keys. The commands print the session list or one "
            "session as Markdown for the shell and scripts; see their --help."
        ),
    )
    parser.add_argument(
        "store", nargs="?", type=Path, metavar="STORE",
        help="a sessions folder (holding <session_id>.json files and _index.json)",
    )
    parser.add_argument(
        "--demo", action="store_true",
        help="create a demo store of a few hundred sessions in a new temporary folder and open it",
    )
    add_webui_options(parser)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--print-config", action="store_true",
        help="print the settings in effect (config file, environment, defaults) and where "
        "each came from, then exit",
    )
    return parser


def add_webui_options(parser: argparse.ArgumentParser) -> None:
    """`--webui URL` / `--no-webui`: the app's and the bulk commands' (see `edit_route`)."""
    webui = parser.add_mutually_exclusive_group()
    webui.add_argument(
        "--webui", metavar="URL",
        help="the Hermes WebUI address (http://HOST:PORT), over the config file and "
        "environment: edits go through it while it serves STORE (default: "
        "$HERMES_WEBUI_HOST:$HERMES_WEBUI_PORT, else 127.0.0.1:8787; https when "
        "$HERMES_WEBUI_TLS_CERT is set; $HERMES_WEBUI_PASSWORD logs in)",
    )
    webui.add_argument(
        "--no-webui", action="store_true",
        help="always write edits to the files, even while a Hermes WebUI serves STORE "
        "(it may then undo them)",
    )


def edit_route(store: SessionStore, args: argparse.Namespace) -> EditRoute:
    """Which way edits go: through the WebUI at --webui, else the config file's webui_url,
    else where Hermes' own variables say, while it serves STORE; to the files with
    --no-webui. ValueError for a bad address."""
    from tui.config import load
    from tui.editing.route import route_for

    url = None if args.no_webui else args.webui or load().settings.webui_url
    return route_for(store, url, enabled=not args.no_webui)


def fail(message: str) -> int:
    print(f"{PROG}: error: {_inert(message)}", file=sys.stderr)
    return 2


def _inert(message: str) -> str:
    """A message naming a path or an id someone else chose (`STORE` may hold `ESC ] 0 ;`):
    every control character shown, none acting on the terminal."""
    from tui.text import inert

    return inert(message)


def open_demo(reason: str | None = None) -> tuple[SessionStore, str]:
    """Create the demo store, say where on stdout, and return it with its banner text."""
    from tui.demo import make_demo_store

    store = make_demo_store()
    print(f"{PROG}: demo store created in {store.directory}", flush=True)
    banner = f"Demo store in {store.directory}"
    if reason:
        banner = f"{reason} Showing a demo store instead, in {store.directory}"
    return store, banner


def resolve_store(args: argparse.Namespace) -> tuple[SessionStore, str | None] | str:
    """The store to open and an optional banner, or an error message."""
    if args.demo:
        if args.store is not None:
            return "give either STORE or --demo, not both"
        return open_demo()
    if args.store is not None:
        path: Path = args.store.expanduser()
        if not path.exists():
            return f"{path}: no such folder"
        if not path.is_dir():
            return f"{path}: not a folder"
        return SessionStore(path), None
    candidates = default_store_candidates()
    for path in candidates:
        if path.is_dir():
            return SessionStore(path), None
    tried = ", ".join(str(path) for path in candidates)
    return open_demo(f"No Hermes WebUI store found (tried {tried}).")


# ── list and export ──────────────────────────────────────────────────────────


class CommandError(Exception):
    """One line for stderr, and the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def subcommand(name: str, description: str, **options: Any) -> argparse.ArgumentParser:
    """The parser of `session-browser NAME` (every command's starts so)."""
    return argparse.ArgumentParser(prog=f"{PROG} {name}", description=description, **options)


def add_store_argument(parser: argparse.ArgumentParser) -> None:
    """The optional STORE every command ends with."""
    parser.add_argument("store", nargs="?", type=Path, metavar="STORE",
                        help="the sessions folder (default: the one the app would open)")


def command_parser(command: str) -> argparse.ArgumentParser:
    from tui.order import ORDER_NAMES

    if command == "list":
        parser = subcommand(
            "list",
            description="Print the sessions in the app's order (pinned first, then newest), "
            "one per line: id, last updated (UTC), messages, pinned/archived, title, "
            "tab-separated. Archived sessions are left out unless --all.",
        )
        parser.add_argument("--json", action="store_true",
                            help="print a JSON array of the index rows instead, with the usage "
                            "figures each session has (one it lacks is left out, not 0)")
        parser.add_argument("--all", action="store_true", help="include archived sessions")
        parser.add_argument("--sort", choices=sorted(ORDER_NAMES), default="updated",
                            help="the order (default: updated, as in the app)")
    else:
        parser = subcommand(
            "export",
            description="Write one session as Markdown (title, metadata, every message): "
            "to stdout, or with -o to a file.",
        )
        parser.add_argument("session_id", metavar="SESSION_ID")
        parser.add_argument(
            "-o", "--output", type=Path, metavar="FILE",
            help="write here instead of stdout; a FOLDER gets a new file named after the "
            "session (as the app's e key does); an existing FILE is refused unless --force, "
            "and replaced whole; a symlink is followed; a FIFO, a terminal or /dev/null is "
            "written to as a stream (never replaced); a block device is refused",
        )
        parser.add_argument("--force", action="store_true",
                            help="replace FILE if it exists")
    add_store_argument(parser)
    return parser


def existing_store(path: Path | None) -> SessionStore:
    """The store a command reads: STORE, or the first default folder that exists (no demo:
    a script must not get made-up data)."""
    if path is not None:
        path = path.expanduser()
        if not path.exists():
            raise CommandError(f"{path}: no such folder", 2)
        if not path.is_dir():
            raise CommandError(f"{path}: not a folder", 2)
        return SessionStore(path)
    candidates = default_store_candidates()
    for candidate in candidates:
        if candidate.is_dir():
            return SessionStore(candidate)
    tried = ", ".join(str(p) for p in candidates)
    raise CommandError(f"no Hermes WebUI store found (tried {tried}); give STORE", 2)


def command_session_id(text: str) -> str:
    """A session id from the command line, or a usage error (status 2) saying what is wrong."""
    from api.records import check_session_id

    try:
        return check_session_id(text)
    except ValueError as exc:
        raise CommandError(str(exc), 2) from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    return str(exc) or type(exc).__name__


def run_list(args: argparse.Namespace) -> int:
    from api.projects import load_projects
    from api.records import ROW_KEYS, USAGE_KEYS
    from tui.order import ORDER_NAMES
    from tui.rows import SessionRows
    from tui.text import inert

    store = existing_store(args.store)
    try:
        rows = SessionRows(store.list_rows(), show_archived=args.all,
                           order=ORDER_NAMES[args.sort])
        projects = load_projects(store.directory)
    except OSError as exc:
        raise CommandError(f"cannot read the store: {_reason(exc)}") from exc
    out = sys.stdout
    if args.json:
        items: list[dict[str, Any]] = []
        for row in rows:
            item = {key: row.get(key) for key in ROW_KEYS}
            # Usage as the row has it: a figure the session lacks stays out, never 0.
            item.update({key: row[key] for key in USAGE_KEYS if key in row})
            project = projects.get(row.get("project_id") or "")
            item["project_name"] = project.name if project is not None else None
            items.append(item)
        json.dump(items, out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    for row in rows:
        stamp = datetime.fromtimestamp(row["updated_at"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ") \
            if 0 <= row["updated_at"] < 253402300800 else str(row["updated_at"])
        flags = ",".join(f for f in ("pinned", "archived") if row[f]) or "-"
        # inert(): a tab or newline in a title cannot break the columns, nor an escape
        # sequence reach the terminal.
        out.write(f"{row['session_id']}\t{stamp}\t{row['message_count']}\t{flags}\t"
                  f"{inert(row['title'])}\n")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from api.export import session_markdown
    from api.records import check_session_id
    from tui.exporting import ExportRefused, export_name, write_export

    try:
        sid = check_session_id(args.session_id)
    except ValueError as exc:
        raise CommandError(str(exc), 2) from exc
    store = existing_store(args.store)
    try:
        session = store.load(sid)
    except FileNotFoundError as exc:
        raise CommandError(f"no session {sid} in {store.directory}") from exc
    except (OSError, ValueError) as exc:
        raise CommandError(f"cannot read session {sid}: {_reason(exc)}") from exc
    text = session_markdown(session)  # inert: no escape sequence reaches a terminal
    target: Path | None = args.output
    if target is None or str(target) == "-":
        sys.stdout.write(text)
        return 0
    target = target.expanduser()
    title = session.__dict__.get("title")
    name = export_name(title if isinstance(title, str) else "", sid)
    try:
        path = write_export(target, text, name, force=args.force)
    except FileExistsError as exc:
        raise CommandError(f"{target} exists (use --force to replace it)") from exc
    except ExportRefused as exc:
        raise CommandError(str(exc)) from exc
    except OSError as exc:
        raise CommandError(f"cannot write {target}: {_reason(exc)}") from exc
    if path is not None:  # a stream gets the document only
        print(_inert(str(path)))
    return 0


def run_command(argv: Sequence[str]) -> int:
    command, rest = argv[0], list(argv[1:])
    args = command_parser(command).parse_intermixed_args(rest)
    try:
        return run_list(args) if command == "list" else run_export(args)
    except CommandError as exc:
        print(f"{PROG} {command}: error: {_inert(str(exc))}", file=sys.stderr)
        return exc.status
    except BrokenPipeError:  # `session-browser list | head`: the reader left, that is fine
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in COMMANDS:
        return run_command(argv)
    if argv and argv[0] in ("stats", "open"):
        from tui.cli.report import run_report

        return run_report(argv)
    if argv and argv[0] in BULK_COMMANDS:  # archive ... QUERY, trash ...: see tui.cli.bulk
        from tui.cli import bulk

        return bulk.main(argv)
    args = build_parser().parse_args(argv)
    if args.print_config:
        from tui.cli.report import print_config

        return print_config(args.webui)
    try:
        resolved = resolve_store(args)
    except OSError as exc:  # e.g. no room for the demo store in the temp folder
        return fail(f"{exc.filename or ''} {exc.strerror or exc}".strip())
    if isinstance(resolved, str):
        return fail(resolved)
    store, banner = resolved
    try:
        route = edit_route(store, args)
    except ValueError as exc:  # a bad --webui URL or HERMES_WEBUI_PORT
        return fail(str(exc))

    # Textual draws at most FPS frames a second, on a fixed beat, and a frame that starts late
    # (a search result drawn just before a keystroke) makes it skip a beat: at the default 60
    # the keystroke then waits up to 33 ms for its frame, at 120 up to 17. The beat only runs
    # while something changed, so an idle app costs nothing more. (Read as Textual is imported.)
    os.environ.setdefault("TEXTUAL_FPS", "120")
    # Background workers (indexing messages: a second of CPU at 100,000 sessions) hold the
    # GIL in 5 ms slices by default, and the UI thread waits for one at every turn of its
    # event loop; 1 ms slices keep a keystroke under its 50 ms while they run.
    sys.setswitchinterval(0.001)
    from tui.app import SessionBrowser  # after argument checks: --help stays instant
    from tui.config import config_path

    demo = banner is not None  # only the demo store comes with a banner
    # The demo's message index stays in its temporary folder: a new demo store is made at
    # every start, and its index in the user's cache would be left there for good.
    cache_root = store.directory.parent / "search-cache" if demo else None
    SessionBrowser(store, banner=banner, route=route, config_path=config_path(),
                   webui_url=args.webui, cache_root=cache_root).run()
    if demo:
        print(f"{PROG}: the demo store is left in {store.directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
