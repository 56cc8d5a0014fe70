"""An unwritable search cache names its folder (issue #12, item 8): it said "permission denied
(the store folder is read-only)", sending people to a store that was fine."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tui_helpers import loaded, make_app, notifications, wait_until

from api.search import SearchIndex
from api.searchfile import CacheUnwritable
from api.store import SessionStore
from tui.errors import describe_error
from tui.search.index_service import IndexState
from tui.search.indexer import child_error, command

#: Root ignores folder permissions; without these capabilities it meets them like anyone.
DROP_CAPS = ["setpriv", "--inh-caps=-dac_override,-fowner",
             "--bounding-set=-dac_override,-fowner"]


def unprivileged(args: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return args
    if shutil.which("setpriv") is None:
        pytest.skip("root, and no setpriv to drop the capabilities that ignore permissions")
    return [*DROP_CAPS, *args]


@pytest.fixture
def read_only_cache(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "read-only-cache"
    folder.mkdir()
    folder.chmod(0o500)
    yield folder
    folder.chmod(0o700)


def test_the_indexer_names_the_cache_folder(store: SessionStore, read_only_cache: Path) -> None:
    """Through the child the app runs, for real: its error line becomes the message."""
    proc = subprocess.run(unprivileged(command(store.directory, read_only_cache)),
                          capture_output=True, text=True, timeout=60, check=False)
    report = proc.stdout.strip().splitlines()[-1]
    assert proc.returncode == 1 and report.startswith("error "), proc.stderr
    message = describe_error(child_error(report.removeprefix("error ")), "index messages")
    assert message == (f"Could not index messages: the search cache folder {read_only_cache} "
                       "is not writable (permission denied; set $XDG_CACHE_HOME to a "
                       "writable folder)")
    assert "store" not in message


def test_a_cache_folder_that_cannot_be_made(store: SessionStore, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with pytest.raises(CacheUnwritable) as caught:
        SearchIndex(store.directory, blocker / "sub").refresh()
    assert str(caught.value).startswith(f"the search cache folder {blocker / 'sub'} cannot "
                                        "be made (not a directory")


async def test_the_app_says_which_folder(store: SessionStore, read_only_cache: Path) -> None:
    app = make_app(store, cache_root=read_only_cache)
    app.main.search_panel.index.command = unprivileged(command(store.directory, read_only_cache))
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot)
        await pilot.press("slash", *"plan")
        await wait_until(pilot, lambda: app.main.search_panel.index.state is IndexState.READY,
                         what="the refresh")
        await pilot.pause()
        said = [m for m in notifications(app) if m.startswith("Could not index messages")]
        assert said and str(read_only_cache) in said[0], notifications(app)
        assert "store folder" not in said[0]
