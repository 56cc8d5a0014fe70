"""Hermes WebUI's projects: `projects.json` beside the sessions folder names each project_id."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from api import jsonio
from api.atomic import atomic_write
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


# ── creating projects and moving sessions, by Hermes WebUI's rules ──────────

#: Hermes' `/api/projects/create`: names are cut to 128 characters, colours are `#` and 3 to 8
#: hex digits, profile names follow its `_PROFILE_ID_RE`.
MAX_PROJECT_NAME = 128
_CREATE_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}")
_PROFILE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


class ProjectError(ValueError):
    """A project that cannot be created or used; the message is for the user."""


def create_project(
    sessions_dir: Path, name: str, *, color: str | None = None, profile: str | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """Add a project to `projects.json` as Hermes WebUI's `/api/projects/create` does (the
    same five fields, a 12-hex id from a uuid4) and return it. Every other row of the file is
    kept as it is, unknown keys too; the write is atomic. Callers hold the store lock."""
    clean = name.strip()[:MAX_PROJECT_NAME]
    if not clean:
        raise ProjectError("a project needs a name")
    if color and not _CREATE_COLOR.fullmatch(color):
        raise ProjectError(f"{color!r} is not a colour (give #rgb or #rrggbb)")
    wanted = (profile or "").strip()
    if wanted and wanted != "default" and not _PROFILE.fullmatch(wanted):
        raise ProjectError(f"{wanted!r} is not a profile name")
    path = projects_file(Path(sessions_dir))
    rows = _raw_projects(path)
    project: dict[str, Any] = {
        "project_id": uuid.uuid4().hex[:12],
        "name": clean,
        "color": color or None,
        "profile": wanted or "default",
        "created_at": time.time() if now is None else now,
    }
    rows.append(project)
    atomic_write(path, json.dumps(rows, ensure_ascii=False, indent=2).encode("utf-8"))
    return project


def _raw_projects(path: Path) -> list[Any]:
    try:
        raw = jsonio.loads(path.read_bytes())
    except FileNotFoundError:
        return []
    except (OSError, ValueError, RecursionError) as exc:
        # Hermes would start a fresh list here and lose the old one: refuse instead.
        raise ProjectError(f"{path.name} cannot be read ({exc}); not changing it") from exc
    if not isinstance(raw, list):
        raise ProjectError(f"{path.name} is not a list of projects; not changing it")
    return raw


def project_profile(sessions_dir: Path, project_id: str) -> str:
    """The profile a project belongs to ("default" when it names none); ProjectError when
    `projects.json` has no such project."""
    for item in _raw_projects(projects_file(Path(sessions_dir))):
        if isinstance(item, dict) and item.get("project_id") == project_id:
            return str(item.get("profile") or "default")
    raise ProjectError(f"no project {project_id!r} in projects.json")


def same_profile(a: object, b: object) -> bool:
    """Hermes' `_profiles_match`: no profile means "default". (Hermes also treats a renamed
    root profile as "default"; that needs its profile list, which the store does not have.)"""
    return (a or "default") == (b or "default")
