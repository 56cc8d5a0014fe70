"""m: the project picker. Moving the highlighted or marked sessions to a project of
projects.json, to no project, or to a new project created as Hermes WebUI does; a bad name is
said in the dialog. Each checks the files on disk."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from tui_helpers import build_store, loaded, make_app, read_record, settled, shown_ids, wait_until

from api.store import SessionStore
from tui.app import SessionBrowser
from tui.screens.project_picker import ProjectPicker

SnapCompare = Callable[..., bool]
PROJECTS = [
    {"project_id": "0a1b2c3d4e5f", "name": "Data team", "color": "#e06c75",
     "profile": "default", "created_at": 1.0, "unknown_key": "kept"},
    {"project_id": "ffeeddccbbaa", "name": "Website", "color": "#61afef",
     "profile": "default", "created_at": 2.0},
]


def _store(folder: Path) -> SessionStore:
    store = build_store(folder)
    (folder.parent / "projects.json").write_text(json.dumps(PROJECTS))
    return store


async def _picker(pilot: Pilot[None]) -> ProjectPicker:
    app = pilot.app
    await pilot.press("m")
    await wait_until(pilot, lambda: isinstance(app.screen, ProjectPicker), what="picker")
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ProjectPicker)
    return screen


def _projects_of(store: SessionStore, ids: list[str]) -> list[str | None]:
    return [read_record(store, sid).get("project_id") for sid in ids]


async def test_move_marked_to_a_project_and_undo(tmp_path: Path) -> None:
    store = _store(tmp_path / "sessions")
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        ids = shown_ids(app)[1:3]
        app.main.marked.update(ids)
        picker = await _picker(pilot)
        names = [str(picker.options.get_option_at_index(i).prompt)
                 for i in range(picker.options.option_count)]
        assert names == ["Data team", "Website", "no project", "new project…"]
        await pilot.press("down", "enter")  # Website
        await settled(pilot)
        assert _projects_of(store, ids) == ["ffeeddccbbaa"] * 2
        await pilot.press("u")
        await settled(pilot)
        assert _projects_of(store, ids) == [None, None]


async def test_no_project_clears_it(tmp_path: Path) -> None:
    store = _store(tmp_path / "sessions")
    store.set_project_many(["aaaa00000002"], "0a1b2c3d4e5f")
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        assert shown_ids(app)[0] == "aaaa00000002"
        await _picker(pilot)
        await pilot.press("down", "down", "enter")
        await settled(pilot)
        assert _projects_of(store, ["aaaa00000002"]) == [None]


async def test_new_project_is_created_and_gets_the_session(tmp_path: Path) -> None:
    store = _store(tmp_path / "sessions")
    app = make_app(store)
    async with app.run_test(size=(120, 20)) as pilot:
        await loaded(pilot)
        sid = shown_ids(app)[0]
        picker = await _picker(pilot)
        await pilot.press("end", "enter")  # new project…
        await pilot.press("enter")  # an empty name: said plainly, nothing created
        await wait_until(pilot, lambda: "needs a name" in str(picker.problem.render()),
                         what="the problem")
        assert isinstance(app.screen, ProjectPicker)
        await pilot.press(*"Research", "enter")
        await wait_until(pilot, lambda: app.screen is app.main, what="picker closed")
        await settled(pilot)
        rows = json.loads((store.directory.parent / "projects.json").read_text())
        assert rows[:2] == PROJECTS  # the others kept, unknown keys too
        new = rows[2]
        assert new["name"] == "Research" and new["profile"] == "default"
        assert _projects_of(store, [sid]) == [new["project_id"]]
        await wait_until(
            pilot, lambda: any(p.name == "Research" for p in app.main.projects.values()),
            what="the new project known to the list")


def test_snapshot_project_picker(snap_compare: SnapCompare, tmp_path: Path) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        app = await loaded(pilot)
        assert isinstance(app, SessionBrowser)
        await pilot.press("space", "space")
        await _picker(pilot)

    app = make_app(_store(tmp_path / "sessions"))
    assert snap_compare(app, terminal_size=(100, 16), run_before=run_before)
