"""Revision 0016: on PostgreSQL the change log's ``xid`` has an index, and the report copy's
catch-up window (``seq`` range OR ``xid >= xmin``) is answered through it, not by scanning
the log; SQLite, which never writes or reads ``xid``, has none."""

from __future__ import annotations

from sqlalchemy import inspect, or_, select, text

from fintrack_core.db.engine import Database
from fintrack_core.db.models import ChangeLogEntry as Log
from fintrack_core.reports.changes import LogPosition, _window


def xid_indexes(db: Database) -> list[str]:
    return [i["name"] for i in inspect(db.engine).get_indexes("change_log")
            if i["column_names"] == ["xid"] and i["name"] is not None]


def test_the_change_log_xid_index_exists_at_the_head_on_postgresql(pg: Database) -> None:
    assert xid_indexes(pg) == ["ix_change_log_xid"]


def test_the_catch_up_window_of_a_busy_log_reads_the_xid_index(pg: Database) -> None:
    """One household's book: 50,000 entries, each a transaction of its own; the copy stands
    at seq 49,990 and the oldest writer then running was 50,995. Its next window wants the
    last ten entries and any of a late committer: a few rows, not the book's whole log."""
    with pg.engine.begin() as conn:
        conn.execute(text("INSERT INTO change_log (book_id, tx_id, kind, xid) "
                          "SELECT 7, n, 'changed', 1000 + n FROM generate_series(1, 50000) n"))
        conn.execute(text("ANALYZE change_log"))
    entries = select(Log.seq, Log.book_id, Log.tx_id, Log.kind).where(
        or_(Log.book_id == 7, Log.book_id.is_(None)),
        _window(LogPosition(seq=49_990, xmin=50_995), 50_000, sqlite=False))
    sql = str(entries.compile(pg.engine, compile_kwargs={"literal_binds": True}))
    with pg.engine.connect() as conn:
        plan = "\n".join(conn.execute(text(f"EXPLAIN {sql}")).scalars())
        assert len(conn.execute(text(sql)).all()) == 10
    assert "ix_change_log_xid" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_sqlite_has_no_xid_index(db: Database) -> None:
    assert xid_indexes(db) == []
