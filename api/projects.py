"""Hermes WebUI's projects: `projects.json` beside the sessions folder names each project_id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from api import jsonio
from api.paths import projects_file

_COLOR = re.compile(r"#[0-9A-Fa-f]{6}|#[0-9A-Fa-f]{3}")


@dataclass(frozen=True)
class Project:
    project_id: str
    name: str
    color: str | None  # "#rrggbb", or None when the file has no usable color


def load_projects(sessions_dir: Path) -> dict[str, Project]:
    """Projects by id. A missing or broken file means no projects, never an error: they only
    decorate the list."""
    try:
        raw = jsonio.loads(projects_file(Path(sessions_dir)).read_bytes())
    except (OSError, ValueError, RecursionError):
        return {}
    if not isinstance(raw, list):
        return {}
    projects: dict[str, Project] = {}
    for item in raw:
        if not isinstance(item, dict):
            continue
        pid, name, color = item.get("project_id"), item.get("name"), item.get("color")
        if not isinstance(pid, str) or not pid:
            continue
        projects[pid] = Project(
            project_id=pid,
            name=name if isinstance(name, str) and name.strip() else pid,
            color=color if isinstance(color, str) and _COLOR.fullmatch(color) else None,
        )
    return projects
