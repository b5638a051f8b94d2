"""The report copy stays current: inserts are appended, edits and deletes applied from the
change log (more in test_copy_changes.py)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import text

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.errors import PermissionDenied
from fintrack_core.ledger import accounts, books, users
from fintrack_core.ledger import transactions as tx
from fintrack_core.reports.store import ReportTimeout, report_store
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


def test_an_edit_or_delete_is_applied_in_place_without_a_rebuild(report_book: ReportBook
                                                                 ) -> None:
    store = report_store(report_book.db)
    store.info(report_book.owner)
    rebuilds = store.rebuilds
    added = tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], dt.date(2024, 3, 30), "-40.00", "Bookshop"))
    tx.update_transaction(report_book.owner, added.id, amount="-45.00")
    info = store.info(report_book.owner)
    assert info.appended
    assert int(store.query(report_book.owner, "SELECT amount_minor FROM tx WHERE payee = "
                                              "'Bookshop'")["amount_minor"][0]) == -4500
    tx.delete_transaction(report_book.owner, added.id)
    assert store.info(report_book.owner).appended
    assert store.query(report_book.owner,
                       "SELECT count(*) AS n FROM tx WHERE payee = 'Bookshop'")["n"][0] == 0
    assert store.rebuilds == rebuilds


def test_a_transfer_appends_both_legs(report_book: ReportBook) -> None:
    store = report_store(report_book.db)
    before = store.info(report_book.owner)
    tx.transfer(report_book.owner, report_book.accounts["Girokonto"],
                report_book.accounts["Savings"], "10.00", dt.date(2024, 3, 29))
    after = store.info(report_book.owner)
    assert after.appended
    assert after.rows == before.rows + 2


@pytest.mark.postgres
def test_a_row_committed_after_a_higher_id_still_reaches_the_copy_on_postgresql(
        pg: Database) -> None:
    """Sequences are not commit-ordered: writer A draws the lower id but commits after writer
    B, whose row the report has already appended. A's row must not be skipped for good."""
    alice = users.create_user(pg, "alice", "wonderland-42", base_currency="EUR")
    scope = Scope(pg, alice.id, books.list_books(pg, alice.id)[0].id)
    account = accounts.create_account(scope, "Girokonto", "checking", "EUR", "0",
                                      dt.date(2024, 1, 1))
    store = report_store(pg)
    store.info(scope)  # the copy exists; later reports append
    with pg.engine.connect() as writer_a:
        a_id = writer_a.execute(text(
            "INSERT INTO transactions (book_id, account_id, date, amount_minor, currency, "
            "payee, description, notes, tags, scheduled) VALUES (:book, :acc, '2024-03-02', "
            "-700, 'EUR', 'A', '', '', '', false) RETURNING id"),
            {"book": scope.book_id, "acc": account.id}).scalar_one()  # still uncommitted
        b = tx.add_transaction(scope, tx.TransactionInput(account.id, dt.date(2024, 3, 3),
                                                          "-5.00", "B"))
        assert b.id > a_id
        seen = store.info(scope)
        assert seen.appended
        assert seen.rows == 1  # B only: A is not committed yet
        writer_a.execute(text("UPDATE books SET data_version = data_version + 1 "
                              "WHERE id = :book"), {"book": scope.book_id})
        writer_a.commit()
    after = store.info(scope)
    assert after.rows == 2
    assert monthly_summary(scope, MARCH).expenses == -(700 + 500)


# --- the work around each report call (issue 13, item 4) ----------------------------------


def test_every_report_call_checks_the_role_even_on_a_warm_copy(report_book: ReportBook
                                                                 ) -> None:
    """The copy being current never skips the role check: a member removed a moment ago is
    refused on the next call, and a book that does not exist gets the same answer."""
    store = report_store(report_book.db)
    assert store.rows(report_book.viewer, "SELECT count(*) FROM tx")[0][0] > 0
    books.remove_member(report_book.owner, report_book.viewer.user_id)
    with pytest.raises(PermissionDenied, match="not a member of this book"):
        store.rows(report_book.viewer, "SELECT count(*) FROM tx")
    missing = Scope(report_book.db, report_book.owner.user_id, 999_999)
    with pytest.raises(PermissionDenied, match="not a member of this book"):
        store.query(missing, "SELECT 1")


def test_a_query_past_its_time_limit_is_stopped_and_the_next_one_runs(
        report_book: ReportBook) -> None:
    store = report_store(report_book.db)
    slow = "SELECT count(*) FROM range(10000000000) a"  # minutes, never finishes in time
    with pytest.raises(ReportTimeout, match="took longer than"):
        store.query(report_book.owner, slow, limit_s=0.2)
    assert store.rows(report_book.owner, "SELECT 1")[0][0] == 1


def test_each_thread_reads_its_own_book_through_its_own_cursor(report_book: ReportBook
                                                                ) -> None:
    """Cursors are kept per thread and book: two books read in turn from two threads each
    see only their own rows."""
    store = report_store(report_book.db)
    own = store.rows(report_book.owner, "SELECT count(*) FROM tx")[0][0]
    other = store.rows(report_book.stranger, "SELECT count(*) FROM tx")[0][0]
    seen: dict[str, int] = {}

    def read(name: str, scope: Scope) -> None:
        for _ in range(20):
            seen[name] = store.rows(scope, "SELECT count(*) FROM tx")[0][0]

    threads = [threading.Thread(target=read, args=("own", report_book.owner)),
               threading.Thread(target=read, args=("other", report_book.stranger))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"own": own, "other": other}
    assert own != other
