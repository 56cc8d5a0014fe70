"""Round trips against the real Hermes WebUI (`../shared/hermes-webui`), running and not: after
our delete it no longer lists the session; after our restore it lists and loads it again with
every field it had."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from helpers_store import need_shared
from hermes_server import HermesServer, running_hermes

from api import tombstones
from api.store import SessionStore
from tui.editing.route import EditRoute

SID = "a1b2c3d4e5f6"


def _root(tmp_path: Path) -> Path:
    """A Hermes root (`root/state/sessions`) holding the shared fixture store."""
    root = tmp_path / "hermes"
    shutil.copytree(need_shared("fixtures/hermes-webui"), root / "state")
    return root


def _loaded(server: HermesServer, sid: str) -> dict[str, Any]:
    return server.session(sid)


def test_running_hermes_forgets_a_deleted_session_and_serves_it_again_after_restore(
    tmp_path: Path,
) -> None:
    root = _root(tmp_path)
    with running_hermes(root) as server:
        store = SessionStore(server.sessions)
        assert SID in server.listed()
        before = _loaded(server, SID)

        # It lists what it has served from memory: the delete goes through it (the app's
        # route, as while it serves the store), the trash keeps the files by a hard link.
        route = EditRoute(store, server.address, env={})
        assert route.delete_many([SID]).done == [SID]
        assert route.status_text == f"edits via Hermes WebUI at 127.0.0.1:{server.port}"
        assert SID not in server.listed()
        assert server.status_of(SID) == 404
        assert not (server.sessions / f"{SID}.json").exists()
        [entry] = store.trash.entries()
        assert entry.session_id == SID and entry.path.stat().st_nlink == 1
        assert SID in tombstones.load_ids(server.sessions / tombstones.DELETED_NAME)

        assert route.restore_many([SID]).done == [SID]
        assert SID in server.listed()
        assert _loaded(server, SID) == before


def test_stopped_hermes_rebuilding_its_index_skips_the_trash_and_finds_the_restored(
    tmp_path: Path,
) -> None:
    root = _root(tmp_path)
    sessions = root / "state" / "sessions"
    store = SessionStore(sessions)
    with running_hermes(root) as server:
        before = _loaded(server, SID)
        everyone = set(server.listed())

    # Nothing answers now: the route deletes in the files.
    route = EditRoute(store, server.address, env={})
    assert route.delete_many([SID]).done == [SID]
    for drop_index in (False, True):  # as we left it, then rebuilt by Hermes from the folder
        if drop_index:
            os.unlink(sessions / "_index.json")
        with running_hermes(root) as server:
            assert set(server.listed()) == everyone - {SID}
            assert server.status_of(SID) == 404
    assert (sessions / "_trash").is_dir() and store.trash.entries()[0].session_id == SID

    assert store.restore_many([SID]).done == [SID]
    for drop_index in (False, True):
        if drop_index:
            os.unlink(sessions / "_index.json")
        with running_hermes(root) as server:
            assert set(server.listed()) == everyone
            assert _loaded(server, SID) == before
