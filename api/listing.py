"""What a store folder holds, as the index sees it: the listing a save reuses, save marks, and
how large an index the folder's session files could have produced.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
import weakref
from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from pathlib import Path

from api.records import is_safe_id
from api.rowtable import RowTable
from api.scan import SUFFIX, session_id_of

#: "_saving.<sid>" exists while a save of <sid> is between writing its file and the index. One
#: left behind (the saver was killed) tells the next reader which rows to re-read from disk: the
#: cheap alternative to comparing every file's mtime with the index's.
SAVING_PREFIX = "_saving."

#: A save reuses its last listing of the folder while the folder's mtime is the one its own
#: last change left (nothing else created, renamed or deleted a file since), for at most this
#: long: on a kernel with coarse timestamps another program's change in the same tick as ours
#: leaves the mtime as it was, and this bounds how long such a change goes unseen by saves.
#: (Readers always list the folder afresh: what a user sees never waits on it.)
LISTING_MAX_AGE = 1.0

#: An index up to this size is read whatever the folder holds (bounded memory either way).
FREE_INDEX_SIZE = 32 << 20
#: A bigger one is read when the folder's session files could have produced it: each row at
#: most this much, or, weighed exactly, twice its file (a row is part of the file's metadata,
#: indented one level deeper) and this much for the keys Hermes derives.
ROW_BUDGET = 64 << 10
ROW_EXTRA = 4 << 10



#: A folder's names: a set, never changed once made (a save works out a new one).
Names = set[str] | frozenset[str]


@dataclass
class Listing:
    """The folder's names as a save last knew them, and what they say about one table.

    Listing 100,000 names costs a save 30 ms; the names only change when a file is created,
    renamed or deleted, which moves the folder's mtime. So the listing is kept with the mtime
    the folder had once our own save finished, and reused while the folder still has it. Sets
    here are never changed in place (a save works out new ones)."""

    names: Names
    mtime: int | None  # the folder's st_mtime_ns when `names` was true; None: not yet known
    taken: float  # time.monotonic() of the listdir the names come from
    table: RowTable | None = None  # the table `ghosts` and `unlisted` were worked out against
    ghosts: Set[str] = field(default_factory=frozenset)  # its rows whose file is gone
    unlisted: Set[str] = field(default_factory=frozenset)  # names it has no row for
    # (`names.difference(by_name)`, not `names - by_name.keys()`: a difference with a dict
    # looks each name up in it, where the keys view would first be copied into a set.)

    def against(self, table: RowTable) -> Listing:
        """This listing with the ghosts and unlisted names of `table` (two set differences,
        at C speed, unless they are known already)."""
        if self.table is table:
            return self
        return Listing(self.names, self.mtime, self.taken, table, ghost_names(table, self.names),
                       self.names.difference(table.by_name))


def ghost_names(table: RowTable, names: Names) -> Set[str]:
    """The file names of `table`'s rows that are not among `names` (their file is gone).

    Nearly always none: asked first, at C speed, without the copy of every row's name that
    `keys - names` makes (4 MB at 100,000 rows, beside the listing's own 12)."""
    if names.issuperset(table.by_name):
        return frozenset()
    return table.by_name.keys() - names


class SharedNames:
    """The folder's names for readers (`SessionIndex.rows`), listed once for those that run at
    once: a listing begun after a reader asked is as fresh as one of its own. At 100,000
    files a listing is 12 MB, and the app's loader and its check of where edits go both read
    the store at startup. Nothing is kept once the last reader lets go of it (a weak
    reference), so a later reader always lists afresh. The sets are never changed."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._last: weakref.ref[set[str]] | None = None
        self._began = 0.0

    def since(self, moment: float) -> set[str]:
        """The folder's names from a listdir begun at `moment` (`time.monotonic()`) or later:
        another reader's, while it still holds it, else a new one."""
        with self._lock:
            last = None if self._last is None else self._last()
            if last is not None and self._began >= moment:
                return last
            began = time.monotonic()
            names = set(os.listdir(self.directory))
            self._last, self._began = weakref.ref(names), began
            return names


def index_size_limit(directory: Path, size: int, rows_known: int = 0) -> int | None:
    """The most an index of this folder may be read as, when `size` is within it; None
    when an index of `size` bytes is more than the session files could have produced
    (garbage, judged without reading it). `rows_known`: the rows of the last version read,
    which bound a sound one without listing the folder (it runs on every re-read)."""
    limit = FREE_INDEX_SIZE + rows_known * ROW_BUDGET
    if size <= limit:
        return limit
    try:
        names = os.listdir(directory)
    except OSError:
        return None
    limit = FREE_INDEX_SIZE + len(names) * ROW_BUDGET  # names that are no session: looser
    if size > limit:
        sids = session_ids(names)
        total = 0
        for sid in sids:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(directory, sid + SUFFIX)).st_size
        limit = FREE_INDEX_SIZE + 2 * total + len(sids) * ROW_EXTRA
    return limit if size <= limit else None


def pending(names: Iterable[str]) -> set[str]:
    """Sessions whose saver marked them and has not yet brought the index up to date."""
    found = _matches(_MARK, names)
    if found is not None:
        return found
    cut = len(SAVING_PREFIX)
    return {n[cut:] for n in names if n.startswith(SAVING_PREFIX) and is_safe_id(n[cut:])}


def session_ids(names: Iterable[str]) -> set[str]:
    """The session ids among a folder's names (`session_id_of` of each)."""
    found = _matches(_SESSION_FILE, names)
    if found is not None:
        return found
    return {sid for name in names if (sid := session_id_of(name)) is not None}


# The names `session_id_of` and `pending` accept, a whole line each: the safe id of
# `records.is_safe_id`, then ".json" (which no temp file name ends in) or after the mark.
_SESSION_FILE = re.compile(r"^([A-Za-z0-9-][A-Za-z0-9_-]{0,127})\.json$", re.MULTILINE)
_MARK = re.compile(rf"^{re.escape(SAVING_PREFIX)}([A-Za-z0-9-][A-Za-z0-9_-]{{0,127}})$",
                   re.MULTILINE)


def _matches(pattern: re.Pattern[str], names: Iterable[str]) -> set[str] | None:
    """The ids `pattern` finds among `names`, all names joined a line each and searched in one
    C pass: at 100,000 names a third of the time of a check a name. None when some name holds
    a line break itself (a name may), which would make two lines of one name."""
    if not isinstance(names, list | set | frozenset | tuple):
        names = list(names)
    if not names:
        return set()
    joined = "\n".join(names)
    if joined.count("\n") != len(names) - 1:
        return None
    return set(pattern.findall(joined))
