"""A realistic demo store, so a new user sees the app work before they have a store of their own.

A few hundred sessions with varied titles, models, workspaces and projects, last active from
minutes to a year ago, some pinned, some archived, a few long transcripts, and a handful of
hostile titles (markup, an escape sequence, CJK, emoji) that show the list stays literal and
aligned. Each session carries the usage Hermes writes (tokens in and out, cache reads and
writes, estimated cost at the model's list price), so the Tokens and Cost columns (`c`) and
the statistics (`S`) have something to show; as in a real store some have none (sessions older
than Hermes' usage counting) and a local model has tokens but no price. Every file is written
through the store API (`SessionStore.save`), which also builds the index, so the demo is
exactly what the app would write. The content is seeded, so two demos look alike.
"""

from __future__ import annotations

import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

from api.atomic import atomic_write
from api.models import Session
from api.paths import projects_file
from api.store import SessionStore

DEMO_SIZE = 300

MODELS = (
    ("openai/gpt-5", "openai"),
    ("openai/gpt-5-mini", "openai"),
    ("anthropic/claude-sonnet-4.5", "anthropic"),
    ("anthropic/claude-opus-4.1", "anthropic"),
    ("google/gemini-2.5-pro", "google"),
    ("deepseek/deepseek-chat", "deepseek"),
    ("qwen/qwen3-coder", "qwen"),
    ("local/llama-3.1-8b-instruct", "local"),
)

#: US$ per million tokens: input, output, cache read, cache write (list prices; None: a local
#: model nobody bills, whose sessions have tokens but no cost).
PRICES: dict[str, tuple[float, float, float, float] | None] = {
    "openai/gpt-5": (1.25, 10.0, 0.125, 0.0),
    "openai/gpt-5-mini": (0.25, 2.0, 0.025, 0.0),
    "anthropic/claude-sonnet-4.5": (3.0, 15.0, 0.30, 3.75),
    "anthropic/claude-opus-4.1": (15.0, 75.0, 1.50, 18.75),
    "google/gemini-2.5-pro": (1.25, 10.0, 0.31, 0.0),
    "deepseek/deepseek-chat": (0.27, 1.10, 0.07, 0.0),
    "qwen/qwen3-coder": (0.40, 1.60, 0.0, 0.0),
    "local/llama-3.1-8b-instruct": None,
}
#: Context size (tokens) at which an agent compacts its conversation into a summary.
COMPACT_AT = 120_000
#: Sessions last active longer ago than this have no usage: Hermes did not count it yet.
USAGE_SINCE_DAYS = 240

#: (project id, name, colour, the workspace whose sessions mostly belong to it)
PROJECTS = (
    ("d3m0a0000001", "Auth service", "#e5484d", "/home/dev/code/auth-service"),
    ("d3m0a0000002", "WebUI", "#3e63dd", "/home/dev/code/webui"),
    ("d3m0a0000003", "Data pipeline", "#30a46c", "/home/dev/code/data-pipeline"),
    ("d3m0a0000004", "Infrastructure", "#f76b15", "/srv/infra/terraform"),
)

WORKSPACES = (
    "/home/dev/project",
    "/home/dev/code/auth-service",
    "/home/dev/code/webui",
    "/home/dev/code/data-pipeline",
    "/home/dev/notes",
    "/srv/infra/terraform",
    "/home/dev/code/mobile-app",
    "/home/dev/scratch",
)

TOPICS = (
    "the login flow", "the session index", "CI on main", "the billing webhook",
    "Postgres vacuum", "the Docker image size", "flaky e2e tests", "the release notes",
    "rate limiting", "OAuth scopes", "the search ranking", "memory use in the worker",
    "the onboarding email", "TLS certificates", "the Kubernetes ingress", "a race in the cache",
    "the CSV importer", "dark mode", "the API docs", "the migration to Python 3.12",
    "Terraform state", "the mobile push service", "log retention", "the quarterly roadmap",
    "a slow SQL query", "the pricing page", "feature flags", "unit tests",
)

TEMPLATES = (
    "Fix {t}", "Why is {t} broken?", "Refactor {t}", "Plan for {t}", "Review {t}",
    "Debug {t}", "Questions about {t}", "Write tests for {t}", "Speed up {t}",
    "Summarise the thread on {t}", "Draft an RFC: {t}", "Explain {t} to a new hire",
    "Compare options for {t}", "Clean up {t}", "Postmortem: {t}",
)

#: Titles that prove the list is literal and aligned: markup, an escape sequence, wide text.
SPECIAL_TITLES = (
    "[b]not bold[/b] and [@click=app.quit]not a link[/]",
    "Terminal escapes stay inert: \x1b[2J\x1b]52;c;aGk=\x07 done",
    "日本語のドキュメントを翻訳する",
    "数据管道的性能优化 (data pipeline)",
    "🚀 Launch checklist ✅ and 🐛 triage",
    "A very long title that goes on and on about the many things we discussed in this one "
    "session, far more than any column could ever hold",
)

USER_LINES = (
    "Can you look at this error?", "What would you change here?", "Here is the stack trace.",
    "That worked, thanks. Next question:", "Can we make it faster?", "Please write a test for it.",
    "Explain why that happens.", "What are the trade-offs?", "Summarise what we decided.",
)
ASSISTANT_LINES = (
    "The error comes from a missing await in the handler; the fix is one line.",
    "I would split this function in two: parsing and validation change for different reasons.",
    "Here is a test that fails before the fix and passes after it.",
    "The slow part is the N+1 query in the loop; a single join brings it from 2 s to 40 ms.",
    "There are two options. The first is simpler; the second scales past one machine.",
    "We agreed to ship the small fix now and schedule the refactor for next sprint.",
)


def _transcript(rng: random.Random, count: int, start: float, end: float) -> list[dict[str, Any]]:
    """Alternating user/assistant messages spread between `start` and `end`."""
    step = (end - start) / max(count, 1)
    messages: list[dict[str, Any]] = []
    for i in range(count):
        user = i % 2 == 0
        text = rng.choice(USER_LINES if user else ASSISTANT_LINES)
        content: Any = text if user or rng.random() < 0.7 else [{"type": "text", "text": text}]
        messages.append(
            {
                "role": "user" if user else "assistant",
                "content": content,
                "timestamp": round(start + step * (i + 1), 3),
            }
        )
    return messages


def _usage(rng: random.Random, model: str, messages: int) -> dict[str, Any]:
    """What Hermes counts for a session of `messages` messages: each assistant turn sends the
    whole conversation so far (a system prompt and tools, then every message, until the agent
    compacts it), so input grows faster than the length; `input_tokens` includes the part
    read from the provider's cache, as Hermes' does."""
    prices = PRICES[model]
    context = rng.randint(6_000, 14_000)  # system prompt and tool schemas
    tokens_in = tokens_out = cached = written = 0
    for _turn in range(max(1, messages // 2)):
        context += rng.randint(80, 1_500)  # the user's message, pasted logs and files
        tokens_in += context
        if prices is not None and (prices[2] or prices[3]):
            cached += int(context * rng.uniform(0.5, 0.9))  # the prefix seen last turn
        if prices is not None and prices[3]:
            written += rng.randint(200, 2_000)
        reply = rng.randint(120, 1_400)
        tokens_out += reply
        context += reply
        if context > COMPACT_AT:  # the agent summarises the conversation to go on
            context = rng.randint(20_000, 40_000)
    usage: dict[str, Any] = {
        "input_tokens": tokens_in, "output_tokens": tokens_out,
        "cache_read_tokens": cached, "cache_write_tokens": written,
    }
    if prices is not None:
        price_in, price_out, price_read, price_write = prices
        cost = ((tokens_in - cached) * price_in + cached * price_read + written * price_write
                + tokens_out * price_out) / 1e6
        usage["estimated_cost"] = round(cost, 6)
    return usage


def _project(rng: random.Random, workspace: str) -> str | None:
    """Most sessions in a project's workspace are filed under it; the rest under none."""
    for project_id, _name, _color, home in PROJECTS:
        if workspace == home and rng.random() < 0.85:
            return project_id
    return None


def demo_sessions(
    count: int = DEMO_SIZE, *, seed: int = 7, now: float | None = None
) -> list[Session]:
    """The demo's sessions (not yet saved): ages from a minute to a year, denser towards now
    as real use is, so every kind of relative time shows up."""
    rng = random.Random(seed)
    extra = random.Random(seed + 1)  # usage and projects: the rest stays as it always was
    now = time.time() if now is None else now
    sessions: list[Session] = []
    long_ones = {3, 40, 150}
    for i in range(count):
        age = 60 + 365 * 86400 * rng.random() ** 2.5  # ~3% within the hour, ~10% today
        updated = now - age
        if i < len(SPECIAL_TITLES):
            title = SPECIAL_TITLES[i]
            updated = now - 60 * (i + 2) * 7
        else:
            title = rng.choice(TEMPLATES).format(t=rng.choice(TOPICS))
        short = rng.choice((2, 2, 4, 6, 8, 12, 20, 36))
        length = rng.randint(220, 480) if i in long_ones else short
        created = updated - rng.uniform(60, 6 * 3600)
        model, provider = rng.choice(MODELS)
        messages = _transcript(rng, length, created, updated)
        workspace = rng.choice(WORKSPACES)
        recent = now - updated < USAGE_SINCE_DAYS * 86400
        sessions.append(
            Session(
                session_id=f"demo{i:08x}",
                title=title,
                messages=messages,
                workspace=workspace,
                model=model,
                model_provider=provider,
                created_at=created,
                updated_at=updated,
                pinned=i in (0, 9, 25, 61),
                archived=i >= len(SPECIAL_TITLES) and rng.random() < 0.1,
                profile="default",
                project_id=_project(extra, workspace),
                **(_usage(extra, model, len(messages)) if recent else {}),
            )
        )
    return sessions


def write_projects(folder: Path, now: float) -> None:
    """`projects.json` beside the sessions folder, as Hermes WebUI keeps it."""
    rows = [{"project_id": pid, "name": name, "color": color, "profile": "default",
             "created_at": now - 400 * 86400} for pid, name, color, _home in PROJECTS]
    atomic_write(projects_file(folder), json.dumps(rows, indent=2).encode("utf-8"))


def build_demo_store(
    folder: Path, count: int = DEMO_SIZE, *, seed: int = 7, now: float | None = None
) -> SessionStore:
    """Write the demo sessions into `folder` (created if needed) through the store API."""
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time() if now is None else now
    write_projects(folder, now)
    store = SessionStore(folder)
    for session in demo_sessions(count, seed=seed, now=now):
        store.save(session, touch=False)  # keep the generated ages
    return store


def make_demo_store(count: int = DEMO_SIZE) -> SessionStore:
    """A demo store in a fresh temporary folder (left in place, so it can be looked at after)."""
    root = Path(tempfile.mkdtemp(prefix="session-browser-demo-"))
    return build_demo_store(root / "sessions", count)
