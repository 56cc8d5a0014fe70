"""Exporting a session to a Markdown file (`e` in the app, `session-browser export`).

The file name says what it is (`fix-the-login-redirect-loop-aaaa00000001.md`) and is never
an existing file: a taken name gets `-2`, `-3`, ... and the file is created with O_EXCL, so not
even a race overwrites anything. The file is private (0600), like the store it came from.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from api.export import session_markdown
from api.store import SessionStore

_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def slug(title: str, limit: int = 48) -> str:
    """A file-name-safe, readable form of a title ("" when nothing of it is ASCII)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return _SLUG_DROP.sub("-", ascii_title.lower()).strip("-")[:limit].strip("-")


def export_name(title: str, session_id: str) -> str:
    return f"{slug(title) or 'session'}-{session_id}.md"


def write_new(folder: Path, name: str, text: str) -> Path:
    """Write `text` to a file of that name in `folder` that did not exist before."""
    stem, suffix = os.path.splitext(name)
    for n in range(1, 10_000):
        path = folder / (name if n == 1 else f"{stem}-{n}{suffix}")
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                         0o600)
        except FileExistsError:
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        return path
    raise FileExistsError(f"too many exports of {name} in {folder}")


def export_session(store: SessionStore, session_id: str, folder: Path) -> Path:
    """Load the session and write it as Markdown into a new file in `folder`."""
    session = store.load(session_id)
    title = session.__dict__.get("title")
    text = session_markdown(session)
    return write_new(folder, export_name(title if isinstance(title, str) else "", session_id),
                     text)
