"""Hermes WebUI's tombstone lists, read and written exactly as Hermes does.

`_deleted_webui_sessions.json` names sessions the user deleted, so that Hermes' recovery paths
do not bring them back; `_pruned_webui_orphans.json` names empty sessions Hermes pruned. Both
are `{"version": 1, "ids": [sorted ids]}`, written with a 2-space indent, and capped by keeping
the LAST ids in sorted order (`sorted_ids[-cap:]`, as `api/models.py` of Hermes does); an empty
list removes the file. Anything unreadable counts as no ids, as in Hermes.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from api import jsonio
from api.atomic import atomic_write

DELETED_NAME = "_deleted_webui_sessions.json"
PRUNED_NAME = "_pruned_webui_orphans.json"
DELETED_CAP = 1000
PRUNED_CAP = 500
VERSION = 1


def load_ids(path: Path) -> set[str]:
    """The ids of a tombstone file; an unusable file holds none (Hermes' rule)."""
    try:
        raw = jsonio.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return set()
    if not isinstance(raw, dict):
        return set()
    try:
        if int(raw.get("version", 0)) != VERSION:
            return set()
    except (TypeError, ValueError):
        return set()
    ids = raw.get("ids", [])
    if not isinstance(ids, list):
        return set()
    return {str(sid).strip() for sid in ids if str(sid or "").strip()}


def save_ids(path: Path, ids: Iterable[str], cap: int) -> None:
    """Write the tombstone as Hermes does (sorted, deduplicated, the last `cap` kept), or
    remove it when no id is left. Atomic and 0600, unlike Hermes' plain write."""
    sorted_ids = sorted({sid.strip() for sid in ids if sid.strip()})
    if not sorted_ids:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        return
    if len(sorted_ids) > cap:
        sorted_ids = sorted_ids[-cap:]
    payload = {"version": VERSION, "ids": sorted_ids}
    atomic_write(path, json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8"))


def add_deleted(directory: Path, sids: Iterable[str]) -> None:
    """Tombstone these sessions (callers hold the store lock)."""
    sids = set(sids)
    path = directory / DELETED_NAME
    current = load_ids(path)
    if sids <= current:
        return
    save_ids(path, current | sids, DELETED_CAP)


def clear(directory: Path, sids: Iterable[str]) -> None:
    """Take these sessions off both tombstones: they live again, as when Hermes re-creates
    a session with a known id (its `new_session` clears both)."""
    sids = set(sids)
    for name, cap in ((DELETED_NAME, DELETED_CAP), (PRUNED_NAME, PRUNED_CAP)):
        path = directory / name
        current = load_ids(path)
        if current & sids:
            save_ids(path, current - sids, cap)
