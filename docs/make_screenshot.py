"""Regenerate `docs/screenshot.svg` (the README's picture) with `App.save_screenshot()`.

Uses the demo store with a fixed "now" and UTC, so the picture only changes when the app's look
does. Run: python docs/make_screenshot.py
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC
from pathlib import Path

from tui.app import SessionBrowser
from tui.demo import build_demo_store

NOW = 1_795_000_000.0
SIZE = (120, 32)
OUT = Path(__file__).resolve().parent / "screenshot.svg"


async def shoot() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = build_demo_store(Path(tmp) / "sessions", now=NOW)
        app = SessionBrowser(
            store, clock=lambda: NOW, tz=UTC, store_label="~/.hermes/webui/sessions"
        )
        async with app.run_test(size=SIZE) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("j", "j", "j")
            await pilot.pause()
            app.save_screenshot(filename=OUT.name, path=str(OUT.parent))


if __name__ == "__main__":
    asyncio.run(shoot())
    print(f"wrote {OUT}")
