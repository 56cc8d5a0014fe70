"""`session-browser archive|unarchive|pin|unpin|delete QUERY` and `session-browser trash` from
the shell: what changes on disk, what is printed, and refusals as one line, never a traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from tui_helpers import DAY, NOW, read_record

from api.store import SessionStore
from tui.cli import bulk as cli_bulk
from tui.cli import main

Capture = pytest.CaptureFixture[str]


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    status = cli_bulk.main(list(argv), clock=lambda: NOW)
    out, err = capsys.readouterr()
    return status, out, err


def _archived(store: SessionStore) -> set[str]:
    return {r["session_id"] for r in store.list_rows() if r["archived"]}


def test_archive_older_than_30_days_not_pinned(store: SessionStore, capsys: Capture) -> None:
    status, out, err = run(capsys, "archive", "older:30d -is:pinned", str(store.directory),
                           "--yes")
    assert status == 0
    assert out.split() == ["aaaa00000007", "aaaa00000008"]
    assert err.strip() == "2 sessions archived"
    assert _archived(store) == {"aaaa00000006", "aaaa00000007", "aaaa00000008", "aaaa00000009"}
    assert read_record(store, "aaaa00000007")["archived"] is True


def test_dry_run_prints_what_would_change_and_changes_nothing(
    store: SessionStore, capsys: Capture,
) -> None:
    before = {p.name: p.read_bytes() for p in store.directory.iterdir() if p.is_file()}
    status, out, err = run(capsys, "delete", "model:gpt", str(store.directory), "--dry-run")
    assert status == 0
    lines = out.splitlines()
    assert [line.split("\t")[:2] for line in lines] == [
        ["would delete", "aaaa00000001"], ["would delete", "aaaa00000004"]]
    assert err.strip() == "2 sessions would be moved to the trash"
    assert {p.name: p.read_bytes() for p in store.directory.iterdir() if p.is_file()} == before


def test_titles_are_printed_inert(store: SessionStore, capsys: Capture) -> None:
    _, out, _ = run(capsys, "pin", "stays inert", str(store.directory), "--dry-run")
    assert "\x1b" not in out and "Escape ␛[2J" in out


def test_unarchive_acts_only_on_archived_and_pin_skips_the_pinned(
    store: SessionStore, capsys: Capture,
) -> None:
    status, out, _ = run(capsys, "unarchive", "archived", str(store.directory), "--yes")
    assert status == 0 and out.split() == ["aaaa00000009", "aaaa00000006"]
    assert _archived(store) == set()
    _, out, _ = run(capsys, "pin", "project", str(store.directory), "--dry-run")
    assert "aaaa00000002" not in out  # already pinned


def test_no_terminal_and_no_yes_refuses(
    store: SessionStore, capsys: Capture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    status, out, err = run(capsys, "archive", "older:30d", str(store.directory))
    assert status == 2 and out == ""
    assert err.strip() == ("session-browser archive: error: archive of 2 sessions needs --yes "
                           "when there is no terminal to ask (see --dry-run for the list)")
    assert _archived(store) == {"aaaa00000006", "aaaa00000009"}


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("answer", "changed"), [("y\n", True), ("\n", False)])
def test_a_terminal_is_asked_once(
    store: SessionStore, capsys: Capture, monkeypatch: pytest.MonkeyPatch,
    answer: str, changed: bool,
) -> None:
    monkeypatch.setattr("sys.stdin", _Tty(answer))
    status, _, err = run(capsys, "archive", "older:30d", str(store.directory))
    assert err.count("Archive 2 sessions? [y/N]") == 1
    assert ("aaaa00000007" in _archived(store)) is changed
    assert status == (0 if changed else 1)


@pytest.mark.parametrize(("query", "message"), [
    ("older:banana", "older:banana: not an age"),
    ("", "give a QUERY"),
])
def test_bad_queries_are_one_line_with_status_2(
    store: SessionStore, capsys: Capture, query: str, message: str,
) -> None:
    status, out, err = run(capsys, "delete", query, str(store.directory), "--yes")
    assert status == 2 and out == "" and len(err.splitlines()) == 1 and message in err


def test_delete_then_trash_list_restore_and_empty(store: SessionStore, capsys: Capture) -> None:
    folder = str(store.directory)
    original = (store.directory / "aaaa00000003.json").read_bytes()
    status, out, err = run(capsys, "delete", "roadmap", folder, "--yes")
    assert status == 0 and out.split() == ["aaaa00000003"]
    assert not (store.directory / "aaaa00000003.json").exists()
    tomb = json.loads((store.directory / "_deleted_webui_sessions.json").read_text())
    assert tomb == {"version": 1, "ids": ["aaaa00000003"]}

    status, out, _ = run(capsys, "trash", folder)
    assert status == 0
    [line] = out.splitlines()
    assert line.split("\t")[0] == "aaaa00000003" and line.endswith("\tPlan the Q3 roadmap")

    status, out, err = run(capsys, "trash", "restore", "aaaa00000003", folder)
    assert status == 0 and out.split() == ["aaaa00000003"] and "1 sessions restored" in err
    assert (store.directory / "aaaa00000003.json").read_bytes() == original
    assert not (store.directory / "_deleted_webui_sessions.json").exists()

    status, _, err = run(capsys, "trash", "restore", "aaaa00000003", folder)
    assert status == 1 and "skipped aaaa00000003: not in the trash" in err

    run(capsys, "delete", "roadmap", folder, "--yes")
    status, out, err = run(capsys, "trash", "empty", "--older-than", "30", folder)
    assert status == 0 and out == ""  # deleted just now (real time) is not 30 days old
    status, out, err = cli_bulk.main(["trash", "empty", "--older-than", "1", folder],
                                     clock=lambda: NOW + 400 * DAY), *capsys.readouterr()
    assert status == 0 and out.split() == ["aaaa00000003"]
    assert run(capsys, "trash", "list", folder)[1] == ""


def test_the_main_cli_dispatches_and_usage_errors_are_status_2(
    store: SessionStore, capsys: Capture, tmp_path: Path,
) -> None:
    assert main(["archive", "older:30d", str(store.directory), "--dry-run"]) == 0
    assert "would archive" in capsys.readouterr().out
    assert main(["trash", "restore", "--older-than", "3", str(store.directory)]) == 2
    assert "restore needs a SESSION_ID" in capsys.readouterr().err
    assert main(["trash", "list", str(tmp_path / "missing")]) == 2
    assert "no such folder" in capsys.readouterr().err
