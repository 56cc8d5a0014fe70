"""Fixtures shared by the store tests: a private store folder per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import api.models as models
from api.store import SessionStore

FIXTURE_STORE = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "hermes-webui"


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty sessions folder, also set as the module-level store of `api.models`."""
    folder = tmp_path / "sessions"
    folder.mkdir()
    monkeypatch.setattr(models, "SESSION_DIR", folder)
    monkeypatch.setattr(models, "SESSION_INDEX_FILE", folder / "_index.json")
    models.SESSIONS.clear()
    yield folder
    models.SESSIONS.clear()


@pytest.fixture
def store(store_dir: Path) -> SessionStore:
    return SessionStore(store_dir)


@pytest.fixture
def hermes_store(tmp_path: Path) -> SessionStore:
    """A copy of the store Hermes WebUI itself wrote (shared/fixtures), writable."""
    if not FIXTURE_STORE.is_dir():
        pytest.fail(f"the Hermes fixture store is missing: {FIXTURE_STORE}")
    target = tmp_path / "webui"
    shutil.copytree(FIXTURE_STORE, target)
    for path in [target, *target.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)
    return SessionStore(target / "sessions")
