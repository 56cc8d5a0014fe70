"""Errors as sentences: what the app says instead of showing a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from api.rowtable import file_name


def describe_error(
    error: BaseException,
    what: str = "save",
    *,
    denied: str = "permission denied (the store folder is read-only)",
    missing: str = "the session file was deleted by another program",
) -> str:
    """A short reason a person can act on, instead of a traceback."""
    reason: Any
    if isinstance(error, PermissionError):
        reason = denied
    elif isinstance(error, FileNotFoundError):
        reason = missing
    elif isinstance(error, OSError):
        reason = error.strerror or str(error) or type(error).__name__
    else:
        reason = str(error) or type(error).__name__
    return f"Could not {what}: {reason}"


def session_gone(error: BaseException | None, session_id: str) -> bool:
    """Did an edit fail because another program deleted the session's file (not because the
    whole store folder went, which names the folder)?"""
    return (isinstance(error, FileNotFoundError) and error.filename is not None
            and Path(error.filename).name == file_name(session_id))
