"""What the edit route costs, printed as figures and ratios taken in one run (asserts nothing).

  - looking for a WebUI where none listens (a refused connection on this machine), per edit;
  - an edit (pin / unpin) written to the files, through the route with no WebUI answering, and
    through Hermes WebUI's real server (../shared/hermes-webui) serving the store.

Run: python bench/webui.py [N_SESSIONS]   (default 200; needs pyyaml and cryptography)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from hermes_server import SERVER, free_port, running_hermes

from api.store import SessionStore
from api.webui import WebUIAddress, WebUIClient, WebUIUnreachable
from tui.editing.route import EditRoute

ROUNDS = 60


def timed(call: Callable[[int], object], rounds: int = ROUNDS) -> float:
    """Median seconds of `call(i)`."""
    times = []
    for i in range(rounds):
        start = time.perf_counter()
        call(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def refused(address: WebUIAddress) -> float:
    client = WebUIClient(address)

    def probe(_: int) -> None:
        try:
            client.get("/api/sessions")
        except WebUIUnreachable:
            return
        raise SystemExit("something listens on the free port")

    return timed(probe, 1000)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    nobody = WebUIAddress("http", "127.0.0.1", free_port())
    print(f"refused connection (no WebUI): {refused(nobody) * 1e6:8.0f} µs per edit")
    if not SERVER.is_file():
        print(f"Hermes WebUI's server is absent ({SERVER}): no figures through it")
        return
    with tempfile.TemporaryDirectory() as tmp, running_hermes(Path(tmp)) as server:
        store = SessionStore(server.sessions)
        for i in range(n):
            store.save(store.new_session(session_id=f"s{i:05d}", title=f"Session {i}",
                                         messages=[{"role": "user", "content": "hi"}]))
        sid = "s00000"
        server.session(sid)
        files = timed(lambda i: store.set_pinned(sid, i % 2 == 0))
        absent = EditRoute(store, nobody, env={})
        fallback = timed(lambda i: absent.set_pinned(sid, i % 2 == 0))
        via = EditRoute(store, server.address, env={})
        through = timed(lambda i: via.set_pinned(sid, i % 2 == 0))
        assert via.state.way == "webui", via.state
        client = WebUIClient(server.address)
        alone = timed(lambda i: client.post("/api/session/pin",
                                            {"session_id": sid, "pinned": i % 2 == 0}))
    print(f"store of {n} sessions, median of {ROUNDS} pins:")
    print(f"  files (SessionStore.set_pinned):   {files * 1e3:7.2f} ms")
    print(f"  route, no WebUI answering:          {fallback * 1e3:7.2f} ms"
          f"  ({fallback / files:.2f}x files)")
    print(f"  route, through Hermes WebUI:        {through * 1e3:7.2f} ms"
          f"  ({through / files:.2f}x files)")
    print(f"  of which Hermes' own POST /pin:     {alone * 1e3:7.2f} ms"
          f"  ({alone / through:.0%} of the route's)")


if __name__ == "__main__":
    main()
