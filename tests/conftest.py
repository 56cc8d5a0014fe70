"""Fixtures and settings shared by every test (the app's tests add theirs in tui/conftest.py).

Two rules hold for the whole suite: a test that needs `../shared` skips, saying so, when it is
not beside the clone (`helpers_store.need_shared`), and nothing is written outside the test's
own temp folders (no `.hypothesis/` in the repository, no search cache in the user's ~/.cache).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from helpers_store import copy_hermes_store
from hypothesis import configuration, settings

import api.models as models
from api.store import SessionStore

# Hypothesis: the same examples on every run and every machine (a failure in CI is one a person
# can run again), no example database, and a deadline no loaded 2-core runner misses by
# accident. `HYPOTHESIS_PROFILE=dev` draws new examples each run and prints the seed that fails.
settings.register_profile(
    "ci", derandomize=True, database=None, deadline=timedelta(seconds=5), print_blob=True
)
settings.register_profile(
    "dev", derandomize=False, database=None, deadline=timedelta(seconds=5), print_blob=True
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_configure(config: pytest.Config) -> None:
    """Hypothesis keeps caches (constants it found in our code) under its home folder, by
    default `.hypothesis/` in the working directory: give it a temp folder instead."""
    home = tempfile.mkdtemp(prefix="session-browser-hypothesis-")
    config.stash[_HYPOTHESIS_HOME] = home
    configuration.set_hypothesis_home_dir(home)


def pytest_unconfigure(config: pytest.Config) -> None:
    home = config.stash.get(_HYPOTHESIS_HOME, None)
    if home is not None:
        shutil.rmtree(home, ignore_errors=True)


_HYPOTHESIS_HOME = pytest.StashKey[str]()

#: Files of the longest tests, longest first (the monkey alone takes two minutes or more on a
#: 2-core runner), started first: with two workers (`-n 2` in addopts) a long test handed out
#: last would end the run alone while the other worker idles. `--maxschedchunk 1` (addopts)
#: hands tests out one at a time in this order, so the monkey runs on one worker while the
#: other takes the rest of this list and then the short tests. Only the order changes; a name
#: that goes stale costs time, never a test.
LONG_FIRST = (
    "tests/tui/test_monkey.py",
    "tests/test_crash.py",
    "tests/test_hostile.py",
    "tests/test_scan_rows.py",
    "tests/tui/test_webui_app.py",
    "tests/test_trash_hermes.py",
    "tests/test_store_concurrency.py",
    "tests/test_trash_crash.py",
    "tests/test_sessionhead.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONG_FIRST.index(path) if path in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=rank)  # stable: every file keeps its own order


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The message search index goes to a fresh cache folder, never the user's ~/.cache."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache


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
    """A writable copy of the store Hermes WebUI itself wrote (../shared/fixtures), its
    `projects.json` beside the sessions folder. Skips when ../shared is absent."""
    return copy_hermes_store(tmp_path / "hermes" / "sessions")
