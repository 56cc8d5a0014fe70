"""Indexing messages in a child process, so the app's keystrokes never wait for it.

Bringing the message index up to date (`SearchIndex.refresh`) is Python work: a stat of every
session file (a second at 100,000 sessions, even when nothing changed) and, the first time,
reading and indexing every message (minutes). In a thread of the app it shares the GIL with
the UI, and a filter keystroke then takes twice as long. A child Python has a GIL of its own:
it runs on another core, at a lower priority, and the app only reads its progress lines.

The child writes one line per report on stdout: `progress DONE TOTAL`, then `done`, or
`error {json}` for an exception the app shows as a sentence. Anything else it may print (a
crash's traceback on stderr) goes to a temporary file, never to the app's terminal.

Run as `python -m tui.search.indexer STORE [CACHE_ROOT]`.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import tui

Progress = Callable[[int, int], None]

#: How much less CPU the child may claim than the app, when the two compete for a core.
NICENESS = 10


class IndexerUnavailable(Exception):
    """The child could not be started (no interpreter to run it): index in this process."""


def command(store_dir: Path, cache_root: Path | None) -> list[str]:
    """The child's command line: this interpreter, this module."""
    args = [sys.executable, "-m", "tui.search.indexer", str(store_dir)]
    return args if cache_root is None else [*args, str(cache_root)]


def child_error(report: str) -> Exception:
    """The exception a child's `error` line stands for: an OSError keeps its errno (so the
    app says "permission denied", not a class name), anything else is its message."""
    try:
        data = json.loads(report)
        errno, strerror, message = data.get("errno"), data.get("strerror"), data["message"]
    except (ValueError, KeyError, TypeError, AttributeError):
        return RuntimeError(report.strip() or "the indexer failed")
    if isinstance(errno, int):
        return OSError(errno, strerror or message)
    return RuntimeError(str(message))


def refresh_in_child(
    args: Sequence[str],
    progress: Progress,
    started: Callable[[subprocess.Popen[str]], None] | None = None,
) -> None:
    """Run the child `args` (see `command`) to its end, calling `progress` for each report.

    Raises what the child reported, or RuntimeError if it stopped without a word (killed, or
    crashed: the last line it wrote on stderr says why). An exception raised by `progress`
    (the app is quitting) stops the child and goes on up. `started` receives the process, so
    that whoever else needs to can stop it (`terminate` from any thread ends this call)."""
    env = dict(os.environ)
    source = str(Path(tui.__file__).resolve().parent.parent)  # this copy of the app
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH")]))
    with tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as stderr:
        try:
            proc = subprocess.Popen(
                list(args), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
                text=True, encoding="utf-8", errors="replace", env=env,
            )
        except OSError as exc:
            raise IndexerUnavailable(str(exc)) from exc
        if started is not None:
            started(proc)
        outcome: Exception | None = None
        finished = False
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                kind, _, rest = line.rstrip("\n").partition(" ")
                if kind == "progress":
                    done, _, total = rest.partition(" ")
                    with contextlib.suppress(ValueError):
                        progress(int(done), int(total))
                elif kind == "done":
                    finished = True
                elif kind == "error":
                    outcome, finished = child_error(rest), True
        finally:
            if proc.poll() is None:
                proc.terminate()
            proc.wait()
        if outcome is not None:
            raise outcome
        if not finished:
            stderr.seek(0)
            lines = [line.strip() for line in stderr.read().splitlines() if line.strip()]
            raise RuntimeError(lines[-1] if lines else f"the indexer stopped ({proc.returncode})")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    with contextlib.suppress(OSError, AttributeError):  # not everywhere, and not vital
        os.nice(NICENESS)
    from api.search import SearchIndex

    index = SearchIndex(Path(args[0]), Path(args[1]) if len(args) > 1 else None)

    def report(done: int, total: int) -> None:
        print(f"progress {done} {total}", flush=True)

    try:
        index.refresh(progress=report)
    except Exception as exc:
        errno = getattr(exc, "errno", None)
        print("error " + json.dumps({
            "errno": errno if isinstance(errno, int) else None,
            "strerror": getattr(exc, "strerror", None),
            "message": str(exc) or type(exc).__name__,
        }), flush=True)
        return 1
    print("done", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
