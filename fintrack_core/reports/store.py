"""A columnar DuckDB copy of each book, kept in step with writes, that every report reads.

Why a copy: DuckDB scanning the SQLite file answers a monthly aggregate over 1M rows in
~160 ms; its own columnar copy answers in a fraction of that, which is what the 100 ms / 1 s
targets need (see benchmarks/README.md). Why it is always current: every write bumps the
book's ``data_version`` inside the same database transaction (``access.require``); a report
first compares that number with the copy's and, when they differ, catches up: new rows and the
rows named in the change log since its last read (``reports.changes``) are dropped and read
again. The whole book is built again only the first time, after an exchange rate or the base
currency changed, after a restore, or when the log was pruned past the copy; each rebuild is
logged with its reason (``fintrack_core.reports.store``) and counted (``rebuilds``). A new
process reads the copy an earlier one saved instead of building it (``store_saved``,
``copy_file``).

Why a snapshot and never the live file: DuckDB's SQLite scanner carries its own SQLite library.
Opened on the live database inside a process that also holds a sqlite3 connection to it, its
close drops the process's POSIX locks on the file; another process then deletes the WAL and
this process's later writes are lost (shared/repro/duckdb_attach_loses_sqlite_writes.py).
So the full build copies the database with the process's own sqlite3 (the online backup API,
one consistent read) into a private temporary file, and only that file is attached.

Each book lives in its own DuckDB schema ``b<id>``; a report cursor has only that schema on
its search path, and the copy only ever holds rows whose ``book_id`` is the book's.
Amounts are also stored converted to the book's base currency (``amount_base``, integer minor
units, half-even rounding once per transaction) with the rate of the day or the latest before
it (DuckDB ASOF join); rows with no rate keep ``amount_base`` NULL and are reported, never
dropped.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import os
import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
from sqlalchemy import select

from fintrack_core.access import Scope, read_state
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Account, FxRate
from fintrack_core.duck import attach_sqlite_file, connect
from fintrack_core.errors import FinTrackError
from fintrack_core.ledger.categories import list_categories
from fintrack_core.reports.changes import (
    Changes,
    current_position,
    prune,
    read_book,
    read_changes,
)
from fintrack_core.reports.copy_file import (
    drop_tx,
)
from fintrack_core.reports.copy_sql import COPY_SQL, rates_to_base, sql_literal, to_base_sql
from fintrack_core.reports.store_saved import SAVE_AFTER_CHANGES, BookInfo, SavedCopies
from fintrack_core.reports.watchdog import Watchdog

QUERY_TIME_LIMIT_S = 10.0
DUCKDB_MEMORY_LIMIT = os.environ.get("FINTRACK_DUCKDB_MEMORY", "640MB")
LIABILITIES = ("credit_card", "loan")
log = logging.getLogger(__name__)


_COUNT_SQL = "SELECT count(*), coalesce(max(id), 0) FROM tx"
_STORES: dict[str, ReportStore] = {}
_STORES_LOCK = threading.Lock()
_SERIALS = itertools.count(1)


def report_store(db: Database) -> ReportStore:
    """The process-wide store for this database (one DuckDB copy per database URL)."""
    with _STORES_LOCK:
        store = _STORES.get(db.url)
        if store is None:
            store = _STORES[db.url] = ReportStore(db)
        return store


def forget_report_store(db: Database) -> None:
    """Drop the copy kept for this database URL. For a database whose contents were replaced
    wholesale under the same URL (its schema dropped and migrated again): its books' versions
    start again from zero, so a kept copy with the same numbers would be taken for current."""
    with _STORES_LOCK:
        _STORES.pop(db.url, None)


class ReportTimeout(FinTrackError):
    """A report query ran past its time limit and was interrupted."""


class ReportStore(SavedCopies):
    """One DuckDB database per FinTrack database (per process), refreshed per book."""

    def __init__(self, db: Database, *, saved_copies: bool = True) -> None:
        self.db = db
        # Read back and save copies (``copy_file``); off for a copy that must be built.
        self.saved_copies = saved_copies
        # Which store this is, never reused in the process: results remembered from a copy
        # (``reports.memo``) are keyed on it, so a database replaced under the same URL
        # (``forget_report_store``), whose versions start again from zero, never gets them.
        self.serial = next(_SERIALS)
        self.con = connect()
        self.con.execute("SET threads TO 2")
        # Bounded: a big book's sort spills to a temp folder instead of growing without limit.
        self.con.execute(f"SET memory_limit = '{DUCKDB_MEMORY_LIMIT}'")
        self.con.execute(f"SET temp_directory = '{tempfile.gettempdir()}/fintrack-duckdb'")
        self._lock = threading.Lock()
        self._books: dict[int, BookInfo] = {}
        # Per thread, one cursor per book with the book's schema on its search path, made
        # once: a DuckDB cursor is not shared between threads, and setting it up per call
        # (two SET statements) cost more than a small report's query.
        self._cursors = threading.local()
        self._watchdog = Watchdog()
        self.rebuilds = 0  # full builds of any book's copy (the first one included)
        self.restores = 0  # copies read back from a saved file (``copy_file``)
        self._saving: set[int] = set()  # books whose copy a thread is saving
        self._save_threads: list[threading.Thread] = []
        self._quiet: dict[int, threading.Timer] = {}  # saves waiting for a quiet book
        self._unsaved: dict[int, int] = {}  # rows and log entries applied since the save
        self._prune_at = 0  # the log position at which this process next checks its size

    # --- keeping the copy current -------------------------------------------------------

    def info(self, scope: Scope) -> BookInfo:
        """Check access, and bring the book's copy up to date if its data changed since.

        Catching up applies the change log (``_apply``); the whole book is built again only
        when the copy cannot follow the log (``_refresh``, with the reason).
        """
        state = read_state(scope)  # the role check and the versions, one statement
        version, rewrite, base = state.data_version, state.rewrite_version, state.base_currency
        current = self._books.get(scope.book_id)
        if current is not None and current.version == version and \
                current.base_currency == base:
            return current
        with self._lock:
            current = self._books.get(scope.book_id)
            if current is not None and current.version == version and \
                    current.base_currency == base:
                return current
            if current is None:
                current = self._first(scope, version, rewrite, base)
            elif current.base_currency != base:
                current = self._refresh(scope, version, rewrite, base,
                                        "the book's base currency changed")
            elif current.rewrite_version != rewrite:
                current = self._refresh(scope, version, rewrite, base,
                                        "the book was replaced as a whole (a restore)")
            else:
                current = self._apply(scope, current, version)
            self._books[scope.book_id] = current
        if current.log.seq >= self._prune_at:
            self._prune_at = current.log.seq + 1000
            # A write, so never on the report's path: a viewer's report must not wait for
            # the write lock behind an import, nor for deleting many entries.
            threading.Thread(target=prune, args=(self.db,), name="fintrack-log-prune",
                             daemon=True).start()
        return current


    def _refresh(self, scope: Scope, version: int, rewrite: int, base: str,
                 reason: str) -> BookInfo:
        started = time.perf_counter()
        position = current_position(self.db)  # before anything is read: see there
        schema = f"b{int(scope.book_id)}"
        cur = self.con.cursor()
        cur.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        cur.execute(f"SET schema = '{schema}'")
        drop_tx(cur)  # it may be a view of a copy read in place until now
        if (previous := self._books.get(scope.book_id)) is not None:
            self._unpin(previous)  # a copy read in place until now is replaced
        self._load_small_tables(cur, scope, base)
        self._load_transactions(cur, scope.book_id, base)
        rows, max_id = cur.execute(_COUNT_SQL).fetchone()  # type: ignore[misc]
        cur.close()
        took = (time.perf_counter() - started) * 1000
        self.rebuilds += 1
        log.info("report copy of book %d rebuilt (%s): %d rows in %.0f ms",
                 scope.book_id, reason, rows, took)
        self._save_later(scope.book_id)
        return BookInfo(scope.book_id, base, version, int(rows), took, rewrite, int(max_id),
                        log=position)

    def _apply(self, scope: Scope, current: BookInfo, version: int) -> BookInfo:
        """Catch up with the writes since the copy was last current: drop every logged id
        and every id read again from the copy, and insert the rows read (the logged ones that
        still exist, and those above the copy's largest id). The small tables are loaded
        again only when an account or category changed (logged too).

        Why new rows by id on SQLite: its single writer commits in id order, so ``id >
        max_id`` is exact and an import does not write a log entry per row. On PostgreSQL,
        where a lower id can commit after a higher one, inserts are logged too
        (``reports.changes``).
        """
        started = time.perf_counter()
        changes = read_changes(self.db, scope.book_id, current.log, current.max_id)
        if current.pinned is not None and changes.rebuild is None:
            with self._schema_cursor(scope.book_id) as cur:
                current = self._unpin(current, cur)
        if changes.rebuild is not None:
            return self._refresh(scope, version, current.rewrite_version,
                                 current.base_currency, changes.rebuild)
        cur = self.con.cursor()
        cur.execute(f"SET schema = 'b{int(scope.book_id)}'")
        # One DuckDB transaction: a report running meanwhile on another cursor sees the copy
        # before or after the catch-up, never the edited rows deleted and not yet back.
        cur.execute("BEGIN TRANSACTION")
        try:
            self._apply_in(cur, scope, current, changes)
            rows, max_id = cur.execute(_COUNT_SQL).fetchone()  # type: ignore[misc]
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        finally:
            cur.close()
        # Saved again once enough has changed that catching up from the saved copy would cost
        # more than reading a new one, or once the book has been quiet for a while: the next
        # process then reads it in place instead of loading and catching up.
        self._unsaved[scope.book_id] = self._unsaved.get(scope.book_id, 0) + \
            changes.entries + changes.rows.num_rows
        if self._unsaved[scope.book_id] > SAVE_AFTER_CHANGES:
            self._save_later(scope.book_id)
        else:
            self._save_when_quiet(scope.book_id)
        return replace(current, version=version, rows=int(rows), max_id=int(max_id),
                       refreshed_in_ms=(time.perf_counter() - started) * 1000, appended=True,
                       log=changes.position, applied=changes.entries)

    def _apply_in(self, cur: duckdb.DuckDBPyConnection, scope: Scope, current: BookInfo,
                  changes: Changes) -> None:
        if changes.tables_changed:
            self._load_small_tables(cur, scope, current.base_currency)
        gone = pa.table({"id": pa.concat_arrays([
            pa.array(changes.gone, type=pa.int64()),
            changes.rows.column("id").combine_chunks()])})
        if gone.num_rows:
            cur.register("gone_frame", gone)
            cur.execute("DELETE FROM tx WHERE id IN (SELECT id FROM gone_frame)")
            cur.unregister("gone_frame")
        if changes.rows.num_rows:
            cur.register("src_frame", changes.rows)
            sql = COPY_SQL.format(base=sql_literal(current.base_currency),
                                   to_base=to_base_sql("t.amount_minor"))
            sql = sql.replace("CREATE OR REPLACE TABLE tx AS", "INSERT INTO tx")
            cur.execute(sql.replace("ORDER BY t.date", "").format(source="src_frame"),
                        [scope.book_id])
            cur.unregister("src_frame")

    def _load_transactions(self, cur: duckdb.DuckDBPyConnection, book_id: int,
                           base: str) -> None:
        """One pass: copy, convert to the base currency, classify, sort by date.

        One statement instead of copy-then-rewrite keeps the peak memory near the size of the
        copy itself (a 10M-row book rewritten twice peaked at 5.3 GB).
        """
        sql = COPY_SQL.format(base=sql_literal(base), to_base=to_base_sql("t.amount_minor"),
                               source="{source}")
        if self.db.is_sqlite:
            with self._snapshot() as path:
                attach_sqlite_file(cur, path, "snap")
                try:
                    cur.execute(sql.format(source="snap.transactions"), [book_id])
                finally:
                    cur.execute("DETACH snap")
            return
        # Other databases: the book's rows through SQLAlchemy into Arrow.
        cur.register("src_frame", read_book(self.db, book_id))
        cur.execute(sql.format(source="src_frame"), [book_id])
        cur.unregister("src_frame")

    @contextmanager
    def _snapshot(self) -> Iterator[Path]:
        """A private, consistent copy of the SQLite database, deleted afterwards.

        Made through this process's own sqlite3 (the pool's driver connection), never a
        second SQLite library on the live file; the backup runs as one step, so it is one
        read transaction and never restarts because of a concurrent writer.
        """
        folder = Path(tempfile.gettempdir()) / "fintrack-duckdb"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="snapshot-", suffix=".db", dir=folder)
        os.close(fd)
        path = Path(name)
        try:
            raw = self.db.engine.raw_connection()
            try:
                target = sqlite3.connect(path)
                try:
                    raw.driver_connection.backup(target)  # type: ignore[union-attr]
                finally:
                    target.close()
            finally:
                raw.close()
            yield path
        finally:
            for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                with contextlib.suppress(FileNotFoundError):
                    leftover.unlink()

    def _load_small_tables(self, cur: duckdb.DuckDBPyConnection, scope: Scope,
                           base: str) -> None:
        with self.db.read() as s:
            accounts = pd.DataFrame(s.execute(select(
                Account.id, Account.name, Account.type, Account.currency,
                Account.opening_balance, Account.opened_on, Account.closed_on,
                Account.institution).where(Account.book_id == scope.book_id)).all(),
                columns=["id", "name", "type", "currency", "opening_balance", "opened_on",
                         "closed_on", "institution"])
            rates = pd.DataFrame(s.execute(select(
                FxRate.base, FxRate.quote, FxRate.date, FxRate.rate, FxRate.book_id).where(
                (FxRate.book_id == scope.book_id) | FxRate.book_id.is_(None))).all(),
                columns=["base", "quote", "date", "rate", "book_id"])
        accounts["type"] = accounts["type"].map(lambda t: getattr(t, "value", t))
        accounts["is_liability"] = accounts["type"].isin(LIABILITIES)
        # Typed even when empty, so a new book's text columns are VARCHAR in DuckDB too.
        accounts = accounts.astype({"id": "int64", "name": "string", "type": "string",
                                    "currency": "string", "opening_balance": "int64",
                                    "institution": "string", "is_liability": "bool"})
        accounts["opened_on"] = pd.to_datetime(accounts["opened_on"])
        accounts["closed_on"] = pd.to_datetime(accounts["closed_on"])
        cats = list_categories(scope)
        by_id = {c.id: c for c in cats}

        def root(cid: int) -> int:
            seen = set()
            while by_id[cid].parent_id is not None and cid not in seen:
                seen.add(cid)
                cid = by_id[cid].parent_id  # type: ignore[assignment]
            return cid

        categories = pd.DataFrame({
            "id": [c.id for c in cats], "name": [c.name for c in cats],
            "kind": [c.kind.value for c in cats],
            "parent_id": pd.array([c.parent_id for c in cats], dtype="Int64"),
            "path": [c.path for c in cats], "depth": [c.depth for c in cats],
            "root_id": [root(c.id) for c in cats], "color": [c.color for c in cats],
        })
        for name, frame in (("accounts", accounts), ("categories", categories),
                            ("rates", rates_to_base(rates, base))):
            table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(
                frame, preserve_index=False)
            cur.register(f"{name}_frame", table)
            cur.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_frame")  # noqa: S608 - fixed names
            cur.unregister(f"{name}_frame")
        # Ancestor pairs for roll-ups: (category, ancestor-or-self).
        pairs = [(c.id, a) for c in cats for a in _ancestors(by_id, c.id)]
        cur.register("anc_frame", pa.table({"category_id": [p[0] for p in pairs],
                                            "ancestor_id": [p[1] for p in pairs]}))
        cur.execute("CREATE OR REPLACE TABLE category_ancestors AS SELECT * FROM anc_frame")
        cur.unregister("anc_frame")

    # --- reading ------------------------------------------------------------------------

    @contextmanager
    def cursor(self, scope: Scope) -> Iterator[duckdb.DuckDBPyConnection]:
        """A new cursor on the (current) copy of the scope's book, and only that book, for
        a caller that keeps a result open while it works (an export streaming batches)."""
        self.info(scope)
        with self._schema_cursor(scope.book_id) as cur:
            cur.execute(f"SET search_path = 'b{int(scope.book_id)}'")
            yield cur

    def _book_cursor(self, book_id: int) -> duckdb.DuckDBPyConnection:
        """This thread's cursor for the book, kept between calls (``query`` and ``rows``
        fetch their whole result before returning, so no result is ever left open on it)."""
        cursors: dict[int, duckdb.DuckDBPyConnection] | None = getattr(
            self._cursors, "by_book", None)
        if cursors is None:
            cursors = self._cursors.by_book = {}
        cur = cursors.get(book_id)
        if cur is None:
            cur = self.con.cursor()
            cur.execute(f"SET schema = 'b{int(book_id)}'")
            cur.execute(f"SET search_path = 'b{int(book_id)}'")
            cursors[book_id] = cur
        return cur

    def query(self, scope: Scope, sql: str, params: list[object] | None = None,
              limit_s: float = QUERY_TIME_LIMIT_S) -> pd.DataFrame:
        """Run one report query with a time limit; returns a DataFrame."""
        with self._limited(scope, limit_s) as cur:
            return cur.execute(sql, params or []).df()

    def rows(self, scope: Scope, sql: str, params: list[object] | None = None,
             limit_s: float = QUERY_TIME_LIMIT_S) -> list[tuple[Any, ...]]:
        """``query`` as plain Python rows: for results of a few rows (a report's one row of
        lists, a page of 50), where building a DataFrame costs more than the query."""
        with self._limited(scope, limit_s) as cur:
            return cur.execute(sql, params or []).fetchall()

    def first_row(self, scope: Scope, sql: str, params: list[object] | None = None,
                  limit_s: float = QUERY_TIME_LIMIT_S) -> dict[str, Any]:
        """The first row of the result by column name (a report's one row of lists)."""
        with self._limited(scope, limit_s) as cur:
            row = cur.execute(sql, params or []).fetchone()
            names = [d[0] for d in cur.description or []]
        if row is None:
            raise ValueError("the query returned no row")
        return dict(zip(names, row, strict=True))

    @contextmanager
    def _limited(self, scope: Scope, limit_s: float) -> Iterator[duckdb.DuckDBPyConnection]:
        self.info(scope)
        cur = self._book_cursor(scope.book_id)
        token = self._watchdog.watch(cur, limit_s)
        try:
            yield cur
        except duckdb.InterruptException:
            raise ReportTimeout(f"the report took longer than {limit_s:.0f} s and was "
                                "stopped; narrow the dates or filters and try again") from None
        finally:
            self._watchdog.release(token)


def _ancestors(by_id: dict, cid: int) -> list[int]:  # type: ignore[type-arg]
    out, seen = [], set()
    while cid is not None and cid in by_id and cid not in seen:
        seen.add(cid)
        out.append(cid)
        cid = by_id[cid].parent_id
    return out


