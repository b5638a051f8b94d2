"""A report asked again of the same data is answered from memory, never stale and never to a
non-member (``fintrack_core.reports.memo``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from sqlalchemy import select

from fintrack_core.access import Scope
from fintrack_core.db.models import Book
from fintrack_core.errors import PermissionDenied
from fintrack_core.ledger import transactions as tx
from fintrack_core.ledger import users
from fintrack_core.prices.cache import store_market_rates
from fintrack_core.reports.categories import category_breakdown
from fintrack_core.reports.store import ReportStore, forget_report_store
from fintrack_core.reports.summary import monthly_summary
from tests.core.reports.conftest import ReportBook

MARCH = dt.date(2024, 3, 1)


def count_queries(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement a report runs on the copy, as it runs."""
    ran: list[str] = []
    for name in ("query", "rows", "first_row"):
        original = getattr(ReportStore, name)

        def spy(self: ReportStore, scope: Any, sql: str, *args: Any, _o: Any = original,
                **kwargs: Any) -> Any:
            ran.append(sql)
            return _o(self, scope, sql, *args, **kwargs)
        monkeypatch.setattr(ReportStore, name, spy)
    return ran


def test_the_same_summary_of_the_same_data_runs_no_second_query(
        report_book: ReportBook, monkeypatch: pytest.MonkeyPatch) -> None:
    ran = count_queries(monkeypatch)
    first = monthly_summary(report_book.owner, MARCH)
    queries = len(ran)
    again = monthly_summary(report_book.owner, MARCH)
    assert len(ran) == queries
    assert (again.income, again.expenses) == (first.income, first.expenses) == (320000, -129448)
    assert again.by_category.equals(first.by_category)


def test_a_member_with_another_role_gets_the_remembered_answer_too(
        report_book: ReportBook) -> None:
    owner_sees = monthly_summary(report_book.owner, MARCH)
    viewer_sees = monthly_summary(report_book.viewer, MARCH)
    assert viewer_sees.expenses == owner_sees.expenses


def test_a_remembered_answer_is_never_handed_to_a_non_member(report_book: ReportBook) -> None:
    monthly_summary(report_book.owner, MARCH)
    carol = users.create_user(report_book.db, "carol", "xmas-songs-3", "Carol",
                              acting_user_id=report_book.owner.user_id)
    carol_in_alices_book = Scope(report_book.db, carol.id, report_book.owner.book_id)
    with pytest.raises(PermissionDenied, match="not a member of this book"):
        monthly_summary(carol_in_alices_book, MARCH)


def test_an_edit_is_seen_by_the_next_summary(report_book: ReportBook) -> None:
    before = monthly_summary(report_book.owner, MARCH).expenses
    tx.add_transaction(report_book.owner, tx.TransactionInput(
        report_book.accounts["Girokonto"], dt.date(2024, 3, 30), "-40.00", "Bookshop",
        category_id=report_book.categories["Hobbies"]))
    assert monthly_summary(report_book.owner, MARCH).expenses == before - 4000


def test_changing_a_returned_frame_does_not_change_the_next_callers(
        report_book: ReportBook) -> None:
    first = category_breakdown(report_book.owner)
    first.loc[:, "total"] = 0
    first["scribble"] = "mine"
    again = category_breakdown(report_book.owner)
    assert "scribble" not in again.columns
    assert (again["total"] != 0).any()


def test_a_new_day_asks_again_so_a_scheduled_row_counts_once_its_day_has_come(
        report_book: ReportBook) -> None:
    with time_machine.travel(dt.datetime(2024, 3, 24, 12, tzinfo=dt.UTC), tick=False):
        tx.add_transaction(report_book.owner, tx.TransactionInput(
            report_book.accounts["Girokonto"], dt.date(2024, 3, 25), "-7.00", "Standing order",
            category_id=report_book.categories["Hobbies"], scheduled=True))
        on_the_24th = monthly_summary(report_book.owner, MARCH).expenses
    with time_machine.travel(dt.datetime(2024, 3, 25, 12, tzinfo=dt.UTC), tick=False):
        assert monthly_summary(report_book.owner, MARCH).expenses == on_the_24th - 700


def test_a_database_replaced_under_the_same_url_is_not_answered_from_memory(
        report_book: ReportBook, monkeypatch: pytest.MonkeyPatch) -> None:
    monthly_summary(report_book.owner, MARCH)
    forget_report_store(report_book.db)
    ran = count_queries(monkeypatch)
    monthly_summary(report_book.owner, MARCH)
    assert ran, "a new store must ask its own copy"


def test_shared_exchange_rates_move_every_books_version(report_book: ReportBook) -> None:
    def versions() -> dict[int, int]:
        with report_book.db.read() as s:
            return {b.id: b.data_version for b in s.scalars(select(Book))}

    before = versions()
    with report_book.db.write() as s:
        store_market_rates(s, "EUR", "USD", [(dt.date(2024, 3, 29), Decimal("1.25"))], "yahoo")
    after = versions()
    assert len(before) >= 2
    assert all(after[book] == before[book] + 1 for book in before)
    # The same rate stored again changes nothing, so no copy is rebuilt for it.
    with report_book.db.write() as s:
        store_market_rates(s, "EUR", "USD", [(dt.date(2024, 3, 29), Decimal("1.25"))], "yahoo")
    assert versions() == after


def test_a_shared_rate_written_for_any_book_makes_the_summary_ask_again(
        report_book: ReportBook, monkeypatch: pytest.MonkeyPatch) -> None:
    remembered = monthly_summary(report_book.owner, MARCH)
    ran = count_queries(monkeypatch)
    with report_book.db.write() as s:  # a price refresh in another book stores it
        store_market_rates(s, "EUR", "USD", [(dt.date(2024, 3, 29), Decimal("1.25"))], "yahoo")
    again = monthly_summary(report_book.owner, MARCH)
    assert ran, "the summary must be computed again"
    # The book's own rate (1.20 from March) still wins over the shared one.
    assert again.expenses == remembered.expenses
