"""The trash view (T): deleted sessions with when they were deleted; Enter restores (the file
back in the store, the tombstone cleared, the row back in the list), d deletes for good after
a second question; Esc goes back."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from textual.pilot import Pilot
from tui_helpers import (
    DAY,
    HOUR,
    NOW,
    build_store,
    loaded,
    make_app,
    notifications,
    settled,
    shown_ids,
    wait_until,
)

from api.store import SessionStore
from api.tombstones import DELETED_NAME, load_ids
from api.trash import TRASH_NAME
from tui.app import SessionBrowser
from tui.screens.confirm import ConfirmScreen
from tui.screens.trash import TrashScreen

SnapCompare = Callable[..., bool]
GONE = ("aaaa00000003", "aaaa00000005")


def _trashed_store(folder: Path) -> SessionStore:
    """Two sessions deleted, at fixed times before NOW (3 h and 2 days)."""
    store = build_store(folder)
    store.delete_many(GONE)
    trash = store.directory / TRASH_NAME
    ages = {"aaaa00000003": 3 * HOUR, "aaaa00000005": 2 * DAY}
    for entry in sorted(trash.iterdir()):
        sid, _, rest = entry.name.partition("@")
        stamp = int((NOW - ages[sid]) * 1000)
        entry.rename(trash / f"{sid}@{stamp}{rest[rest.index('.'):]}")
    return store


def _trash_lines(app: SessionBrowser) -> list[str]:
    screen = app.screen
    assert isinstance(screen, TrashScreen)
    return [str(screen.listing.get_option_at_index(i).prompt)
            for i in range(screen.listing.option_count)]


async def _open_trash(pilot: Pilot[None]) -> SessionBrowser:
    app = await loaded(pilot)
    await pilot.press("T")
    await wait_until(pilot, lambda: isinstance(app.screen, TrashScreen)
                     and app.screen.listing.option_count == len(GONE), what="the trash")
    return app


@contextlib.asynccontextmanager
async def _in_the_trash(
    tmp_path: Path,
) -> AsyncIterator[tuple[SessionStore, SessionBrowser, Pilot[None]]]:
    """The app over `_trashed_store`, its trash view open."""
    store = _trashed_store(tmp_path / "sessions")
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await _open_trash(pilot)
        yield store, app, pilot


async def test_trash_lists_deleted_sessions_with_when(tmp_path: Path) -> None:
    async with _in_the_trash(tmp_path) as (_, app, pilot):
        found = _trash_lines(app)
        assert "Plan the Q3 roadmap" in found[0] and "deleted 3 h ago" in found[0]
        assert "deleted 2 days ago" in found[1]
        await pilot.press("escape")
        assert app.screen is app.main


async def test_enter_restores(tmp_path: Path) -> None:
    async with _in_the_trash(tmp_path) as (store, app, pilot):
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, TrashScreen)
        await wait_until(pilot, lambda: screen.listing.option_count == 1, what="restored")
        assert (store.directory / "aaaa00000003.json").exists()
        assert "aaaa00000003" not in load_ids(store.directory / DELETED_NAME)
        assert store.load("aaaa00000003").title == "Plan the Q3 roadmap"
        await pilot.press("escape")
        await wait_until(pilot, lambda: "aaaa00000003" in shown_ids(app), what="row back")


async def _delete_then_restore_one_in_the_trash(pilot: Pilot[None], keys: str) -> str:
    """Delete what `keys` select (d, y), then restore the first trash entry (T, Enter, Esc);
    returns the restored id."""
    app = pilot.app
    assert isinstance(app, SessionBrowser)
    await pilot.press(*keys, "d")
    await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="ask")
    await pilot.press("y")
    await settled(pilot)
    await pilot.press("T")
    await wait_until(pilot, lambda: isinstance(app.screen, TrashScreen)
                     and app.screen.listing.option_count > 0, what="the trash")
    screen = app.screen
    assert isinstance(screen, TrashScreen)
    restored, count = screen.entries[0].session_id, screen.listing.option_count
    await pilot.press("enter")
    await wait_until(pilot, lambda: screen.listing.option_count == count - 1, what="restored")
    await pilot.press("escape")
    await wait_until(pilot, lambda: restored in shown_ids(app), what="row back")
    return restored


async def test_a_restore_from_the_trash_retires_the_deletes_undo(tmp_path: Path) -> None:
    """`u` after a delete whose sessions came back through the trash view: it restores only
    what is still in the trash, and says nothing untrue ("not in the trash")."""
    store = build_store(tmp_path / "sessions")
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        first, second = shown_ids(app)[:2]
        restored = await _delete_then_restore_one_in_the_trash(pilot, "  ")  # mark both
        other = second if restored == first else first
        assert other not in shown_ids(app)
        await pilot.press("u")  # the rest of the delete comes back, and only that
        await wait_until(pilot, lambda: other in shown_ids(app), what="the other back")
        await settled(pilot)
        assert any("Undid the delete of 1 session" in m for m in notifications(app))
        await pilot.press("u")
        await settled(pilot)
        assert notifications(app)[-1] == "Nothing to undo."
        # One session, deleted and restored in the view: its delete leaves nothing to undo.
        again = await _delete_then_restore_one_in_the_trash(pilot, "")
        assert (store.directory / f"{again}.json").exists()
        await pilot.press("u")
        await settled(pilot)
        assert notifications(app)[-1] == "Nothing to undo."
        assert not any("not in the trash" in m for m in notifications(app)), notifications(app)
        assert {first, second, again} <= set(shown_ids(app))


async def test_d_deletes_for_good_after_a_second_question(tmp_path: Path) -> None:
    async with _in_the_trash(tmp_path) as (store, app, pilot):
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="ask")
        await pilot.press("n")  # no: still in the trash
        await settled(pilot)
        assert len(store.trash.entries()) == 2
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="ask")
        await pilot.press("y")
        screen = app.screen
        assert isinstance(screen, TrashScreen)
        await wait_until(pilot, lambda: screen.listing.option_count == 1, what="purged")
        assert [e.session_id for e in store.trash.entries()] == ["aaaa00000005"]
        assert not (store.directory / "aaaa00000003.json").exists()


def test_snapshot_trash_view(snap_compare: SnapCompare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await _open_trash(pilot)

    app = make_app(_trashed_store(tmp_path / "sessions"))
    assert snap_compare(app, terminal_size=(100, 12), run_before=run_before)


async def test_trash_is_in_the_command_palette(tmp_path: Path) -> None:
    app = make_app(_trashed_store(tmp_path / "sessions"))
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        commands = {c.title: c for c in app.get_system_commands(app.main)}
        assert "Trash" in commands
        commands["Trash"].callback()
        await wait_until(pilot, lambda: isinstance(app.screen, TrashScreen), what="the trash")
