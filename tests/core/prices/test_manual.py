"""A book's own prices: one typed in, and a price CSV where every line is accounted for and
the file is stored all at once or not at all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from fintrack_core.db.portfolio_models import Price
from fintrack_core.errors import NotFound, PermissionDenied, ValidationError
from fintrack_core.prices import import_prices, latest_price, price_history, set_price
from tests.core.prices.conftest import PriceBook

FRI = dt.date(2026, 11, 27)


def stored(book: PriceBook) -> list[tuple[str, str, str, str, str]]:
    with book.db.read() as s:
        return [(r.provider_id, r.date.isoformat(), r.close, r.currency, r.source)
                for r in s.scalars(select(Price).where(Price.book_id == book.owner.book_id)
                                   .order_by(Price.provider_id, Price.date))]


def test_set_price_stores_the_exact_text_and_replaces_the_same_day(book: PriceBook) -> None:
    view = set_price(book.owner, book.assets["HOUSE"], FRI, "450000.00", today=FRI)
    assert (view.close, view.currency, view.source, view.label) == (
        Decimal("450000.00"), "EUR", "manual", "price from today")
    set_price(book.owner, "HOUSE", FRI, "455000.50", currency="chf", today=FRI)
    assert stored(book) == [("HOUSE", "2026-11-27", "455000.50", "CHF", "manual")]


@pytest.mark.parametrize(("price", "day", "words"), [
    ("0", FRI, "more than zero"), ("-3", FRI, "not a price"), ("1e3", FRI, "not a price"),
    ("12,50", FRI, "not a price"), ("1" * 41, FRI, "more than 40"),
    ("10", FRI + dt.timedelta(days=1), "in the future")])
def test_set_price_refuses_bad_input(book: PriceBook, price: str, day: dt.date,
                                     words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        set_price(book.owner, book.assets["HOUSE"], day, price, today=FRI)
    assert stored(book) == []


def test_set_price_needs_a_writer_in_the_assets_book(book: PriceBook) -> None:
    with pytest.raises(PermissionDenied, match="viewer"):
        set_price(book.viewer, book.assets["HOUSE"], FRI, "1", today=FRI)
    with pytest.raises(NotFound, match="asset"):
        set_price(book.other, book.assets["HOUSE"], FRI, "1", today=FRI)
    with pytest.raises(NotFound, match="asset"):
        set_price(book.other, "HOUSE", FRI, "1", today=FRI)
    with pytest.raises(ValidationError, match="currency"):
        set_price(book.owner, "HOUSE", FRI, "1", currency="EURO", today=FRI)
    assert stored(book) == []


CSV = """symbol,date,price,currency
HOUSE,2026-11-20,450000,
aapl,2026-11-20,271.5,USD
HOUSE,2026-11-27,455000.50,EUR
"""


def test_a_clean_file_is_imported_and_a_second_time_replaced(book: PriceBook) -> None:
    result = import_prices(book.owner, CSV.encode("utf-8-sig"), today=FRI)
    assert (result.imported, result.replaced, result.invalid, result.rejected) == (3, 0, [],
                                                                                  False)
    assert stored(book) == [("AAPL", "2026-11-20", "271.5", "USD", "manual"),
                            ("HOUSE", "2026-11-20", "450000", "EUR", "manual"),
                            ("HOUSE", "2026-11-27", "455000.50", "EUR", "manual")]
    again = import_prices(book.owner, CSV.replace("271.5", "272"), today=FRI)
    assert (again.imported, again.replaced) == (0, 3)
    assert [line.status for line in again.lines] == ["replaced"] * 3
    assert price_history(book.owner, book.assets["AAPL"])[0].close == Decimal("272")


BAD = """symbol,date,price
HOUSE,2026-11-20,450000
NOPE,2026-11-20,1
HOUSE,20.11.2026,1
HOUSE,2026-11-21,abc
HOUSE,2026-11-20,451000
HOUSE,2026-12-01,1
HOUSE,2026-11-22
AAPL,2026-11-20,271.5
"""


def test_every_line_is_accounted_for_and_an_invalid_line_rejects_the_file(
        book: PriceBook) -> None:
    result = import_prices(book.owner, BAD, today=FRI)
    assert result.rejected
    assert (result.imported, result.replaced) == (0, 0)
    assert [(x.line, x.status) for x in result.lines] == [
        (2, "imported"), (3, "invalid"), (4, "invalid"), (5, "invalid"), (6, "invalid"),
        (7, "invalid"), (8, "invalid"), (9, "imported")]
    assert [x.reason for x in result.invalid] == [
        "symbol: no asset 'NOPE' in this book",
        "date: '20.11.2026' is not a date in the form YYYY-MM-DD",
        "price: 'abc' is not a price (digits, '.' as the point)",
        "row: line 2 already gives HOUSE on 2026-11-20",
        "date: 2026-12-01 is in the future",
        "row: has 2 fields, the header 3"]
    assert stored(book) == []
    kept = import_prices(book.owner, BAD, skip_invalid=True, today=FRI)
    assert (kept.imported, kept.replaced, len(kept.invalid), kept.rejected) == (2, 0, 6, False)
    assert [r[:3] for r in stored(book)] == [("AAPL", "2026-11-20", "271.5"),
                                             ("HOUSE", "2026-11-20", "450000")]


def test_a_dry_run_stores_nothing(book: PriceBook) -> None:
    preview = import_prices(book.owner, CSV, dry_run=True, today=FRI)
    assert (preview.imported, preview.dry_run) == (3, True)
    assert preview.as_json()["rows"][0] == {
        "line": 2, "symbol": "HOUSE", "date": "2026-11-20", "price": "450000",
        "currency": "EUR", "status": "imported", "reason": ""}
    assert stored(book) == []


@pytest.mark.parametrize(("data", "words"), [
    ("", "empty"), ("symbol,price\nHOUSE,1\n", "header must be"),
    ("symbol,date,price,notes\n", "header must be"), (b"\xff\xfe\x00", "UTF-8")])
def test_a_file_that_is_not_a_price_csv_is_refused(book: PriceBook, data: str | bytes,
                                                   words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        import_prices(book.owner, data, today=FRI)


def test_importing_needs_a_writer_and_sees_only_the_books_assets(book: PriceBook) -> None:
    with pytest.raises(PermissionDenied, match="viewer"):
        import_prices(book.viewer, CSV, today=FRI)
    with pytest.raises(PermissionDenied, match="viewer"):
        import_prices(book.viewer, CSV, dry_run=True, today=FRI)
    carols = import_prices(book.other, CSV, today=FRI)  # Carol has AAPL but no HOUSE
    assert [x.status for x in carols.lines] == ["invalid", "imported", "invalid"]
    assert carols.rejected
    assert stored(book) == []
    assert latest_price(book.other, book.other_asset, FRI) is None
