"""A session's messages as a flat list of blocks: what the transcript view draws.

Built once per load, off the UI thread, and pure (no Textual, no terminal): each message becomes
an *entry* (what the cursor stops on) made of *blocks* (what the virtual list measures, renders
and caches). A block is one line drawn live (a message's role and time, a collapsible tool line,
the blank between messages) or a chunk of content rendered lazily when it scrolls into view.

Long content is cut into chunks of a few thousand characters at paragraph breaks (never inside
a code fence unless the fence itself is huge), so a 1 MB message costs what its visible chunks
cost, not a second of Markdown rendering. Content of a tool call, a tool result or reasoning
starts hidden behind its one-line toggle.

Nothing here trusts the record: messages that are not objects, content of the wrong type,
huge strings and control characters all come out as something harmless to show (what a record
says, made safe and cut into chunks: `transcript_text`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from api.records import message_text, message_time
from tui.widgets.transcript_text import (
    CHUNK_CHARS,
    call_arguments,
    content_problem,
    json_type,
    other_parts,
    role_label,
    split_markdown,
    split_plain,
    toggle_summary,
)

# Block kinds.
HEADER = 0  # a message's role, time and number, drawn live (relative time moves); one line,
#            two with `gap` (the blank line between messages, above it)
TOGGLE = 1  # the one line of a tool call, tool result or reasoning: drawn live (▸/▾)
MARKDOWN = 3  # a chunk of message content, rendered as Markdown
CODE = 4  # a chunk of tool call arguments, highlighted
PLAIN = 5  # a chunk of tool output or reasoning, plain text
NOTE = 6  # a remark of ours: "(no text)", "2 image parts not shown", a junk message

#: Kinds whose height does not depend on the width, drawn at each frame (never cached).
LIVE_KINDS = frozenset({HEADER, TOGGLE})

EntryKind = Literal["message", "reasoning", "call", "result"]

#: Entries that collapse to one line and expand on Enter.
TOGGLE_KINDS: frozenset[str] = frozenset({"reasoning", "call", "result"})

#: Beyond this much text in one message, the rest is not shown (a note says how much).
MAX_MESSAGE_CHARS = 2_000_000
#: Tool call arguments up to this size are pretty-printed as JSON when shown.
PRETTY_JSON_CHARS = 64_000


@dataclass(slots=True)
class Block:
    """One unit of the virtual list."""

    kind: int
    entry: int  # the entry it belongs to
    text: str = ""  # raw content (made inert when rendered)
    lexer: str = ""  # CODE: the Pygments lexer
    #: HEADER: a blank line above it (between messages); a chunk: a blank line after it
    #: (it was cut at a paragraph break).
    gap: bool = False
    lines: int = 1  # line count of `text`, for the height estimate
    pretty: bool = False  # CODE: pretty-print `text` as JSON when rendering


@dataclass(slots=True)
class Entry:
    """What the cursor stops on: a message, or one collapsible line of it."""

    message: int  # index in the session's `messages`
    kind: EntryKind
    first: int  # its first block
    end: int  # one past its last block
    role: str = ""  # inert, one line
    stamp: float | None = None
    source: object = None  # toggles: the message (result, reasoning) or the call it shows
    _summary: tuple[str, str, str] | None = None

    @property
    def toggles(self) -> bool:
        return self.kind in TOGGLE_KINDS

    def summary(self) -> tuple[str, str, str]:
        """(name, preview, size) of a collapsed line, inert, one line each. Computed when the
        line is first drawn, not at load: most are never on screen."""
        if self._summary is None:
            self._summary = toggle_summary(self.kind, self.source)
        return self._summary


@dataclass
class Transcript:
    """A session's messages, ready to draw."""

    blocks: list[Block] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    #: Message index -> the entry that starts it.
    message_entries: list[int] = field(default_factory=list)
    #: Per block: hidden while its entry is collapsed (the content of a toggle line).
    hidden: list[bool] = field(default_factory=list)
    #: Something wrong with the session as a whole ("messages" is not a list...).
    notice: str | None = None

    @property
    def message_count(self) -> int:
        return len(self.message_entries)

    def entry_of_message(self, index: int) -> int | None:
        if 0 <= index < len(self.message_entries):
            return self.message_entries[index]
        return None

    def entry_key(self, entry: int) -> tuple[int, int]:
        """An entry's identity across reloads: (message, its place among the message's)."""
        message = self.entries[entry].message
        return message, entry - self.message_entries[message]

    def entry_for_key(self, key: tuple[int, int]) -> int | None:
        """The entry `entry_key` gave in another version of the session: the same place in
        the same message, else the message's first entry (None if the message is gone)."""
        message, nth = key
        if not 0 <= message < len(self.message_entries):
            return None
        entry = self.message_entries[message] + nth
        if entry < len(self.entries) and self.entries[entry].message == message:
            return entry
        return self.message_entries[message]



def _capped(text: str) -> tuple[str, str | None]:
    if len(text) <= MAX_MESSAGE_CHARS:
        return text, None
    hidden = len(text) - MAX_MESSAGE_CHARS
    return text[:MAX_MESSAGE_CHARS], (
        f"… {hidden:,} more characters not shown (export the session to read them all)"
    )



# ── building ───────────────────────────────────────────────────────────────


class _Builder:
    """Appends blocks and entries; the hot path of opening a 5,000-message session, so it
    calls constructors positionally and does nothing per message that could wait."""

    def __init__(self) -> None:
        self.t = Transcript()
        self.blocks = self.t.blocks
        self.entries = self.t.entries
        self.hidden = self.t.hidden

    def entry(
        self, message: int, kind: EntryKind, role: str = "", stamp: float | None = None,
        source: object = None,
    ) -> Entry:
        at = len(self.blocks)
        entry = Entry(message, kind, at, at, role, stamp, source)
        self.entries.append(entry)
        return entry

    def line(self, entry: Entry, kind: int, gap: bool = False) -> None:
        """A live block (header, toggle)."""
        self.blocks.append(Block(kind, len(self.entries) - 1, "", "", gap))
        self.hidden.append(False)
        entry.end = len(self.blocks)

    def content(
        self, entry: Entry, kind: int, text: str, lexer: str = "", gap: bool = False,
        pretty: bool = False,
    ) -> None:
        lines = text.count("\n") + 1
        self.blocks.append(Block(kind, len(self.entries) - 1, text, lexer, gap, lines, pretty))
        self.hidden.append(entry.kind in TOGGLE_KINDS)  # a toggle's content starts collapsed
        entry.end = len(self.blocks)

    def markdown(self, entry: Entry, text: str) -> None:
        text, note = _capped(text)
        if len(text) <= CHUNK_CHARS:
            self.content(entry, MARKDOWN, text)
        else:
            for chunk, gap in split_markdown(text):
                self.content(entry, MARKDOWN, chunk, gap=gap)
        if note:
            self.content(entry, NOTE, note)

    def plain(self, entry: Entry, text: str) -> None:
        text, note = _capped(text)
        for chunk in split_plain(text):
            self.content(entry, PLAIN, chunk)
        if note:
            self.content(entry, NOTE, note)

    def code(self, entry: Entry, text: str, lexer: str) -> None:
        text, note = _capped(text)
        if len(text) <= PRETTY_JSON_CHARS:
            # One block; the JSON is pretty-printed when first shown, not at load.
            self.content(entry, CODE, text, lexer, pretty=True)
            block = self.blocks[-1]
            block.lines = max(block.lines, text.count(",") + 2)  # a guess at the pretty form
        else:
            for chunk in split_plain(text, CHUNK_CHARS * 2):
                self.content(entry, CODE, chunk, lexer)
        if note:
            self.content(entry, NOTE, note)


def build_transcript(messages: object) -> Transcript:
    """The blocks and entries of a session's `messages` (any JSON value)."""
    builder = _Builder()
    t = builder.t
    if messages is None:
        messages = []
    if not isinstance(messages, list):
        t.notice = f"This session's messages are unreadable (a JSON {json_type(messages)})."
        return t
    starts = t.message_entries
    for index, message in enumerate(messages):
        starts.append(len(t.entries))
        # A blank line between messages, except above tool results (they belong with the
        # call just above them).
        gap = index > 0
        if type(message) is not dict:
            entry = builder.entry(index, "message", "unreadable")
            builder.line(entry, HEADER, gap)
            builder.content(
                entry, NOTE, f"[not a message object: a JSON {json_type(message)}]"
            )
        elif message.get("role") == "tool":
            _tool_result(builder, index, message)
        else:
            _message(builder, index, message, gap)
    return t




#: Roles shown as they are (anything else goes through `one_line`).
_ROLES = frozenset({"user", "assistant", "system", "developer", "tool"})


def _message(builder: _Builder, index: int, message: dict[str, Any], gap: bool) -> None:
    role = message.get("role")
    if role not in _ROLES:
        role = role_label(message)
    entry = builder.entry(index, "message", role, message_time(message))
    builder.line(entry, HEADER, gap)
    content = message.get("content")
    text = content if type(content) is str else message_text(message)
    if text and not text.isspace():
        builder.markdown(entry, text)
    if type(content) is not str and content is not None:
        for note in (other_parts(message), content_problem(message)):
            if note:
                builder.content(entry, NOTE, note)
    calls = message.get("tool_calls")
    reasoning = message.get("reasoning")
    has_reasoning = type(reasoning) is str and not reasoning.isspace() and reasoning != ""
    if entry.end == entry.first + 1 and not calls and not has_reasoning:
        builder.content(entry, NOTE, "(no text)")
    if has_reasoning:
        sub = builder.entry(index, "reasoning", source=reasoning)
        builder.line(sub, TOGGLE)
        builder.plain(sub, reasoning)  # type: ignore[arg-type]
    if type(calls) is list:
        for call in calls:
            sub = builder.entry(index, "call", source=call)
            builder.line(sub, TOGGLE)
            builder.code(sub, call_arguments(call), "json")


def _tool_result(builder: _Builder, index: int, message: dict[str, Any]) -> None:
    content = message.get("content")
    text = content if type(content) is str else message_text(message)
    entry = builder.entry(index, "result", "tool", message_time(message), message)
    builder.line(entry, TOGGLE)
    if text:
        builder.plain(entry, text)
    if type(content) is not str and content is not None:
        for note in (other_parts(message), content_problem(message)):
            if note:
                builder.content(entry, NOTE, note)
    if entry.end == entry.first + 1:
        builder.content(entry, NOTE, "(no output)")



def estimate(block: Block, width: int) -> int:
    """Lines a block will take at `width` before it is rendered: exact for live blocks, a
    guess for content (its lines, plus one more for each `width` characters)."""
    kind = block.kind
    if kind == HEADER:
        return 2 if block.gap else 1
    if kind == TOGGLE:
        return 1
    width = max(1, width)
    guess = block.lines + len(block.text) // width
    return max(1, guess + (1 if block.gap else 0))
