"""Where Hermes WebUI keeps its store, by the same rules Hermes uses."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def state_dir_candidates(env: Mapping[str, str] | None = None) -> list[Path]:
    """The state folders that apply, most specific first (`$HERMES_WEBUI_STATE_DIR`,
    `$HERMES_HOME/webui`, `~/.hermes/webui`); an empty variable counts as unset."""
    env = os.environ if env is None else env
    found: list[Path] = []
    if env.get("HERMES_WEBUI_STATE_DIR"):
        found.append(Path(env["HERMES_WEBUI_STATE_DIR"]).expanduser())
    if env.get("HERMES_HOME"):
        found.append(Path(env["HERMES_HOME"]).expanduser() / "webui")
    found.append(Path("~/.hermes/webui").expanduser())
    return found


def default_store_candidates(env: Mapping[str, str] | None = None) -> list[Path]:
    """The session folders to try, in order; the first one that exists is the user's store."""
    return [state / "sessions" for state in state_dir_candidates(env)]


def default_sessions_dir(env: Mapping[str, str] | None = None) -> Path:
    """The session folder Hermes would use: the first candidate whose variable is set."""
    return default_store_candidates(env)[0]


def projects_file(sessions_dir: Path) -> Path:
    """`projects.json` sits in the state folder, beside `sessions/`."""
    return sessions_dir.parent / "projects.json"
