"""The config file: every setting read, the defaults without a file, one clear message naming
the line for a broken one, the environment and command line over it, and the app's changes
written back atomically without losing what the person wrote."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tui.config import (
    DEFAULT,
    ENVIRONMENT,
    Settings,
    config_path,
    describe,
    load,
    save_settings,
    unknown_names,
)

FULL = """\
# How I like it
theme = "nord"
sort = "messages"
show_archived = true
columns = ["tokens", "cost"]
webui_url = "https://box.lan:9443"
trash_days = 7

[keys]
quit = "ctrl+q"
"search.focus" = "ctrl+f,slash"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "session-browser" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_where_the_file_lives() -> None:
    assert config_path({"XDG_CONFIG_HOME": "/x/conf"}) == Path(
        "/x/conf/session-browser/config.toml")
    # The XDG spec: an empty or relative value is ignored.
    home = Path.home() / ".config" / "session-browser" / "config.toml"
    assert config_path({"XDG_CONFIG_HOME": "rel"}) == home == config_path({})


def test_no_file_gives_the_defaults_without_a_message(tmp_path: Path) -> None:
    loaded = load(tmp_path / "none.toml", env={})
    assert loaded.settings == Settings() and loaded.error is None
    assert set(loaded.sources.values()) == {DEFAULT}


def test_every_setting_is_read_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    loaded = load(path, env={})
    s = loaded.settings
    assert loaded.error is None
    assert (s.theme, s.sort, s.show_archived, s.columns) == (
        "nord", "messages", True, ("tokens", "cost"))
    assert (s.webui_url, s.trash_days) == ("https://box.lan:9443", 7)
    assert dict(s.keys) == {"quit": "ctrl+q", "search.focus": "ctrl+f,slash"}
    assert loaded.sources["theme"] == f"{path}:2"
    assert loaded.sources["trash_days"] == f"{path}:7"
    assert loaded.sources["keys"] == f"{path}:9"


def test_the_default_path_honours_xdg(tmp_path: Path) -> None:
    write(tmp_path, 'theme = "gruvbox"\n')
    assert load(env={"XDG_CONFIG_HOME": str(tmp_path)}).settings.theme == "gruvbox"


def test_a_syntax_error_names_the_line_and_gives_every_default(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nord"\nsort = "title"\nshow_archived = yes\n')
    loaded = load(path, env={})
    assert loaded.settings == Settings()
    assert loaded.error is not None and loaded.error.startswith(f"{path}:3: ")
    assert "line 3" in loaded.error and loaded.error.count("\n") == 0


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('theme = "nord"\nsort = "newest"\n', 2, "sort 'newest' is not one of updated"),
        ('show_archived = "yes"\n', 1, "show_archived must be true or false"),
        ('# x\n\ncolumns = ["tokens", "price"]\n', 3, "columns must be a list of"),
        ("trash_days = 0\n", 1, "trash_days must be a whole number"),
        ('colour = "red"\n', 1, "unknown setting 'colour'"),
        ('webui_url = "ftp://box"\n', 1, "not a WebUI address (http://HOST:PORT): 'ftp://box'"),
        ('theme = "nord"\n[keys]\nquit = 3\n', 2, "keys.quit must be a key name"),
    ],
)
def test_a_bad_value_names_its_line_and_keeps_the_rest(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    path = write(tmp_path, text)
    loaded = load(path, env={})
    assert loaded.error is not None
    assert loaded.error.startswith(f"{path}:{line}: ") and words in loaded.error
    assert "using the default" in loaded.error
    expected_theme = "nord" if 'theme = "nord"' in text else Settings().theme
    assert loaded.settings.theme == expected_theme
    assert loaded.settings.sort == "updated" and loaded.settings.trash_days == 30


def test_several_problems_are_still_one_message(tmp_path: Path) -> None:
    loaded = load(write(tmp_path, 'sort = 1\ntheme = 2\nfoo = 3\n'), env={})
    assert loaded.error is not None and "(and 2 more)" in loaded.error
    assert loaded.error.count("\n") == 0


def test_an_unreadable_file_is_one_message(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    path.write_bytes(b'theme = "\xff"\n')
    loaded = load(path, env={})
    assert loaded.settings == Settings() and "not UTF-8" in (loaded.error or "")


def test_the_environment_and_command_line_win_and_say_so(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    loaded = load(path, env={"HERMES_WEBUI_PORT": "9000"})
    assert loaded.settings.webui_url == "http://127.0.0.1:9000"
    assert loaded.sources["webui_url"] == ENVIRONMENT
    later = loaded.with_values("command line", webui_url="http://h:1", theme=None)
    assert later.settings.webui_url == "http://h:1" and later.sources["webui_url"] == (
        "command line")
    assert later.settings.theme == "nord"
    text = describe(later)
    assert 'webui_url = "http://h:1"  # command line' in text
    assert f'theme = "nord"  # {path}:2' in text
    assert 'columns = ["tokens", "cost"]' in text and '"search.focus" = "ctrl+f,slash"' in text


def test_a_bad_port_in_the_environment_is_reported(tmp_path: Path) -> None:
    loaded = load(tmp_path / "none.toml", env={"HERMES_WEBUI_PORT": "http"})
    assert loaded.settings.webui_url is None
    assert loaded.error is not None and "HERMES_WEBUI_PORT" in loaded.error


def test_describe_without_a_file_shows_the_defaults(tmp_path: Path) -> None:
    text = describe(load(tmp_path / "none.toml", env={}))
    assert "(none: defaults)" in text
    assert 'webui_url = "http://127.0.0.1:8787"  # default' in text
    assert "sort = \"updated\"  # default" in text


# ── writing back ─────────────────────────────────────────────────────────────


def test_saving_changes_only_those_keys_and_keeps_comments(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    path.chmod(0o640)
    save_settings(path, theme="dracula", columns=("cost",), show_archived=False)
    text = path.read_text()
    assert text.startswith("# How I like it\n")
    assert 'theme = "dracula"' in text and 'columns = ["cost"]' in text
    assert 'webui_url = "https://box.lan:9443"' in text and '"search.focus"' in text
    loaded = load(path, env={})
    assert loaded.error is None and loaded.settings.trash_days == 7
    assert (loaded.settings.theme, loaded.settings.columns) == ("dracula", ("cost",))
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temp left


def test_saving_creates_the_file_private(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "session-browser" / "config.toml"
    save_settings(path, sort="title")
    assert load(path, env={}).settings.sort == "title"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_saving_nothing_new_leaves_the_file_untouched(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    before = path.stat()
    save_settings(path, theme="nord", sort="messages")
    after = path.stat()
    assert (before.st_ino, before.st_mtime_ns) == (after.st_ino, after.st_mtime_ns)


def test_a_broken_file_is_never_overwritten(tmp_path: Path) -> None:
    path = write(tmp_path, 'theme = "nord\n')
    with pytest.raises(ValueError, match="not saved"):
        save_settings(path, theme="dracula")
    assert path.read_text() == 'theme = "nord\n'


def test_a_symlinked_config_is_written_through(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "config.toml"
    real.parent.mkdir()
    real.write_text('theme = "nord"\n')
    link = tmp_path / "session-browser" / "config.toml"
    link.parent.mkdir()
    link.symlink_to(real)
    save_settings(link, sort="created")
    assert link.is_symlink() and 'sort = "created"' in real.read_text()


def test_only_what_the_app_changes_can_be_saved(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="webui_url"):
        save_settings(tmp_path / "c.toml", webui_url="http://x:1")
    assert not os.path.exists(tmp_path / "c.toml")


def test_what_only_the_app_can_check_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, FULL)
    loaded = load(path, env={})
    assert unknown_names(loaded) is None  # nothing to check against
    message = unknown_names(loaded, themes=["textual-dark", "dracula"])
    assert message == (f"{path}:2: no theme 'nord' (there are dracula, textual-dark); "
                       "using textual-dark")
    message = unknown_names(loaded, themes=["nord"], binding_ids=["quit", "app.help"])
    assert message == (f"{path}:9: no key binding with the id 'search.focus'; "
                       "those overrides are ignored")
    assert unknown_names(loaded, themes=["nord"], binding_ids=["quit", "search.focus"]) is None


async def test_key_overrides_are_a_textual_keymap(tmp_path: Path) -> None:
    """`[keys]` goes straight into `App.set_keymap`: the overridden binding answers to the new
    key and no longer to its old one."""
    from textual.app import App
    from textual.binding import Binding

    class Tiny(App[None]):
        BINDINGS = [Binding("x", "mark", id="list.mark")]  # noqa: RUF012 (Textual's idiom)
        marks = 0

        def action_mark(self) -> None:
            self.marks += 1

    settings = load(write(tmp_path, '[keys]\n"list.mark" = "y"\n'), env={}).settings
    app = Tiny()
    async with app.run_test() as pilot:
        app.set_keymap(dict(settings.keys))
        await pilot.press("x")
        assert app.marks == 0
        await pilot.press("y")
        assert app.marks == 1
