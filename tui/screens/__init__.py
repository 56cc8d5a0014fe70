"""The app's screens besides the main one."""

from tui.screens.help import HelpScreen

__all__ = ["HelpScreen"]
