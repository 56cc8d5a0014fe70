"""session-browser: a fast, safe terminal browser for Hermes WebUI session stores.

The package is the Textual app; it reads and writes the store only through `api.store`.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("session-browser")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+local"

__all__ = ["__version__"]
