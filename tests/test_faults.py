"""I/O faults: full disk, read-only folder, failing fsync and rename, files swapped under us.

Faults are injected by monkeypatching `os` calls, and only for files inside the store folder, so
the test harness itself is never hit. Where the machine allows it, the same faults are also
produced for real: a small tmpfs filled up, a read-only bind mount, and (as root, whom chmod does
not stop) a save from a child process that dropped to user `nobody`.

For every fault the promise is the same: the save raises an `OSError` carrying the fault's
errno; every file of the store (the saved session, every other session, `_index.json`) is byte
for byte what it was; no temp file is left; the listing still matches the files; and once the
fault is gone the same operation succeeds.
"""

from __future__ import annotations

import contextlib
import errno
import multiprocessing
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
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
    make_store,
    snapshot,
    temp_names,
)

import api.models as models
from api.atomic import is_temp_name
from api.index import CorruptSession
from api.models import Session
from api.store import SessionStore

FORK = multiprocessing.get_context("fork")
TARGET = "a1b2c3d4e5f6"  # a Hermes-written session of the fixture store


# ── fault injection ─────────────────────────────────────────────────────────


def _kind(name: str) -> str:
    """What a file in the store is: "index", "session" (a session file or its temp) or "other"."""
    base = name.split(".tmp.")[0] if is_temp_name(name) else name
    if base == "_index.json":
        return "index"
    if base.endswith(".json") and not base.startswith("_"):
        return "session"
    return "other"


@dataclass(frozen=True)
class Fault:
    call: str  # write | write_partial | fsync | replace | create
    err: int
    target: str  # session | index | any (session or index files; never the lock file)

    def __str__(self) -> str:
        return f"{self.call}-{errno.errorcode[self.err]}-{self.target}"


class Injector:
    """Makes one kind of `os` call fail for files of the store folder."""

    def __init__(self, folder: Path, fault: Fault) -> None:
        self.folder = os.path.realpath(folder)
        self.fault = fault
        self.hits = 0

    def _matches(self, call: str, path: str) -> bool:
        if call != self.fault.call.removesuffix("_partial"):
            return False
        if os.path.dirname(os.path.realpath(path)) != self.folder:
            return False
        kind = _kind(os.path.basename(path))
        return kind != "other" and self.fault.target in (kind, "any")

    def _error(self, path: str) -> OSError:
        self.hits += 1
        return OSError(self.fault.err, os.strerror(self.fault.err), path)

    @staticmethod
    def _fd_path(fd: int) -> str:
        try:
            return os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            return ""

    def install(self, mp: pytest.MonkeyPatch) -> None:
        real_open, real_write, real_fsync, real_replace = os.open, os.write, os.fsync, os.replace

        def open_(path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
            name = os.fspath(path)
            if flags & os.O_CREAT and not os.path.exists(name) and self._matches("create", name):
                raise self._error(name)
            return real_open(path, flags, mode, **kw)

        def write(fd: int, data: Any) -> int:
            name = self._fd_path(fd)
            if self._matches("write", name):
                if self.fault.call == "write_partial" and len(data) > 1:
                    real_write(fd, bytes(data[: len(data) // 2]))
                raise self._error(name)
            return real_write(fd, data)

        def fsync(fd: int) -> None:
            name = self._fd_path(fd)
            if self._matches("fsync", name):
                raise self._error(name)
            real_fsync(fd)

        def replace(src: Any, dst: Any, **kw: Any) -> None:
            if self._matches("replace", os.fspath(dst)):
                raise self._error(os.fspath(dst))
            real_replace(src, dst, **kw)

        mp.setattr(os, "open", open_)
        mp.setattr(os, "write", write)
        mp.setattr(os, "fsync", fsync)
        mp.setattr(os, "replace", replace)


FAULTS = [
    Fault("write", errno.ENOSPC, "any"),  # the disk is full
    Fault("write_partial", errno.ENOSPC, "any"),  # it fills up in the middle of a write
    Fault("write", errno.ENOSPC, "index"),  # room for the session file, not for the index
    Fault("write_partial", errno.EDQUOT, "index"),
    Fault("fsync", errno.EIO, "any"),
    Fault("fsync", errno.EIO, "index"),
    Fault("replace", errno.EACCES, "any"),
    Fault("replace", errno.EBUSY, "index"),
    Fault("create", errno.EACCES, "any"),  # a read-only folder
    Fault("create", errno.EROFS, "any"),  # a read-only file system
    Fault("create", errno.ENOSPC, "index"),  # out of inodes by the time the index is written
]


def _save_loaded(store: SessionStore) -> None:
    session = store.load(TARGET)
    session.title = "changed under a fault"
    session.messages = [*session.messages, {"role": "user", "content": "one more"}]
    store.save(session)


def _save_new(store: SessionStore) -> None:
    store.save(store.new_session(session_id="brandnew0001", title="new under a fault"))


def _rename(store: SessionStore) -> None:
    store.rename(TARGET, "renamed under a fault")


def _archive(store: SessionStore) -> None:
    store.set_archived(TARGET, True)


def _module_save(store: SessionStore) -> None:
    session = Session.load(TARGET)  # the module-level API, pointed at the same folder
    session.pinned = True
    session.save()


OPERATIONS: dict[str, Callable[[SessionStore], None]] = {
    "save_loaded": _save_loaded,
    "save_new": _save_new,
    "rename": _rename,
    "archive": _archive,
    "module_save": _module_save,
}


@pytest.fixture
def hermes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SessionStore]:
    """A copy of the Hermes-written store (also the module-level store), indexed by us once."""
    store = copy_hermes_store(tmp_path / "sessions")
    monkeypatch.setattr(models, "SESSION_DIR", store.directory)
    monkeypatch.setattr(models, "SESSION_INDEX_FILE", store.index_path)
    models.SESSIONS.clear()
    # One save before the fault so the lock file exists, as in a store we have used.
    store.set_pinned("0f9e8d7c6b5a", True)
    yield store
    models.SESSIONS.clear()


def assert_untouched(store: SessionStore, before: dict[str, Any], what: str) -> None:
    after = snapshot(store.directory)
    assert not diff_snapshots(before, after), f"{what} changed the store: " + ", ".join(
        diff_snapshots(before, after)
    )
    assert temp_names(store.directory) == [], f"{what} left {temp_names(store.directory)}"


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("fault", FAULTS, ids=str)
def test_fault_leaves_store_as_it_was(hermes: SessionStore, fault: Fault, operation: str) -> None:
    store = hermes
    before = snapshot(store.directory)
    injector = Injector(store.directory, fault)
    with pytest.MonkeyPatch.context() as mp:
        injector.install(mp)
        with pytest.raises(OSError) as raised:
            OPERATIONS[operation](store)
        assert injector.hits, f"{fault} was never hit: the test did not test anything"
        assert raised.value.errno == fault.err, f"raised {raised.value!r}"
        assert_untouched(store, before, f"a save failing with {fault}")
        # Reading needs no writing: the listing works under the fault and changes nothing.
        problems = listing_problems(store.directory, store.list_rows())
        assert not problems, "\n".join(problems)
        assert_untouched(store, before, "listing under the fault")
    # The fault is gone: the same operation now succeeds and the index matches every file.
    OPERATIONS[operation](store)
    problems = index_problems(store.directory)
    assert not problems, "\n".join(problems)
    assert temp_names(store.directory) == []


def test_failed_save_can_be_retried_with_the_same_object(hermes: SessionStore) -> None:
    store = hermes
    session = store.load(TARGET)
    session.title = "retried"
    with pytest.MonkeyPatch.context() as mp:
        Injector(store.directory, Fault("write", errno.ENOSPC, "index")).install(mp)
        with pytest.raises(OSError):
            store.save(session)
    store.save(session)  # not FileNotFoundError, not a merge against a version never written
    assert store.load(TARGET).title == "retried"
    assert not index_problems(store.directory)


@pytest.mark.parametrize("fault", [Fault("write", errno.ENOSPC, "any"),
                                   Fault("create", errno.EROFS, "any")], ids=str)
def test_full_rebuild_under_a_fault_still_lists_and_writes_nothing(
    hermes: SessionStore, fault: Fault
) -> None:
    store = hermes
    store.index_path.write_bytes(b'[{"session_id": "a1b2c3d4e5f6", "title": "trunc')
    before = snapshot(store.directory)
    with pytest.MonkeyPatch.context() as mp:
        Injector(store.directory, fault).install(mp)
        rows = store.list_rows()  # the index is corrupt: this rebuilds, and cannot write it
        assert not listing_problems(store.directory, rows)
        assert len(rows) == 5
        models._write_session_index()  # an explicit rebuild does not raise either
        assert_untouched(store, before, "a rebuild that cannot write")


# ── files changed under us by another tool ─────────────────────────────────


def test_session_file_replaced_by_a_directory(hermes: SessionStore) -> None:
    store = hermes
    session = store.load(TARGET)
    path = store.directory / f"{TARGET}.json"
    path.unlink()
    path.mkdir()
    (path / "keep.txt").write_text("another tool's")
    before = snapshot(store.directory)
    session.title = "into a directory"
    with pytest.raises(OSError) as raised:
        store.save(session)
    assert raised.value.errno in (errno.EISDIR, errno.ENOTEMPTY, errno.EEXIST), raised.value
    assert_untouched(store, before, "saving over a directory")
    assert (path / "keep.txt").read_text() == "another tool's"
    with pytest.raises(CorruptSession):
        store.load(TARGET)
    # A brand-new session whose file name is taken by a directory fails the same way.
    with pytest.raises(OSError):
        store.save(store.new_session(session_id=TARGET, title="new"))
    assert_untouched(store, before, "saving a new session over a directory")
    listed = {row["session_id"] for row in store.list_rows()}
    assert listed >= {"0f9e8d7c6b5a", "20251102_141502_9c1d2e", "77aa88bb99cc", "dd11ee22ff33"}


def test_session_deleted_between_load_and_save(hermes: SessionStore) -> None:
    store = hermes
    session = store.load(TARGET)
    Session.load(TARGET)  # also cached by the module-level API
    (store.directory / f"{TARGET}.json").unlink()
    before = snapshot(store.directory)
    session.title = "resurrected?"
    with pytest.raises(FileNotFoundError):
        store.save(session)
    with pytest.raises(FileNotFoundError):
        store.rename(TARGET, "renamed")
    with pytest.raises(FileNotFoundError):
        models.SESSIONS[TARGET].save()
    assert_untouched(store, before, "saving a session deleted by another tool")
    assert TARGET not in {row["session_id"] for row in store.list_rows()}
    # A brand-new session (never loaded) with that id is created, as a user would expect.
    store.save(store.new_session(session_id=TARGET, title="created again"))
    assert store.load(TARGET).title == "created again"
    assert not index_problems(store.directory)


def test_index_replaced_by_a_directory_fails_the_save_and_changes_nothing(
    hermes: SessionStore,
) -> None:
    """Issue 12: a save that cannot write the index fails loudly and leaves the store as it
    was (it used to save the session, leave its `_saving.` mark and report nothing)."""
    store = hermes
    store.index_path.unlink()
    store.index_path.mkdir()
    before = snapshot(store.directory)
    session = store.load(TARGET)
    session.title = "index is a directory"
    with pytest.raises(OSError):
        store.save(session)
    assert_untouched(store, before, "a save with a directory for an index")
    assert not listing_problems(store.directory, store.list_rows())
    assert store.index_path.is_dir()


# ── the same faults for real ────────────────────────────────────────────────


def _mount(*args: str) -> str | None:
    """Run mount; None on success, else why it is impossible here."""
    if shutil.which("mount") is None:
        return "no mount command on this machine"
    done = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return f"mount {' '.join(args)} failed: {done.stderr.strip() or done.returncode}"
    return None


def _umount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True, check=False).returncode:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs: a disk that really fills up. Skipped where mounting is impossible."""
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    why = _mount("-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mnt))
    if why is not None:
        pytest.skip(f"cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN): {why}")
    try:
        yield mnt
    finally:
        _umount(mnt)


def _fill(folder: Path) -> Path:
    """Fill the file system of `folder` until writes fail with ENOSPC; returns the filler."""
    filler = folder.parent / "filler.bin"
    chunk = b"\0" * 4096
    with open(filler, "wb", buffering=0) as fh, contextlib.suppress(OSError):
        while True:
            fh.write(chunk)
    return filler


def _free_bytes(folder: Path) -> int:
    st = os.statvfs(folder)
    return st.f_bavail * st.f_frsize


def _truncate_by(filler: Path, nbytes: int) -> None:
    os.truncate(filler, max(0, filler.stat().st_size - nbytes))


def test_real_full_disk(small_tmpfs: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = make_store(small_tmpfs / "sessions", 20)
    monkeypatch.setattr(models, "SESSION_DIR", store.directory)
    monkeypatch.setattr(models, "SESSION_INDEX_FILE", store.index_path)
    filler = _fill(store.directory)
    assert _free_bytes(store.directory) == 0
    before = snapshot(store.directory)
    for operation in ("save_new", "rename_s001", "save_loaded_s002"):
        with pytest.raises(OSError) as raised:
            if operation == "save_new":
                store.save(store.new_session(session_id="fresh", title="x" * 5000))
            elif operation == "rename_s001":
                store.rename("s001", "renamed on a full disk " + "y" * 50)
            else:
                session = store.load("s002")
                session.messages = [*session.messages, {"role": "user", "content": "z" * 9000}]
                store.save(session)
        assert raised.value.errno in (errno.ENOSPC, errno.EDQUOT), raised.value
        assert_untouched(store, before, f"{operation} on a full disk")
    assert not listing_problems(store.directory, store.list_rows())
    filler.unlink()
    store.rename("s001", "renamed once there is room")
    assert not index_problems(store.directory)


def test_real_disk_fills_between_session_and_index(
    small_tmpfs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Room for the new session file (a page) but not for the index (many pages)."""
    store = make_store(small_tmpfs / "sessions", 120, messages=0)
    assert store.index_path.stat().st_size > 8 * 4096, "the index must need several pages"
    filler = _fill(store.directory)
    _truncate_by(filler, 2 * 4096)
    # Room for the session file's temp copy, not for the index's: the save fails in between.
    assert (store.directory / "s007.json").stat().st_size <= _free_bytes(store.directory)
    assert _free_bytes(store.directory) < store.index_path.stat().st_size
    before = snapshot(store.directory)
    with pytest.raises(OSError) as raised:
        store.rename("s007", "room for me but not for the index")
    assert raised.value.errno in (errno.ENOSPC, errno.EDQUOT), raised.value
    assert_untouched(store, before, "a save that filled the disk half-way")
    assert not listing_problems(store.directory, store.list_rows())


def test_real_read_only_mount(tmp_path: Path) -> None:
    store = copy_hermes_store(tmp_path / "sessions")
    store.set_pinned(TARGET, True)
    why = _mount("--bind", str(store.directory), str(store.directory))
    if why is not None:
        pytest.skip(f"cannot bind-mount here (needs root with CAP_SYS_ADMIN): {why}")
    try:
        why = _mount("-o", "remount,bind,ro", str(store.directory))
        if why is not None:
            pytest.skip(f"cannot remount read-only here: {why}")
        before = snapshot(store.directory)
        for operation in ("save_loaded", "save_new", "rename", "archive"):
            with pytest.raises(OSError) as raised:
                OPERATIONS[operation](store)
            assert raised.value.errno == errno.EROFS, raised.value
            assert_untouched(store, before, f"{operation} on a read-only mount")
        assert not listing_problems(store.directory, store.list_rows())
        assert_untouched(store, before, "listing a read-only store")
        # A missing index cannot be written back, yet the store still lists.
        assert _mount("-o", "remount,bind,rw", str(store.directory)) is None
        store.index_path.unlink()
        assert _mount("-o", "remount,bind,ro", str(store.directory)) is None
        before = snapshot(store.directory)
        rows = store.list_rows()
        assert not store.index_path.exists()
        assert {row["session_id"] for row in rows} == set(disk_sessions(store.directory))
        assert not listing_problems(store.directory, rows)
        assert_untouched(store, before, "listing a read-only store without an index")
    finally:
        _umount(store.directory)


def _save_as_nobody(folder: str, result_fd: int) -> None:
    store = SessionStore(folder)
    session = store.load(TARGET)  # read as root, then drop every privilege
    try:
        os.setgroups([])
        os.setgid(65534)
        os.setuid(65534)
    except OSError as exc:
        os.write(result_fd, f"cannot setuid: {exc}".encode())
        return
    session.title = "saved by nobody"
    try:
        store.save(session)
        os.write(result_fd, b"saved")
    except OSError as exc:
        os.write(result_fd, f"{type(exc).__name__} {exc.errno}".encode())
    except BaseException as exc:
        os.write(result_fd, f"{type(exc).__name__} {exc}".encode())


def test_real_read_only_folder(tmp_path: Path) -> None:
    """chmod a-w on the folder. Root ignores it, so as root the save runs in a child process that
    has dropped to user nobody: the permission check is the kernel's, nothing is mocked."""
    if os.geteuid() != 0:
        store = copy_hermes_store(tmp_path / "sessions")
        store.directory.chmod(0o500)
        try:
            before = snapshot(store.directory)
            for operation in ("save_loaded", "save_new", "rename"):
                with pytest.raises(PermissionError):
                    OPERATIONS[operation](store)
                assert_untouched(store, before, f"{operation} in a read-only folder")
            assert not listing_problems(store.directory, store.list_rows())
        finally:
            store.directory.chmod(0o700)
        return
    top = Path(tempfile.mkdtemp(prefix="sb-ro-"))  # /tmp itself: reachable by nobody
    try:
        top.chmod(0o755)
        store = copy_hermes_store(top / "sessions")
        store.set_pinned(TARGET, True)
        store.directory.chmod(0o555)
        before = snapshot(store.directory)
        rfd, wfd = os.pipe()
        child = FORK.Process(target=_save_as_nobody, args=(str(store.directory), wfd))
        child.start()
        os.close(wfd)
        with os.fdopen(rfd, "rb") as fh:
            result = fh.read().decode()
        child.join(60)
        assert not child.is_alive(), "the child saving as user nobody did not exit"
        if result.startswith("cannot setuid"):
            pytest.skip(f"cannot drop to user nobody here: {result}")
        assert result == f"PermissionError {errno.EACCES}", result
        assert_untouched(store, before, "a save by a user who may not write the folder")
    finally:
        shutil.rmtree(top, ignore_errors=True)
