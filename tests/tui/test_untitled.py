"""One rule for a session without a title (issue #12, item 9): the list showed a blank title and
the transcript "Untitled". Everywhere it is "Untitled", as Hermes WebUI calls it."""

from __future__ import annotations

from pathlib import Path

import pytest
from tui_helpers import build_store, line_of, loaded, make_app, wait_until

from api.export import session_markdown
from api.store import SessionStore
from tui.cli import main
from tui.screens.transcript import TranscriptScreen
from tui.text import shown_title

BLANK = (
    ("bbbb00000001", "", -60.0, 2, "m", "/w", False, False),
    ("bbbb00000002", "   ", -120.0, 2, "m", "/w", False, False),
)


@pytest.fixture
def untitled(tmp_path: Path) -> SessionStore:
    return build_store(tmp_path / "untitled", BLANK)


def test_the_rule() -> None:
    assert [shown_title(t) for t in ("", "  \t", None, 3, "Plan", "a\x1bb")] == [
        "Untitled", "Untitled", "Untitled", "Untitled", "Plan", "a␛b"]


async def test_list_and_transcript_agree(untitled: SessionStore) -> None:
    app = make_app(untitled)
    async with app.run_test(size=(100, 20)) as pilot:
        await loaded(pilot)
        for sid in ("bbbb00000001", "bbbb00000002"):
            assert line_of(app, sid)[3:].startswith("Untitled ")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TranscriptScreen),
                         what="the transcript")
        screen = app.screen
        assert isinstance(screen, TranscriptScreen)
        await wait_until(pilot, lambda: screen.loaded, what="the transcript loaded")
        assert screen.title_text == "Untitled"


def test_export_and_list_agree(untitled: SessionStore,
                               capsys: pytest.CaptureFixture[str]) -> None:
    for sid in ("bbbb00000001", "bbbb00000002"):
        assert session_markdown(untitled.load(sid)).startswith("# Untitled\n")
    assert main(["list", str(untitled.directory)]) == 0
    # `list` is for scripts: the title column holds the title as it is (blank), not a label.
    assert [line.split("\t")[4] for line in capsys.readouterr().out.splitlines()] == ["", "   "]
