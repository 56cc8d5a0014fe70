"""The app's own widgets."""

from tui.widgets.rename_editor import RenameEditor
from tui.widgets.session_list import SessionList

__all__ = ["RenameEditor", "SessionList"]
