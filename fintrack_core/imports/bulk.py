"""Writing an import's rows into ``transactions``, fast, inside the caller's transaction.

Why not one ``executemany`` into ``transactions``: on SQLite each executed row is a statement
of its own, and a statement on a table with foreign keys opens a statement journal, checks
every key and touches every index on its own. Measured on 1M rows that costs about as much
again as the b-tree work itself. So on SQLite the rows are bound into a TEMP table that has no
index, key or journal of its own (the cheapest place Python can hand SQLite a row), and one
``INSERT ... SELECT`` per chunk moves them into ``transactions``: every constraint, foreign
key and index is still checked by SQLite, in the same transaction, so a failure anywhere still
rolls back the whole import (the TEMP table's creation included). PostgreSQL gets the plain
``executemany``.

Python values are made one chunk at a time from the columns (Arrow text converts in C), in
account/date order, so memory holds one chunk of Python objects, never a million rows of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from fintrack_core.imports.arrow_cols import arrow_data

# The bound columns, in order; book and batch ids are the same for every row. The statements
# below are built from these fixed names only (hence the noqa): every value is bound.
COLUMNS = ("account_id", "date", "amount_minor", "currency", "payee", "description",
           "category_id", "tags", "fingerprint", "external_id", "transfer_id")
_NAMES = ", ".join(COLUMNS)
_CREATE_STAGE = "CREATE TEMP TABLE IF NOT EXISTS fintrack_import_rows (" + _NAMES + ")"
_EMPTY_STAGE = "DELETE FROM temp.fintrack_import_rows"
_DROP_STAGE = "DROP TABLE temp.fintrack_import_rows"
_TO_STAGE = ("INSERT INTO temp.fintrack_import_rows VALUES ("  # noqa: S608
             + ", ".join(["?"] * len(COLUMNS)) + ")")
_FROM_STAGE = ("INSERT INTO transactions (book_id, import_batch_id, " + _NAMES  # noqa: S608
               + ") SELECT ?, ?, " + _NAMES + " FROM temp.fintrack_import_rows ORDER BY rowid")
_FROM_FILE = ("INSERT INTO transactions (book_id, import_batch_id, " + _NAMES  # noqa: S608
              + ") SELECT ?, ?, " + _NAMES + " FROM {stage}.rows WHERE rowid BETWEEN ? AND ? "
              "ORDER BY rowid")
_INSERT = "INSERT INTO transactions (book_id, import_batch_id, " + _NAMES + ") VALUES "  # noqa: S608
_MARKS = ", ".join(["%s"] * len(COLUMNS))
# Pages of SQLite's TEMP database kept in memory (KiB): a chunk must fit, or it spills to disk.
STAGE_CACHE_KIB = 65_536
Column = Callable[[np.ndarray], list[Any]]


def _column(values: pd.Series) -> Column:
    """Python values of the rows at some positions of a column (None for missing)."""
    arr = arrow_data(values)
    if arr is not None:
        return lambda at: arr.take(pa.array(at)).to_pylist()
    if isinstance(values.dtype, np.dtype) and values.dtype.kind in "iu":
        ints = values.to_numpy()
        return lambda at: ints[at].tolist()
    objects = np.asarray(values.astype(object).where(values.notna(), None), dtype=object)
    return lambda at: objects[at].tolist()


def _date_column(values: pd.Series) -> Column:
    """ISO dates as text (what SQLAlchemy stores); each distinct day formatted once, and
    every row of a day shares one Python string."""
    days = pd.to_datetime(values).to_numpy(dtype="datetime64[D]")
    distinct, inverse = np.unique(days, return_inverse=True)
    text = np.asarray(np.datetime_as_string(distinct, unit="D"), dtype=object)
    codes = inverse.reshape(-1)
    return lambda at: text[codes[at]].tolist()


def insert_order(frame: pd.DataFrame) -> np.ndarray:
    """Positions in account/date order (stable): the date indexes then grow at their end
    instead of being rewritten all over."""
    days = pd.to_datetime(frame["date"]).to_numpy(dtype="datetime64[D]").astype(np.int64)
    return np.lexsort((days, frame["account_id"].to_numpy(dtype=np.int64)))


def row_chunks(frame: pd.DataFrame, chunk: int) -> Iterator[list[tuple[Any, ...]]]:
    """The frame's rows as tuples of ``COLUMNS``, ``chunk`` rows at a time, in insert order."""
    columns = [_date_column(frame[c]) if c == "date" else _column(frame[c]) for c in COLUMNS]
    order = insert_order(frame)
    for start in range(0, len(order), chunk):
        at = order[start:start + chunk]
        yield list(zip(*(column(at) for column in columns), strict=True))


def insert_rows(raw: Any, dialect: str, book_id: int, batch_id: int, frame: pd.DataFrame,
                chunk: int, done: Callable[[int], None]) -> None:
    """Insert every row of ``frame`` through the DB-API connection ``raw`` (already in the
    caller's transaction); ``done(n)`` after each chunk with the rows written so far."""
    cursor = raw.cursor()
    try:
        if dialect == "sqlite":
            cursor.execute(_CREATE_STAGE)
            cursor.execute(_EMPTY_STAGE)
            cursor.execute(f"PRAGMA temp.cache_size=-{STAGE_CACHE_KIB}")
            stage = _TO_STAGE
        else:
            # Only integers we hold and placeholders are formatted in; every value is bound.
            stage = _INSERT + f"({int(book_id)}, {int(batch_id)}, {_MARKS})"
        written = 0
        for rows in row_chunks(frame, chunk):
            cursor.executemany(stage, rows)
            if dialect == "sqlite":
                cursor.execute(_FROM_STAGE, (int(book_id), int(batch_id)))
                cursor.execute(_EMPTY_STAGE)
            written += len(rows)
            done(written)
        if dialect == "sqlite":
            cursor.execute(_DROP_STAGE)  # on failure the rollback drops it
    finally:
        if dialect == "sqlite":
            cursor.execute("PRAGMA temp.cache_size=-2000")  # SQLite's default
        cursor.close()


def move_staged(raw: Any, stage: str, book_id: int, batch_id: int, rows: int, chunk: int,
                done: Callable[[int], None]) -> None:
    """Move ``rows`` rows from the attached stage file (``imports.stage_file``, schema
    ``stage``) into ``transactions``, ``chunk`` rows (a range of its rowids) at a time."""
    if not stage.isidentifier():
        raise ValueError(f"not a schema name: {stage!r}")
    statement = _FROM_FILE.format(stage=stage)
    cursor = raw.cursor()
    try:
        for start in range(1, rows + 1, chunk):
            stop = min(rows, start + chunk - 1)
            cursor.execute(statement, (int(book_id), int(batch_id), start, stop))
            done(stop)
    finally:
        cursor.close()
