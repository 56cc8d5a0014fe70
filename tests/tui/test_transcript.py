"""The transcript screen: what it shows, its keys, the edits it asks the app for, bad input, and
a 5,000-message session. A bare app pushes the screen (as the session browser does on Enter)
and records the `EditRequested` messages it receives; clock and time zone are frozen."""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from rich.style import Style
from textual import constants, on
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Static
from tui_helpers import MIN, NOW

from api.models import Session
from api.store import SessionStore
from tui.screens.transcript import TranscriptScreen
from tui.widgets.transcript_layout import TranscriptLayout
from tui.widgets.transcript_model import (
    CHUNK_CHARS,
    LIVE_KINDS,
    build_transcript,
    split_markdown,
    split_plain,
)
from tui.widgets.transcript_view import TranscriptView

SnapCompare = Callable[..., bool]

SID = "tx0000000001"
TITLE = "Fix the login redirect loop"

HOSTILE = (
    "[b]not bold[/b] [@click=app.quit]not a link[/] \x1b[2J\x1b]52;c;aGk=\x07 "
    "and [a markdown link](app.quit)"
)

MESSAGES: list[dict[str, Any]] = [
    {"role": "user", "timestamp": NOW - 30 * MIN,
     "content": "Why does `/login` redirect forever?\n\nIt started after the **session** change."},
    {"role": "assistant", "timestamp": NOW - 29 * MIN,
     "content": [{"type": "text", "text": "Let me read the handler."}],
     "reasoning": "The redirect likely comes from the middleware.",
     "tool_calls": [{"id": "call_1", "type": "function", "function": {
         "name": "read_file", "arguments": '{"path": "auth/views.py", "lines": [1, 40]}'}}]},
    {"role": "tool", "tool_call_id": "call_1", "name": "read_file", "_ts": NOW - 29 * MIN,
     "content": "def login(request):\n    if request.user:\n        return redirect('/login')\n"},
    {"role": "assistant", "timestamp": NOW - 28 * MIN,
     "content": "The view redirects to itself. Send signed-in users home:\n\n```python\n"
                "def login(request):\n    if request.user.is_authenticated:\n"
                "        return redirect(\"/\")\n    return render(request, \"login.html\")\n```"
                "\n\nThen add a test for it."},
    {"role": "user", "timestamp": NOW - 5 * MIN, "content": HOSTILE},
    {"role": "assistant", "timestamp": NOW - 3 * MIN, "content": "Done: both are fixed."},
]


def save(store: SessionStore, sid: str, messages: Any, title: str = TITLE, **fields: Any) -> None:
    fields.setdefault("model", "openai/gpt-5")
    fields.setdefault("workspace", "/home/dev/code/auth-service")
    store.save(Session(session_id=sid, title=title, messages=messages,
                       created_at=NOW - 2 * 3600, updated_at=NOW - 3 * MIN, **fields),
               touch=False)


@pytest.fixture
def tstore(tmp_path: Path) -> SessionStore:
    folder = tmp_path / "sessions"
    folder.mkdir()
    store = SessionStore(folder)
    save(store, SID, MESSAGES)
    return store


class TranscriptApp(App[None]):
    """Opens one transcript over a placeholder list screen, records edit requests."""

    def __init__(self, store: SessionStore, sid: str = SID, **kwargs: Any) -> None:
        super().__init__()
        self.store = store
        self.sid = sid
        kwargs.setdefault("clock", lambda: NOW)
        kwargs.setdefault("tz", UTC)
        self.kwargs = kwargs
        self.requests: list[TranscriptScreen.EditRequested] = []

    def compose(self) -> ComposeResult:
        yield Static("the session list", id="list")

    def on_mount(self) -> None:
        self.push_screen(TranscriptScreen(self.store, self.sid, **self.kwargs))

    @on(TranscriptScreen.EditRequested)
    def edit_requested(self, message: TranscriptScreen.EditRequested) -> None:
        self.requests.append(message)


async def opened(pilot: Pilot[None]) -> TranscriptScreen:
    """Wait until the transcript is read and drawn; returns the screen."""
    app = pilot.app
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, TranscriptScreen)
    return screen


def shown(screen: TranscriptScreen) -> list[str]:
    """The view's lines as a person sees them (the first two cells are the cursor bar)."""
    return screen.view.visible_lines()


def screen_text(app: App[None]) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def one_liners(store: SessionStore, sid: str, count: int) -> TranscriptApp:
    """A session of `count` one-line messages ("line 0", "line 1"...), and an app opening it."""
    save(store, sid, [{"role": "user", "content": f"line {i}"} for i in range(count)])
    return TranscriptApp(store, sid)


def line_with(lines: list[str], text: str) -> int:
    for index, line in enumerate(lines):
        if text in line:
            return index
    raise AssertionError(f"{text!r} not on screen:\n" + "\n".join(lines))


# ── what it shows ────────────────────────────────────────────────────────────


async def test_messages_with_role_time_markdown_and_parts(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore)
    async with app.run_test(size=(110, 40)) as pilot:
        screen = await opened(pilot)
        assert screen.loaded and screen.error is None
        lines = shown(screen)
        first = lines[line_with(lines, "#1")]
        assert first.split()[:2] == ["▌", "user"]  # the cursor starts on the first message
        assert "2026-11-18 10:36 · 30 min ago" in first
        # Markdown: inline code and bold lose their markers, the paragraph break stays.
        assert any("Why does /login redirect forever?" in line for line in lines)
        # Content given as a list of parts.
        assert any("Let me read the handler." in line for line in lines)
        # A code block, highlighted (its own background, Python tokens coloured).
        code = line_with(lines, "if request.user.is_authenticated:")
        strip = screen.view.render_line(code)
        colours = {seg.style.color for seg in strip if seg.style and seg.style.color}
        assert len(colours) >= 2
        # Tool call, tool result and reasoning are one collapsed line each.
        call = lines[line_with(lines, "tool call read_file")]
        assert "▸" in call and '{"path": "auth/views.py", "lines": [1, 40]}' in call
        result = lines[line_with(lines, "tool result read_file")]
        assert "def login(request):" in result and "3 lines" in result
        assert "29 min ago" in result  # a tool message has its time too
        assert "▸ reasoning" in lines[line_with(lines, "reasoning")]
        assert not any("return redirect('/login')" in line for line in lines)
        # The header: title, model, workspace, message count.
        text = screen_text(app)
        assert TITLE in text
        assert "openai/gpt-5  ·  /home/dev/code/auth-service  ·  6 messages" in text


async def test_loading_happens_off_the_ui_thread(
    tstore: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[threading.Thread] = []
    real = tstore.load

    def load(sid: str) -> Session:
        threads.append(threading.current_thread())
        return real(sid)

    monkeypatch.setattr(tstore, "load", load)
    app = TranscriptApp(tstore)
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(pilot)
        assert threads and all(t is not threading.main_thread() for t in threads)


async def test_opens_at_a_message_index(tstore: SessionStore) -> None:
    """Search results open the transcript at the matching message, highlighted."""
    app = TranscriptApp(tstore, message_index=3)
    async with app.run_test(size=(100, 16)) as pilot:
        screen = await opened(pilot)
        view = screen.view
        assert view.cursor_message == 3
        lines = shown(screen)
        top = next(line for line in lines if line.strip())
        assert top.startswith("▌ assistant") and "#4" in top
        assert "#1" not in "\n".join(lines)
        assert view.scroll_offset.y > 0


async def test_message_index_out_of_range_opens_at_the_start(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore, message_index=999)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        assert screen.view.cursor_message == 0 and screen.view.scroll_offset.y == 0


async def test_enter_and_space_expand_and_collapse_a_tool_line(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await opened(pilot)
        view = screen.view
        await pilot.press("n")  # the assistant message
        await pilot.press("j", "j")  # its reasoning line, then its tool call line
        assert view.cursor_entry is not None and view.cursor_entry.kind == "call"
        await pilot.press("enter")
        lines = shown(screen)
        assert "▾ tool call read_file" in lines[line_with(lines, "tool call")]
        assert any(line[2:].strip() == '"path": "auth/views.py",' for line in lines)  # pretty
        await pilot.press("enter")
        lines = shown(screen)
        assert "▸ tool call read_file" in lines[line_with(lines, "tool call")]
        assert not any(line[2:].strip() == '"path": "auth/views.py",' for line in lines)
        await pilot.press("j", "space")  # the tool result
        lines = shown(screen)
        assert any("return redirect('/login')" in line for line in lines)
        await pilot.press("space")
        assert not any("return redirect('/login')" in line for line in shown(screen))


async def test_click_on_a_tool_line_toggles_it(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await opened(pilot)
        lines = shown(screen)
        y = line_with(lines, "tool result read_file")
        await pilot.click(TranscriptView, offset=(10, y))
        assert screen.view.cursor_entry is not None
        assert screen.view.cursor_entry.kind == "result"
        assert any("return redirect('/login')" in line for line in shown(screen))
        await pilot.click(TranscriptView, offset=(10, y))
        assert not any("return redirect('/login')" in line for line in shown(screen))


async def test_next_and_previous_message(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore)
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await opened(pilot)
        view = screen.view
        await pilot.press("n")
        assert view.cursor_message == 1
        await pilot.press("right_square_bracket", "n")
        assert view.cursor_message == 3
        await pilot.press("N")
        assert view.cursor_message == 2
        await pilot.press("left_square_bracket")
        assert view.cursor_message == 1
        await pilot.press("end")
        assert view.cursor_message == 5
        await pilot.press("home")
        assert view.cursor_message == 0 and view.scroll_offset.y == 0
        await pilot.press("down", "down")
        assert view.cursor_message == 1


async def test_escape_goes_back(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore)
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TranscriptScreen)
        assert "the session list" in screen_text(app)


# ── edits go to the app ──────────────────────────────────────────────────────


async def test_pin_and_archive_post_edit_requests_and_write_nothing(
    tstore: SessionStore,
) -> None:
    before = (tstore.directory / f"{SID}.json").read_bytes()
    app = TranscriptApp(tstore)
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(pilot)
        await pilot.press("p", "a")
        await pilot.pause()
        assert [(m.session_id, m.action, m.title) for m in app.requests] == [
            (SID, "toggle_pin", None), (SID, "toggle_archive", None),
        ]
    assert (tstore.directory / f"{SID}.json").read_bytes() == before


async def test_rename_inline_posts_the_new_title(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        editor = screen.editor
        await pilot.press("r")
        assert editor.is_open and editor.has_focus
        assert editor.value == TITLE
        assert editor.selected_text == TITLE  # all selected: typing replaces it
        assert editor.region.y == screen.title_bar.region.y  # over the header's title
        await pilot.press(*"New  title", "p", "a")  # p and a type, they do not pin/archive
        await pilot.press("enter")
        await pilot.pause()
        assert [(m.session_id, m.action, m.title) for m in app.requests] == [
            (SID, "rename", "New titlepa"),
        ]
        assert not editor.is_open and screen.view.has_focus
        # F2 opens it too; Escape cancels without a request and stays on the transcript.
        await pilot.press("f2")
        assert editor.is_open
        await pilot.press("escape")
        await pilot.pause()
        assert not editor.is_open and isinstance(app.screen, TranscriptScreen)
        assert len(app.requests) == 1


async def test_rename_refuses_an_empty_title(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        await pilot.press("r", "backspace", "space", "enter")
        await pilot.pause()
        assert screen.editor.is_open and not app.requests
        assert any("cannot be empty" in n.message for n in app._notifications)
        await pilot.press("escape")
        await pilot.press("r", "enter")  # Enter on the unchanged title: nothing to do
        await pilot.pause()
        assert not screen.editor.is_open and not app.requests


async def test_show_row_refreshes_the_header(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        screen.show_row({"session_id": SID, "title": "[b]Renamed[/b] \x1b[2J", "pinned": True,
                         "archived": True, "model": "anthropic/claude", "workspace": "/w",
                         "message_count": 6})
        screen.show_row({"session_id": "someoneelse1", "title": "not this one"})
        await pilot.pause()
        text = screen_text(app)
        assert "[b]Renamed[/b] ␛[2J" in text
        assert "★ pinned  ·  ⊖ archived  ·  anthropic/claude  ·  /w  ·  6 messages" in text
        assert "not this one" not in text


# ── bad input ────────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("sid", "setup", "reason"),
    [
        ("txcorrupt001", lambda p: p.write_text("{not json"), "not valid JSON"),
        ("txmissing001", lambda p: None, "its file does not exist"),
        ("txnotdict001", lambda p: p.write_text("[1, 2]"), "not a JSON object"),
    ],
)
async def test_unreadable_session_is_a_message_not_a_crash(
    tstore: SessionStore, sid: str, setup: Callable[[Path], None], reason: str
) -> None:
    setup(tstore.directory / f"{sid}.json")
    app = TranscriptApp(tstore, sid)
    async with app.run_test(size=(100, 20)) as pilot:
        screen = await opened(pilot)
        assert screen.error is not None and not screen.loaded
        text = screen_text(app)
        assert "Could not open this session" in text and reason in text
        assert "Traceback" not in text and "unreadable" in text
        await pilot.press("j", "k", "n", "enter", "end", "pagedown")  # keys do nothing harmful
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, TranscriptScreen)


async def test_session_deleted_while_open_keeps_the_transcript(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore)
    async with app.run_test(size=(100, 20)) as pilot:
        screen = await opened(pilot)
        (tstore.directory / f"{SID}.json").unlink()
        screen.reload()
        await opened(pilot)
        assert screen.loaded and "#1" in "\n".join(shown(screen))
        assert any("does not exist" in n.message for n in app._notifications)


async def test_reload_keeps_the_cursor_and_shows_new_messages(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore, message_index=3)
    async with app.run_test(size=(100, 20)) as pilot:
        screen = await opened(pilot)
        save(tstore, SID, [*MESSAGES, {"role": "user", "content": "One more thing"}])
        screen.reload()
        await opened(pilot)
        assert screen.view.cursor_message == 3
        assert "7 messages" in screen_text(app)
        await pilot.press("end")
        assert any("One more thing" in line for line in shown(screen))


async def test_markup_escapes_and_links_are_inert(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore, message_index=4)
    async with app.run_test(size=(140, 20)) as pilot:
        screen = await opened(pilot)
        view = screen.view
        lines = shown(screen)
        line = lines[line_with(lines, "not bold")]
        assert "[b]not bold[/b] [@click=app.quit]not a link[/]" in line
        assert "␛[2J␛]52;c;aGk=␇" in line
        assert "a markdown link (app.quit)" in line  # a link is text, not a hyperlink
        for y in range(view.size.height):
            for seg in view.render_line(y):
                assert "\x1b" not in seg.text and "\x07" not in seg.text
                style = seg.style or Style()
                assert not style.link and not style.meta
        await pilot.click(TranscriptView, offset=(60, line_with(lines, "not bold")))
        assert app.is_running and isinstance(app.screen, TranscriptScreen)
        text = screen_text(app)
        assert "\x1b" not in text


JUNK: list[Any] = [
    1,
    "a bare string",
    None,
    {"role": 5, "content": {"a": 1}, "timestamp": "yesterday"},
    {"role": "user", "content": "x" * 200_000},
    {"role": "assistant", "content": [{"type": "image_url", "image_url": {}}, 3,
                                      {"type": "text", "text": "after the image"}]},
    {"role": "tool", "content": None},
    {"role": "assistant", "tool_calls": "not a list", "content": ""},
    {"role": "assistant", "content": "calls", "tool_calls": [
        5, {"function": "x"}, {"function": {"name": "\x1b[31mred", "arguments": {"a": [1]}}}]},
    {"role": "\u202eevil\x1b[2J", "content": "role with controls", "timestamp": 1e300},
    {"role": "assistant", "content": "```\nunclosed fence\n" + "code line\n" * 3000},
]


async def test_junk_messages_render_without_crashing(tstore: SessionStore) -> None:
    save(tstore, "txjunk000001", JUNK)
    app = TranscriptApp(tstore, "txjunk000001")
    async with app.run_test(size=(100, 60)) as pilot:
        screen = await opened(pilot)
        view = screen.view
        assert screen.loaded and screen.view.transcript is not None
        text = "\n".join(shown(screen))
        assert "[not a message object: a JSON number]" in text
        assert "[not a message object: a JSON string]" in text
        assert "[not a message object: a JSON null]" in text
        assert "[content of an unexpected type (dict) not shown]" in text
        for index in range(len(JUNK)):
            assert view.go_to_message(index)
            await pilot.pause()
            await pilot.press("enter", "pagedown")
        text = "\n".join(shown(screen))
        assert "\x1b" not in text and "\u202e" not in text
        view.go_to_message(5)
        text = "\n".join(shown(screen))
        assert "after the image" in text and "[1 image_url, 1 unreadable parts not shown]" in text
        view.go_to_message(8)
        await pilot.pause()
        text = "\n".join(shown(screen))
        assert "tool call ?" in text and "tool call ␛[31mred" in text
        view.go_to_message(9)
        text = "\n".join(shown(screen))
        assert "evil␛[2J" in text  # the bidi override is a replacement character
        await pilot.press("end")
        assert "code line" in "\n".join(shown(screen))


async def test_huge_message_renders_only_what_is_visible(tstore: SessionStore) -> None:
    huge = "\n\n".join(f"Paragraph {i}: " + "words " * 60 for i in range(3000))  # ~1 MB
    save(tstore, "txhuge000001", [{"role": "assistant", "content": huge}])
    app = TranscriptApp(tstore, "txhuge000001")
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await opened(pilot)
        view = screen.view
        assert view.transcript is not None and len(view.transcript.blocks) > 100
        assert view.rendered_blocks < 10
        assert any("Paragraph 0:" in line for line in shown(screen))
        await pilot.press("end")
        assert any("Paragraph 2999:" in line for line in shown(screen))
        assert view.rendered_blocks < 20


async def test_five_thousand_messages(tstore: SessionStore) -> None:
    """Opens at the first message having rendered only what is on screen; End, n, and a
    message index deep inside work the same way."""
    messages = [
        {"role": ("user", "assistant")[i % 2], "timestamp": NOW - (5000 - i) * 60,
         "content": f"Message number {i}\n\n```python\nprint({i})\n```" if i % 2
         else f"Question number {i}: " + "why " * (i % 50)}
        for i in range(5000)
    ]
    save(tstore, "tx5000000001", messages, title="Five thousand")
    app = TranscriptApp(tstore, "tx5000000001")
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await opened(pilot)
        view = screen.view
        assert view.transcript is not None and view.transcript.message_count == 5000
        assert "5,000 messages" in screen_text(app)
        lines = shown(screen)
        assert lines[0].startswith("▌ user") and "#1" in lines[0]
        assert any("Message number 1" in line for line in lines)
        assert view.rendered_blocks < 40  # what is on screen, not 5,000 messages
        await pilot.press("end")
        lines = shown(screen)
        assert any("print(4999)" in line for line in lines)
        assert view.cursor_message == 4999
        await pilot.press("home", "n", "n")
        assert view.cursor_message == 2
        assert view.rendered_blocks < 80
    app = TranscriptApp(tstore, "tx5000000001", message_index=2500)
    async with app.run_test(size=(120, 35)) as pilot:
        screen = await opened(pilot)
        lines = shown(screen)
        assert screen.view.cursor_message == 2500
        assert "#2501" in next(line for line in lines if line.strip())


async def test_scrolling_never_jumps(tstore: SessionStore) -> None:
    """Heights of blocks not yet seen are guesses; scrolling one line at a time (the wheel,
    the scrollbar) must still move the text by exactly one line, up and down, wherever the
    guesses were wrong."""
    messages = []
    for i in range(90):
        body = f"Reply {i}. " + "Some prose that wraps around. " * (i % 13)
        if i % 3 == 0:
            body += "\n\n```python\n" + "\n".join(f"x{j} = {j}" for j in range(i % 9)) + "\n```"
        if i % 4 == 0:
            body += "\n\n- one\n- two\n\n> quoted"
        messages.append({"role": ("user", "assistant")[i % 2], "content": body})
    save(tstore, "txscroll0001", messages)
    app = TranscriptApp(tstore, "txscroll0001")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        view = screen.view

        def frame() -> list[str]:
            return [line[2:] for line in view.visible_lines()]  # without the cursor bar

        await pilot.press("end")
        previous = frame()
        steps = 0
        while view.scroll_offset.y > 0:
            view.scroll_to(y=view.scroll_y - 1, animate=False)
            current = frame()
            assert current[1:] == previous[:-1], f"jump at step {steps}"
            previous = current
            steps += 1
        assert steps > 100
        while view.scroll_offset.y < view.max_scroll_y:
            view.scroll_to(y=view.scroll_y + 1, animate=False)
            current = frame()
            assert current[:-1] == previous[1:]
            previous = current


async def test_page_keys_move_by_a_screen(tstore: SessionStore) -> None:
    app = one_liners(tstore, "txpages00001", 200)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        view = screen.view
        page = view.scrollable_content_region.height
        await pilot.press("pagedown")
        assert view.scroll_offset.y == page
        start = view.cursor_entry
        assert start is not None
        lines = shown(screen)
        assert lines[line_with(lines, f"#{start.message + 1}")].startswith("▌")
        await pilot.press("pageup")
        assert view.scroll_offset.y == 0 and view.cursor == 0
        await pilot.press("j", "j", "k")
        assert view.cursor_message == 1


async def test_resize_and_theme_keep_the_place(tstore: SessionStore) -> None:
    app = TranscriptApp(tstore, message_index=3)
    async with app.run_test(size=(100, 16)) as pilot:
        screen = await opened(pilot)
        view = screen.view
        await pilot.resize_terminal(60, 16)
        await pilot.pause()
        lines = shown(screen)
        assert view.cursor_message == 3
        assert "#4" in next(line for line in lines if line.strip())
        assert all(len(line) <= 59 for line in lines)
        app.theme = "textual-light"
        await pilot.pause()
        assert view.cursor_message == 3 and "#4" in "\n".join(shown(screen))
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert any("Send signed-in users home:" in line for line in shown(screen))
        await pilot.resize_terminal(12, 7)  # absurdly small: still no crash
        await pilot.press("j", "enter", "n", "end", "pageup")
        await pilot.pause()
        assert app.is_running


@pytest.mark.parametrize(
    ("messages", "expected"),
    [([], "This session has no messages."),
     ({"not": "a list"}, "This session's messages are unreadable (a JSON object).")],
)
async def test_empty_or_unreadable_message_list(
    tstore: SessionStore, messages: Any, expected: str
) -> None:
    save(tstore, "txempty00001", messages)
    app = TranscriptApp(tstore, "txempty00001")
    async with app.run_test(size=(100, 12)) as pilot:
        screen = await opened(pilot)
        assert screen.loaded
        assert expected in screen_text(app)
        await pilot.press("j", "enter", "n", "N", "end", "home", "pagedown")
        assert app.is_running


async def test_header_shows_the_row_given_before_mount(tstore: SessionStore) -> None:
    """The app passes the row it has (and may call `show_row` at once): the header shows it
    while the file is read, and its fields win over the file's (they hold pending edits)."""

    class RowApp(App[None]):
        def on_mount(self) -> None:
            screen = TranscriptScreen(
                tstore, SID, clock=lambda: NOW, tz=UTC,
                row={"session_id": SID, "title": "From the row", "pinned": False},
            )
            screen.show_row({"session_id": SID, "title": "From the row", "pinned": True})
            self.push_screen(screen)

    app = RowApp()
    async with app.run_test(size=(100, 12)) as pilot:
        await opened(pilot)
        text = screen_text(app)
        assert "From the row" in text and "★ pinned" in text and "6 messages" in text


async def test_keys_move_from_what_the_wheel_shows(tstore: SessionStore) -> None:
    app = one_liners(tstore, "txwheel00001", 100)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot)
        view = screen.view
        view.scroll_to(y=45, animate=False)  # as the wheel or the scrollbar would
        await pilot.pause()
        assert view.cursor == 0
        await pilot.press("j")
        entry = view.cursor_entry
        assert entry is not None and 14 <= entry.message <= 25
        assert 40 <= view.scroll_offset.y <= 50


# ── terminal settings ────────────────────────────────────────────────────────


def screen_colours(app: App[None]) -> set[tuple[int, int, int]]:
    """Every colour on screen, as (r, g, b)."""
    colours = set()
    for strip in app.screen._compositor.render_strips():
        for seg in strip:
            for colour in (seg.style.color, seg.style.bgcolor) if seg.style else ():
                if colour is not None:
                    colours.add(tuple(colour.get_truecolor()))
    return colours


async def test_no_color_shows_the_transcript_in_grey(
    tstore: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR=1 (read by the app as it is built): Textual draws every line through its
    monochrome filter, which needs a style on every segment; a session opens, reads, expands
    and scrolls, all in shades of grey (issue 12: every transcript crashed)."""
    monkeypatch.setenv("NO_COLOR", "1")
    save(tstore, "txempty00001", [])
    for sid, expected in [(SID, "Why does /login redirect forever?"),
                          ("txempty00001", "This session has no messages."),
                          ("txmissing001", "its file does not exist")]:
        app = TranscriptApp(tstore, sid)
        async with app.run_test(size=(100, 30)) as pilot:
            await opened(pilot)
            assert expected in screen_text(app)
            await pilot.press("n", "j", "j", "enter", "end", "home", "pagedown")
            await pilot.pause()
            assert app.is_running and isinstance(app.screen, TranscriptScreen)
            if sid == SID:
                assert '"path": "auth/views.py",' in screen_text(app)  # the call, expanded
            colours = screen_colours(app)
            assert colours and all(r == g == b for r, g, b in colours)


async def test_dim_filter_shows_the_transcript(
    tstore: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TEXTUAL_FILTERS=dim (read when Textual is imported, so set on its constants): the dim
    filter blends every dim segment with its colours, which must be there."""
    monkeypatch.setattr(constants, "FILTERS", "dim")
    app = TranscriptApp(tstore)
    async with app.run_test(size=(100, 30)) as pilot:
        await opened(pilot)
        await pilot.press("n", "j", "j", "enter", "end")
        await pilot.pause()
        assert app.is_running and "Done: both are fixed." in screen_text(app)


# ── the model ────────────────────────────────────────────────────────────────


def test_split_markdown_keeps_fences_and_size() -> None:
    paragraphs = []
    for i in range(100):
        paragraphs.append(f"Paragraph {i} " + "word " * 80)
        if i % 5 == 0:
            paragraphs.append("```python\n\nx = 1\n\ny = 2\n```")  # blank lines inside
    text = "\n\n".join(paragraphs)
    chunks = split_markdown(text)
    assert len(chunks) > 5
    assert "\n\n".join(chunk for chunk, _ in chunks) == text
    for chunk, gap in chunks[:-1]:
        assert len(chunk) < 2 * CHUNK_CHARS and gap
        assert chunk.count("```") % 2 == 0  # never cut inside a fence
    # A fence too long for one chunk is closed and reopened; a runaway line is cut.
    for chunk, _ in split_markdown("```sh\n" + "line\n" * 10_000 + "```"):
        assert chunk.startswith("```") and chunk.endswith("```")
    assert max(len(c) for c, _ in split_markdown("y" * 1_000_000)) <= 4 * CHUNK_CHARS
    lines = "\n".join(f"line {i}" for i in range(1000))
    pieces = split_plain(lines, 100)
    assert "\n".join(pieces) == lines and all(len(p) <= 100 for p in pieces)


def test_model_of_a_hermes_session() -> None:
    t = build_transcript(MESSAGES)
    assert t.message_count == 6
    kinds = [(e.message, e.kind) for e in t.entries]
    assert kinds == [(0, "message"), (1, "message"), (1, "reasoning"), (1, "call"),
                     (2, "result"), (3, "message"), (4, "message"), (5, "message")]
    assert t.entries[3].summary() == ("read_file", '{"path": "auth/views.py", "lines": [1, 40]}',
                                      "")
    assert build_transcript({"messages": "no"}).notice is not None
    assert build_transcript(None).message_count == 0


def test_layout_walks_exactly_over_wrong_estimates() -> None:
    """The engine alone (no Textual: lines are strings here): blocks whose estimated height is
    wrong are measured as the view walks onto them, so scrolling up one line at a time from
    the end passes every line of the transcript once, none skipped, none twice."""
    transcript = build_transcript(
        [{"role": "user", "content": f"message {i}\n\n" + "word " * (i * 13 % 40)}
         for i in range(40)]
    )

    def render(block: int) -> list[str]:  # true heights, unlike the estimates
        return [f"{block}:{line}" for line in range(block * 7 % 5 + 1)]

    flow: TranscriptLayout[str] = TranscriptLayout(render)
    flow.reset(transcript)
    flow.reflow(30)
    page = 10
    flow.measure_last(page)
    top = flow.total - page
    assert flow.fill(top, page) is None  # the end fills the view exactly
    seen = [flow.locate(top)]
    while top > 0:
        top = flow.moved(top, -1)
        seen.append(flow.locate(top))
    content = [(b, line) for b in range(len(transcript.blocks)) for line in range(flow.measure(b))]
    assert seen[::-1] == content[: len(seen)] and len(seen) == flow.total - page + 1
    assert flow.rendered == sum(1 for b in transcript.blocks if b.kind not in LIVE_KINDS)


def test_model_and_layout_need_no_textual() -> None:
    """The model, its text helpers and the layout engine import no Textual (directly or
    through the modules of ours they import): they are testable and usable without a UI."""
    root = Path(__file__).resolve().parents[2]
    todo = ["tui.widgets.transcript_model", "tui.widgets.transcript_text",
            "tui.widgets.transcript_layout"]
    seen: set[str] = set()
    offenders: list[str] = []
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = root / module.replace(".", "/")
        tree = ast.parse((path / "__init__.py" if path.is_dir() else path.with_suffix(".py"))
                         .read_text())
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module
                     else [])
            for name in names:
                if name.split(".")[0] == "textual":
                    offenders.append(f"{module}: {name}")
                elif name.split(".")[0] in ("tui", "api"):
                    todo.append(name)
    assert "tui.text" in seen and not offenders


# ── snapshots ────────────────────────────────────────────────────────────────


def after(*keys: str) -> Callable[[Pilot[None]], Any]:
    """Wait for the transcript, then press `keys`."""

    async def run_before(pilot: Pilot[None]) -> None:
        await opened(pilot)
        if keys:
            await pilot.press(*keys)
            await pilot.pause()

    return run_before


def test_snapshot_transcript(snap_compare: SnapCompare, tstore: SessionStore) -> None:
    """Roles and times, Markdown with a highlighted code block, tool lines collapsed, the
    hostile message literal; the header with title, model, workspace, count."""
    assert snap_compare(TranscriptApp(tstore), terminal_size=(100, 36), run_before=after())


def test_snapshot_tool_call_expanded(snap_compare: SnapCompare, tstore: SessionStore) -> None:
    """The cursor on the tool call, expanded: its arguments as highlighted JSON."""
    assert snap_compare(
        TranscriptApp(tstore), terminal_size=(100, 36), run_before=after("n", "j", "j", "enter")
    )


def test_snapshot_narrow(snap_compare: SnapCompare, tstore: SessionStore) -> None:
    """60 columns: headers drop the absolute time where it does not fit, text wraps."""
    assert snap_compare(TranscriptApp(tstore), terminal_size=(60, 36), run_before=after())


def test_snapshot_no_color(
    snap_compare: SnapCompare, tstore: SessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_COLOR=1, set before the app is built (Textual reads it then): the transcript with
    the tool call expanded, in shades of grey; bold and italic still tell roles apart."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert snap_compare(
        TranscriptApp(tstore), terminal_size=(100, 36), run_before=after("n", "j", "j", "enter")
    )
