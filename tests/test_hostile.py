"""Hostile input: whatever another tool (or an attacker) leaves in the store folder.

hypothesis generates session files (random bytes, random JSON, deep nesting, huge strings, wrong
types in every field, duplicate and mismatched ids, ids with path separators, truncated files),
directories and symlinks where session files should be, index files (junk rows, wrong types,
not a list, truncated) and titles. The store must:
  - never raise from a listing, and never raise anything but the documented errors elsewhere
    (ValueError/CorruptSession for bad ids and files, OSError for I/O);
  - list every valid session once, with well-typed fields, and no row without its file;
  - never write outside its folder (the parent folder is compared before and after);
  - save back any session it could load, keeping every key the file had.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers_store import (
    copy_hermes_store,
    diff_snapshots,
    disk_sessions,
    index_problems,
    listing_problems,
    parse_json,
    row_type_errors,
    snapshot,
    temp_names,
)
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import api.models as models
from api.index import CorruptSession, SessionIndex
from api.models import Session
from api.records import is_safe_id
from api.store import MAX_TITLE, SessionStore

SETTINGS = settings(
    max_examples=int(os.environ.get("SB_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    database=None,  # nothing written into the repository
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ── JSON text fragments ─────────────────────────────────────────────────────
# Values are generated as JSON *text*, so nesting deeper than Python's json could write, NaN,
# and numbers past a double can all be put into a file.

HOSTILE_STRINGS = [
    "", " ", "../x", "a/b", "/etc/passwd", "\x00", "x" * 129, "\x1b[2J", "\x1b]52;c;aGk=\x07",
    "\ud800", "\udcff", "[b]markup[/b]", "\u202e", "日本語", "\n\t",
]
TEXT = st.text(max_size=30) | st.sampled_from(HOSTILE_STRINGS)
SCALAR_TEXT = st.one_of(
    st.sampled_from(["null", "true", "false", "NaN", "Infinity", "-Infinity", "1e400", "-0",
                     "1" + "0" * 400, "18446744073709551616", "-9223372036854775809"]),
    st.integers().map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    TEXT.map(json.dumps),
)


def _deep(n: int, kind: str) -> str:
    return "[" * n + "]" * n if kind == "list" else '{"a":' * n + "1" + "}" * n


FRAGMENT = st.one_of(
    SCALAR_TEXT,
    st.recursive(
        SCALAR_TEXT,
        lambda inner: st.lists(inner, max_size=4).map(lambda xs: "[" + ",".join(xs) + "]")
        | st.lists(st.tuples(TEXT.map(json.dumps), inner), max_size=4).map(
            lambda kv: "{" + ",".join(f"{k}:{v}" for k, v in kv) + "}"
        ),
        max_leaves=10,
    ),
    st.builds(_deep, st.integers(1, 1100), st.sampled_from(["list", "dict"])),
    st.integers(0, 300_000).map(lambda n: json.dumps("x" * n)),
)

FIELDS = [
    "title", "workspace", "model", "model_provider", "created_at", "updated_at", "pinned",
    "archived", "project_id", "profile", "message_count", "messages", "last_message_at",
]
SAFE_ID = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True)
GOOD_MESSAGE = st.fixed_dictionaries(
    {"role": st.sampled_from(["user", "assistant", "tool", "system"]), "content": TEXT},
    optional={"timestamp": st.floats(0, 2e9), "_ts": st.integers(0, 2_000_000_000)},
)

# What the composites below draw from, made once, not again in every draw (the same examples,
# drawn faster).
UP_TO_4, UP_TO_6, ONE_IN_10, COUNT = (st.integers(0, 4), st.integers(0, 6), st.integers(0, 9),
                                      st.integers(0, 50))
BOOL, TIME, BYTES = st.booleans(), st.floats(0, 2e9), st.binary(max_size=200)
ROLE_FRAGMENT = FRAGMENT | st.just(json.dumps("user"))
TIME_KEY = st.sampled_from(["timestamp", "_ts"])
ID_CHOICE = st.sampled_from(["match", "match", "match", "other", "hostile", "wrong"])
HOSTILE = st.sampled_from(HOSTILE_STRINGS)
HOW = st.sampled_from(["good", "good", "hostile", "absent"])
GOOD_MESSAGES = st.lists(GOOD_MESSAGE, max_size=3)
TEXT_OR_NONE = st.none() | TEXT
FILE_KIND = st.sampled_from(["record", "record", "record", "bytes", "json", "truncated"])
ENTRY_KIND = st.sampled_from(["file"] * 6 + ["dir", "link_out", "link_in"])
INDEX_KIND = st.sampled_from(["none", "bytes", "json", "rows", "rows", "truncated"])
ROW_ID = SAFE_ID | st.sampled_from(["a", "b"])


@st.composite
def message_list(draw: st.DrawFn) -> str:
    """`messages` of the right shape, with hostile timestamps and contents inside."""
    parts = []
    for _ in range(draw(UP_TO_4)):
        parts.append(
            "{"
            + f'"role":{draw(ROLE_FRAGMENT)},'
            + f'"content":{draw(FRAGMENT)},'
            + f'"{draw(TIME_KEY)}":{draw(FRAGMENT)}'
            + "}"
        )
    return "[" + ",".join(parts) + "]"


MESSAGE_LIST = message_list()


@st.composite
def record_text(draw: st.DrawFn, sid: str) -> str:
    """A session-shaped object: some fields hostile, some right, the id right or not."""
    id_choice = draw(ID_CHOICE)
    id_text = {
        "match": json.dumps(sid),
        "other": json.dumps(draw(SAFE_ID)),
        "hostile": json.dumps(draw(HOSTILE)),
        "wrong": draw(FRAGMENT),
    }[id_choice]
    items = [("session_id", id_text)]
    for key in FIELDS:
        how = draw(HOW)
        if how == "absent":
            continue
        if key == "messages":
            value = draw(MESSAGE_LIST) if how == "hostile" else json.dumps(draw(GOOD_MESSAGES))
        elif how == "hostile":
            value = draw(FRAGMENT)
        else:
            value = json.dumps(_good_value(key, draw))
        items.append((key, value))
    if draw(BOOL):
        items.append((draw(TEXT), draw(FRAGMENT)))  # a key of another tool, kept through save
    if draw(ONE_IN_10) == 0:
        items.append(("session_id", json.dumps(draw(SAFE_ID))))  # a duplicate key
    order = draw(st.permutations(items))
    return "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in order) + "}"


def _good_value(key: str, draw: st.DrawFn) -> Any:
    if key in ("created_at", "updated_at", "last_message_at"):
        return draw(TIME)
    if key in ("pinned", "archived"):
        return draw(BOOL)
    if key == "message_count":
        return draw(COUNT)
    if key in ("project_id", "model_provider", "profile"):
        return draw(TEXT_OR_NONE)
    return draw(TEXT)


@st.composite
def file_content(draw: st.DrawFn, sid: str) -> bytes:
    kind = draw(FILE_KIND)
    if kind == "bytes":
        return draw(BYTES)
    if kind == "json":
        return draw(FRAGMENT).encode("utf-8", "surrogatepass")
    text = draw(record_text(sid)).encode("utf-8", "surrogatepass")
    if kind == "truncated":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    return text


@dataclass
class Entry:
    name: str
    kind: str  # file | dir | link_out | link_in
    data: bytes = b""


ENTRY_NAMES = st.one_of(
    SAFE_ID.map(lambda s: f"{s}.json"),
    st.sampled_from([
        "_x.json", "_deleted_webui_sessions.json", "a.json.bak", "a.json.tmp.1.abc",
        "a.json.tmp.999999.x", "noext", "a b.json", "é.json", ".json", "a..json",
        "x" * 129 + ".json",
    ]),
)

NAMES = st.lists(ENTRY_NAMES, min_size=1, max_size=6, unique=True)


@st.composite
def entries(draw: st.DrawFn) -> list[Entry]:
    out: dict[str, Entry] = {}
    for name in draw(NAMES):
        kind = draw(ENTRY_KIND)
        sid = name.removesuffix(".json")
        out[name] = Entry(name, kind, draw(file_content(sid)) if kind == "file" else b"")
    return list(out.values())


@st.composite
def index_content(draw: st.DrawFn) -> bytes | None:
    kind = draw(INDEX_KIND)
    if kind == "none":
        return None
    if kind == "bytes":
        return draw(BYTES)
    if kind == "json":
        return draw(FRAGMENT).encode("utf-8", "surrogatepass")
    rows = []
    for _ in range(draw(UP_TO_6)):
        if draw(UP_TO_4) == 0:
            rows.append(draw(FRAGMENT))  # a row that is not an object
        else:
            rows.append(draw(record_text(draw(ROW_ID))))
    text = ("[" + ",".join(rows) + "]").encode("utf-8", "surrogatepass")
    if kind == "truncated":
        return text[: draw(st.integers(0, max(0, len(text) - 1)))]
    return text


# ── a store built from the drawn entries ────────────────────────────────────


@contextmanager
def hostile_store(files: list[Entry], index: bytes | None) -> Iterator[tuple[Path, Path]]:
    """(root, sessions folder). `root` also holds `outside.json`, a valid session that symlinks
    point at, and `projects.json`: neither may change."""
    with tempfile.TemporaryDirectory(prefix="sb-hostile-") as tmp:
        root = Path(tmp)
        folder = root / "sessions"
        folder.mkdir()
        (root / "outside.json").write_text(json.dumps({"session_id": "outside", "title": "o"}))
        (root / "projects.json").write_text("[]")
        for entry in files:
            path = folder / entry.name
            if entry.kind == "file":
                path.write_bytes(entry.data)
            elif entry.kind == "dir":
                path.mkdir()
            elif entry.kind == "link_out":
                path.symlink_to(root / "outside.json")
            else:
                path.symlink_to(folder / "_x.json")
        if index is not None:
            (folder / "_index.json").write_bytes(index)
        yield root, folder


def outside_state(root: Path) -> dict[str, Any]:
    return snapshot(root, skip=("sessions",))


def valid_sessions(folder: Path) -> set[str]:
    return set(disk_sessions(folder))


def assert_outside_untouched(root: Path, before: dict[str, Any]) -> None:
    assert not diff_snapshots(before, outside_state(root)), diff_snapshots(
        before, outside_state(root)
    )


# ── properties ──────────────────────────────────────────────────────────────


@SETTINGS
@given(files=entries(), index=index_content())
@example(
    files=[Entry("deep.json", "file", b'{"session_id":"deep","title":' + _deep(1020, "list")
                 .encode() + b',"updated_at":1.0}')],
    index=None,
)
@example(
    files=[Entry("big.json", "file", b'{"session_id":"big","title":"t","messages":'
                 b'[{"role":"user","timestamp":1' + b"0" * 400 + b"}]}")],
    index=None,
)
@example(
    files=[Entry("sur.json", "file", b'{"session_id":"sur","title":"a \\ud800 b"}')],
    index=None,
)
@example(
    files=[Entry("nan.json", "file", b'{"session_id":"nan","messages":[{"role":"user",'
                 b'"timestamp":NaN}],"profile":{"p":1},"model_provider":[1]}')],
    index=None,
)
@example(
    files=[Entry("prof.json", "file", b'{"session_id":"prof","title":"t","profile":'
                 + _deep(1020, "list").encode() + b"}")],
    index=None,
)
@example(
    files=[Entry("huge.json", "file", b'{"session_id":"huge","title":"t",'
                 b'"message_count":1.8446744073709552e+19}')],
    index=None,
)
def test_listing_never_crashes_and_lists_every_valid_session(
    files: list[Entry], index: bytes | None
) -> None:
    with hostile_store(files, index) as (root, folder):
        before = outside_state(root)
        store = SessionStore(folder)
        rows = store.list_rows()
        for row in rows:
            assert not row_type_errors(row), (row.get("session_id"), row_type_errors(row))
        ids = [row["session_id"] for row in rows]
        assert len(ids) == len(set(ids)), "a session is listed twice"
        assert all((folder / f"{sid}.json").exists() for sid in ids), "a ghost row is listed"
        valid = valid_sessions(folder)
        assert valid <= set(ids), f"valid sessions not listed: {valid - set(ids)}"
        assert "outside" not in ids, "a symlink to a file outside the store was listed"
        # A rebuild (what a missing or corrupt index gets) lists exactly the valid sessions,
        # each with the title and updated_at on disk, and writes a well-formed index.
        rebuilt = store.rebuild()
        assert {row["session_id"] for row in rebuilt} == valid
        problems = listing_problems(folder, rebuilt, from_files=True)
        assert not problems, problems
        if (folder / "_index.json").is_file():
            assert not index_problems(folder), index_problems(folder)
        assert set(temp_names(folder)) <= {e.name for e in files}, "a temp file was left"
        assert_outside_untouched(root, before)


@SETTINGS
@given(files=entries(), index=index_content())
@example(
    files=[Entry("sur.json", "file", b'{"session_id":"sur","title":"a \\ud800 b"}')],
    index=None,
)
@example(
    files=[Entry("deep.json", "file", b'{"session_id":"deep","title":' + _deep(1020, "list")
                 .encode() + b"}")],
    index=None,
)
def test_load_and_save_of_hostile_files(files: list[Entry], index: bytes | None) -> None:
    """Session.load raises only the documented errors; what it loads saves back, every key
    kept, and the listing then agrees with the file."""
    with hostile_store(files, index) as (root, folder):
        before = outside_state(root)
        store = SessionStore(folder)
        for entry in files:
            sid = entry.name.removesuffix(".json")
            try:
                session = store.load(sid)
            except (CorruptSession, FileNotFoundError) as exc:
                assert sid not in valid_sessions(folder), f"{sid} is valid yet: {exc!r}"
                continue
            except ValueError:
                assert not entry.name.endswith(".json") or not is_safe_id(sid)
                continue
            assert entry.kind == "file", f"{entry.kind} {entry.name} was loaded as a session"
            original = parse_json(entry.data)
            store.save(session, touch=False)
            saved = parse_json((folder / entry.name).read_bytes())
            assert list(saved) == list(original) + [
                k for k in ("message_count",) if k not in original
                and isinstance(original.get("messages"), list)
            ], "keys lost or reordered"
            for key, value in original.items():
                if key != "message_count" and _comparable(value):
                    assert saved[key] == value, f"{key} changed by a save"
            problems = listing_problems(folder, store.list_rows())
            assert not problems, problems
            store.rename(sid, "renamed by the test")
            assert parse_json((folder / entry.name).read_bytes())["title"] == "renamed by the test"
            assert not listing_problems(folder, store.list_rows())
        assert set(temp_names(folder)) <= {e.name for e in files}, "a temp file was left"
        assert_outside_untouched(root, before)


def _comparable(value: Any) -> bool:
    """Values a save may legitimately change are not compared: NaN and infinities (never equal
    to themselves; written as null), and ints past 64 bits (orjson reads them as floats)."""
    text = json.dumps(value, allow_nan=True)
    return "NaN" not in text and "Infinity" not in text and not _has_big_int(value)


def _has_big_int(value: Any) -> bool:
    stack = [value]  # not recursive: values may be nested 1,000 deep
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif type(item) is int and not -(2**63) <= item < 2**64:
            return True
    return False


@SETTINGS
@given(files=entries(), index=index_content())
def test_module_api_on_hostile_store(files: list[Entry], index: bytes | None) -> None:
    """`_write_session_index` (patch and rebuild) and `all_sessions` on the same folders."""
    with hostile_store(files, index) as (root, folder), pytest.MonkeyPatch.context() as mp:
        before = outside_state(root)
        mp.setattr(models, "SESSION_DIR", folder)
        mp.setattr(models, "SESSION_INDEX_FILE", folder / "_index.json")
        mp.setattr(models, "SESSIONS", {})
        fresh = Session(session_id="fresh0001", title="fresh", messages=[])
        fresh.save()
        models._write_session_index(updates=[fresh])
        rows = models.all_sessions()
        assert all(not row_type_errors(row) for row in rows)
        assert valid_sessions(folder) <= {row["session_id"] for row in rows}
        models._write_session_index()
        assert not index_problems(folder), index_problems(folder)
        assert_outside_untouched(root, before)


#: Any text, including lone surrogates (what Python makes of undecodable pasted bytes).
TITLES = st.one_of(
    st.text(max_size=200),
    st.lists(st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
             max_size=40).map("".join),
    st.sampled_from(HOSTILE_STRINGS),
    st.integers(0, 100_000).map(lambda n: "t " * n),
)


@SETTINGS
@given(title=TITLES)
@example(title="\ud800 pasted bytes")
@example(title="\x1b[2J\x1b]52;c;aGk=\x07 clear and copy")
def test_rename_with_hostile_titles(title: str) -> None:
    with tempfile.TemporaryDirectory(prefix="sb-title-") as tmp:
        folder = Path(tmp) / "sessions"
        folder.mkdir()
        store = SessionStore(folder)
        store.save(store.new_session(session_id="t1", title="before"))
        before = snapshot(folder)
        clean = " ".join(title.split())[:MAX_TITLE].strip()
        if not clean:
            with pytest.raises(ValueError):
                store.rename("t1", title)
            assert not diff_snapshots(before, snapshot(folder))
            return
        store.rename("t1", title)
        on_disk = parse_json((folder / "t1.json").read_bytes())["title"]
        if clean.encode("utf-8", "replace").decode("utf-8") == clean:
            assert on_disk == clean
        # Lone surrogates (undecodable pasted bytes) may be replaced, but what is stored must
        # be printable text: a terminal, an export or another tool will encode it as UTF-8.
        on_disk.encode("utf-8")
        assert len(on_disk) <= MAX_TITLE
        # This process's cached listing, and a fresh reader of the index, show what is on disk.
        assert [row["title"] for row in store.list_rows()] == [on_disk]
        assert [row["title"] for row in SessionIndex(folder, folder / "_index.json").rows()] == [
            on_disk
        ]
        assert len(on_disk) <= MAX_TITLE
        assert not index_problems(folder), index_problems(folder)


# ── hostile ids and symlinks ────────────────────────────────────────────────

HOSTILE_IDS = ["../x", "a/b", "", "\x00", "a\x00b", "x" * 129, ".", "..", "a.json", "a b",
               "é", "a\n", "/abs", "..\\x", "sess.json.tmp.1.a", "_index", "_saving.x"]


@pytest.mark.parametrize("sid", HOSTILE_IDS, ids=repr)
def test_hostile_ids_raise_value_error_and_write_nothing(
    sid: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    monkeypatch.setattr(models, "SESSION_DIR", folder)
    monkeypatch.setattr(models, "SESSION_INDEX_FILE", folder / "_index.json")
    store = SessionStore(folder)
    store.save(store.new_session(session_id="keep", title="keep"))
    before_parent = snapshot(tmp_path, skip=())
    before = snapshot(folder)

    session = store.new_session(session_id="placeholder", title="t")
    session.session_id = sid  # set after construction: the constructor treats "" as "new"
    with pytest.raises(ValueError):
        store.save(session)
    with pytest.raises(ValueError):
        session.save()
    with pytest.raises(ValueError):
        Session.load(sid)
    with pytest.raises(ValueError):
        store.load(sid)
    with pytest.raises(ValueError):
        store.rename(sid, "title")
    with pytest.raises(ValueError):
        store.set_pinned(sid, True)
    if sid:
        with pytest.raises(ValueError):
            Session(session_id=sid, title="t").save()
    assert not diff_snapshots(before, snapshot(folder))
    assert not diff_snapshots(before_parent, snapshot(tmp_path, skip=()))
    assert [row["session_id"] for row in store.list_rows()] == ["keep"]


def test_empty_id_in_constructor_is_refused_not_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Session(session_id="")` is an empty id, not "make me one": saving it must raise
    ValueError and write nothing (issue 3: empty ids raise ValueError on save)."""
    folder = tmp_path / "sessions"
    folder.mkdir()
    monkeypatch.setattr(models, "SESSION_DIR", folder)
    monkeypatch.setattr(models, "SESSION_INDEX_FILE", folder / "_index.json")
    with pytest.raises(ValueError):
        Session(session_id="", title="t").save()
    assert os.listdir(folder) == []


def test_symlinked_session_is_not_read_nor_written_through(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    outside = tmp_path / "outside.json"
    outside_bytes = json.dumps({"session_id": "evil", "title": "outside"}).encode()
    outside.write_bytes(outside_bytes)
    (folder / "evil.json").symlink_to(outside)
    (folder / "rel.json").symlink_to("../outside.json")
    store = SessionStore(folder)
    store.save(store.new_session(session_id="good", title="good"))

    assert {row["session_id"] for row in store.list_rows()} == {"good"}
    assert {row["session_id"] for row in store.rebuild()} == {"good"}
    for sid in ("evil", "rel"):
        with pytest.raises(CorruptSession):
            store.load(sid)
        with pytest.raises(CorruptSession):
            store.rename(sid, "renamed")
    assert outside.read_bytes() == outside_bytes

    # Saving a new session with that id replaces the link by a regular file in the store.
    store.save(store.new_session(session_id="evil", title="inside"))
    assert outside.read_bytes() == outside_bytes
    assert not (folder / "evil.json").is_symlink()
    assert (folder / "evil.json").is_file()
    assert parse_json((folder / "evil.json").read_bytes())["title"] == "inside"
    assert {row["session_id"]: row["title"] for row in store.list_rows()} == {
        "good": "good", "evil": "inside"}
    assert sorted(os.listdir(tmp_path)) == ["outside.json", "sessions"]

    # A loaded session whose file is swapped for a link before it is saved: the link is
    # replaced, not written through.
    loaded = store.load("good")
    (folder / "good.json").unlink()
    (folder / "good.json").symlink_to(outside)
    loaded.title = "saved over a link"
    store.save(loaded)
    assert outside.read_bytes() == outside_bytes
    assert not (folder / "good.json").is_symlink()
    assert parse_json((folder / "good.json").read_bytes())["title"] == "saved over a link"


def test_symlinked_index_is_not_written_through(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    outside = tmp_path / "outside_index.json"
    outside.write_bytes(b"[]")
    (folder / "_index.json").symlink_to(outside)
    store = SessionStore(folder)
    store.save(store.new_session(session_id="good", title="good"))
    store.rename("good", "renamed")
    assert outside.read_bytes() == b"[]"
    assert not store.index_path.is_symlink()
    assert not index_problems(folder)


def test_hostile_index_over_the_hermes_store(tmp_path: Path) -> None:
    """Rows that lie about real sessions: wrong types, duplicates, ghosts, not objects."""
    store = copy_hermes_store(tmp_path / "sessions")
    junk: list[Any] = [
        {"session_id": "a1b2c3d4e5f6", "title": ["not", "a", "title"], "updated_at": "soon",
         "pinned": "yes", "message_count": -3, "created_at": None, "profile": {"x": 1}},
        {"session_id": "a1b2c3d4e5f6", "title": "duplicate", "updated_at": 1e300},
        {"session_id": "ghost0000000", "title": "no file", "updated_at": 5.0},
        {"session_id": "../../etc/passwd", "title": "escape"},
        {"session_id": 12, "title": "int id"},
        "not a row", None, [], 3.5,
    ]
    store.index_path.write_text(json.dumps(junk))
    rows = store.list_rows()
    for row in rows:
        assert not row_type_errors(row), (row["session_id"], row_type_errors(row))
    ids = [row["session_id"] for row in rows]
    assert sorted(ids) == sorted(disk_sessions(store.directory)), ids
    row = store.rename("0f9e8d7c6b5a", "patched over junk")
    assert row["title"] == "patched over junk"
    for row in store.list_rows():
        assert not row_type_errors(row), (row["session_id"], row_type_errors(row))
    store.rebuild()
    assert not index_problems(store.directory), index_problems(store.directory)


def test_symlinked_index_is_not_read(tmp_path: Path) -> None:
    """An `_index.json` that links outside the store is not trusted: its rows are not shown."""
    folder = tmp_path / "sessions"
    folder.mkdir()
    store = SessionStore(folder)
    store.save(store.new_session(session_id="s1", title="inside"))
    outside = tmp_path / "planted_index.json"
    outside.write_text(json.dumps([{"session_id": "s1", "title": "planted", "updated_at": 9e9}]))
    store.index_path.unlink()
    store.index_path.symlink_to(outside)
    fresh = SessionIndex(folder, folder / "_index.json")  # a reader with no cache
    assert [(r["session_id"], r["title"]) for r in fresh.rows()] == [("s1", "inside")]
    assert outside.read_text().startswith('[{"session_id": "s1", "title": "planted"')


# ── special files: a FIFO must not hang the store ───────────────────────────

#: A watchdog, not a timing assertion: listing three tiny files takes milliseconds.
HANG_SECONDS = 10.0


def finishes(call: Any, fifos: list[Path]) -> dict[str, Any]:
    """Run `call` in a thread; if it blocks (reading a FIFO nobody writes), open the FIFOs for
    writing so that it ends, and report that it hung."""
    import threading

    done = threading.Event()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:
            outcome["error"] = exc
        finally:
            done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not done.wait(HANG_SECONDS):
        outcome["hung"] = True
        for fifo in fifos:
            with suppress(OSError):
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(HANG_SECONDS)  # freed or not, the test fails on "hung" and never waits
    return outcome


def test_fifo_as_session_file_does_not_hang(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    store = SessionStore(folder)
    store.save(store.new_session(session_id="good", title="good"))
    fifo = folder / "evil.json"
    os.mkfifo(fifo)
    store.index_path.unlink()  # the next listing scans every file

    listed = finishes(store.list_rows, [fifo])
    assert not listed.get("hung"), "listing hung opening a FIFO named like a session"
    assert [row["session_id"] for row in listed["value"]] == ["good"]
    loaded = finishes(lambda: store.load("evil"), [fifo])
    assert not loaded.get("hung"), "Session.load hung opening a FIFO"
    assert isinstance(loaded.get("error"), CorruptSession), loaded


def test_fifo_as_index_does_not_hang(tmp_path: Path) -> None:
    folder = tmp_path / "sessions"
    folder.mkdir()
    store = SessionStore(folder)
    store.save(store.new_session(session_id="good", title="good"))
    store.index_path.unlink()
    os.mkfifo(store.index_path)
    fresh = SessionIndex(folder, folder / "_index.json")
    listed = finishes(fresh.rows, [store.index_path])
    assert not listed.get("hung"), "listing hung reading an _index.json that is a FIFO"
    assert [row["session_id"] for row in listed["value"]] == ["good"]


def test_deep_value_in_a_key_the_index_row_also_carries(tmp_path: Path) -> None:
    """Hermes' rows carry ~55 keys, refreshed from the record on every save. A record nested
    1,000 deep in one of them (orjson reads up to 1,024 levels) must not make saves raise
    anything but the documented errors, nor change the store when they do fail."""
    folder = tmp_path / "sessions"
    folder.mkdir()
    deep = "[" * 1020 + "]" * 1020
    (folder / "aaa.json").write_text(
        '{"session_id":"aaa","title":"t","updated_at":1.0,"extra_key":' + deep + "}"
    )
    (folder / "_index.json").write_text(json.dumps([{
        "session_id": "aaa", "title": "t", "workspace": "", "model": "", "message_count": 0,
        "created_at": 1.0, "updated_at": 1.0, "last_message_at": 1.0, "pinned": False,
        "archived": False, "project_id": None, "extra_key": 1,
    }]))
    store = SessionStore(folder)
    assert [row["session_id"] for row in store.list_rows()] == ["aaa"]
    before = snapshot(folder)
    try:
        store.rename("aaa", "renamed")
    except (ValueError, OSError):
        assert not diff_snapshots(before, snapshot(folder)), "a failed save changed the store"
    else:
        assert parse_json((folder / "aaa.json").read_bytes())["title"] == "renamed"
        assert not index_problems(folder), index_problems(folder)
    assert temp_names(folder) == []
    assert [row["session_id"] for row in store.list_rows()] == ["aaa"]
