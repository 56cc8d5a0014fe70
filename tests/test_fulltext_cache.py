"""Full-text search: a cache outside the store, kept in step, rebuilt when it can't be trusted."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from api.search import SearchIndex, fts_query
from api.store import SessionStore


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "xdg-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(root))
    return root


def _add(store: SessionStore, sid: str, *texts: object) -> None:
    messages = [{"role": ("user", "assistant")[i % 2], "content": t, "timestamp": 100.0 + i}
                for i, t in enumerate(texts)]
    store.save(store.new_session(session_id=sid, title=sid, messages=messages))


def test_finds_messages_by_words_with_highlighted_snippet(store: SessionStore, cache: Path) -> None:
    _add(store, "s1", "how do I fix the Deadlock in the pool?", "use a timeout")
    _add(store, "s2", [{"type": "text", "text": "a deadlock in parts"}, {"type": "image"}])
    index = SearchIndex(store.directory)
    index.refresh()
    hits = index.search("deadlock")
    assert {(h.session_id, h.message_index) for h in hits} == {("s1", 0), ("s2", 0)}
    hit = next(h for h in hits if h.session_id == "s1")
    text, spans = hit.snippet_spans()
    assert [text[a:b] for a, b in spans] == ["Deadlock"]
    assert hit.role == "user" and hit.timestamp == 100.0
    assert [h.session_id for h in index.search("deadlock pool")] == ["s1"], "every word matches"
    assert [h.message_index for h in index.search("time")] == [1], "words match as prefixes"


def test_cache_lives_in_the_user_cache_keyed_by_store(
    store: SessionStore, cache: Path, tmp_path: Path
) -> None:
    _add(store, "s1", "hello")
    index = SearchIndex(store.directory)
    index.refresh()
    assert index.path.parent == cache / "session-browser"
    assert sorted(p.name for p in store.directory.iterdir()) == [
        "_index.json", "_index.lock", "s1.json"
    ]
    assert oct(index.path.stat().st_mode & 0o777) == oct(0o600)
    other = tmp_path / "other"
    other.mkdir()
    assert SearchIndex(other).path != index.path


def test_refresh_rereads_only_changed_files(store: SessionStore, cache: Path) -> None:
    for i in range(5):
        _add(store, f"s{i}", f"alpha {i}")
    index = SearchIndex(store.directory)
    assert index.refresh().reindexed == 5
    assert index.refresh().reindexed == 0
    store.update("s3", {"messages": [{"role": "user", "content": "omega now"}]})
    (store.directory / "s4.json").unlink()
    stats = index.refresh()
    assert (stats.reindexed, stats.removed) == (1, 1)
    assert [h.session_id for h in index.search("omega")] == ["s3"]
    assert sorted(h.session_id for h in index.search("alpha")) == ["s0", "s1", "s2"]


def test_chinese_and_japanese_words_are_found_inside_sentences(
    store: SessionStore, cache: Path
) -> None:
    """Written without spaces, a sentence must still be found by any word in it."""
    _add(store, "zh", "我们的数据库连接失败了，请检查 deadlock数据 日志")
    _add(store, "ja", "次は東京で会議があります")
    _add(store, "en", "database connection failed")
    index = SearchIndex(store.directory)
    index.refresh()
    for query, expected in [("数据库", "zh"), ("连接失败", "zh"), ("deadlock数据", "zh"),
                            ("東京", "ja"), ("会議", "ja"), ("database", "en")]:
        hits = index.search(query)
        assert [h.session_id for h in hits] == [expected], query
        text, spans = hits[0].snippet_spans()
        assert "\x1f" not in text, "the separators never show"
        assert [text[a:b] for a, b in spans] == [query], query
    text, _ = index.search("数据库")[0].snippet_spans()
    assert text.startswith("我们的数据库连接失败了，请检查 deadlock数据")  # as it was written
    assert index.search("数据 東京") == []  # every word must match, in one message
    assert index.search("库数") == []  # characters in that order, not any order


def test_refresh_of_named_sessions_touches_only_them(store: SessionStore, cache: Path) -> None:
    """What a live update asks for: the sessions it saw change, not a stat of every file."""
    for i in range(5):
        _add(store, f"s{i}", f"alpha {i}")
    index = SearchIndex(store.directory)
    index.refresh()
    store.update("s1", {"messages": [{"role": "user", "content": "omega one"}]})
    store.update("s2", {"messages": [{"role": "user", "content": "omega two"}]})
    (store.directory / "s4.json").unlink()
    _add(store, "new", "omega new")
    stats = index.refresh(only=["s1", "s4", "new", "../evil", "never-existed"])
    assert (stats.reindexed, stats.removed) == (2, 1)
    assert sorted(h.session_id for h in index.search("omega")) == ["new", "s1"]
    assert sorted(h.session_id for h in index.search("alpha")) == ["s0", "s2", "s3"]
    assert index.refresh().reindexed == 1  # a full refresh still catches s2


@pytest.mark.parametrize(
    "garbage", [b"", b"not a database at all" * 100, b"SQLite format 3\x00junk"]
)
def test_corrupt_cache_is_rebuilt_not_trusted(
    store: SessionStore, cache: Path, garbage: bytes
) -> None:
    _add(store, "s1", "needle")
    index = SearchIndex(store.directory)
    index.path.parent.mkdir(parents=True)
    index.path.write_bytes(garbage)
    index.refresh()
    assert [h.session_id for h in index.search("needle")] == ["s1"]


def test_cache_of_another_schema_is_rebuilt(store: SessionStore, cache: Path) -> None:
    _add(store, "s1", "needle")
    index = SearchIndex(store.directory)
    index.refresh()
    with sqlite3.connect(index.path) as conn:
        conn.execute("UPDATE meta SET value = '0' WHERE key = 'schema'")
        conn.execute("DELETE FROM messages")
    index.refresh()
    assert [h.session_id for h in index.search("needle")] == ["s1"]


#: (what is typed, the sessions it finds). Each word is matched as text, punctuation aside, as
#: a prefix; nothing is an FTS5 operator: `NEAR(a b)` is the word "near" (an operator would
#: find "a b"), `OR`/`AND` are words, `-x` is no exclusion, `*` `^` `(` `"` alone match nothing.
LITERAL_QUERIES = [
    ('"', []), ("*", []), ("^", []), ("(", []),
    ('a"b', ["ab", "lit", "near"]),  # the punctuation splits it: "a" then "b", as written
    ("NEAR(a b)", ["lit", "near"]),
    ("a AND", ["lit"]),
    ("OR", ["lit", "order"]),
    ("-x", ["lit", "x"]),
    ("é", ["accent", "lit"]),
]


@pytest.mark.parametrize(("query", "found"), LITERAL_QUERIES, ids=[q for q, _ in LITERAL_QUERIES])
def test_any_typed_query_is_taken_literally(
    store: SessionStore, cache: Path, query: str, found: list[str]
) -> None:
    _add(store, "lit", 'he said "a"b and NEAR(a b) -x or ^ ( é *')
    _add(store, "ab", "a b")
    _add(store, "near", "near a b")
    _add(store, "order", "order")
    _add(store, "x", "x")
    _add(store, "accent", "café é")
    index = SearchIndex(store.directory)
    index.refresh()
    assert sorted({hit.session_id for hit in index.search(query)}) == found


def test_query_builder_quotes_every_word() -> None:
    assert fts_query('  foo  "bar" ') == '"foo"* AND """bar"""*'
    assert fts_query("\x00 \t") == ""


def test_unreadable_session_files_are_skipped(store: SessionStore, cache: Path) -> None:
    _add(store, "good", "findme")
    (store.directory / "bad.json").write_text("{")
    weird = {"session_id": "weird", "messages": [1, None, {"content": 5}]}
    (store.directory / "weird.json").write_text(json.dumps(weird))
    index = SearchIndex(store.directory)
    stats = index.refresh()
    assert stats.scanned == 3
    assert [h.session_id for h in index.search("findme")] == ["good"]
    good = os.stat(store.directory / "good.json")  # same size, a new mtime (a second on:
    os.utime(store.directory / "good.json",  # "now" can be the same clock tick): re-read
             ns=(good.st_atime_ns, good.st_mtime_ns + 1_000_000_000))
    assert index.refresh().reindexed == 1
