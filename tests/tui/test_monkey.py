"""The seeded monkey (issue #12): random keys from the app's whole key set, in bursts and with
pauses, a resize or two, while a second process writes the store as Hermes WebUI does
(`monkey_writer.py`: renames, pins, archives, adds, deletes, `_index.json` in its 2-space
layout, no lock).

Afterwards the app still runs with no traceback, every file parses, every index row matches its
file, nothing is lost (each session is on disk unless the writer deleted it), no temp file is
left, and the app's rows are the files'.

    SB_MONKEY_KEYS=100000 SB_MONKEY_SEED=7 pytest tests/tui/test_monkey.py   # a long run

The suite's run sends 1000 keys (SB_MONKEY_KEYS; it was 2000, the monkey alone then took a
third of the suite's CPU, ~70 ms a key, most of it Textual restyling screens and footer): the
random draw then presses each of the ~57 distinct keys about 10 times or more, and any key the
draw happened to miss is pressed at the end, so every key of every `*_KEYS` table is pressed at
least once in every run, whatever the seed, which the 2000 random keys did not promise.

The keys come from the seed alone (the app is driven through Pilot); the seed is printed on
failure, and SB_MONKEY_SEED replays it (the writer's timing, a separate process, varies).
"""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers_store import index_problems, parse_json, temp_names
from textual import events
from textual._xterm_parser import XTermParser
from textual.pilot import Pilot
from tui_helpers import build_store, make_app, screen_text, settled, wait_until

import tui.keys
from api.trash import Trash
from tui.keys import Key

KEYS = int(os.environ.get("SB_MONKEY_KEYS", "1000"))
SEED = int(os.environ.get("SB_MONKEY_SEED", str(random.SystemRandom().randrange(1 << 32))))
WRITER = Path(__file__).with_name("monkey_writer.py")

#: Bytes a terminal sends for each named key (what the driver then parses).
SEQUENCES = {
    "up": "\x1b[A", "down": "\x1b[B", "left": "\x1b[D", "right": "\x1b[C",
    "pageup": "\x1b[5~", "pagedown": "\x1b[6~", "home": "\x1b[H", "end": "\x1b[F",
    "enter": "\r", "escape": "\x1b", "tab": "\t", "shift+tab": "\x1b[Z", "backspace": "\x7f",
    "space": " ", "f2": "\x1bOQ", "ctrl+p": "\x10", "ctrl+z": "\x1a", "slash": "/",
    "question_mark": "?", "left_square_bracket": "[", "right_square_bracket": "]",
    "asterisk": "*", "delete": "\x1b[3~",
}
#: Keys the monkey never presses: they end the app (quitting is tested elsewhere).
NEVER = {"q", "ctrl+q", "ctrl+c"}


def key_set() -> list[str]:
    """The app's whole key set: every bound key, the palette, and keys that type text."""
    names: list[str] = []
    tables = [table for name, table in vars(tui.keys).items()  # every *_KEYS table
              if name.endswith("_KEYS") and isinstance(table, tuple)
              and all(isinstance(key, Key) for key in table)]
    for key in {key for table in tables for key in table}:
        names += [name for name in key.keys.split(",") if name and name not in NEVER]
    names.sort()  # the same list for the same seed, whatever the set's order
    names += ["ctrl+p", "tab", "shift+tab", "backspace", "left", "right", "space"]
    names += list("abcdefghijklmnoxyz0123-:\"")  # words for the search line, the editor
    return names


def key_bytes(name: str) -> str:
    if name in SEQUENCES:
        return SEQUENCES[name]
    if len(name) == 1:
        return name
    raise KeyError(name)


def parse(data: str) -> list[events.Key]:
    parser = XTermParser()
    return [e for e in [*parser.feed(data), *parser.feed("")] if isinstance(e, events.Key)]


async def run_monkey(pilot: Pilot[None], rng: random.Random, keys: int) -> tuple[int, int]:
    """Send `keys` keys as the terminal driver would (parsed from bytes, posted to the app):
    one at a time, or several from one read (a burst, posted before the first is handled),
    with pauses between; then, one at a time, each key of the set the draw missed. Returns how
    many went in bursts, and how many were missed."""
    app = pilot.app
    names = key_set()
    delivered: set[str] = set()  # the keys the app was sent, as the driver parsed them
    pressed = bursts = 0
    while pressed < keys:
        roll = rng.random()
        if roll < 0.005:
            await pilot.resize_terminal(rng.choice((60, 100, 140)), rng.choice((12, 24, 40)))
            continue
        count = rng.randint(2, 12) if roll < 0.2 else 1
        parsed = parse("".join(key_bytes(rng.choice(names)) for _ in range(count)))
        for key in parsed:
            app.post_message(key)
            delivered.add(key.key)
        pressed += len(parsed)
        bursts += len(parsed) if count > 1 else 0
        pause = rng.random()
        if pause < 0.2:
            # Until every widget on the screen has handled what it was sent (Pilot's own
            # wait for idle waits for the CPU, which the live reloads keep busy).
            await pilot._wait_for_screen()
        elif pause < 0.23:
            await asyncio.sleep(rng.choice((0.01, 0.05)))  # a person reading the screen
        else:
            await asyncio.sleep(0)  # typing on: keys queue up behind the ones not handled yet
        assert app._exception is None, f"seed {SEED}: the app crashed"
        assert app.is_running, f"seed {SEED}: the app stopped"
    missed = 0
    for name in names:
        (key,) = parse(key_bytes(name))
        if key.key not in delivered:
            delivered.add(key.key)
            missed += 1
            app.post_message(key)
            await pilot._wait_for_screen()
            assert app._exception is None, f"seed {SEED}: the app crashed on {name}"
            assert app.is_running, f"seed {SEED}: the app stopped on {name}"
    return bursts, missed


def read_log(path: Path) -> tuple[set[str], set[str]]:
    added, deleted = set(), set()
    for line in path.read_text().splitlines():
        kind, sid = line.split()
        (added if kind == "added" else deleted).add(sid)
    return added, deleted


def store_problems(folder: Path, expected: set[str], purged: set[str] | None = None) -> list[str]:
    """What is wrong with the store after the run. A session the keys moved to the trash
    (`d`, confirmed) is not lost: it is in `_trash/`; one the keys deleted for good from the
    trash view (two confirmations) is `purged`, on purpose."""
    problems = []
    for name in sorted(os.listdir(folder)):
        path = folder / name
        if name.endswith(".json") and path.is_file():
            try:
                parse_json(path.read_bytes())
            except (ValueError, RecursionError) as exc:
                problems.append(f"{name} does not parse: {exc}")
    problems += [f"temp file left: {name}" for name in temp_names(folder)]
    problems += index_problems(folder)
    on_disk = {name[:-5] for name in os.listdir(folder)
               if name.endswith(".json") and not name.startswith("_")}
    in_trash = {entry.session_id for entry in Trash(folder).entries()}
    problems += [f"{sid} is both in the store and in the trash"
                 for sid in sorted(on_disk & in_trash)]
    problems += [f"{sid} was lost"
                 for sid in sorted(expected - on_disk - in_trash - (purged or set()))]
    problems += [f"{sid} came back after the writer deleted it"
                 for sid in sorted(on_disk - expected)]
    return problems


@pytest.mark.timeout(600)
async def test_monkey(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a palette "screenshot" lands here
    folder = tmp_path / "sessions"
    store = build_store(folder)
    start = {name[:-5] for name in os.listdir(folder) if not name.startswith("_")}
    stop, log = tmp_path / "stop", tmp_path / "writer.log"
    log.write_text("")
    writer = subprocess.Popen([sys.executable, str(WRITER), str(folder), str(SEED), str(stop),
                               str(log)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    rng = random.Random(SEED)
    app = make_app(store, poll_interval=0.1, export_dir=tmp_path / "exports",
                   cache_root=tmp_path / "cache")
    (tmp_path / "exports").mkdir()
    quits: list[int] = []
    purged: set[str] = set()  # deleted for good from the trash view, on purpose
    purge = Trash.purge

    def recorded_purge(self: Trash, ids: Any, *args: Any, **kwargs: Any) -> Any:
        ids = list(ids)
        purged.update(ids)
        return purge(self, ids, *args, **kwargs)

    monkeypatch.setattr(Trash, "purge", recorded_purge)
    monkeypatch.setattr(app, "action_quit", lambda: quits.append(1))  # the palette's Quit
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_until(pilot, lambda: app.main.loaded, what="the first rows")
            bursts, missed = await run_monkey(pilot, rng, KEYS)
            stop.touch()
            out, err = writer.communicate(timeout=60)
            assert writer.returncode == 0, f"seed {SEED}: the writer failed: {err}"
            # Back to the list, then one last edit of ours over the writer's last index.
            for _ in range(6):
                await pilot.press("escape")
            await settled(pilot)
            await pilot.press("home", "p")
            await settled(pilot)
            assert app._exception is None and app.is_running, f"seed {SEED}"
            assert "Traceback" not in screen_text(app), f"seed {SEED}"
            added, deleted = read_log(log)
            expected = (start | added) - deleted
            problems = store_problems(folder, expected, purged)
            assert not problems, f"seed {SEED}: " + "; ".join(problems[:20])
            # The app's rows are the files' once it has read the store again.
            app.main.reload_rows()
            await wait_until(pilot, lambda: not app.main.sync.reading, what="the reload")
            await settled(pilot)
            shown = {row["session_id"]: row["title"] for row in app.main.rows.all_rows()}
            on_disk = {row["session_id"]: row["title"] for row in store.list_rows()}
            differ = sorted(set(shown.items()) ^ set(on_disk.items()))
            trashed = {entry.session_id for entry in Trash(folder).entries()}
            differ = [(sid, title, sid in trashed, sid in deleted) for sid, title in differ]
            assert shown == on_disk, (f"seed {SEED}: the app shows other rows than the files: "
                                      f"{differ[:10]}")
            print(f"monkey seed {SEED}: {KEYS} keys ({bursts} in bursts, {missed} missed then "
                  f"pressed), writer {out.strip()}"
                  f", {len(added)} added, {len(deleted)} deleted, {len(quits)} quits refused")
    finally:
        stop.touch()
        if writer.poll() is None:
            writer.kill()
            writer.wait()
