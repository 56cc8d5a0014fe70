"""A store whose sessions carry Hermes' usage figures (some, not all), and a config file."""

from __future__ import annotations

from pathlib import Path

from tui_helpers import SESSIONS, make_session

from api.store import SessionStore

#: session id -> (input tokens, output tokens, estimated cost); the others have no usage.
USAGE = {
    "aaaa00000001": (12_000, 400, 0.37),
    "aaaa00000003": (900, 50, 0.004),
    "aaaa00000005": (150_000, 2_500, 2.5),
}


def usage_store(folder: Path) -> SessionStore:
    folder.mkdir(parents=True, exist_ok=True)
    store = SessionStore(folder)
    for spec in SESSIONS:
        session = make_session(*spec)
        if spec[0] in USAGE:
            tokens_in, tokens_out, cost = USAGE[spec[0]]
            session.__dict__.update(input_tokens=tokens_in, output_tokens=tokens_out,
                                    estimated_cost=cost)
        store.save(session, touch=False)
    return store


def config_file(folder: Path, text: str) -> Path:
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path
