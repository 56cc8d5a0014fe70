"""`python -m tui` runs the same entry point as the `session-browser` console script."""

from __future__ import annotations

from tui.cli import main

raise SystemExit(main())
