"""Which price an asset has and how old it is: the book's own price against the shared
market one, staleness by market calendar, and the words a page shows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fintrack_core.db.portfolio_models import Asset, AssetKind, PriceProvider
from fintrack_core.errors import NotFound
from fintrack_core.prices import age_label, latest_price, latest_prices, price_history, set_price
from fintrack_core.prices.cache import PriceRow, store_market_prices, utc_now
from fintrack_core.prices.latest import last_trading_day
from tests.core.prices.conftest import PriceBook

MON, TUE, WED, FRI = (dt.date(2026, 11, 23), dt.date(2026, 11, 24), dt.date(2026, 11, 25),
                      dt.date(2026, 11, 27))


def market(book: PriceBook, provider: str, pid: str, *days: tuple[dt.date, str]) -> None:
    with book.db.write() as s:
        store_market_prices(s, provider, pid, [PriceRow(d, Decimal(p), "USD", f"{provider} "
                                                        "close") for d, p in days], utc_now())


@pytest.mark.parametrize(("today", "every_day", "expected"), [
    (dt.date(2026, 11, 30), False, dt.date(2026, 11, 27)),  # Monday: Friday's close
    (dt.date(2026, 12, 1), False, dt.date(2026, 11, 30)),
    (dt.date(2026, 11, 29), False, dt.date(2026, 11, 27)),  # Sunday
    (dt.date(2026, 11, 30), True, dt.date(2026, 11, 29)),  # crypto: yesterday
])
def test_last_trading_day(today: dt.date, every_day: bool, expected: dt.date) -> None:
    assert last_trading_day(today, every_day) == expected


@pytest.mark.parametrize(("day", "label"), [
    (FRI, "price from today"), (dt.date(2026, 11, 26), "price from yesterday"),
    (MON, "price from 4 days ago"), (dt.date(2026, 9, 28), "price from 60 days ago"),
    (dt.date(2026, 9, 27), "price from 2026-09-27")])
def test_age_labels(day: dt.date, label: str) -> None:
    assert age_label(day, FRI) == label


def test_the_latest_day_wins_and_the_books_own_price_wins_a_shared_day(
        book: PriceBook) -> None:
    aapl = book.assets["AAPL"]
    market(book, "yahoo", "AAPL", (MON, "270.00"), (TUE, "271.50"))
    set_price(book.owner, aapl, MON, "269.99", today=FRI)
    view = latest_price(book.owner, aapl, FRI)
    assert view is not None
    assert (view.day, view.close, view.own, view.source) == (TUE, Decimal("271.50"), False,
                                                             "yahoo close")
    set_price(book.owner, "aapl", TUE, "272.10", today=FRI)  # by symbol, any case
    view = latest_price(book.owner, aapl, FRI)
    assert view is not None
    assert (view.day, view.close, view.own, view.source, view.stale) == (
        TUE, Decimal("272.10"), True, "manual", False)  # a typed price is never stale
    assert view.label == "price from 3 days ago"
    assert [(p.day, p.close, p.own) for p in price_history(book.owner, aapl)] == [
        (MON, Decimal("269.99"), True), (TUE, Decimal("272.10"), True)]
    # Carol's AAPL shares the market price, never Alice's typed one.
    carols = latest_price(book.other, book.other_asset, FRI)
    assert carols is not None
    assert (carols.close, carols.own) == (Decimal("271.50"), False)


def test_staleness_follows_the_market_calendar(book: PriceBook) -> None:
    market(book, "yahoo", "AAPL", (WED, "270"))
    market(book, "coingecko", "bitcoin", (WED, "67000"))
    on_fri = latest_prices(book.owner, today=FRI)
    aapl, btc = on_fri[book.assets["AAPL"]], on_fri[book.assets["BTC"]]
    assert (aapl.stale, aapl.age_days) == (True, 2)  # Thursday's close is missing
    assert btc.stale
    on_thu = latest_prices(book.owner, today=dt.date(2026, 11, 26))
    assert not on_thu[book.assets["AAPL"]].stale
    assert not on_thu[book.assets["BTC"]].stale


def test_assets_without_prices_are_absent_and_unknown_ids_are_not_found(
        book: PriceBook) -> None:
    assert latest_prices(book.owner, today=FRI) == {}
    assert latest_price(book.owner, book.assets["HOUSE"], FRI) is None
    with pytest.raises(NotFound, match="asset"):
        latest_price(book.owner, book.other_asset, FRI)
    with pytest.raises(NotFound, match="asset"):
        price_history(book.owner, 10**20)


def test_a_manual_asset_reads_only_the_books_own_prices(book: PriceBook) -> None:
    market(book, "manual", "HOUSE", (MON, "1"))  # a stray shared row must not price it
    set_price(book.owner, book.assets["HOUSE"], TUE, "450000", today=FRI)
    view = latest_price(book.owner, book.assets["HOUSE"], FRI)
    assert view is not None
    assert (view.close, view.currency, view.stale) == (Decimal("450000"), "EUR", False)
    with book.db.read() as s:
        house = s.get(Asset, book.assets["HOUSE"])
        assert house is not None
        assert (house.kind, house.provider) == (AssetKind.OTHER, PriceProvider.MANUAL)
