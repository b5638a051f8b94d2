"""How a book's report copy is saved between processes and read back (``copy_file`` holds
the file format; this holds when it happens): ``ReportStore`` inherits these methods.

Why its own module: keeping a copy current within a process (``store``) and carrying it
across processes are two concerns; each module stays readable on its own.

When a copy is saved: after a full build; after a copy that lagged behind its book was caught
up; after ``SAVE_AFTER_CHANGES`` rows or log entries were applied; and once a book has been
quiet for ``SAVE_WHEN_QUIET_S``. When it is read back: the first time a process needs the
book. Nothing to catch up: read in place (a view of the pinned file), loaded into a table
``LOAD_IN_PLACE_AFTER_S`` later if the process is still running, or at its first change.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
from sqlalchemy import select

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Book
from fintrack_core.reports.changes import LogPosition
from fintrack_core.reports.copy_file import (
    Saved,
    copies_dir,
    differs_from_database,
    drop_tx,
    open_saved,
    pin_saved,
    read_saved,
    release_pin,
    write_saved,
)
from fintrack_core.reports.copy_sql import sql_literal

SAVE_AFTER_CHANGES = 20_000
SAVE_WHEN_QUIET_S = 30.0
LOAD_IN_PLACE_AFTER_S = 3.0
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BookInfo:
    book_id: int
    base_currency: str
    version: int
    rows: int
    refreshed_in_ms: float
    rewrite_version: int = 0
    max_id: int = 0
    appended: bool = False  # the last refresh applied new rows and logged changes, no rebuild
    log: LogPosition = field(default_factory=LogPosition)  # where it stands in the change log
    applied: int = 0  # change log entries read by the last refresh
    # A saved copy read in place (``tx`` a view over this file; ``copy_file.open_saved``):
    # loaded into a table before the first catch-up.
    pinned: str | None = None


class SavedCopies:
    """The saving and reading back of ``ReportStore``'s copies (see the module docstring)."""

    db: Database
    con: duckdb.DuckDBPyConnection
    saved_copies: bool
    rebuilds: int
    restores: int
    _lock: threading.Lock
    _books: dict[int, BookInfo]
    _saving: set[int]
    _save_threads: list[threading.Thread]
    _unsaved: dict[int, int]
    _quiet: dict[int, threading.Timer]

    # Provided by ``ReportStore``.
    def _refresh(self, scope: Scope, version: int, rewrite: int, base: str,
                 reason: str) -> BookInfo:
        raise NotImplementedError

    def _apply(self, scope: Scope, current: BookInfo, version: int) -> BookInfo:
        raise NotImplementedError

    def _load_small_tables(self, cur: duckdb.DuckDBPyConnection, scope: Scope,
                           base: str) -> None:
        raise NotImplementedError

    def _first(self, scope: Scope, version: int, rewrite: int, base: str) -> BookInfo:
        """The book's copy in a process that has none: the saved copy read back and caught
        up (``copy_file``) when there is a usable one, else built."""
        restored = self._restore(scope, version, rewrite, base)
        if restored is None:
            return self._refresh(scope, version, rewrite, base, "first build")
        rebuilds = self.rebuilds
        current = restored if restored.version == version else \
            self._apply(scope, restored, version)
        if self.rebuilds == rebuilds:  # caught up from the log, not built again
            with self._schema_cursor(scope.book_id) as cur:
                wrong = differs_from_database(self.db, cur, scope.book_id, current.max_id)
            if wrong is not None:
                self._unpin(current)
                return self._refresh(scope, version, rewrite, base,
                                     f"the saved copy did not match the database: {wrong}")
            if current is not restored:
                # The saved copy lagged behind the book: saved again now, so the next
                # process reads it in place instead of loading it and catching up again.
                self._save_later(scope.book_id)
        return current

    def _restore(self, scope: Scope, version: int, rewrite: int, base: str
                 ) -> BookInfo | None:
        folder = copies_dir(self.db.url) if self.saved_copies else None
        if folder is None:
            return None
        started = time.perf_counter()
        pin = pin_saved(folder, scope.book_id)
        if pin is None:
            return None
        in_place = False
        try:
            with self._schema_cursor(scope.book_id) as cur:
                saved = read_saved(cur, pin, scope.book_id, self._identity(scope.book_id))
                if saved is None:
                    return None
                if saved.rewrite_version != rewrite or saved.base_currency != base or \
                        saved.version > version:
                    log.info("saved report copy of book %d is from another state of the book "
                             "(versions %d/%d, now %d/%d); building it", scope.book_id,
                             saved.version, saved.rewrite_version, version, rewrite)
                    return None
                # Nothing to catch up: read in place until the book next changes.
                in_place = saved.version == version
                open_saved(cur, pin, as_view=in_place)
                self._load_small_tables(cur, scope, base)
        finally:
            if in_place:
                self._load_when_settled(scope.book_id, pin)
            else:
                release_pin(pin)
        took = (time.perf_counter() - started) * 1000
        self.restores += 1
        log.info("report copy of book %d read back (%s): %d rows at version %d in %.0f ms",
                 scope.book_id, "in place" if in_place else "loaded", saved.rows,
                 saved.version, took)
        return BookInfo(scope.book_id, base, saved.version, saved.rows, took, rewrite,
                        saved.max_id, log=saved.log, pinned=str(pin) if in_place else None)

    @staticmethod
    def _unpin(info: BookInfo, cur: duckdb.DuckDBPyConnection | None = None) -> BookInfo:
        """A copy read in place (``info.pinned``) loaded into a table on ``cur`` (before it
        changes; without a cursor it is about to be built again), its pin let go."""
        if info.pinned is None:
            return info
        if cur is not None:
            open_saved(cur, Path(info.pinned), as_view=False)
        release_pin(Path(info.pinned))
        return replace(info, pinned=None)

    def _load_when_settled(self, book_id: int, pin: Path) -> None:
        """A process still running ``LOAD_IN_PLACE_AFTER_S`` after reading a copy in place
        (the dashboard, the API; not a one-off command) loads it into a table meanwhile:
        whole-book scans (balances, search) answer 2-3x faster from a table than from the
        file. Reports keep reading the view until the table is swapped in."""
        timer = threading.Timer(LOAD_IN_PLACE_AFTER_S, self._load_in_place,
                                args=(book_id, pin))
        timer.daemon = True
        timer.name = "fintrack-copy-load"
        timer.start()

    def _still_pinned(self, book_id: int, pin: Path) -> bool:
        """Whether the book is still read in place from ``pin`` (a change may have loaded it,
        a rebuild replaced it); also while ``info`` has not recorded the book yet."""
        info = self._books.get(book_id)
        return info is None or info.pinned == str(pin)

    def _load_in_place(self, book_id: int, pin: Path) -> None:
        if not self._still_pinned(book_id, pin):
            return
        try:
            with self._schema_cursor(book_id) as cur:
                cur.execute("CREATE OR REPLACE TABLE tx_loaded AS SELECT * FROM "  # noqa: S608 - a literal
                            f"read_parquet({sql_literal(str(pin))})")
                with self._lock:
                    info = self._books.get(book_id)
                    if info is None or info.pinned != str(pin):
                        cur.execute("DROP TABLE tx_loaded")  # caught up (loaded) meanwhile
                        return
                    cur.execute("BEGIN TRANSACTION")
                    drop_tx(cur)
                    cur.execute("ALTER TABLE tx_loaded RENAME TO tx")
                    cur.execute("COMMIT")
                    release_pin(pin)
                    self._books[book_id] = replace(info, pinned=None)
        except Exception as exc:
            if self._still_pinned(book_id, pin):  # else a change loaded it meanwhile
                log.warning("report copy of book %d not loaded from its saved file: %s",
                            book_id, exc)

    def _identity(self, book_id: int) -> str:
        with self.db.read() as s:
            return str(s.scalar(select(Book.created_at).where(Book.id == book_id)))

    @contextmanager
    def _schema_cursor(self, book_id: int) -> Iterator[duckdb.DuckDBPyConnection]:
        """A new cursor with the book's schema (made if missing) as its default."""
        cur = self.con.cursor()
        try:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS b{int(book_id)}")
            cur.execute(f"SET schema = 'b{int(book_id)}'")
            yield cur
        finally:
            cur.close()

    def _save_later(self, book_id: int) -> None:
        """Save the book's copy on a thread (``copy_file``); not a daemon, so a command that
        built the copy and exits still leaves it for the next process."""
        folder = copies_dir(self.db.url) if self.saved_copies else None
        if folder is None or book_id in self._saving:
            return
        self._saving.add(book_id)
        self._unsaved[book_id] = 0
        thread = threading.Thread(target=self._save, args=(book_id, folder), daemon=False,
                                  name="fintrack-copy-save")
        thread.start()
        self._save_threads.append(thread)

    def _save_when_quiet(self, book_id: int) -> None:
        """Save the book's copy ``SAVE_WHEN_QUIET_S`` after its last change. A daemon timer:
        a command that exits first never waits for it (its copy stays unsaved)."""
        timer = self._quiet.pop(book_id, None)
        if timer is not None:
            timer.cancel()
        timer = threading.Timer(SAVE_WHEN_QUIET_S, self._save_if_running, args=(book_id,))
        timer.daemon = True
        timer.name = "fintrack-copy-quiet"
        self._quiet[book_id] = timer
        timer.start()

    def _save_if_running(self, book_id: int) -> None:
        with self._lock:
            self._quiet.pop(book_id, None)
            # RuntimeError: the interpreter is shutting down and starts no new thread.
            with contextlib.suppress(RuntimeError):
                self._save_later(book_id)

    def wait_saved(self, timeout_s: float = 60.0) -> None:
        """Wait for the copies being saved (a benchmark or test that reads them next)."""
        while self._save_threads:
            self._save_threads.pop().join(timeout_s)

    def _save(self, book_id: int, folder: Path) -> None:
        try:
            identity = self._identity(book_id)
            with self._schema_cursor(book_id) as cur:
                with self._lock:  # no catch-up half-way: the snapshot is the one ``info`` names
                    info = self._books.get(book_id)
                    if info is None or info.pinned is not None:  # the file holds it already
                        return
                    cur.execute("BEGIN TRANSACTION")
                    cur.execute("SELECT count(*) FROM tx").fetchone()  # the snapshot starts
                try:
                    started = time.perf_counter()
                    path = write_saved(cur, folder, Saved(
                        book_id, identity, info.version, info.rewrite_version,
                        info.base_currency, info.rows, info.max_id, info.log))
                finally:
                    cur.execute("ROLLBACK")
            # DEBUG: routine, and written from a thread whenever a book settles.
            log.debug("report copy of book %d saved to %s in %.0f ms", book_id, path,
                     (time.perf_counter() - started) * 1000)
        except Exception as exc:
            log.warning("report copy of book %d not saved: %s", book_id, exc)
        finally:
            self._saving.discard(book_id)
