"""Issue 13, item 3, as a property: whatever sequence of inserts, edits, deletes, category
merges and renames, transfers, imports and import undos a book goes through, with reports
read at any points in between, the report copy kept current by the change log equals a copy
built from scratch, table by table and row by row, and it was never rebuilt on the way. On
SQLite and on PostgreSQL.

Operations that the ledger refuses (a transfer's amount edited, a merge into a sub-category)
are part of the property too: they roll back, and so do the log entries they wrote.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from fintrack_core.db.engine import Database
from fintrack_core.db.models import Transaction
from fintrack_core.errors import FinTrackError
from fintrack_core.imports.service import import_statement, list_batches, undo_batch
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.categories import (
    list_categories,
    merge_categories,
    rename_category,
)
from fintrack_core.reports.store import ReportStore, report_store
from tests.core.copy_book import CopyBook, copy_tables, current_tables, fresh_tables, make_book

ACCOUNTS = ("Girokonto", "Savings", "Card")
days = st.integers(1, 28).map(lambda d: dt.date(2024, 3, d))
cents = st.integers(-90_000, 90_000).filter(bool)
pick = st.integers(0, 1_000)  # an index into whatever exists when the step runs

OPERATIONS = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(ACCOUNTS), days, cents, pick),
    st.tuples(st.just("edit"), pick, st.sampled_from(("amount", "date", "category", "payee")),
              cents),
    st.tuples(st.just("delete"), pick),
    st.tuples(st.just("merge"), pick, pick),
    st.tuples(st.just("rename"), pick),
    st.tuples(st.just("transfer"), st.sampled_from(ACCOUNTS), st.sampled_from(ACCOUNTS),
              st.integers(1, 50_000), days),
    st.tuples(st.just("import"), st.integers(1, 3), days),
    st.tuples(st.just("undo"), pick),
    st.just(("report",)),
)


def transaction_ids(book: CopyBook) -> list[int]:
    with book.owner.db.read() as s:
        return list(s.scalars(select(Transaction.id).where(
            Transaction.book_id == book.owner.book_id).order_by(Transaction.id)))


def category_ids(book: CopyBook, *, kind: str | None = None) -> list[int]:
    return [c.id for c in list_categories(book.owner) if kind in (None, c.kind.value)]


def run(book: CopyBook, step: tuple[Any, ...], serial: int) -> None:
    owner = book.owner
    name = step[0]
    if name == "add":
        _, account, day, amount, category = step
        choices = [None, *category_ids(book)]
        tx.add_transaction(owner, tx.TransactionInput(
            book.accounts[account], day, amount, f"Payee {serial}",
            category_id=choices[category % len(choices)]))
    elif name == "edit":
        _, which, field, value = step
        ids = transaction_ids(book)
        if ids:
            cats = category_ids(book)
            changes: dict[str, object] = {
                "amount": {"amount": value},
                "date": {"date": dt.date(2024, 3, 1) + dt.timedelta(days=abs(value) % 60)},
                "category": {"category_id": cats[abs(value) % len(cats)]},
                "payee": {"payee": f"Edited {value}"}}[field]
            tx.update_transaction(owner, ids[which % len(ids)], **changes)
    elif name == "delete":
        ids = transaction_ids(book)
        if ids:
            tx.delete_transaction(owner, ids[step[1] % len(ids)])
    elif name == "merge":
        cats = category_ids(book, kind="expense")
        merge_categories(owner, cats[step[1] % len(cats)], cats[step[2] % len(cats)])
    elif name == "rename":
        cats = category_ids(book)
        rename_category(owner, cats[step[1] % len(cats)], f"Renamed {serial}")
    elif name == "transfer":
        _, src, dst, amount, day = step
        tx.transfer(owner, book.accounts[src], book.accounts[dst], amount, day)
    elif name == "import":
        _, count, day = step
        lines = [f"{day.isoformat()},Shop {serial}-{i},-{i + 1}.{serial % 100:02d}"
                 for i in range(count)]
        import_statement(owner, ("Date,Description,Amount\n" + "\n".join(lines) + "\n")
                         .encode(), f"statement-{serial}.csv", [book.accounts["Girokonto"]])
    elif name == "undo":
        batches = list_batches(owner)
        if batches:
            undo_batch(owner, batches[step[1] % len(batches)].id)
    else:
        report_store(owner.db).info(owner)


def check_the_copy_follows(db: Database, steps: list[tuple[Any, ...]]) -> None:
    book = make_book(db)
    store = report_store(db)
    store.info(book.owner)  # the first build; from here on only the log may be applied
    rebuilds = store.rebuilds
    for serial, step in enumerate(steps):
        with contextlib.suppress(FinTrackError):  # refused, rolled back: nothing to copy
            run(book, step, serial)
    assert current_tables(book.owner) == fresh_tables(book.owner)
    assert store.rebuilds == rebuilds


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(OPERATIONS, min_size=1, max_size=12))
def test_the_copy_after_any_writes_equals_a_fresh_build(any_db: Database,
                                                        steps: list[tuple[Any, ...]]) -> None:
    check_the_copy_follows(any_db, steps)


def check_a_saved_copy_follows(db: Database, steps: list[tuple[Any, ...]]) -> None:
    book = make_book(db)
    first = ReportStore(db)  # one process: builds the copy and saves it
    first.info(book.owner)
    first.wait_saved()
    reading = ReportStore(db)  # a process started now reads the saved copy in place
    reading.info(book.owner)
    for serial, step in enumerate(steps):
        with contextlib.suppress(FinTrackError):
            run(book, step, serial)
    report_store(db).wait_saved()  # a "report" step's process may have saved a newer one
    later = ReportStore(db)  # the next process: reads it back and catches up
    fresh = fresh_tables(book.owner)
    assert copy_tables(later, book.owner) == fresh
    assert (later.restores, later.rebuilds) == (1, 0)
    # The one that read it in place loads it at the first change and catches up too.
    assert copy_tables(reading, book.owner) == fresh
    assert (reading.restores, reading.rebuilds) == (1, 0)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(OPERATIONS, min_size=1, max_size=12))
def test_a_saved_copy_read_back_after_any_writes_equals_a_fresh_build(
        any_db: Database, steps: list[tuple[Any, ...]]) -> None:
    check_a_saved_copy_follows(any_db, steps)
