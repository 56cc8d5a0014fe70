"""Exporting a session to a Markdown file (`e` in the app, `session-browser export`).

The file name says what it is (`fix-the-login-redirect-loop-aaaa00000001.md`) and is never
an existing file: a taken name gets `-2`, `-3`, ... and the file is created with O_EXCL, so not
even a race overwrites anything. The file is private (0600), like the store it came from.

`export -o PATH` writes into what PATH is, never replacing what a person did not mean to
(`write_export`): a folder gets a new file as above; a new or (with --force) an existing
regular file gets the whole document at once (temp file, fsync, rename: never half a file);
a symlink is followed, so the file it points to is written and the link stays; a FIFO, a
terminal, `/dev/null` or a socket is written to as a stream, as the shell's `>` would, and is
never replaced by a file (no --force needed: nothing is replaced); `/dev/stdout`,
`/dev/stderr`, `/dev/fd/N` are this process's own descriptors; a block device is refused.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import unicodedata
from pathlib import Path

from api.atomic import atomic_write, discard, write_temp
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


class ExportRefused(Exception):
    """PATH is something an export must not write to; the message says what and why."""


#: Names of this process's own descriptors: written through the descriptor, so a shell's
#: `> file` or `>> file` behind them is honoured rather than replaced by a new file.
_OWN_FDS = {"/dev/stdout": 1, "/dev/stderr": 2}
_FD_NAME = re.compile(r"^/(?:dev/fd|proc/self/fd)/(\d+)$")


def write_export(target: Path, text: str, name: str, *, force: bool = False) -> Path | None:
    """Write `text` into what `target` is (see the module's docstring); `name` is the file
    name used in a folder. Returns the file written, or None for a stream.

    Raises FileExistsError for an existing file without `force`, ExportRefused for a block
    device or anything else that is neither a file, a folder nor a stream, OSError when the
    write fails (nothing is left half-written then)."""
    data = text.encode("utf-8")
    fd_match = _FD_NAME.match(str(target))
    own_fd = _OWN_FDS.get(str(target)) if fd_match is None else int(fd_match.group(1))
    if own_fd is not None:
        _write_fd(own_fd, data)
        return None
    try:
        st: os.stat_result | None = os.stat(target)  # through a symlink: what it points to
    except FileNotFoundError:
        st = None
    if st is None or stat.S_ISREG(st.st_mode):
        # A symlink (even a dangling one) is followed: the file it names is written.
        real = Path(os.path.realpath(target)) if target.is_symlink() else target
        if st is not None and not force:
            raise FileExistsError(f"{target} exists")
        if st is None and target.is_symlink() and not force:
            raise FileExistsError(f"{target} exists (a symlink to {real}, which does not)")
        _write_file(real, data, replace=st is not None)
        return real
    if stat.S_ISDIR(st.st_mode):
        return write_new(target, name, text)
    if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode) or stat.S_ISSOCK(st.st_mode):
        fd = os.open(target, os.O_WRONLY | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
        try:
            _write_fd(fd, data)
        finally:
            os.close(fd)
        return None
    kind = "a block device" if stat.S_ISBLK(st.st_mode) else "not a file, folder or stream"
    raise ExportRefused(f"{target} is {kind}: not written")


def _write_file(path: Path, data: bytes, *, replace: bool) -> None:
    """The whole of `data` at `path` at once; a new file is never written over one that
    appears meanwhile (hard-linked into place, which fails if the name is taken)."""
    if replace:
        atomic_write(path, data)
        return
    tmp, _ = write_temp(path, data)
    try:
        os.link(tmp, path)  # FileExistsError if the name is taken by now
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: an exclusive create
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                     0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
    finally:
        discard(tmp)


def _write_fd(fd: int, data: bytes) -> None:
    sys.stdout.flush()
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
