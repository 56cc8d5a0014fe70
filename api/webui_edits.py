"""Edits of a store sent through a running Hermes WebUI, once it is proven to serve that store.

`WebUIEditor` has the edit methods of `api.store.SessionStore` (`rename`, `set_pinned`,
`set_archived`, `update`) and returns the same index row, so a save queue can call either;
`delete` is what `SessionStore.delete_many(remote=...)` asks of a running WebUI.
Each edit:

1. reads the session's file here, and asks the WebUI for the same session
   (`GET /api/session`): it must answer with the same id and the same `created_at` (which never
   moves). A WebUI that does not know the session, holds another one under that id, or serves
   another profile (it answers 409) is not used (`WebUINotThisStore`);
2. sends the edit (`/api/session/rename`, `/pin`, `/archive`, `/move`), so the WebUI's memory,
   the file and the index agree;
3. reads the file here again: the edit must be in it. If it is not, the WebUI saved it in
   another folder (a copy of this store); it is never asked again (`WebUINotThisStore`).

What the WebUI's API cannot do, and so an edit through it does not do: set `updated_at` (rename
and pin move it to now, archive keeps it; an undo therefore leaves it at the undo's time) or
clear `manual_title` (a rename sets it, unless the title is one of Hermes' automatic labels
such as "Untitled"). Any other field it has no endpoint for is refused (`WebUIRefused`).
"""

from __future__ import annotations

import math
from typing import Any

from api.records import Record, Row, clean_title
from api.store import ABSENT, SessionStore
from api.webui import (
    WebUIClient,
    WebUINotThisStore,
    WebUIRefused,
    reason_of,
)

__all__ = ["FOLLOWS_WEBUI", "SENDABLE", "WebUIEditor"]

#: Fields an edit can send, the endpoint of each, its JSON key, and the verb for messages.
SENDABLE: dict[str, tuple[str, str, str]] = {
    "title": ("/api/session/rename", "title", "rename"),
    "pinned": ("/api/session/pin", "pinned", "pin"),
    "archived": ("/api/session/archive", "archived", "archive"),
    "project_id": ("/api/session/move", "project_id", "move"),
}
#: Fields the WebUI sets by its own rules when it makes an edit (see the module's docstring):
#: an `update` may name them (an undo does), but they cannot be sent.
FOLLOWS_WEBUI = frozenset({"updated_at", "manual_title"})


def _same_time(a: object, b: object) -> bool:
    """Two `created_at` stamps are the same one (both read from the same JSON float)."""
    if not all(isinstance(x, int | float) and not isinstance(x, bool) for x in (a, b)):
        return False
    return math.isclose(float(a), float(b), rel_tol=0.0, abs_tol=1e-6)  # type: ignore[arg-type]


class WebUIEditor:
    """Edits of `store` made by the Hermes WebUI `client` talks to. Blocking I/O: call it
    from a worker thread. Raises what `WebUIClient.call` raises, `WebUINotThisStore`, and
    what `SessionStore.load` raises for the file here (the file is read first)."""

    def __init__(self, store: SessionStore, client: WebUIClient) -> None:
        self.store = store
        self.client = client
        #: Why this WebUI is never used again (it saved an edit in another folder), if so.
        self.elsewhere: str | None = None

    @property
    def label(self) -> str:
        return self.client.address.label

    # ── proof ───────────────────────────────────────────────────────────────

    def prove(self, session_id: str) -> Record:
        """Check that the WebUI serves this store, by this session; returns the file's record
        here. Raises WebUINotThisStore when it does not."""
        record = self.store.load(session_id).__dict__
        if self.elsewhere is not None:
            raise WebUINotThisStore(
                self.elsewhere, summary=f"Hermes WebUI at {self.label} serves another folder"
            )
        status, data = self.client.get(
            "/api/session", session_id=session_id, messages="0", resolve_model="0"
        )
        label = self.label
        if status == 404:
            raise WebUINotThisStore(
                f"Hermes WebUI at {label} serves another folder (it has no session {session_id})",
                summary=f"Hermes WebUI at {label} serves another folder",
            )
        if status == 409:
            raise WebUINotThisStore(
                f"Hermes WebUI at {label} serves another Hermes profile than this session's"
                f" ({data.get('profile') or 'default'})",
                summary=f"Hermes WebUI at {label} serves another profile",
            )
        if status == 500 and "workspace" in record and record["workspace"] is None:
            # Hermes fails to load a file with a null workspace (older sessions of ours): it
            # cannot hold this session in memory, so the file is safe from its saves.
            raise WebUINotThisStore(
                f"Hermes WebUI at {label} cannot read session {session_id} (its workspace is"
                " null)",
                summary=f"Hermes WebUI at {label} cannot read this session",
            )
        if status != 200:
            reason = reason_of(data)
            raise WebUIRefused(
                f"Hermes WebUI at {label} could not read session {session_id}: {reason}",
                reason=reason,
            )
        theirs = data.get("session")
        if not isinstance(theirs, dict):
            raise WebUINotThisStore(
                f"{label} does not answer as Hermes WebUI does",
                summary=f"{label} is not a Hermes WebUI",
            )
        if theirs.get("session_id") != session_id or not _same_time(
            theirs.get("created_at"), record.get("created_at")
        ):
            raise WebUINotThisStore(
                f"Hermes WebUI at {label} serves another folder (its session {session_id} is"
                " not the one here)",
                summary=f"Hermes WebUI at {label} serves another folder",
            )
        return record

    # ── the store's edit methods ────────────────────────────────────────────

    def rename(
        self, session_id: str, title: str, *, replaced: dict[str, Any] | None = None
    ) -> Row:
        clean = clean_title(title)
        if not clean:
            raise ValueError("a title cannot be empty")
        return self.update(session_id, {"title": clean, "manual_title": True}, replaced=replaced)

    def set_pinned(self, session_id: str, pinned: bool) -> Row:
        return self.update(session_id, {"pinned": bool(pinned)})

    def set_archived(self, session_id: str, archived: bool) -> Row:
        return self.update(session_id, {"archived": bool(archived)}, touch=False)

    def update(
        self, session_id: str, changes: dict[str, Any], *, touch: bool = True,
        replaced: dict[str, Any] | None = None,
    ) -> Row:
        """As `SessionStore.update`, through the WebUI. Whether `updated_at` moves is the
        WebUI's to decide, whatever `touch` and `changes` say (see the module's docstring);
        `touch` only says what `replaced` records. Fields it has no endpoint for raise
        WebUIRefused before anything is sent."""
        unsendable = sorted(
            key for key, value in changes.items()
            if key not in FOLLOWS_WEBUI and (key not in SENDABLE or value is ABSENT)
        )
        if unsendable:
            raise WebUIRefused(
                f"Hermes WebUI's API cannot set {', '.join(unsendable)}", reason="no such endpoint"
            )
        record = self.prove(session_id)
        if replaced is not None:  # as the store reports it, for an undo by either way
            replaced.update({key: record.get(key, ABSENT) for key in changes})
            if touch:
                replaced.setdefault("updated_at", record.get("updated_at", ABSENT))
        answered: dict[str, Any] = {}
        for key in SENDABLE:
            if key in changes:
                answered[key] = self._send(session_id, key, changes[key])
        return self._landed(session_id, record, answered)

    def delete(self, session_id: str) -> None:
        """Ask the WebUI to delete one session (`/api/session/delete`), so it forgets it in
        memory too: a `api.trash.RemoteDelete`. Proves the store first, like every edit;
        raises WebUIRefused when the WebUI says no."""
        self.prove(session_id)
        status, data = self.client.post("/api/session/delete", {"session_id": session_id})
        if status != 200 or data.get("ok") is not True:
            reason = reason_of(data)
            raise WebUIRefused(
                f"Hermes WebUI at {self.label} refused to delete the session: {reason}",
                reason=reason,
            )

    # ── sending and checking ────────────────────────────────────────────────

    def _send(self, session_id: str, key: str, value: Any) -> Any:
        """Send one field; returns its value as the WebUI saved it (a title may be cut)."""
        path, name, verb = SENDABLE[key]
        status, data = self.client.post(path, {"session_id": session_id, name: value})
        session = data.get("session")
        if status != 200 or not isinstance(session, dict):
            reason = reason_of(data)
            raise WebUIRefused(
                f"Hermes WebUI at {self.label} refused to {verb} the session: {reason}",
                reason=reason,
            )
        return session.get(key, value)

    def _landed(self, session_id: str, before: Record, answered: dict[str, Any]) -> Row:
        """The row of the file here, which must now hold what the WebUI saved."""
        session = self.store.load(session_id)
        record = session.__dict__
        if not _same_time(record.get("created_at"), before.get("created_at")) or any(
            record.get(key) != value for key, value in answered.items()
        ):
            self.elsewhere = (
                f"Hermes WebUI at {self.label} saved an edit of session {session_id} in another"
                " folder (a copy of this store?), so it is not used"
            )
            raise WebUINotThisStore(
                self.elsewhere, summary=f"Hermes WebUI at {self.label} serves another folder"
            )
        return session.compact()
