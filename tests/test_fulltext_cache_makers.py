"""The search cache when several makers find it missing at once: the app's search threads and
its indexer child all open it at start, and whichever comes first makes it.

Two makers used to delete each other's database: the second found the first one's tables
without their meta row yet, took the file for broken and removed it, with the index the build
was filling (the app then said "no message contains every word" over a finished index), or,
in one process, with the memory another connection had mapped (a bus error, the app gone).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from api.search import SearchIndex
from api.store import SessionStore

#: Rounds of one build and two searches started together on a missing cache (or one of an
#: older schema, every other round), each with its own store; prints the rounds that lost
#: the index or raised. In its own process: the old failure was a bus error.
RACE = r"""
import json, sqlite3, sys, threading
from pathlib import Path
from api.search import SearchIndex

root, rounds = Path(sys.argv[1]), int(sys.argv[2])
lost, raised = [], []
for n in range(rounds):
    store, cache = root / f"store{n}", root / f"cache{n}"
    store.mkdir()
    for i in range(5):
        sid = f"aaaa0000000{i}"
        (store / f"{sid}.json").write_text(json.dumps({"session_id": sid, "title": sid,
            "messages": [{"role": "user", "content": "the cookie jar"}]}))
    if n % 2:
        cache.mkdir()
        with sqlite3.connect(SearchIndex(store, cache).path) as old:
            old.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            old.execute("INSERT INTO meta VALUES ('schema', '1')")
    start = threading.Barrier(3)
    def run(job):
        start.wait()
        try:
            job(SearchIndex(store, cache))
        except Exception as exc:
            raised.append(f"round {n}: {exc!r}")
    jobs = [lambda i: i.refresh(), lambda i: i.search("cookie"), lambda i: i.search("cookie")]
    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    found = len(SearchIndex(store, cache).search("cookie"))
    if found != 5:
        lost.append(f"round {n}: {found} of 5 messages found")
print(json.dumps({"lost": lost, "raised": raised}))
"""


def test_a_build_and_searches_that_make_the_cache_at_once_lose_nothing(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", RACE, str(tmp_path), "30"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = json.loads(done.stdout)
    assert outcome == {"lost": [], "raised": []}
    # Made whole elsewhere, then put in place: no temporary file is left behind, and every
    # database is private.
    caches = sorted(tmp_path.glob("cache*"))
    assert len(caches) == 30
    for cache in caches:
        names = {p.name for p in cache.iterdir()}
        assert not [name for name in names if name.endswith(".tmp")], names
        (database,) = cache.glob("*.sqlite3")
        assert database.stat().st_mode & 0o777 == 0o600


def test_a_half_made_cache_is_made_anew(store: SessionStore, tmp_path: Path) -> None:
    """Tables without their meta row: what an older version's maker left when it died."""
    store.save(store.new_session(session_id="s1", title="s1",
                                 messages=[{"role": "user", "content": "needle"}]))
    index = SearchIndex(store.directory, tmp_path / "cache")
    index.path.parent.mkdir()
    with sqlite3.connect(index.path) as half:
        half.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        half.execute("CREATE TABLE files (num INTEGER PRIMARY KEY)")
    stale = index.path.with_name(f".{index.path.name}.999999.tmp")  # a maker that died
    stale.write_bytes(b"half")
    assert index.refresh().reindexed == 1
    assert [h.session_id for h in index.search("needle")] == ["s1"]
    assert not stale.exists()


def test_two_builds_at_once_both_finish_with_every_message_once(
    store: SessionStore, tmp_path: Path
) -> None:
    """Two apps open on one store, each building its index at first search: the second used
    to fail ("UNIQUE constraint failed") on the first session the other had added since it
    read the table."""
    for n in range(300):
        store.save(store.new_session(session_id=f"s{n:03}", title="t", messages=[
            {"role": "user", "content": f"cookie number{n}"}, {"role": "assistant", "content": "ok"}
        ]))
    cache = tmp_path / "cache"
    outcome = {}
    start = threading.Barrier(2)

    def build(name: str) -> None:
        start.wait()
        try:
            outcome[name] = SearchIndex(store.directory, cache).refresh().scanned
        except Exception as exc:
            outcome[name] = repr(exc)

    threads = [threading.Thread(target=build, args=(name,)) for name in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcome == {"one": 300, "two": 300}
    index = SearchIndex(store.directory, cache)
    assert sorted(h.session_id for h in index.search("cookie", limit=1000)) == [
        f"s{n:03}" for n in range(300)]
    assert [h.session_id for h in index.search("number299")] == ["s299"]
