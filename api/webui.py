"""Talking to a running Hermes WebUI: where it listens, its JSON API, its login.

Why this exists: Hermes WebUI keeps every session it has served in memory and saves from that
copy (on each message, on its own edits, on the composer-draft autosave every ~400 ms while a
person types), so an edit written only to the file is reverted by its next save. While it runs
over our store, edits go through its API instead (`api.webui_edits`), so its memory, the file
and the index agree.

The standard library's `http.client` is enough: one small JSON request at a time to a server
that is usually on this machine, with short timeouts; no dependency to add.

The password (`HERMES_WEBUI_PASSWORD`) is held in memory only, in an object whose repr hides
it; it is never written, logged, shown, or put into an exception message. The login cookie is
kept in memory too.
"""

from __future__ import annotations

import http.client
import json
import os
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import urlencode, urlsplit

__all__ = [
    "WebUIAddress",
    "WebUIBlocked",
    "WebUIClient",
    "WebUIError",
    "WebUIFailed",
    "WebUINotThisStore",
    "WebUIPasswordNeeded",
    "WebUIRefused",
    "WebUIUnreachable",
    "WebUIWrongPassword",
]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8787
#: Seconds to wait for a connection: a refused one on this machine takes well under a
#: millisecond; this bounds a WebUI on another host that went away.
CONNECT_TIMEOUT = 1.5
#: Seconds to wait for an answer once connected: Hermes rewrites its whole index on a save,
#: which takes a while at 100,000 sessions.
ANSWER_TIMEOUT = 20.0
#: Answers larger than this are not read (a session's metadata is a few kilobytes).
MAX_ANSWER = 8 * 1024 * 1024
PASSWORD_VARIABLE = "HERMES_WEBUI_PASSWORD"


# ── errors: one plain sentence each ─────────────────────────────────────────


class WebUIError(Exception):
    """Something about the WebUI a person can act on; `str()` is a plain sentence, `summary`
    a shorter one for a status line."""

    def __init__(self, message: str, *, summary: str | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.summary = summary or message
        #: The WebUI's own words, when it gave a reason.
        self.reason = reason


class WebUIUnreachable(WebUIError):
    """Nothing answers at the address: no WebUI runs, so edits go to the files."""


class WebUINotThisStore(WebUIError):
    """A WebUI answers but serves another folder or another profile: it is never used."""


class WebUIBlocked(WebUIError):
    """A WebUI serving this store could not make the edit. Writing the file instead may be
    undone by the WebUI's next save, so the person chooses (retry, write anyway, cancel).

    Whoever routes edits fills in the two ways on: `retry` (the same edit through the WebUI
    again) and `write_file` (the same edit saved to the file); each returns what the edit
    returns (the new row; a batch's result for an edit of many sessions)."""

    retry: Callable[[], Any] | None = None
    write_file: Callable[[], Any] | None = None


class WebUIPasswordNeeded(WebUIBlocked):
    pass


class WebUIWrongPassword(WebUIBlocked):
    pass


class WebUIRefused(WebUIBlocked):
    """The WebUI said no (for example its pin limit); `reason` is its own words."""


class WebUIFailed(WebUIBlocked):
    """Connected, but no usable answer came (a timeout, a server error, a dropped line): the
    edit may or may not have been made."""


# ── where it listens ────────────────────────────────────────────────────────


def _client_host(host: str) -> str:
    """Where to connect for a server bound to `host` (a server on all interfaces is reached
    through this machine's loopback)."""
    host = host.strip().strip("[]")
    if host in ("", "0.0.0.0"):
        return DEFAULT_HOST
    if host == "::":
        return "::1"
    return host


def _port(text: str, where: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise ValueError(f"{where} is not a port number: {text!r}")
    return port


#: The port a URL with this scheme and no port means.
URL_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class WebUIAddress:
    """Where a Hermes WebUI listens, and the certificate its https uses (if any). The one way
    the project finds the WebUI: its API client here, its pages in `api.handoff`."""

    scheme: str
    host: str
    port: int
    #: Hermes' own certificate (`HERMES_WEBUI_TLS_CERT`): trusted for https to it.
    cafile: str | None = None
    #: The path it is served under behind a proxy ("/hermes"), "" at the root.
    prefix: str = ""

    @property
    def label(self) -> str:
        """Short, for a status line: "127.0.0.1:8787", "https://box.lan:9443/hermes"."""
        where = f"{self._host}:{self.port}{self.prefix}"
        return where if self.scheme == "http" else f"{self.scheme}://{where}"

    @property
    def url(self) -> str:
        """The base URL a browser opens ("http://127.0.0.1:8787"; no port when it is the
        scheme's own)."""
        port = "" if URL_PORTS[self.scheme] == self.port else f":{self.port}"
        return f"{self.scheme}://{self._host}{port}{self.prefix}"

    @property
    def _host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> WebUIAddress:
        """The address the WebUI itself reads: `HERMES_WEBUI_HOST` / `HERMES_WEBUI_PORT`
        (default 127.0.0.1:8787), https when `HERMES_WEBUI_TLS_CERT` is set."""
        host = _client_host(env.get("HERMES_WEBUI_HOST", "") or DEFAULT_HOST)
        port_text = env.get("HERMES_WEBUI_PORT", "").strip()
        port = _port(port_text, "HERMES_WEBUI_PORT") if port_text else DEFAULT_PORT
        cert = env.get("HERMES_WEBUI_TLS_CERT", "").strip() or None
        return cls("https" if cert else "http", host, port, cert)

    @classmethod
    def from_url(cls, url: str, env: Mapping[str, str] = os.environ) -> WebUIAddress:
        """An address given as `http://HOST:PORT[/PATH]`, `https://...` or `HOST[:PORT]`
        (a bare HOST means Hermes' port, 8787; a URL without a port its scheme's)."""
        text = url.strip()
        parts = urlsplit(text if "://" in text else f"http://{text}")
        if parts.scheme not in URL_PORTS or not parts.hostname:
            raise ValueError(f"not a WebUI address (http://HOST:PORT): {url!r}")
        try:
            raw_port = parts.port
        except ValueError:
            raise ValueError(f"not a WebUI address (bad port): {url!r}") from None
        port = raw_port or (URL_PORTS[parts.scheme] if "://" in text else DEFAULT_PORT)
        cert = env.get("HERMES_WEBUI_TLS_CERT", "").strip() or None
        return cls(parts.scheme, _client_host(parts.hostname), port, cert,
                   parts.path.rstrip("/"))

    def tls_context(self) -> ssl.SSLContext:
        """Verified https. With the WebUI's own certificate at hand, exactly that certificate
        is trusted (it is usually self-signed, for a name other than 127.0.0.1)."""
        context = ssl.create_default_context()
        if self.cafile and os.path.isfile(self.cafile):
            context = ssl.create_default_context(cafile=self.cafile)
            context.check_hostname = False
        return context


class _Secret:
    """A password that never shows up in a repr, a traceback's locals or a log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<password>"

    __str__ = __repr__


# ── the client ──────────────────────────────────────────────────────────────


class WebUIClient:
    """JSON requests to one Hermes WebUI, logging in when it asks for a password.

    Thread-safe: one request at a time (the app's saves are serial anyway, and a status check
    may run beside them)."""

    def __init__(self, address: WebUIAddress, password: str | None = None) -> None:
        self.address = address
        self._password = _Secret(password) if password else None
        self._cookies: dict[str, str] = {}
        #: The WebUI refused our password: not tried again until `retry_login()`, since its
        #: failed-login limit would also lock the person out of their browser for a while.
        self._password_refused = False
        self._lock = threading.Lock()

    @classmethod
    def from_env(
        cls, address: WebUIAddress, env: Mapping[str, str] = os.environ
    ) -> WebUIClient:
        return cls(address, env.get(PASSWORD_VARIABLE) or None)

    def __repr__(self) -> str:
        return f"WebUIClient({self.address.label})"

    @property
    def has_password(self) -> bool:
        return self._password is not None

    def retry_login(self) -> None:
        """The person asked to retry: a refused password may be tried once more."""
        self._password_refused = False

    def get(self, path: str, **query: str) -> tuple[int, dict[str, Any]]:
        return self.call("GET", f"{path}?{urlencode(query)}" if query else path)

    def post(self, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self.call("POST", path, body)

    def call(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON object answered). Logs in first when the WebUI wants it.

        Raises WebUIUnreachable when nothing answers, WebUINotThisStore when what answers a
        GET is not Hermes WebUI (no JSON object), WebUIPasswordNeeded / WebUIWrongPassword
        when it wants a password we lack or it refuses ours, WebUIFailed when the answer never
        came or (to a POST) was not a JSON object."""
        with self._lock:
            status, data = self._request(method, path, body)
            if status != 401:
                return status, data
            self._login()
            status, data = self._request(method, path, body)
            if status == 401:
                raise WebUIPasswordNeeded(
                    f"Hermes WebUI at {self.address.label} still asks for a password after"
                    " logging in"
                )
            return status, data

    def _login(self) -> None:
        label = self.address.label
        if self._password is None:
            raise WebUIPasswordNeeded(
                f"Hermes WebUI at {label} needs a password: set {PASSWORD_VARIABLE} to it"
                " and start session-browser again",
                summary=f"Hermes WebUI at {label} needs a password: set {PASSWORD_VARIABLE}",
            )
        if self._password_refused:
            raise self._wrong_password()
        self._cookies.clear()
        status, data = self._request(
            "POST", "/api/auth/login", {"password": self._password.reveal()}, login=True
        )
        if status == 401:
            self._password_refused = True
            self._cookies.clear()
            raise self._wrong_password()
        if status != 200:
            reason = reason_of(data)
            raise WebUIRefused(
                f"Hermes WebUI at {label} refused the login: {reason}", reason=reason
            )

    def _wrong_password(self) -> WebUIWrongPassword:
        label = self.address.label
        return WebUIWrongPassword(
            f"Hermes WebUI at {label} did not accept {PASSWORD_VARIABLE}: set it to the"
            " WebUI's password and start session-browser again",
            summary=f"Hermes WebUI at {label} did not accept {PASSWORD_VARIABLE}",
        )

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None, *, login: bool = False
    ) -> tuple[int, dict[str, Any]]:
        conn = self._connect()
        label = self.address.label
        try:
            headers = {"Accept": "application/json"}
            payload = None
            if body is not None:
                payload = json.dumps(body).encode()
                headers["Content-Type"] = "application/json"
            if self._cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self._cookies.items())
            conn.request(method, self.address.prefix + path, body=payload, headers=headers)
            response = conn.getresponse()
            raw = response.read(MAX_ANSWER + 1)
            if login or response.status == 200:
                self._keep_cookies(response.headers.get_all("Set-Cookie") or [])
        except (OSError, http.client.HTTPException) as exc:
            raise WebUIFailed(
                f"Hermes WebUI at {label} did not answer ({type(exc).__name__})"
            ) from None
        finally:
            conn.close()
        try:
            data = json.loads(raw) if len(raw) <= MAX_ANSWER else None
        except ValueError:
            data = None
        if not isinstance(data, dict):
            what = f"{label} answered {method} {path.split('?')[0]} with something other than"
            if method == "GET":  # asked before any edit: another kind of server listens there
                raise WebUINotThisStore(f"{what} Hermes WebUI's JSON",
                                        summary=f"{label} is not a Hermes WebUI")
            raise WebUIFailed(f"{what} Hermes WebUI's JSON")
        return response.status, data

    def _connect(self) -> http.client.HTTPConnection:
        address = self.address
        conn: http.client.HTTPConnection
        if address.scheme == "https":
            conn = http.client.HTTPSConnection(
                address.host, address.port, timeout=CONNECT_TIMEOUT,
                context=address.tls_context(),
            )
        else:
            conn = http.client.HTTPConnection(
                address.host, address.port, timeout=CONNECT_TIMEOUT
            )
        try:
            conn.connect()
        except ssl.SSLError as exc:
            conn.close()
            raise WebUIFailed(
                f"Hermes WebUI at {address.label}: its https could not be verified"
                f" ({exc.reason or type(exc).__name__})"
            ) from None
        except OSError:
            conn.close()
            raise WebUIUnreachable(f"nothing answers at {address.label}") from None
        if conn.sock is not None:
            conn.sock.settimeout(ANSWER_TIMEOUT)
        return conn

    def _keep_cookies(self, headers: list[str]) -> None:
        for header in headers:
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(header)
            except CookieError:
                continue
            for name, morsel in jar.items():
                if morsel.value and morsel["max-age"] not in ("0", 0):
                    self._cookies[name] = morsel.value
                else:
                    self._cookies.pop(name, None)


def reason_of(data: dict[str, Any]) -> str:
    """The WebUI's own words for an error answer (`{"error": ...}`), on one short line."""
    error = data.get("error") or data.get("message")
    return " ".join(str(error).split())[:200] if error else "no reason given"
