"""`session-browser list` and `session-browser export` from the shell: output, files, and
errors as one line with status 2 (usage) or 1 (the work failed), never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tui_helpers import NOW
from usage_helpers import USAGE, usage_store

from api.store import SessionStore
from tui.cli import main

Capture = pytest.CaptureFixture[str]


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_list_prints_the_apps_order(store: SessionStore, capsys: Capture) -> None:
    status, out, err = run(capsys, "list", str(store.directory))
    assert status == 0 and err == ""
    lines = out.splitlines()
    assert [line.split("\t")[0] for line in lines] == [
        "aaaa00000002", "aaaa00000001", "aaaa00000003", "aaaa00000004", "aaaa00000005",
        "aaaa00000007", "aaaa00000008",
    ]
    first = lines[0].split("\t")
    stamp = datetime.fromtimestamp(NOW - 7200, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert first == ["aaaa00000002", stamp, "12", "pinned", "Why is CI red on main?"]
    # A title's control characters cannot reach the terminal or break the columns.
    last = lines[-1].split("\t")
    assert len(last) == 5 and "\x1b" not in out and last[4].startswith("Escape ␛[2J")


def test_list_all_sorted_and_json(store: SessionStore, capsys: Capture) -> None:
    status, out, _ = run(capsys, "list", "--all", "--sort", "messages", str(store.directory))
    assert status == 0
    ids = [line.split("\t")[0] for line in out.splitlines()]
    assert len(ids) == 9 and ids[:3] == ["aaaa00000002", "aaaa00000009", "aaaa00000007"]
    assert "pinned,archived" in out
    status, out, _ = run(capsys, "list", "--json", str(store.directory))
    items = json.loads(out)
    assert status == 0 and [i["session_id"] for i in items][:2] == ["aaaa00000002",
                                                                    "aaaa00000001"]
    assert items[0]["updated_at"] == NOW - 7200 and items[0]["project_name"] is None
    assert items[-1]["title"] == "Escape \x1b[2J\x1b]52;c;aGk=\x07 stays inert"  # JSON: exact


def test_list_json_carries_the_usage_rows_carry_and_leaves_missing_missing(
    tmp_path: Path, capsys: Capture
) -> None:
    store = usage_store(tmp_path / "sessions")
    store.update("aaaa00000001", {"cache_read_tokens": 3_000, "cache_write_tokens": 120},
                 touch=False)
    status, out, _ = run(capsys, "list", "--json", "--all", str(store.directory))
    items = {item["session_id"]: item for item in json.loads(out)}
    assert status == 0
    for sid, (tokens_in, tokens_out, cost) in USAGE.items():
        usage = (items[sid]["input_tokens"], items[sid]["output_tokens"],
                 items[sid]["estimated_cost"])
        assert usage == (tokens_in, tokens_out, cost)
    assert (items["aaaa00000001"]["cache_read_tokens"],
            items["aaaa00000001"]["cache_write_tokens"]) == (3_000, 120)
    assert "cache_read_tokens" not in items["aaaa00000003"]  # unknown, not 0
    without = items["aaaa00000002"]
    assert not {"input_tokens", "output_tokens", "estimated_cost"} & set(without)


def test_list_names_projects(hermes_store: SessionStore, capsys: Capture) -> None:
    status, out, _ = run(capsys, "list", "--json", "--all", str(hermes_store.directory))
    names = {i["session_id"]: i["project_name"] for i in json.loads(out)}
    assert status == 0 and names["a1b2c3d4e5f6"] == "auth-service"
    assert names["20251102_141502_9c1d2e"] == "planning"


def test_export_to_stdout(store: SessionStore, capsys: Capture) -> None:
    status, out, err = run(capsys, "export", "aaaa00000003", str(store.directory))
    assert status == 0 and err == ""
    assert out.startswith("# Plan the Q3 roadmap\n") and "## 4. assistant" in out


def test_export_to_a_file_or_folder(store: SessionStore, tmp_path: Path,
                                    capsys: Capture) -> None:
    target = tmp_path / "out.md"
    status, out, _ = run(capsys, "export", "aaaa00000003", "-o", str(target),
                         str(store.directory))
    assert status == 0 and out.strip() == str(target)
    text = target.read_text()
    assert text.startswith("# Plan the Q3 roadmap")
    assert os.stat(target).st_mode & 0o777 == 0o600
    # An existing file is refused, unless --force.
    target.write_text("mine")
    status, out, err = run(capsys, "export", "aaaa00000003", "-o", str(target),
                           str(store.directory))
    assert status == 1 and "exists" in err and err.count("\n") == 1
    assert target.read_text() == "mine"
    status, _, _ = run(capsys, "export", "aaaa00000003", "-o", str(target), "--force",
                       str(store.directory))
    assert status == 0 and target.read_text() == text
    # A folder gets a new file named after the session, never an existing one.
    for expected in ("plan-the-q3-roadmap-aaaa00000003.md",
                     "plan-the-q3-roadmap-aaaa00000003-2.md"):
        status, out, _ = run(capsys, "export", "-o", str(tmp_path), "aaaa00000003",
                             str(store.directory))
        assert status == 0 and Path(out.strip()) == tmp_path / expected


@pytest.mark.parametrize(
    ("argv", "status", "message"),
    [
        (["export", "../../etc/passwd"], 2, "invalid session id"),
        (["export", "nosuchsession"], 1, "no session nosuchsession"),
        (["list", "/no/such/folder"], 2, "no such folder"),
        (["export", "x", "/no/such/folder"], 2, "no such folder"),
    ],
)
def test_command_errors_are_one_line(
    store: SessionStore, capsys: Capture, argv: list[str], status: int, message: str
) -> None:
    if argv[-1] != "/no/such/folder":
        argv = [*argv, str(store.directory)]
    got, out, err = run(capsys, *argv)
    assert got == status and message in err
    assert err.count("\n") == 1 and "Traceback" not in err and out == ""


def test_no_default_store_is_an_error_not_a_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Capture
) -> None:
    monkeypatch.setenv("HERMES_WEBUI_STATE_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    status, out, err = run(capsys, "list")
    assert status == 2 and "no Hermes WebUI store found" in err and out == ""


def test_default_store_is_used(store: SessionStore, monkeypatch: pytest.MonkeyPatch,
                               capsys: Capture) -> None:
    monkeypatch.setenv("HERMES_WEBUI_STATE_DIR", str(store.directory.parent))
    status, out, _ = run(capsys, "list")
    assert status == 0 and len(out.splitlines()) == 7


def test_usage_errors_and_help(capsys: Capture) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["export"])
    assert exc.value.code == 2 and "SESSION_ID" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["list", "--help"])
    assert exc.value.code == 0 and "--json" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0
    assert "session-browser list [--json]" in out and "session-browser export SESSION_ID" in out


def test_the_installed_command_and_a_closed_pipe(store: SessionStore) -> None:
    """Through the real entry point: `list | head -1` ends quietly (no BrokenPipe noise)."""
    code = "import sys; from tui.cli import main; sys.exit(main())"
    proc = subprocess.Popen([sys.executable, "-c", code, "list", str(store.directory)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(30) == 0
    assert first.startswith(b"aaaa00000002\t") and b"Traceback" not in err
