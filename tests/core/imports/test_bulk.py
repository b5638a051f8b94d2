"""The import's bulk write (``imports.bulk``): through a TEMP staging table on SQLite, the rows
land exactly as a plain INSERT would store them, in account/date order, and the staging table
never outlives the transaction, whether the import succeeds or fails half-way.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, text

from fintrack_core.db.models import Transaction
from fintrack_core.imports import batch_write, bulk
from fintrack_core.imports.service import import_statement
from fintrack_core.ledger import accounts

STATEMENT = (b"Date,Payee,Description,Amount\n"
             b"2024-03-05,Bakery,,-3.20\n"
             b"2024-03-01,REWE,Weekly shop,-54.10\n"
             b"2024-03-05,Bakery,,-3.20\n"
             b"2024-03-02,Employer,Salary March,2500.00\n")


@pytest.fixture
def writer(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The DB-API connections the import wrote through (they stay open in the pool)."""
    used: list[Any] = []
    real = bulk.insert_rows

    def recording(raw: Any, *args: Any) -> None:
        used.append(raw)
        real(raw, *args)

    monkeypatch.setattr(batch_write, "insert_rows", recording)
    return used


def stage_tables(raw: Any) -> list[str]:
    """TEMP tables left on a connection."""
    return [r[0] for r in raw.execute("SELECT name FROM sqlite_temp_master WHERE type='table'")]


def test_rows_are_stored_in_date_order_with_their_values(small_book: Any,
                                                         writer: list[Any]) -> None:
    acc = accounts.create_account(small_book.owner, "Bulk", "checking", "EUR", "0",
                                  dt.date(2024, 1, 1))

    result = import_statement(small_book.owner, STATEMENT, "march.csv", [acc.id])

    with small_book.db.read() as s:
        rows = s.execute(select(Transaction.date, Transaction.amount_minor, Transaction.currency,
                                Transaction.payee, Transaction.description,
                                Transaction.category_id, Transaction.import_batch_id,
                                Transaction.book_id)
                         .where(Transaction.account_id == acc.id).order_by(Transaction.id)).all()
        stored_dates = s.execute(text("SELECT DISTINCT typeof(date), length(date) FROM "
                                      "transactions WHERE account_id = :a"), {"a": acc.id}).all()
    batch, book = result.batch_id, small_book.owner.book_id
    assert rows == [
        (dt.date(2024, 3, 1), -5410, "EUR", "REWE", "Weekly shop", None, batch, book),
        (dt.date(2024, 3, 2), 250000, "EUR", "Employer", "Salary March", None, batch, book),
        (dt.date(2024, 3, 5), -320, "EUR", "Bakery", "", None, batch, book),
        (dt.date(2024, 3, 5), -320, "EUR", "Bakery", "", None, batch, book),
    ]
    assert stored_dates == [("text", 10)]  # 'YYYY-MM-DD', as SQLAlchemy writes a date
    assert len(writer) == 1
    assert stage_tables(writer[0]) == []


def test_a_failure_half_way_leaves_no_rows_and_no_staging_table(
        small_book: Any, writer: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    acc = accounts.create_account(small_book.owner, "Bulk", "checking", "EUR", "0",
                                  dt.date(2024, 1, 1))
    monkeypatch.setattr(batch_write, "INSERT_CHUNK", 2)

    def fail_after_first_chunk(phase: str, done: int, total: int) -> None:
        if phase == "writing" and done == 2:
            raise RuntimeError("power cut")

    with pytest.raises(RuntimeError, match="power cut"):
        import_statement(small_book.owner, STATEMENT, "march.csv", [acc.id],
                         progress=fail_after_first_chunk)

    assert stage_tables(writer[0]) == []  # rolled back with the rest
    again = import_statement(small_book.owner, STATEMENT, "march.csv", [acc.id])
    assert (again.imported, again.duplicates) == (4, 0)  # nothing of the failed run stayed
