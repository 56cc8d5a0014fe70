"""Transcript speed: opening a session of 10 and of 5,000 messages, in one run (prints figures,
asserts nothing).

End to end, in a real pseudo-terminal: this script starts itself as a small app (`--serve`)
whose first screen waits for a key; "1" opens the 10-message session, "2" the 5,000-message
one, each in a `TranscriptScreen` exactly as the browser opens it (the session file read and
prepared by a thread worker, then drawn). We play the terminal (`pty_terminal.Terminal`): we
answer Textual's query for synchronized output, so each frame arrives framed by
`ESC[?2026h ... ESC[?2026l` and its end can be timed exactly, and measure:

  - open: from writing the key to the end of the first frame showing the first message;
  - keys inside the 5,000-message transcript: j (cursor / line), PgDn, PgUp, n (next message),
    End, Home, Enter (expand a tool line): from writing the key to the end of its frame.

Then the parts, in this process: reading the file (`SessionStore.load`), building the blocks
(`build_transcript`), what opening cost in rendering (blocks rendered for the first screen).

Reach (issue 5): a session of 5,000 messages opens within 300 ms; that is, its open time here,
next to the same at 10 messages (the cost of a screen at all).

Run: python bench/transcript.py [ROUNDS]   (default: 5 opens of each size)
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# sys.path[0] is bench/ (run as a script, here and in the `--serve` child): pty_terminal comes
# from there.
from pty_terminal import COLS, ROWS, Terminal, ms, spread

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # before bench/: `tui` is the repository's package, not bench/tui.py

from api.models import Session  # noqa: E402
from api.store import SessionStore  # noqa: E402

SIZES = (10, 5000)
KEYS = 20  # timed presses of each scrolling key
NOW = 1_795_000_000.0


def marker(n: int) -> str:
    return f"FIRST-MESSAGE-OF-{n}"


def sid_for(n: int) -> str:
    return f"bench{n:07d}"


def messages(n: int) -> list[dict[str, Any]]:
    """A coding-agent session: questions, Markdown answers with code, tool calls and results,
    reasoning, content as a list of parts."""
    rnd = random.Random(n)
    out: list[dict[str, Any]] = []
    for i in range(n):
        stamp = NOW - (n - i) * 20.0
        kind = i % 6
        if i == 0:
            out.append({"role": "user", "timestamp": stamp,
                        "content": f"{marker(n)}: why does the parser drop the last token?"})
        elif kind == 0:
            question = f"Question {i}: " + "what about this case? " * rnd.randint(1, 12)
            out.append({"role": "user", "timestamp": stamp, "content": question})
        elif kind == 1:
            code = "\n".join(f"    token_{j} = next(stream)" for j in range(rnd.randint(2, 14)))
            prose = "The tokenizer stops one early. " * rnd.randint(1, 10)
            out.append({
                "role": "assistant", "timestamp": stamp,
                "reasoning": "Look at the tokenizer first. " * rnd.randint(1, 8),
                "content": f"Answer {i}. {prose}\n\n```python\ndef parse(stream):\n{code}\n```"
                           "\n\n- check the end\n- add a test",
                "tool_calls": [{"id": f"c{i}", "type": "function", "function": {
                    "name": "read_file", "arguments": f'{{"path": "src/parser_{i}.py"}}'}}],
            })
        elif kind == 2:
            out.append({"role": "tool", "tool_call_id": f"c{i - 1}", "name": "read_file",
                        "timestamp": stamp, "content": "\n".join(
                            f"line {j}: source text" for j in range(rnd.randint(5, 80)))})
        elif kind == 3:
            out.append({"role": "assistant", "timestamp": stamp, "content": [
                {"type": "text", "text": f"Part one of {i}."},
                {"type": "text", "text": "More detail. " * rnd.randint(1, 20)}]})
        else:
            out.append({"role": ("user", "assistant")[i % 2], "timestamp": stamp,
                        "content": f"Reply {i}: " + "short remark " * rnd.randint(1, 6)})
    return out


def build_store(folder: Path) -> SessionStore:
    folder.mkdir(parents=True)
    store = SessionStore(folder)
    for n in SIZES:
        store.save(Session(session_id=sid_for(n), title=f"A session of {n:,} messages",
                           messages=messages(n), model="anthropic/claude-sonnet-4.5",
                           workspace="/home/dev/parser", created_at=NOW - 86400,
                           updated_at=NOW), touch=False)
    return store


# ── the app side (`--serve`) ─────────────────────────────────────────────────


def serve(folder: str) -> None:
    from textual.app import App, ComposeResult
    from textual.binding import Binding
    from textual.widgets import Static

    from tui.screens.transcript import TranscriptScreen

    store = SessionStore(folder)

    class BenchApp(App[None]):
        BINDINGS = [  # noqa: RUF012
            Binding("1", "open(10)"), Binding("2", "open(5000)"), Binding("ctrl+q", "quit"),
        ]

        def compose(self) -> ComposeResult:
            yield Static("READY: 1 opens 10 messages, 2 opens 5,000")

        def action_open(self, n: int) -> None:
            self.push_screen(TranscriptScreen(store, sid_for(n)))

    BenchApp().run()


# ── the terminal side ────────────────────────────────────────────────────────


def end_to_end(folder: Path, rounds: int) -> dict[int, list[float]]:
    term = Terminal([sys.executable, __file__, "--serve", folder], cwd=ROOT)
    opens: dict[int, list[float]] = {n: [] for n in SIZES}
    keys: dict[str, list[float]] = {}
    try:
        term.wait_for(b"READY")
        term.quiet(0.5)
        for round_ in range(rounds + 1):  # round 0 warms up (imports, lexers): not counted
            for n, key in zip(SIZES, (b"1", b"2"), strict=True):
                sent, mark = term.send(key)
                done = term.wait_for(marker(n).encode(), mark)
                if round_:
                    opens[n].append(done - sent)
                term.quiet(0.3)
                if n == SIZES[-1] and round_ == rounds:
                    for name, data in (("j (down)", b"j"), ("PgDn", b"\x1b[6~"),
                                       ("PgUp", b"\x1b[5~"), ("n (next message)", b"n"),
                                       ("End", b"\x1b[F"), ("Home", b"\x1b[H"),
                                       ("Enter (expand/collapse)", b"\r")):
                        for i in range(KEYS):
                            if name == "Enter (expand/collapse)" and i == 0:
                                term.key(b"n")  # the assistant message: its tool lines
                                term.key(b"j")
                                term.key(b"j")
                            if name in ("End", "Home"):  # from the other end each time
                                term.key(b"\x1b[H" if name == "End" else b"\x1b[F")
                            keys.setdefault(name, []).append(term.key(data))
                term.key(b"\x1b")  # Esc: back to the first screen
                term.quiet(0.3)
    finally:
        term.close()
    print(f"\nend to end, {COLS}x{ROWS} pty ({rounds} opens of each, after one warm-up)")
    for n in SIZES:
        runs = ", ".join(f"{x * 1000:.0f}" for x in opens[n])
        print(f"open {n:>5,} messages   median {ms(statistics.median(opens[n]))}   (runs: {runs})")
    diff = statistics.median(opens[SIZES[-1]]) - statistics.median(opens[SIZES[0]])
    print(f"5,000 vs 10 messages: {diff * 1000:+.0f} ms   (reach: 5,000 opens within 300 ms)")
    print(f"\nkeys in the 5,000-message transcript ({KEYS} presses each)")
    for name, values in keys.items():
        print(f"  {name:<24} {spread(values)}")
    return opens


def parts(store: SessionStore) -> None:
    from tui.widgets.transcript_model import build_transcript

    print("\nparts (this process, median of 5)")
    for n in SIZES:
        loads, builds = [], []
        blocks = 0
        for _ in range(5):
            t0 = time.perf_counter()
            session = store.load(sid_for(n))
            t1 = time.perf_counter()
            transcript = build_transcript(session.messages)
            t2 = time.perf_counter()
            loads.append(t1 - t0)
            builds.append(t2 - t1)
            blocks = len(transcript.blocks)
        size = (store.directory / f"{sid_for(n)}.json").stat().st_size
        print(f"  {n:>5,} messages ({size / 1e6:5.2f} MB, {blocks:,} blocks): "
              f"read {ms(statistics.median(loads))}   build {ms(statistics.median(builds))}")
    asyncio.run(_rendered(store))


async def _rendered(store: SessionStore) -> None:
    """How many blocks the first screen rendered (the rest stay estimates until seen)."""
    from textual.app import App

    from tui.screens.transcript import TranscriptScreen

    for n in SIZES:
        app: App[None] = App()
        async with app.run_test(size=(COLS, ROWS)) as pilot:
            screen = TranscriptScreen(store, sid_for(n))
            await app.push_screen(screen)
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.pause()
            view = screen.view
            total = len(view.transcript.blocks) if view.transcript else 0
            print(f"  {n:>5,} messages: first screen rendered {view.rendered_blocks} of "
                  f"{total:,} blocks")


def main(rounds: int) -> None:
    print(f"session-browser transcript bench: Python {sys.version.split()[0]}, "
          f"{os.cpu_count()} CPUs")
    tmp = Path(tempfile.mkdtemp(prefix="sb-transcript-bench-"))
    try:
        t0 = time.perf_counter()
        store = build_store(tmp / "sessions")
        print(f"store built in {time.perf_counter() - t0:.1f} s")
        end_to_end(tmp / "sessions", rounds)
        parts(store)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":
        serve(sys.argv[2])
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
