"""How a person likes the app: `$XDG_CONFIG_HOME/session-browser/config.toml`.

Read with the standard library's `tomllib`; no widgets here, so the app, `--print-config` and
tests share it. Every setting has a default, so no file (the usual case) is fine. A broken
file never stops the app: a TOML syntax error gives the defaults for everything, a bad value
the default for that setting, and either way ONE message naming the file and line.

    theme = "textual-dark"          # a Textual theme name
    sort = "updated"                # updated, last_message, created, title, messages
    show_archived = false
    columns = ["tokens", "cost"]    # optional list columns
    webui_url = "http://127.0.0.1:8787"
    trash_days = 30                 # days a trashed session is kept
    [keys]                          # Textual keymap: binding id = keys
    "app.quit" = "ctrl+q"           # ids: tui.keys (scope.action)

Where a setting comes from, lowest first: the default, the file, the environment
(`HERMES_WEBUI_HOST`/`PORT`/`TLS_CERT` for the WebUI's address, as Hermes itself reads them),
the command line (`--webui URL`). `save_settings` writes back what the app changed, keeping
the rest of the file (comments and layout too: that is why `tomlkit` is a dependency).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from api.atomic import atomic_write

APP_DIR = "session-browser"
FILE_NAME = "config.toml"
#: The optional list columns `columns` may name.
COLUMNS = ("tokens", "cost")
DEFAULT_THEME = "textual-dark"
DEFAULT_SORT = "updated"
DEFAULT_TRASH_DAYS = 30
#: What the app may write back (the rest of the file is the person's alone).
SAVED = ("theme", "sort", "show_archived", "columns")

DEFAULT = "default"
ENVIRONMENT = "environment"
COMMAND_LINE = "command line"


@dataclass(frozen=True)
class Settings:
    theme: str = DEFAULT_THEME
    sort: str = DEFAULT_SORT
    show_archived: bool = False
    columns: tuple[str, ...] = ()
    #: None: the address Hermes' own environment variables give (see `api.handoff`).
    webui_url: str | None = None
    trash_days: int = DEFAULT_TRASH_DAYS
    #: Binding id -> Textual key string ("ctrl+q", "f1,ctrl+h"), for `App.set_keymap`.
    keys: Mapping[str, str] = field(default_factory=dict)


NAMES: tuple[str, ...] = tuple(Settings.__dataclass_fields__)


@dataclass(frozen=True)
class Loaded:
    """The settings in effect, where each came from, and the one problem with the file."""

    settings: Settings
    path: Path
    #: setting name -> "default", "<path>:<line>", "environment" or "command line"
    sources: dict[str, str]
    #: One line for the person, or None when the file (if any) was fine.
    error: str | None = None

    def with_values(self, source: str, **values: Any) -> Loaded:
        """These settings overridden (values that are None are left alone), from `source`."""
        given = {k: v for k, v in values.items() if v is not None}
        if not given:
            return self
        sources = {**self.sources, **dict.fromkeys(given, source)}
        return replace(self, settings=replace(self.settings, **given), sources=sources)


def unknown_names(loaded: Loaded, *, themes: Iterable[str] = (),
                  binding_ids: Iterable[str] = ()) -> str | None:
    """What only the running app can check: a `theme` it does not have (`App.available_themes`)
    and `[keys]` ids no binding carries. One line naming where it was set, or None. Checked
    only for the collections given (an empty one checks nothing)."""
    settings = loaded.settings
    themes, binding_ids = set(themes), set(binding_ids)
    if themes and settings.theme not in themes:
        return (f"{loaded.sources['theme']}: no theme {settings.theme!r} "
                f"(there are {', '.join(sorted(themes))}); using {DEFAULT_THEME}")
    unknown = sorted(set(settings.keys) - binding_ids) if binding_ids else []
    if unknown:
        return (f"{loaded.sources['keys']}: no key binding with the id "
                f"{', '.join(map(repr, unknown))}; those overrides are ignored")
    return None


def config_path(env: Mapping[str, str] = os.environ) -> Path:
    """`$XDG_CONFIG_HOME/session-browser/config.toml`; the XDG spec says a relative or empty
    XDG_CONFIG_HOME is ignored, so then `~/.config`."""
    base = env.get("XDG_CONFIG_HOME", "")
    root = Path(base) if base and os.path.isabs(base) else Path.home() / ".config"
    return root / APP_DIR / FILE_NAME


def load(path: Path | None = None, env: Mapping[str, str] = os.environ) -> Loaded:
    """The settings from `path` (default `config_path(env)`) and the environment."""
    path = config_path(env) if path is None else path
    sources = dict.fromkeys(NAMES, DEFAULT)
    loaded = Loaded(Settings(), path, sources)
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        text = None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        loaded = replace(loaded, error=f"{path}: cannot be read ({reason}); using the defaults")
        text = None
    if text is not None:
        loaded = _read(text, loaded)
    return _from_environment(loaded, env)


def _read(text: str, loaded: Loaded) -> Loaded:
    path = loaded.path
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib's message ends "(at line 3, column 7)"; put the line where every other
        # message has it, "file:3:", so editors and eyes find it the same way.
        found = re.search(r"at line (\d+)", str(exc))
        where = f"{path}:{found.group(1)}" if found else str(path)
        return replace(loaded, error=f"{where}: {exc}; using the defaults")
    values: dict[str, Any] = {}
    sources = dict(loaded.sources)
    problems: list[str] = []
    for name, raw in data.items():
        line = line_of(text, name)
        where = f"{path}:{line}" if line else str(path)
        problem = _check(name, raw)
        if problem is not None:
            problems.append(f"{where}: {problem}")
            continue
        values[name] = _converted(name, raw)
        sources[name] = where
    error = None
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        error = f"{problems[0]}{more}; using the default for it"
    return replace(loaded, settings=Settings(**values), sources=sources, error=error)


def _check(name: str, raw: Any) -> str | None:
    """What is wrong with one setting, as the person should read it, or None."""
    from tui.order import ORDER_NAMES  # tui.order is pure; imported late: --help stays quick

    if name not in NAMES:
        return f"unknown setting {name!r} (known: {', '.join(NAMES)})"
    if name in ("theme", "webui_url") and not (isinstance(raw, str) and raw.strip()):
        return f"{name} must be a text"
    if name == "theme":
        return None
    if name == "webui_url":
        from api.handoff import webui_base

        try:
            webui_base({}, url=raw)
        except ValueError as exc:
            return str(exc)
        return None
    if name == "sort":
        if raw in ORDER_NAMES:
            return None
        return f"sort {raw!r} is not one of {', '.join(ORDER_NAMES)}"
    if name == "show_archived":
        return None if isinstance(raw, bool) else "show_archived must be true or false"
    if name == "columns":
        if isinstance(raw, list) and all(c in COLUMNS for c in raw):
            return None
        return f"columns must be a list of {', '.join(map(repr, COLUMNS))}"
    if name == "trash_days":
        if type(raw) is int and raw >= 1:
            return None
        return "trash_days must be a whole number of days, 1 or more"
    if not isinstance(raw, dict):
        return "keys must be a table: [keys] then binding_id = \"key\" lines"
    for binding, keys in raw.items():
        if not isinstance(keys, str) or not keys.strip():
            return f"keys.{binding} must be a key name such as \"ctrl+q\""
    return None


def _converted(name: str, raw: Any) -> Any:
    if name == "columns":
        return tuple(dict.fromkeys(raw))
    if name == "keys":
        return {str(binding): keys.strip() for binding, keys in raw.items()}
    if name == "webui_url":
        return raw.strip()
    return raw


def _from_environment(loaded: Loaded, env: Mapping[str, str]) -> Loaded:
    """Hermes' own address variables, when set, say where the WebUI is (over the file: the
    environment is what the WebUI running beside us was started with)."""
    if not any(env.get(name) for name in ("HERMES_WEBUI_HOST", "HERMES_WEBUI_PORT")):
        return loaded
    from api.handoff import webui_base

    try:
        url = webui_base(env)
    except ValueError as exc:
        return replace(loaded, error=loaded.error or f"{exc}; using the WebUI address "
                       "from the config file or the default")
    return loaded.with_values(ENVIRONMENT, webui_url=url)


_HEADER = re.compile(r"\s*\[")


def line_of(text: str, name: str) -> int | None:
    """The line (1-based) where top-level key `name` is set, for messages: tomllib keeps no
    positions. Looks before the first table header, where top-level keys live, or at the
    `[name]` header itself."""
    assign = re.compile(rf"\s*(?:{re.escape(name)}|\"{re.escape(name)}\"|'{re.escape(name)}')"
                        r"\s*[=.]")
    header = re.compile(rf"\s*\[\s*{re.escape(name)}\s*[\].]")
    in_tables = False
    for number, line in enumerate(text.splitlines(), 1):
        if header.match(line):
            return number
        if _HEADER.match(line):
            in_tables = True
        elif not in_tables and assign.match(line):
            return number
    return None


# ── writing back ─────────────────────────────────────────────────────────────


def save_settings(path: Path, **changes: Any) -> None:
    """Write what the person changed in the app (`SAVED` settings) into the file, keeping the
    rest of it as they wrote it: other settings, comments, order. Atomic (temp, fsync,
    rename). A file that does not parse is left alone (raises ValueError): overwriting it
    would lose what the person was in the middle of writing. Raises OSError when the file
    cannot be written."""
    import tomlkit

    unknown = set(changes) - set(SAVED)
    if unknown:
        raise ValueError(f"not a setting the app saves: {', '.join(sorted(unknown))}")
    # A config file kept in a dotfiles repository is often a symlink: write its target.
    target = path.resolve() if path.is_symlink() else path
    try:
        text = target.read_text(encoding="utf-8")
        mode = target.stat().st_mode & 0o777
    except FileNotFoundError:
        text, mode = "", 0o600
    try:
        document = tomlkit.parse(text)
        tomllib.loads(text)  # the reader's verdict, so the app never writes what it can't read
    except (tomlkit.exceptions.TOMLKitError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: not saved, the file has an error: {exc}") from exc
    for name, value in changes.items():
        value = list(value) if isinstance(value, tuple) else value
        if document.get(name) != value:
            document[name] = value
    new = tomlkit.dumps(document)
    if new == text:
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(target, new.encode("utf-8"), mode=mode)


# ── --print-config ───────────────────────────────────────────────────────────


def describe(loaded: Loaded) -> str:
    """`--print-config`: each setting as TOML, with where it came from."""
    from api.handoff import webui_base

    lines = [f"# config file: {loaded.path}"
             + ("" if loaded.path.exists() else " (none: defaults)")]
    if loaded.error:
        lines.append(f"# problem: {loaded.error}")
    settings = loaded.settings
    for name in NAMES:
        if name == "keys":
            continue
        value = getattr(settings, name)
        if value is None:  # the address Hermes' variables would give: none are set
            value = webui_base({})
        shown = _toml(value)
        lines.append(f"{name} = {shown}  # {loaded.sources[name]}")
    lines.append(f"[keys]  # {loaded.sources['keys']}")
    for binding, keys in sorted(settings.keys.items()):
        lines.append(f"{_toml(binding)} = {_toml(keys)}")
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    import tomlkit

    return tomlkit.item(list(value) if isinstance(value, tuple) else value).as_string()
