"""Issue 13, item 3: edits reach the report copy in place, through the change log.

After an edit, a delete, a category merge, a transfer, an import and its undo, or an account
deleted with its transactions, the next report shows it, the store did not rebuild the book
(its counter and its log say so), and the copy equals one built from scratch. Rebuilds happen
only for what the log cannot describe, and say why. On SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import text

from fintrack_core.db.engine import Database
from fintrack_core.imports.service import import_statement, undo_batch
from fintrack_core.ledger import accounts
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger.categories import merge_categories, rename_category
from fintrack_core.ledger.fx import set_rate
from fintrack_core.reports.changes import prune
from fintrack_core.reports.store import report_store
from fintrack_core.reports.summary import monthly_summary
from tests.core.copy_book import CopyBook, current_tables, fresh_tables, make_book

MARCH = dt.date(2024, 3, 1)
STORE_LOG = "fintrack_core.reports.store"


@pytest.fixture
def book(any_db: Database, caplog: pytest.LogCaptureFixture) -> CopyBook:
    """The small book, with its copy built once (that first build is the only one allowed)."""
    made = make_book(any_db)
    report_store(any_db).info(made.owner)
    caplog.set_level(logging.INFO, logger=STORE_LOG)
    caplog.clear()
    return made


def rebuilds_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == STORE_LOG and "rebuilt" in r.getMessage()]


def assert_applied_in_place(book: CopyBook, caplog: pytest.LogCaptureFixture,
                            rebuilds_before: int) -> None:
    store = report_store(book.owner.db)
    assert store.info(book.owner).appended
    assert store.rebuilds == rebuilds_before
    assert rebuilds_logged(caplog) == []
    assert current_tables(book.owner) == fresh_tables(book.owner)


def row_id(book: CopyBook, payee: str) -> int:
    rows = report_store(book.owner.db).rows(book.owner, "SELECT id FROM tx WHERE payee = ?",
                                            [payee])
    return int(rows[0][0])


def test_an_edited_amount_is_in_the_next_report_without_a_rebuild(
        book: CopyBook, caplog: pytest.LogCaptureFixture) -> None:
    before = monthly_summary(book.owner, MARCH).expenses
    rebuilds = report_store(book.owner.db).rebuilds
    tx.update_transaction(book.owner, row_id(book, "REWE"), amount="-70.00")  # was -64.37
    assert monthly_summary(book.owner, MARCH).expenses == before - 563
    assert_applied_in_place(book, caplog, rebuilds)


def test_a_deleted_transaction_leaves_the_next_report_without_a_rebuild(
        book: CopyBook, caplog: pytest.LogCaptureFixture) -> None:
    before = monthly_summary(book.owner, MARCH).expenses
    rebuilds = report_store(book.owner.db).rebuilds
    tx.delete_transaction(book.owner, row_id(book, "Landlord"))  # -850.00
    assert monthly_summary(book.owner, MARCH).expenses == before + 85000
    assert_applied_in_place(book, caplog, rebuilds)


def test_a_category_merge_moves_its_rows_in_the_copy_without_a_rebuild(
        book: CopyBook, caplog: pytest.LogCaptureFixture) -> None:
    store = report_store(book.owner.db)
    rebuilds = store.rebuilds
    merge_categories(book.owner, book.categories["Groceries"], book.categories["Restaurants"])
    assert store.rows(book.owner, "SELECT category_id FROM tx WHERE payee = 'REWE'") == [
        (book.categories["Restaurants"],)]
    assert_applied_in_place(book, caplog, rebuilds)


def test_a_transfer_adds_both_legs_without_a_rebuild(book: CopyBook,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    store = report_store(book.owner.db)
    rows, rebuilds = store.info(book.owner).rows, store.rebuilds
    tx.transfer(book.owner, book.accounts["Girokonto"], book.accounts["Savings"], "25.00",
                dt.date(2024, 3, 20))
    assert store.info(book.owner).rows == rows + 2
    assert_applied_in_place(book, caplog, rebuilds)


def test_an_import_and_its_undo_reach_the_copy_without_a_rebuild(
        book: CopyBook, caplog: pytest.LogCaptureFixture) -> None:
    store = report_store(book.owner.db)
    rows, rebuilds = store.info(book.owner).rows, store.rebuilds
    statement = b"Date,Description,Amount\n2024-03-20,Corner shop,-7.40\n2024-03-21,Kiosk,-2.00\n"
    batch = import_statement(book.owner, statement, "march.csv",
                             [book.accounts["Girokonto"]]).batch_id
    assert batch is not None
    assert store.info(book.owner).rows == rows + 2
    assert undo_batch(book.owner, batch) == 2
    assert store.info(book.owner).rows == rows
    assert_applied_in_place(book, caplog, rebuilds)


def test_an_account_deleted_with_its_transactions_leaves_the_copy_without_a_rebuild(
        book: CopyBook, caplog: pytest.LogCaptureFixture) -> None:
    """The rows go by the database's cascade, which no service code touches: the trigger
    logs them all the same."""
    store = report_store(book.owner.db)
    rebuilds = store.rebuilds
    accounts.delete_account(book.owner, book.accounts["Card"], confirm_transactions=2)
    assert store.rows(book.owner, "SELECT count(*) FROM tx WHERE payee = 'Shell'") == [(0,)]
    assert_applied_in_place(book, caplog, rebuilds)


def test_a_category_whose_kind_changes_reclassifies_its_rows_in_place(
        book: CopyBook, caplog: pytest.LogCaptureFixture) -> None:
    """No service changes a kind today; a trigger logs the category's rows if anything does,
    since each row's ``flow`` comes from its category's kind."""
    store = report_store(book.owner.db)
    rebuilds = store.rebuilds
    with book.owner.db.engine.begin() as conn:
        conn.execute(text("UPDATE categories SET kind = 'income' WHERE id = :id"),
                     {"id": book.categories["Groceries"]})
        conn.execute(text("UPDATE books SET data_version = data_version + 1 WHERE id = :id"),
                     {"id": book.owner.book_id})
    assert store.rows(book.owner, "SELECT flow FROM tx WHERE payee = 'REWE'") == [("income",)]
    assert_applied_in_place(book, caplog, rebuilds)


def test_a_renamed_category_and_a_new_account_reach_the_small_tables_without_a_rebuild(
        book: CopyBook, caplog: pytest.LogCaptureFixture) -> None:
    """Accounts and categories are logged too (an entry for the book), so the
    copy reloads its small tables only when one of them changed."""
    store = report_store(book.owner.db)
    rebuilds = store.rebuilds
    rename_category(book.owner, book.categories["Groceries"], "Supermarket")
    accounts.create_account(book.owner, "Wallet", "cash", "EUR", "20.00", MARCH)
    assert store.rows(book.owner, "SELECT path FROM categories WHERE id = ?",
                      [book.categories["Groceries"]]) == [("Food → Supermarket",)]
    assert store.rows(book.owner, "SELECT count(*) FROM accounts WHERE name = 'Wallet'"
                      ) == [(1,)]
    assert_applied_in_place(book, caplog, rebuilds)


def test_a_rate_change_rebuilds_the_copy_and_logs_why(book: CopyBook,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    store = report_store(book.owner.db)
    rebuilds = store.rebuilds
    set_rate(book.owner, "EUR", "USD", dt.date(2024, 3, 1), "1.25")
    assert not store.info(book.owner).appended
    assert store.rebuilds == rebuilds + 1
    assert [m for m in rebuilds_logged(caplog) if "exchange rates changed" in m]
    assert store.rows(book.owner, "SELECT amount_base FROM tx WHERE amount_minor = -4210"
                      ) == [(-3368,)]  # 42.10 USD / 1.25
    assert current_tables(book.owner) == fresh_tables(book.owner)


def test_a_copy_behind_a_pruned_log_is_rebuilt_and_says_so(
        book: CopyBook, caplog: pytest.LogCaptureFixture) -> None:
    store = report_store(book.owner.db)
    rebuilds = store.rebuilds
    rewe = row_id(book, "REWE")
    for cents in range(1, 13):  # twelve entries the copy has not read
        tx.update_transaction(book.owner, rewe, amount=f"-64.{cents:02d}")
    assert prune(book.owner.db, keep=5) > 0
    assert not store.info(book.owner).appended
    assert store.rebuilds == rebuilds + 1
    assert [m for m in rebuilds_logged(caplog) if "pruned past" in m]
    assert store.rows(book.owner, "SELECT amount_minor FROM tx WHERE id = ?", [rewe]
                      ) == [(-6412,)]


def test_a_small_log_is_left_alone(book: CopyBook) -> None:
    tx.update_transaction(book.owner, row_id(book, "REWE"), amount="-1.00")
    assert prune(book.owner.db, keep=100) == 0


@pytest.mark.postgres
def test_an_edit_committed_after_a_later_one_still_reaches_the_copy_on_postgresql(
        pg: Database) -> None:
    """Writer A logs its edit first (a lower sequence number) but commits after writer B,
    whose edit the copy has already applied; the next report must still see A's edit."""
    book = make_book(pg)
    store = report_store(pg)
    store.info(book.owner)
    rewe, rent = row_id(book, "REWE"), row_id(book, "Landlord")
    with pg.engine.connect() as writer_a:
        writer_a.execute(text("UPDATE transactions SET amount_minor = -7000 WHERE id = :id"),
                         {"id": rewe})  # logged, not committed
        tx.update_transaction(book.owner, rent, amount="-900.00")  # B: logged after, commits
        assert store.rows(book.owner, "SELECT amount_minor FROM tx WHERE id IN (?, ?) "
                                      "ORDER BY id", [rent, rewe]) == [(-90000,), (-6437,)]
        writer_a.execute(text("UPDATE books SET data_version = data_version + 1 "
                              "WHERE id = :id"), {"id": book.owner.book_id})
        writer_a.commit()
    assert store.rows(book.owner, "SELECT amount_minor FROM tx WHERE id = ?", [rewe]
                      ) == [(-7000,)]
    assert store.info(book.owner).appended
    assert current_tables(book.owner) == fresh_tables(book.owner)


def test_every_change_log_trigger_of_revision_0015_exists_at_the_head(any_db: Database) -> None:
    """A later migration that rebuilds a table (SQLite's batch mode copies it) would drop
    its triggers silently, and the copies would go stale: the head must still have them."""
    import importlib.util
    import re
    from pathlib import Path

    import fintrack_core.db

    path = Path(fintrack_core.db.__file__).parent / "migrations" / "versions" / \
        "0015_change_log.py"
    spec = importlib.util.spec_from_file_location("_rev_0015", path)
    assert spec is not None
    assert spec.loader is not None
    rev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rev)
    sqlite = any_db.is_sqlite
    made = "\n".join(rev.SQLITE_TRIGGERS if sqlite else rev.POSTGRES_TRIGGERS)
    wanted = set(re.findall(r"CREATE TRIGGER (\w+)", made))
    listed = ("SELECT name FROM sqlite_master WHERE type = 'trigger'" if sqlite else
              "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
    with any_db.engine.connect() as conn:
        present = set(conn.execute(text(listed)).scalars())
    assert len(wanted) >= 5
    assert wanted <= present, sorted(wanted - present)
