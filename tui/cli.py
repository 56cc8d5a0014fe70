"""`session-browser [STORE] [--demo]`: find the store, then run the app.

Errors a user can fix (a STORE that does not exist or is not a folder) are one line on stderr
and exit status 2, like argparse's own usage errors; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from api.paths import default_store_candidates
from api.store import SessionStore
from tui import __version__

PROG = "session-browser"


def build_parser() -> argparse.ArgumentParser:
    tried = ", ".join(str(path) for path in default_store_candidates())
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Browse, rename, pin and archive the chat sessions of a Hermes WebUI store.",
        epilog=(
            "Without STORE the first existing folder of $HERMES_WEBUI_STATE_DIR/sessions, "
            "$HERMES_HOME/webui/sessions and ~/.hermes/webui/sessions is opened "
            f"(here: {tried}); when none exists, a demo store is opened instead. "
            "Press ? in the app for its keys."
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
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def fail(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


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


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        resolved = resolve_store(args)
    except OSError as exc:  # e.g. no room for the demo store in the temp folder
        return fail(f"{exc.filename or ''} {exc.strerror or exc}".strip())
    if isinstance(resolved, str):
        return fail(resolved)
    store, banner = resolved

    from tui.app import SessionBrowser  # after argument checks: --help stays instant

    SessionBrowser(store, banner=banner).run()
    if banner is not None:
        print(f"{PROG}: the demo store is left in {store.directory}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
