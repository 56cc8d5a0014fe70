"""Handing a session on: its WebUI link, opening it where a browser can appear and showing the
link where none can (SSH, no display), and what `y` copies."""

from __future__ import annotations

import webbrowser
from typing import Any

import pytest

from api.handoff import session_url, webui_base
from tui.handoff import COPY_KINDS, copied_message, copy_text, open_session, open_url

X11 = {"DISPLAY": ":0"}


class StubBrowser:
    """A `webbrowser` controller that records what it was asked to open."""

    def __init__(self, answer: bool) -> None:
        self.answer = answer
        self.opened: list[tuple[str, int]] = []

    def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
        self.opened.append((url, new))
        return self.answer


def test_the_webui_address_as_hermes_reads_it() -> None:
    assert webui_base({}) == "http://127.0.0.1:8787"
    assert webui_base({"HERMES_WEBUI_HOST": "0.0.0.0", "HERMES_WEBUI_PORT": "9000"}) == (
        "http://127.0.0.1:9000")
    assert webui_base({"HERMES_WEBUI_HOST": "box.lan", "HERMES_WEBUI_TLS_CERT": "/c.pem"}) == (
        "https://box.lan:8787")
    assert webui_base({"HERMES_WEBUI_HOST": "::"}) == "http://[::1]:8787"
    assert webui_base({"HERMES_WEBUI_PORT": "1"}, url="box:9443/") == "http://box:9443"
    assert webui_base({}, url="https://h.example/hermes/") == "https://h.example/hermes"
    for bad in ({"HERMES_WEBUI_PORT": "99999"}, {"HERMES_WEBUI_PORT": "web"}):
        with pytest.raises(ValueError, match="HERMES_WEBUI_PORT is not a port number"):
            webui_base(bad)
    for url in ("ftp://h:1", "http://h:notaport", "http://"):
        with pytest.raises(ValueError, match="not a WebUI address"):
            webui_base({}, url=url)


def test_a_sessions_link() -> None:
    assert session_url("http://127.0.0.1:8787/", "a1b2c3d4e5f6") == (
        "http://127.0.0.1:8787/session/a1b2c3d4e5f6")
    with pytest.raises(ValueError, match="invalid session id"):
        session_url("http://h:1", "../etc")


def test_with_a_display_the_browser_opens_the_page_in_a_new_tab() -> None:
    browser = StubBrowser(True)
    opened = open_session("http://h:1", "abc", env=X11, platform="linux",
                          get_browser=lambda: browser)
    assert browser.opened == [("http://h:1/session/abc", 2)]
    assert opened.opened and opened.message == "Opened http://h:1/session/abc in the browser"


def test_over_ssh_without_a_display_the_link_is_shown_and_no_browser_is_tried() -> None:
    browser = StubBrowser(True)
    env = {"SSH_CONNECTION": "10.0.0.2 5122 10.0.0.1 22"}
    opened = open_url("http://h:1/session/abc", env=env, platform="linux",
                      get_browser=lambda: browser)
    assert browser.opened == []  # a text browser must not take over the app's terminal
    assert not opened.opened and opened.url == "http://h:1/session/abc"
    assert opened.message == "No browser can be started here (no display): open " \
        "http://h:1/session/abc"


def test_a_browser_that_refuses_or_is_missing_gives_the_link() -> None:
    refused = open_url("http://h:1/x", env=X11, platform="linux",
                       get_browser=lambda: StubBrowser(False))
    assert not refused.opened and refused.message.endswith("open http://h:1/x")

    def no_browser() -> Any:
        raise webbrowser.Error("could not locate runnable browser")

    missing = open_url("http://h:1/x", env=X11, platform="linux", get_browser=no_browser)
    assert not missing.opened
    assert missing.message == "Could not start a browser (could not locate runnable " \
        "browser): open http://h:1/x"


def test_macos_needs_no_display_variable() -> None:
    browser = StubBrowser(True)
    assert open_url("http://h:1/x", env={}, platform="darwin",
                    get_browser=lambda: browser).opened


def test_what_y_copies() -> None:
    row = {"session_id": "a1b2c3d4e5f6", "title": "Fix the\nflaky test"}
    calls: list[str] = []

    def markdown() -> str:
        calls.append("md")
        return "# Fix the flaky test\n\nbody\n"

    base = "http://127.0.0.1:8787"
    assert [kind for kind, _ in COPY_KINDS] == ["id", "link", "title", "markdown"]
    assert copy_text("id", row, base, markdown) == "a1b2c3d4e5f6"
    assert copy_text("link", row, base, markdown) == f"{base}/session/a1b2c3d4e5f6"
    assert copy_text("title", row, base, markdown) == "Fix the\nflaky test"
    assert calls == []  # the session is only loaded for Markdown
    assert copy_text("markdown", row, base, markdown).startswith("# Fix the flaky test")
    assert calls == ["md"]
    with pytest.raises(ValueError, match="nothing to copy"):
        copy_text("colour", row, base)


def test_what_the_status_line_says_after_a_copy() -> None:
    assert copied_message("id", "a1b2c3d4e5f6") == "Copied session id: a1b2c3d4e5f6"
    assert copied_message("title", "Fix the\nflaky test") == "Copied title: Fix the flaky test"
    assert copied_message("title", "") == "Copied an empty title"
    assert copied_message("markdown", "a\nb\nc\n") == (
        "Copied the whole session as Markdown (3 lines)")
    assert copied_message("link", "x" * 100).endswith("x…")
