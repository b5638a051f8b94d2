"""The report copy stays current: inserts are appended, other writes rebuild it."""

from __future__ import annotations

import datetime as dt

from fintrack_core.ledger import transactions as tx
from fintrack_core.reports.store import report_store
from fintrack_core.reports.summary import monthly_summary
from tests.core.reports.conftest import ReportBook

MARCH = dt.date(2024, 3, 1)


def test_a_new_transaction_is_appended_not_rebuilt(report_book: ReportBook) -> None:
    store = report_store(report_book.db)
    before = store.info(report_book.owner)
    expenses = monthly_summary(report_book.owner, MARCH).expenses
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], dt.date(2024, 3, 30), "-40.00", "Bookshop",
        category_id=report_book.categories["Hobbies"]))
    after = store.info(report_book.owner)
    assert after.appended
    assert after.rows == before.rows + 1
    assert monthly_summary(report_book.owner, MARCH).expenses == expenses - 4000


def test_a_usd_transaction_appended_is_converted_like_the_rest(report_book: ReportBook
                                                               ) -> None:
    store = report_store(report_book.db)
    store.info(report_book.owner)
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["US Checking"], dt.date(2024, 3, 21), "-0.09", "Gum",
        category_id=report_book.categories["Groceries"]))
    assert store.info(report_book.owner).appended
    rows = store.query(report_book.owner,
                       "SELECT amount_base, flow FROM tx WHERE payee = 'Gum'")
    # 0.09 USD / 1.20 = 0.075 EUR -> half-even -> 0.08
    assert (int(rows["amount_base"][0]), rows["flow"][0]) == (-8, "expense")


def test_an_edit_or_delete_rebuilds_the_copy(report_book: ReportBook) -> None:
    store = report_store(report_book.db)
    store.info(report_book.owner)
    added = tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], dt.date(2024, 3, 30), "-40.00", "Bookshop"))
    tx.update_transaction(report_book.owner, added.id, amount="-45.00")
    info = store.info(report_book.owner)
    assert not info.appended
    assert int(store.query(report_book.owner, "SELECT amount_minor FROM tx WHERE payee = "
                                              "'Bookshop'")["amount_minor"][0]) == -4500
    tx.delete_transaction(report_book.owner, added.id)
    assert not store.info(report_book.owner).appended
    assert store.query(report_book.owner,
                       "SELECT count(*) AS n FROM tx WHERE payee = 'Bookshop'")["n"][0] == 0


def test_a_transfer_appends_both_legs(report_book: ReportBook) -> None:
    store = report_store(report_book.db)
    before = store.info(report_book.owner)
    tx.transfer(report_book.owner, report_book.accounts["Girokonto"],
                report_book.accounts["Savings"], "10.00", dt.date(2024, 3, 29))
    after = store.info(report_book.owner)
    assert after.appended
    assert after.rows == before.rows + 2
