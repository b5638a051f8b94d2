"""Several processes on one database: nothing is lost, doubled or refused without a reason.

Real processes, not threads: the defects these tests pin down (a second SQLite library in the
process dropping its locks, two imports both finding "no duplicates") live between processes.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fintrack_core.access import Scope
from fintrack_core.db import engine as engine_module
from fintrack_core.db.engine import Database
from fintrack_core.db.models import ImportBatch, Transaction
from fintrack_core.errors import Busy
from fintrack_core.imports.service import import_statement
from fintrack_core.ledger import accounts, users
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.books import list_books
from fintrack_core.reports.store import report_store
from fintrack_core.reports.summary import monthly_summary

FINTRACK = str(Path(sys.executable).parent / "fintrack")


def fintrack(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, FINTRACK_DATABASE_URL=url)
    return subprocess.run([FINTRACK, *args], capture_output=True, text=True, env=env,
                          timeout=180, check=False)


def statement(rows: int) -> bytes:
    """A plain CSV statement of ``rows`` distinct payments in 2025."""
    lines = ["Date,Description,Amount"]
    start = dt.date(2025, 1, 1)
    for i in range(rows):
        day = start + dt.timedelta(days=i % 300)
        lines.append(f"{day.isoformat()},Shop {i},-{1 + i % 97}.{i % 100:02d}")
    return ("\n".join(lines) + "\n").encode()


def owner_of(db: Database) -> tuple[Scope, int]:
    alice = users.create_user(db, "alice", "wonderland-42", "Alice", base_currency="EUR")
    scope = Scope(db, alice.id, list_books(db, alice.id)[0].id)
    giro = accounts.create_account(scope, "Giro", "checking", "EUR", "0", dt.date(2024, 1, 1))
    return scope, giro.id


def counts(db: Database) -> tuple[int, int]:
    with db.read() as s:
        return (int(s.scalar(select(func.count(Transaction.id))) or 0),
                int(s.scalar(select(func.count(ImportBatch.id))) or 0))


# --- the report copy never touches the live SQLite file with a second SQLite library ------


def test_a_report_in_this_process_does_not_lose_its_later_writes(db: Database,
                                                                  tmp_path: Path) -> None:
    """The shared/repro scenario through FinTrack's own code: this process builds the report
    copy, another process writes and exits, this process writes again; the other process must
    see that write (before the fix it went into a deleted WAL and vanished)."""
    scope, giro = owner_of(db)
    tx.add_transaction(scope, tx.TransactionInput(giro, dt.date(2025, 3, 1), "-1.00", "A1"))
    monthly_summary(scope, dt.date(2025, 3, 1))  # builds the DuckDB copy of the book
    report_store(db).info(scope)

    url = db.url
    assert fintrack(url, "tx", "add", "--user", "alice", "--account", "Giro",
                    "--amount=-2.00", "--date", "2025-03-02", "--payee", "B1").returncode == 0
    tx.add_transaction(scope, tx.TransactionInput(giro, dt.date(2025, 3, 3), "-3.00", "A2"))

    listed = fintrack(url, "tx", "list", "--user", "alice", "--json")
    assert listed.returncode == 0, listed.stderr
    payees = {row["payee"] for row in json.loads(listed.stdout)["transactions"]}
    assert payees == {"A1", "B1", "A2"}
    assert {p for p in os.listdir(tmp_path) if p.startswith("fintrack.db")} >= {"fintrack.db"}


def test_the_report_copy_is_built_from_a_private_snapshot(db: Database,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever DuckDB attaches is never the live database file."""
    from fintrack_core import duck

    attached: list[Path] = []
    original = duck.attach_sqlite_file

    def spy(con, path, alias):  # type: ignore[no-untyped-def]
        attached.append(Path(path))
        original(con, path, alias)

    monkeypatch.setattr("fintrack_core.reports.store.attach_sqlite_file", spy)
    scope, giro = owner_of(db)
    tx.add_transaction(scope, tx.TransactionInput(giro, dt.date(2025, 3, 1), "-1.00", "A1"))
    summary = monthly_summary(scope, dt.date(2025, 3, 1))
    assert summary.expenses == -100
    live = Path(str(db.engine.url.database)).resolve()
    assert attached
    assert all(p.resolve() != live for p in attached)
    assert not any(p.exists() for p in attached)  # the snapshot is deleted afterwards


# --- concurrent imports -------------------------------------------------------------------


def test_the_same_statement_imported_by_two_processes_at_once_lands_once(
        any_db: Database, tmp_path: Path) -> None:
    _scope, _giro = owner_of(any_db)
    path = tmp_path / "statement.csv"
    path.write_bytes(statement(20_000))
    env = dict(os.environ, FINTRACK_DATABASE_URL=any_db.url)
    cmd = [FINTRACK, "import", str(path), "--account", "Giro", "--user", "alice", "--json"]
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for _ in range(3)]
    outputs = [p.communicate(timeout=300) for p in procs]
    results = [json.loads(out) for out, _err in outputs]

    assert all(p.returncode == 0 for p in procs), [err for _out, err in outputs]
    assert sorted(r["imported"] for r in results) == [0, 0, 20_000]
    assert sorted(r["duplicates"] for r in results) == [0, 20_000, 20_000]
    assert counts(any_db) == (20_000, 1)  # one batch: the runs that added nothing left none


def test_a_reimport_that_adds_nothing_records_no_batch(any_db: Database) -> None:
    scope, giro = owner_of(any_db)
    data = statement(50)
    first = import_statement(scope, data, "march.csv", [giro])
    again = import_statement(scope, data, "march.csv", [giro])

    assert (first.imported, again.imported, again.duplicates) == (50, 0, 50)
    assert first.batch_id is not None
    assert again.batch_id is None
    assert counts(any_db) == (50, 1)


# --- writers wait for each other within a bound; readers never wait -----------------------


def hold_write_lock(path: str) -> sqlite3.Connection:
    """Another connection holding SQLite's write lock, as a long import does."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO fx_rates (base, quote, date, rate, source) "
                  "VALUES ('EUR', 'USD', '2025-01-01', '1.1', 'manual')")
    return other


def test_a_writer_waits_for_another_and_then_succeeds(db: Database) -> None:
    scope, giro = owner_of(db)
    other = hold_write_lock(str(db.engine.url.database))
    threading.Timer(1.0, other.commit).start()
    started = time.monotonic()

    t = tx.add_transaction(scope, tx.TransactionInput(giro, dt.date(2025, 3, 1), "-1.00", "X"))

    assert time.monotonic() - started >= 0.9
    assert t.id is not None
    other.close()


def test_a_writer_gives_up_with_a_plain_message_after_the_bound(
        db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    scope, giro = owner_of(db)
    monkeypatch.setattr(engine_module, "WRITE_WAIT_S", 1.5)
    other = hold_write_lock(str(db.engine.url.database))
    before = counts(db)
    started = time.monotonic()
    try:
        with pytest.raises(Busy, match="busy with another import"):
            tx.add_transaction(scope, tx.TransactionInput(giro, dt.date(2025, 3, 1), "-1.00"))
        assert 1.4 <= time.monotonic() - started < 8
    finally:
        other.rollback()
        other.close()
    assert counts(db) == before


def test_readers_and_reports_never_fail_while_a_writer_holds_the_lock(db: Database) -> None:
    scope, giro = owner_of(db)
    tx.add_transaction(scope, tx.TransactionInput(giro, dt.date(2025, 3, 1), "-1.00", "Seen"))
    other = hold_write_lock(str(db.engine.url.database))
    other.execute(f"INSERT INTO transactions (book_id, account_id, date, amount_minor, currency,"
                  f" payee, description, tags) VALUES ({scope.book_id}, {giro}, '2025-03-02',"
                  f" -500, 'EUR', 'Uncommitted', '', '')")
    try:
        for _ in range(5):
            assert monthly_summary(scope, dt.date(2025, 3, 1)).expenses == -100
            assert accounts.balances(scope) == {giro: -100}
    finally:
        other.rollback()
        other.close()
