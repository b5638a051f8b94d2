"""How the report copy follows edits: the change log (revision 0015), read in windows.

Triggers write one ``change_log`` entry per changed or deleted transaction in the same
database transaction as the write (on PostgreSQL per inserted one too; see the migration).
The copy remembers where in the log it stands (``LogPosition``). To catch up it reads, in
one snapshot, the entries after that position and the current state of those rows plus any
row with an id above the copy's largest; the store then drops those ids from its copy and
inserts what was read. Applying an entry twice changes nothing, so a window that overlaps
the last one is harmless, and that is what makes the PostgreSQL case safe:

Why sequence numbers alone are not enough on PostgreSQL: ``seq`` is drawn when a row is
logged, not when its transaction commits. A writer that drew seq 10 and commits after the
copy has read seq 11 would be skipped for good by ``seq > 11``. So each entry carries the
writing transaction's id (``txid_current()``), and each read also notes the snapshot's
``xmin``, the oldest transaction still running. An entry the read could not see was written
by a transaction running then or started later, so its ``xid >= xmin``; the next window is
``seq > last OR xid >= xmin`` and re-reads those few entries until they are seen. (A margin
of "the last N sequence numbers again" would only make the gap rarer.) SQLite has one writer
and commits in sequence order: ``seq > last`` is exact there.

Keeping it bounded: the log is pruned to its newest ``KEEP_ENTRIES`` entries once it holds
twice that (``prune``), leaving a ``pruned`` entry that says up to where. A copy that was
further behind, whose entries are gone, is rebuilt instead (and says so). Copies live in
many processes, so "pruned once every copy has applied it" cannot be known; the bound can.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from sqlalchemy import ColumnElement, Select, delete, func, insert, or_, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from fintrack_core.db.engine import Database
from fintrack_core.db.models import ChangeLogEntry, Transaction
from fintrack_core.errors import Busy

KEEP_ENTRIES = 100_000
log = logging.getLogger(__name__)
Log = ChangeLogEntry

FETCH_SCHEMA = pa.schema([
    ("book_id", pa.int64()), ("id", pa.int64()), ("account_id", pa.int64()),
    ("date", pa.date32()), ("amount_minor", pa.int64()), ("currency", pa.string()),
    ("payee", pa.string()), ("description", pa.string()), ("category_id", pa.int64()),
    ("tags", pa.string()), ("transfer_id", pa.string()), ("scheduled", pa.bool_()),
    ("notes", pa.string()),
])
_COLUMNS = (Transaction.book_id, Transaction.id, Transaction.account_id, Transaction.date,
            Transaction.amount_minor, Transaction.currency, Transaction.payee,
            Transaction.description, Transaction.category_id, Transaction.tags,
            Transaction.transfer_id, Transaction.scheduled, Transaction.notes)
_XMIN = text("SELECT txid_snapshot_xmin(txid_current_snapshot())")


@dataclass(frozen=True)
class LogPosition:
    """Where a copy stands in the change log: every entry up to ``seq`` visible when it was
    read is applied; ``xmin`` (PostgreSQL) is that read's oldest running transaction."""

    seq: int = 0
    xmin: int | None = None
    seen_prunes: frozenset[int] = field(default=frozenset())


@dataclass(frozen=True)
class Changes:
    """What a copy must do to catch up: drop ``gone`` and every id in ``rows``, then insert
    ``rows``; or, if ``rebuild`` names a reason, build the book again instead."""

    rows: pa.Table
    gone: list[int]
    position: LogPosition
    entries: int
    tables_changed: bool = False  # an account or category changed: reload the small tables
    rebuild: str | None = None


def read_changes(db: Database, book_id: int, since: LogPosition, max_id: int) -> Changes:
    """The log entries of ``book_id`` after ``since`` and the rows they name (plus rows with
    ``id > max_id``: new rows, which SQLite does not log), all from one snapshot."""
    with _snapshot(db) as (s, xmin):
        top = int(s.scalar(select(func.coalesce(func.max(Log.seq), 0))) or 0)
        window = _window(since, top, sqlite=db.is_sqlite)
        entries = s.execute(select(Log.seq, Log.book_id, Log.tx_id, Log.kind).where(
            or_(Log.book_id == book_id, Log.book_id.is_(None)), window)).all()
        position = LogPosition(max(since.seq, top), xmin, since.seen_prunes | {
            int(e.seq) for e in entries if e.kind == "pruned"})
        reason = _rebuild_reason(entries, since, sqlite=db.is_sqlite)
        if reason is not None:
            return Changes(_empty(), [], position, len(entries), rebuild=reason)
        logged = select(Log.tx_id).where(Log.book_id == book_id, window)
        rows = _rows(s, select(*_COLUMNS).where(
            # "+ 0": not by the (book, date) index, which SQLite otherwise picks and walks
            # through the whole book; by primary key, a range and a few lookups.
            (Transaction.book_id + 0) == book_id,
            or_(Transaction.id > max_id, Transaction.id.in_(logged))))
    gone = sorted({int(e.tx_id) for e in entries
                   if e.book_id == book_id and e.tx_id is not None
                   and e.kind in ("changed", "deleted")})
    return Changes(rows, gone, position, len(entries),
                   tables_changed=any(e.kind == "tables" for e in entries))


def current_position(db: Database) -> LogPosition:
    """The log position now: a full build reads it *before* it reads anything, so entries
    committed while it reads are applied again afterwards (harmless) rather than missed."""
    with _snapshot(db) as (s, xmin):
        return LogPosition(int(s.scalar(select(func.coalesce(func.max(Log.seq), 0))) or 0),
                           xmin)


def read_book(db: Database, book_id: int) -> pa.Table:
    """All of the book's transactions: the full build on databases other than SQLite."""
    with db.read() as s:
        return _rows(s, select(*_COLUMNS).where(Transaction.book_id == book_id))


def prune(db: Database, keep: int = KEEP_ENTRIES) -> int:
    """Delete all but the newest ``keep`` entries once the log holds twice that; returns how
    many went. Best effort: a busy database is left for the next time (logged)."""
    with db.read() as s:
        low, top = s.execute(select(func.min(Log.seq), func.max(Log.seq))).one()
    if top is None or top - low < 2 * keep:
        return 0
    through = int(top) - keep
    try:
        with db.write() as s:
            doomed: ColumnElement[bool] = Log.seq <= through
            if not db.is_sqlite:
                # Only entries of transactions that ended before any still running: see the
                # module docstring (a late committer's entries stay until the next prune).
                doomed = doomed & (Log.xid < s.scalar(_XMIN))
            gone = int(s.execute(delete(Log).where(doomed)).rowcount or 0)  # type: ignore[attr-defined]
            s.execute(insert(Log).values(book_id=None, tx_id=through, kind="pruned",
                                         xid=None if db.is_sqlite else func.txid_current()))
    except (Busy, OperationalError) as exc:
        log.warning("change log not pruned (the database is busy, next time): %s", exc)
        return 0
    log.info("change log pruned: %d entries up to seq %d", gone, through)
    return gone


def _window(since: LogPosition, top: int, *, sqlite: bool) -> ColumnElement[bool]:
    newer = (Log.seq > since.seq) & (Log.seq <= top)
    if sqlite or since.xmin is None:
        return newer
    return or_(newer, Log.xid >= since.xmin)


def _rebuild_reason(entries: Sequence[Any], since: LogPosition, *, sqlite: bool
                    ) -> str | None:
    if any(e.kind == "rates" for e in entries):
        return "exchange rates changed (every converted amount may change)"
    for e in entries:
        # On PostgreSQL a prune this copy has not seen may have taken entries of a writer
        # that was still running at its last read, whatever their sequence numbers.
        if e.kind == "pruned" and (int(e.tx_id) > since.seq or
                                   (not sqlite and int(e.seq) not in since.seen_prunes)):
            return "the change log was pruned past this copy's position"
    return None


@contextmanager
def _snapshot(db: Database) -> Iterator[tuple[Session, int | None]]:
    """A read session that sees one snapshot (REPEATABLE READ on PostgreSQL, whose ``xmin``
    is read first); on SQLite the plain read session, whose windows are exact anyway."""
    with db.read() as s:
        if db.is_sqlite:
            yield s, None
            return
        s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield s, int(s.scalar(_XMIN) or 0)


def _rows(s: Session, query: Select[*tuple[Any, ...]]) -> pa.Table:
    rows = s.execute(query).all()
    columns: list[Sequence[Any]] = (list(zip(*rows, strict=True)) if rows
                                    else [[] for _ in FETCH_SCHEMA])
    return pa.table([pa.array(list(c), type=f.type) for c, f in
                     zip(columns, FETCH_SCHEMA, strict=True)], schema=FETCH_SCHEMA)


def _empty() -> pa.Table:
    return FETCH_SCHEMA.empty_table()
