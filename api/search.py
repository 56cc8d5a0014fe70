"""Full-text search over what was said in every session, with SQLite FTS5.

The index is a cache, never the truth: it lives under the user's cache folder (never inside the
store, which Hermes WebUI owns), keyed by the store's path, and is made anew whenever it is
unreadable or from another schema version (its file: `api.searchfile`). It is kept in step
incrementally: a session file is re-read only when its (mtime, size) differ from what the cache
saw.

FTS5 from the standard `sqlite3` module needs no server and answers a query over 200,000 messages
in milliseconds. Each message's rowid is `session_number << 20 | message_index`, so a changed
session's rows are replaced with one rowid-range delete (FTS5 serves rowid ranges from its b-tree).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from pathlib import Path

from api.index import CorruptSession, read_session_file, session_id_of
from api.records import message_text, message_time
from api.searchfile import SearchFile

_SHIFT = 20  # up to 1,048,576 messages a session
_MAX_TEXT = 64 * 1024  # per message: a pasted log should not bloat the cache
#: Snippet markers: control characters, which no message text keeps (they are stripped).
MARK_START, MARK_END = "\x02", "\x03"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: Chinese and Japanese are written without spaces, and FTS5's unicode61 tokenizer splits only
#: at spaces and punctuation: a whole sentence would be one token, found by its first characters
#: alone. So every such character is made a token of its own, by an invisible separator put
#: around it (a control character, which indexed text never keeps, so it is simply removed from
#: snippets), and a query's run of them becomes a phrase of single characters, which matches
#: the run anywhere in a sentence. Korean is left alone: it puts spaces between words.
_IDEOGRAPHIC = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f"
_IDEOGRAPHIC_EDGE = re.compile(f"(?<=[{_IDEOGRAPHIC}])(?=\\S)|(?<=\\S)(?=[{_IDEOGRAPHIC}])")
_SEPARATOR = "\x1f"
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Hit:
    """One matching message. `snippet` holds the match between MARK_START and MARK_END."""

    session_id: str
    message_index: int
    role: str
    timestamp: float | None
    snippet: str

    def snippet_spans(self) -> tuple[str, list[tuple[int, int]]]:
        """The snippet as plain text plus the (start, end) offsets of each match, for display."""
        text: list[str] = []
        spans: list[tuple[int, int]] = []
        pos = 0
        start = 0
        for part in re.split(f"([{MARK_START}{MARK_END}])", self.snippet):
            if part == MARK_START:
                start = pos
            elif part == MARK_END:
                spans.append((start, pos))
            else:
                text.append(part)
                pos += len(part)
        return "".join(text), spans


@dataclass(frozen=True)
class RefreshStats:
    scanned: int
    reindexed: int
    removed: int


def _tokenizable(text: str) -> str:
    """Text with each Chinese or Japanese character set apart (see `_IDEOGRAPHIC`)."""
    return text if text.isascii() else _IDEOGRAPHIC_EDGE.sub(_SEPARATOR, text)


def fts_query(text: str) -> str:
    """User words to an FTS5 query: every word must match, as a prefix, taken literally."""
    words = [w for w in re.split(r"\s+", _CONTROL.sub(" ", text)) if w]
    return " AND ".join('"' + _tokenizable(w).replace('"', '""') + '"*' for w in words)


class SearchIndex:
    def __init__(self, store_dir: Path, cache_root: Path | None = None) -> None:
        self.store_dir = Path(store_dir).absolute()
        self._file = SearchFile(self.store_dir, cache_root)
        self.path = self._file.path

    # ── keeping it in step ─────────────────────────────────────────────────

    def refresh(
        self, progress: Progress | None = None, only: Collection[str] | None = None
    ) -> RefreshStats:
        """Bring the cache in step with the store; only changed session files are read.

        `only`: just these sessions (the ones a live update saw change). Checking every file
        costs a stat each plus a read of the whole table, half a second at 100,000 sessions,
        which is too much to pay each time an agent saves."""
        on_disk = self._on_disk() if only is None else self._stat(only)
        with self._file.connect() as conn:
            select = "SELECT num, session_id, mtime_ns, size FROM files"
            rows: Iterable[tuple[int, str, int, int]] = (
                conn.execute(select) if only is None else
                [row for sid in only
                 for row in conn.execute(f"{select} WHERE session_id = ?", (sid,))]
            )
            known = {sid: (num, m, s) for num, sid, m, s in rows}
            # Oldest first, so newer sessions get higher numbers and so higher rowids: the
            # order results come in (see `search`).
            changed = sorted((sid for sid, sig in on_disk.items()
                              if sid not in known or known[sid][1:] != sig),
                             key=lambda sid: on_disk[sid][0])
            gone = [sid for sid in known if sid not in on_disk]
            total = len(changed) + len(gone)
            done = 0
            for sid in gone:
                self._drop(conn, known[sid][0])
                conn.execute("DELETE FROM files WHERE num = ?", (known[sid][0],))
                done += 1
            if progress and total:
                progress(done, total)
            batch = 0
            conn.execute("BEGIN")
            try:
                for sid in changed:
                    self._reindex(conn, sid, known.get(sid, (None, 0, 0))[0], on_disk[sid])
                    done += 1
                    batch += 1
                    if batch >= 200:  # commit in batches: progress shows, searches see results
                        conn.execute("COMMIT")
                        conn.execute("BEGIN")
                        batch = 0
                        if progress:
                            progress(done, total)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            if progress and total:
                progress(total, total)
        return RefreshStats(scanned=len(on_disk), reindexed=len(changed), removed=len(gone))

    def _on_disk(self) -> dict[str, tuple[int, int]]:
        """(mtime, size) of every session file in the store."""
        on_disk: dict[str, tuple[int, int]] = {}
        for entry in os.scandir(self.store_dir):
            sid = session_id_of(entry.name)
            if sid is None:
                continue
            with contextlib.suppress(OSError):
                st = entry.stat(follow_symlinks=False)
                on_disk[sid] = (st.st_mtime_ns, st.st_size)
        return on_disk

    def _stat(self, sids: Iterable[str]) -> dict[str, tuple[int, int]]:
        """(mtime, size) of these sessions' files, those that exist."""
        on_disk: dict[str, tuple[int, int]] = {}
        for sid in sids:
            if session_id_of(f"{sid}.json") != sid:
                continue
            with contextlib.suppress(OSError):
                st = os.lstat(self.store_dir / f"{sid}.json")
                on_disk[sid] = (st.st_mtime_ns, st.st_size)
        return on_disk

    def _drop(self, conn: sqlite3.Connection, num: int) -> None:
        low, high = num << _SHIFT, (num + 1) << _SHIFT
        conn.execute("DELETE FROM messages WHERE rowid >= ? AND rowid < ?", (low, high))
        conn.execute("DELETE FROM info WHERE rowid >= ? AND rowid < ?", (low, high))

    def _reindex(
        self, conn: sqlite3.Connection, sid: str, num: int | None, sig: tuple[int, int]
    ) -> None:
        try:
            record, _, _ = read_session_file(self.store_dir / f"{sid}.json")
            messages = record.get("messages")
        except (OSError, CorruptSession):
            messages = None  # remembered with its signature, so it is not re-read each time
        if num is not None and conn.execute(
            "UPDATE files SET mtime_ns = ?, size = ? WHERE num = ? AND session_id = ?",
            (*sig, num, sid),
        ).rowcount:
            self._drop(conn, num)
        else:
            num = self._add(conn, sid, sig)
        if not isinstance(messages, list):
            return
        base = num << _SHIFT
        texts = []
        infos = []
        for i, message in enumerate(messages[: 1 << _SHIFT]):
            text = _tokenizable(_CONTROL.sub(" ", message_text(message)[:_MAX_TEXT]))
            if not text.strip():
                continue
            role = message.get("role") if isinstance(message, dict) else None
            texts.append((base + i, text))
            infos.append((base + i, role if isinstance(role, str) else "", message_time(message)))
        conn.executemany("INSERT INTO messages (rowid, content) VALUES (?, ?)", texts)
        conn.executemany("INSERT INTO info (rowid, role, ts) VALUES (?, ?, ?)", infos)

    def _add(self, conn: sqlite3.Connection, sid: str, sig: tuple[int, int]) -> int:
        """A number for a session this refresh did not find in the table: a new one, or, if
        another process added it since (a second app on this store, building its index too:
        a plain insert failed that whole build), its own, emptied."""
        try:
            num = conn.execute("INSERT INTO files (session_id, mtime_ns, size) VALUES (?, ?, ?)",
                               (sid, *sig)).lastrowid
        except sqlite3.IntegrityError:
            (num,) = conn.execute("SELECT num FROM files WHERE session_id = ?", (sid,)).fetchone()
            self._drop(conn, num)
            conn.execute("UPDATE files SET mtime_ns = ?, size = ? WHERE num = ?", (*sig, num))
        assert num is not None
        return num

    # ── asking it ──────────────────────────────────────────────────────────

    def search(self, text: str, limit: int = 200) -> list[Hit]:
        """Messages matching every word of `text`, most recently indexed sessions first.

        Recency, not bm25 rank: ranking scores every match before the LIMIT applies (over 100 ms
        for a common word at 200,000 messages), while rowid order stops at the LIMIT.
        """
        query = fts_query(text)
        if not query:
            return []
        # A snippet is so many tokens long, and a Chinese or Japanese token is one character.
        tokens = 16 if text.isascii() else 32
        with self._file.connect() as conn:
            rows = conn.execute(
                f"""
                SELECT messages.rowid, files.session_id, info.role, info.ts,
                       snippet(messages, 0, '{MARK_START}', '{MARK_END}', '…', {tokens})
                FROM messages
                JOIN files ON files.num = (messages.rowid >> {_SHIFT})
                LEFT JOIN info ON info.rowid = messages.rowid
                WHERE messages MATCH ?
                ORDER BY messages.rowid DESC
                LIMIT ?
                """,
                (query, limit),
            ).fetchall()
        return [
            Hit(session_id=sid, message_index=rowid & ((1 << _SHIFT) - 1), role=role or "",
                timestamp=ts, snippet=snippet.replace(_SEPARATOR, ""))
            for rowid, sid, role, ts, snippet in rows
        ]
