"""A terminal for the benchmarks: runs a Textual app in a pseudo-terminal and times its frames.

`bench/tui.py` (the browser) and `bench/transcript.py` (the transcript screen) both measure a
real app process the way a user meets it: behind a pty of COLS x ROWS, from the moment a key is
written to the moment the frame it causes has been drawn. `Terminal` plays the terminal:

  - it answers Textual's query for synchronized output (`ESC[?2026$p`) with "supported"
    (`ESC[?2026;1$y`); Textual then wraps every update in `ESC[?2026h ... ESC[?2026l`, so the
    end of a frame is a byte sequence in the output (SYNC_END) and can be timed exactly;
  - it keeps everything the app wrote in `out` (a frame is told by text it holds, searched
    after a mark: the length of `out` when a key was written);
  - it keeps reading, also while the app quits: a terminal that stops reading leaves the app
    blocked on its last writes, and it would never exit.

Both scripts run as `python bench/NAME.py`, so `sys.path[0]` is `bench/` and `import
pty_terminal` finds this file. Nothing here imports the project (`bench/tui.py` would shadow
the `tui` package for a script that put `bench/` first).

Times are `time.perf_counter()` seconds.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import statistics
import struct
import subprocess
import termios
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

COLS, ROWS = 120, 35
SYNC_QUERY = b"\x1b[?2026$p"  # Textual: "does this terminal support mode 2026?"
SYNC_REPLY = b"\x1b[?2026;1$y"  # "mode 2026 supported": Textual then frames every update
SYNC_END = b"\x1b[?2026l"  # the end of a frame
#: How often a wait looks at its deadline; output is read as soon as it comes regardless.
POLL = 0.02


class Terminal:
    """The app in a pty; we play the terminal: read its output, type keys, time frames.

    `argv` is the command line (run in `cwd`), `env` what to set in the environment on top of
    this process's (less any TEXTUAL* variable, so a developer's settings do not leak in, and
    with TERM, COLORTERM, COLUMNS and LINES of a true-colour COLS x ROWS terminal).
    """

    def __init__(
        self, argv: Sequence[str | Path], *, cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        environ = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
        environ.update(TERM="xterm-256color", COLORTERM="truecolor", COLUMNS=str(COLS),
                       LINES=str(ROWS))
        environ.update(env or {})
        #: When the process was started (first-paint times count from here).
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            [str(arg) for arg in argv], cwd=cwd, env=environ,
            stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
        )
        os.close(slave)
        self.fd = master
        #: All the app has written so far.
        self.out = bytearray()
        #: Whether the sync query has been answered (frames are then framed by SYNC_END).
        self.answered = False

    def pump(self, timeout: float) -> bool:
        """Read what the app writes within `timeout` seconds, answering the sync query once.
        False when nothing came (or the app is gone)."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            chunk = os.read(self.fd, 1 << 16)
        except OSError:  # EIO: the app has closed its side
            return False
        self.out += chunk
        if not self.answered and SYNC_QUERY in self.out:
            os.write(self.fd, SYNC_REPLY)
            self.answered = True
        return True

    def wait_for(self, needle: bytes, start: int = 0, timeout: float = 30.0) -> float:
        """The time at which the frame holding `needle` (found after offset `start`) has ended;
        before the sync query is answered, at which `needle` came. TimeoutError after
        `timeout` seconds."""
        deadline = time.perf_counter() + timeout
        while True:
            at = self.out.find(needle, start)
            if at >= 0 and (not self.answered or self.out.find(SYNC_END, at) >= 0):
                return time.perf_counter()
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{needle!r} not drawn within {timeout} s")
            self.pump(POLL)

    def quiet(self, for_s: float = 0.3, at_most: float = 5.0) -> None:
        """Wait until the app has drawn nothing for `for_s` seconds (idle), or `at_most`
        seconds have passed (an app with something in progress may never be idle)."""
        deadline = time.perf_counter() + at_most
        while self.pump(for_s) and time.perf_counter() < deadline:
            pass

    def send(self, data: bytes, settle: float = 0.1, at_most: float = 5.0) -> tuple[float, int]:
        """Once the app is quiet (`quiet(settle, at_most)`), type `data`. Returns the time it
        was written and the mark (offset in `out`) after which its effect is to be looked
        for: `wait_for(needle, mark)`."""
        self.quiet(settle, at_most)
        mark = len(self.out)
        sent = time.perf_counter()
        os.write(self.fd, data)
        return sent, mark

    def key(self, data: bytes, timeout: float = 5.0) -> float:
        """Type `data`; seconds until the end of the first frame drawn after it."""
        sent, mark = self.send(data)
        return self.wait_for(SYNC_END, mark, timeout) - sent

    def key_until(self, data: bytes, needle: bytes, timeout: float = 10.0) -> float:
        """Type `data`; seconds until the end of the frame that shows `needle`. Waits for
        quiet at most 0.3 s first (for a key typed while the app keeps drawing progress)."""
        sent, mark = self.send(data, at_most=0.3)
        return self.wait_for(needle, mark, timeout) - sent

    def close(self) -> None:
        """Quit as a user would (ctrl+q), reading what the app writes meanwhile (a terminal
        that stops reading blocks its last writes, and it would never exit); killed with its
        process group after 5 s."""
        with contextlib.suppress(OSError):
            os.write(self.fd, b"\x11")  # ctrl+q
        deadline = time.perf_counter() + 5
        while self.proc.poll() is None and time.perf_counter() < deadline:
            self.pump(POLL)
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        os.close(self.fd)


def ms(seconds: float) -> str:
    """Seconds as milliseconds, right-aligned: `  123.4 ms`."""
    return f"{seconds * 1000:7.1f} ms"


def spread(values: Sequence[float]) -> str:
    """Median, 90th percentile (nearest rank, rounded down) and maximum of `values` (seconds)."""
    ordered = sorted(values)
    p90 = ordered[max(0, int(len(ordered) * 0.9) - 1)]
    return f"p50 {ms(statistics.median(ordered))}  p90 {ms(p90)}  max {ms(ordered[-1])}"
