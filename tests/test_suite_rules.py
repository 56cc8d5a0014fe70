"""Rules the test suite itself keeps: it runs on a fresh clone, ends with a summary line, never
hangs, draws the same Hypothesis examples everywhere, and holds the acceptance file unchanged."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import helpers_store
import pytest
from helpers_store import copy_hermes_store, need_shared
from hypothesis import configuration, settings

ROOT = Path(__file__).resolve().parents[1]


def _quiet_level(args: list[str]) -> int:
    level = 0
    for arg in args:
        if arg == "--quiet" or re.fullmatch(r"-q+", arg):
            level += 1 if arg == "--quiet" else len(arg) - 1
        elif arg == "--verbose" or re.fullmatch(r"-v+", arg):
            level -= 1 if arg == "--verbose" else len(arg) - 1
    return level


def test_the_test_command_ends_with_pytests_summary_line() -> None:
    """`-qq` (a -q in the command on top of one in addopts) drops "N passed in Ns", the line
    a person and CI read."""
    command = re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text())[1]
    pytest_args = shlex.split(command.rsplit("-m pytest", 1)[1])
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert _quiet_level(shlex.split(ini.get("addopts", "")) + pytest_args) <= 1


def test_a_snapshot_test_that_skips_does_not_fail_the_run(pytestconfig: pytest.Config) -> None:
    """Without ../shared a snapshot test skips and its SVG goes unused: the snapshot plugin
    would then end the run with status 1 ("1 snapshot unused") although nothing failed."""
    assert pytestconfig.getoption("--snapshot-warn-unused") is True


def test_every_test_has_a_time_limit(pytestconfig: pytest.Config) -> None:
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["test"]
    assert any(dep.startswith("pytest-timeout") for dep in extra)
    assert 0 < float(pytestconfig.getini("timeout")) <= 600


def test_the_suite_runs_on_two_workers_from_the_test_extra(pytestconfig: pytest.Config) -> None:
    """`-n 2` in addopts needs pytest-xdist, which a fresh clone gets only from `.[test]`."""
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"]["test"]
    assert any(dep.startswith("pytest-xdist") for dep in extra)
    ini = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "-n 2" in ini["addopts"]
    assert pytestconfig.pluginmanager.hasplugin("xdist")


def test_hypothesis_runs_the_ci_profile_and_writes_nothing_into_the_repository() -> None:
    assert settings.default.derandomize, "examples must be the same on every run"
    assert settings.default.database is None
    assert settings.default.print_blob
    where = configuration.storage_directory()  # a Path before Hypothesis 6.13x, then an object
    home = Path(getattr(where, "home_directory", where)).resolve()
    assert ROOT not in home.parents and home != ROOT / ".hypothesis"


def test_a_test_that_needs_shared_skips_saying_why_when_it_is_absent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(helpers_store, "SHARED", tmp_path / "no-shared-here")
    with pytest.raises(pytest.skip.Exception, match=r"needs \.\./shared/fixtures/hermes-webui"):
        copy_hermes_store(tmp_path / "sessions")
    assert not (tmp_path / "sessions").exists()


def test_the_acceptance_file_is_the_users_byte_for_byte() -> None:
    theirs = need_shared("acceptance/test_session_index.py")
    assert (ROOT / "tests" / "test_session_index.py").read_bytes() == theirs.read_bytes()
