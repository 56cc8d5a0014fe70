"""The 3-way merge on save: a loaded session saved after another program changed its file.

The base is the file as we loaded it, "ours" the object, "theirs" the file now. A field only
they changed keeps their value, a field only we changed (or added, or removed) takes ours.
"""

from __future__ import annotations

import json
from typing import Any

from api.store import SessionStore


def _rewrite(store: SessionStore, sid: str, **changes: Any) -> None:
    """Another program rewrites the session file (a plain write, as any tool might)."""
    path = store.directory / f"{sid}.json"
    record = json.loads(path.read_text())
    record.update(changes)
    path.write_text(json.dumps(record, indent=2))


def _on_disk(store: SessionStore, sid: str) -> dict[str, Any]:
    return json.loads((store.directory / f"{sid}.json").read_text())


def _saved_with_fields(store: SessionStore, **fields: Any) -> None:
    store.save(store.new_session(session_id="abc", title="Old", messages=[], **fields))


def test_a_field_we_removed_stays_removed_when_they_changed_the_file(
    store: SessionStore,
) -> None:
    _saved_with_fields(store, draft_note="remove me", keep_me=1)
    ours = store.load("abc")
    _rewrite(store, "abc", title="Renamed by Hermes", their_field=True)
    del ours.__dict__["draft_note"]
    store.save(ours)
    on_disk = _on_disk(store, "abc")
    assert "draft_note" not in on_disk, "a field we removed came back from their version"
    assert on_disk["title"] == "Renamed by Hermes" and on_disk["their_field"] is True
    assert on_disk["keep_me"] == 1
    assert "draft_note" not in store.load("abc").__dict__


def test_a_field_we_removed_stays_removed_when_they_changed_that_field(
    store: SessionStore,
) -> None:
    """They changed the very field we removed: our removal is the later edit, and wins."""
    _saved_with_fields(store, draft_note="remove me")
    ours = store.load("abc")
    _rewrite(store, "abc", draft_note="edited by Hermes")
    del ours.__dict__["draft_note"]
    store.save(ours)
    assert "draft_note" not in _on_disk(store, "abc")


def test_a_field_they_removed_stays_removed_when_we_did_not_touch_it(
    store: SessionStore,
) -> None:
    _saved_with_fields(store, draft_note="theirs to remove")
    ours = store.load("abc")
    path = store.directory / "abc.json"
    record = json.loads(path.read_text())
    del record["draft_note"]
    path.write_text(json.dumps(record))
    ours.title = "Ours"
    store.save(ours)
    on_disk = _on_disk(store, "abc")
    assert "draft_note" not in on_disk and on_disk["title"] == "Ours"

