"""Marks and batches in the app: space, *, Esc; p/a/d on every marked session as one undo
step; the delete confirmation; a long batch's progress bar and its cancel; the search line's
age qualifiers; the trash emptied at startup. Each checks the screen and the files on disk."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static
from tui_helpers import (
    DAY,
    NOW,
    build_store,
    line_of,
    loaded,
    make_app,
    notifications,
    read_record,
    settled,
    shown_ids,
    wait_until,
)

from api.store import SessionStore
from api.tombstones import DELETED_NAME, load_ids
from api.trash import TRASH_NAME
from tui.app import SessionBrowser
from tui.screens.confirm import ConfirmScreen
from tui.screens.progress import ProgressScreen
from tui.widgets.session_list import SELECT_MARK

SnapCompare = Callable[..., bool]


def _archived(store: SessionStore) -> set[str]:
    return {row["session_id"] for row in store.list_rows() if row["archived"]}


async def test_space_marks_star_marks_all_esc_clears(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        first, second = shown_ids(app)[:2]
        await pilot.press("space", "space")  # space marks and moves down
        assert app.main.marked == {first, second}
        assert line_of(app, first)[2] == SELECT_MARK
        assert line_of(app, shown_ids(app)[2])[2] != SELECT_MARK
        assert "2 marked" in app.main.counts.right
        await pilot.press("up", "space")  # unmarks the second
        assert app.main.marked == {first}
        await pilot.press("asterisk")
        assert app.main.marked == set(shown_ids(app))
        assert f"{len(shown_ids(app))} marked" in app.main.counts.right
        await pilot.press("escape")
        assert not app.main.marked and "marked" not in app.main.counts.right
        assert SELECT_MARK not in line_of(app, first)


async def test_marks_survive_reloads_and_leave_with_deleted_sessions(
    store: SessionStore,
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        a, b = shown_ids(app)[1:3]
        app.main.marked.update({a, b})
        store.delete_many([a])  # another program deletes one
        app.main.reload_rows()
        await wait_until(pilot, lambda: app.main.rows.get(a) is None, what="reload")
        await settled(pilot)
        assert "1 marked" in app.main.counts.right
        assert app.main.marked == {b}


async def test_batch_archive_is_one_undo_step(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        ids = shown_ids(app)[1:4]
        before = _archived(store)
        app.main.marked.update(ids)
        await pilot.press("a")
        assert all(app.main.rows.get(sid)["archived"] for sid in ids)  # at once
        await settled(pilot)
        assert _archived(store) == before | set(ids)
        assert all(read_record(store, sid)["archived"] for sid in ids)
        await pilot.press("u")
        await settled(pilot)
        assert _archived(store) == before
        assert not any(read_record(store, sid)["archived"] for sid in ids)
        assert set(ids) <= set(shown_ids(app))


async def test_batch_pin_of_marked_then_undo(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        ids = shown_ids(app)[1:3]
        app.main.marked.update(ids)
        await pilot.press("p")
        await settled(pilot)
        assert all(read_record(store, sid)["pinned"] for sid in ids)
        await pilot.press("u")
        await settled(pilot)
        assert not any(read_record(store, sid)["pinned"] for sid in ids)


async def test_delete_asks_naming_the_title_then_undo_restores(store: SessionStore) -> None:
    app = make_app(store)
    folder = store.directory
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("down")
        sid = shown_ids(app)[1]
        title = app.main.rows.get(sid)["title"]
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert f"Move “{title}” to the trash?" in _question(app)
        await pilot.press("n")  # no: nothing goes
        await settled(pilot)
        assert (folder / f"{sid}.json").exists() and sid in shown_ids(app)
        await pilot.press("delete")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await settled(pilot)
        assert not (folder / f"{sid}.json").exists()
        assert sid not in shown_ids(app)
        assert sid in load_ids(folder / DELETED_NAME)
        assert any(p.name.startswith(sid) for p in (folder / TRASH_NAME).iterdir())
        await pilot.press("u")
        await wait_until(pilot, lambda: sid in shown_ids(app), what="restored row")
        await settled(pilot)
        assert read_record(store, sid)["title"] == title
        assert sid not in load_ids(folder / DELETED_NAME)


async def test_delete_of_marked_names_how_many(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        ids = shown_ids(app)[:3]
        app.main.marked.update(ids)
        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert "Move 3 sessions to the trash?" in _question(app)
        await pilot.press("enter")
        await settled(pilot)
        assert not set(ids) & {row["session_id"] for row in store.list_rows()}
        assert not app.main.marked


def _question(app: SessionBrowser) -> str:
    """The confirmation's text as it is shown (it may wrap on screen)."""
    return str(app.screen.query_one("#question", Static).render())


def _big_store(folder: Path, count: int = 150) -> SessionStore:
    specs = [(f"bbbb{n:08d}", f"Session {n}", -n * 60.0, 2, "m", "/w", False, False)
             for n in range(count)]
    return build_store(folder, specs)


async def test_long_batch_shows_progress_and_esc_cancels(tmp_path: Path) -> None:
    store = _big_store(tmp_path / "sessions")
    app = make_app(store)
    reached, release = threading.Event(), threading.Event()

    def hold(done: int, total: int) -> None:
        if done == 40:  # hold the worker here until the test has pressed Esc
            reached.set()
            assert release.wait(60), "the test never let the batch go on"

    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        app.main.bulk.progress_hook = hold
        await pilot.press("asterisk", "a")
        await wait_until(pilot, reached.is_set, what="the batch at 40")
        assert isinstance(app.screen, ProgressScreen)
        await pilot.press("escape")
        release.set()
        await wait_until(pilot, lambda: app.main.bulk.running is None, what="batch end")
        await settled(pilot)
        on_disk = _archived(store)
        assert len(on_disk) == 40  # what was done stays done, nothing after the cancel
        on_screen = {row["session_id"] for row in app.main.rows.all_rows() if row["archived"]}
        assert on_screen == on_disk  # the rows after the cancel were put back
        assert any("cancelled before the other 110" in n for n in notifications(app))
        await pilot.press("u")  # the undo of a cancelled batch sets back what was done
        await wait_until(pilot, lambda: app.main.bulk.running is None, what="undo end")
        await settled(pilot)
        assert not _archived(store)


async def test_age_filter_mark_all_archive(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"older:30d -is:pinned", "enter")
        expected = {"aaaa00000007", "aaaa00000008"}  # 200 and 300 days old, not pinned
        assert set(shown_ids(app)) == expected
        await pilot.press("asterisk", "a")
        await settled(pilot)
        assert _archived(store) & expected == expected


async def test_bad_age_is_said_in_the_search_line(store: SessionStore) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"older:banana")
        await pilot.pause()
        assert "banana" in str(app.main.search_bar.info.render())
        assert app.main.search_bar.info.display


async def test_a_bad_age_stays_said_while_the_index_reports_progress(
    store: SessionStore,
) -> None:
    """One line says both how the message index is doing and what is wrong with the query:
    the mistake outranks progress reported after it, and shows again once the index is done."""
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"older:banana")
        await pilot.pause()
        bar = app.main.search_bar
        for status in ("indexing 3/9 sessions (33%)", ""):
            bar.set_status(status)
            await pilot.pause()
            assert "banana" in str(bar.info.render()) and bar.info.display
        await pilot.press(*["backspace"] * len("older:banana"))
        bar.set_status("indexing 4/9 sessions (44%)")
        await pilot.pause()
        assert str(bar.info.render()) == "indexing 4/9 sessions (44%)"


async def test_startup_empties_old_trash_and_says_so(tmp_path: Path) -> None:
    store = build_store(tmp_path / "sessions")
    store.delete_many(["aaaa00000003", "aaaa00000004", "aaaa00000005"])
    trash = store.directory / TRASH_NAME
    for entry in trash.iterdir():  # deleted 40 days before NOW, except aaaa00000005
        sid, _, rest = entry.name.partition("@")
        when = NOW - (40 if sid != "aaaa00000005" else 2) * DAY
        entry.rename(trash / f"{sid}@{int(when * 1000)}{rest[rest.index('.'):]}")
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        await wait_until(pilot, lambda: any("Emptied" in n for n in notifications(app)),
                         what="the emptying message")
        assert "Emptied 2 sessions deleted over 30 days ago from the trash." in notifications(app)
        assert [e.session_id for e in store.trash.entries()] == ["aaaa00000005"]


def test_snapshot_marked_rows(snap_compare: SnapCompare, store: SessionStore) -> None:
    """The second and third sessions marked (● in the marker column), the status counts 2."""

    async def run_before(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press("down", "space", "space")

    assert snap_compare(make_app(store), terminal_size=(110, 16), run_before=run_before)


def test_snapshot_delete_confirmation(snap_compare: SnapCompare, store: SessionStore) -> None:
    """d with three sessions marked: the question names how many go."""

    async def run_before(pilot: Pilot[None]) -> None:
        await loaded(pilot)
        await pilot.press("space", "space", "space", "d")
        await pilot.pause()

    assert snap_compare(make_app(store), terminal_size=(110, 16), run_before=run_before)



async def test_e_exports_every_marked_session(store: SessionStore, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    app = make_app(store, export_dir=out)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        app.main.marked.update(shown_ids(app)[:3])
        await pilot.press("e")
        await wait_until(pilot, lambda: any("3 sessions →" in n for n in notifications(app)),
                         what="the export message")
        assert len(list(out.glob("*.md"))) == 3


async def test_failed_batch_puts_rows_back_and_says_why(
    store: SessionStore, read_only: Callable[[Path], None]
) -> None:
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        ids = shown_ids(app)[1:3]
        read_only(store.directory)
        app.main.marked.update(ids)
        await pilot.press("a")
        await wait_until(pilot, lambda: app.main.bulk.running is None, what="batch end")
        await settled(pilot)
        assert not any(app.main.rows.get(sid)["archived"] for sid in ids)
        assert set(ids) <= set(shown_ids(app))
        assert any("Could not archive 2 sessions" in n for n in notifications(app))
        assert not any(read_record(store, sid)["archived"] for sid in ids)
