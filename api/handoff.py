"""A session's page in Hermes WebUI: `http(s)://HOST:PORT/session/<id>`.

Pure (no I/O): where the WebUI listens is found as for its API (`api.webui.WebUIAddress`):
the variables Hermes itself reads (`HERMES_WEBUI_HOST`, `HERMES_WEBUI_PORT`, default
127.0.0.1:8787; https when `HERMES_WEBUI_TLS_CERT` is set), or an address the person gave
(`--webui`, the config file's `webui_url`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import quote

from api.records import check_session_id
from api.webui import WebUIAddress


def webui_base(env: Mapping[str, str] = os.environ, url: str | None = None) -> str:
    """The WebUI's base URL, "http://127.0.0.1:8787" by default. `url` (`http://HOST:PORT`,
    `https://...` or bare `HOST:PORT`) wins over the environment. Raises ValueError with a
    sentence naming the bad value."""
    if url is not None and url.strip():
        return WebUIAddress.from_url(url, env).url
    return WebUIAddress.from_env(env).url


def session_url(base: str, session_id: str) -> str:
    """The page of one session under the WebUI at `base`. The id is checked (ValueError):
    it goes into a URL a browser will open."""
    sid = check_session_id(session_id)
    return f"{base.rstrip('/')}/session/{quote(sid, safe='')}"
