"""Fixtures for the terminal app's tests (`async def` tests run under pytest-asyncio's auto
mode, set in pyproject.toml). Fixtures every test shares (`hermes_store`, a private cache) are
in ../conftest.py; builders live in `tui_helpers` (a unique module name, so it never clashes
with the top-level tests' conftest)."""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# `tui_helpers` sits beside this file; make it importable whatever pytest's import mode.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tui_helpers import build_store

from api.store import SessionStore


@pytest.fixture(autouse=True)
def process_settings() -> Iterator[None]:
    """`tui.cli.main` tunes the process for the app (Textual's frame rate, the GIL's time
    slice): put both back, so no test runs with another's settings."""
    fps = os.environ.get("TEXTUAL_FPS")
    interval = sys.getswitchinterval()
    yield
    sys.setswitchinterval(interval)
    if fps is None:
        os.environ.pop("TEXTUAL_FPS", None)
    else:
        os.environ["TEXTUAL_FPS"] = fps


@pytest.fixture
def store(tmp_path: Path) -> SessionStore:
    """A store of nine sessions with fixed times (see SESSIONS)."""
    return build_store(tmp_path / "sessions")


@pytest.fixture
def read_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Make a store folder read-only: for real (chmod 0o500) wherever the kernel enforces it,
    and faithfully simulated where it does not. Root (or a process with CAP_DAC_OVERRIDE)
    ignores directory permissions, which a probe file detects; then the OS call every store
    write starts with, `os.open(..., O_CREAT)` of a new file in that folder, raises EACCES
    exactly as the kernel does for everyone else. Either way the store meets a real
    PermissionError from the same call. (To run the real path as root, drop the capability:
    `setpriv --inh-caps=-dac_override,-fowner --bounding-set=-dac_override,-fowner ...`.)"""
    changed: list[Path] = []

    def apply(folder: Path) -> None:
        folder.chmod(0o500)
        changed.append(folder)
        probe = folder / ".write-probe"
        try:
            fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except PermissionError:
            return  # the kernel enforces it: the real thing
        os.close(fd)
        os.unlink(probe)
        real_open = os.open
        blocked = str(folder)

        def guarded_open(path: Any, flags: int, *args: Any, **kw: Any) -> int:
            target = os.fspath(path)
            if (
                flags & os.O_CREAT
                and os.path.dirname(os.path.abspath(target)) == blocked
                and not os.path.exists(target)
            ):
                raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), target)
            return real_open(path, flags, *args, **kw)

        monkeypatch.setattr(os, "open", guarded_open)

    yield apply
    for folder in changed:
        folder.chmod(0o700)
