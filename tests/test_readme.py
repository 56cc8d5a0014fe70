"""The README's two commands are the ones that work: CI runs the second one verbatim."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    return re.findall(r"```sh\n(.+?)\n```", (ROOT / "README.md").read_text())[:2]


def test_ci_runs_exactly_the_readme_test_command() -> None:
    run, test = _readme_commands()
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci_lines
    assert "pytest" in test and "ruff" in test and "mypy" in test
    assert run.endswith("session-browser")


def test_console_script_points_at_the_cli() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert 'session-browser = "tui.cli:main"' in pyproject
