"""The app's screens: the main one (the list), a transcript, help."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from tui.screens.help import HelpScreen

if TYPE_CHECKING:
    from tui.screens.transcript import TranscriptScreen

__all__ = ["HelpScreen", "as_transcript"]


def as_transcript(screen: object) -> TranscriptScreen | None:
    """The screen, if it is a transcript. Its module (Markdown rendering: ~60 ms to import) is
    only loaded when the first transcript opens, so until then no screen can be one."""
    module = sys.modules.get("tui.screens.transcript")
    return screen if module is not None and isinstance(screen, module.TranscriptScreen) else None
