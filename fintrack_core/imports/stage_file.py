"""A large import's rows, handed to SQLite as a file that DuckDB writes.

Why: binding a million rows from Python costs about 3 s of the import (0.8 s to make the
tuples, 2.1 s for the sqlite3 module to bind 11 million values one at a time). DuckDB writes
the same rows from their Arrow columns into a SQLite file in about 0.8 s, and SQLite then
moves them into ``transactions`` with one ``INSERT ... SELECT`` per chunk (``imports.bulk``):
every constraint and index is checked by SQLite as before, inside the import's one
transaction, so a failure anywhere still leaves nothing behind. The foreign keys are the one
exception: SQLite would probe the same few accounts and categories once per row (0.8 s of a
1M-row import), so the import checks each distinct key once in the same transaction
(``batch_write._check_keys``) and runs the move with them off (``Database.write``).

Never the live database: DuckDB carries its own SQLite library, and when it closes a file it
drops every lock this process holds on that file (STACK_NOTES). The stage is a new file in a
private temporary folder (mode 700) that only DuckDB writes and closes; only then does the
import's connection attach it, and the folder is deleted when the import ends, whatever
happened. When DuckDB cannot write it (a full disk, a missing extension), the import binds
its rows from Python as before: slower, never wrong.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from fintrack_core import duck
from fintrack_core.imports.arrow_cols import arrow_data
from fintrack_core.imports.bulk import COLUMNS, insert_order

log = logging.getLogger(__name__)

ALIAS = "fintrack_stage"  # the schema name the import's connection attaches the file under
# The declared types give each value the same storage class a bound Python value gets (text
# dates, integer amounts and ids, NULL for missing). No key: the rowids are the rows' insert
# order (DuckDB keeps a query's order when it inserts, and a new table numbers from 1), and
# the move takes rowid ranges. A declared INTEGER PRIMARY KEY made DuckDB's write twice as slow.
_CREATE = ("CREATE TABLE rows (account_id INTEGER, date TEXT, "
           "amount_minor INTEGER, currency TEXT, payee TEXT, description TEXT, "
           "category_id INTEGER, tags TEXT, fingerprint TEXT, external_id TEXT, "
           "transfer_id TEXT)")
_TEXT = {"currency", "payee", "description", "tags", "fingerprint", "external_id", "transfer_id"}


def _column(values: pd.Series, name: str) -> pa.Array:
    """One column as Arrow, typed as it is stored (missing values become nulls)."""
    if name == "date":
        return pa.array(pd.to_datetime(values).to_numpy(dtype="datetime64[D]"))
    arr = arrow_data(values)
    if arr is None:
        arr = pa.array(values.astype(object).where(values.notna(), None).tolist()
                       if values.dtype == object else values, from_pandas=True)
    target = pa.string() if name in _TEXT else pa.int64()
    return arr if arr.type == target else arr.cast(target)


def arrow_rows(frame: pd.DataFrame) -> pa.Table:
    """The rows to store as an Arrow table of ``COLUMNS``, in insert order."""
    order = pa.array(insert_order(frame))
    return pa.table({name: _column(frame[name], name).take(order) for name in COLUMNS})


_ready: list[duckdb.DuckDBPyConnection] = []  # at most one writer made ahead of time
_ready_lock = threading.Lock()


def _writer() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the SQLite extension loaded, on one thread (the SQLite
    writer is one sink: 1M rows took 0.8 s CPU on one thread, 1.5 s on two)."""
    con = duck.connect()
    try:
        con.execute("SET threads = 1")
        duck.load_extension(con, "sqlite_scanner")
    except BaseException:
        con.close()
        raise
    return con


def _make_ahead() -> None:
    try:
        con = _writer()
    except (duckdb.Error, RuntimeError) as exc:  # the write will say so, and bind instead
        log.info("import: stage writer not prepared ahead (%s)", exc)
        return
    with _ready_lock:
        if _ready:
            con.close()
        else:
            _ready.append(con)


def prepare_writer() -> None:
    """Load DuckDB's SQLite extension on a thread of its own while a large statement is
    being read: loading it takes about 0.25 s (a 35 MB library, checked on every load),
    which the import otherwise waits for after the parse. Harmless when no stage is written
    after all: the one connection waits for the next import of this process."""
    with _ready_lock:
        if _ready:
            return
    threading.Thread(target=_make_ahead, name="fintrack-stage-writer", daemon=True).start()


def _take_writer() -> duckdb.DuckDBPyConnection:
    with _ready_lock:
        if _ready:
            return _ready.pop()
    return _writer()


def _write(path: Path, frame: pd.DataFrame) -> None:
    setup = sqlite3.connect(path)
    try:
        setup.execute(_CREATE)
        setup.commit()
    finally:
        setup.close()
    con = _take_writer()
    try:
        duck.attach_sqlite_file(con, path, "s", read_only=False)
        con.register("rows_in", arrow_rows(frame))
        con.execute("INSERT INTO s.rows SELECT " + ", ".join(  # noqa: S608 (fixed names)
            "CAST(date AS VARCHAR)" if c == "date" else c for c in COLUMNS) + " FROM rows_in")
        con.execute("DETACH s")
    finally:
        con.close()


@contextmanager
def staged_rows(frame: pd.DataFrame) -> Iterator[Path | None]:
    """The rows of ``frame`` in a private SQLite file (table ``rows``), or None when it could
    not be written; the file and its folder are gone when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix="fintrack-import-"))
    path: Path | None = folder / "rows.db"
    try:
        try:
            assert path is not None
            _write(path, frame)
        except (duckdb.Error, sqlite3.Error, OSError, RuntimeError) as exc:
            log.warning("import: staging file not written (%s); binding the rows instead", exc)
            path = None
        yield path
    finally:
        _remove_later(folder)


def _remove_later(folder: Path) -> None:
    """Delete the stage folder without the import waiting: unlinking a 1M-row file took
    0.13 s. It is renamed out of the way at once (nothing can open the stage by its old
    name), then deleted on a thread that the interpreter waits for at exit."""
    doomed = folder.with_name(folder.name + "-done")
    try:
        folder.rename(doomed)
    except OSError:
        shutil.rmtree(folder, ignore_errors=True)
        return
    threading.Thread(target=shutil.rmtree, args=(doomed,), kwargs={"ignore_errors": True},
                     name="fintrack-stage-cleanup", daemon=False).start()
