"""Snapshot tests: what a person sees, pinned as SVGs under `__snapshots__/`.

Deterministic by construction: fixed session times, a frozen clock (`NOW`) and UTC, a fixed
store label instead of the tmp path, and no blinking cursor. After a deliberate change to the
look, run `pytest tests/tui --snapshot-update` and look at every changed SVG before committing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from tui_helpers import loaded, make_app, settled

from api.store import SessionStore

SnapCompare = Callable[..., bool]


async def wait_loaded(pilot: Pilot[None]) -> None:
    await loaded(pilot)


def then(*keys: str, blink: bool = False) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Load, press `keys`, let every save land; the rename editor's cursor does not blink."""

    async def run_before(pilot: Pilot[None]) -> None:
        app = await loaded(pilot)
        app.main.editor.cursor_blink = blink
        await pilot.press(*keys)
        await settled(pilot)

    return run_before


def test_list(snap_compare: SnapCompare, store: SessionStore) -> None:
    """Pinned first (★), then newest; relative times; CJK aligned; markup and escapes literal."""
    assert snap_compare(make_app(store), terminal_size=(110, 16), run_before=wait_loaded)


def test_archived_shown(snap_compare: SnapCompare, store: SessionStore) -> None:
    """`A`: archived sessions shown dimmed and marked ⊖; the status line says so."""
    assert snap_compare(make_app(store), terminal_size=(110, 16), run_before=then("A"))


def test_rename_editor_open(snap_compare: SnapCompare, store: SessionStore) -> None:
    """`r` on the third row: the editor sits over the title cell, its text all selected."""
    assert snap_compare(make_app(store), terminal_size=(110, 16), run_before=then("j", "j", "r"))


def test_failed_save_notification(
    snap_compare: SnapCompare, store: SessionStore, monkeypatch: Any
) -> None:
    """A pin that cannot be written: the row is back unpinned, a toast says why."""

    def refuse(sid: str, pinned: bool) -> dict[str, Any]:
        raise PermissionError(13, "Permission denied", str(store.directory / f"{sid}.json"))

    monkeypatch.setattr(store, "set_pinned", refuse)
    assert snap_compare(make_app(store), terminal_size=(110, 16), run_before=then("j", "p"))


def test_empty_store(snap_compare: SnapCompare, tmp_path: Path) -> None:
    """No sessions: a clear placeholder, zero counts."""
    folder = tmp_path / "sessions"
    folder.mkdir()
    app = make_app(SessionStore(folder))
    assert snap_compare(app, terminal_size=(80, 12), run_before=wait_loaded)


def test_help_screen(snap_compare: SnapCompare, store: SessionStore) -> None:
    """`?`: every key, in sections."""
    assert snap_compare(make_app(store), terminal_size=(90, 32), run_before=then("question_mark"))


def test_narrow_terminal(snap_compare: SnapCompare, store: SessionStore) -> None:
    """60 columns: the workspace column goes, the model narrows, titles stay readable."""
    assert snap_compare(make_app(store), terminal_size=(60, 16), run_before=wait_loaded)


def test_demo_banner(snap_compare: SnapCompare, store: SessionStore) -> None:
    """The banner shown when no store was found and the demo opened instead."""
    app = make_app(
        store,
        banner="No Hermes WebUI store found (tried ~/.hermes/webui/sessions). "
        "Showing a demo store instead, in /tmp/session-browser-demo/sessions",
    )
    assert snap_compare(app, terminal_size=(110, 14), run_before=wait_loaded)
