"""`session-browser stats`, `open` and `--print-config` from the shell, on the store Hermes
WebUI wrote, with a fixed clock: figures, JSON, the query narrowing them, the link printed
when no browser can start, and errors as one line (status 2 usage, 1 the work failed)."""

from __future__ import annotations

import datetime as dt
import json
import webbrowser
from pathlib import Path

import pytest

import tui.cli.report as report
from api.store import SessionStore
from tui.cli import main

Capture = pytest.CaptureFixture[str]
#: Ten days after the fixture's sessions (2026-11-18 UTC): 2026-11-28 11:06:50 UTC.
NOW = 1_795_864_010.0


@pytest.fixture(autouse=True)
def fixed_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(report, "clock", lambda: NOW)
    monkeypatch.setattr(report, "zone", dt.UTC)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    for name in ("HERMES_WEBUI_HOST", "HERMES_WEBUI_PORT", "HERMES_WEBUI_TLS_CERT",
                 "DISPLAY", "WAYLAND_DISPLAY", "HERMES_WEBUI_STATE_DIR", "HERMES_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")


def run(capsys: Capture, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_stats_prints_totals_groups_and_busiest_days(
    hermes_store: SessionStore, capsys: Capture
) -> None:
    status, out, err = run(capsys, "stats", str(hermes_store.directory))
    assert status == 0 and err == ""
    lines = out.splitlines()
    # Four sessions: the fifth is archived, hidden as in the app.
    assert lines[0] == "Sessions 4   Messages 16   Tokens 6.2k   Cost $0.05"
    assert lines[1] == "  input 4.8k, output 1.4k, cache read 0, cache write 0"
    chart = lines[4]
    assert chart.strip() == "█" and len(chart) == 2 + 90 - 10  # ten empty days since
    assert "By model" in lines and "By project" in lines and "By workspace" in lines
    model = lines[lines.index("By model") + 1].split()
    assert model == ["openai/gpt-5-mini", "1.5k", "$0.01", "1", "session"]
    projects = out.split("By project\n")[1].split("\n\n")[0]
    assert "(no project)" in projects and "proj0000aaaa" not in projects  # named, not ids
    assert lines[-1].split() == ["2026-11-18", "4", "sessions", "16", "messages"]


def test_stats_json_for_what_the_query_matches(
    hermes_store: SessionStore, capsys: Capture
) -> None:
    status, out, _ = run(capsys, "stats", "model:gpt", "--json", str(hermes_store.directory))
    figures = json.loads(out)
    assert status == 0
    assert figures["totals"]["sessions"] == 2
    assert figures["totals"]["input_tokens"] == 1204 + 1201
    assert [g["label"] for g in figures["by_model"]] == ["openai/gpt-5-mini", "openai/gpt-5"]
    assert len(figures["days"]) == 90 and figures["days"][-1]["date"] == "2026-11-28"
    assert figures["busiest_days"] == [{"date": "2026-11-18", "sessions": 2, "messages": 8}]


def test_stats_all_and_is_archived_count_the_archived_session(
    hermes_store: SessionStore, capsys: Capture
) -> None:
    folder = str(hermes_store.directory)
    _, out, _ = run(capsys, "stats", "--all", "--json", folder)
    assert json.loads(out)["totals"]["sessions"] == 5
    _, out, _ = run(capsys, "stats", "is:archived", "--json", folder)
    assert json.loads(out)["totals"]["sessions"] == 1


def test_stats_of_nothing_leaves_usage_blank(hermes_store: SessionStore, capsys: Capture) -> None:
    status, out, _ = run(capsys, "stats", "no-such-word", str(hermes_store.directory))
    assert status == 0
    assert out.splitlines()[0] == "Sessions 0   Messages 0   Tokens -   Cost -"
    assert out.rstrip().endswith("(no sessions in these days)")


def test_stats_without_a_store_is_one_line(
    tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.hermes/webui/sessions either
    # A last argument that is not a folder is a query word, so the default store is looked for.
    status, out, err = run(capsys, "stats", "model:gpt", str(tmp_path / "missing"))
    assert status == 2 and out == ""
    assert err.startswith("session-browser stats: error: no Hermes WebUI store found")
    assert err.count("\n") == 1


def test_open_with_no_browser_prints_the_link(
    hermes_store: SessionStore, capsys: Capture
) -> None:
    status, out, err = run(capsys, "open", "a1b2c3d4e5f6", str(hermes_store.directory))
    assert status == 0
    assert out == "http://127.0.0.1:8787/session/a1b2c3d4e5f6\n"
    assert err == ("session-browser open: No browser can be started here (no display): "
                   "open http://127.0.0.1:8787/session/a1b2c3d4e5f6\n")


def test_open_uses_the_browser_when_there_is_one(
    hermes_store: SessionStore, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[str] = []

    class Stub:
        def open(self, url: str, new: int = 0, autoraise: bool = True) -> bool:
            opened.append(url)
            return True

    monkeypatch.setenv("DISPLAY", ":0")
    monkeypatch.setenv("HERMES_WEBUI_PORT", "9000")
    monkeypatch.setattr(webbrowser, "get", lambda *a: Stub())
    status, out, err = run(capsys, "open", "a1b2c3d4e5f6", str(hermes_store.directory))
    assert status == 0 and err == ""
    assert opened == ["http://127.0.0.1:9000/session/a1b2c3d4e5f6"] == out.split()
    status, out, _ = run(capsys, "open", "a1b2c3d4e5f6", "--webui", "https://box:1",
                         str(hermes_store.directory))
    assert opened[-1] == "https://box:1/session/a1b2c3d4e5f6" and out.strip() == opened[-1]


def test_open_takes_the_address_from_the_config_file(
    hermes_store: SessionStore, capsys: Capture, tmp_path: Path
) -> None:
    config = tmp_path / "config" / "session-browser" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('webui_url = "http://hermes.lan:8080"\n')
    _, out, _ = run(capsys, "open", "a1b2c3d4e5f6", str(hermes_store.directory))
    assert out == "http://hermes.lan:8080/session/a1b2c3d4e5f6\n"


@pytest.mark.parametrize(
    ("argv", "status", "words"),
    [
        (["open", "../etc"], 2, "invalid session id"),
        (["open", "ffffffffffff"], 1, "no session ffffffffffff in"),
        (["open", "a1b2c3d4e5f6", "--webui", "ftp://x"], 2, "not a WebUI address"),
    ],
)
def test_open_errors_are_one_line(
    hermes_store: SessionStore, capsys: Capture, argv: list[str], status: int, words: str
) -> None:
    got, out, err = run(capsys, *argv, str(hermes_store.directory))
    assert got == status and out == ""
    assert err.startswith("session-browser open: error: ") and words in err
    assert err.count("\n") == 1


def test_print_config_says_where_each_setting_came_from(
    tmp_path: Path, capsys: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config" / "session-browser" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('# mine\nsort = "title"\n[keys]\nquit = "ctrl+q"\n')
    monkeypatch.setenv("HERMES_WEBUI_TLS_CERT", "/etc/c.pem")
    monkeypatch.setenv("HERMES_WEBUI_PORT", "8443")
    status, out, err = run(capsys, "--print-config")
    assert status == 0 and err == ""
    assert f'sort = "title"  # {config}:2' in out
    assert 'theme = "textual-dark"  # default' in out
    assert 'webui_url = "https://127.0.0.1:8443"  # environment' in out
    assert f"[keys]  # {config}:3" in out and '"quit" = "ctrl+q"' in out
    status, out, _ = run(capsys, "--print-config", "--webui", "http://x:1")
    assert 'webui_url = "http://x:1"  # command line' in out
    status, out, err = run(capsys, "--print-config", "--webui", "x:y")
    assert status == 2 and "not a WebUI address" in err


def test_print_config_with_a_broken_file_names_the_line(
    tmp_path: Path, capsys: Capture
) -> None:
    config = tmp_path / "config" / "session-browser" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text('theme = "nord"\nsort = \n')
    status, out, _ = run(capsys, "--print-config")
    assert status == 0
    problem = [line for line in out.splitlines() if line.startswith("# problem:")]
    assert len(problem) == 1 and problem[0].startswith(f"# problem: {config}:2: ")
    assert "(at line 2, column 8)" in problem[0] and problem[0].endswith("using the defaults")
    assert 'theme = "textual-dark"  # default' in out
