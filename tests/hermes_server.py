"""Hermes WebUI's real server (`../shared/hermes-webui`), started for a test, always stopped.

Imported by the tests that need the peer this project lives beside; never a mock. Each server
runs in its own process group on a free port, with a temporary HOME and state folder, and is
stopped (and its whole group killed if need be) when the `with` block ends, also on failure.
Tests that use it skip, saying why, only where `../shared/hermes-webui` is absent.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from api.webui import WebUIAddress

HERMES_WEBUI = Path(__file__).resolve().parents[1].parent / "shared" / "hermes-webui"
SERVER = HERMES_WEBUI / "server.py"

needs_hermes = pytest.mark.skipif(
    not SERVER.is_file(),
    reason=f"Hermes WebUI's server is absent ({SERVER}): this clone has no ../shared/hermes-webui",
)

#: How long a server may take to answer its first request (it starts in ~2 s here).
START_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class HermesServer:
    """A running Hermes WebUI over `sessions` (= `state/sessions`)."""

    root: Path
    port: int
    password: str | None
    process: subprocess.Popen[bytes] | None = None
    cookie: str = field(default="", repr=False)
    pid: int = 0
    #: Its HOME, its state folder (`state/sessions` is the store) and its output.
    home: Path = field(init=False)
    state: Path = field(init=False)
    sessions: Path = field(init=False)
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.home, self.state = self.root / "home", self.root / "state"
        self.sessions, self.log = self.state / "sessions", self.root / "server.log"

    @property
    def address(self) -> WebUIAddress:
        return WebUIAddress("http", "127.0.0.1", self.port)

    # ── as a browser would use it ───────────────────────────────────────────

    def request(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """One JSON request, logged in first when the server has a password."""
        if self.password and not self.cookie and path != "/api/auth/login":
            self._login()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            headers = {"Content-Type": "application/json"}
            if self.cookie:
                headers["Cookie"] = self.cookie
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            response = conn.getresponse()
            data = json.loads(response.read() or b"{}")
            if path == "/api/auth/login" and response.status == 200:
                self.cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
            return response.status, data
        finally:
            conn.close()

    def _login(self) -> None:
        status, data = self.request("POST", "/api/auth/login", {"password": self.password})
        assert status == 200, data

    def session(self, sid: str) -> dict[str, Any]:
        """What the WebUI serves for this session (`GET /api/session`)."""
        status, data = self.request("GET", f"/api/session?session_id={sid}&messages=1")
        assert status == 200, data
        session: dict[str, Any] = data["session"]
        return session

    def draft(self, sid: str, text: str) -> None:
        """The composer's autosave a browser sends while a person types: the WebUI saves the
        session from its memory."""
        status, data = self.request("POST", "/api/session/draft",
                                    {"session_id": sid, "text": text})
        assert status == 200, data

    def listed(self) -> list[str]:
        """The ids it lists (`GET /api/sessions`), from its memory and its index."""
        status, data = self.request("GET", "/api/sessions")
        assert status == 200, data
        return [row["session_id"] for row in data["sessions"]]

    def status_of(self, sid: str) -> int:
        """The HTTP status of `GET /api/session` for this id (404: it has no such session)."""
        return self.request("GET", f"/api/session?session_id={sid}&messages=0")[0]

    def post(self, path: str, **body: Any) -> dict[str, Any]:
        status, data = self.request("POST", path, body)
        assert status == 200, data
        return data

    # ── life ────────────────────────────────────────────────────────────────

    def start(self) -> None:
        self.sessions.mkdir(parents=True, exist_ok=True)
        self.home.mkdir(parents=True, exist_ok=True)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "HERMES_HOME": str(self.home / ".hermes"),
            "HERMES_WEBUI_STATE_DIR": str(self.state),
            "HERMES_WEBUI_HOST": "127.0.0.1",
            "HERMES_WEBUI_PORT": str(self.port),
            "PYTHONDONTWRITEBYTECODE": "1",  # ../shared is read-only input
        }
        if self.password:
            env["HERMES_WEBUI_PASSWORD"] = self.password
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, str(SERVER)], cwd=HERMES_WEBUI, env=env,
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.pid = self.process.pid
        STARTED.append(self.pid)
        self._wait_until_up()

    def _wait_until_up(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"Hermes WebUI exited at start:\n{self.log.read_text()}")
            with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                try:
                    conn.request("GET", "/api/sessions")
                    response = conn.getresponse()
                    response.read()
                    if response.status in (200, 401):  # 401: up, behind its password
                        return
                finally:
                    conn.close()
            time.sleep(0.1)
        raise RuntimeError(f"Hermes WebUI did not answer in {START_SECONDS:.0f} s:\n"
                           f"{self.log.read_text()}")

    def stop(self) -> None:
        """Stop it and everything it started; waits until the process is gone."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@contextlib.contextmanager
def running_hermes(root: Path, *, password: str | None = None) -> Iterator[HermesServer]:
    """A Hermes WebUI over `root/state/sessions`, stopped when the block ends."""
    if not SERVER.is_file():
        pytest.skip(f"Hermes WebUI's server is absent ({SERVER})")
    server = HermesServer(root, free_port(), password)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def hermes(tmp_path: Path) -> Iterator[HermesServer]:
    """A Hermes WebUI for one test; checked to be gone, with all it started, afterwards."""
    with running_hermes(tmp_path / "hermes") as server:
        yield server
    assert not group_alive(server.pid), "a Hermes WebUI server was left running"


def group_alive(pgid: int) -> bool:
    """Is any process of this group (a server and whatever it started) still running?"""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


#: Process groups of every server started by this test run (each is its server's pid).
STARTED: list[int] = []
