"""The command line, `session-browser` (the console script is `tui.cli:main`).

commands.py: the app, `list`, `export`, and what every command shares (errors as one line and
a status, the store a command reads, the WebUI options); bulk.py: `archive QUERY` and the other
edits of many sessions, `trash ...`; report.py: `stats`, `open`, `--print-config`.
"""

from tui.cli.commands import main

__all__ = ["main"]
