"""A fresh process reads the book's saved report copy back and catches it up from the change
log instead of building it; a saved copy that is not the database's current book is never
used (``fintrack_core.reports.copy_file``)."""

from __future__ import annotations

import datetime as dt
import stat
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from fintrack_core.access import Scope
from fintrack_core.db.engine import Database
from fintrack_core.db.models import Transaction
from fintrack_core.errors import PermissionDenied
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger import users
from fintrack_core.reports.copy_file import copies_dir
from fintrack_core.reports.memo import clear_memo
from fintrack_core.reports.store import ReportStore
from fintrack_core.reports.summary import monthly_summary
from tests.core.copy_book import copy_tables, fresh_tables
from tests.core.reports.conftest import ReportBook

MARCH = dt.date(2024, 3, 1)


def saved_by_a_first_process(book: ReportBook) -> ReportStore:
    """A process builds the copy (its first report) and saves it on its way."""
    first = ReportStore(book.db)
    first.info(book.owner)
    first.wait_saved()
    return first


def test_the_next_process_reads_the_saved_copy_instead_of_building_it(
        report_book: ReportBook) -> None:
    saved_by_a_first_process(report_book)
    later = ReportStore(report_book.db)
    assert copy_tables(later, report_book.owner) == fresh_tables(report_book.owner)
    assert (later.restores, later.rebuilds) == (1, 0)


def test_writes_after_the_save_are_caught_up_from_the_log(report_book: ReportBook) -> None:
    saved_by_a_first_process(report_book)
    added = tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], dt.date(2024, 3, 30), "-40.00", "Bookshop",
        category_id=report_book.categories["Hobbies"]))
    tx.update_transaction(report_book.owner, added.id, amount="-45.00")
    with report_book.db.read() as s:
        first_rent = s.scalar(select(func.min(Transaction.id)).where(
            Transaction.book_id == report_book.owner.book_id, Transaction.payee == "Landlord"))
    assert first_rent is not None
    tx.delete_transaction(report_book.owner, first_rent)
    later = ReportStore(report_book.db)
    assert copy_tables(later, report_book.owner) == fresh_tables(report_book.owner)
    assert (later.restores, later.rebuilds) == (1, 0)


def test_the_summary_from_a_saved_copy_is_the_same_to_the_cent(report_book: ReportBook,
                                                               monkeypatch: pytest.MonkeyPatch
                                                               ) -> None:
    built = monthly_summary(report_book.owner, MARCH)
    saved_by_a_first_process(report_book)
    later = ReportStore(report_book.db)
    monkeypatch.setattr("fintrack_core.reports.store._STORES", {report_book.db.url: later})
    clear_memo()
    again = monthly_summary(report_book.owner, MARCH)
    assert (again.income, again.expenses) == (built.income, built.expenses) == (320000, -129448)
    assert again.by_category.equals(built.by_category)
    assert later.restores == 1


def test_a_restored_book_is_built_again_not_read_back(report_book: ReportBook) -> None:
    saved_by_a_first_process(report_book)
    with report_book.db.write() as s:  # what fintrack backup restore does to the versions
        s.execute(text("UPDATE books SET rewrite_version = rewrite_version + 1, "
                       "data_version = data_version + 1 WHERE id = :b"),
                  {"b": report_book.owner.book_id})
    later = ReportStore(report_book.db)
    later.info(report_book.owner)
    assert (later.restores, later.rebuilds) == (0, 1)


def test_a_copy_that_disagrees_with_the_database_is_thrown_away(
        report_book: ReportBook, caplog: pytest.LogCaptureFixture) -> None:
    saved_by_a_first_process(report_book)
    # The newest row changed behind the change log's back (its trigger dropped): only the
    # comparison with the database can tell.
    with report_book.db.write() as s:
        s.execute(text("DROP TRIGGER change_log_tx_update"))
        s.execute(text("UPDATE transactions SET amount_minor = amount_minor - 1 "
                       "WHERE id = (SELECT max(id) FROM transactions WHERE book_id = :b)"),
                  {"b": report_book.owner.book_id})
    later = ReportStore(report_book.db)
    with caplog.at_level("INFO", logger="fintrack_core.reports.store"):
        later.info(report_book.owner)
    assert (later.restores, later.rebuilds) == (1, 1)
    assert "the saved copy did not match the database: transaction" in caplog.text
    assert copy_tables(later, report_book.owner) == fresh_tables(report_book.owner)
    folder = copies_dir(report_book.db.url)
    assert folder is not None
    assert not list(folder.glob(".b*.pin.*.parquet"))  # the rejected copy's pin let go


def test_a_damaged_file_is_logged_and_the_book_built(report_book: ReportBook,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    saved_by_a_first_process(report_book)
    folder = copies_dir(report_book.db.url)
    assert folder is not None
    (folder / f"b{report_book.owner.book_id}.parquet").write_bytes(b"PAR1 not really")
    later = ReportStore(report_book.db)
    with caplog.at_level("WARNING"):
        assert later.info(report_book.owner).rows == 26  # 18 rows, two legs of 4 transfers
    assert (later.restores, later.rebuilds) == (0, 1)
    assert "not read" in caplog.text


def test_another_book_of_the_same_id_in_another_database_is_not_read(
        report_book: ReportBook, tmp_path: Path) -> None:
    saved_by_a_first_process(report_book)
    other = Database(f"sqlite:///{tmp_path / 'other.db'}")
    assert copies_dir(other.url) != copies_dir(report_book.db.url)


def test_the_saved_copy_is_private_to_its_owner(report_book: ReportBook) -> None:
    saved_by_a_first_process(report_book)
    folder = copies_dir(report_book.db.url)
    assert folder is not None
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / f"b{report_book.owner.book_id}.parquet").stat().st_mode) \
        == 0o600


def test_saving_can_be_turned_off(report_book: ReportBook, monkeypatch: pytest.MonkeyPatch
                                  ) -> None:
    monkeypatch.setenv("FINTRACK_COPY_DIR", "off")
    saved_by_a_first_process(report_book)
    later = ReportStore(report_book.db)
    later.info(report_book.owner)
    assert (later.restores, later.rebuilds) == (0, 1)
    assert copies_dir(report_book.db.url) is None


def test_a_non_member_is_refused_before_any_saved_copy_is_read(report_book: ReportBook
                                                                ) -> None:
    saved_by_a_first_process(report_book)
    later = ReportStore(report_book.db)
    carol = users.create_user(report_book.db, "carol", "xmas-songs-3", "Carol",
                              acting_user_id=report_book.owner.user_id)
    with pytest.raises(PermissionDenied, match="not a member of this book"):
        later.info(Scope(report_book.db, carol.id, report_book.owner.book_id))
    assert later.restores == 0


def tx_is_a_view(store: ReportStore, book: ReportBook) -> bool:
    return bool(store.rows(book.owner, "SELECT count(*) FROM duckdb_views() "
                                       "WHERE view_name = 'tx'")[0][0])


def test_a_book_with_nothing_to_catch_up_is_read_in_place_until_it_changes(
        report_book: ReportBook) -> None:
    saved_by_a_first_process(report_book)
    later = ReportStore(report_book.db)
    assert later.info(report_book.owner).pinned is not None
    assert tx_is_a_view(later, report_book)  # no row loaded: the file is read
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], dt.date(2024, 3, 30), "-40.00", "Bookshop"))
    assert later.info(report_book.owner).pinned is None
    assert not tx_is_a_view(later, report_book)
    assert copy_tables(later, report_book.owner) == fresh_tables(report_book.owner)
    assert (later.restores, later.rebuilds) == (1, 0)


def test_a_copy_read_in_place_keeps_its_file_when_another_process_saves_anew(
        report_book: ReportBook) -> None:
    saved_by_a_first_process(report_book)
    reading = ReportStore(report_book.db)
    rows = reading.info(report_book.owner).rows
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], dt.date(2024, 3, 30), "-40.00", "Bookshop"))
    other = ReportStore(report_book.db)  # builds nothing: loads, catches up ...
    other.info(report_book.owner)
    other._save_later(report_book.owner.book_id)  # ... and saves the newer copy
    other.wait_saved()
    # What the first process reads is still the file it checked, whatever replaced it
    # (looked at directly: a report would catch up first).
    cur = reading.con.cursor()
    cur.execute(f"SET schema = 'b{report_book.owner.book_id}'")
    assert cur.execute("SELECT count(*) FROM tx").fetchone() == (rows,)
    assert copy_tables(reading, report_book.owner) == fresh_tables(report_book.owner)


def test_pins_of_processes_that_ended_are_dropped(report_book: ReportBook) -> None:
    saved_by_a_first_process(report_book)
    folder = copies_dir(report_book.db.url)
    assert folder is not None
    dead = folder / f".b1.pin.{2**22 + 7}.0123.parquet"  # no such process
    dead.write_bytes(b"left behind")
    reading = ReportStore(report_book.db)
    reading.info(report_book.owner)
    assert not dead.exists()
    assert len(list(folder.glob(".b*.pin.*.parquet"))) == 1  # this process's own


def test_a_lagging_saved_copy_is_saved_again_once_caught_up(report_book: ReportBook) -> None:
    saved_by_a_first_process(report_book)
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], dt.date(2024, 3, 30), "-40.00", "Bookshop"))
    catching_up = ReportStore(report_book.db)
    assert catching_up.info(report_book.owner).pinned is None  # loaded: it had to change
    catching_up.wait_saved()
    third = ReportStore(report_book.db)
    assert third.info(report_book.owner).pinned is not None  # read in place
    assert copy_tables(third, report_book.owner) == fresh_tables(report_book.owner)


def test_a_copy_is_saved_once_the_book_has_been_quiet(report_book: ReportBook,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fintrack_core.reports.store_saved.SAVE_WHEN_QUIET_S", 0.2)
    running = saved_by_a_first_process(report_book)
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], dt.date(2024, 3, 30), "-40.00", "Bookshop"))
    running.info(report_book.owner)  # catches up; the save waits for quiet
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not running._save_threads:
        time.sleep(0.05)
    running.wait_saved()
    next_process = ReportStore(report_book.db)
    assert next_process.info(report_book.owner).pinned is not None
    assert copy_tables(next_process, report_book.owner) == fresh_tables(report_book.owner)


def test_a_process_that_keeps_running_loads_a_copy_read_in_place(
        report_book: ReportBook, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("fintrack_core.reports.store_saved.LOAD_IN_PLACE_AFTER_S", 0.1)
    saved_by_a_first_process(report_book)
    dashboard = ReportStore(report_book.db)
    assert dashboard.info(report_book.owner).pinned is not None
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and dashboard.info(report_book.owner).pinned:
        time.sleep(0.05)
    assert not tx_is_a_view(dashboard, report_book)
    assert copy_tables(dashboard, report_book.owner) == fresh_tables(report_book.owner)
    assert (dashboard.restores, dashboard.rebuilds) == (1, 0)
