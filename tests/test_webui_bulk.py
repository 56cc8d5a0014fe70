"""Edits of many sessions beside a running Hermes WebUI (its real server): the app's bulk
edits and the shell's `archive QUERY` go through it, one session at a time, while it serves
the store, so its autosave never reverts them; else they are the store's one batch."""

from __future__ import annotations

from pathlib import Path

import pytest
from hermes_server import HermesServer, free_port, hermes, needs_hermes, running_hermes
from test_webui import PASSWORD, add_session, index_row, on_disk, route_to, served

from api.store import SessionStore
from api.webui import WebUIAddress, WebUIPasswordNeeded
from tui.cli import bulk as cli_bulk
from tui.editing.route import EditRoute

__all__ = ["hermes"]  # the fixture, imported for pytest

IDS = ["bb01", "bb02", "bb03", "bb04"]


def typing_in_all(server: HermesServer, ids: list[str]) -> None:
    """A browser's draft autosave of each: the WebUI saves each session from its memory."""
    for sid in ids:
        server.draft(sid, "typing in the browser")


@needs_hermes
def test_bulk_edits_go_through_the_webui_and_survive_its_autosave(
    hermes: HermesServer,
) -> None:
    store = SessionStore(hermes.sessions)
    for sid in IDS:
        served(hermes, store, sid, f"Session {sid}")
    project = hermes.post("/api/projects/create", name="Work")["project"]["project_id"]
    route = route_to(hermes, store)
    seen: list[tuple[int, int]] = []
    pinned = route.set_pinned_many(IDS[:2], True, lambda done, total: seen.append((done, total)))
    assert pinned.done == IDS[:2] and seen == [(1, 2), (2, 2)]
    assert route.set_archived_many(IDS[2:], True).done == IDS[2:]
    assert route.set_project_many(IDS, project).done == IDS
    assert route.state.way == "webui"
    typing_in_all(hermes, IDS)
    for sid in IDS:
        record, served_now = on_disk(store, sid), hermes.session(sid)
        assert record["project_id"] == served_now["project_id"] == project
        assert index_row(store, sid)["project_id"] == project
        wanted = ("pinned" if sid in IDS[:2] else "archived", True)
        assert (record[wanted[0]], served_now[wanted[0]]) == (True, True), sid


@needs_hermes
def test_what_the_webui_refuses_is_skipped_with_its_reason_and_the_rest_is_done(
    hermes: HermesServer,
) -> None:
    store = SessionStore(hermes.sessions)
    for n in range(5):
        served(hermes, store, f"pin{n}", f"Pin {n}")
    result = route_to(hermes, store).set_pinned_many([f"pin{n}" for n in range(5)], True)
    assert result.done == ["pin0", "pin1", "pin2"]
    assert set(result.skipped) == {"pin3", "pin4"}
    assert "Up to 3 sessions can be pinned" in result.skipped["pin3"]
    assert on_disk(store, "pin3")["pinned"] is False  # not written behind its back


@needs_hermes
def test_bulk_delete_through_the_webui_and_sessions_it_cannot_hold_go_to_the_files(
    hermes: HermesServer, tmp_path: Path,
) -> None:
    store = SessionStore(hermes.sessions)
    for sid in IDS:
        served(hermes, store, sid, f"Session {sid}")
    route = route_to(hermes, store)
    assert route.delete_many(IDS[:2]).done == IDS[:2]
    listed = {row["session_id"] for row in hermes.request("GET", "/api/sessions")[1]["sessions"]}
    assert listed.isdisjoint(IDS[:2]) and set(IDS[2:]) <= listed  # it forgot them
    assert {entry.session_id for entry in store.trash.entries()} == set(IDS[:2])
    # A store the WebUI does not serve: the same calls are the store's own batches.
    mine = add_session(tmp_path / "mine", "cc01", "Mine")
    add_session(mine.directory, "cc02", "Mine too")
    elsewhere = route_to(hermes, mine)
    assert elsewhere.set_archived_many(["cc01", "cc02"], True).done == ["cc01", "cc02"]
    assert elsewhere.state.way == "elsewhere"
    assert elsewhere.delete_many(["cc02"]).done == ["cc02"]
    assert on_disk(mine, "cc01")["archived"] is True
    assert not (mine.directory / "cc02.json").exists()


def test_with_no_webui_answering_bulk_edits_are_the_stores_batches(tmp_path: Path) -> None:
    store = add_session(tmp_path / "s", "dd01", "One")
    add_session(store.directory, "dd02", "Two")
    route = EditRoute(store, WebUIAddress("http", "127.0.0.1", free_port()), env={})
    result = route.set_pinned_many(["dd01", "nosuch", "dd02"], True)
    assert result.done == ["dd01", "dd02"] and result.skipped == {"nosuch": "no such session"}
    assert on_disk(store, "dd02")["pinned"] is True and route.state.way == "absent"


@needs_hermes
def test_a_password_it_lacks_stops_a_bulk_edit_before_anything_is_done(
    tmp_path: Path,
) -> None:
    with running_hermes(tmp_path / "h", password=PASSWORD) as server:
        store = SessionStore(server.sessions)
        for sid in IDS[:2]:
            served(server, store, sid, f"Session {sid}")
        route = route_to(server, store)
        with pytest.raises(WebUIPasswordNeeded) as caught:
            route.set_archived_many(IDS[:2], True)
        assert on_disk(store, IDS[0])["archived"] is False
        with pytest.raises(WebUIPasswordNeeded):
            route.delete_many(IDS[:1])
        assert (store.directory / f"{IDS[0]}.json").exists()
        assert caught.value.write_file is not None  # the person chose the files
        assert caught.value.write_file().done == IDS[:2]
        assert on_disk(store, IDS[1])["archived"] is True
        logged_in = route_to(server, store, HERMES_WEBUI_PASSWORD=PASSWORD)
        assert logged_in.set_archived_many(IDS[:2], False).done == IDS[:2]
        typing_in_all(server, IDS[:2])
        assert on_disk(store, IDS[1])["archived"] is False


@needs_hermes
def test_the_shells_bulk_archive_goes_through_the_webui(
    hermes: HermesServer, capsys: pytest.CaptureFixture[str],
) -> None:
    store = SessionStore(hermes.sessions)
    for sid in IDS[:2]:
        served(hermes, store, sid, f"Quarterly {sid}")
    served(hermes, store, "bb09", "Other")
    webui = f"127.0.0.1:{hermes.port}"
    status = cli_bulk.main(["archive", "quarterly", "--yes", "--webui", webui,
                            str(hermes.sessions)])
    assert status == 0, capsys.readouterr().err
    typing_in_all(hermes, [*IDS[:2], "bb09"])
    assert [on_disk(store, sid)["archived"] for sid in (*IDS[:2], "bb09")] == [True, True, False]
    assert hermes.session(IDS[0])["archived"] is True
    assert "2 sessions archived" in capsys.readouterr().err
