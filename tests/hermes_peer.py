"""A minimal Hermes WebUI server for the trash's round trips (`../shared/hermes-webui`).

The `webui` branch has a fuller fixture (tests/hermes_server.py), but it imports `api.webui`,
which this branch does not have; this one only starts, asks and stops. The server runs in its
own process group on a free port with a temporary HOME, and the whole group is killed when the
`with` block ends, also on failure.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SERVER = Path(__file__).resolve().parents[1].parent / "shared" / "hermes-webui" / "server.py"
START_SECONDS = 60.0


@dataclass
class Peer:
    port: int

    def get(self, path: str) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            conn.close()

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, Any]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            conn.close()

    def delete(self, sid: str) -> None:
        """Hermes' own delete, as `SessionStore.delete_many(remote=...)` wants it."""
        status, data = self.post("/api/session/delete", {"session_id": sid})
        if status != 200:
            raise RuntimeError(f"{status}: {data}")

    def listed(self) -> list[str]:
        status, data = self.get("/api/sessions")
        assert status == 200, data
        return [row["session_id"] for row in data["sessions"]]

    def session(self, sid: str) -> tuple[int, Any]:
        return self.get(f"/api/session?session_id={sid}&messages=1")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def hermes_over(state: Path, home: Path) -> Iterator[Peer]:
    """Hermes WebUI serving `state/sessions`; stopped (its whole group) when the block ends."""
    if not SERVER.is_file():
        pytest.skip(f"needs ../shared/hermes-webui: Hermes WebUI's server is absent ({SERVER})")
    home.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
           "HERMES_HOME": str(home / ".hermes"), "HERMES_WEBUI_STATE_DIR": str(state),
           "HERMES_WEBUI_HOST": "127.0.0.1", "HERMES_WEBUI_PORT": str(port),
           "PYTHONDONTWRITEBYTECODE": "1"}
    with open(home / "server.log", "ab") as log:
        process = subprocess.Popen([sys.executable, str(SERVER)], cwd=SERVER.parent, env=env,
                                   stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        peer = Peer(port)
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError((home / "server.log").read_text())
            with contextlib.suppress(OSError, http.client.HTTPException, ValueError):
                if peer.get("/api/sessions")[0] == 200:
                    break
            assert time.monotonic() < deadline, "Hermes WebUI did not start"
            time.sleep(0.1)
        yield peer
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
