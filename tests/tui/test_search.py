"""The search line: filtering as you type (words, qualifiers, highlights), and the search of
what was said (the message index, its progress, results, opening a result)."""

from __future__ import annotations

import gc
import threading
from pathlib import Path
from typing import Any

from tui_helpers import (
    DAY,
    NOW,
    cursor_id,
    line_of,
    lines,
    loaded,
    make_app,
    notifications,
    screen_text,
    shown_ids,
    wait_until,
)

from api.store import SessionStore
from tui.app import SessionBrowser
from tui.screens.transcript import TranscriptScreen

#: Messages said in some sessions of the test store (the rest say "message N").
SAID = {
    "aaaa00000001": ["the redirect loops after login", "set SameSite=Lax on the cookie"],
    "aaaa00000003": ["draft the roadmap", "the cookie banner goes in Q3"],
    "aaaa00000006": ["an archived cookie recipe"],
}


def say(store: SessionStore) -> SessionStore:
    """Give some sessions distinctive messages, leaving their times as they are."""
    for sid, texts in SAID.items():
        messages = [{"role": ("user", "assistant")[i % 2], "content": text,
                     "timestamp": NOW - DAY + i * 60} for i, text in enumerate(texts)]
        store.update(sid, {"messages": messages}, touch=False)
    return store


async def type_search(pilot: Any, text: str) -> SessionBrowser:
    """`/` then `text`, typed key by key."""
    app = pilot.app
    await pilot.press("slash", *text)
    await pilot.pause()
    return app


async def paste_search(pilot: Any, text: str) -> SessionBrowser:
    """`/` then `text` put in the line at once (as a paste does; quicker than typing)."""
    app = pilot.app
    await pilot.press("slash")
    app.main.search_bar.input.value = text
    await pilot.pause()
    return app


def match_texts(app: SessionBrowser, index: int) -> list[str]:
    """The highlighted pieces of row `index`'s line."""
    listing = app.main.session_list
    match = listing.get_component_rich_style("session-list--match", partial=True)
    strip = listing.render_line(listing.line_of(index) - round(listing.scroll_y) + 1)
    return [seg.text for seg in strip if seg.style and seg.style.underline
            and seg.style.color == match.color]


async def results_ready(pilot: Any) -> SessionBrowser:
    """Wait until the message index is built and the current search has answered."""
    app = pilot.app
    await wait_until(pilot, lambda: app.main.search_panel.settled, what="message search results")
    await pilot.pause()
    return app


# ── filtering ──────────────────────────────────────────────────────────────────


async def test_slash_opens_the_line_and_typing_filters(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        assert not app.main.search_bar.is_open
        await pilot.press("slash")
        assert app.main.search_bar.is_open and app.main.search_bar.input.has_focus
        await pilot.press(*"ROAD")  # any case
        assert shown_ids(app) == ["aaaa00000003"]
        assert "1 shown" in str(app.main.counts.render())
        assert match_texts(app, 0) == ["road"]  # highlighted in the title, as written
        await pilot.press("backspace", "backspace", "backspace", "backspace", *"dev/notes")
        assert shown_ids(app) == ["aaaa00000003"]  # the workspace matches too
        app.main.search_bar.input.value = "dev/notes gemini"  # every word must match: model too
        assert shown_ids(app) == ["aaaa00000003"]
        app.main.search_bar.input.value = "dev/notes gemini nope"
        await pilot.pause()
        assert shown_ids(app) == []
        assert "No session matches" in screen_text(app)


async def test_every_word_must_match_anywhere(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await paste_search(pilot, "project gpt")
        # "project" in the workspace, "gpt" in the model; CI's model is claude: left out.
        assert shown_ids(app) == ["aaaa00000004"]
        line = line_of(app, "aaaa00000004")
        assert "openai/gpt-5-mini" in line and "/home/dev/project" in line
        assert sorted(match_texts(app, 0)) == ["gpt", "project"]


async def test_escape_clears_and_the_cursor_stays(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await paste_search(pilot, "the")
        assert shown_ids(app) == ["aaaa00000001", "aaaa00000003", "aaaa00000007"]
        await pilot.press("enter")  # to the list, the filter kept
        assert app.main.session_list.has_focus and app.main.search_bar.is_open
        await pilot.press("j")
        chosen = cursor_id(app)
        assert chosen == "aaaa00000003"
        await pilot.press("escape")  # in the list: clears too
        assert not app.main.search_bar.is_open and app.main.rows.query.empty
        assert len(app.main.rows) == 7 and cursor_id(app) == chosen
        assert app.main.session_list.has_focus
        await pilot.press("slash", *"plan", "escape")  # Esc in the line: the same
        assert not app.main.search_bar.is_open and len(app.main.rows) == 7
        assert cursor_id(app) == chosen


async def test_cursor_stays_on_its_session_while_it_matches(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("j", "j")  # Plan the Q3 roadmap
        await type_search(pilot, "pla")
        assert cursor_id(app) == "aaaa00000003"
        await pilot.press("x")  # no longer matches: the cursor goes to the top
        assert shown_ids(app) == [] and cursor_id(app) is None
        await pilot.press(*["backspace"] * 4, *"fix")
        assert cursor_id(app) == "aaaa00000001"


QUALIFIED = [
    ("is:pinned", ["aaaa00000002"]),
    ("is:p", ["aaaa00000002"]),  # a prefix is enough
    ("-is:pinned", ["aaaa00000001", "aaaa00000003", "aaaa00000004", "aaaa00000005",
                    "aaaa00000007", "aaaa00000008"]),
    ("is:archived", ["aaaa00000009", "aaaa00000006"]),  # shown although hidden
    ("is:archived is:pinned", ["aaaa00000009"]),
    ("model:gpt", ["aaaa00000001", "aaaa00000004"]),
    ("model:GPT -model:mini", ["aaaa00000001"]),
    ("workspace:infra", ["aaaa00000005"]),
    ('workspace:"dev/code/a/deeply"', ["aaaa00000007"]),
    ("-the -roadmap", ["aaaa00000002", "aaaa00000004", "aaaa00000005", "aaaa00000008"]),
    ("model:", ["aaaa00000002", "aaaa00000001", "aaaa00000003", "aaaa00000004",
                "aaaa00000005", "aaaa00000007", "aaaa00000008"]),  # still typing
    ("http://x", []),  # not a qualifier: a word
]


async def test_qualifiers(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        for text, expected in QUALIFIED:
            await paste_search(pilot, text)
            assert shown_ids(app) == expected, text
            assert f"{len(expected)} shown" in str(app.main.counts.render())


async def test_project_qualifier_and_names_on_the_hermes_store(
    hermes_store: SessionStore,
) -> None:
    app = make_app(hermes_store)
    async with app.run_test(size=(150, 20)) as pilot:
        await loaded(pilot)
        assert set(app.main.projects) == {"proj0000aaaa", "proj0000bbbb"}
        line = line_of(app, "a1b2c3d4e5f6")
        assert "Refactor the auth flow" in line and "auth-service" in line
        assert "Project" in lines(app)[0]
        await paste_search(pilot, "project:auth")
        assert shown_ids(app) == ["a1b2c3d4e5f6"]
        await paste_search(pilot, "project:auth is:archived")
        assert shown_ids(app) == []
        await paste_search(pilot, "project:plan is:archived")
        assert shown_ids(app) == ["20251102_141502_9c1d2e"]  # "planning", archived
        await paste_search(pilot, "project:proj0000aaaa")
        assert shown_ids(app) == ["a1b2c3d4e5f6"]  # by id too


async def test_edits_keep_the_filter(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await paste_search(pilot, "the")
        await pilot.press("enter", "j", "p")  # pin "Plan the Q3 roadmap" while filtered
        assert shown_ids(app)[0] == "aaaa00000003" and cursor_id(app) == "aaaa00000003"
        await pilot.press("r", *"Q3 plan", "enter")  # no longer matches "the": it leaves
        assert "aaaa00000003" not in shown_ids(app)
        await app.edits.wait_idle()
        await pilot.pause()
        record = store.load("aaaa00000003").__dict__
        assert (record["pinned"], record["title"]) == (True, "Q3 plan")


# ── searching messages ─────────────────────────────────────────────────────────


async def test_message_search_builds_the_index_and_shows_hits(
    store: SessionStore, private_cache: Path, monkeypatch: Any
) -> None:
    from api.search import SearchIndex

    threads: list[threading.Thread] = []
    real = SearchIndex.search

    def spy(self: SearchIndex, text: str, limit: int = 200) -> Any:
        threads.append(threading.current_thread())
        return real(self, text, limit)

    monkeypatch.setattr(SearchIndex, "search", spy)
    say(store)
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await paste_search(pilot, "cookie")
        await results_ready(pilot)
        # Titles do not say "cookie", messages do: two sessions' messages (the archived one
        # is hidden like its session).
        assert shown_ids(app) == []
        results = app.main.search_panel.results.results
        found = [(r.hit.session_id, r.hit.message_index) for r in results]
        assert found == [("aaaa00000001", 1), ("aaaa00000003", 1)]
        assert app.main.search_panel.display
        text = screen_text(app)
        assert "Messages containing “cookie” · 2" in text
        assert "set SameSite=Lax on the cookie" in text and "assistant" in text
        # The match is highlighted in the snippet.
        strip = app.main.search_panel.results.render_line(0)
        match = app.main.search_panel.results.get_component_rich_style(
            "message-results--match", partial=True)
        assert [s.text for s in strip if s.style and s.style.color == match.color] == ["cookie"]
        # The index is a cache under XDG_CACHE_HOME, never inside the store.
        assert app.main.search_panel.index.index.path.is_relative_to(private_cache)
        assert not any(p.suffix.startswith(".sqlite") for p in store.directory.iterdir())
        await paste_search(pilot, "cookie is:archived")
        await results_ready(pilot)
        assert [r.hit.session_id for r in app.main.search_panel.results.results] == ["aaaa00000006"]
    # The searches ran in worker threads, never on the UI thread.
    assert threads and all(t is not threading.main_thread() for t in threads)


#: A stand-in for the indexer child: reports no progress yet, waits until the test creates the
#: file argv[1], then runs the real child on the rest of its arguments.
HELD_INDEXER = """
import os, sys, time
from tui.search.indexer import main
print("progress 0 9", flush=True)
deadline = time.monotonic() + 120  # never hangs the suite
while not os.path.exists(sys.argv[1]) and time.monotonic() < deadline:
    time.sleep(0.01)
sys.exit(main(sys.argv[2:]))
"""


async def test_index_is_built_in_a_child_process_with_progress(
    store: SessionStore, tmp_path: Path
) -> None:
    """Every session is checked in another process (its own GIL: the UI's keys never wait
    for it), whose progress shows in the search line and the pane, and whose index the
    searches then read."""
    import sys

    from tui.search.indexer import command

    gate = tmp_path / "go"
    say(store)
    app = make_app(store)
    app.main.search_panel.index.command = [sys.executable, "-c", HELD_INDEXER, str(gate),
                         *command(store.directory, None)[3:]]
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await paste_search(pilot, "cookie")
        await wait_until(pilot, lambda: "indexing 0/9" in screen_text(app), what="progress")
        text = screen_text(app)
        # In the search line and the pane's title (its placeholder may say "still indexing…"
        # too, once a search of the part indexed so far came back: that depends on timing).
        assert text.count("indexing 0/9 sessions (0%)") == 2
        await pilot.press(*"s")  # the UI answers meanwhile
        assert app.main.search_bar.text == "cookies"
        gate.touch()
        await pilot.press("backspace")
        # The search of "cookies" may have settled before the backspace's own search starts
        # (its Changed message comes after the key): wait for the answer to "cookie".
        panel = app.main.search_panel
        try:
            await wait_until(pilot, lambda: panel.settled and len(panel.results.results) == 2,
                             what="both results for 'cookie' from the finished index")
        except AssertionError as exc:  # say where it stood (so the race of two cache makers
            # was found: READY with no hits, the build's database deleted by a search's)
            raise AssertionError(
                f"{exc}; index {panel.index.state}, building {panel.index.building}, progress "
                f"{panel.index.progress}, debounce pending {panel._timer is not None}, "
                f"generation {panel._generation}, hits of generation {panel._hits_generation}: "
                f"{None if panel.hits is None else len(panel.hits)}, shown "
                f"{len(panel.results.results)}, search line {app.main.search_bar.text!r}"
            ) from None
        await results_ready(pilot)
        assert len(app.main.search_panel.results.results) == 2
        assert "indexing" not in screen_text(app)
        process = app.main.search_panel.index.process
        assert process is not None and process.returncode == 0


async def test_without_a_child_the_index_is_built_here(
    store: SessionStore, tmp_path: Path
) -> None:
    """No interpreter to start the child with (an embedded Python): the index is built in
    this process instead, and searching works the same."""
    say(store)
    app = make_app(store)
    app.main.search_panel.index.command = [str(tmp_path / "no-such-python"), "-m",
                                           "tui.search.indexer"]
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await paste_search(pilot, "cookie")
        await results_ready(pilot)
        assert len(app.main.search_panel.results.results) == 2
        assert not notifications(app)


async def test_a_failing_indexer_is_a_sentence_not_a_traceback(
    store: SessionStore, tmp_path: Path
) -> None:
    """The cache folder cannot be made (a file is in the way): the child reports the error,
    the app says so once and keeps filtering by title."""
    blocker = tmp_path / "cache-is-a-file"
    blocker.write_text("")
    app = make_app(store, cache_root=blocker / "sub")
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await type_search(pilot, "plan")
        await wait_until(pilot, lambda: app.main.search_panel.index.state.value == "ready",
                         what="the refresh")
        await pilot.pause()
        assert any(m.startswith("Could not index messages: ") for m in notifications(app))
        assert "Traceback" not in screen_text(app)
        assert "message search unavailable" in screen_text(app)
        assert shown_ids(app) == ["aaaa00000003"]


async def test_index_follows_changes_incrementally(
    store: SessionStore, monkeypatch: Any
) -> None:
    from api.search import SearchIndex

    asked: list[Any] = []
    real = SearchIndex.refresh

    def spy(self: SearchIndex, progress: Any = None, only: Any = None) -> Any:
        asked.append(only)
        return real(self, progress, only)

    monkeypatch.setattr(SearchIndex, "refresh", spy)
    say(store)
    app = make_app(store)  # the first build runs in a child process: not seen by the spy
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await paste_search(pilot, "zebra")
        await results_ready(pilot)
        assert app.main.search_panel.results.results == []
        assert "No message contains every word." in screen_text(app)
        # Another program writes a message; the poller sees it and the index catches up.
        store.update("aaaa00000004", {"messages": [{"role": "user", "content": "a zebra"}]},
                     touch=False)
        app.main.poll_store()
        await wait_until(pilot, lambda: any(r.hit.session_id == "aaaa00000004"
                                            for r in app.main.search_panel.results.results),
                         what="the new message in the results")
        assert asked == [{"aaaa00000004"}]  # a live update: only the session it saw change
        stats = app.main.search_panel.index.index.refresh()
        assert stats.reindexed == 0  # it was already up to date
        # A change that no row shows (a writer's temporary file came and went): nothing to
        # index, and no child is started to check every file.
        child, calls = app.main.search_panel.index.process, len(asked)
        stray = store.directory / "stray.tmp"
        stray.write_text("x")
        stray.unlink()
        app.main.poll_store()
        for _ in range(2):  # the poll, then the reload it starts
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert len(asked) == calls and app.main.search_panel.index.process is child


async def test_enter_on_a_result_opens_the_transcript_at_that_message(
    store: SessionStore,
) -> None:
    say(store)
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await paste_search(pilot, "cookie")
        await results_ready(pilot)
        await pilot.press("tab")  # search line -> sessions
        assert app.main.session_list.has_focus
        await pilot.press("tab")  # -> messages
        assert app.main.search_panel.results.has_focus
        await pilot.press("j")
        assert app.main.search_panel.results.highlighted is not None
        assert app.main.search_panel.results.highlighted.hit.session_id == "aaaa00000003"
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, TranscriptScreen)
        assert (screen.session_id, screen.message_index) == ("aaaa00000003", 1)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TranscriptScreen)
        assert app.main.search_bar.text == "cookie" and app.main.search_panel.results.cursor == 1


async def test_a_broken_cache_is_rebuilt(store: SessionStore) -> None:
    say(store)
    app = make_app(store)
    app.main.search_panel.index.index.path.parent.mkdir(parents=True)
    app.main.search_panel.index.index.path.write_bytes(b"this is not a database" * 100)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await paste_search(pilot, "redirect")
        await results_ready(pilot)
        assert [r.hit.session_id for r in app.main.search_panel.results.results] == ["aaaa00000001"]


async def test_filter_over_many_sessions_types_key_by_key(tmp_path: Path) -> None:
    """Typing a query a key at a time over 20,000 sessions ends where typing it at once does
    (each key narrows the last key's rows). Its speed is measured in bench/tui.py."""
    from tui.query import Query
    from tui.rows import SessionRows

    rows = [{"session_id": f"s{i}", "title": f"Session {i} about the parser",
             "workspace": f"/w/p{i % 7}", "model": "m", "updated_at": float(i),
             "pinned": False, "archived": False, "message_count": 1} for i in range(20_000)]
    view = SessionRows(rows)
    for text in ("p", "pa", "par", "pars", "parse", "parser 1", "parser 12"):
        view.query = Query.parse(text)
    assert len(view) == sum("12" in f"Session {i} " for i in range(20_000))
    assert list(view) == list(SessionRows(rows, query=Query.parse("parser 12")))


async def test_down_arrow_goes_to_the_list(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await paste_search(pilot, "the")
        await pilot.press("down")
        assert app.main.session_list.has_focus and app.main.search_bar.text == "the"
        await pilot.press("j")
        assert cursor_id(app) == "aaaa00000003"
        await pilot.press("slash")  # back to the line, the text kept
        assert app.main.search_bar.input.has_focus and app.main.search_bar.text == "the"


#: A stand-in for a first build over a huge store: it never ends by itself.
ENDLESS_INDEXER = """
import time
for done in range(10**6):
    print(f"progress {done} 1000000", flush=True)
    time.sleep(0.005)
"""


async def test_quitting_stops_a_first_index_build(store: SessionStore) -> None:
    """A first build over a huge store is still running in its child process when the user
    quits: the child is stopped and the app exits at once instead of waiting for it."""
    import signal
    import sys

    app = make_app(store)
    app.main.search_panel.index.command = [sys.executable, "-c", ENDLESS_INDEXER]
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("slash")
        await wait_until(pilot, lambda: app.main.search_panel.index.progress is not None,
                         what="the build")
        await pilot.press("escape", "q")
    child = app.main.search_panel.index.process  # endless: only a signal from the app ends it
    assert child is not None and child.wait(60) in (-signal.SIGTERM, -signal.SIGKILL)


async def test_quitting_stops_an_index_refresh_in_this_process(
    store: SessionStore, monkeypatch: Any
) -> None:
    """The same without a child (`index_in_child=False`, and the live updates' refreshes):
    the build stops at its next progress report."""
    import time as clock

    from api.search import SearchIndex

    stopped = threading.Event()

    def endless(self: SearchIndex, progress: Any = None, only: Any = None) -> Any:
        try:
            for done in range(10**6):
                progress(done, 10**6)
                clock.sleep(0.005)
        finally:
            stopped.set()

    monkeypatch.setattr(SearchIndex, "refresh", endless)
    app = make_app(store, index_in_child=False)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("slash")
        await wait_until(pilot, lambda: app.main.search_panel.index.progress is not None,
                         what="the build")
        await pilot.press("escape", "q")
    assert stopped.wait(60), "the endless refresh was never stopped"


async def test_keys_in_one_burst_behind_slash_or_r_are_not_lost(store: SessionStore) -> None:
    """Keys that arrive together (a paste, a slow ssh link) are queued before `/` or `r` has
    acted: they must land in the search line or the rename editor, never in the list."""
    from textual import events

    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        for key, char in [("slash", "/"), ("p", "p"), ("l", "l"), ("a", "a")]:
            app.post_message(events.Key(key, char))
        await wait_until(pilot, lambda: app.main.search_bar.text == "pla", what="typed text")
        assert shown_ids(app) == ["aaaa00000003"] and app.edits.pending == 0  # nothing pinned
        await pilot.press("escape")
        for key, char in [("r", "r"), ("a", "a"), ("p", "p"), ("/", "/")]:
            app.post_message(events.Key("slash" if char == "/" else key, char))
        await wait_until(pilot, lambda: app.main.editor.value == "ap/", what="typed title")
        assert app.edits.pending == 0 and not app.main.search_bar.is_open
        # The test ends with the editor open: the app must close cleanly all the same.


async def test_typing_holds_the_collector_back_only_while_typing(
    store: SessionStore, monkeypatch: Any
) -> None:
    """The cyclic garbage collector waits while filter keys are typed (its walk over a big
    view would land in the keystroke's frame), and is always given back: when typing pauses,
    and when the app closes in the middle of typing."""
    import tui.screens.main

    # Each key holds it for GC_HOLD_SECONDS: an hour while "typing" (no runner is slow enough
    # to end it between two keys), a moment for the key after which typing pauses.
    monkeypatch.setattr(tui.screens.main, "GC_HOLD_SECONDS", 3600.0)
    assert gc.isenabled()
    app = make_app(store)
    async with app.run_test(size=(120, 24)) as pilot:
        await loaded(pilot)
        await pilot.press("slash", "p")
        assert not gc.isenabled()
        await pilot.press("l")
        assert not gc.isenabled()
        assert shown_ids(app) == ["aaaa00000003", "aaaa00000007"]  # "Plan…", "…/deeply/…"
        monkeypatch.setattr(tui.screens.main, "GC_HOLD_SECONDS", 0.01)
        await pilot.press("a")
        await wait_until(pilot, gc.isenabled, what="the collector back after a pause")
        monkeypatch.setattr(tui.screens.main, "GC_HOLD_SECONDS", 3600.0)
        await pilot.press("n")
        assert not gc.isenabled()  # typing again, and the app closes in the middle of it
    assert gc.isenabled()
