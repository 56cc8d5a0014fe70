"""The store stands alone: nothing under api/ imports the UI or Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

API = Path(__file__).resolve().parents[1] / "api"
FORBIDDEN = ("tui", "textual", "rich")


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_no_api_module_imports_the_ui() -> None:
    offenders = {
        f"{path.name}: {name}"
        for path in sorted(API.glob("**/*.py"))
        for name in _imported_modules(path)
        if name.split(".")[0] in FORBIDDEN
    }
    assert API.is_dir() and not offenders


def test_importing_the_store_loads_no_ui_module() -> None:
    code = (
        "import sys, api.models, api.store, api.index, api.paths\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=API.parent, check=True)
    assert out.stdout.strip() == ""
