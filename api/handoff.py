"""A session's page in Hermes WebUI: `http(s)://HOST:PORT/session/<id>`.

Pure (no I/O): where the WebUI listens comes from the variables Hermes itself reads
(`HERMES_WEBUI_HOST`, `HERMES_WEBUI_PORT`, default 127.0.0.1:8787; https when
`HERMES_WEBUI_TLS_CERT` is set), or from an address the person gave (`--webui`, the config
file's `webui_url`). The `webui` branch's `api.webui.WebUIAddress` finds the same address for
its API client; once both are merged, `webui_base` can be built on it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import quote, urlsplit

from api.records import check_session_id

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787


def webui_base(env: Mapping[str, str] = os.environ, url: str | None = None) -> str:
    """The WebUI's base URL, "http://127.0.0.1:8787" by default. `url` (`http://HOST:PORT`,
    `https://...` or bare `HOST:PORT`) wins over the environment. Raises ValueError with a
    sentence naming the bad value."""
    if url is not None and url.strip():
        return _normalised(url.strip())
    host = env.get("HERMES_WEBUI_HOST", "").strip().strip("[]")
    # A server bound to every interface is reached through this machine's loopback.
    host = {"": DEFAULT_HOST, "0.0.0.0": DEFAULT_HOST, "::": "::1"}.get(host, host)
    port_text = env.get("HERMES_WEBUI_PORT", "").strip()
    port = _port(port_text, "HERMES_WEBUI_PORT") if port_text else DEFAULT_PORT
    scheme = "https" if env.get("HERMES_WEBUI_TLS_CERT", "").strip() else "http"
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}"


def _port(text: str, where: str) -> int:
    port = int(text) if text.isdigit() else 0
    if not 0 < port < 65536:
        raise ValueError(f"{where} is not a port number: {text!r}")
    return port


def _normalised(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"http://{url}")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if parts.scheme not in ("http", "https") or not parts.hostname or port == -1:
        raise ValueError(f"not a WebUI address (http://HOST:PORT): {url!r}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def session_url(base: str, session_id: str) -> str:
    """The page of one session under the WebUI at `base`. The id is checked (ValueError):
    it goes into a URL a browser will open."""
    sid = check_session_id(session_id)
    return f"{base.rstrip('/')}/session/{quote(sid, safe='')}"
