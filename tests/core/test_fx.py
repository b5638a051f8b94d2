"""Exchange rates: a book's manual rates stay in that book, are exact Decimals, and the rate for
a date is the latest on or before it, with the inverse pair derived."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest

from fintrack_core.db.models import FxRate
from fintrack_core.errors import PermissionDenied, ValidationError
from fintrack_core.ledger import fx

if TYPE_CHECKING:
    from tests.conftest import SmallBook

JAN1, FEB1, MAR1 = dt.date(2024, 1, 1), dt.date(2024, 2, 1), dt.date(2024, 3, 1)


def test_a_rate_is_stored_and_read_back_exactly(small_book: SmallBook) -> None:
    view = fx.set_rate(small_book.owner, "eur", "gbp", FEB1, "0.8571")
    assert view == fx.RateView("EUR", "GBP", FEB1, Decimal("0.8571"), "manual")
    assert fx.list_rates(small_book.owner) == [
        fx.RateView("EUR", "GBP", FEB1, Decimal("0.8571"), "manual"),
        fx.RateView("EUR", "USD", JAN1, Decimal("1.10"), "manual"),
    ]
    assert str(fx.list_rates(small_book.owner)[1].rate) == "1.10"


def test_setting_a_rate_again_on_the_same_day_replaces_it(small_book: SmallBook) -> None:
    fx.set_rate(small_book.owner, "EUR", "USD", JAN1, Decimal("1.0934"))
    assert [(r.date, r.rate) for r in fx.list_rates(small_book.owner)] == [
        (JAN1, Decimal("1.0934"))]


@pytest.mark.parametrize(
    ("base", "quote", "rate", "field"),
    [
        ("EUR", "USD", "0", "rate"),
        ("EUR", "USD", "-1.08", "rate"),
        ("EUR", "USD", "one", "rate"),
        ("EUR", "USD", "NaN", "rate"),
        ("EUR", "USD", "Infinity", "rate"),
        ("EUR", "EUR", "1", "quote"),
        ("EURO", "USD", "1.08", "base"),
        ("EUR", "US$", "1.08", "quote"),
    ],
)
def test_set_rate_validation_names_the_field(small_book: SmallBook, base: str, quote: str,
                                             rate: str, field: str) -> None:
    with pytest.raises(ValidationError) as err:
        fx.set_rate(small_book.owner, base, quote, FEB1, rate)
    assert err.value.field == field
    assert len(fx.list_rates(small_book.owner)) == 1


def test_delete_rate_accepts_codes_as_set_rate_does(small_book: SmallBook) -> None:
    fx.set_rate(small_book.owner, "EUR", "CHF", FEB1, "0.95")
    fx.delete_rate(small_book.owner, "eur", "chf", FEB1)
    fx.delete_rate(small_book.owner, "EUR", "USD", FEB1)  # no rate that day: nothing happens
    assert [(r.base, r.quote, r.date) for r in fx.list_rates(small_book.owner)] == [
        ("EUR", "USD", JAN1)]


def test_a_viewer_reads_rates_but_cannot_change_them(small_book: SmallBook) -> None:
    assert fx.list_rates(small_book.viewer) == fx.list_rates(small_book.owner)
    with pytest.raises(PermissionDenied):
        fx.set_rate(small_book.viewer, "EUR", "USD", FEB1, "1.08")
    with pytest.raises(PermissionDenied):
        fx.delete_rate(small_book.viewer, "EUR", "USD", JAN1)
    assert len(fx.list_rates(small_book.owner)) == 1


def test_manual_rates_stay_in_their_book_and_shared_rates_reach_all(
        small_book: SmallBook) -> None:
    sb = small_book
    assert fx.list_rates(sb.other) == []
    assert fx.rate_table(sb.other).rate("EUR", "USD", MAR1) is None
    with sb.db.write() as s:  # a provider-fetched market rate has no book
        s.add(FxRate(book_id=None, base="GBP", quote="EUR", date=FEB1, rate="1.1667",
                     source="ecb"))
    shared = fx.RateView("GBP", "EUR", FEB1, Decimal("1.1667"), "ecb")
    assert fx.list_rates(sb.other) == [shared]
    assert shared in fx.list_rates(sb.owner)


@pytest.fixture
def table(small_book: SmallBook) -> fx.RateTable:
    fx.set_rate(small_book.owner, "EUR", "USD", FEB1, "1.08")
    fx.set_rate(small_book.owner, "USD", "EUR", MAR1, "0.95")
    return fx.rate_table(small_book.owner)


@pytest.mark.parametrize(
    ("base", "quote", "on", "rate"),
    [
        ("EUR", "USD", dt.date(2023, 12, 31), None),  # before the first rate
        ("EUR", "USD", JAN1, Decimal("1.10")),
        ("EUR", "USD", dt.date(2024, 1, 31), Decimal("1.10")),  # latest on or before
        ("EUR", "USD", FEB1, Decimal("1.08")),
        ("USD", "EUR", dt.date(2024, 1, 15), Decimal(1) / Decimal("1.10")),  # derived inverse
        ("USD", "EUR", dt.date(2024, 2, 15), Decimal(1) / Decimal("1.08")),
        ("USD", "EUR", MAR1, Decimal("0.95")),  # a newer direct rate wins over the inverse
        ("EUR", "USD", dt.date(2024, 3, 10), Decimal(1) / Decimal("0.95")),
        ("EUR", "EUR", JAN1, Decimal(1)),
        ("EUR", "GBP", MAR1, None),
    ],
)
def test_rate_table_uses_the_latest_rate_on_or_before_the_date(
        table: fx.RateTable, base: str, quote: str, on: dt.date, rate: Decimal | None) -> None:
    assert table.rate(base, quote, on) == rate


def test_on_the_same_day_the_direct_rate_wins() -> None:
    table = fx.RateTable([fx.RateView("EUR", "USD", FEB1, Decimal("1.08"), "manual"),
                          fx.RateView("USD", "EUR", FEB1, Decimal("0.93"), "manual")])
    assert table.rate("USD", "EUR", FEB1) == Decimal("0.93")
    assert table.rate("EUR", "USD", FEB1) == Decimal("1.08")


@pytest.mark.parametrize(("book_pair", "book_rate", "expected"), [
    (("USD", "EUR"), "0.90", Decimal("0.90")),   # both direct: the book's, not the shared
    (("EUR", "USD"), "1.25", Decimal("0.8")),    # the book's inverted beats a shared direct
])
def test_pages_and_reports_pick_the_books_rate_over_a_shared_one_of_the_same_day(
        small_book: SmallBook, book_pair: tuple[str, str], book_rate: str,
        expected: Decimal) -> None:
    """``RateTable`` and the report copy used to apply two rules: the table took the larger
    rate of a day (or the direct pair), the copy the book's own. Now both ask ``daily_rates``."""
    from fintrack_core.filters import TransactionFilter
    from fintrack_core.ledger.transactions import TransactionInput, add_transaction
    from fintrack_core.reports.drilldown import drilldown

    sb = small_book
    with sb.db.write() as s:
        s.add(FxRate(book_id=None, base="USD", quote="EUR", date=FEB1, rate="0.95",
                     source="ecb"))
    fx.set_rate(sb.owner, *book_pair, FEB1, book_rate)
    assert fx.rate_table(sb.owner).rate("USD", "EUR", FEB1) == expected
    add_transaction(sb.owner, TransactionInput(sb.card.id, FEB1, "-10.00", "Diner"))
    rows = drilldown(sb.owner, TransactionFilter(date_from=FEB1, date_to=FEB1)).rows
    assert list(rows["amount_base"]) == [int(Decimal("-1000") * expected)]
