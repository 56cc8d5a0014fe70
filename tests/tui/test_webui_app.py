"""The app beside Hermes WebUI's real server: edits go through it while it serves the store,
survive its draft autosave, fall back to the files when it stops or serves another folder, and
a password it lacks stops the edit until the person chooses."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: hermes_server

from hermes_server import HermesServer, hermes, needs_hermes, running_hermes
from tui_helpers import build_store, loaded, make_app, screen_text, settled, wait_until

from api.store import SessionStore
from tui.app import SessionBrowser
from tui.editing.route import EditRoute
from tui.screens.webui_choice import WebUIChoice

__all__ = ["hermes"]  # the fixture, imported for pytest

SID = "aaaa00000003"  # "Plan the Q3 roadmap": the cursor reaches it with j, j
PASSWORD = "correct-horse-battery"


def app_beside(server: HermesServer, store: SessionStore, **env: str) -> SessionBrowser:
    return make_app(store, route=EditRoute(store, server.address, env=env))


def record(store: SessionStore, sid: str = SID) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((store.directory / f"{sid}.json").read_text())
    return data


def index_row(store: SessionStore, sid: str = SID) -> dict[str, Any]:
    rows = json.loads((store.directory / "_index.json").read_text())
    row: dict[str, Any] = next(r for r in rows if r["session_id"] == sid)
    return row


def status(app: SessionBrowser) -> str:
    return app.main.counts.right


def everywhere(server: HermesServer, store: SessionStore, key: str) -> tuple[Any, Any, Any]:
    """The field in the file, in the index and in what the WebUI serves."""
    return record(store)[key], index_row(store)[key], server.session(SID)[key]


async def rename(pilot: Pilot[None], title: str) -> None:
    await pilot.press("r", *title, "enter")


async def select(pilot: Pilot[None], sid: str = SID) -> None:
    """Put the cursor on the session (an edit of ours may have moved it in the list)."""
    app = pilot.app
    assert isinstance(app, SessionBrowser)
    index = app.main.rows.index_of(sid)
    assert index is not None
    app.main.session_list.move_to(index)
    await pilot.pause()


@needs_hermes
async def test_edits_and_undos_go_through_the_webui_and_survive_its_autosave(
    tmp_path: Path,
) -> None:
    with running_hermes(tmp_path / "h") as server:
        store = build_store(server.sessions)
        server.session(SID)  # a browser tab has it open: it is in the WebUI's memory
        app = app_beside(server, store)
        async with app.run_test(size=(140, 24)) as pilot:
            await loaded(pilot)
            await pilot.press("j", "j")
            await rename(pilot, "Roadmap")
            await pilot.press("p", "a")
            await settled(pilot)
            assert f"edits via Hermes WebUI at 127.0.0.1:{server.port}" in status(app)
            server.draft(SID, "typing in the browser")  # its autosave, from its memory
            server.draft(SID, "typing more")
            assert everywhere(server, store, "title") == ("Roadmap",) * 3
            assert everywhere(server, store, "pinned") == (True,) * 3
            assert everywhere(server, store, "archived") == (True,) * 3
            assert app.main.rows.get(SID)["title"] == "Roadmap"  # type: ignore[index]
            for key, before in (("archived", False), ("pinned", False),
                                ("title", "Plan the Q3 roadmap")):
                await pilot.press("u")
                await settled(pilot)
                server.draft(SID, f"after the undo of {key}")
                assert everywhere(server, store, key) == (before,) * 3
        assert record(store)["title"] == "Plan the Q3 roadmap"


@needs_hermes
async def test_a_webui_that_stops_mid_session_sends_edits_to_the_file(tmp_path: Path) -> None:
    with running_hermes(tmp_path / "h") as server:
        store = build_store(server.sessions)
        app = app_beside(server, store)
        async with app.run_test(size=(140, 24)) as pilot:
            await loaded(pilot)
            await pilot.press("j", "j")
            await rename(pilot, "Via the WebUI")
            await settled(pilot)
            assert "edits via Hermes WebUI" in status(app)
            server.stop()
            await pilot.press("p")
            await settled(pilot)
            assert record(store)["pinned"] is True  # Session.save(), as without a WebUI
            assert index_row(store)["pinned"] is True
            assert "Hermes WebUI" not in status(app)
            assert not isinstance(app.screen, WebUIChoice)


@needs_hermes
async def test_a_webui_over_another_folder_is_never_used_and_the_app_says_so(
    hermes: HermesServer, tmp_path: Path,
) -> None:
    build_store(hermes.sessions, [])  # its own, empty store
    theirs = {p.name: p.read_bytes() for p in hermes.sessions.iterdir()}
    store = build_store(tmp_path / "mine")
    app = app_beside(hermes, store)
    async with app.run_test(size=(160, 24)) as pilot:
        await loaded(pilot)
        await wait_until(pilot, lambda: "another folder" in status(app), what="the check")
        assert "serves another folder: edits go to the files" in status(app)
        await pilot.press("j", "j")
        await rename(pilot, "Mine alone")
        await settled(pilot)
        assert record(store)["title"] == "Mine alone"
        assert {p.name: p.read_bytes() for p in hermes.sessions.iterdir()} == theirs


@needs_hermes
async def test_a_password_the_app_lacks_stops_the_edit_until_the_person_chooses(
    tmp_path: Path,
) -> None:
    with running_hermes(tmp_path / "h", password=PASSWORD) as server:
        store = build_store(server.sessions)
        app = app_beside(server, store)
        async with app.run_test(size=(140, 30)) as pilot:
            await loaded(pilot)
            assert "needs a password: set HERMES_WEBUI_PASSWORD" in status(app)
            await pilot.press("j", "j")
            await rename(pilot, "Not yet")
            await settled(pilot)
            assert isinstance(app.screen, WebUIChoice)
            assert "set HERMES_WEBUI_PASSWORD" in screen_text(app)
            assert record(store)["title"] == "Plan the Q3 roadmap"  # not behind its back
            await pilot.press("r")  # retry: still no password, so asked again
            await settled(pilot)
            assert isinstance(app.screen, WebUIChoice)
            await pilot.press("escape")  # cancel: the row is put back
            await settled(pilot)
            assert app.main.rows.get(SID)["title"] == "Plan the Q3 roadmap"  # type: ignore[index]
            await pilot.press("u")
            await pilot.pause()
            assert record(store)["title"] == "Plan the Q3 roadmap"  # nothing to undo
            await select(pilot)
            await rename(pilot, "Written anyway")
            await settled(pilot)
            await pilot.press("w")  # the person accepts that the WebUI may undo it
            await settled(pilot)
            assert record(store)["title"] == "Written anyway"
            assert app.main.rows.get(SID)["title"] == "Written anyway"  # type: ignore[index]
            assert "needs a password" in status(app)  # still said, until it is set
        # With the password: logged in, the edit goes through and holds.
        app = app_beside(server, store, HERMES_WEBUI_PASSWORD=PASSWORD)
        async with app.run_test(size=(140, 30)) as pilot:
            await loaded(pilot)
            await select(pilot)
            await rename(pilot, "Logged in")
            await settled(pilot)
            assert "edits via Hermes WebUI" in status(app)
            server.draft(SID, "typing")
            assert everywhere(server, store, "title") == ("Logged in",) * 3


async def test_undo_on_the_files_puts_updated_at_back(tmp_path: Path) -> None:
    """No WebUI answers: edits are Session.save(), and undoing a rename and a pin leaves the
    session where it was in the list (its updated_at as before), not moved to now."""
    from hermes_server import free_port

    from api.webui import WebUIAddress

    store = build_store(tmp_path / "s")
    original = record(store)
    app = make_app(store, route=EditRoute(store, WebUIAddress("http", "127.0.0.1", free_port())))
    async with app.run_test(size=(140, 24)) as pilot:
        await loaded(pilot)
        await select(pilot)
        await rename(pilot, "Moved")
        await select(pilot)
        await pilot.press("p")
        await settled(pilot)
        assert record(store)["updated_at"] > original["updated_at"]
        await pilot.press("u", "u")
        await settled(pilot)
        now = record(store)
        assert (now["title"], now["pinned"]) == (original["title"], original["pinned"])
        assert now["updated_at"] == original["updated_at"]
        assert index_row(store)["updated_at"] == original["updated_at"]
        assert app.main.rows.get(SID)["updated_at"] == original["updated_at"]  # type: ignore[index]
        assert "Hermes WebUI" not in status(app)
