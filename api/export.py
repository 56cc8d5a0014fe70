"""A session as a Markdown document: title, metadata, then every message.

Inert wherever it goes. Everything in it came from files other programs wrote, and a message
holding `ESC ] 0 ; ... BEL` retitles the terminal it is printed on, `ESC ] 52 ; c ; ...` writes
its clipboard. So the document holds no control character but newline and tab, on a terminal
and in a file alike (a file is `cat` later: the same attack): each C0 control, DEL and CR
shows as its Unicode control picture (ESC as ␛, as in the app's list), each C1 control and
each bidi override or line separator (which reorder or break a terminal line) as �. A CR LF
line ending is a plain newline. The exact bytes stay in the session file (and `list --json`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from api.models import Session
from api.records import message_text, message_time

_META = (
    ("Session", "session_id"), ("Model", "model"), ("Provider", "model_provider"),
    ("Workspace", "workspace"), ("Project", "project_id"), ("Created", "created_at"),
    ("Updated", "updated_at"), ("Pinned", "pinned"), ("Archived", "archived"),
)


#: What `visible` replaces (`tui.text.inert` adds newline and tab, for one-line cells).
CONTROL_PICTURES: dict[int, int] = {
    code: 0x2400 + code for code in range(0x20) if code not in (0x09, 0x0A)
}
CONTROL_PICTURES[0x7F] = 0x2421
CONTROL_PICTURES.update({code: 0xFFFD for code in range(0x80, 0xA0)})
CONTROL_PICTURES.update(
    {code: 0xFFFD for code in (0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A))}
)


def visible(text: str) -> str:
    """`text` with every character that could act on a terminal, but newline and tab, shown
    as a visible stand-in."""
    return text.replace("\r\n", "\n").translate(CONTROL_PICTURES)


def _when(value: object) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            stamp = dt.datetime.fromtimestamp(float(value), tz=dt.UTC)
        except (OverflowError, OSError, ValueError):
            return str(value)
        return stamp.strftime("%Y-%m-%d %H:%M:%S UTC")
    return str(value)


def _fence(text: str) -> str:
    """A code fence longer than any backtick run inside `text`."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return "`" * max(3, longest + 1)


def session_markdown(session: Session) -> str:
    record: dict[str, Any] = session.__dict__
    title = record.get("title")
    # Blank is "Untitled", as Hermes WebUI and every view of the app show it.
    title = title.replace("\n", " ") if isinstance(title, str) and title.strip() else "Untitled"
    lines = [f"# {title}", ""]
    for label, key in _META:
        value = record.get(key)
        if value is None or value == "":
            continue
        shown = _when(value) if key.endswith("_at") else str(value)
        lines.append(f"- **{label}:** {shown}")
    messages = record.get("messages")
    messages = messages if isinstance(messages, list) else []
    lines += [f"- **Messages:** {len(messages)}", ""]
    for i, message in enumerate(messages, 1):
        if not isinstance(message, dict):
            continue
        role = str(message.get("role") or "unknown")
        stamp = message_time(message)
        heading = f"## {i}. {role}" + (f" · {_when(stamp)}" if stamp is not None else "")
        lines += [heading, ""]
        text = message_text(message)
        if role == "tool":
            fence = _fence(text)
            name = message.get("name")
            lines += [f"Tool result{f' ({name})' if isinstance(name, str) else ''}:", "",
                      fence, text, fence]
        else:
            lines.append(text)
        calls = message.get("tool_calls")
        if isinstance(calls, list):
            for call in calls:
                fn = call.get("function") if isinstance(call, dict) else None
                if isinstance(fn, dict):
                    args = str(fn.get("arguments", ""))
                    fence = _fence(args)
                    lines += ["", f"Tool call `{fn.get('name', '?')}`:", "", fence + "json",
                              args, fence]
        lines.append("")
    return visible("\n".join(lines)).rstrip() + "\n"
