"""The pure parts: text fitting, relative times, row ordering, the edit ledger, the CLI and the
demo generator."""

from __future__ import annotations

import random
import tempfile
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from tui_helpers import DAY, HOUR, MIN, NOW

from tui.cli import main
from tui.cli.commands import resolve_store
from tui.editing.ledger import Edit, EditLedger
from tui.live.diff import RowsDelta, diff_rows, forget
from tui.order import sort_key
from tui.rows import SessionRows
from tui.text import fit, fit_left, fit_right, inert, relative_time
from tui.widgets.session_columns import columns_for

# ── text ───────────────────────────────────────────────────────────────────────


@given(st.text(), st.integers(min_value=1, max_value=60))
@settings(max_examples=300, deadline=None)
def test_fit_is_always_exactly_the_width(text: str, width: int) -> None:
    text = inert(text)
    for fitter in (fit, fit_left, fit_right):
        assert cell_len(fitter(text, width)) == width


@given(st.text())
def test_inert_leaves_no_control_characters(text: str) -> None:
    out = inert(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in out)
    assert not any(c in out for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert len(out) == len(text)


def test_fit_examples() -> None:
    assert fit("hello", 8) == "hello   "
    assert fit("hello world", 6) == "hello…"
    assert fit("漢字漢字", 5) == "漢字…"
    assert fit("漢字", 4) == "漢字"
    assert fit("漢字漢字", 4) == "漢 …"  # half a wide character becomes a space
    assert fit_left("/home/dev/project", 9) == "…/project"
    assert fit_right("42", 5) == "   42"
    assert inert("a\x1b[2Jb\x07") == "a␛[2Jb␇"


@pytest.mark.parametrize(
    ("age", "expected"),
    [
        (10, "just now"),
        (3 * MIN, "3 min ago"),
        (59 * MIN, "59 min ago"),
        (2 * HOUR, "2 h ago"),
        (26 * HOUR, "yesterday"),
        (3 * DAY, "3 days ago"),
        (200 * DAY, "2026-05-02"),
        (-10 * DAY, "2026-11-28"),
    ],
)
def test_relative_time(age: float, expected: str) -> None:
    assert relative_time(NOW - age, NOW, UTC) == expected


def test_relative_time_survives_absurd_stamps() -> None:
    assert relative_time(1e300, NOW, UTC) == "?"
    assert relative_time(-1e300, NOW, UTC) == "?"


@pytest.mark.parametrize("width", [20, 40, 59, 60, 79, 80, 100, 120, 200])
def test_columns_fill_the_width(width: int) -> None:
    cols = columns_for(width)
    used = cols.marker + cols.title + 1 + cols.when + 1 + cols.count
    used += (cols.model + 1) if cols.model else 0
    used += (cols.workspace + 1) if cols.workspace else 0
    assert used == width - 1 or width < 30  # one cell of margin before the scrollbar
    if width >= 60:
        assert cols.model and cols.title >= 16


# ── rows ───────────────────────────────────────────────────────────────────────


def row(sid: str, updated: float, pinned: bool = False, archived: bool = False) -> dict[str, Any]:
    return {"session_id": sid, "title": sid, "updated_at": updated, "pinned": pinned,
            "archived": archived, "message_count": 0, "model": "", "workspace": ""}


def test_rows_order_and_filter() -> None:
    rows = SessionRows([row("a", 5), row("b", 4, pinned=True), row("c", 3, archived=True),
                        row("d", 9)])
    assert [r["session_id"] for r in rows] == ["b", "d", "a"]
    assert rows.total == 4 and len(rows) == 3
    rows.show_archived = True
    assert [r["session_id"] for r in rows] == ["b", "d", "a", "c"]
    assert rows.index_of("c") == 3
    rows.show_archived = False
    assert rows.index_of("c") is None


@given(st.lists(st.tuples(st.integers(0, 20), st.booleans(), st.booleans()), max_size=40),
       st.lists(st.tuples(st.integers(0, 39), st.integers(0, 20), st.booleans(), st.booleans()),
                max_size=30), st.booleans())
@settings(max_examples=200, deadline=None)
def test_rows_put_keeps_both_views_sorted(
    initial: list[tuple[int, bool, bool]], edits: list[tuple[int, int, bool, bool]], show: bool
) -> None:
    base = [row(f"s{i}", float(t), p, a) for i, (t, p, a) in enumerate(initial)]
    rows = SessionRows(base, show_archived=show)
    expected = {r["session_id"]: r for r in base}
    for index, t, p, a in edits:
        if not base:
            break
        sid = f"s{index % len(base)}"
        new = row(sid, float(t), p, a)
        rows.put(new)
        expected[sid] = new
    keys = [sort_key(r) for r in rows]
    assert keys == sorted(keys)
    visible = {sid for sid, r in expected.items() if show or not r["archived"]}
    assert {r["session_id"] for r in rows} == visible
    for sid in visible:
        index = rows.index_of(sid)
        assert index is not None and rows[index]["session_id"] == sid


def test_display_order_copes_with_unsorted_input() -> None:
    shuffled = [row(f"s{i}", float(i)) for i in range(50)]
    random.Random(1).shuffle(shuffled)
    rows = SessionRows(shuffled)
    assert [r["updated_at"] for r in rows] == sorted((float(i) for i in range(50)), reverse=True)


@given(st.lists(st.integers(0, 30), max_size=40),
       st.lists(st.tuples(st.integers(0, 39), st.sampled_from(["rewrite", "touch", "delete"])),
                max_size=12),
       st.lists(st.integers(0, 40), max_size=5))
@settings(max_examples=300, deadline=None)
def test_diff_rows_finds_exactly_what_another_read_changed(
    times: list[int], edits: list[tuple[int, str]], added: list[int]
) -> None:
    """Two reads of a store, the second sharing every unchanged row object with the first
    (as `SessionStore.list_rows` does): putting and removing what `diff_rows` reports turns
    the first read's list into the second's, and it gives up past `limit` changes."""
    before = sorted((row(f"s{i}", float(t)) for i, t in enumerate(times)),
                    key=lambda r: -r["updated_at"])
    after = {r["session_id"]: r for r in before}
    for index, kind in edits:
        if not before:
            break
        old = before[index % len(before)]
        sid = old["session_id"]
        if kind == "delete":
            after.pop(sid, None)
        elif sid in after:
            after[sid] = {**old, "title": "new", "updated_at": old["updated_at"] + (
                100.0 if kind == "touch" else 0.0)}
    for i, t in enumerate(added):
        after[f"new{i}"] = row(f"new{i}", float(t))
    fresh = sorted(after.values(), key=lambda r: -r["updated_at"])
    changes = sum(r is not next((o for o in before if o["session_id"] == sid), None)
                  for sid, r in after.items())
    changes += len({r["session_id"] for r in before} - after.keys())

    delta = diff_rows(list(before), fresh, limit=changes)
    assert delta is not None and len(delta) == changes
    if changes:
        assert diff_rows(list(before), fresh, limit=changes - 1) is None
    rows = SessionRows(before, show_archived=True)
    for r in delta.changed:
        rows.put(r)
    for sid in delta.removed:
        rows.remove(sid)
    assert {r["session_id"]: id(r) for r in rows} == {r["session_id"]: id(r) for r in fresh}
    assert [sort_key(r) for r in rows] == [sort_key(r) for r in fresh]


def test_forget_makes_the_next_diff_report_a_row_again() -> None:
    rows = [row("a", 3.0), row("b", 2.0), row("c", 1.0)]
    seen = list(rows)
    assert diff_rows(seen, rows, limit=10) == RowsDelta([], frozenset())
    forget(seen, rows[1])
    assert diff_rows(seen, rows, limit=10) == RowsDelta([rows[1]], frozenset())


def test_ledger_failure_puts_back_only_that_edit() -> None:
    ledger = EditLedger()
    shown = row("a", 1)
    pin = Edit("a", {"pinned": True, "updated_at": 2.0}, "pin")
    shown = ledger.begin(shown, pin)
    rename = Edit("a", {"title": "new"}, "rename")
    shown = ledger.begin(shown, rename)
    assert (shown["pinned"], shown["title"]) == (True, "new")
    assert len(ledger) == 2
    after_fail = ledger.settle(pin, None)
    assert (after_fail["pinned"], after_fail["title"]) == (False, "new")
    assert after_fail["updated_at"] == 1
    stored = {**row("a", 3.0), "title": "new"}
    final = ledger.settle(rename, stored)
    assert final is stored and len(ledger) == 0


# ── CLI ────────────────────────────────────────────────────────────────────────


def test_cli_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "STORE" in out and "--demo" in out and "~/.hermes/webui/sessions" in out
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith("session-browser ")


def test_cli_missing_store_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such folder" in err and "Traceback" not in err
    afile = tmp_path / "file.json"
    afile.write_text("{}")
    assert main([str(afile)]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_cli_store_and_demo_together_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path), "--demo"]) == 2
    assert "either" in capsys.readouterr().err


def test_no_store_found_opens_the_demo_with_a_banner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HERMES_WEBUI_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HERMES_HOME", str(tmp_path / "hermes"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    from tui.cli.commands import build_parser

    resolved = resolve_store(build_parser().parse_args([]))
    assert not isinstance(resolved, str)
    store, banner = resolved
    assert banner is not None
    for tried in ("state/sessions", "hermes/webui/sessions", "home/.hermes/webui/sessions"):
        assert tried in banner
    assert str(store.directory).startswith(str(tmp_path / "tmp"))
    assert len(store.list_rows()) >= 200
    assert "demo store created in" in capsys.readouterr().out


def test_default_store_is_opened_when_it_exists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HERMES_WEBUI_STATE_DIR", str(tmp_path / "state"))
    (tmp_path / "state" / "sessions").mkdir(parents=True)
    from tui.cli.commands import build_parser

    resolved = resolve_store(build_parser().parse_args([]))
    assert not isinstance(resolved, str)
    store, banner = resolved
    assert banner is None and store.directory == tmp_path / "state" / "sessions"


def test_cli_runs_the_app_on_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tui.app import SessionBrowser

    ran: list[SessionBrowser] = []
    monkeypatch.setattr(SessionBrowser, "run", lambda self: ran.append(self))
    (tmp_path / "s").mkdir()
    assert main([str(tmp_path / "s")]) == 0
    assert ran and ran[0].store.directory == tmp_path / "s" and ran[0].main.banner is None
    assert ran[0].main.search_panel.index.cache_root is None  # the user's cache folder


def test_the_demo_keeps_its_message_index_in_its_own_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new demo store is made at every start: its search index must not pile up in the
    user's cache folder."""
    from tui.app import SessionBrowser

    ran: list[SessionBrowser] = []
    monkeypatch.setattr(SessionBrowser, "run", lambda self: ran.append(self))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    assert main(["--demo"]) == 0
    store = ran[0].store
    assert ran[0].main.search_panel.index.cache_root == store.directory.parent / "search-cache"
    assert store.directory.parent.parent == tmp_path


# ── demo ───────────────────────────────────────────────────────────────────────


def test_demo_store_is_realistic(tmp_path: Path) -> None:
    from tui.demo import DEMO_SIZE, build_demo_store

    store = build_demo_store(tmp_path / "sessions", now=NOW)
    rows = store.list_rows()
    assert len(rows) == DEMO_SIZE >= 200
    ages = [NOW - r["updated_at"] for r in rows]
    assert min(ages) < HOUR and max(ages) > 300 * DAY
    assert 0 < sum(r["pinned"] for r in rows) < 10
    assert 0 < sum(r["archived"] for r in rows) < DEMO_SIZE // 4
    assert len({r["model"] for r in rows}) >= 5 and len({r["workspace"] for r in rows}) >= 5
    assert max(r["message_count"] for r in rows) >= 200  # a few long transcripts
    titles = {r["title"] for r in rows}
    assert len(titles) > 100
    assert any("[b]" in t for t in titles) and any("日本語" in t for t in titles)
    # The index is the store's own: files and index agree.
    assert {p.stem for p in (tmp_path / "sessions").glob("*.json") if not p.name.startswith("_")} \
        == {r["session_id"] for r in rows}
