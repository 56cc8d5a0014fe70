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
huge strings and control characters all come out as something harmless to show.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from api.records import message_text, message_time
from tui.text import inert

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

#: Markdown chunk size, in characters: a chunk renders in a few milliseconds.
CHUNK_CHARS = 3000
#: Plain text renders ~10x faster than Markdown: bigger chunks.
PLAIN_CHUNK_CHARS = 12000
#: A line longer than this is cut into pieces (a 1 MB base64 line must not be one block).
HARD_LINE_CHARS = 4 * CHUNK_CHARS
#: Beyond this much text in one message, the rest is not shown (a note says how much).
MAX_MESSAGE_CHARS = 2_000_000
#: Tool call arguments up to this size are pretty-printed as JSON when shown.
PRETTY_JSON_CHARS = 64_000
#: How much of a tool call or result the collapsed line previews.
PREVIEW_CHARS = 240

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")


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
            self._summary = _summary(self.kind, self.source)
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


# ── text helpers ───────────────────────────────────────────────────────────


def clean_text(text: str) -> str:
    """Content made safe to render: line ends normalised, tabs expanded, and every control
    character but the newline made a visible stand-in (`tui.text.inert`)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\t" in text:
        text = text.expandtabs(4)
    return "\n".join(inert(line) for line in text.split("\n"))


def one_line(text: str, limit: int = PREVIEW_CHARS) -> str:
    """A one-line, inert summary: whitespace runs folded, cut at `limit` characters."""
    head = text[: limit * 4]
    folded = " ".join(head.split())
    if len(folded) > limit:
        folded = folded[: limit - 1] + "…"
    return inert(folded)


def first_line(text: str, limit: int = PREVIEW_CHARS) -> str:
    """The first non-blank line, as `one_line` makes it."""
    for line in text[: limit * 8].splitlines():
        if line.strip():
            return one_line(line, limit)
    return one_line(text, limit)


def count_lines(text: str) -> int:
    return text.count("\n") + 1


def _pieces(line: str, size: int) -> Iterator[str]:
    if len(line) <= size:
        yield line
        return
    for start in range(0, len(line), size):
        yield line[start : start + size]


def split_markdown(text: str, size: int = CHUNK_CHARS) -> list[tuple[str, bool]]:
    """Cut Markdown into chunks of about `size` characters, as (chunk, gap_after).

    Cuts fall on a blank line outside code fences, so each chunk renders as the whole would
    (a blank line is kept between chunks: `gap_after`). A code block longer than `size` is
    cut anyway (the fence is closed and reopened: highlighting is the costly part), and so
    is a paragraph or a single line past four times `size`: a runaway message costs what
    its visible part costs.
    """
    if len(text) <= size:
        return [(text, False)]
    hard = 4 * size
    chunks: list[tuple[str, bool]] = []
    current: list[str] = []
    length = 0
    fence = ""  # the open fence's marker ("```", "~~~~"), "" outside a fence
    opener = ""  # the open fence's first line, to reopen it in the next chunk

    def flush(gap: bool) -> None:
        nonlocal current, length
        if current:
            chunks.append(("\n".join(current), gap))
        current, length = [], 0

    for raw in text.split("\n"):
        for line in _pieces(raw, hard):
            match = _FENCE.fullmatch(line)
            if not fence:
                if match:
                    fence, opener = match.group(1), line.strip()
                elif not line.strip() and length >= size:
                    flush(True)
                    continue
                elif length >= hard:
                    flush(False)
            else:
                marker = match.group(1) if match else ""
                if (
                    marker
                    and marker[0] == fence[0]
                    and len(marker) >= len(fence)
                    and not match.group(2).strip()  # type: ignore[union-attr]
                ):
                    fence = ""
                elif length >= size:  # highlighting costs ~10x prose: cut code sooner
                    current.append(fence)
                    flush(False)
                    current, length = [opener], len(opener) + 1
            current.append(line)
            length += len(line) + 1
    flush(False)
    return chunks or [("", False)]


def split_plain(text: str, size: int = PLAIN_CHUNK_CHARS) -> list[str]:
    """Cut plain text into chunks of about `size` characters at line ends (a longer line is
    cut into pieces)."""
    if len(text) <= size:
        return [text]
    chunks: list[str] = []
    current: list[str] = []
    length = 0
    for raw in text.split("\n"):
        for line in _pieces(raw, size):
            if length and length + len(line) > size:
                chunks.append("\n".join(current))
                current, length = [], 0
            current.append(line)
            length += len(line) + 1
    if current:
        chunks.append("\n".join(current))
    return chunks


def pretty_json(text: str) -> str:
    """Tool arguments pretty-printed when they are JSON (else as they are)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return text
    try:
        return json.dumps(value, indent=2, ensure_ascii=False)
    except (ValueError, RecursionError, TypeError):
        return text


def _capped(text: str) -> tuple[str, str | None]:
    if len(text) <= MAX_MESSAGE_CHARS:
        return text, None
    hidden = len(text) - MAX_MESSAGE_CHARS
    return text[:MAX_MESSAGE_CHARS], (
        f"… {hidden:,} more characters not shown (export the session to read them all)"
    )


def _other_parts(message: dict[str, Any]) -> str | None:
    """A note for content parts that are not text (images, files...), which are not shown."""
    content = message.get("content")
    if not isinstance(content, list):
        return None
    kinds: dict[str, int] = {}
    for part in content:
        if isinstance(part, str) or (isinstance(part, dict) and isinstance(part.get("text"), str)):
            continue
        kind = part.get("type") if isinstance(part, dict) else None
        label = one_line(kind, 30) if isinstance(kind, str) and kind else "unreadable"
        kinds[label] = kinds.get(label, 0) + 1
    if not kinds:
        return None
    listed = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
    total = sum(kinds.values())
    return f"[{listed} part{'s' if total > 1 else ''} not shown]"


def _content_problem(message: dict[str, Any]) -> str | None:
    content = message.get("content")
    if content is None or isinstance(content, str | list):
        return None
    return f"[content of an unexpected type ({type(content).__name__}) not shown]"


def _role(message: dict[str, Any]) -> str:
    role = message.get("role")
    if isinstance(role, str) and role.strip():
        return one_line(role, 24)
    return "unknown"


def _call_function(call: object) -> dict[str, Any]:
    """The part of a tool call naming the tool: OpenAI's `function`, or the call itself
    (`{name, input}` style)."""
    if not isinstance(call, dict):
        return {}
    fn = call.get("function")
    return fn if isinstance(fn, dict) else call


def call_name(call: object) -> str:
    name = _call_function(call).get("name")
    return one_line(name, 60) if isinstance(name, str) and name else "?"


def call_arguments(call: object) -> str:
    """A tool call's arguments as text (JSON text as the model wrote it, when it is)."""
    fn = _call_function(call)
    args = fn.get("arguments", fn.get("input", ""))
    if isinstance(args, str):
        return args
    try:
        return json.dumps(args, ensure_ascii=False)
    except (ValueError, TypeError, RecursionError):
        return repr(args)


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
        t.notice = f"This session's messages are unreadable (a JSON {_json_type(messages)})."
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
                entry, NOTE, f"[not a message object: a JSON {_json_type(message)}]"
            )
        elif message.get("role") == "tool":
            _tool_result(builder, index, message)
        else:
            _message(builder, index, message, gap)
    return t


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


#: Roles shown as they are (anything else goes through `one_line`).
_ROLES = frozenset({"user", "assistant", "system", "developer", "tool"})


def _message(builder: _Builder, index: int, message: dict[str, Any], gap: bool) -> None:
    role = message.get("role")
    if role not in _ROLES:
        role = _role(message)
    entry = builder.entry(index, "message", role, message_time(message))
    builder.line(entry, HEADER, gap)
    content = message.get("content")
    text = content if type(content) is str else message_text(message)
    if text and not text.isspace():
        builder.markdown(entry, text)
    if type(content) is not str and content is not None:
        for note in (_other_parts(message), _content_problem(message)):
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
        for note in (_other_parts(message), _content_problem(message)):
            if note:
                builder.content(entry, NOTE, note)
    if entry.end == entry.first + 1:
        builder.content(entry, NOTE, "(no output)")


def _summary(kind: str, source: object) -> tuple[str, str, str]:
    """(name, preview, size) of a tool call, tool result or reasoning line."""
    if kind == "call":
        return call_name(source), one_line(call_arguments(source)), ""
    if kind == "reasoning" and isinstance(source, str):
        return "", first_line(source), _lines_label(source)
    if kind == "result" and isinstance(source, dict):
        raw_name = source.get("name")
        name = one_line(raw_name, 60) if isinstance(raw_name, str) and raw_name else ""
        text = message_text(source)
        preview = first_line(text) if text.strip() else "(empty)"
        return name, preview, _lines_label(text)
    return "", "", ""


def _lines_label(text: str) -> str:
    n = count_lines(text.rstrip("\n")) if text.strip() else 0
    return f"{n:,} line{'s' if n != 1 else ''}"


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
