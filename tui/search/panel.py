"""The matching messages under the list: the panel, and the search behind it.

The list filters itself as the user types (on the UI thread: a few ms at 100,000 rows); the
panel runs the full-text search of messages (`api.search`) once typing pauses, in a thread
worker, and shows the hits of sessions the list's view lets through, newest first. It owns the
debounce timer, the generation counter that tells a stale search from the current one, and
the message index service (`MessageIndex`) whose progress it shows here and in the search
line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from api.store import SessionStore
from tui.errors import describe_error
from tui.messages import IndexProgress, IndexRefreshed, SearchDone
from tui.rows import SessionRows
from tui.search.index_service import IndexState, MessageIndex
from tui.text import Clock, inert
from tui.widgets.message_results import MessageResults, Result
from tui.widgets.search_bar import SearchBar

if TYPE_CHECKING:
    from datetime import tzinfo

    from api.search import Hit

#: How long typing must pause before the message search runs (the list filters at once).
SEARCH_DEBOUNCE_SECONDS = 0.12
#: How many matching messages are fetched.
SEARCH_LIMIT = 200


class SearchPanel(Vertical):
    """"Messages containing …": shown while the search line holds words.

    `rows` gives the list's rows now (their query holds the words, their view decides which
    sessions' hits show); `search_bar` is the search line (is it open; where progress shows);
    `back` puts the keyboard back on the list when the panel hides under it."""

    def __init__(
        self, store: SessionStore, rows: Callable[[], SessionRows], search_bar: SearchBar,
        back: Callable[[], object], *, clock: Clock, tz: tzinfo | None,
        cache_root: Path | None = None, index_in_child: bool = True, id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.rows = rows
        self.search_bar = search_bar
        self.back = back
        self.index = MessageIndex(self, store, cache_root, in_child=index_in_child)
        self.title_bar = Static("", id="messages-title")
        self.results = MessageResults(clock=clock, tz=tz, id="results")
        self._timer: Timer | None = None
        self._generation = 0
        self._hits_generation = -1  # the generation `hits` answer
        #: The current words' hits (None: not searched yet).
        self.hits: list[Hit] | None = None
        self._error: str | None = None
        self._title = ""
        self._info = ""

    def compose(self) -> ComposeResult:
        yield self.title_bar
        yield self.results

    @property
    def settled(self) -> bool:
        """Are the current words' results on screen, with nothing left to run?"""
        return (self.index.state is IndexState.READY and self._timer is None
                and self._hits_generation == self._generation)

    # ── searching ───────────────────────────────────────────────────────────

    def open(self) -> None:
        """The search line opened: get the message index ready."""
        if self.index.state is IndexState.COLD:
            self.index.refresh()
        self.show()

    def clear(self) -> None:
        """The search was cleared: no hits any more."""
        self.hits = None
        self.show()

    def search(self) -> None:
        """The words changed: run the message search once typing pauses."""
        self._cancel_debounce()
        self._generation += 1
        if not self.rows().query.fts_words or not self.search_bar.is_open:
            self.hits = None
            self.show()
            return
        self._timer = self.set_timer(SEARCH_DEBOUNCE_SECONDS, self._start)
        self.show()

    def _cancel_debounce(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def _start(self) -> None:
        self._timer = None
        if self.index.building and self.index.progress is None:
            return  # the index is being created: searched as soon as it reports progress
        text = " ".join(self.rows().query.fts_words)
        generation = self._generation  # this search's, whatever happens meanwhile
        if text:
            self.run_worker(
                lambda: self._run(generation, text), thread=True,
                group="search", exclusive=True, exit_on_error=False,
                description="searching messages",
            )

    def _run(self, generation: int, text: str) -> None:
        try:
            hits = self.index.index.search(text, limit=SEARCH_LIMIT)
        except Exception as exc:  # a broken cache must not break the list
            self.post_message(SearchDone(generation, [], exc))
        else:
            self.post_message(SearchDone(generation, hits, None))

    @on(SearchDone)
    def _done(self, message: SearchDone) -> None:
        message.stop()
        if message.generation != self._generation:
            return  # typed on since: a newer search is coming
        self.hits = message.hits
        self._hits_generation = message.generation
        self._error = (
            None if message.error is None
            else describe_error(message.error, "search messages")
        )
        self.show_hits()

    # ── the index ───────────────────────────────────────────────────────────

    @on(IndexProgress)
    def _index_progress(self, message: IndexProgress) -> None:
        message.stop()
        if not self.index.progressed(message):
            if self.index.building:
                self.show()
            return
        self.show()
        if self.rows().query.fts_words and self._timer is None:
            self._start()  # the database exists now: show results as they come

    @on(IndexRefreshed)
    def _index_refreshed(self, message: IndexRefreshed) -> None:
        message.stop()
        error = self.index.refreshed(message)
        if error is not None:
            self.notify(error, title="Message search", severity="warning", markup=False)
        if self.rows().query.fts_words and self.search_bar.is_open:
            self._cancel_debounce()  # searched now: a pending one would only search again
            self._generation += 1
            self._start()
        self.show()

    # ── showing ─────────────────────────────────────────────────────────────

    def show_hits(self) -> None:
        """The hits of visible sessions (qualifiers and the archive setting apply to them)."""
        rows = self.rows()
        results = []
        for hit in self.hits or ():
            row = rows.get(hit.session_id)
            if row is not None and rows.matches(row):
                results.append(Result(hit, row))
        # Newest sessions first, each session's messages in order.
        results.sort(key=lambda r: (-r.row["updated_at"], r.hit.session_id, r.hit.message_index))
        self.results.set_results(results, placeholder=self._placeholder())
        self.show()

    def _placeholder(self) -> str:
        if self._error:
            return self._error
        if self.index.building:
            return "Indexing messages…" if self.hits is None else \
                "No match in the messages indexed so far; still indexing…"
        return "No message contains every word." if self.hits is not None else "Searching…"

    def show(self) -> None:
        """The panel shows while the search line holds words. (Called on every keystroke: it
        changes only what differs, so the layout is redone only then.)"""
        words = self.rows().query.fts_words
        wanted = self.search_bar.is_open and bool(words)
        if self.display != wanted:
            self.display = wanted
        # As tall as its results (and its title), up to half the screen (see main.tcss).
        height = max(1, len(self.results.results)) + 1
        if self.styles.height is None or self.styles.height.value != height:
            self.styles.height = height
        if not wanted and self.results.has_focus:
            self.back()
        title = "Messages"
        if wanted:
            if self.hits is None:
                title += " · searching…"
            else:
                count = len(self.results.results)
                more = "+" if len(self.hits) >= SEARCH_LIMIT else ""
                title += f" containing “{inert(' '.join(words))}” · {count:,}{more}"
        status = self.index.status
        if status:
            title += f" · {status}"
        if title != self._title:
            self._title = title
            self.title_bar.update(Content(title), layout=False)  # fixed size: no layout
        if status != self._info:
            self._info = status
            self.search_bar.set_status(status)
        if wanted and self.hits is not None:
            self.results.placeholder = self._placeholder()
            self.results.refresh()
