"""Round trips against the real Hermes WebUI (`../shared/hermes-webui`), running and not: after
our delete it no longer lists the session; after our restore it lists and loads it again with
every field it had."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from helpers_store import need_shared
from hermes_peer import Peer, hermes_over

from api import tombstones
from api.store import SessionStore

SID = "a1b2c3d4e5f6"


def _state(tmp_path: Path) -> Path:
    state = tmp_path / "state"
    shutil.copytree(need_shared("fixtures/hermes-webui"), state)
    return state


def _loaded(peer: Peer, sid: str) -> dict[str, Any]:
    status, data = peer.session(sid)
    assert status == 200, data
    session: dict[str, Any] = data["session"]
    return session


def test_running_hermes_forgets_a_deleted_session_and_serves_it_again_after_restore(
    tmp_path: Path,
) -> None:
    state = _state(tmp_path)
    store = SessionStore(state / "sessions")
    with hermes_over(state, tmp_path / "home") as peer:
        assert SID in peer.listed()
        before = _loaded(peer, SID)

        # It lists what it has served from memory: the delete goes through it (as the app
        # does while it serves the store), the trash keeps the files by a hard link.
        assert store.delete_many([SID], remote=peer.delete).done == [SID]
        assert SID not in peer.listed()
        assert peer.session(SID)[0] == 404
        assert not (state / "sessions" / f"{SID}.json").exists()
        [entry] = store.trash.entries()
        assert entry.session_id == SID and entry.path.stat().st_nlink == 1
        assert SID in tombstones.load_ids(state / "sessions" / tombstones.DELETED_NAME)

        assert store.restore_many([SID]).done == [SID]
        assert SID in peer.listed()
        assert _loaded(peer, SID) == before


def test_stopped_hermes_rebuilding_its_index_skips_the_trash_and_finds_the_restored(
    tmp_path: Path,
) -> None:
    state = _state(tmp_path)
    sessions = state / "sessions"
    store = SessionStore(sessions)
    with hermes_over(state, tmp_path / "home") as peer:
        before = _loaded(peer, SID)
        everyone = set(peer.listed())

    assert store.delete_many([SID]).done == [SID]
    for drop_index in (False, True):  # as we left it, then rebuilt by Hermes from the folder
        if drop_index:
            os.unlink(sessions / "_index.json")
        with hermes_over(state, tmp_path / "home") as peer:
            assert set(peer.listed()) == everyone - {SID}
            assert peer.session(SID)[0] == 404
    assert (sessions / "_trash").is_dir() and store.trash.entries()[0].session_id == SID

    assert store.restore_many([SID]).done == [SID]
    for drop_index in (False, True):
        if drop_index:
            os.unlink(sessions / "_index.json")
        with hermes_over(state, tmp_path / "home") as peer:
            assert set(peer.listed()) == everyone
            assert _loaded(peer, SID) == before
