"""Keys that arrive in one burst (a fast typist, a laggy SSH link): issue #12, items 4 and 5.

A burst is what the terminal driver does with one read: the bytes go through Textual's own
parser (`XTermParser`) and every key it yields is posted to the app at once, before the app
has handled the first. `Pilot.press` cannot do that: it waits for the app after each key.
"""

from __future__ import annotations

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.command import CommandPalette
from textual.pilot import Pilot
from tui_helpers import loaded, make_app, notifications, read_record, settled, wait_until

from api.store import SessionStore
from tui.app import SessionBrowser
from tui.screens.transcript import TranscriptScreen
from tui.widgets.command_palette import GuardedCommandPalette


def parse(data: str) -> list[events.Key]:
    """The keys Textual's terminal parser makes of `data` read in one go (then end of input,
    which settles a trailing ESC as the parser's timeout would)."""
    parser = XTermParser()
    parsed = [*parser.feed(data), *parser.feed("")]
    return [event for event in parsed if isinstance(event, events.Key)]


async def burst(pilot: Pilot[None], data: str) -> None:
    """Post the keys of one read of `data`, as the driver does, then let the app run."""
    for key in parse(data):
        pilot.app.post_message(key)
    await pilot.pause()
    await pilot.pause(0.2)


# ── the command palette (item 4) ─────────────────────────────────────────────


async def test_palette_then_page_down_in_one_burst(store: SessionStore) -> None:
    """Textual 8.2.8: KeyError: 0 in OptionList._move_page, and the app died."""
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await burst(pilot, "\x10\x1b[6~")  # ctrl+p, PageDown
        assert isinstance(app.screen, GuardedCommandPalette)
        await burst(pilot, "\x1b[6~\x1b[5~")  # once laid out, the keys page as before
        assert isinstance(app.screen, GuardedCommandPalette)
        await pilot.press("escape")
        assert not isinstance(app.screen, CommandPalette)
    assert app.return_code in (0, None) and app._exception is None


async def test_palette_enter_enter_runs_one_command(store: SessionStore) -> None:
    """Textual 8.2.8: the second Enter dismissed the palette again: ScreenStackError over the
    list; the command ran twice (a pin, then an unpin)."""
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await burst(pilot, "\x10")
        await pilot.press(*"Pin")

        def pin_first() -> bool:  # matches come in batches: Enter waits for the best one
            found = app.screen.query_one("CommandList")
            return bool(found.option_count) and \
                str(found.get_option_at_index(0).prompt).split("\n")[0] == "Pin"

        await wait_until(pilot, pin_first, what="Pin, the palette's best match")
        await burst(pilot, "\r\r\r")
        await settled(pilot)
        assert not isinstance(app.screen, CommandPalette)
        assert app._exception is None
        # "Why is CI red on main?" was pinned: one Pin command ran, unpinning it.
        assert read_record(store, "aaaa00000002")["pinned"] is False


async def test_palette_enter_enter_over_a_transcript(store: SessionStore) -> None:
    """The second dismiss popped the screen under the palette: the transcript closed."""
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TranscriptScreen),
                         what="the transcript")
        await burst(pilot, "\x10\r\r")
        await pilot.pause(0.2)
        assert app._exception is None
        assert not isinstance(app.screen, CommandPalette)
        assert any(isinstance(screen, TranscriptScreen) for screen in app.screen_stack)


async def test_palette_keys_without_a_burst_still_work(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+p", *"Show archived")
        await wait_until(pilot, lambda: app.screen.query_one("CommandList").option_count > 0,
                         what="the palette's matches")
        await pilot.press("pagedown", "pageup", "down", "enter")
        await wait_until(pilot, lambda: app.main.rows.show_archived, what="archived shown")
        assert isinstance(app, SessionBrowser) and app.screen is app.screen_stack[0]


# ── Escape and a key in one burst (item 5) ───────────────────────────────────


def test_escape_and_a_key_read_together_are_alt_keys() -> None:
    """What the driver makes of the bytes: ESC + key is Alt+key (the terminal sends exactly
    these bytes for Alt+key), never a character to type."""
    assert [k.key for k in parse("rx\x1b-")] == ["r", "x", "alt+minus"]  # was en_dash "–"
    assert [k.key for k in parse("\x1b/")] == ["alt+slash"]  # was a plain slash
    assert [k.key for k in parse("\x1b1")] == ["alt+1"]  # was "¡"
    assert [k.key for k in parse("\x1bx")] == ["alt+x"]
    assert [k.key for k in parse("\x1b\r")] == ["alt+enter"]  # was Enter: it saved
    assert not any(k.is_printable for k in parse("\x1b-\x1b/\x1b1"))
    # Terminal sequences that start the same way are untouched, and so are characters
    # typed as themselves.
    assert [k.key for k in parse("\x1b[A\x1bOP\x1b[1;3D")] == ["up", "f1", "alt+left"]
    assert [(k.key, k.character) for k in parse("–£")] == [("en_dash", "–"),
                                                            ("pound_sign", "£")]
    assert [k.key for k in parse("\x1b")] == ["escape"]


async def test_escape_and_a_key_in_one_burst_cancel_the_rename(store: SessionStore) -> None:
    """`r`, `x`, then `Escape -` in one read saved "x–"."""
    app = make_app(store)
    before = read_record(store, "aaaa00000002")
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        for keys in ("rx\x1b-", "rx\x1b/", "rx\x1bq", "rx\x1b\r", "rx\x1b1"):
            await burst(pilot, keys)
            assert not app.main.editor.is_open, repr(keys)
            assert app.main.session_list.has_focus
        await settled(pilot)
        assert read_record(store, "aaaa00000002") == before
        assert app._exception is None


async def test_alt_key_pressed_alone_cancels_and_typed_symbols_stay(
    store: SessionStore,
) -> None:
    app = make_app(store)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("r", "x", "alt+minus")
        assert not app.main.editor.is_open
        # An en dash or a pound sign typed as such is text, not an Escape.
        await burst(pilot, "rCost £5 – ok\r")
        await settled(pilot)
        assert read_record(store, "aaaa00000002")["title"] == "Cost £5 – ok"
        assert not notifications(app)



async def palette_searching(pilot: Pilot[None], text: str) -> GuardedCommandPalette:
    """The palette opened with `ctrl+p` on the loaded app, `text` typed into it."""
    await loaded(pilot)
    await pilot.press("ctrl+p", *text)
    palette = pilot.app.screen
    assert isinstance(palette, GuardedCommandPalette)
    return palette


async def test_a_palette_closed_while_its_search_runs(store: SessionStore) -> None:
    """Found by the monkey: keys queued in the palette's input before an Escape closed it
    started a search, whose end filled the palette's list, gone by then (NoMatches, raised
    in a worker: the app died). Its last steps are run here on a closed palette."""
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        palette = await palette_searching(pilot, "pin")
        command_list = palette.query_one("CommandList")
        await pilot.press("escape")
        await wait_until(pilot, lambda: not palette.is_attached, what="the palette removed")
        palette._refresh_command_list(command_list, [], True)  # type: ignore[arg-type]
        palette._list_visible = not palette._list_visible
        await pilot.pause()
        assert app._exception is None and app.screen is app.screen_stack[0]


async def test_the_theme_palette_is_guarded_too(store: SessionStore) -> None:
    """Textual's "Theme" command opens a palette of its own: a burst there is safe too."""
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        app.search_themes()
        await pilot.pause()
        assert isinstance(app.screen, GuardedCommandPalette)
        await burst(pilot, "\x1b[6~\r\r\r")
        assert app._exception is None and app.screen is app.screen_stack[0]


async def test_reopening_the_palette_while_the_last_one_is_removed(store: SessionStore) -> None:
    """Found by the monkey: ctrl+p right after a palette closed, while Textual still removes
    it, made a second palette with the same id: DuplicateIds, and the app died."""
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("ctrl+p")
        closing = app.screen
        assert isinstance(closing, GuardedCommandPalette)
        closing.dismiss()  # off the stack at once; removed from the app a moment later
        app.action_command_palette()
        await pilot.pause()
        assert app._exception is None
        assert isinstance(app.screen, GuardedCommandPalette) and app.screen is not closing


async def test_a_palette_whose_list_is_gone_before_it_says_no_matches(
    store: SessionStore, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Found by the monkey: a search that found nothing starts a countdown to "No matches
    found"; the palette was being removed when it ended, its list gone already, and the end
    looked for the list (NoMatches: the app died). Here the list goes first, then it ends."""
    monkeypatch.setattr(CommandPalette, "_NO_MATCHES_COUNTDOWN", 0.05)
    app = make_app(store)
    async with app.run_test(size=(100, 30)) as pilot:
        palette = await palette_searching(pilot, "zzqx")
        palette._start_no_matches_countdown("zzqx")  # as the search's end does
        await palette.query_one("CommandList").remove()  # as the palette's removal does
        await pilot.pause(0.2)
        assert app._exception is None
        await pilot.press("escape")
        assert app.screen is app.screen_stack[0]
