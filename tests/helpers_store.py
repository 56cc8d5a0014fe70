"""Shared helpers for the tests that try to break the store (crash, faults, hostile, load).

Everything here reads the disk directly, without going through `api`, so that an assertion is
about what is really in the folder, not about what the store believes is there.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, settings

from api.atomic import is_temp_name
from api.records import is_safe_id
from api.store import SessionStore

#: Keys of a row and the types every listing must hold in them (issue 3's row keys).
ROW_TYPES: dict[str, tuple[type, ...]] = {
    "session_id": (str,),
    "title": (str,),
    "workspace": (str,),
    "model": (str,),
    "message_count": (int,),
    "created_at": (float,),
    "updated_at": (float,),
    "last_message_at": (float,),
    "pinned": (bool,),
    "archived": (bool,),
    "project_id": (str, type(None)),
}

#: Keys a row may lack (another tool's index): when present they must still be well-typed.
OPTIONAL_ROW_KEYS = frozenset({"project_id"})

#: Rows the store derives from session files (a rebuild) also carry these, typed like Hermes'.
FILE_ROW_TYPES: dict[str, tuple[type, ...]] = {
    **ROW_TYPES,
    "model_provider": (str, type(None)),
    "profile": (str, type(None)),
}


def property_settings(examples: int) -> settings:
    """Settings for a property test over files: `examples` by default (SB_HYPOTHESIS_EXAMPLES
    for a longer run), no deadline (disk speed varies), no example database in the repository,
    and no complaint that generated files are big or slow to make."""
    return settings(
        max_examples=int(os.environ.get("SB_HYPOTHESIS_EXAMPLES", str(examples))),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                               HealthCheck.function_scoped_fixture],
    )


#: `../shared` beside the repository (read-only input): the store Hermes WebUI itself wrote, the
#: users' acceptance file. A clone without it runs every test that does not need it.
SHARED = Path(__file__).resolve().parents[2] / "shared"
HERMES_FIXTURE = SHARED / "fixtures" / "hermes-webui"


def need_shared(relative: str) -> Path:
    """`../shared/<relative>`, or skip the calling test, saying so: the one rule for every test
    that needs ../shared (CI has it, so nothing skips there; a fresh clone may not)."""
    path = SHARED / relative
    if not path.exists():
        import pytest  # here, not at the top: spawned load workers import this module too

        pytest.skip(f"needs ../shared/{relative}, which is not beside this clone")
    return path


def copy_hermes_store(target: Path) -> SessionStore:
    """A writable copy of the Hermes-written sessions folder at `target`, with Hermes'
    `projects.json` beside it (its parent); skips the test when ../shared is absent."""
    source = need_shared("fixtures/hermes-webui")
    target.mkdir(parents=True)
    for entry in (source / "sessions").iterdir():
        (target / entry.name).write_bytes(entry.read_bytes())
        (target / entry.name).chmod(0o600)
    projects = target.parent / "projects.json"
    if not projects.exists():
        projects.write_bytes((source / "projects.json").read_bytes())
        projects.chmod(0o600)
    return SessionStore(target)


def make_store(folder: Path, n: int, *, prefix: str = "s", messages: int = 2) -> SessionStore:
    """A store of `n` sessions saved through the store itself (ids `<prefix>000`, ...)."""
    folder.mkdir(parents=True, exist_ok=True)
    store = SessionStore(folder)
    for i in range(n):
        session = store.new_session(
            session_id=f"{prefix}{i:03d}",
            title=f"session {i}",
            messages=[{"role": "user", "content": f"m{k}", "timestamp": 1.0e9 + k}
                      for k in range(messages)],
            workspace="/w",
            model="m",
        )
        store.save(session)
    return store


def session_names(folder: Path) -> list[str]:
    """Names that are session files by the format's rules (not `_*`, not temp, safe id)."""
    out = []
    for name in os.listdir(folder):
        if not name.endswith(".json") or name.startswith("_") or is_temp_name(name):
            continue
        if is_safe_id(name[: -len(".json")]):
            out.append(name)
    return sorted(out)


def temp_names(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if is_temp_name(name))


def snapshot(folder: Path, *, skip: Iterable[str] = ("_index.lock",)) -> dict[str, Any]:
    """Every entry of a folder: bytes for regular files, a marker for anything else.

    Symlinks are recorded as their target (never followed), directories by their listing.
    """
    skipped = set(skip)
    state: dict[str, Any] = {}
    for name in sorted(os.listdir(folder)):
        if name in skipped:
            continue
        path = folder / name
        if path.is_symlink():
            state[name] = ("symlink", os.readlink(path))
        elif path.is_dir():
            state[name] = ("dir", sorted(os.listdir(path)))
        else:
            state[name] = path.read_bytes()
    return state


def diff_snapshots(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """Human-readable differences between two snapshots (empty when equal)."""
    out = []
    for name in sorted(before.keys() | after.keys()):
        if name not in after:
            out.append(f"{name}: removed")
        elif name not in before:
            out.append(f"{name}: appeared")
        elif before[name] != after[name]:
            out.append(f"{name}: changed")
    return out


def parse_json(data: bytes) -> Any:
    """Parse JSON as the format allows: UTF-8, and (like Python's json) NaN and big numbers.

    Raises ValueError (or RecursionError) for anything that is not JSON.
    """
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data.decode("utf-8"))


def read_json_file(path: Path) -> Any:
    return parse_json(path.read_bytes())


def disk_sessions(folder: Path) -> dict[str, dict[str, Any]]:
    """Every session file that is a valid session (regular file, JSON object, id matches)."""
    found: dict[str, dict[str, Any]] = {}
    for name in session_names(folder):
        path = folder / name
        if path.is_symlink() or not path.is_file():
            continue
        try:
            record = read_json_file(path)
        except (ValueError, RecursionError):
            continue
        sid = name[: -len(".json")]
        if isinstance(record, dict) and record.get("session_id") == sid:
            found[sid] = record
    return found


def row_type_errors(row: dict[str, Any], *, from_files: bool = False) -> list[str]:
    """What is wrong with the types of one listed row (empty when it is well-formed).

    `from_files`: the row was derived from a session file by the store (not taken from another
    tool's index), so `model_provider` and `profile` are checked too.
    """
    errors = []
    for key, types in (FILE_ROW_TYPES if from_files else ROW_TYPES).items():
        if key not in row:
            if key not in OPTIONAL_ROW_KEYS:
                errors.append(f"{key} missing")
            continue
        value = row[key]
        # bool is an int: a count or a time that is a bool is wrong all the same.
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            errors.append(f"{key}={value!r:.60} is {type(value).__name__}")
        elif isinstance(value, float) and not math.isfinite(value):
            errors.append(f"{key}={value!r} is not finite")
    if isinstance(row.get("session_id"), str) and not is_safe_id(row["session_id"]):
        errors.append(f"session_id {row['session_id']!r:.60} is not a safe id")
    count = row.get("message_count")
    if isinstance(count, int) and count < 0:
        errors.append(f"message_count={count} is negative")
    return errors


def listing_problems(
    folder: Path, rows: list[dict[str, Any]], *, from_files: bool = False
) -> list[str]:
    """Everything that makes a listing disagree with the session files on disk.

    Checks: well-typed rows, sorted newest first, one row per id, no row without its file, every
    valid session file listed, and each row's title, updated_at and message_count equal to the
    file's. `from_files`: as for `row_type_errors`.
    """
    problems: list[str] = []
    on_disk = disk_sessions(folder)
    seen: set[str] = set()
    for row in rows:
        problems += [
            f"row {row.get('session_id')!r:.40}: {e}"
            for e in row_type_errors(row, from_files=from_files)
        ]
        sid = row.get("session_id")
        if not isinstance(sid, str):
            continue
        if sid in seen:
            problems.append(f"{sid}: listed twice")
        seen.add(sid)
        record = on_disk.get(sid)
        if record is None:
            if not (folder / f"{sid}.json").exists():
                problems.append(f"{sid}: listed but its file is gone (ghost)")
            continue
        title = record.get("title")
        if isinstance(title, str) and row.get("title") != title:
            problems.append(f"{sid}: listed title {row.get('title')!r} != file {title!r}")
        expected = _shown_count(record)
        if expected is not None and row.get("message_count") != expected:
            problems.append(f"{sid}: listed message_count {row.get('message_count')!r} != "
                            f"{expected}, the count in the file")
        updated = record.get("updated_at")
        if type(updated) is float and math.isfinite(updated) and row.get("updated_at") != updated:
            problems.append(f"{sid}: listed updated_at {row.get('updated_at')!r} != {updated!r}")
    for sid in sorted(on_disk.keys() - seen):
        problems.append(f"{sid}: valid session file not listed")
    stamps = [row.get("updated_at") for row in rows]
    if all(isinstance(s, float) for s in stamps) and stamps != sorted(stamps, reverse=True):
        problems.append("rows are not sorted newest updated_at first")
    return problems


def _shown_count(record: dict[str, Any]) -> int | None:
    """Hermes WebUI's count for a session file: its `message_count` where that is a count
    (Hermes writes it and trusts it), else its messages counted."""
    stated = record.get("message_count")
    if type(stated) in (int, float) and 0 <= stated < math.inf:
        return min(int(stated), 2**53)
    messages = record.get("messages")
    return len(messages) if isinstance(messages, list) else None


def index_problems(folder: Path) -> list[str]:
    """`_index.json` itself (not a listing) against the files: parses, a list, rows match."""
    path = folder / "_index.json"
    try:
        raw = read_json_file(path)
    except FileNotFoundError:
        return ["_index.json is missing"]
    except ValueError as exc:
        return [f"_index.json does not parse: {exc}"]
    if not isinstance(raw, list):
        return [f"_index.json is a {type(raw).__name__}, not a list"]
    if not all(isinstance(row, dict) for row in raw):
        return ["_index.json holds a row that is not an object"]
    return listing_problems(folder, raw)


# ── the load worker (top level, so a spawned process can import it) ─────────


def load_worker(
    folder: str, wid: str, saves: int, shared: list[str], barrier: Any, seed: int
) -> dict[str, Any]:
    """Save `saves` times into the store at `folder`, mixing the store's ways of writing.

    Each worker owns one session (`own_<wid>`) and one key in every shared session
    (`k_<wid>`), and keeps what it last wrote there. Returns those expectations, so that a
    lost update (another writer's save undoing ours) shows as a key that went back.
    """
    import random

    rng = random.Random(seed)
    store = SessionStore(folder)  # the path is set here, in the worker, not inherited
    own = f"own_{wid}"
    keys: dict[str, int] = {}
    titles: dict[str, str] = {}
    own_saves = 0
    barrier.wait(60)  # a worker that never came breaks the barrier: no one waits forever
    for i in range(saves):
        op = i % 5
        if op == 0:  # the worker's own session: created once, then loaded and saved
            title = f"{wid} own #{i}"
            try:
                session = store.load(own)
            except FileNotFoundError:
                session = store.new_session(session_id=own, messages=[])
            session.title = title
            session.messages = [*session.messages, {"role": "user", "content": title}]
            store.save(session)
            titles[own] = title
            own_saves += 1
            continue
        sid = rng.choice(shared)
        key = f"k_{wid}"
        if op in (1, 3):  # a locked read-modify-write
            store.update(sid, {key: i, "title": f"{wid} update #{i}"})
        elif op == 2:  # load, change, save: relies on the merge with what others saved
            session = store.load(sid)
            session.__dict__[key] = i
            session.title = f"{wid} merge #{i}"
            store.save(session)
        else:  # pin toggles from every worker at once
            store.modify(sid, lambda s, key=key, i=i: s.__dict__.update(
                {key: i, "pinned": not s.pinned}))
        keys[f"{sid}/{key}"] = i
    return {"keys": keys, "titles": titles, "own_messages": own_saves}


def in_a_later_tick(folder: Path) -> None:
    """Give the folder the mtime another program's change leaves when it comes in a later
    clock tick than our last save. (A kernel with coarse timestamps leaves it as it was for a
    change in the same tick: saves see that one only once their listing is `LISTING_MAX_AGE`
    old, which `test_a_change_hidden_from_the_mtime_is_seen_once_the_listing_is_old` proves.)"""
    st = os.stat(folder)
    os.utime(folder, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
