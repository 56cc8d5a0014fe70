"""The pure parts of finding and ordering: the search line's language, highlighting, the
filtered, sorted and grouped view of the rows, the ledger's rebase, undo levels, export names."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tui_helpers import DAY, HOUR

from tui.editing.ledger import Edit, EditLedger
from tui.editing.undo import Revert, UndoStack
from tui.exporting import export_name, slug, write_new
from tui.highlights import fit_left_marked, fit_marked
from tui.order import ORDERS, display_order, key_for
from tui.query import EMPTY, Query, find_spans, haystack
from tui.rows import SessionRows
from tui.text import fit, fit_left

# ── the query language ─────────────────────────────────────────────────────────


def test_parse_words_and_qualifiers() -> None:
    q = Query.parse('Fix  LOGIN -draft model:GPT -workspace:tmp project:"data team" is:p '
                    "-is:arch")
    assert q.words == ("fix", "login") and q.fts_words == ("Fix", "LOGIN")
    assert q.not_words == ("draft",)
    assert q.include == (("model", "gpt"), ("project", "data team"))
    assert q.exclude == (("workspace", "tmp"),)
    assert (q.pinned, q.archived) == (True, False)


@pytest.mark.parametrize("text", ["", "   ", "model:", "-", "is:", 'project:""', "is:zzz"])
def test_half_typed_qualifiers_filter_nothing(text: str) -> None:
    assert Query.parse(text).empty


def test_unknown_qualifiers_are_words() -> None:
    assert Query.parse("http://x.y a:b").words == ("http://x.y", "a:b")


def test_unclosed_quote_takes_the_rest_of_the_word() -> None:
    assert Query.parse('project:"data').include == (("project", "data"),)


@pytest.mark.parametrize(
    ("new", "old", "refines"),
    [
        ("pars", "par", True),
        ("par x", "par", True),
        ("par", "pars", False),
        ("x par", "par", True),
        ("par -a", "par", True),
        ("par", "par -a", False),
        ("par model:x", "par", False),  # qualifiers differ: filter everything again
        ("", "", True),
    ],
)
def test_refines(new: str, old: str, refines: bool) -> None:
    assert Query.parse(new).refines(Query.parse(old)) is refines


def test_find_spans() -> None:
    assert find_spans("Fix the FIX", ["fix"]) == [(0, 3), (8, 11)]
    assert find_spans("abcabc", ["bc", "ca"]) == [(1, 6)]  # overlaps merge
    assert find_spans("İstanbul", ["stan"]) == [(1, 5)]  # "İ" lowercases to two characters
    assert find_spans("x", []) == [] and find_spans("", ["x"]) == []


@given(st.text(alphabet=st.sampled_from("ab cd漢字🚀İß\u0301é\x1b"), max_size=30),
       st.lists(st.text(alphabet="abcdi漢", min_size=1, max_size=3), max_size=3),
       st.integers(1, 25))
@settings(max_examples=400, deadline=None)
def test_marked_fitting_is_the_same_text_as_fitting(
    text: str, words: list[str], width: int
) -> None:
    spans = find_spans(text, words)
    assert "".join(p for p, _ in fit_marked(text, spans, width)) == fit(text, width)
    assert "".join(p for p, _ in fit_left_marked(text, spans, width)) == fit_left(text, width)
    for start, end in spans:  # every span holds a match (spans may merge several)
        assert any(w in text[start:end].lower() for w in words)


def test_marked_pieces() -> None:
    assert fit_marked("Fix the login", [(0, 3)], 20) == [("Fix", True), (" the login", False),
                                                          (" " * 7, False)]
    # Cut at the end: the visible part of the match stays marked.
    assert fit_marked("Fix the login", [(8, 13)], 10) == [("Fix the ", False), ("l", True),
                                                          ("…", False)]
    # Cut at the start (paths): the marks move with the kept tail.
    assert fit_left_marked("/home/dev/project", [(10, 17)], 9) == [
        ("…", False), ("/", False), ("project", True)]


# ── the view: filter, order, groups ────────────────────────────────────────────


def row(i: int, **fields: Any) -> dict[str, Any]:
    base = {"session_id": f"s{i}", "title": f"title {i}", "workspace": f"/w/{i % 3}",
            "model": f"model-{i % 4}", "updated_at": float(1000 - i), "created_at": float(i),
            "last_message_at": float((i * 7) % 50), "message_count": (i * 5) % 9,
            "pinned": False, "archived": False, "project_id": None}
    base.update(fields)
    return base


def fresh_ids(rows: list[dict[str, Any]], **view: Any) -> list[str]:
    return [r["session_id"] for r in SessionRows(rows, **view)]


QUERIES = ["", "t", "ti", "title 1", "title 1 -1 ", "model:2", "model:2 w/1", "is:pinned",
           "-is:pinned t", "is:archived", "project:alpha", "-model:3", "1", "12", "title 12"]


@given(
    st.lists(st.tuples(st.booleans(), st.booleans(), st.sampled_from([None, "p1", "p2"])),
             min_size=0, max_size=30),
    st.lists(st.one_of(
        st.tuples(st.just("query"), st.sampled_from(QUERIES)),
        st.tuples(st.just("order"), st.sampled_from(ORDERS)),
        st.tuples(st.just("archived"), st.booleans()),
        st.tuples(st.just("put"), st.integers(0, 40), st.booleans(), st.booleans(),
                  st.integers(0, 2000), st.sampled_from(["x", "title 1 new", "zz"])),
        st.tuples(st.just("remove"), st.integers(0, 40)),
    ), max_size=25),
)
@settings(max_examples=300, deadline=None)
def test_view_always_equals_a_fresh_build(
    flags: list[tuple[bool, bool, str | None]], steps: list[tuple[Any, ...]]
) -> None:
    """Whatever sequence of filters, orders, archive toggles, edits and deletions: the view
    is exactly what building it from scratch with the final settings gives (so refinement,
    re-sorting and bisect edits never drift)."""
    from api.projects import Project

    projects = {"p1": Project("p1", "Alpha team", None)}
    rows = [row(i, pinned=p, archived=a, project_id=pid) for i, (p, a, pid) in enumerate(flags)]
    current = {r["session_id"]: r for r in rows}
    view = SessionRows(rows, projects=projects)
    for step in steps:
        if step[0] == "query":
            view.query = Query.parse(step[1])
        elif step[0] == "order":
            view.order = step[1]
        elif step[0] == "archived":
            view.show_archived = step[1]
        elif step[0] == "remove":
            sid = f"s{step[1]}"
            assert (view.remove(sid) is not None) == (sid in current)
            current.pop(sid, None)
        elif rows and f"s{step[1] % len(rows)}" in current:
            _, i, pinned, archived, updated, title = step
            old = current[f"s{i % len(rows)}"]
            new = {**old, "pinned": pinned, "archived": archived, "updated_at": float(updated),
                   "title": title}
            current[new["session_id"]] = new
            view.put(new)
    expected = fresh_ids(list(current.values()), show_archived=view.show_archived,
                         order=view.order, query=view.query, projects=projects)
    got = [r["session_id"] for r in view]
    # Equal keys (same pin and time) may come in either order: compare by sort key runs.
    key = key_for(view.order)
    assert [key(current[s]) for s in got] == [key(current[s]) for s in expected]
    assert sorted(got) == sorted(expected)
    for sid in got:
        index = view.index_of(sid)
        assert index is not None and view[index]["session_id"] == sid
    assert view.total == len(current)


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5), st.integers(0, 5),
                          st.booleans(), st.sampled_from(["b", "A", "a", "c"])), max_size=30))
@settings(max_examples=200, deadline=None)
def test_display_order_is_the_sort_by_the_orders_key(
    specs: list[tuple[int, int, int, bool, str]],
) -> None:
    rows = sorted(
        (row(i, updated_at=float(u), created_at=float(c), message_count=m, pinned=p, title=t,
             last_message_at=float(c + u))
         for i, (u, c, m, p, t) in enumerate(specs)),
        key=lambda r: -r["updated_at"],
    )
    for order in ORDERS:
        got = display_order(rows, order)
        assert [key_for(order)(r) for r in got] == sorted(key_for(order)(r) for r in rows)


def test_groups_by_day_in_the_time_zone() -> None:
    tz = timezone(timedelta(hours=-5))
    now = datetime(2026, 3, 10, 9, 0, tzinfo=tz).timestamp()
    times = {"today": now - 2 * HOUR, "yesterday": now - 12 * HOUR,
             "week": now - 3 * DAY, "older": now - 9 * DAY}
    rows = [row(0, pinned=True, updated_at=now - 30 * DAY)] + [
        row(i + 1, title=name, updated_at=t) for i, (name, t) in enumerate(times.items())
    ]
    view = SessionRows(rows)
    groups = view.groups(now, tz)
    assert [(g.label, g.start, g.end) for g in groups] == [
        ("Pinned", 0, 1), ("Today", 1, 2), ("Yesterday", 2, 3), ("This week", 3, 4),
        ("Older", 4, 5),
    ]
    view.order = ORDERS[3]  # title: no headings
    assert view.groups(now, tz) == []
    view.order = ORDERS[0]
    view.query = Query.parse("older")
    assert [g.label for g in view.groups(now, tz)] == ["Older"]


def test_groups_across_a_dst_change() -> None:
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Europe/Paris")
    now = datetime(2026, 3, 30, 0, 30, tzinfo=tz).timestamp()  # DST began on the 29th
    just_before_midnight = datetime(2026, 3, 29, 23, 59, tzinfo=tz).timestamp()
    view = SessionRows([row(1, updated_at=now - 60), row(2, updated_at=just_before_midnight)])
    assert [g.label for g in view.groups(now, tz)] == ["Today", "Yesterday"]


def test_haystack_is_title_workspace_model_lowercased() -> None:
    assert haystack(row(1, title="Fix", workspace="/W", model="GPT")) == "fix\n/w\ngpt"


def test_rows_view_shares_nothing_it_must_not() -> None:
    rows = [row(1, archived=True), row(2)]
    view = SessionRows(rows, show_archived=False, query=EMPTY)
    view.put(row(3, archived=True, updated_at=5000.0))
    assert [r["session_id"] for r in view] == ["s2"]
    view.show_archived = True
    assert [r["session_id"] for r in view] == ["s3", "s1", "s2"]


@pytest.mark.parametrize("text", ["", "title"])
def test_archiving_the_first_row_of_a_list_with_none_archived_hides_it(text: str) -> None:
    """With nothing archived the hidden-archived view is the list of every row itself (no copy
    of 100,000 rows): archiving one must still take it out of the view, and only the view."""
    view = SessionRows([row(1), row(2)], show_archived=False, query=Query.parse(text))
    view.put(row(1, archived=True))
    assert [r["session_id"] for r in view] == ["s2"] and view.total == 2
    view.put(row(1))
    assert [r["session_id"] for r in view] == ["s1", "s2"]
    view.show_archived = True
    view.put(row(2, archived=True))
    assert [r["session_id"] for r in view] == ["s1", "s2"]


def test_remove_and_matches() -> None:
    view = SessionRows([row(1), row(2, pinned=True)], query=Query.parse("is:pinned"))
    assert [r["session_id"] for r in view] == ["s2"]
    assert view.matches(row(5, pinned=True)) and not view.matches(row(5))
    assert view.remove("s2") is not None and len(view) == 0 and view.total == 1
    assert view.remove("nope") is None


def test_ledger_rebase_lays_pending_edits_over_a_new_row() -> None:
    ledger = EditLedger()
    shown = ledger.begin(row(1), Edit("s1", {"pinned": True}, "pin"))
    assert shown["pinned"] is True and ledger.pending_ids() == ["s1"]
    fresh = row(1, title="from elsewhere")
    rebased = ledger.rebase("s1", fresh)
    assert (rebased["title"], rebased["pinned"]) == ("from elsewhere", True)
    assert ledger.rebase("other", fresh) is fresh
    edit = Edit("s1", {"title": "x"}, "rename")
    ledger.begin(rebased, edit)
    failed = ledger.settle(edit, None)
    assert (failed["title"], failed["pinned"]) == ("from elsewhere", True)


def test_undo_stack_levels_and_discard() -> None:
    stack = UndoStack(levels=3)
    edits = [Edit("s", {}, "pin") for _ in range(5)]
    for edit in edits:
        stack.push(edit, Revert({"pinned": False}, lambda saver: {}))
    assert len(stack) == 3
    stack.discard(edits[3])
    popped = stack.pop()
    assert popped is not None and popped.edit is edits[4]
    popped = stack.pop()
    assert popped is not None and popped.edit is edits[2]
    assert stack.pop() is None


# ── export names ───────────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Fix the login redirect loop", "fix-the-login-redirect-loop"),
        ("Café crème: ça marche?", "cafe-creme-ca-marche"),
        ("日本語", ""),
        ("../../etc/passwd", "etc-passwd"),
        ("a" * 100, "a" * 48),
    ],
)
def test_slug(title: str, expected: str) -> None:
    assert slug(title) == expected


def test_write_new_never_overwrites(tmp_path: Path) -> None:
    name = export_name("日本語", "abc")
    assert name == "session-abc.md"
    paths = [write_new(tmp_path, name, f"v{i}") for i in range(3)]
    assert [p.name for p in paths] == ["session-abc.md", "session-abc-2.md", "session-abc-3.md"]
    assert [p.read_text() for p in paths] == ["v0", "v1", "v2"]


def test_random_views_at_scale_are_consistent() -> None:
    rng = random.Random(5)
    rows = [row(i, pinned=rng.random() < 0.05, archived=rng.random() < 0.1,
                updated_at=float(rng.randrange(10**6))) for i in range(3000)]
    rows.sort(key=lambda r: -r["updated_at"])
    view = SessionRows(rows)
    for text in ("t", "ti", "tit", "title 2", "title 2 model:1", "title 2", "", "1 -2"):
        view.query = Query.parse(text)
        assert [r["session_id"] for r in view] == fresh_ids(rows, query=view.query)


@settings(max_examples=80, deadline=None)
@given(words=st.lists(st.sampled_from(["t", "1", "title 1", "/w", "w/2", "model", "-3", "x",
                                       "İ", "i̇"]), min_size=1, max_size=3),
       negate=st.lists(st.booleans(), min_size=3, max_size=3),
       edits=st.lists(st.integers(0, 11), max_size=3))
def test_words_match_title_workspace_or_model_as_one_haystack(
    words: list[str], negate: list[bool], edits: list[int],
) -> None:
    """Rows keep only their lowercased title; workspaces and models are matched once per
    distinct value. What a query keeps is still exactly what a match against the whole
    haystack (title, workspace and model) keeps, also after edits bring in new values."""
    rows = [row(i) for i in range(12)]
    text = " ".join(f"-{w}" if neg else w for w, neg in zip(words, negate, strict=False)
                    if " " not in w)
    query = Query.parse(text)
    view = SessionRows(rows, query=query)
    for i in edits:
        rows[i] = row(i, workspace=f"/İnbox/{i}", model=f"Model-X{i}")
        view.put(rows[i])

    def oracle(r: dict[str, Any]) -> bool:
        hay = haystack(r)
        return all(w in hay for w in query.words) and not any(w in hay for w in query.not_words)

    expected = [r["session_id"] for r in SessionRows(rows) if oracle(r)]
    assert [r["session_id"] for r in view] == expected
    view.query = EMPTY
    view.query = query
    assert [r["session_id"] for r in view] == expected
