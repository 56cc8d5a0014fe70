"""Edits beside a running Hermes WebUI, against its real server (`tests/hermes_server.py`).

The WebUI saves sessions from its memory (on its composer-draft autosave, on its own edits),
so an edit only written to the file is reverted; an edit sent through its API is not. These
tests show both, then the route's choices: another folder, a WebUI that is gone, a password,
a refused pin, and that Hermes' own code loads a session our store created.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hermes_server import (
    HERMES_WEBUI,
    HermesServer,
    free_port,
    group_alive,
    hermes,
    needs_hermes,
    running_hermes,
)

import api.models as models
from api.models import Session
from api.store import SessionStore
from api.webui import (
    WebUIAddress,
    WebUIBlocked,
    WebUIClient,
    WebUINotThisStore,
    WebUIPasswordNeeded,
    WebUIRefused,
    WebUIUnreachable,
    WebUIWrongPassword,
)
from api.webui_edits import WebUIEditor
from tui.editing.route import EditRoute

__all__ = ["hermes"]  # the fixture, imported for pytest

PASSWORD = "s3cret-Horse-battery"


def add_session(folder: Path, sid: str, title: str, **fields: Any) -> SessionStore:
    """A session saved by our store into `folder` (as the app's files are)."""
    folder.mkdir(parents=True, exist_ok=True)
    store = SessionStore(folder)
    store.save(store.new_session(
        session_id=sid, title=title,
        messages=[{"role": "user", "content": f"about {title}", "timestamp": 1.0e9}],
        **fields,
    ))
    return store


def on_disk(store: SessionStore, sid: str) -> dict[str, Any]:
    record: dict[str, Any] = json.loads((store.directory / f"{sid}.json").read_text())
    return record


def index_row(store: SessionStore, sid: str) -> dict[str, Any]:
    rows = json.loads((store.directory / "_index.json").read_text())
    row: dict[str, Any] = next(r for r in rows if r["session_id"] == sid)
    return row


def served(server: HermesServer, store: SessionStore, sid: str, title: str) -> None:
    """Open the session in the WebUI, as a browser tab does: it is now in its memory."""
    add_session(store.directory, sid, title)
    assert server.session(sid)["title"] == title


def served_store(server: HermesServer, titles: dict[str, str]) -> SessionStore:
    """A store over the WebUI's own folder, these sessions (id: title) open in the WebUI."""
    store = SessionStore(server.sessions)
    for sid, title in titles.items():
        served(server, store, sid, title)
    return store


def route_to(server: HermesServer, store: SessionStore, **env: str) -> EditRoute:
    return EditRoute(store, server.address, env=env)


# ── the problem, and the fix ──────────────────────────────────────────────────


@needs_hermes
def test_an_edit_written_only_to_the_file_is_reverted_by_the_webui(
    hermes: HermesServer,
) -> None:
    """Why edits must go through the WebUI: its draft autosave puts its memory back."""
    store = served_store(hermes, {"aa01": "Original"})
    store.rename("aa01", "Ours")
    assert on_disk(store, "aa01")["title"] == "Ours"
    hermes.draft("aa01", "typing in the browser")
    assert on_disk(store, "aa01")["title"] == "Original"


@needs_hermes
def test_edits_through_the_webui_survive_its_autosave(hermes: HermesServer) -> None:
    store = served_store(hermes, {sid: f"Session {sid}" for sid in ("aa01", "aa02", "aa03")})
    route = route_to(hermes, store)
    replaced: dict[str, Any] = {}
    row = route.rename("aa01", "  Renamed   via\nthe route ", replaced=replaced)
    assert row["title"] == "Renamed via the route"  # the row the store would return
    assert replaced["title"] == "Session aa01"
    assert route.state.text == f"edits via Hermes WebUI at 127.0.0.1:{hermes.port}"
    assert route.set_pinned("aa02", True)["pinned"] is True
    assert route.set_archived("aa03", True)["archived"] is True
    for sid in ("aa01", "aa02", "aa03"):
        hermes.draft(sid, "typing")  # its autosave: saves the session from memory
        hermes.draft(sid, "typing more")
    hermes.post("/api/session/rename", session_id="aa02", title="Its own save")
    assert on_disk(store, "aa01")["title"] == "Renamed via the route"
    assert on_disk(store, "aa01")["manual_title"] is True
    assert on_disk(store, "aa02")["pinned"] is True
    assert on_disk(store, "aa03")["archived"] is True
    assert index_row(store, "aa01")["title"] == "Renamed via the route"
    assert index_row(store, "aa02")["pinned"] is True
    assert index_row(store, "aa03")["archived"] is True
    assert hermes.session("aa01")["title"] == "Renamed via the route"
    assert hermes.session("aa02")["pinned"] is True
    assert hermes.session("aa03")["archived"] is True
    rows = {r["session_id"]: r for r in store.list_rows()}
    assert rows["aa01"]["title"] == "Renamed via the route"
    # Undo goes the same way: the old title is back everywhere, and stays.
    route.update("aa01", {"title": replaced["title"]})
    hermes.draft("aa01", "")
    assert on_disk(store, "aa01")["title"] == "Session aa01"
    assert hermes.session("aa01")["title"] == "Session aa01"
    assert index_row(store, "aa01")["title"] == "Session aa01"


@needs_hermes
def test_an_update_the_webui_has_no_endpoint_for_is_refused_before_anything_is_sent(
    hermes: HermesServer,
) -> None:
    store = served_store(hermes, {"aa01": "Kept"})
    route = route_to(hermes, store)
    with pytest.raises(WebUIRefused, match="cannot set note") as caught:
        route.update("aa01", {"title": "New", "note": "x"})
    assert on_disk(store, "aa01")["title"] == "Kept"
    assert caught.value.write_file is not None
    assert caught.value.write_file()["title"] == "New"  # the person chose the file
    assert on_disk(store, "aa01")["note"] == "x"


# ── never the wrong store ─────────────────────────────────────────────────────


@needs_hermes
def test_a_webui_over_another_folder_is_never_used(hermes: HermesServer, tmp_path: Path) -> None:
    add_session(hermes.sessions, "theirs1", "Theirs")
    store = add_session(tmp_path / "mine", "mine1", "Mine")
    before = sorted(p.name for p in hermes.sessions.iterdir())
    route = route_to(hermes, store)
    assert route.rename("mine1", "Renamed here")["title"] == "Renamed here"
    assert on_disk(store, "mine1")["title"] == "Renamed here"
    assert route.state.way == "elsewhere"
    assert "serves another folder" in route.state.text
    assert sorted(p.name for p in hermes.sessions.iterdir()) == before


@needs_hermes
def test_a_webui_holding_another_session_under_the_same_id_is_not_used(
    hermes: HermesServer, tmp_path: Path,
) -> None:
    served(hermes, SessionStore(hermes.sessions), "same1", "Theirs")
    store = add_session(tmp_path / "mine", "same1", "Mine")  # created later: another one
    route = route_to(hermes, store)
    route.set_pinned("same1", True)
    assert on_disk(store, "same1")["pinned"] is True
    assert hermes.session("same1")["pinned"] is False
    assert route.state.way == "elsewhere"


@needs_hermes
def test_a_webui_over_a_copy_of_this_store_is_dropped_after_one_edit(
    hermes: HermesServer, tmp_path: Path,
) -> None:
    """A byte-for-byte copy looks like this store until an edit lands in the wrong folder:
    the edit is then written here too, and that WebUI is never asked again."""
    add_session(hermes.sessions, "copy1", "Copied")
    mine = tmp_path / "mine"
    mine.mkdir()
    for name in ("copy1.json", "_index.json"):
        (mine / name).write_bytes((hermes.sessions / name).read_bytes())
    store = SessionStore(mine)
    route = route_to(hermes, store)
    route.rename("copy1", "Renamed")
    assert on_disk(store, "copy1")["title"] == "Renamed"
    assert route.state.way == "elsewhere"
    route.set_pinned("copy1", True)
    assert on_disk(store, "copy1")["pinned"] is True
    assert hermes.session("copy1")["pinned"] is False  # not sent again


@needs_hermes
def test_a_session_of_another_profile_is_not_edited_through_the_webui(
    hermes: HermesServer,
) -> None:
    store = add_session(hermes.sessions, "prof1", "Work", profile="work")
    editor = WebUIEditor(store, WebUIClient(hermes.address))
    with pytest.raises(WebUINotThisStore, match="another Hermes profile"):
        editor.prove("prof1")


# ── gone, or never there ──────────────────────────────────────────────────────


def test_with_no_webui_edits_go_to_the_file(tmp_path: Path) -> None:
    store = add_session(tmp_path / "s", "ss01", "Alone")
    route = EditRoute(store, WebUIAddress("http", "127.0.0.1", free_port()), env={})
    assert route.rename("ss01", "Still saved")["title"] == "Still saved"
    assert on_disk(store, "ss01")["title"] == "Still saved"
    assert route.state.way == "absent" and route.state.text == ""
    client = WebUIClient(WebUIAddress("http", "127.0.0.1", free_port()))
    with pytest.raises(WebUIUnreachable, match=r"nothing answers at 127\.0\.0\.1:"):
        client.get("/api/sessions")


@needs_hermes
def test_a_webui_that_stops_sends_edits_back_to_the_file(tmp_path: Path) -> None:
    with running_hermes(tmp_path / "h") as server:
        store = SessionStore(server.sessions)
        served(server, store, "st01", "Before")
        route = route_to(server, store)
        route.rename("st01", "Through the WebUI")
        assert route.state.way == "webui"
        server.stop()
        assert not group_alive(server.pid)
        route.set_pinned("st01", True)
    assert route.state.way == "absent"
    record = on_disk(store, "st01")
    assert (record["title"], record["pinned"]) == ("Through the WebUI", True)


# ── passwords ────────────────────────────────────────────────────────────────


@needs_hermes
def test_a_password_protected_webui(tmp_path: Path) -> None:
    with running_hermes(tmp_path / "h", password=PASSWORD) as server:
        store = SessionStore(server.sessions)
        served(server, store, "pw01", "Guarded")
        # Without the password: the edit is not made, and not written behind its back.
        route = route_to(server, store)
        with pytest.raises(WebUIPasswordNeeded, match="set HERMES_WEBUI_PASSWORD") as caught:
            route.rename("pw01", "No password")
        assert on_disk(store, "pw01")["title"] == "Guarded"
        assert route.state.way == "blocked"
        assert "needs a password" in route.state.text
        assert caught.value.retry is not None and caught.value.write_file is not None
        # A wrong one: refused, said plainly, never shown.
        wrong = route_to(server, store, HERMES_WEBUI_PASSWORD="not-" + PASSWORD)
        with pytest.raises(WebUIWrongPassword, match="did not accept") as refused:
            wrong.set_pinned("pw01", True)
        assert PASSWORD not in str(refused.value) and PASSWORD not in repr(wrong.webui)
        assert route.check().way == "blocked"
        assert on_disk(store, "pw01")["pinned"] is False
        # The right one: logged in, the edit goes through and survives the autosave.
        good = route_to(server, store, HERMES_WEBUI_PASSWORD=PASSWORD)
        assert good.rename("pw01", "Logged in")["title"] == "Logged in"
        assert good.state.way == "webui"
        server.draft("pw01", "typing")
        assert on_disk(store, "pw01")["title"] == "Logged in"
        assert server.session("pw01")["title"] == "Logged in"
        assert PASSWORD not in server.log.read_text()


@needs_hermes
def test_the_webui_refuses_a_pin_past_its_limit_and_says_why(hermes: HermesServer) -> None:
    store = SessionStore(hermes.sessions)
    route = route_to(hermes, store)
    for n in range(4):
        served(hermes, store, f"pin{n}", f"Pin {n}")
    for n in range(3):
        route.set_pinned(f"pin{n}", True)
    with pytest.raises(WebUIBlocked) as caught:
        route.set_pinned("pin3", True)
    assert "Up to 3 sessions can be pinned" in str(caught.value)
    assert on_disk(store, "pin3")["pinned"] is False
    assert route.state.way == "webui"  # a refused edit says nothing about the next one
    assert caught.value.write_file is not None
    assert caught.value.write_file()["pinned"] is True  # written anyway, as the person chose
    assert on_disk(store, "pin3")["pinned"] is True


# ── sessions we create load in Hermes ─────────────────────────────────────────


@needs_hermes
def test_hermes_loads_a_session_our_store_created(
    hermes: HermesServer, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(models, "SESSION_DIR", hermes.sessions)
    monkeypatch.setattr(models, "SESSION_INDEX_FILE", hermes.sessions / "_index.json")
    Session(session_id="new01", title="Made here",
            messages=[{"role": "user", "content": "hello"}]).save()
    record = on_disk(SessionStore(hermes.sessions), "new01")
    assert None not in (record.get("workspace", ""), record.get("model", ""))
    session = hermes.session("new01")  # Hermes' Session.load, in its server
    assert session["title"] == "Made here"
    assert [m["content"] for m in session["messages"]] == ["hello"]
    code = (
        "from api.models import Session\n"
        "s = Session.load('new01')\n"
        "print(s.title, type(s.workspace).__name__, len(s.messages))\n"
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(hermes.home),
           "HERMES_WEBUI_STATE_DIR": str(hermes.state), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", code], cwd=HERMES_WEBUI, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "Made here str 1"


# ── where it listens ──────────────────────────────────────────────────────────


def test_the_address_is_read_as_the_webui_reads_it() -> None:
    assert WebUIAddress.from_env({}).label == "127.0.0.1:8787"
    address = WebUIAddress.from_env({"HERMES_WEBUI_HOST": "0.0.0.0", "HERMES_WEBUI_PORT": "9000"})
    assert (address.scheme, address.host, address.port) == ("http", "127.0.0.1", 9000)
    tls = WebUIAddress.from_env({"HERMES_WEBUI_TLS_CERT": "/etc/hermes/cert.pem"})
    assert tls.label == "https://127.0.0.1:8787"
    assert WebUIAddress.from_url("localhost:9001").label == "localhost:9001"
    assert WebUIAddress.from_url("https://[::1]:9443/", env={}).label == "https://[::1]:9443"
    for bad in ("ftp://x:1", "http://:80", "http://host:99999"):
        with pytest.raises(ValueError, match="not a WebUI address"):
            WebUIAddress.from_url(bad)
    with pytest.raises(ValueError, match="HERMES_WEBUI_PORT is not a port number"):
        WebUIAddress.from_env({"HERMES_WEBUI_PORT": "http"})


def test_another_kind_of_server_on_the_port_is_not_used(tmp_path: Path) -> None:
    """Something that is not Hermes WebUI listens there (an HTML page): edits go to the file."""
    import http.server
    import threading

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<html>not hermes</html>"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        store = add_session(tmp_path / "s", "ot01", "Other")
        address = WebUIAddress("http", "127.0.0.1", httpd.server_address[1])
        route = EditRoute(store, address, env={})
        assert route.set_pinned("ot01", True)["pinned"] is True
        assert on_disk(store, "ot01")["pinned"] is True
        assert route.state.way == "elsewhere"
        assert "is not a Hermes WebUI" in route.state.text
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@needs_hermes
def test_a_session_file_hermes_cannot_read_is_edited_in_the_file(hermes: HermesServer) -> None:
    """An older file of ours with "workspace": null: Hermes fails to load it (so it cannot
    hold it in memory and revert an edit); the edit goes to the file, and the app says why."""
    store = add_session(hermes.sessions, "old01", "Old")
    path = hermes.sessions / "old01.json"
    path.write_text(path.read_text().replace('"title"', '"workspace":null,"title"', 1))
    route = route_to(hermes, store)
    assert route.rename("old01", "Renamed")["title"] == "Renamed"
    assert on_disk(store, "old01")["title"] == "Renamed"
    assert "cannot read this session" in route.state.text


@needs_hermes
def test_the_periodic_check_proves_the_webui_without_listing_every_session(
    hermes: HermesServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status line's check runs every few seconds: it proves the WebUI by the session it
    proved last (one stat), and lists the store again only when that session's file is gone."""
    store = served_store(hermes, {"ck01": "First", "ck02": "Second"})
    route = route_to(hermes, store)
    listed = []
    real = store.list_rows
    monkeypatch.setattr(store, "list_rows", lambda: listed.append(1) or real())
    assert route.check().way == "webui"
    assert route.check().way == "webui"
    assert len(listed) == 1
    newest = real()[0]["session_id"]
    (store.directory / f"{newest}.json").unlink()
    assert route.check().way == "webui"  # proved by the other session
    assert len(listed) == 2
