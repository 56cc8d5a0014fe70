"""`session-browser export` on hostile data and odd outputs (issue #12, items 2, 3 and 9).

Session data holding terminal escape sequences must not act on the terminal (nor on the one
a file is later `cat` on), and `-o PATH` writes into what PATH is: a regular file is replaced
whole, a symlink is followed, a FIFO or a device is written to as a stream, never replaced.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from api.models import Session
from api.store import SessionStore
from tui.cli import main

Capture = pytest.CaptureFixture[str]

#: Set the terminal's title, write its clipboard, clear the screen, a C1 CSI, a bidi override.
HOSTILE = "\x1b]0;pwned\x07 \x1b]52;c;aGk=\x1b\\ \x1b[2J \x9b31m \u202etxt.exe"
ACTING = ("\x1b", "\x07", "\x9b", "\u202e")


@pytest.fixture
def hostile(tmp_path: Path) -> SessionStore:
    folder = tmp_path / "hostile"
    folder.mkdir()
    store = SessionStore(folder)
    store.save(Session(
        session_id="evil00000001", title=f"Title {HOSTILE}",
        messages=[{"role": "user", "content": f"line one\r\nsay {HOSTILE}\ttabbed"},
                  {"role": "tool", "name": f"x{HOSTILE}", "content": HOSTILE}],
        model=HOSTILE, workspace="/w",
    ))
    return store


def export(capfd: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["export", *argv])
    out, err = capfd.readouterr()
    return status, out, err


def test_export_to_a_terminal_is_inert(hostile: SessionStore,
                                       capfd: pytest.CaptureFixture[str]) -> None:
    status, out, err = export(capfd, "evil00000001", str(hostile.directory))
    assert status == 0 and err == ""
    assert not any(char in out for char in ACTING)
    # Shown, not hidden: the reader sees there was an escape sequence, and where.
    assert out.startswith("# Title ␛]0;pwned␇ ␛]52;c;aGk=␛\\ ␛[2J �31m �txt.exe\n")
    assert "line one\nsay ␛]0;pwned␇" in out and "\ttabbed" in out  # CR LF is a newline
    assert "\r" not in out


def test_export_to_a_file_is_inert_too(hostile: SessionStore, tmp_path: Path,
                                       capfd: pytest.CaptureFixture[str]) -> None:
    """`cat` of the file later is the same attack."""
    target = tmp_path / "out.md"
    status, out, _ = export(capfd, "evil00000001", "-o", str(target), str(hostile.directory))
    assert status == 0 and out == f"{target}\n"
    text = target.read_text(encoding="utf-8")
    assert not any(char in text for char in ACTING) and "␛]52;c;aGk=" in text
    # The exact bytes stay in the session file.
    assert hostile.load("evil00000001").title == f"Title {HOSTILE}"


def test_store_path_with_escape_codes_is_printed_inert(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    bad = str(tmp_path / "no\x1b]0;pwned\x07such")
    for argv in (["list", bad], ["export", "abc", bad], [bad]):
        assert main(argv) == 2
        out, err = capfd.readouterr()
        assert "␛]0;pwned␇such: no such folder" in err and out == ""
        assert not any(char in err for char in ACTING)


# ── -o PATH: what PATH is decides how it is written (item 3) ───────────────────


def test_existing_regular_file_replaced_whole_only_with_force(
    store: SessionStore, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "notes.md"
    target.write_text("mine")
    target.chmod(0o644)
    status, _, err = export(capfd, "aaaa00000003", "-o", str(target), str(store.directory))
    assert status == 1 and "exists (use --force" in err and target.read_text() == "mine"
    inode = target.stat().st_ino
    status, _, _ = export(capfd, "aaaa00000003", "-o", str(target), "--force",
                          str(store.directory))
    assert status == 0 and target.read_text().startswith("# Plan the Q3 roadmap")
    assert target.stat().st_ino != inode  # a new file renamed into place, never half-written
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.md", "sessions"]  # no temp


def test_symlink_is_followed(store: SessionStore, tmp_path: Path,
                             capfd: pytest.CaptureFixture[str]) -> None:
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    status, out, _ = export(capfd, "aaaa00000003", "-o", str(link), "--force",
                            str(store.directory))
    assert status == 0 and out == f"{real}\n"
    assert link.is_symlink() and os.readlink(link) == str(real)  # the link stays a link
    assert real.read_text().startswith("# Plan the Q3 roadmap")
    # A dangling link: refused without --force (it names something), followed with it.
    dangling = tmp_path / "dangling.md"
    dangling.symlink_to(tmp_path / "new.md")
    status, _, err = export(capfd, "aaaa00000003", "-o", str(dangling), str(store.directory))
    assert status == 1 and "exists" in err and not (tmp_path / "new.md").exists()
    status, _, _ = export(capfd, "aaaa00000003", "-o", str(dangling), "--force",
                          str(store.directory))
    assert status == 0 and dangling.is_symlink()
    assert (tmp_path / "new.md").read_text().startswith("# Plan the Q3 roadmap")


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_fifo_is_written_to_as_a_stream(store: SessionStore, tmp_path: Path,
                                        capfd: pytest.CaptureFixture[str],
                                        force: list[str]) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    status, out, _ = export(capfd, "aaaa00000003", "-o", str(fifo), *force,
                            str(store.directory))
    reader.join(10)
    assert status == 0 and out == ""  # the document went to the reader, not to stdout
    assert received and received[0].startswith(b"# Plan the Q3 roadmap")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)  # still a FIFO


def test_character_device_is_written_to_never_replaced(
    store: SessionStore, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """As root, `-o /dev/null --force` replaced the system's /dev/null with a file. The test
    uses a null device of its own where it can make one, so a regression cannot do that."""
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        if os.geteuid() == 0:
            pytest.skip("cannot make a device node here")
        device = Path("/dev/null")  # not root: it cannot be replaced anyway
    status, out, err = export(capfd, "aaaa00000003", "-o", str(device), "--force",
                              str(store.directory))
    assert status == 0 and out == "" and err == ""
    assert stat.S_ISCHR(device.lstat().st_mode)


def test_block_device_is_refused(store: SessionStore, tmp_path: Path,
                                 capfd: pytest.CaptureFixture[str]) -> None:
    device = tmp_path / "disk"
    try:
        os.mknod(device, stat.S_IFBLK | 0o600, os.makedev(7, 200))
    except (PermissionError, OSError):
        pytest.skip("cannot make a device node here")
    status, out, err = export(capfd, "aaaa00000003", "-o", str(device), "--force",
                              str(store.directory))
    assert status == 1 and "is a block device: not written" in err and out == ""
    assert stat.S_ISBLK(device.lstat().st_mode)


@pytest.mark.parametrize("name", ["-", "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_stdout_by_any_name_is_a_stream(store: SessionStore,
                                        capfd: pytest.CaptureFixture[str], name: str) -> None:
    status, out, err = export(capfd, "aaaa00000003", "-o", name, "--force",
                              str(store.directory))
    assert status == 0 and err == ""
    assert out.startswith("# Plan the Q3 roadmap") and out.count("# Plan the Q3") == 1
