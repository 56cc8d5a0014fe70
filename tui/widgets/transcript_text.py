"""What the transcript shows of a message record, as text that is safe to draw, and how long
text is cut into chunks.

Pure (no Textual, no terminal), used while a session is turned into blocks
(`transcript_model`) and when a block is drawn. Nothing here trusts the record: content of the
wrong type, huge strings and control characters all come out as something harmless to show.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from api.records import message_text
from tui.text import inert

#: Markdown chunk size, in characters: a chunk renders in a few milliseconds.
CHUNK_CHARS = 3000
#: Plain text renders ~10x faster than Markdown: bigger chunks.
PLAIN_CHUNK_CHARS = 12000
#: How much of a tool call or result the collapsed line previews.
PREVIEW_CHARS = 240

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")

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


# ── what a record says ─────────────────────────────────────────────────────


def other_parts(message: dict[str, Any]) -> str | None:
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


def content_problem(message: dict[str, Any]) -> str | None:
    content = message.get("content")
    if content is None or isinstance(content, str | list):
        return None
    return f"[content of an unexpected type ({type(content).__name__}) not shown]"


def role_label(message: dict[str, Any]) -> str:
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



def json_type(value: object) -> str:
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


def toggle_summary(kind: str, source: object) -> tuple[str, str, str]:
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

