"""Markdown export and project names: what a person reads outside the app."""

from __future__ import annotations

import json
from pathlib import Path

from api.export import session_markdown
from api.projects import load_projects
from api.store import SessionStore


def test_export_has_title_metadata_and_every_message(hermes_store: SessionStore) -> None:
    text = session_markdown(hermes_store.load("0f9e8d7c6b5a"))
    assert text.startswith("# Why is CI red on main?\n")
    assert "- **Model:** openai/gpt-5" in text
    assert "- **Pinned:** True" in text
    assert [line for line in text.splitlines() if line.startswith("## ")] == [
        "## 1. user · 2026-11-18 11:23:20 UTC",
        "## 2. assistant · 2026-11-18 11:23:25 UTC",
        "## 3. tool · 2026-11-18 11:23:26 UTC",
        "## 4. assistant · 2026-11-18 11:23:29 UTC",
    ]
    assert "Tool call `read_file`:" in text


def test_export_fences_survive_backticks_in_tool_output(store: SessionStore) -> None:
    store.save(store.new_session(session_id="abc", title="t", messages=[
        {"role": "tool", "content": "```\ninside\n````"},
    ]))
    text = session_markdown(store.load("abc"))
    assert "`````\n```\ninside\n````\n`````" in text


def test_projects_are_read_from_beside_the_sessions_folder(hermes_store: SessionStore) -> None:
    projects = load_projects(hermes_store.directory)
    assert {p.name: p.color for p in projects.values()} == {
        "auth-service": "#e06c75", "planning": "#61afef"
    }


def test_broken_projects_file_means_no_projects(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    assert load_projects(sessions) == {}
    (tmp_path / "projects.json").write_text("{oops")
    assert load_projects(sessions) == {}
    (tmp_path / "projects.json").write_text(json.dumps([
        1, {"project_id": 5}, {"project_id": "p", "name": "", "color": "red; evil"},
        {"project_id": "q", "name": "Q", "color": "#abc"},
    ]))
    projects = load_projects(sessions)
    assert (projects["p"].name, projects["p"].color) == ("p", None)
    assert (projects["q"].name, projects["q"].color) == ("Q", "#abc")
